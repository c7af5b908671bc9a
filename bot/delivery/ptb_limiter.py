"""PTB's `BaseRateLimiter` over the project's `RateLimiter`: one Telegram budget for every Bot API call.

`ApplicationBuilder.rate_limiter` routes every request of `context.bot` through `process_request`.
Calls the delivery worker already paced (it sets `PACED`) pass straight through; every other call
that Telegram counts (a handler's reply, an edit, an admin notice, an error post) takes an urgent
ticket from the same limiter, so it goes before fan-out sends, and on a 429 it pauses the whole
budget and is tried again instead of raising into the handler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.delivery.state import retry_after_seconds
from bot.delivery.ratelimit import PACED, RateLimiter

log = logging.getLogger(__name__)

# A call is tried this many times through 429s before the error reaches the caller.
MAX_TRIES = 5
# Methods Telegram does not count as messages: reads, the bot's own setup, callback answers (a
# toast on the leader's phone, which must come at once, not behind a fan-out).
FREE_PREFIXES = ("get", "set", "delete", "close", "logOut", "log_out", "answerCallbackQuery")


def counted(endpoint: str) -> bool:
    """Whether Telegram counts this method against the message limits."""
    if endpoint in ("deleteMessage", "deleteMessages"):
        return True
    return not endpoint.startswith(FREE_PREFIXES)


class SharedRateLimiter(BaseRateLimiter[None]):
    """Every call that Telegram counts waits for the shared `RateLimiter`; 429s are waited out and retried."""

    def __init__(self, limiter: RateLimiter):
        self.limiter = limiter

    async def initialize(self) -> None:
        """Nothing to set up: the limiter lives as long as the application."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Pace one call (urgent: ahead of fan-out), obey a 429 by pausing everything, then retry it."""
        if PACED.get() or not counted(endpoint):
            return await callback(*args, **kwargs)
        chat_id = data.get("chat_id")
        chat = chat_id if isinstance(chat_id, int) else None
        for attempt in range(1, MAX_TRIES + 1):
            ticket = await self.limiter.acquire(chat, urgent=True)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_after_seconds(exc)
                self.limiter.pause(seconds)
                if attempt == MAX_TRIES:
                    raise
                log.warning(
                    "%s to chat %s: Telegram asked to wait %ss; waiting, then retrying", endpoint, chat, seconds
                )
            finally:
                self.limiter.release(ticket)
        raise AssertionError("unreachable")
