"""Benchmark: rendering TMD's real heavy-rain warning for one city's five livelihoods.

Run from the repository root: `python bench/render.py [--repeat R]`. Prints milliseconds per city:
cold (word segmentation and line measuring caches emptied first, as for a new warning) and warm (the same lines again).
A render measures its lines at up to 12 agency-line lengths, so segmentation dominates when cold.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alerts import thaitext  # noqa: E402
from alerts.cap import parse_cap  # noqa: E402
from alerts.places import place_words  # noqa: E402
from alerts.render import MessageKind, render_alert, sea_areas  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "tmd_cap_heavy_rain_TMD25680225051318_2.xml"
LIVELIHOODS = ("fishing", "farming", "labour", "trade", "other")


def one_city(warning, tz, places) -> float:
    start = time.perf_counter()
    for livelihood in LIVELIHOODS:
        render_alert(warning, kind=MessageKind.NEW, city_names=["บ่อยาง", "พะตง", "ควนลัง"], livelihood=livelihood,
                     tz=tz, places=places, own_city="บ่อยาง")
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    warning = parse_cap(SAMPLE.read_bytes(), "tmd")
    tz = ZoneInfo("Asia/Bangkok")
    places = place_words(["90"]) + sea_areas(["90"])
    one_city(warning, tz, places)  # load the dictionary and templates
    cold, warm = [], []
    for _ in range(args.repeat):
        thaitext._segment.cache_clear()
        thaitext._line_count.cache_clear()
        cold.append(one_city(warning, tz, places))
        warm.append(one_city(warning, tz, places))
    print(f"render, 5 livelihoods of one city: cold {statistics.median(cold):.1f} ms, "
          f"warm {statistics.median(warm):.1f} ms (median of {args.repeat})")


if __name__ == "__main__":
    main()
