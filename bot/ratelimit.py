"""Pacing for Telegram: a global token bucket, a one-second window guard, per-chat spacing, 429 pauses.

Telegram counts messages in one-second windows at its end, after our requests crossed the network.
A send's place in that window is somewhere between our request and its answer, so the guard
counts a send from when it started until one second after it was answered: at most `rate` sends
may overlap that span. The bound then holds whatever the network jitter, at a cost of one round
trip per second of throughput. Times are `time.monotonic()` seconds (the wire, not injected `now`).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

WINDOW_SECONDS = 1.0
# The guard polls this often while the window is full (it waits for answers, not for a clock).
POLL_SECONDS = 0.002
# Above this the window guard is off: a "no limits" run (tests, benchmarks of the engine alone).
MAX_WINDOW = 1000


class Ticket:
    """One send holding a place in the window until one second after its answer."""

    __slots__ = ("chat_id", "done_at", "started_at")

    def __init__(self, started_at: float, chat_id: int | None):
        self.started_at = started_at
        self.chat_id = chat_id
        self.done_at: float | None = None


class RateLimiter:
    """Token bucket at `rate`/s (capacity `burst`), a window guard, per-chat spacing and global pauses."""

    def __init__(
        self,
        rate: float,
        per_chat_interval: float = 1.0,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.interval = 1.0 / rate
        self.window_limit = int(rate) if rate <= MAX_WINDOW else None
        self.per_chat = per_chat_interval
        self.burst = burst
        self.clock = clock
        self.sleep = sleep
        self._next_free = 0.0
        self._paused_until = 0.0
        self._chat_ready: dict[int, float] = {}
        self._window: deque[Ticket] = deque()

    def chat_ready_at(self, chat_id: int) -> float:
        """The monotonic time from which this chat may get its next message."""
        return self._chat_ready.get(chat_id, 0.0)

    def chat_ready(self, chat_id: int) -> bool:
        """Whether this chat may get a message now."""
        return self.chat_ready_at(chat_id) <= self.clock()

    def _bucket_delay(self, now: float) -> float:
        start = max(self._next_free - (self.burst - 1) * self.interval, self._paused_until)
        return max(0.0, start - now)

    def _window_wait(self, now: float) -> float:
        """Seconds until the window has a free place (0 when it has one now)."""
        if self.window_limit is None:
            return 0.0
        ends = sorted(
            t.done_at + WINDOW_SECONDS if t.done_at is not None else float("inf") for t in self._window
        )
        self._window = deque(t for t in self._window if t.done_at is None or t.done_at + WINDOW_SECONDS > now)
        ends = [e for e in ends if e > now]
        if len(ends) < self.window_limit:
            return 0.0
        # The place frees when the k-th earliest span ends; unanswered sends hold theirs: poll.
        free_at = ends[len(ends) - self.window_limit]
        return POLL_SECONDS if free_at == float("inf") else free_at - now

    async def acquire(self, chat_id: int | None = None) -> Ticket:
        """Wait for a token, a place in the window and the end of any 429 pause; `release` the ticket after the answer."""
        while True:
            now = self.clock()
            wait = max(self._bucket_delay(now), self._window_wait(now))
            if wait <= 0:
                break
            await self.sleep(wait)
        # Keep the schedule when the loop woke us a little late, so oversleeping does not add up.
        base = self._next_free if now - self._next_free < self.interval else now - (self.burst - 1) * self.interval
        self._next_free = max(base, self._paused_until) + self.interval
        ticket = Ticket(now, chat_id)
        if self.window_limit is not None:
            self._window.append(ticket)
        if chat_id is not None and self.per_chat:
            self._chat_ready[chat_id] = float("inf")  # busy until answered
        return ticket

    def release(self, ticket: Ticket) -> None:
        """The answer came (or the request failed): the send's window place now ends a second later."""
        now = self.clock()
        ticket.done_at = now
        if ticket.chat_id is not None and self.per_chat:
            self._chat_ready[ticket.chat_id] = now + self.per_chat
        if len(self._chat_ready) > 50_000:  # keep memory flat over a long run
            self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}

    def pause(self, seconds: float) -> None:
        """Telegram said retry_after: nothing goes out for `seconds`, and the bucket restarts empty."""
        until = self.clock() + seconds
        self._paused_until = max(self._paused_until, until)
        self._next_free = max(self._next_free, until)
