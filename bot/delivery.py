"""The delivery worker: drains the outbox to Telegram within its limits, at least once, never twice.

Each row is decided (send, reply, skip) from the store, then paced by the `RateLimiter`, claimed
(pending → sending, committed) and sent; the outcome is committed at once. Errors are classified
once (`classify`): 429 pauses everything for exactly `retry_after`; 403 and "chat not found"
deactivate the leader; other 400s are permanent; timeouts, network errors and 5xx back off.
"""

from __future__ import annotations

import asyncio
import logging
import random
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel
from sqlite_utils import Database
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot import delivery_text
from bot.ratelimit import RateLimiter, Ticket
from bot.settings import Settings
from subscribers import acks, outbox
from subscribers.leaders import deactivate, get_leader
from subscribers.outbox import Kind, OutboxRow

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 600.0
BATCH = 200


class Outcome(StrEnum):
    SENT = "sent"
    RATE_LIMITED = "rate_limited"
    GONE = "gone"  # blocked or chat not found: the leader is deactivated
    PERMANENT = "permanent"
    RETRY = "retry"


class DeliveryStats(BaseModel):
    """What one drain did."""

    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    deactivated: int = 0
    http_429: int = 0
    edits: int = 0


class Plan(BaseModel):
    """How to send one row: as a reply to which message, with or without the button, clearing which."""

    reply_to: int | None = None
    button: bool = False
    clear: list[int] = []
    skip: str | None = None


def retry_after_seconds(exc: RetryAfter) -> float:
    """`retry_after` in seconds: PTB 22 gives an int (with a deprecation warning), later a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify(exc: TelegramError) -> Outcome:
    """One place that maps a PTB error to what the worker does next."""
    if isinstance(exc, RetryAfter):
        return Outcome.RATE_LIMITED
    if isinstance(exc, Forbidden):
        return Outcome.GONE
    # BadRequest subclasses NetworkError: check it first.
    if isinstance(exc, BadRequest):
        return Outcome.GONE if "chat not found" in exc.message.lower() else Outcome.PERMANENT
    if isinstance(exc, TimedOut | NetworkError):
        return Outcome.RETRY
    return Outcome.PERMANENT


def backoff(attempts: int, rng: random.Random) -> float:
    """Seconds before the next try: exponential in the attempts so far, with jitter (half to full)."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return ceiling * (0.5 + rng.random() / 2)


def plan(db: Database, row: OutboxRow, now: datetime) -> Plan:
    """Decide how (or whether) a row goes out, from the warning's state and the leader's history."""
    if row.kind == Kind.NOTICE:
        return Plan()
    state = acks.warning_state(db, row.ref_id)
    if state is None:
        return Plan(skip="warning not found")
    thread = outbox.thread_ids(db, row.ref_id)
    earlier = [w for w in thread if w != row.ref_id] if row.kind != Kind.REMINDER else thread
    previous = row.reply_to_message_id or outbox.last_message_id(db, row.chat_id, earlier)
    all_clear = row.kind == Kind.UPDATE and state.status == "ended"
    # A cancel, an all-clear and "no longer your area" reply to the earlier message and remove its button.
    if row.kind in (Kind.CANCEL, Kind.AREA_REMOVED) or all_clear:
        if previous is None:
            return Plan(skip="leader never got the warning")
        return Plan(reply_to=previous, clear=outbox.button_message_ids(db, row.chat_id, thread))
    if not state.sendable(now):
        expired = state.expires is not None and state.expires <= now
        return Plan(skip="expired" if expired and state.status in acks.SENDABLE_STATUSES else f"warning {state.status}")
    if row.kind == Kind.REMINDER and acks.acked_thread(db, thread, row.chat_id):
        return Plan(skip="acknowledged")
    return Plan(reply_to=previous, button=True)


def ack_markup(warning_id: int) -> InlineKeyboardMarkup:
    """The รับทราบ button of one warning."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(delivery_text.ACK_BUTTON, callback_data=delivery_text.ack_data(warning_id))]])


class Worker:
    """One drain of the outbox with a shared limiter; `deliver_due` is the way to run it."""

    def __init__(
        self,
        bot: Bot,
        db: Database,
        settings: Settings,
        now_fn: Callable[[], datetime],
        limiter: RateLimiter,
        *,
        concurrency: int = 64,
        rng: random.Random | None = None,
    ):
        self.bot, self.db, self.settings, self.now_fn, self.limiter = bot, db, settings, now_fn, limiter
        self.concurrency = concurrency
        self.rng = rng or random.Random()
        self.stats = DeliveryStats()
        self.in_flight: dict[int, asyncio.Task] = {}
        self.busy_chats: set[int] = set()
        self.last_error: dict[int, str] = {}
        self.crashed: list[BaseException] = []

    async def run(self) -> DeliveryStats:
        """Send every row due now (re-reading the queue after each batch so urgent rows jump ahead)."""
        try:
            while True:
                rows = [
                    r
                    for r in outbox.due(self.db, self.now_fn(), BATCH + len(self.in_flight))
                    if r.id not in self.in_flight and r.chat_id not in self.busy_chats
                ]
                if not rows:
                    if not self.in_flight:
                        break
                    await asyncio.wait(list(self.in_flight.values()), return_when=asyncio.FIRST_COMPLETED)
                    continue
                if not await self._batch(rows):
                    await self._wait_for_progress(rows)
        finally:
            if self.in_flight:
                await asyncio.gather(*self.in_flight.values(), return_exceptions=True)
        if self.crashed:  # a store or programming error inside a send: do not hide it
            raise self.crashed[0]
        return self.stats

    async def _batch(self, rows: list[OutboxRow]) -> bool:
        progressed = False
        for row in rows:
            if row.chat_id in self.busy_chats or not self.limiter.chat_ready(row.chat_id):
                continue
            now = self.now_fn()
            how = plan(self.db, row, now)
            if how.skip is not None:
                outbox.mark_skipped(self.db, row.id, how.skip, now)
                self.stats.skipped += 1
                progressed = True
                continue
            while len(self.in_flight) >= self.concurrency:
                await asyncio.wait(list(self.in_flight.values()), return_when=asyncio.FIRST_COMPLETED)
            ticket = await self.limiter.acquire(row.chat_id)
            if not outbox.claim(self.db, row.id, self.now_fn()):
                self.limiter.release(ticket)
                continue  # another worker (or a restart) took it
            self.busy_chats.add(row.chat_id)
            task = asyncio.create_task(self._send(row, how, ticket))
            self.in_flight[row.id] = task
            task.add_done_callback(lambda t, r=row: self._done(r, t))
            progressed = True
        return progressed

    def _done(self, row: OutboxRow, task: asyncio.Task) -> None:
        self.in_flight.pop(row.id, None)
        self.busy_chats.discard(row.chat_id)
        if not task.cancelled() and task.exception() is not None:
            self.crashed.append(task.exception())

    async def _wait_for_progress(self, rows: list[OutboxRow]) -> None:
        """Nothing could go: wait for a chat to become ready or a request to finish."""
        ready = min(self.limiter.chat_ready_at(r.chat_id) for r in rows)
        wait = max(0.0, ready - self.limiter.clock()) + 0.001
        if self.in_flight:
            await asyncio.wait(list(self.in_flight.values()), timeout=wait, return_when=asyncio.FIRST_COMPLETED)
        else:
            await asyncio.sleep(wait)

    async def _send(self, row: OutboxRow, how: Plan, ticket: Ticket) -> None:
        reply = ReplyParameters(how.reply_to, allow_sending_without_reply=True) if how.reply_to else None
        try:
            message = await self.bot.send_message(
                row.chat_id,
                row.text,
                parse_mode=ParseMode.HTML,
                reply_markup=ack_markup(row.ref_id) if how.button else None,
                reply_parameters=reply,
            )
        except TelegramError as exc:
            self.limiter.release(ticket)
            await self._failed(row, exc)
            return
        finally:
            if ticket.done_at is None:
                self.limiter.release(ticket)
        outbox.mark_sent(self.db, row.id, message.message_id, self.now_fn())
        self.stats.sent += 1
        for message_id in how.clear:
            await self._clear_buttons(row.chat_id, message_id)

    async def _clear_buttons(self, chat_id: int, message_id: int) -> None:
        ticket = await self.limiter.acquire()
        try:
            await self.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
            self.stats.edits += 1
        except RetryAfter as exc:
            self.limiter.pause(retry_after_seconds(exc))
            self.stats.http_429 += 1
        except TelegramError as exc:
            # "message is not modified" (already cleared) or deleted by the leader: nothing to do.
            log.info("could not remove buttons of message %s in chat %s: %s", message_id, chat_id, exc)
        finally:
            self.limiter.release(ticket)

    async def _failed(self, row: OutboxRow, exc: TelegramError) -> None:
        now = self.now_fn()
        error = f"{type(exc).__name__}: {exc.message}"
        outcome = classify(exc)
        if outcome is Outcome.RATE_LIMITED:
            seconds = retry_after_seconds(exc)
            self.limiter.pause(seconds)
            outbox.release(self.db, row.id, now)
            self.stats.http_429 += 1
            log.warning("Telegram asked to wait %ss (chat %s)", seconds, row.chat_id)
        elif outcome is Outcome.GONE:
            with self.db.atomic():
                outbox.mark_failed(self.db, row.id, error, now)
                deactivate(self.db, row.chat_id, error, now)
                outbox.skip_pending_for_chat(self.db, row.chat_id, "leader inactive", now)
            self.stats.failed += 1
            self.stats.deactivated += 1
            log.info("leader %s deactivated: %s", row.chat_id, error)
        elif outcome is Outcome.RETRY and row.attempts + 1 < self.settings.delivery.max_attempts:
            outbox.retry_later(self.db, row.id, now + timedelta(seconds=backoff(row.attempts + 1, self.rng)), error)
            self.stats.retried += 1
            if self.last_error.get(row.id) != error:  # log a retry only when its error changes
                log.warning("retrying outbox row %s (chat %s): %s", row.id, row.chat_id, error)
            self.last_error[row.id] = error
        else:
            outbox.mark_failed(self.db, row.id, error, now)
            self.stats.failed += 1
            log.error("outbox row %s to chat %s failed for good: %s", row.id, row.chat_id, error)
            await self._tell_admins(row, error)

    async def _tell_admins(self, row: OutboxRow, error: str) -> None:
        chat = self.settings.telegram.admin_chat_id
        if chat is None:
            return
        leader = get_leader(self.db, row.chat_id)
        text = delivery_text.delivery_failed(leader.name if leader else "", row.chat_id, row.attempts + 1, error)
        ticket = await self.limiter.acquire(chat)
        try:
            await self.bot.send_message(chat, text, parse_mode=ParseMode.HTML)
        except TelegramError as exc:
            log.error("could not tell the admin chat about row %s: %s", row.id, exc)
        finally:
            self.limiter.release(ticket)


def make_limiter(settings: Settings) -> RateLimiter:
    """The limiter the settings ask for (shared across drains so pauses carry over)."""
    return RateLimiter(settings.delivery.rate_per_second, settings.delivery.per_chat_interval_seconds)


async def deliver_due(
    bot: Bot,
    db: Database,
    settings: Settings,
    now_fn: Callable[[], datetime],
    *,
    limiter: RateLimiter | None = None,
    concurrency: int = 64,
    rng: random.Random | None = None,
) -> DeliveryStats:
    """Drain the outbox once: send every row due at `now_fn()`, then return what happened."""
    worker = Worker(bot, db, settings, now_fn, limiter or make_limiter(settings), concurrency=concurrency, rng=rng)
    return await worker.run()
