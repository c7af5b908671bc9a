"""The rate limiter on a fake clock: spacing, the one-second window, per-chat spacing, 429 pauses."""

from __future__ import annotations

import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.delivery import Outcome, backoff, classify
from bot.ratelimit import RateLimiter


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


async def test_window_holds_a_place_until_a_second_after_the_answer():
    # Answers take 0.2 s: 30 sends can start at 30/s, the 31st only a second after the first answer.
    rl, clock = limiter(rate=30)
    tickets = []
    for chat in range(30):
        tickets.append((await rl.acquire(chat), clock.t))
    first_answer = tickets[0][1] + 0.2
    for ticket, started in tickets:
        saved, clock.t = clock.t, started + 0.2
        rl.release(ticket)
        clock.t = max(saved, clock.t)
    await rl.acquire(31)
    assert clock.t >= first_answer + 1.0


async def test_per_chat_spacing_starts_at_the_answer():
    rl, clock = limiter()
    ticket = await rl.acquire(7)
    assert not rl.chat_ready(7)  # busy while in flight
    clock.t += 0.3
    rl.release(ticket)
    assert rl.chat_ready_at(7) == pytest.approx(clock.t + 1.0)
    assert rl.chat_ready(8)


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
    assert all(2 * 2 ** (n - 1) * 0.5 <= w <= 2 * 2 ** (n - 1) for n, w in zip(range(1, 8), waits, strict=False))
    assert max(waits) <= 600
