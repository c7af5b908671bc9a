"""The fan-out benchmark runs and prints its JSON keys (a small size, floodbot only)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
KEYS = {"system", "leaders", "rate", "cap_share", "p50_s", "p95_s", "http_429", "lost", "duplicates", "cpu_ms_per_msg"}


def test_bench_fanout_json_smoke():
    done = subprocess.run(
        [sys.executable, "bench/fanout.py", "--leaders", "20", "--systems", "floodbot", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["system"] for r in rows] == ["floodbot", "floodbot (limits off)", "floodbot engine only (stub bot)"]
    assert all(KEYS <= set(r) for r in rows)
    floodbot = rows[0]
    assert floodbot["leaders"] == 20 and floodbot["lost"] == 0 and floodbot["duplicates"] == 0
    assert floodbot["http_429"] == 0
