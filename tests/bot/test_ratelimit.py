"""The rate limiter on a fake clock: spacing, the one-second window, per-chat spacing, 429 pauses."""

from __future__ import annotations

import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.delivery.worker import Outcome, backoff, classify
from bot.delivery.ratelimit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds


def limiter(rate=30.0, per_chat=1.0) -> tuple[RateLimiter, FakeClock]:
    clock = FakeClock()
    return RateLimiter(rate, per_chat, clock=clock, sleep=clock.sleep), clock


async def test_bucket_spaces_sends_evenly():
    rl, clock = limiter(rate=10)
    starts = []
    for chat in range(5):
        ticket = await rl.acquire(chat)
        starts.append(clock.t)
        rl.release(ticket)
    assert [round(b - a, 6) for a, b in zip(starts, starts[1:], strict=False)] == [0.1] * 4


async def test_window_widens_by_the_spread_of_delays():
    # Round trips of 0.1 to 0.3 s: arrivals at Telegram may be 0.1 s closer than the starts, so the
    # 31st start waits until 1.1 s after the first (plus a few ms), not a whole round trip more.
    rl, clock = limiter(rate=30)
    for rtt in (0.1, 0.3):
        ticket = await rl.acquire()
        clock.t += rtt
        rl.release(ticket)
    clock.t += 2
    first = None
    for chat in range(31):
        await rl.acquire(chat)  # answers not yet in: only starts count
        first = first if first is not None else clock.t
    assert clock.t - first == pytest.approx(1.1 + 0.015)


async def test_per_chat_allows_a_short_burst_then_one_a_second():
    rl, clock = limiter(rate=1000)
    start = clock.t
    for _ in range(3):
        rl.release(await rl.acquire(7))
    assert clock.t - start < 0.02 and not rl.chat_ready(7)  # the third waits out the margin
    rl.release(await rl.acquire(7))  # a second on, plus the margin for delays (a few ms with no spread)
    assert clock.t - start == pytest.approx(1.015, abs=0.01)
    assert rl.chat_ready(8)


async def test_a_group_gets_twenty_messages_a_minute():
    rl, clock = limiter(rate=1000)
    start = clock.t
    for _ in range(20):
        rl.release(await rl.acquire(-100900))
    assert clock.t - start < 0.1
    rl.release(await rl.acquire(-100900))
    assert clock.t - start == pytest.approx(60.015, abs=0.01)


async def test_urgent_calls_go_before_fan_out():
    import asyncio

    rl = RateLimiter(10, 1.0)
    order = []

    async def one(name, urgent):
        rl.release(await rl.acquire(urgent=urgent))
        order.append(name)

    await asyncio.gather(*(one(f"fan{i}", False) for i in range(4)), one("reply", True))
    assert order.index("reply") <= 1


async def test_the_limiter_never_sleeps_forever():
    rl, clock = limiter()
    rl.pause(10**9)  # a broken retry_after
    before = clock.t
    await rl.acquire(1)
    assert clock.t - before <= 300


async def test_pause_stops_everything_for_retry_after():
    rl, clock = limiter()
    rl.release(await rl.acquire(1))
    rl.pause(3)
    before = clock.t
    await rl.acquire(2)
    assert clock.t - before == pytest.approx(3.0)


# Why each: the order matters (BadRequest is a NetworkError), and "chat not found" is a BadRequest.
CLASSIFIED = [
    (RetryAfter(3), Outcome.RATE_LIMITED),
    (Forbidden("Forbidden: bot was blocked by the user"), Outcome.GONE),
    (BadRequest("Bad Request: chat not found"), Outcome.GONE),
    (BadRequest("Bad Request: can't parse entities"), Outcome.PERMANENT),
    (TimedOut(), Outcome.RETRY),
    (NetworkError("Bad Gateway"), Outcome.RETRY),
    (ChatMigrated(-1001), Outcome.PERMANENT),
]


@pytest.mark.parametrize(("error", "outcome"), CLASSIFIED)
def test_classify(error, outcome):
    assert classify(error) is outcome


def test_backoff_grows_with_jitter_and_is_capped():
    import random

    rng = random.Random(3)
    waits = [backoff(n, rng) for n in range(1, 12)]
    assert all(2 * 2 ** (n - 1) * 0.5 <= w <= 2 * 2 ** (n - 1) for n, w in zip(range(1, 5), waits, strict=False))
    assert max(waits) <= 60


async def test_two_replies_to_one_chat_over_a_jittery_network_break_no_limit():
    # Why: the limiter counts a private chat's message when it issues the slot, Telegram when the
    # request arrives; a first reply that travels slowly lands closer to a second that travels fast.
    # Virtual time lets requests in transit land before the clock moves, which hides this, so this
    # test runs on the real clock (about a second): the fake counts on arrival, one-way delays
    # 75-225 ms, and the chat's burst (one message, then 1/s) is what the two replies meet.
    from telegram.ext import ExtBot

    from bot.delivery.ptb_limiter import SharedRateLimiter
    from bot.demo.fake.telegram import FakeTelegram

    with FakeTelegram(chat_burst=1) as fake:
        fake.latency(300, jitter=0.5, seed=7)
        rl = RateLimiter(30, 1.0, chat_burst=1)
        async with ExtBot(fake.token, base_url=fake.base_url, rate_limiter=SharedRateLimiter(rl)) as bot:
            for chat in range(1, 5):  # other chats first: round trips to estimate the delays' spread
                await bot.send_message(chat, "alert")
            await bot.send_message(77, "preview")
            await bot.send_message(77, "broadcast")
    assert fake.limit_breaks == []
    assert [m.text for m in fake.messages(77)] == ["preview", "broadcast"]
