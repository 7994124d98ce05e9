"""Host manifests rendered from the root ``manifest.json``, and checked the way browsers do.

Chromium-family browsers get ``allowed_origins`` (each ``chrome-extension://ID/``,
with the trailing slash), Firefox-family ones ``allowed_extensions`` only: Firefox
refuses a manifest with keys it does not know. :func:`check` applies the browser's
own rules in the browser's own order and words the first failure as the browser
logs it, together with the one sentence the extension is told.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from pocket_companion.nativehost.caller import HOST_NAME, host_manifest

from .browsers import Family
from .machine import Machine

NOT_FOUND = {"chromium": "Specified native messaging host not found.",
             "firefox": f"No such native application {HOST_NAME}"}
FORBIDDEN = {"chromium": "Access to the specified native messaging host is forbidden.",
             "firefox": f"No such native application {HOST_NAME}"}
FAILED_TO_START = {"chromium": "Failed to start native messaging host.",
                   "firefox": "An unexpected error occurred"}
EXITED = {"chromium": "Native host has exited.", "firefox": "An unexpected error occurred"}
BROKEN_PIPE = {"chromium": "Error when communicating with the native messaging host.",
               "firefox": "Attempt to postMessage on disconnected port"}
# A host that dies before reading its first message: Chromium reports whichever it notices
# first, the end of the host's output or the failed write of the message (seen both ways).
DIED_EARLY = {"chromium": f"{EXITED['chromium']} or {BROKEN_PIPE['chromium']} (by timing)",
              "firefox": EXITED["firefox"]}
ALLOW_KEY: dict[Family, str] = {"chromium": "allowed_origins", "firefox": "allowed_extensions"}
_FIREFOX_KEYS = {"name", "description", "path", "type", "allowed_extensions"}
_CHROME_NAME = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*")
_FIREFOX_NAME = re.compile(r"\w+(\.\w+)*", re.ASCII)


def cannot_start(family: Family, os_name: str) -> str:
    """What the extension sees when the launcher cannot be executed. Chromium on Linux and
    macOS forks before it executes the host, so the failure shows up as an early exit."""
    if family == "chromium" and os_name != "windows":
        return DIED_EARLY["chromium"]
    return FAILED_TO_START[family]


class Issue(NamedTuple):
    """Why a browser would refuse a manifest: its own log line, and what the extension sees."""

    log: str
    sees: str


def render(family: Family, launcher: str) -> dict[str, Any]:
    """The manifest for one browser family, pointing at an absolute launcher."""
    root = host_manifest()
    manifest: dict[str, Any] = {"name": root["name"], "description": root["description"],
                                "path": launcher, "type": "stdio"}
    manifest[ALLOW_KEY[family]] = list(root[ALLOW_KEY[family]])
    return manifest


def dumps(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def expected_ids(family: Family) -> list[str]:
    """The callers our extension uses: every one listed in the root manifest."""
    ids: list[str] = host_manifest()[ALLOW_KEY[family]]
    return ids


def parse(text: str, family: Family, where: str) -> tuple[Any, Issue | None]:
    try:
        return json.loads(text), None
    except ValueError as exc:
        if family == "chromium":
            return None, _chrome(f"{exc}")
        return None, Issue(f"Error parsing native manifest {where}: JSON.parse: {exc}",
                           NOT_FOUND["firefox"])


def check(data: Any, family: Family, machine: Machine, where: str) -> Issue | None:
    """The first rule of the browser's manifest parser that ``data`` breaks, if any."""
    if family == "chromium":
        return _check_chromium(data, machine)
    return _check_firefox(data, machine, where)


def _chrome(reason: str) -> Issue:
    return Issue(f"Failed to load manifest for native messaging host {HOST_NAME}: {reason}",
                 NOT_FOUND["chromium"])


def _check_chromium(data: Any, machine: Machine) -> Issue | None:
    if not isinstance(data, dict):
        return _chrome("Invalid manifest file.")
    fields = {"name": _is_chrome_name, "description": _non_empty, "type": _is_stdio,
              "path": _non_empty}
    for field, valid in fields.items():
        if not valid(data.get(field)):
            return _chrome(f"Invalid value for {field}.")
    origins = data.get("allowed_origins")
    if not isinstance(origins, list):
        return _chrome("Invalid value for allowed_origins. Expected a list of strings.")
    for origin in origins:
        if not isinstance(origin, str):
            return _chrome("allowed_origins must be list of strings.")
        problem = _origin_problem(origin)
        if problem:
            return _chrome(problem)
    if data["name"] != HOST_NAME:
        return _chrome("Invalid name specified in the manifest.")
    if machine.os != "windows" and not machine.path(data["path"]).is_absolute():
        return Issue(f"Native messaging host path must be absolute for {HOST_NAME}",
                     NOT_FOUND["chromium"])
    return None


def _origin_problem(origin: str) -> str | None:
    """Chrome's URL pattern rules for an allowed origin, in its words."""
    scheme, separator, rest = origin.partition("://")
    if not separator:
        return f'Failed to parse pattern "{origin}": Missing scheme separator.'
    if scheme != "chrome-extension":
        return f'Failed to parse pattern "{origin}": Invalid scheme.'
    host, slash, _ = rest.partition("/")
    if not host:
        return f'Failed to parse pattern "{origin}": Host can not be empty.'
    if not slash:
        return f'Failed to parse pattern "{origin}": Empty path.'
    if host == "*" or host.startswith("*."):
        return f'Pattern "{origin}" is not allowed.'
    return None


def _check_firefox(data: Any, machine: Machine, where: str) -> Issue | None:
    sees = NOT_FOUND["firefox"]
    if not isinstance(data, dict):
        return Issue(f"Native manifest {where} is not a JSON object", sees)
    unknown = sorted(set(data) - _FIREFOX_KEYS)
    if unknown:
        return Issue(f"Error processing {unknown[0]}: An unexpected property was found in the "
                     "WebExtension manifest.", sees)
    for key in ("name", "description", "path", "type"):
        if not isinstance(data.get(key), str):
            return Issue(f"Error processing {key}: Expected string instead of "
                         f"{json.dumps(data.get(key))}", sees)
    extensions = data.get("allowed_extensions")
    if not (isinstance(extensions, list) and extensions
            and all(isinstance(e, str) for e in extensions)):
        return Issue("Error processing allowed_extensions: expected a non-empty list of "
                     "add-on ids", sees)
    if not _FIREFOX_NAME.fullmatch(data["name"]):
        return Issue(f"Error processing name: String {json.dumps(data['name'])} must match "
                     r"/^\w+(\.\w+)*$/", sees)
    if data["type"] != "stdio":
        return Issue(f"Native manifest {where} has type property {data['type']} "
                     "(expected stdio)", sees)
    if data["name"] != HOST_NAME:
        return Issue(f"Native manifest {where} has name property {data['name']} "
                     f"(expected {HOST_NAME})", sees)
    if machine.os != "windows" and not machine.path(data["path"]).is_absolute():
        return Issue(f"Native manifest {where} has relative path value {data['path']} "
                     "(expected absolute path)", sees)
    return None


def check_ids(data: dict[str, Any], family: Family, where: str) -> Issue | None:
    """Our extension must be allowed: every id of the root manifest listed."""
    listed = data.get(ALLOW_KEY[family]) or []
    missing = [i for i in expected_ids(family) if i not in listed]
    if not missing:
        return None
    if family == "chromium":
        return Issue(f"{', '.join(missing)} is not in allowed_origins ({listed})",
                     FORBIDDEN["chromium"])
    return Issue(f"This extension does not have permission to use native manifest {where}",
                 FORBIDDEN["firefox"])


def _is_chrome_name(value: object) -> bool:
    return isinstance(value, str) and bool(_CHROME_NAME.fullmatch(value))


def _non_empty(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def _is_stdio(value: object) -> bool:
    return value == "stdio"
