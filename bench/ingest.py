"""Ingest benchmark: parse the real 88 KB TMD CAP sample and a 200-item CAP index.

Prints per-document parse time (median of N runs) and peak memory (tracemalloc) per parse.
Run: /work/venv/bin/python bench/ingest.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alerts.cap import parse_cap, parse_cap_index  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "tmd_cap_heavy_rain_TMD25680225051318_2.xml"


def index_of(n: int) -> bytes:
    """An RSS CAP index with n items, shaped like the WMO mirror's."""
    items = "".join(
        f"<item><title>Heavy Rain {i}</title><link>https://example.org/cap/{i}.xml</link>"
        f"<guid isPermaLink='false'>TMD2568022505{i:04d}</guid><pubDate>Tue, 25 Feb 2025 10:13:00 +0000</pubDate>"
        f"<cap:event>Heavy Rain</cap:event><cap:severity>Severe</cap:severity></item>"
        for i in range(n)
    )
    return (
        "<?xml version='1.0'?><rss xmlns:cap='urn:oasis:names:tc:emergency:cap:1.2' version='2.0'>"
        f"<channel><title>CAP</title>{items}</channel></rss>"
    ).encode()


def measure(name: str, size: int, parse: Callable[[], object], runs: int) -> None:
    """Print median and best time over runs, and the peak traced memory of one parse."""
    parse()  # warm up imports and caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        parse()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    parse()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{name:<28} {size / 1024:7.1f} KB  median {statistics.median(times) * 1000:7.2f} ms"
        f"  best {min(times) * 1000:7.2f} ms  peak {peak / 1024 / 1024:6.2f} MiB  ({runs} runs)"
    )


def main() -> None:
    """Run both measurements and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    cap = SAMPLE.read_bytes()
    warning = parse_cap(cap, "bench")
    polygons = sum(len(a.polygons) for a in warning.areas)
    measure(f"TMD CAP ({polygons} polygons)", len(cap), lambda: parse_cap(cap, "bench"), args.runs)
    index = index_of(200)
    assert len(parse_cap_index(index)) == 200
    measure("CAP RSS index (200 items)", len(index), lambda: parse_cap_index(index), args.runs)
    # A first poll of such an index: the index plus all 200 alert documents (the TMD sample each).
    measure(
        "index + 200 TMD alerts",
        len(index) + 200 * len(cap),
        lambda: [parse_cap(cap, "bench") for _ in parse_cap_index(index)],
        max(1, args.runs // 10),
    )


if __name__ == "__main__":
    main()
