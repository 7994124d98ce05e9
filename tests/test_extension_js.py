"""The extension's own checks, run by the one test command: its unit tests (node's test
runner with a fake ``chrome``), ``web-ext lint``, and a README that explains every
permission the manifest asks for."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

from tests.conftest import need
from tests.support.frames import REPO

EXTENSION = REPO / "extension"


def test_the_unit_tests_pass() -> None:
    node = shutil.which("node")
    need(node is not None, "node is not installed")
    assert node is not None
    files = sorted(str(path.relative_to(REPO)) for path in REPO.glob("tests/js/*.test.js"))
    assert len(files) >= 4
    result = subprocess.run([node, "--test", *files], cwd=REPO, capture_output=True,
                            text=True, timeout=300)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-8000:]
    passed = re.search(r"^# pass (\d+)$", result.stdout, re.MULTILINE)
    assert passed and int(passed.group(1)) >= 40, report[-2000:]
    assert re.search(r"^# fail 0$", result.stdout, re.MULTILINE)


def test_web_ext_lint_reports_no_errors() -> None:
    web_ext = REPO / "node_modules" / ".bin" / "web-ext"
    need(web_ext.exists(), "web-ext is missing: scripts/setup-dev installs it (npm ci)")
    result = subprocess.run(
        [str(web_ext), "lint", "--no-config-discovery", "--source-dir", str(EXTENSION),
         "--output", "json"], cwd=REPO, capture_output=True, text=True,
        timeout=300, env={**os.environ, "NO_UPDATE_NOTIFIER": "1"})
    report = json.loads(result.stdout)
    assert report["summary"]["errors"] == 0, json.dumps(report["errors"], indent=2)
    assert report["errors"] == []
    # what remains are the two known warnings of a manifest shared by both families, and
    # the HTML parsing inside the vendored Readability and DOMPurify (npm's own copies,
    # checked by tests/js/vendor.test.js); none in our own code
    ours = [w for w in report["warnings"] if not str(w.get("file", "")).startswith("vendor/")]
    assert {w["code"] for w in ours} <= {
        "BACKGROUND_SERVICE_WORKER_IGNORED", "KEY_FIREFOX_ANDROID_UNSUPPORTED_BY_MIN_VERSION"}
    assert {w["code"] for w in report["warnings"]} - {w["code"] for w in ours} <= {
        "UNSAFE_VAR_ASSIGNMENT"}


def test_the_readme_explains_each_permission_and_the_shortcuts() -> None:
    manifest = json.loads((EXTENSION / "manifest.json").read_text())
    readme = (REPO / "README.md").read_text()
    section = readme.split("### Permissions", 1)[1].split("\n## ", 1)[0]
    for permission in manifest["permissions"]:
        assert re.search(rf"^- `{permission}`: \w", section, re.MULTILINE), permission
    for command in ("save-page", "open-list"):
        assert manifest["commands"][command]["suggested_key"]["default"] in readme, command
    assert "chrome://extensions/shortcuts" in readme and "about:addons" in readme


def test_the_readme_shows_the_reading_list_and_its_screenshots() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Reading your list", 1)[1].split("\n## ", 1)[0]
    shots = re.findall(r"\((docs/screenshots/[\w-]+\.png)\)", section)
    assert len(shots) >= 4
    for shot in shots:
        assert (REPO / shot).read_bytes()[1:4] == b"PNG", shot
    for key in ("`j` / `k`", "`a`", "`f`", "`t`", "`d`", "`x`", "`/`", "`?`"):
        assert key in section, key


def test_the_readme_shows_the_set_up_page_and_every_badge() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## The browser extension", 1)[1].split("\n## ", 1)[0]
    shots = re.findall(r"\((docs/screenshots/[\w-]+\.png)\)", section)
    assert {"docs/screenshots/welcome-missing.png", "docs/screenshots/welcome-light.png",
            "docs/screenshots/welcome-dark.png", "docs/screenshots/badges.png"} <= set(shots)
    for shot in shots:
        assert (REPO / shot).read_bytes()[1:4] == b"PNG", shot
    for glyph in ("…", "✔", "↑", "≡", "▣", "!"):
        assert f"| `{glyph}` " in section, glyph
