"""bench/match.py runs and prints its figures (small sizes here; the real run is in the report)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_bench_match_prints_figures():
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "match.py"), "--points", "2000", "--repeat", "1"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    out = result.stdout
    assert "12 cities: match (5 matched: bo-yang, phatong, khuan-lang, padang-besar, tanot-duan)" in out
    assert "2,000 points: match" in out and " ms" in out
