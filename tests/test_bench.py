"""The benchmarks still run (tiny sizes; no timing is asserted: targets live in bench/)."""

from __future__ import annotations

import subprocess
import sys

from tests.support.frames import REPO


def test_bench_runs_at_tiny_sizes() -> None:
    result = subprocess.run([sys.executable, "-m", "bench", "--tiny"], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    table = result.stdout.splitlines()
    assert table[1].startswith("benchmark")
    rows = table[3:]
    assert len(rows) == 38 and any(row.startswith("lookup") for row in rows)
    assert sum(row.startswith("save all tabs, ") for row in rows) == 10
    assert sum(row.startswith("list, search") for row in rows) == 4
    assert sum(row.startswith("click -> ") for row in rows) == 2
    assert all(row.split()[-1] in ("met", "MISSED", "-") for row in rows), rows
