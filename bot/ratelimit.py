"""Pacing for Telegram: a global token bucket, one message per chat per interval, and 429 pauses.

Times are `time.monotonic()` seconds: pacing is about the real wire, not the injected `now`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

# Telegram counts messages in its own one-second windows, after our requests crossed the network;
# pacing a little under the nominal rate keeps jitter from pushing 31 into one of its windows.
HEADROOM = 0.025
# Extra spacing per chat for the same reason (Telegram allows about one message per second).
CHAT_MARGIN = 0.05


class RateLimiter:
    """A token bucket of capacity `burst` refilled at `rate`/s, with per-chat spacing and global pauses."""

    def __init__(
        self,
        rate: float,
        per_chat_interval: float = 1.0,
        *,
        burst: int = 1,
        headroom: float = HEADROOM,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.interval = (1.0 + headroom) / rate
        self.per_chat = per_chat_interval + CHAT_MARGIN if per_chat_interval > 0 else 0.0
        self.burst = burst
        self.clock = clock
        self._next_free = 0.0
        self._paused_until = 0.0
        self._chat_ready: dict[int, float] = {}

    def chat_ready_at(self, chat_id: int) -> float:
        """The monotonic time from which this chat may get its next message."""
        return self._chat_ready.get(chat_id, 0.0)

    def chat_ready(self, chat_id: int) -> bool:
        """Whether this chat may get a message now."""
        return self.chat_ready_at(chat_id) <= self.clock()

    def delay(self) -> float:
        """Seconds until the next token (0 when one is available)."""
        now = self.clock()
        start = max(self._next_free - (self.burst - 1) * self.interval, self._paused_until)
        return max(0.0, start - now)

    async def acquire(self, chat_id: int | None = None) -> None:
        """Wait for a token (and the end of any 429 pause); then count the send against the chat."""
        while (wait := self.delay()) > 0:
            await asyncio.sleep(wait)
        now = self.clock()
        self._next_free = max(self._next_free, now - (self.burst - 1) * self.interval) + self.interval
        if chat_id is not None and self.per_chat:
            self._chat_ready[chat_id] = now + self.per_chat

    def pause(self, seconds: float) -> None:
        """Telegram said retry_after: nothing goes out for `seconds`, and the bucket restarts empty."""
        until = self.clock() + seconds
        self._paused_until = max(self._paused_until, until)
        self._next_free = max(self._next_free, until)

    def forget_chats(self, older_than: float) -> None:
        """Drop per-chat times that no longer matter (keeps memory flat over a long run)."""
        now = self.clock()
        if len(self._chat_ready) > 10_000:
            self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now - older_than}
