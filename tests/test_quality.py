"""The code stays clean: ruff and mypy run as part of the suite."""

from __future__ import annotations

import subprocess
import sys

from tests.support.frames import REPO


def test_ruff_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "host", "installer", "tests",
                             "bench"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy", "-p", "pocket_companion",
                             "-p", "pocket_companion_installer"],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
