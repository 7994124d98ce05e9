"""Large copies in replies under the browsers' 1 MiB limit: ``article`` in parts of at most
512 KiB as sent, whatever the script of the text, joined back exactly; an export with the
pages' text, whose entries may be split across replies, joined back into the file the CLI
writes."""

from __future__ import annotations

import json
import random
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pocket_companion.articles.actions import PART_BYTES, json_cuts
from pocket_companion.cli import call
from pocket_companion.cli import main as cli_main
from pocket_companion.core import Companion, Deps
from pocket_companion.errors import CompanionError
from pocket_companion.nativehost.framing import MAX_OUT, encode_frame

from tests.support.clock import Clock
from tests.support.frames import HostProcess
from tests.support.hostio import host_env

ALPHABET = "abc é中\U0001f600\\\"\n\t\x7f<>&"


def mixed_text(size: int, seed: int = 7) -> str:
    """Text of every kind JSON escapes differently: ASCII, Latin, CJK, emoji, quotes."""
    rng = random.Random(seed)
    return "".join(rng.choice(ALPHABET) for _ in range(size))


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from([*ALPHABET, "\\u", "\\\\", "\ud7ff", "\ue000"]),
                    max_size=200).map("".join),
       budget=st.integers(12, 60))
def test_parts_are_cut_between_escapes_and_join_back(text: str, budget: int) -> None:
    escaped = json.dumps(text)[1:-1]
    cuts = json_cuts(escaped, budget)
    parts = [json.loads(f'"{escaped[a:b]}"') for a, b in pairwise(cuts)]
    assert "".join(parts) == text
    for part in parts:
        part.encode("utf-8")  # no half of a surrogate pair in a part
        assert len(json.dumps(part)) - 2 <= budget
    assert all(a < b for a, b in pairwise(cuts)) or text == ""


def article_of(html: str, text: str) -> dict[str, Any]:
    return {"title": "Big", "byline": "", "site": "", "lang": "", "dir": "", "excerpt": "",
            "html": html, "text": text, "words": len(text.split())}


def test_a_large_copy_comes_in_parts_each_under_the_reply_limit(tmp_path: Path) -> None:
    html = "".join(f"<p>{mixed_text(3000, seed)}</p>" for seed in range(400))  # ~1.2 M chars
    host = HostProcess(host_env(tmp_path))
    url = "https://big.example/article"
    assert host.request("save", {"url": url})["ok"]
    reply = host.request("capture", {"url": url, "article": article_of(html, "big text")})
    assert reply["data"]["stored"] is True
    first = host.request("article", {"url": url})["data"]
    assert first["parts"] >= 3
    pieces = []
    for part in range(first["parts"]):
        reply = host.request("article", {"item_id": first["item_id"], "part": part})
        assert len(encode_frame(reply)) <= MAX_OUT
        assert len(json.dumps(reply["data"]["html"])) - 2 <= PART_BYTES
        pieces.append(reply["data"]["html"])
    joined = "".join(pieces)
    assert joined.count("<p>") == 400 and joined.startswith("<p>") and "\U0001f600" in joined
    assert host.request("article", {"url": url, "part": first["parts"]})["error"][
        "code"] == "invalid_params"
    assert host.close()[0] == 0


def save_with_text(c: Companion, url: str, text: str, title: str) -> None:
    call(c, "save", {"url": url, "title": title})
    call(c, "capture", {"url": url, "article": article_of(f"<p>{title}</p>", text)})


def exported(c: Companion, **params: Any) -> tuple[str, list[dict[str, Any]]]:
    """Every reply of an export, joined; and the replies."""
    replies, after = [], None
    while True:
        reply = call(c, "export", {**params, **({"after": after} if after else {})})
        assert len(json.dumps(reply)) < 900_000
        replies.append(reply)
        after = reply.get("next")
        if after is None:
            return "".join(r["data"] for r in replies), replies


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_an_export_with_text_splits_long_pages_and_joins_into_the_cli_file(
        local: Companion, tmp_path: Path, kind: str) -> None:
    long_text = mixed_text(700_000)  # several replies on its own once escaped
    save_with_text(local, "https://a.example/1", "Short text one.", "One")
    save_with_text(local, "https://a.example/2", long_text, "Two")
    call(local, "save", {"url": "https://a.example/3", "title": "No copy"})
    save_with_text(local, "https://a.example/4", "Short text four.", "Four")
    data, replies = exported(local, format=kind, with_text=True)
    assert len(replies) >= 3 and sum(r["count"] for r in replies) == 4
    assert any("@" in r.get("next", "") for r in replies)  # a page's entry split in two
    out = tmp_path / f"list.{kind}"
    assert cli_main(["export", "--format", kind, "--with-text", "-o", str(out)]) == 0
    from_cli = out.read_bytes().decode("utf-8")
    if kind == "json":
        parsed = json.loads(data)
        stored = long_text.replace("\x7f", "")  # no control characters in a copy's text
        assert [item.get("text") for item in parsed["items"]] == [
            "Short text four.", None, stored, "Short text one."]
        assert [i["url"] for i in json.loads(from_cli)["items"]] == [
            i["url"] for i in parsed["items"]]
        data, from_cli = data.split('"items"')[1], from_cli.split('"items"')[1]  # not the date
    else:
        assert data.splitlines()[0] == "title,url,time_added,tags,status,favorite,text"
    assert data == from_cli
    plain, _ = exported(local, format=kind)
    assert "Short text one." not in plain


def test_a_json_export_with_text_brings_the_copies_back(
        local: Companion, tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing is locked in: a JSON export with the text, imported on another computer,
    gives the same copies back (sanitized again, as every stored copy is), and an import
    never replaces a copy the list has."""
    url = "https://a.example/tide"
    call(local, "save", {"url": url, "title": "Tide"})
    call(local, "capture", {"url": url, "article": {
        **article_of('<p>Margit <a href="/m">winds</a> the tide clock.</p>',
                     "Margit winds the tide clock."), "byline": "A. Writer", "lang": "en"}})
    call(local, "save", {"url": "https://a.example/bare", "title": "No copy"})
    out = tmp_path / "list.json"
    assert cli_main(["export", "--format", "json", "--with-text", "-o", str(out)]) == 0
    exported_file = json.loads(out.read_text())
    [with_copy] = [item for item in exported_file["items"] if item["url"] == url]
    assert with_copy["article"]["source"] == "capture" and "text" not in with_copy["article"]

    monkeypatch.setenv("POCKET_COMPANION_HOME", str(tmp_path / "elsewhere"))
    assert cli_main(["import", str(out)]) == 0
    elsewhere = Companion(tmp_path / "elsewhere", Deps(clock=clock))
    again, first = (call(c, "article", {"url": url}) for c in (elsewhere, local))
    shown = ("html", "title", "byline", "site", "lang", "dir", "excerpt", "words", "source")
    assert {k: again[k] for k in shown} == {k: first[k] for k in shown}
    assert elsewhere.articles.text_of(again["item_id"]) == "Margit winds the tide clock."
    [found] = call(elsewhere, "list", {"query": "margit"})["items"]
    assert found["article"] == "stored" and "\x02Margit\x03" in found["snippet"]

    with_copy["article"]["html"] = "<p onclick=steal()>Other words<script>x()</script></p>"
    with_copy["text"] = "Other words"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(exported_file))
    assert cli_main(["import", str(changed)]) == 0
    assert call(elsewhere, "article", {"url": url})["html"] == first["html"]  # kept as it was
    [bare] = [item for item in exported_file["items"] if item["text"] is None]
    bare.update(article=with_copy["article"], text="Other words")  # a page without a copy
    changed.write_text(json.dumps(exported_file))
    assert cli_main(["import", str(changed)]) == 0
    assert call(elsewhere, "article", {"url": bare["url"]})["html"] == "<p>Other words</p>"

    bare["url"], with_copy["article"]["source"] = "https://a.example/new", "somewhere"
    changed.write_text(json.dumps(exported_file))
    capsys.readouterr()
    cli_main(["import", str(changed)])
    assert "its readable copy cannot be kept" in capsys.readouterr().err
    assert call(elsewhere, "lookup", {"url": "https://a.example/new"}) == {"saved": False}


def test_an_export_with_text_needs_a_format_that_holds_it(local: Companion,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    with pytest.raises(CompanionError) as caught:
        call(local, "export", {"format": "netscape", "with_text": True})
    assert caught.value.code == "invalid_params"
    assert cli_main(["export", "--with-text"]) == 1
    assert "--with-text needs --format csv or json" in capsys.readouterr().err


def test_an_export_cursor_into_a_page_that_changed_is_refused(local: Companion) -> None:
    save_with_text(local, "https://a.example/long", mixed_text(700_000), "Long")
    first = call(local, "export", {"format": "json", "with_text": True})
    assert "@" in first["next"]
    call(local, "modify", {"url": "https://a.example/long", "op": "tags_add", "tags": ["new"]})
    for after in (first["next"], "x:y", "1.0:2@", "1.0:2@5:zz", "@-3:00000000"):
        with pytest.raises(CompanionError) as caught:
            call(local, "export", {"format": "json", "with_text": True, "after": after})
        assert caught.value.code == "invalid_params", after
