"""Fan-out benchmark: one warning to N leaders against the fake Bot API (limits on), floodbot beside three baselines.

    python bench/fanout.py [--leaders N ...] [--rtt-ms MS ...] [--json]

Default sizes: 240, then 5,000 (5,000 takes about 3 minutes per system at 30/s). The fake runs in a
child process (its own CPU and GIL), so the client's CPU time is the system's own. Time to delivery
is measured from the moment the bot is connected (as in a running bot) to the moment the fake
accepted each message. Every system gets the same connection pool as `floodbot run`. Also measured:
floodbot's CPU ms per message with limits off, through PTB and the fake ("limits off") and with a stub bot
("engine only").
`--rtt-ms` adds a round trip (±30 % jitter) to every request; the fake counts Telegram's limits when
it receives a request, half a round trip after it left, as Telegram does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Bot  # noqa: E402
from telegram.error import TelegramError  # noqa: E402
from telegram.ext import AIORateLimiter, ExtBot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bot.app import POOL_HEADROOM  # noqa: E402
from bot.delivery.worker import CONCURRENCY, deliver_due, make_limiter  # noqa: E402
from bot.delivery.ratelimit import RateLimiter  # noqa: E402
from bot.settings import Settings, TelegramSettings  # noqa: E402
from subscribers import outbox  # noqa: E402
from subscribers.db import open_db  # noqa: E402
from subscribers.outbox import Kind, OutboxItem, Priority  # noqa: E402
from bot.demo.fake.telegram import serve_in_child  # noqa: E402
from tests.helpers.store import add_leaders, add_warning  # noqa: E402

CAP = 30.0
TEXT = "⚠️ <b>เตือนภัยฝนตกหนัก</b> (ระดับรุนแรง)\nบ่อยาง: ระวังน้ำท่วมฉับพลัน ขนย้ายของขึ้นที่สูง"
FIRST_CHAT = 1_000_000
# When the current run's bot was connected (getMe answered): the fan-out is timed from there, as in a
# running bot, so a round trip of start-up does not count against a system.
CONNECTED: list[float] = []


def request() -> HTTPXRequest:
    """The connection pool `floodbot run` uses (PTB's default of one connection caps any system at 1/RTT)."""
    return HTTPXRequest(connection_pool_size=CONCURRENCY + POOL_HEADROOM, read_timeout=30)


class Fake:
    """The child-process fake server."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=serve_in_child, args=(child, True), daemon=True)
        self.process.start()
        self.base_url, self.token = self.conn.recv()

    def call(self, *command):
        """Send one command to the child fake and return its answer."""
        self.conn.send(command)
        return self.conn.recv()

    def stop(self) -> None:
        """Stop the child fake and wait for its process."""
        self.call("stop")
        self.process.join(timeout=10)


def chats(n: int) -> list[int]:
    """The `n` chat ids the benchmark sends to."""
    return list(range(FIRST_CHAT, FIRST_CHAT + n))


def _store(n: int, folder: Path):
    """A fresh file-backed store with n leaders and one Severe warning enqueued to each."""
    now = datetime.now(UTC)
    db = open_db(folder / f"bench-{n}-{time.monotonic_ns()}.db", create=True)
    add_leaders(db, chats(n), now)
    w = add_warning(db, now)
    outbox.enqueue(
        db, [OutboxItem(kind=Kind.ALERT, ref_id=w, chat_id=c, text=TEXT, priority=Priority.SEVERE) for c in chats(n)],
        now,
    )
    return db


async def run_floodbot(fake: Fake, n: int, db, *, limits: bool = True) -> None:
    """Drain the outbox with floodbot's worker (its limiter, or none with `limits=False`)."""
    settings = Settings(telegram=TelegramSettings(token=fake.token, base_url=fake.base_url))
    limiter = make_limiter(settings) if limits else RateLimiter(1e9, 0.0)
    async with Bot(fake.token, base_url=fake.base_url, request=request()) as bot:
        CONNECTED.append(time.monotonic())
        await deliver_due(bot, db, settings, lambda: datetime.now(UTC), limiter=limiter)


async def run_plain_loop(fake: Fake, n: int, db) -> None:
    """Baseline: send one by one, dropping whatever fails."""
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        CONNECTED.append(time.monotonic())
        for chat in chats(n):
            try:
                await bot.send_message(chat, TEXT, parse_mode="HTML")
            except TelegramError:
                pass  # what a plain loop does with a 429: the message is lost


async def _run_aio(fake: Fake, n: int, limiter: AIORateLimiter) -> None:
    async with ExtBot(fake.token, base_url=fake.base_url, rate_limiter=limiter, request=request()) as bot:
        CONNECTED.append(time.monotonic())

        async def one(chat: int) -> None:
            try:
                await bot.send_message(chat, TEXT, parse_mode="HTML")
            except TelegramError:
                pass

        await asyncio.gather(*(one(c) for c in chats(n)))


async def run_aio_default(fake: Fake, n: int, db) -> None:
    """Baseline: PTB's AIORateLimiter with its defaults."""
    await _run_aio(fake, n, AIORateLimiter())


async def run_aio_retries(fake: Fake, n: int, db) -> None:
    """Baseline: PTB's AIORateLimiter retrying a 429 up to three times."""
    await _run_aio(fake, n, AIORateLimiter(max_retries=3))


class StubBot:
    """A bot that answers at once: what is left is the engine's own cost."""

    def __init__(self) -> None:
        self.ids = Counter()

    async def send_message(self, chat_id, text, **kwargs):
        """Answer at once with the chat's next message id."""
        self.ids[chat_id] += 1
        return SimpleNamespace(message_id=self.ids[chat_id])


async def engine_only_cpu(n: int, folder: Path) -> float:
    """CPU milliseconds per message of floodbot's worker alone (no HTTP)."""
    db = _store(n, folder)
    settings = Settings()
    start = time.process_time()
    await deliver_due(StubBot(), db, settings, lambda: datetime.now(UTC), limiter=RateLimiter(1e9, 0.0))
    cpu = time.process_time() - start
    db.close()
    return cpu * 1000 / n


SYSTEMS = [
    ("plain loop", run_plain_loop),
    ("AIORateLimiter()", run_aio_default),
    ("AIORateLimiter(max_retries=3)", run_aio_retries),
    ("floodbot", run_floodbot),
]


def measure(fake: Fake, name: str, runner, n: int, folder: Path, *, limits: bool = True, rtt_ms: float = 0) -> dict:
    """Run one system for `n` leaders against the child fake; its figures as a dict."""
    fake.call("reset", limits)
    fake.call("latency", rtt_ms)
    db = _store(n, folder) if name.startswith("floodbot") else None  # set up before the clock starts
    time.sleep(1.1)  # let the previous run's one-second windows pass (a pause between runs, not a sync)
    CONNECTED.clear()
    cpu0 = time.process_time()
    asyncio.run(runner(fake, n, db))
    start = CONNECTED[0]
    cpu = time.process_time() - cpu0
    if db is not None:
        db.close()
    sent, http_429 = fake.call("sent")
    per_chat = Counter(chat for chat, _ in sent)
    delays = sorted(at - start for _, at in sent)
    elapsed = delays[-1] if delays else float("nan")
    first_arrival: dict[int, float] = {}
    for chat, at in sent:
        first_arrival.setdefault(chat, at - start)
    to_delivery = sorted(first_arrival.values())
    # Telegram's window is one second: a burst that ends sooner is counted over one second.
    rate = len(per_chat) / max(elapsed, 1.0) if delays else 0.0
    return {
        "system": name,
        "leaders": n,
        "rtt_ms": rtt_ms,
        "rate": round(rate, 2),
        "cap_share": round(rate / CAP, 3),
        "p50_s": round(statistics.median(to_delivery), 2) if to_delivery else None,
        "p95_s": round(to_delivery[int(0.95 * (len(to_delivery) - 1))], 2) if to_delivery else None,
        "http_429": http_429,
        "lost": n - len(per_chat),
        "duplicates": sum(c - 1 for c in per_chat.values()),
        "cpu_ms_per_msg": round(cpu * 1000 / n, 3),
        "elapsed_s": round(elapsed, 2),
    }


def table(results: list[dict]) -> str:
    """The results as a fixed-width text table."""
    head = (
        f"{'system':<34}{'leaders':>8}{'rtt ms':>7}{'msg/s':>8}{'cap %':>7}{'p50 s':>7}{'p95 s':>7}{'all s':>7}"
        f"{'429s':>6}{'lost':>6}{'dup':>5}{'cpu ms/msg':>11}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(
            f"{r['system']:<34}{r['leaders']:>8}{r.get('rtt_ms', 0):>7g}{r['rate']:>8.2f}{r['cap_share'] * 100:>6.1f}%"
            f"{_num(r['p50_s']):>7}{_num(r['p95_s']):>7}{_num(r['elapsed_s']):>7}{r['http_429']:>6}{r['lost']:>6}"
            f"{r['duplicates']:>5}{r['cpu_ms_per_msg']:>11.3f}"
        )
    return "\n".join(lines)


def _num(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def main(argv: list[str] | None = None) -> int:
    """Run every system at every size; print the table (or JSON lines)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leaders", type=int, nargs="+", default=[240, 5000], help="sizes (default: 240 5000)")
    parser.add_argument("--json", action="store_true", help="one JSON object per system and size")
    parser.add_argument("--systems", nargs="+", help="only these systems (names as printed)")
    parser.add_argument("--rtt-ms", type=float, nargs="+", default=[0.0],
                        help="round-trip times to simulate, ±30%% jitter (default: 0)")
    args = parser.parse_args(argv)
    # PTB logs every RetryAfter the baselines swallow; the table counts them instead.
    logging.getLogger("telegram").setLevel(logging.CRITICAL)
    fake = Fake()
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            for n in args.leaders:
                for rtt in args.rtt_ms:
                    for name, runner in SYSTEMS:
                        if args.systems and name not in args.systems:
                            continue
                        result = measure(fake, name, runner, n, folder, rtt_ms=rtt)
                        results.append(result)
                        if args.json:
                            print(json.dumps(result), flush=True)
                        else:
                            print(f"  {name} × {n} @ {rtt:g} ms: {result['elapsed_s']} s", file=sys.stderr, flush=True)
                off = measure(fake, "floodbot (limits off)", lambda f, k, d: run_floodbot(f, k, d, limits=False), n,
                              folder, limits=False)
                results.append(off)
                engine = {"system": "floodbot engine only (stub bot)", "leaders": n, "rate": None, "cap_share": None,
                          "p50_s": None, "p95_s": None, "http_429": 0, "lost": 0, "duplicates": 0,
                          "cpu_ms_per_msg": round(asyncio.run(engine_only_cpu(n, folder)), 3)}
                results.append(engine)
                if args.json:
                    print(json.dumps(off), flush=True)
                    print(json.dumps(engine), flush=True)
    finally:
        fake.stop()
    if not args.json:
        shown = [r for r in results if r["rate"] is not None]
        print(table(shown))
        for r in results:
            if r["rate"] is None:
                print(f"{r['system']} × {r['leaders']}: {r['cpu_ms_per_msg']:.3f} CPU ms per message")
    return 0


if __name__ == "__main__":
    sys.exit(main())
