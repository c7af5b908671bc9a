"""What delivery remembers between drains: the limiter, unsaved outcomes, an outage, notices for the admin chat.

The admin chat hears about delivery in a few messages, not one per row: one when Telegram became
unreachable (sent when it can, at the latest just before the next one), one when delivery resumed,
one digest per drain of failures and of unreachable leaders, and a watchdog notice when a drain
hangs. They wait here, in order, until Telegram takes them. An outage in progress is also kept in
the store, so after a restart during it the admins still hear once that it began and once that it
ended; the other notices (digests, the watchdog) live in memory only and a restart loses those not yet sent.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
import time
import warnings
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlite_utils import Database
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.delivery import texts as delivery_text
from bot.delivery.ratelimit import RateLimiter
from bot.settings import Settings
from subscribers import outbox
from subscribers.outage import StoredOutage, clear_outage, load_outage, save_outage

log = logging.getLogger(__name__)

# This many sends failing in a row with network errors, timeouts or 5xx (and none succeeding) is an outage.
OUTAGE_AFTER_FAILURES = 8
# Admin notices kept while Telegram is unreachable (the oldest are dropped beyond this).
MAX_ADMIN_NOTICES = 20


def retry_after_seconds(exc: RetryAfter) -> float:
    """`retry_after` in seconds: PTB 22 gives an int (with a deprecation warning), later a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Outage(BaseModel):
    """Telegram has been unreachable since `since`."""

    since: datetime
    error: str


class DeliveryState:
    """Shared by every drain of one process (the delivery job's data)."""

    def __init__(self, limiter: RateLimiter, settings: Settings, *, rng: random.Random | None = None):
        self.limiter = limiter
        self.settings = settings
        self.rng = rng or random.Random()
        # Store writes that failed after the fact (a sent message not yet marked): replayed first.
        self.unsaved: list[Callable[[], None]] = []
        self.outage: Outage | None = None
        self.failing = 0
        self.admin_notices: deque[str] = deque(maxlen=MAX_ADMIN_NOTICES)
        # Set while a drain runs (monotonic seconds), for the watchdog.
        self.drain_started: float | None = None
        self.stuck_reported = False
        # Set on shutdown: drains take no new rows.
        self.stopping = False
        # The running drain's task (cancelled if it outlives the shutdown grace).
        self.drain_task: asyncio.Task | None = None
        self.restored = False

    def replay_unsaved(self) -> None:
        """Commit outcomes the store refused earlier (raises the store's error if it still refuses)."""
        while self.unsaved:
            self.unsaved[0]()
            self.unsaved.pop(0)

    def restore(self, db: Database) -> None:
        """Once per process: take up an outage the previous process left in the store (its start notice is
        queued again)."""
        if self.restored:
            return
        stored = load_outage(db)
        self.restored = True
        if stored is None or self.outage is not None:
            return
        self.outage = Outage(since=stored.since, error=stored.error)
        log.error("delivery: Telegram unreachable since %s (before the restart); probing", stored.since.isoformat())
        self.tell_admins(delivery_text.outage_started(stored.since, stored.pending, self.settings.tz))

    def reachable(self) -> None:
        """A send went through."""
        self.failing = 0

    def unreachable(self, db: Database, now: datetime, error: str) -> None:
        """A send failed with a network error, timeout or 5xx; enough in a row start an outage."""
        self.failing += 1
        if self.outage is None and self.failing >= OUTAGE_AFTER_FAILURES:
            self.outage = Outage(since=now, error=error)
            pending = sum(outbox.counts(db).get(s, 0) for s in ("pending", "sending"))
            try:
                save_outage(db, StoredOutage(since=now, error=error, pending=pending))
            except sqlite3.Error as exc:  # the store is at fault too: the outage is still handled in memory
                log.error("delivery: could not store the outage (a restart would forget it): %s", exc)
            log.error("delivery: Telegram unreachable since %s (%s); pausing and probing", now.isoformat(), error)
            self.tell_admins(delivery_text.outage_started(now, pending, self.settings.tz))

    def recovered(self, db: Database, now: datetime) -> bool:
        """The probe went through: end the outage, make waiting rows due now, tell the admins."""
        if self.outage is None:
            return True
        # Store first: if it refuses, the outage stays on and the next drain probes again.
        retried = outbox.retry_now(db, now)
        clear_outage(db)
        since, self.outage, self.failing = self.outage.since, None, 0
        pending = outbox.counts(db).get("pending", 0)
        log.warning("delivery: Telegram reachable again (%d rows made due now, %d pending)", retried, pending)
        self.tell_admins(delivery_text.outage_over(since, now, pending, self.settings.tz))
        return True

    def tell_admins(self, text: str) -> None:
        """Queue a notice for the admin chat (sent at the end of the next drain that can)."""
        if self.settings.telegram.admin_chat_id is not None:
            self.admin_notices.append(text)

    async def flush_admin(self, bot: Bot) -> None:
        """Send queued admin notices in order; stop at the first that cannot go (it is kept)."""
        chat = self.settings.telegram.admin_chat_id
        while self.admin_notices and chat is not None:
            ticket = await self.limiter.acquire(chat)
            try:
                await bot.send_message(chat, self.admin_notices[0], parse_mode=ParseMode.HTML)
            except RetryAfter as exc:
                self.limiter.pause(retry_after_seconds(exc))
                return
            except TelegramError as exc:
                log.error("delivery: could not tell the admin chat (kept for later): %s", exc)
                return
            finally:
                self.limiter.release(ticket)
            self.admin_notices.popleft()

    def check_stuck(self, bound_seconds: float) -> bool:
        """The watchdog: True (once per stuck drain) when a drain has run longer than `bound_seconds`."""
        if self.drain_started is None:
            self.stuck_reported = False
            return False
        if time.monotonic() - self.drain_started <= bound_seconds or self.stuck_reported:
            return False
        self.stuck_reported = True
        return True
