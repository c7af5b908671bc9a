"""Concurrent update handling that keeps each chat's updates in order.

PTB handles updates one by one unless `concurrent_updates` is set; then a leader's ack waits for
nobody, but a conversation (sign-up, a report, /broadcast) could see its own messages out of order.
This processor runs up to `max_concurrent_updates` updates at once, one at a time per chat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates handled at once: acks and replies of different leaders during a fan-out. A handler may wait
# for its edit behind the 30/s budget; enough slots let the next leader's answer go out meanwhile.
MAX_CONCURRENT_UPDATES = 256


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Different chats in parallel, each chat's updates one after another (in arrival order)."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES):
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Await the update's handling under its chat's lock (updates without a chat run freely)."""
        chat = update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None
        if chat is None:
            await coroutine
            return
        lock = self._locks.setdefault(chat, asyncio.Lock())
        self._users[chat] = self._users.get(chat, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[chat] -= 1
            if not self._users[chat]:  # nobody waits: forget the lock (memory stays flat)
                del self._users[chat]
                del self._locks[chat]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
