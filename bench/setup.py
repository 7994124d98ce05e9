"""A data folder with an account on the fake Pocket server, its token in a keychain."""

from __future__ import annotations

import os
import random
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import keyring
from pocket_companion.account.secrets.keyagent import TokenCache
from pocket_companion.account.secrets.keychain import KeyringTokenStore
from pocket_companion.config import Config
from pocket_companion.library.store import NewItem, Store

from tests.fakepocket import FakePocket

REPO = Path(__file__).resolve().parents[1]
PACKAGES = (REPO / "host", REPO / "installer")


def _secret_service() -> bool:
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    try:
        from keyring.backends.SecretService import Keyring

        return bool(Keyring.priority > 0)
    except Exception:
        return False


def keychain_env(tmp: Path) -> tuple[dict[str, str], str]:
    """Environment for hosts, and a description: the real Secret Service when one runs."""
    if _secret_service():
        from keyring.backends.SecretService import Keyring

        keyring.set_keyring(Keyring())
        return ({"PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring"},
                "Secret Service (gnome-keyring)")
    from tests.support.keyrings import FileKeyring

    env = {"PYTHON_KEYRING_BACKEND": "tests.support.keyrings.FileKeyring",
           "TEST_KEYRING_FILE": str(tmp / "keyring.json"), "PYTHONPATH": str(REPO)}
    os.environ.update(env)
    keyring.set_keyring(FileKeyring())
    return env, "a test file keyring (no Secret Service running: token lookups are faster)"


def account_home(tmp: Path, fake: FakePocket, name: str) -> tuple[Path, str]:
    """A data folder logged in to ``fake``; returns it and the access token."""
    home = tmp / name
    home.mkdir(parents=True)
    token = fake.issue_token()
    settings = Config(home).update(server=fake.base_url, username=fake.username,
                                   options=(("consumer_key", fake.CONSUMER_KEY),))
    KeyringTokenStore(cache=TokenCache.from_env()).set(settings.keychain_name, token)
    return home, token


def forget_account(home: Path) -> None:
    settings = Config(home).load()
    if settings.username:
        KeyringTokenStore(cache=TokenCache.from_env()).delete(settings.keychain_name)


# Words of article titles, most common first (drawn with Zipf weights), the sites they come
# from and the tags people give: enough for realistic titles, URLs and tags.
_TITLE_WORDS = """
new how why best guide review first world year people city home time life day work data
science open market water food history climate energy book film music health science code
python rust linux design money school game war art travel study report video photos music
story state police court trump china europe africa india japan london paris berlin tokyo
recipe bread coffee cheese garden running sleep brain heart cancer vaccine virus hospital
space moon mars rocket nasa telescope galaxy planet ocean forest river mountain island
election vote party president minister law tax bank crisis price inflation housing rent
startup founder company apple google amazon microsoft meta tesla chips phone laptop web
browser privacy security password encryption hacker ai model learning neural robot car
bike train flight airport hotel beach summer winter spring autumn weekend holiday family
children parents teacher students university research paper theory physics chemistry
biology math history ancient roman medieval empire revolution museum painting novel poem
album concert guitar piano jazz podcast interview essay letter diary notes tips tricks
mistakes lessons secrets rules habits tools apps setup workflow productivity focus
"""
_WORDS = list(dict.fromkeys(_TITLE_WORDS.split()))
_SITES = [f"{name}.{tld}" for name in _WORDS[20:140] for tld in ("com", "org", "net")]
_TAGS = ("read later", "python", "cooking", "travel", "science", "work", "news", "ideas",
         "longread", "video", "todo", "research", "design", "music", "health", "money")
EVERYWHERE = "the"  # a word in every title


class Filled(NamedTuple):
    urls: list[str]
    typical: list[str]  # words in about 1 % of the titles


def _page(rng: random.Random, n: int, weights: list[float]) -> NewItem:
    words = rng.choices(_WORDS, weights, k=rng.randint(3, 9))
    words.insert(rng.randint(0, len(words)), EVERYWHERE)
    site = rng.choice(_SITES)
    url = f"https://www.{site}/{rng.randint(2010, 2026)}/{'-'.join(words[:6])}-{n}"
    tags = tuple(rng.sample(_TAGS, rng.choice((0, 0, 1, 1, 2, 3))))
    return NewItem(url, " ".join(words).capitalize(), tags)


def fill(home: Path, count: int) -> Filled:
    """``count`` saved pages with realistic titles, URLs and tags in a local-only reading
    list (no account), and words of their titles that a typical search would use."""
    home.mkdir(parents=True, exist_ok=True)
    store = Store(home / "reading-list.sqlite3")
    rng = random.Random(12)
    weights = [1 / (rank + 1) ** 1.07 for rank in range(len(_WORDS))]
    pages = [_page(rng, n, weights) for n in range(count)]
    for start in range(0, count, 5000):
        store.save(pages[start:start + 5000])
    store.db.close()
    seen = Counter(word for page in pages for word in set(page.title.lower().split()))
    typical = sorted(seen, key=lambda word: abs(seen[word] - count / 100))[:10]
    return Filled([page.url for page in pages], typical)
