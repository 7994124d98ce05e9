"""The one table of where browsers look for native messaging hosts.

One row per browser and channel (Flatpak builds are rows of their own), one
:class:`Spec` per operating system. Install writes the places a spec marks as
written, uninstall follows the receipt, and the doctor walks the same places in
the browser's own search order. Templates name folders from
:func:`pocket_companion_installer.machine.places` (``{config}``, ``{appsupport}``,
``{localappdata}`` ...) and ``{app}``, the Flatpak application id.

Quirks encoded here (see the notes in the project's research on native messaging):

- Brave on macOS reads Chrome's folders; its own ``BraveSoftware`` folder is written
  too because some releases read it. On Linux its system folder is Chrome's.
- Opera reads Chrome's locations everywhere; Brave and Vivaldi use Chrome's registry key.
- Edge falls back to Chromium's and then Chrome's registry keys; Chromium to Chrome's.
- Firefox's system folder is ``/usr/lib`` or ``/usr/lib64`` depending on the build: both
  are written. ESR and Developer Edition share Firefox's folders; LibreWolf has its own
  on Linux and macOS and reads Mozilla's registry key on Windows.
- Flatpak browsers only see their own home under ``~/.var/app/<id>``: user scope only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Literal, NamedTuple

from pocket_companion.nativehost.caller import HOST_NAME

from .machine import Machine, OSName, Scope, places
from .registry import RegKey

Family = Literal["chromium", "firefox"]
MANIFEST_FILE = f"{HOST_NAME}.json"

CHROME, CHROMIUM, EDGE, MOZILLA = "Google\\Chrome", "Chromium", "Microsoft\\Edge", "Mozilla"
_CHROME_MAC = ("{appsupport}/Google/Chrome/NativeMessagingHosts",)
_CHROME_MAC_SYSTEM = ("/Library/Google/Chrome/NativeMessagingHosts",)
_CHROME_LINUX_SYSTEM = ("/etc/opt/chrome/native-messaging-hosts",)
_EDGE_LINUX_SYSTEM = ("/etc/opt/edge/native-messaging-hosts",)
_EDGE_MAC_SYSTEM = ("/Library/Microsoft/Edge/NativeMessagingHosts",)
_FIREFOX_LINUX_SYSTEM = ("/usr/lib/mozilla/native-messaging-hosts",
                         "/usr/lib64/mozilla/native-messaging-hosts")
_FLATPAK_EVIDENCE = ("{data}/flatpak/app/{app}", "/var/lib/flatpak/app/{app}")


@dataclass(frozen=True)
class Spec:
    """Where one browser looks on one operating system."""

    user: tuple[str, ...] = ()  # manifest folders, in search order
    system: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()  # Windows: vendor keys under SOFTWARE, in search order
    evidence: tuple[str, ...] = ()  # any of these existing means the browser is installed


@dataclass(frozen=True)
class Browser:
    name: str
    title: str
    family: Family
    specs: Mapping[OSName, Spec] = field(default_factory=dict)
    flatpak: str | None = None  # the Flatpak application id of a sandboxed build


class Folder(NamedTuple):
    """A manifest file the browser reads (or install writes)."""

    scope: Scope
    path: PurePath
    writes: bool = True

    def __str__(self) -> str:
        return str(self.path)


class Key(NamedTuple):
    """A registry key whose default value names the manifest file (Windows)."""

    scope: Scope
    key: RegKey
    writes: bool = True

    def __str__(self) -> str:
        return str(self.key)


Place = Folder | Key


def _chromium_linux(folder: str, system: tuple[str, ...], *evidence: str) -> Spec:
    return Spec(user=(f"{{config}}/{folder}/NativeMessagingHosts",), system=system,
                evidence=(f"{{config}}/{folder}", *evidence))


def _mac(user: tuple[str, ...], system: tuple[str, ...], *evidence: str) -> Spec:
    return Spec(user=user, system=system, evidence=evidence)


def _win(keys: tuple[str, ...], *evidence: str) -> Spec:
    return Spec(keys=keys, evidence=evidence)


def _chrome(name: str, title: str, linux: str, mac: str, win: str) -> Browser:
    app = f"/Applications/Google {title}.app"
    program = f"/opt/google/{linux.removeprefix('google-')}"
    return Browser(name, f"Google {title}", "chromium", {
        "linux": _chromium_linux(linux, _CHROME_LINUX_SYSTEM, program),
        "darwin": _mac((f"{{appsupport}}/Google/{mac}/NativeMessagingHosts",),
                       _CHROME_MAC_SYSTEM, app, f"{{appsupport}}/Google/{mac}"),
        "windows": _win((CHROME,), f"{{localappdata}}/Google/{win}/User Data"),
    })


def _edge(name: str, suffix: str) -> Browser:
    linux = "microsoft-edge" + suffix.lower().replace(" ", "-")
    mac = "Microsoft Edge" + suffix
    return Browser(name, mac, "chromium", {
        "linux": _chromium_linux(linux, _EDGE_LINUX_SYSTEM,
                                 "/opt/microsoft/msedge" + suffix.lower().replace(" ", "-")),
        "darwin": _mac((f"{{appsupport}}/{mac}/NativeMessagingHosts",), _EDGE_MAC_SYSTEM,
                       f"/Applications/{mac}.app", f"{{appsupport}}/{mac}"),
        "windows": _win((EDGE, CHROMIUM, CHROME),
                        f"{{localappdata}}/Microsoft/Edge{suffix}/User Data"),
    })


def _flatpak(name: str, title: str, family: Family, app: str, folder: str) -> Browser:
    spec = Spec(user=(f"{{home}}/.var/app/{{app}}/{folder}",),
                evidence=("{home}/.var/app/{app}", *_FLATPAK_EVIDENCE))
    return Browser(name, f"{title} (Flatpak)", family, {"linux": spec}, flatpak=app)


_TABLE: tuple[Browser, ...] = (
    _chrome("chrome", "Chrome", "google-chrome", "Chrome", "Chrome"),
    _chrome("chrome-beta", "Chrome Beta", "google-chrome-beta", "Chrome Beta", "Chrome Beta"),
    _chrome("chrome-dev", "Chrome Dev", "google-chrome-unstable", "Chrome Dev", "Chrome Dev"),
    _chrome("chrome-canary", "Chrome Canary", "google-chrome-canary", "Chrome Canary",
            "Chrome SxS"),
    Browser("chromium", "Chromium", "chromium", {
        "linux": _chromium_linux("chromium", ("/etc/chromium/native-messaging-hosts",),
                                 "/usr/bin/chromium", "/usr/bin/chromium-browser",
                                 "/usr/lib/chromium"),
        "darwin": _mac(("{appsupport}/Chromium/NativeMessagingHosts",),
                       ("/Library/Application Support/Chromium/NativeMessagingHosts",),
                       "/Applications/Chromium.app", "{appsupport}/Chromium"),
        "windows": _win((CHROMIUM, CHROME), "{localappdata}/Chromium/User Data"),
    }),
    _edge("edge", ""),
    _edge("edge-beta", " Beta"),
    _edge("edge-dev", " Dev"),
    Browser("brave", "Brave", "chromium", {
        "linux": _chromium_linux("BraveSoftware/Brave-Browser", _CHROME_LINUX_SYSTEM,
                                 "/opt/brave.com/brave"),
        "darwin": _mac((*_CHROME_MAC,
                        "{appsupport}/BraveSoftware/Brave-Browser/NativeMessagingHosts"),
                       _CHROME_MAC_SYSTEM, "/Applications/Brave Browser.app",
                       "{appsupport}/BraveSoftware/Brave-Browser"),
        "windows": _win((CHROME,), "{localappdata}/BraveSoftware/Brave-Browser/User Data"),
    }),
    Browser("vivaldi", "Vivaldi", "chromium", {
        "linux": _chromium_linux("vivaldi", ("/etc/opt/vivaldi/native-messaging-hosts",
                                             "/etc/vivaldi/native-messaging-hosts"),
                                 "/opt/vivaldi"),
        "darwin": _mac(("{appsupport}/Vivaldi/NativeMessagingHosts",),
                       ("/Library/Application Support/Vivaldi/NativeMessagingHosts",),
                       "/Applications/Vivaldi.app", "{appsupport}/Vivaldi"),
        "windows": _win((CHROME,), "{localappdata}/Vivaldi/User Data"),
    }),
    Browser("opera", "Opera", "chromium", {
        "linux": Spec(user=("{config}/google-chrome/NativeMessagingHosts",),
                      system=_CHROME_LINUX_SYSTEM,
                      evidence=("{config}/opera", "/usr/bin/opera",
                                "/usr/lib/x86_64-linux-gnu/opera")),
        "darwin": _mac(_CHROME_MAC, _CHROME_MAC_SYSTEM, "/Applications/Opera.app",
                       "{appsupport}/com.operasoftware.Opera"),
        "windows": _win((CHROME,), "{appdata}/Opera Software/Opera Stable"),
    }),
    Browser("firefox", "Firefox (also ESR and Developer Edition)", "firefox", {
        "linux": Spec(user=("{home}/.mozilla/native-messaging-hosts",),
                      system=_FIREFOX_LINUX_SYSTEM,
                      evidence=("{home}/.mozilla/firefox", "/usr/lib/firefox",
                                "/usr/lib/firefox-esr", "/usr/bin/firefox",
                                "/usr/bin/firefox-esr", "/opt/firefox")),
        "darwin": _mac(("{appsupport}/Mozilla/NativeMessagingHosts",),
                       ("/Library/Application Support/Mozilla/NativeMessagingHosts",),
                       "/Applications/Firefox.app", "/Applications/Firefox Developer Edition.app",
                       "{appsupport}/Firefox"),
        "windows": _win((MOZILLA,), "{appdata}/Mozilla/Firefox"),
    }),
    Browser("librewolf", "LibreWolf", "firefox", {
        "linux": Spec(user=("{home}/.librewolf/native-messaging-hosts",),
                      system=("/usr/lib/librewolf/native-messaging-hosts",),
                      evidence=("{home}/.librewolf", "/usr/lib/librewolf",
                                "/usr/share/librewolf")),
        "darwin": _mac(("{appsupport}/LibreWolf/NativeMessagingHosts",),
                       ("/Library/Application Support/LibreWolf/NativeMessagingHosts",),
                       "/Applications/LibreWolf.app", "{appsupport}/librewolf"),
        "windows": _win((MOZILLA,), "{appdata}/librewolf"),
    }),
    _flatpak("chrome-flatpak", "Google Chrome", "chromium", "com.google.Chrome",
             "config/google-chrome/NativeMessagingHosts"),
    _flatpak("chromium-flatpak", "Chromium", "chromium", "org.chromium.Chromium",
             "config/chromium/NativeMessagingHosts"),
    _flatpak("edge-flatpak", "Microsoft Edge", "chromium", "com.microsoft.Edge",
             "config/microsoft-edge/NativeMessagingHosts"),
    _flatpak("brave-flatpak", "Brave", "chromium", "com.brave.Browser",
             "config/BraveSoftware/Brave-Browser/NativeMessagingHosts"),
    _flatpak("vivaldi-flatpak", "Vivaldi", "chromium", "com.vivaldi.Vivaldi",
             "config/vivaldi/NativeMessagingHosts"),
    _flatpak("firefox-flatpak", "Firefox", "firefox", "org.mozilla.firefox",
             ".mozilla/native-messaging-hosts"),
    _flatpak("librewolf-flatpak", "LibreWolf", "firefox", "io.gitlab.librewolf-community",
             ".librewolf/native-messaging-hosts"),
)

BROWSERS: dict[str, Browser] = {browser.name: browser for browser in _TABLE}
ALIASES = {"google-chrome": "chrome", "chrome-stable": "chrome", "chrome-unstable": "chrome-dev",
           "msedge": "edge", "microsoft-edge": "edge", "firefox-esr": "firefox",
           "firefox-developer": "firefox", "firefox-devedition": "firefox"}


def lookup(name: str) -> Browser | None:
    name = name.strip().lower()
    return BROWSERS.get(ALIASES.get(name, name))


def _expand(template: str, machine: Machine, browser: Browser) -> PurePath:
    values = {key: str(value) for key, value in places(machine).items()}
    return machine.path(template.format(app=browser.flatpak or "", **values))


def _reg_path(vendor: str) -> str:
    return f"SOFTWARE\\{vendor}\\NativeMessagingHosts\\{HOST_NAME}"


def search_order(browser: Browser, machine: Machine) -> list[Place]:
    """Every place the browser reads, in the order it reads them (user scope first)."""
    spec = browser.specs.get(machine.os)
    if spec is None:
        return []
    if spec.keys:
        return _key_order(spec.keys)
    scopes: tuple[tuple[Scope, tuple[str, ...]], ...] = (("user", spec.user),
                                                         ("system", spec.system))
    return [Folder(scope, _expand(template, machine, browser) / MANIFEST_FILE)
            for scope, templates in scopes for template in templates]


def _key_order(vendors: tuple[str, ...]) -> list[Place]:
    """HKCU, then HKLM's 32-bit view, then its 64-bit view; only the browser's own key
    (the first) is written: HKCU for a user install, HKLM's 64-bit view for a system one."""
    order: list[Place] = [Key("user", RegKey("HKCU", None, _reg_path(v)), i == 0)
                          for i, v in enumerate(vendors)]
    for view in (32, 64):
        order += [Key("system", RegKey("HKLM", view, _reg_path(v)), i == 0 and view == 64)
                  for i, v in enumerate(vendors)]
    return order


def targets(browser: Browser, machine: Machine, scope: Scope) -> list[Place]:
    """The places an install for this browser and scope writes."""
    return [p for p in search_order(browser, machine) if p.scope == scope and p.writes]


def is_installed(browser: Browser, machine: Machine) -> bool:
    spec = browser.specs.get(machine.os)
    if spec is None:
        return False
    return any(machine.real(_expand(t, machine, browser)).exists() for t in spec.evidence)


def detect(machine: Machine) -> list[Browser]:
    return [browser for browser in _TABLE if is_installed(browser, machine)]
