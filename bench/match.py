"""Benchmark: one warning with 100 polygons against 12 cities and against 100,000 points in Thailand.

Run from the repository root: `python bench/match.py [--points N] [--repeat R]`. Prints the figures.
The polygons are the 100 most detailed of the 107 real outlines of the TMD heavy-rain sample (geocodes
dropped so the polygon route does the work).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alerts.cap import parse_cap  # noqa: E402
from alerts.matching import CityMatcher  # noqa: E402
from alerts.model import City, Warning  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "tmd_cap_heavy_rain_TMD25680225051318_2.xml"
# Thailand's bounding box (lat, lon).
LAT = (5.6, 20.4)
LON = (97.4, 105.6)

FIRST_CITIES = [
    ("bo-yang", "900101", 7.198, 100.596),
    ("phatong", "901118", 6.837, 100.558),
    ("khuan-lang", "901102", 6.973, 100.421),
    ("padang-besar", "901007", 6.740, 100.241),
    ("tanot-duan", "930509", 7.718, 100.036),
    ("la-ngu", "910501", 6.933, 99.777),
]


def warning_with_100_polygons() -> Warning:
    """The real TMD sample cut to its 100 most detailed polygons, without geocodes."""
    warning = parse_cap(SAMPLE.read_bytes(), "tmd-cap")
    area = warning.areas[0]
    keep = set(sorted(range(len(area.polygons)), key=lambda i: -len(area.polygons[i]))[:100])
    polygons = tuple(ring for i, ring in enumerate(area.polygons) if i in keep)
    assert len(polygons) == 100
    return warning.model_copy(update={"areas": (area.model_copy(update={"polygons": polygons, "geocodes": ()}),)})


def random_cities(n: int, rng: random.Random) -> list[City]:
    """n cities at random points in Thailand's box (codes are placeholders)."""
    return [
        City(
            id=f"p{i}",
            name_th="จุด",
            province_code="10",
            tambon_code="100101",
            lat=rng.uniform(*LAT),
            lon=rng.uniform(*LON),
        )
        for i in range(n)
    ]


def twelve_cities(rng: random.Random) -> list[City]:
    """The six first cities plus six random Isan points."""
    cities = [
        City(id=i, name_th=i, province_code=code[:2], tambon_code=code, lat=lat, lon=lon)
        for i, code, lat, lon in FIRST_CITIES
    ]
    cities += [
        City(id=f"isan-{k}", name_th="อีสาน", province_code="40", tambon_code="400101",
             lat=rng.uniform(14.5, 18.0), lon=rng.uniform(101.5, 105.0))
        for k in range(6)
    ]
    return cities


def timed(fn, repeat: int) -> tuple[list[float], object]:
    """Seconds of each run, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def report(label: str, times: list[float]) -> None:
    """Print the best and median of `times` under `label`."""
    print(f"{label}: best {min(times) * 1000:.2f} ms, median {statistics.median(times) * 1000:.2f} ms "
          f"({len(times)} runs)")


def main() -> None:
    """Time matching random points against a 100-polygon warning; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(4)
    warning = warning_with_100_polygons()
    vertices = sum(len(ring) for ring in warning.areas[0].polygons)
    print(f"warning: 100 polygons, {vertices} vertices (real TMD sample)")

    matcher12 = CityMatcher(twelve_cities(rng))
    times, matches = timed(lambda: matcher12.match(warning), args.repeat)
    report(f"12 cities: match ({len(matches)} matched: {', '.join(m.city_id for m in matches)})", times)

    start = time.perf_counter()
    cities = random_cities(args.points, rng)
    made = time.perf_counter() - start
    start = time.perf_counter()
    matcher = CityMatcher(cities)
    built = time.perf_counter() - start
    print(
        f"{args.points:,} points: make City objects {made * 1000:.0f} ms, build matcher (STRtree) {built * 1000:.0f} ms"
    )
    times, matches = timed(lambda: matcher.match(warning), args.repeat)
    report(f"{args.points:,} points: match ({len(matches):,} matched)", times)


if __name__ == "__main__":
    main()
