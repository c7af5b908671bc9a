"""Pacing for Telegram: one budget for every Bot API call (fan-out, replies, edits, admin notices).

Telegram counts messages when its servers receive them: at most 30 in any second overall, about
one per second per private chat (short bursts tolerated), 20 per minute per group. Our requests
reach it after a network delay that varies, so two sends spaced exactly 1/30 s apart may arrive
closer than that. The limiter keeps a token bucket at `rate`/s and a window guard: a send may start
only when, even if it travels as fast as any request has, it arrives more than one second after the
`rate`-th send before it did. That one's arrival is estimated from its own round trip (half of it,
capped), the fastest arrival from the fastest round trip seen. The bound then holds at Telegram's
end whatever the jitter, at the cost of the actual delay difference once per second, instead of a
whole round trip per send. Per chat the same holds: a private chat's next slot and a group's next
minute are both widened by the delay spread, since Telegram counts them on arrival too.

Urgent calls (a leader's or admin's own action) take the next token before fan-out sends, so a
fan-out never starves them. A 429 pauses everything for `retry_after` (capped, so no wait is
unbounded). Times are `time.monotonic()` seconds (the wire, not the injected `now`).
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections import deque
from collections.abc import Awaitable, Callable

WINDOW_SECONDS = 1.0
# Above this the window guard is off: a "no limits" run (tests, benchmarks of the engine alone).
MAX_WINDOW = 1000
# Round trips remembered to estimate the delay spread; the spread counted is at most this.
RTT_SAMPLES = 64
MAX_SPREAD_SECONDS = 0.5
# A few milliseconds for clocks and scheduling between us and Telegram.
SAFETY_SECONDS = 0.015
# Telegram: 20 messages per minute in a group; a private chat tolerates a short burst of a few.
GROUP_PER_MINUTE = 20
GROUP_WINDOW_SECONDS = 60.0
PRIVATE_BURST = 3
# No single wait of the limiter exceeds this, whatever a server says (a bad retry_after cannot hang us).
MAX_PAUSE_SECONDS = 300.0

# Set (to True) inside a task whose Bot API calls the delivery worker has already paced itself.
PACED: contextvars.ContextVar[bool] = contextvars.ContextVar("floodbot_paced", default=False)


class Ticket:
    """One call's place in the budget; `release` it when the answer (or the error) came."""

    __slots__ = ("chat_id", "done_at", "started_at")

    def one_way(self, slowest: float) -> float:
        """Seconds from the start until Telegram had it: half the round trip, or `slowest` while unanswered
        (a slow answer is Telegram's processing, not the way there)."""
        if self.done_at is not None:
            return (self.done_at - self.started_at) / 2
        return slowest

    def __init__(self, started_at: float, chat_id: int | None):
        self.started_at = started_at
        self.chat_id = chat_id
        self.done_at: float | None = None


class RateLimiter:
    """Token bucket at `rate`/s, a one-second window of starts widened by the delay spread, per-chat pacing,
    429 pauses."""

    def __init__(
        self,
        rate: float,
        per_chat_interval: float = 1.0,
        *,
        burst: int = 1,
        chat_burst: int = PRIVATE_BURST,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.interval = 1.0 / rate
        self.window_limit = int(rate) if rate <= MAX_WINDOW else None
        self.per_chat = per_chat_interval
        self.burst = burst
        self.chat_burst = chat_burst
        self.clock = clock
        self.sleep = sleep
        self._next_free = 0.0
        self._paused_until = 0.0
        self._urgent_waiting = 0
        # Per private chat: the theoretical arrival time of the next message (GCRA); per group: a minute of starts.
        self._chat_tat: dict[int, float] = {}
        self._group_starts: dict[int, deque[float]] = {}
        self._window: deque[Ticket] = deque(maxlen=self.window_limit or 1)
        self._rtts: deque[float] = deque(maxlen=RTT_SAMPLES)
        # min and max of `_rtts`, kept by `release` (checks read them far more often than answers come).
        self._rtt_min = self._rtt_max = 0.0
        # Tickets taken and not yet released: calls on their way to Telegram or waiting for its answer.
        self.outstanding = 0

    # -- per chat ------------------------------------------------------------------------------

    def chat_ready_at(self, chat_id: int) -> float:
        """The monotonic time from which this chat may get its next message."""
        if not self.per_chat:
            return 0.0
        if chat_id < 0:
            starts = self._group_starts.get(chat_id)
            if not starts or len(starts) < GROUP_PER_MINUTE:
                return 0.0
            return starts[-GROUP_PER_MINUTE] + GROUP_WINDOW_SECONDS + self.spread() + SAFETY_SECONDS
        tat = self._chat_tat.get(chat_id)
        if tat is None:
            return 0.0
        # Counted here when the slot is issued, by Telegram when the request arrives: an earlier
        # request that travelled slowly may land closer to this one than their starts, by at most
        # the spread of delays (the same margin as a group's).
        return tat - (self.chat_burst - 1) * self.per_chat + self.spread() + SAFETY_SECONDS

    def chat_ready(self, chat_id: int) -> bool:
        """Whether this chat may get a message now."""
        return self.chat_ready_at(chat_id) <= self.clock()

    # -- overall -------------------------------------------------------------------------------

    def spread(self) -> float:
        """The estimated spread of one-way delays to Telegram (half the spread of recent round trips)."""
        if len(self._rtts) < 2:
            return 0.0
        return min(MAX_SPREAD_SECONDS, (self._rtt_max - self._rtt_min) / 2)

    def _bucket_delay(self, now: float) -> float:
        start = max(self._next_free - (self.burst - 1) * self.interval, self._paused_until)
        return max(0.0, start - now)

    def _window_wait(self, now: float) -> float:
        """Seconds until one more send surely arrives over a second after the `rate`-th before it."""
        if self.window_limit is None or len(self._window) < self.window_limit:
            return 0.0
        fastest, slowest = self._rtt_min / 2, self._rtt_max / 2
        oldest = self._window[0]
        late = min(oldest.one_way(slowest) - fastest, MAX_SPREAD_SECONDS)
        return max(0.0, oldest.started_at + late + WINDOW_SECONDS + SAFETY_SECONDS - now)

    def _wait(self, now: float, chat_id: int | None) -> float:
        wait = max(self._bucket_delay(now), self._window_wait(now))
        if chat_id is not None:
            wait = max(wait, self.chat_ready_at(chat_id) - now)
        return min(wait, MAX_PAUSE_SECONDS)

    async def acquire(self, chat_id: int | None = None, *, urgent: bool = False) -> Ticket:
        """Wait for a token (urgent calls first), a place in the window, the chat's turn and the end of any
        429 pause."""
        if urgent:
            self._urgent_waiting += 1
        try:
            while True:
                now = self.clock()
                wait = self._wait(now, chat_id)
                if wait <= 0 and (urgent or not self._urgent_waiting):
                    break
                await self.sleep(wait if wait > 0 else self.interval / 4)
        finally:
            if urgent:
                self._urgent_waiting -= 1
        # Keep the schedule when the loop woke us a little late, so oversleeping does not add up.
        base = self._next_free if now - self._next_free < self.interval else now - (self.burst - 1) * self.interval
        self._next_free = max(base, self._paused_until) + self.interval
        ticket = Ticket(now, chat_id)
        self.outstanding += 1
        if self.window_limit is not None:
            self._window.append(ticket)
        if chat_id is not None and self.per_chat and chat_id < 0:
            starts = self._group_starts.setdefault(chat_id, deque(maxlen=GROUP_PER_MINUTE))
            starts.append(now)
        elif chat_id is not None and self.per_chat:
            self._chat_tat[chat_id] = max(self._chat_tat.get(chat_id, 0.0), now) + self.per_chat
            if len(self._chat_tat) > 50_000:  # keep memory flat over a long run
                self._chat_tat = {c: t for c, t in self._chat_tat.items() if t > now}
        return ticket

    def release(self, ticket: Ticket) -> None:
        """The answer came (or the request failed): remember the round trip for the spread estimate."""
        if ticket.done_at is not None:
            return
        self.outstanding -= 1
        ticket.done_at = self.clock()
        self._rtts.append(ticket.done_at - ticket.started_at)
        self._rtt_min, self._rtt_max = min(self._rtts), max(self._rtts)

    def pause(self, seconds: float) -> None:
        """Telegram said retry_after: nothing goes out for `seconds` (at most MAX_PAUSE_SECONDS)."""
        until = self.clock() + min(max(seconds, 0.0), MAX_PAUSE_SECONDS)
        self._paused_until = max(self._paused_until, until)
        self._next_free = max(self._next_free, until)
