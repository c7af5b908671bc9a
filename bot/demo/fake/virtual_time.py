"""One virtual monotonic clock for the rate limiter and the fake Bot API, so waits cost no real time.

The limiter reads it and sleeps on it; the fake counts Telegram's limits on it. A wait of the limiter
moves the clock forward at once instead of sleeping, so a test that sends ten replies to one chat
takes milliseconds, yet the fake still sees them a second apart, as Telegram would: a reply that
skipped the limiter (or a limiter that paced wrongly) arrives too early on the same clock and gets
a 429. Real I/O (HTTP to the fake, timeouts, slow answers) still runs on the real clock.

A sleep first lets calls already on their way reach the fake (briefly, on the real clock): otherwise
a jump of the clock while a request is in transit would make it arrive "late", a delay no loopback
network has, and the fake would count it later than the limiter did.
"""

from __future__ import annotations

import asyncio
import threading
import time

from typing import TYPE_CHECKING

from bot.delivery.ratelimit import RateLimiter

# How long (real seconds) a sleep waits for calls in flight before the clock jumps anyway (a slow answer).
SETTLE_SECONDS = 0.05

if TYPE_CHECKING:
    from bot.settings import Settings


class VirtualTime:
    """Seconds that advance only when someone sleeps on them (`await vt.sleep(s)`); `vt()` reads them."""

    def __init__(self, start: float = 1_000.0):
        self._now = start
        self._lock = threading.Lock()  # the fake reads from its server threads
        self._limiters: list[RateLimiter] = []

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward (never back)."""
        with self._lock:
            self._now += max(seconds, 0.0)

    async def sleep(self, seconds: float) -> None:
        """Let `seconds` pass at once, then give other tasks their turn (as a real sleep would)."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while any(limiter.outstanding for limiter in self._limiters) and time.monotonic() < deadline:
            await asyncio.sleep(0.001)
        self.advance(seconds)
        await asyncio.sleep(0)

    def limiter(self, settings: Settings) -> RateLimiter:
        """The limiter `settings` ask for (as `bot.delivery.worker.make_limiter`), on this clock."""
        delivery = settings.delivery
        limiter = RateLimiter(
            delivery.rate_per_second, delivery.per_chat_interval_seconds, clock=self, sleep=self.sleep
        )
        self._limiters.append(limiter)
        return limiter
