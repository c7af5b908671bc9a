"""Ack answers during a fan-out: the real Application polling the fake Bot API (limits on, a round trip).

    python bench/acks.py [--leaders 2000] [--acks 500] [--rtt-ms 150]

`--acks` leaders hold an earlier alert; while the delivery job fans a new one out to `--leaders`,
they press รับทราบ over ten seconds. Printed: how long each press waited for its answer
(answerCallbackQuery as the fake received it), the fan-out's time, 429s. The fake runs in this
process (it shares the GIL with the bot), so the figures are on the pessimistic side.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import build_application  # noqa: E402
from bot.delivery.worker import deliver_due  # noqa: E402
from bot.delivery.ratelimit import RateLimiter  # noqa: E402
from bot.demo.fake.telegram import FakeTelegram, fake_settings  # noqa: E402
from subscribers import outbox  # noqa: E402
from subscribers.db import open_db  # noqa: E402
from subscribers.leaders import upsert_leader  # noqa: E402
from subscribers.outbox import Kind, OutboxItem, Priority  # noqa: E402
from tests.helpers.store import add_cities, add_warning  # noqa: E402

TEXT = "<b>เตือนภัย</b> ฝนตกหนัก"
FIRST = 2_000_000


def _items(chats: list[int], warning_id: int) -> list[OutboxItem]:
    return [
        OutboxItem(kind=Kind.ALERT, ref_id=warning_id, chat_id=c, text=TEXT, priority=Priority.SEVERE) for c in chats
    ]


async def run(leaders: int, acks: int, rtt_ms: float, folder: Path) -> dict:
    """One run; its figures."""
    now = datetime.now(UTC)
    fake = FakeTelegram().start()
    try:
        settings = fake_settings(fake, database=folder / "acks.db")
        db = open_db(folder / "acks.db", create=True)
        add_cities(db, now)
        chats = list(range(FIRST, FIRST + leaders))
        with db.atomic():
            for chat in chats:
                upsert_leader(db, chat, "bo-yang", now, name=f"ผู้นำ {chat}")
        # The earlier alert, sent without limits (set-up, not measured).
        earlier = add_warning(db, now - timedelta(minutes=10), identifier="EARLIER", expires=now + timedelta(hours=6))
        outbox.enqueue(db, _items(chats[:acks], earlier), now)
        fake.limits = False
        app = build_application(settings, db)
        async with app:
            await deliver_due(app.bot, db, settings, lambda: datetime.now(UTC), limiter=RateLimiter(1e9, 0.0))
            first = {m.chat_id: m.message_id for m in fake.messages()}
            fake.reset(limits=True)
            fake.latency(rtt_ms)
            fan = add_warning(db, now, identifier="FAN", expires=now + timedelta(hours=6))
            outbox.enqueue(db, _items(chats, fan), now)
            start = time.monotonic()
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=1)
            await asyncio.sleep(3)  # the fan-out is under way
            pushed: dict[str, float] = {}
            for i, chat in enumerate(chats[:acks]):
                update = fake.push_callback(chat, first[chat], f"ack:{earlier}")
                pushed[update["callback_query"]["id"]] = time.monotonic()
                if i % 50 == 49:
                    await asyncio.sleep(1)
            deadline = time.monotonic() + 600
            while sum(1 for m in fake.messages() if m.text == TEXT) < leaders and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            fanned = time.monotonic() - start
            while len(fake.answered_callbacks) < acks and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            await app.updater.stop()
            await app.stop()
        calls = fake.method_calls("answerCallbackQuery")
        answered = {c.params["callback_query_id"]: c.at for c in calls if c.status == 200}
        waits = sorted(answered[q] - at for q, at in pushed.items() if q in answered)
        db.close()
        return {
            "leaders": leaders, "acks": acks, "rtt_ms": rtt_ms, "answered": len(waits),
            "median_s": round(statistics.median(waits), 3), "p95_s": round(waits[int(0.95 * (len(waits) - 1))], 3),
            "max_s": round(waits[-1], 3), "over_60_s": sum(w > 60 for w in waits), "fan_out_s": round(fanned, 1),
            "http_429": fake.http_429,
        }
    finally:
        fake.stop()


def main(argv: list[str] | None = None) -> int:
    """Run once and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leaders", type=int, default=2000)
    parser.add_argument("--acks", type=int, default=500)
    parser.add_argument("--rtt-ms", type=float, default=150.0)
    args = parser.parse_args(argv)
    logging.getLogger("telegram").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(run(args.leaders, args.acks, args.rtt_ms, Path(tmp)))
    print(" ".join(f"{k}={v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
