"""``python -m bench.badge`` still runs (one click of each kind; no timing is asserted: the
targets and the figures live in bench/README.md)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import need
from tests.e2e.harness import CHROMIUM
from tests.support.frames import REPO

pytestmark = pytest.mark.slow


def test_the_badge_benchmark_runs() -> None:
    need(os.access(CHROMIUM, os.X_OK), f"Chromium is not installed ({CHROMIUM})")
    result = subprocess.run([sys.executable, "-m", "bench.badge", "--runs", "1"], cwd=REPO,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line for line in result.stdout.splitlines() if line.endswith(("met", "MISSED"))]
    assert len(rows) == 9, result.stdout
    assert {row.split("  ")[0].strip() for row in rows} == {"at once", "2 s late", "never"}
    assert "hello" in result.stdout.splitlines()[-1]
