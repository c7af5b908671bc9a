"""bench/impact.py runs and prints its figures (a small size, so the suite stays fast)."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers.cli import ROOT


def test_impact_bench_prints_figures():
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "impact.py"), "2"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "240 leaders, 2 threads, 960 outbox rows" in result.stdout
    assert "impact_report (month)" in result.stdout and " ms" in result.stdout
