"""Benchmark: the longest event-loop stall during one poll, as the running bot polls.

    python bench/poll_loop.py [--repeat R] [--oversized-mb MB]

One poll of TMD's real heavy-rain sample (12 cities, 20 leaders each, every livelihood), then one of
the same sample with an oversized description and instruction (4.5 MB of Thai paragraphs by default,
within the default fetch limit of 5 MB), each on a fresh in-memory store (its word segmentation and
line measuring caches emptied, as for a new warning), with the feed on a loopback server. A ticker coroutine
wakes every millisecond; the stall is the longest gap between two of its wake-ups beyond that
millisecond, i.e. how long a leader's button tap would have waited. Prints the median and the worst
over the repeats, and the poll's wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alerts import thaitext  # noqa: E402
from alerts.fetch import make_session  # noqa: E402
from bot.demo.run import FeedServer  # noqa: E402
from bot.pipeline.cycle import poll_cycle  # noqa: E402
from bot.settings import FeedSettings, Settings  # noqa: E402
from subscribers.cities import sync_cities  # noqa: E402
from subscribers.db import open_db  # noqa: E402
from subscribers.leaders import Livelihood, upsert_leader  # noqa: E402
from tests.helpers.feeds import EXAMPLE_CITIES  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "tmd_cap_heavy_rain_TMD25680225051318_2.xml"
NOW = datetime.fromisoformat("2025-02-25T18:30:00+07:00")
# Six Isan subdistricts (Mueang districts' first tambon), so the config has 12 cities as in production.
ISAN = [
    ("khon-kaen", "ในเมือง (ขอนแก่น)", "40", "400101", 16.433, 102.833),
    ("udon", "หมากแข้ง", "41", "410101", 17.415, 102.787),
    ("korat", "ในเมือง (นครราชสีมา)", "30", "300101", 14.975, 102.098),
    ("ubon", "ในเมือง (อุบลราชธานี)", "34", "340101", 15.229, 104.857),
    ("nong-khai", "ในเมือง (หนองคาย)", "43", "430101", 17.880, 102.742),
    ("roi-et", "ในเมือง (ร้อยเอ็ด)", "45", "450101", 16.053, 103.652),
]
LEADERS_PER_CITY = 20
TICK = 0.001


def oversized(sample: bytes, megabytes: float) -> bytes:
    """The sample with its description and instruction grown to about `megabytes` MB of Thai paragraphs."""
    paragraph = "ขอให้ประชาชนระวังอันตรายจากฝนตกหนักถึงหนักมากและน้ำท่วมฉับพลัน ชาวประมงงดออกจากฝั่ง\n"
    repeat = int(megabytes * 1_000_000 / 2 / len(paragraph.encode()))
    text = sample.decode()
    for tag in ("description", "instruction"):
        text = text.replace(f"<{tag}>", f"<{tag}>" + paragraph * repeat, 1)
    return text.encode()


def settings_for(url: str) -> Settings:
    """Twelve cities and one CAP feed at `url`."""
    cities = EXAMPLE_CITIES + [
        {"id": i, "name_th": name, "province_code": p, "tambon_code": t, "lat": lat, "lon": lon}
        for i, name, p, t, lat, lon in ISAN
    ]
    return Settings(feeds=[FeedSettings(name="tmd-cap", kind="cap", url=url)], cities=cities)


def store_for(settings: Settings):
    """A fresh in-memory store with 20 leaders per city, livelihoods spread."""
    db = open_db(memory=True)
    sync_cities(db, settings.cities, NOW)
    kinds = list(Livelihood)
    chat = 1000
    for city in settings.cities:
        for k in range(LEADERS_PER_CITY):
            chat += 1
            upsert_leader(db, chat, city.id, NOW, name=f"ผู้นำ {chat}", livelihood=kinds[k % len(kinds)])
    return db


async def one_poll(settings: Settings) -> tuple[float, float, int]:
    """(longest stall s, poll wall time s, messages queued) for one poll on a fresh store."""
    db = store_for(settings)
    # A new warning: its lines were never segmented nor measured.
    thaitext._segment.cache_clear()
    thaitext._line_count.cache_clear()
    stall = 0.0
    done = False

    async def ticker() -> None:
        nonlocal stall
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            stall = max(stall, now - last - TICK)
            last = now

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(TICK * 5)  # the ticker runs before the poll starts
    started = time.perf_counter()
    with make_session(retries=0) as session:
        queued = (await poll_cycle(settings, db, NOW, session=session)).queued
    wall = time.perf_counter() - started
    done = True
    await tick
    db.close()
    return stall, wall, queued


def measure(name: str, body: bytes, repeat: int) -> None:
    """Print the stall figures of `repeat` polls of `body`."""
    with FeedServer(body) as server:
        settings = settings_for(server.url)
        first = asyncio.run(one_poll(settings))  # the first of the process: imports, newmm's dictionary
        runs = [asyncio.run(one_poll(settings)) for _ in range(repeat)]
    stalls = [s * 1000 for s, _, _ in runs]
    walls = [w * 1000 for _, w, _ in runs]
    print(
        f"{name:<34} {len(body) / 1e6:5.2f} MB  longest loop stall median {statistics.median(stalls):8.1f} ms"
        f"  worst {max(stalls):8.1f} ms  poll {statistics.median(walls):8.1f} ms  queued {runs[-1][2]}"
        f"  ({repeat} runs; the process's first poll: stall {first[0] * 1000:.1f} ms)"
    )


def main() -> None:
    """Measure the real sample, then the oversized one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--oversized-mb", type=float, default=4.5)
    args = parser.parse_args()
    sample = SAMPLE.read_bytes()
    measure("TMD sample, 12 cities x 20 leaders", sample, args.repeat)
    measure("oversized description+instruction", oversized(sample, args.oversized_mb), max(1, args.repeat // 2))


if __name__ == "__main__":
    main()
