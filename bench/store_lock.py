"""How long the event loop freezes while another process holds the database during a fan-out.

    python bench/store_lock.py [--leaders 240] [--hold 8] [--busy-ms 200]

A fan-out to `--leaders` on a database file (production busy timeout, 5 s) through the delivery
worker and the fake Bot API (limits on); after 30 sends another connection holds an exclusive lock
for `--hold` seconds. Drains run every 2 s, as the delivery job does. Printed: the longest stall of
the event loop (a 10 ms ticker: what every handler would wait), drains ended by the store error,
seconds from the lock's release until every leader had the alert, lost and duplicate messages.
`--busy-ms 5000` shows the worker with the store's own busy timeout (before the short one).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bot.delivery import worker as delivery  # noqa: E402
from bot.delivery.worker import deliver_due, make_limiter  # noqa: E402
from bot.delivery.state import DeliveryState  # noqa: E402
from bot.demo.fake.telegram import FakeTelegram, fake_settings  # noqa: E402
from subscribers import outbox  # noqa: E402
from subscribers.db import open_db  # noqa: E402
from subscribers.outbox import Kind, OutboxItem, Priority  # noqa: E402
from tests.helpers.store import add_leaders, add_warning  # noqa: E402


async def run(leaders: int, hold: float, busy_ms: int) -> dict:
    delivery.WORKER_BUSY_TIMEOUT_MS = busy_ms
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder, FakeTelegram() as fake:
        path = Path(folder) / "floodbot.db"
        db = open_db(path, create=True)  # busy_timeout 5000, as in production
        chats = add_leaders(db, list(range(10_000, 10_000 + leaders)), now)
        w = add_warning(db, now, expires=now + timedelta(hours=6))
        text = "<b>เตือนภัย</b> ฝนตกหนัก"
        rows = [OutboxItem(kind=Kind.ALERT, ref_id=w, chat_id=c, text=text, priority=Priority.SEVERE) for c in chats]
        outbox.enqueue(db, rows, now)
        settings = fake_settings(fake)
        state = DeliveryState(make_limiter(settings), settings)
        stalls: list[float] = []

        async def ticker() -> None:
            last = time.monotonic()
            while True:
                await asyncio.sleep(0.01)
                t = time.monotonic()
                stalls.append(t - last - 0.01)
                last = t

        tick = asyncio.create_task(ticker())
        store_errors = 0
        released_at = None
        other = None
        request = HTTPXRequest(read_timeout=30, connection_pool_size=80)
        async with Bot(fake.token, base_url=fake.base_url, request=request) as bot:
            drain = None
            started = next_drain = time.monotonic()
            while len({m.chat_id for m in fake.messages()} & set(chats)) < len(chats):
                if drain is not None and drain.done():
                    store_errors += bool(drain.result().store_error)
                    drain, next_drain = None, time.monotonic() + 2.0  # the job's interval
                if drain is None and time.monotonic() >= next_drain:
                    drain = asyncio.create_task(deliver_due(bot, db, settings, lambda: datetime.now(UTC), state=state))
                if other is None and len(fake.messages()) >= 30:
                    other = sqlite3.connect(path, isolation_level=None)
                    other.execute("begin exclusive")
                    locked_at = time.monotonic()
                if other is not None and released_at is None and time.monotonic() - locked_at >= hold:
                    other.execute("commit")
                    other.close()
                    released_at = time.monotonic()
                await asyncio.sleep(0.05)
                assert time.monotonic() - started < 300, "not delivered within 5 minutes"
            done_at = time.monotonic()
            if drain is not None:
                await drain
        tick.cancel()
        got = Counter(m.chat_id for m in fake.messages() if m.chat_id in set(chats))
        db.close()
    return {
        "busy_ms": busy_ms,
        "leaders": leaders,
        "hold_s": hold,
        "max_loop_stall_s": round(max(stalls), 2),
        "drains_ended_by_store_error": store_errors,
        "all_delivered_s_after_release": round(done_at - released_at, 1) if released_at else None,
        "lost": len(chats) - len(got),
        "duplicates": sum(n - 1 for n in got.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaders", type=int, default=240)
    parser.add_argument("--hold", type=float, default=8.0)
    parser.add_argument("--busy-ms", type=int, nargs="+", default=[5000, delivery.WORKER_BUSY_TIMEOUT_MS])
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    for busy in args.busy_ms:
        print(asyncio.run(run(args.leaders, args.hold, busy)))


if __name__ == "__main__":
    main()
