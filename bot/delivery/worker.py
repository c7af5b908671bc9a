"""The delivery worker: drains the outbox to Telegram within its limits, at least once, never twice.

Each row is decided (send, reply, skip) from the store, then paced by the `RateLimiter`, claimed
(pending → sending, committed) and sent; the outcome is committed at once. Errors are classified
once (`classify`): 429 pauses everything for exactly `retry_after`; 403 and "chat not found"
deactivate the leader; other 400s are permanent; timeouts, network errors and 5xx back off
(capped, with jitter) for as long as the warning is in force: a row ends only when it is sent,
cannot be sent, or its warning (or a notice's lifetime) is over. A request that timed out after it
was written may have been delivered: it is resent once at most, after a delay.

A drain never wedges: a store error ends it (the next one runs), a write that failed after a send
is replayed before the next drain, and every wait is bounded. Many sends failing at once mean
Telegram is unreachable: the drain stops, later drains probe with one row, and the admin chat hears
once when the outage began and once when delivery resumed (`bot.delivery.state`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel
from sqlite_utils import Database
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.constants import ParseMode
import httpx
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.aftercare import texts as checkin_texts
from bot.delivery import texts as delivery_text
from bot.delivery.state import DeliveryState, retry_after_seconds
from bot.aftercare.keyboards import inline_markup
from bot.delivery.ratelimit import PACED, RateLimiter, Ticket
from bot.settings import Settings
from subscribers import acks, checkins, outbox
from subscribers.cities import city_name
from subscribers.leaders import deactivate, get_leader
from subscribers.outbox import ASKING_KINDS, Kind, OutboxRow
from subscribers.warnings import SENDABLE_STATUSES, WarningStatus

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 60.0
BATCH = 200
CONCURRENCY = 64
# A send that may have been delivered is resent (once) only after this long.
UNKNOWN_OUTCOME_RETRY_SECONDS = 60.0
# The worker's writes wait this long for another process's lock (not the store's 5 s): a write runs
# on the event loop, so a long wait would freeze every handler; the drain ends and the next retries.
WORKER_BUSY_TIMEOUT_MS = 200


@contextmanager
def short_busy(db: Database) -> Iterator[None]:
    """Within the block, a locked database fails fast (the store's own busy timeout is restored after)."""
    (before,) = db.execute("PRAGMA busy_timeout").fetchone()
    db.execute(f"PRAGMA busy_timeout = {WORKER_BUSY_TIMEOUT_MS:d}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA busy_timeout = {int(before):d}")


class Outcome(StrEnum):
    SENT = "sent"
    RATE_LIMITED = "rate_limited"
    GONE = "gone"  # blocked or chat not found: the leader is deactivated
    PERMANENT = "permanent"
    RETRY = "retry"
    UNKNOWN = "unknown"  # timed out after the request was written: maybe delivered


class DeliveryStats(BaseModel):
    """What one drain did."""

    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    deactivated: int = 0
    http_429: int = 0
    edits: int = 0
    unknown: int = 0
    store_error: str | None = None


class Plan(BaseModel):
    """How to send one row: as a reply to which message, with or without the button, clearing which."""

    reply_to: int | None = None
    button: bool = False
    clear: list[int] = []
    skip: str | None = None


def classify(exc: TelegramError) -> Outcome:
    """One place that maps a PTB error to what the worker does next."""
    if isinstance(exc, RetryAfter):
        return Outcome.RATE_LIMITED
    if isinstance(exc, Forbidden):
        return Outcome.GONE
    # BadRequest subclasses NetworkError: check it first.
    if isinstance(exc, BadRequest):
        return Outcome.GONE if "chat not found" in exc.message.lower() else Outcome.PERMANENT
    if isinstance(exc, TimedOut) and isinstance(exc.__cause__, httpx.ReadTimeout | httpx.WriteTimeout):
        return Outcome.UNKNOWN
    if isinstance(exc, TimedOut | NetworkError):
        return Outcome.RETRY
    return Outcome.PERMANENT


def backoff(attempts: int, rng: random.Random) -> float:
    """Seconds before the next try: exponential in the attempts so far, with jitter (half to full)."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return ceiling * (0.5 + rng.random() / 2)


def plan(db: Database, settings: Settings, row: OutboxRow, now: datetime) -> Plan:
    """Decide how (or whether) a row goes out, from the warning's state and the leader's history."""
    lifetime = timedelta(hours=settings.delivery.notice_lifetime_hours)
    if row.kind in (Kind.NOTICE, Kind.DRILL, *ASKING_KINDS) and row.created_at + lifetime <= now:
        return Plan(skip=f"{row.kind} older than {settings.delivery.notice_lifetime_hours:g} h")
    if row.kind == Kind.NOTICE:
        return Plan()
    if row.kind in ASKING_KINDS:
        return _asking_plan(db, row)
    state = acks.warning_state(db, row.ref_id)
    if state is None:
        return Plan(skip="warning not found")
    thread = outbox.thread_ids(db, row.ref_id)
    earlier = [w for w in thread if w != row.ref_id] if row.kind != Kind.REMINDER else thread
    previous = row.reply_to_message_id or outbox.last_message_id(db, row.chat_id, earlier)
    all_clear = row.kind == Kind.UPDATE and state.status == WarningStatus.ENDED
    # A cancel, an all-clear and "no longer your area" reply to the earlier message and remove its button.
    if row.kind in (Kind.CANCEL, Kind.AREA_REMOVED) or all_clear:
        if previous is None:
            return Plan(skip="leader never got the warning")
        return Plan(reply_to=previous, clear=outbox.button_message_ids(db, row.chat_id, thread))
    if not state.sendable(now):
        expired = state.expires is not None and state.expires <= now
        return Plan(skip="expired" if expired and state.status in SENDABLE_STATUSES else f"warning {state.status}")
    if row.kind == Kind.REMINDER and acks.acked_thread(db, thread, row.chat_id):
        return Plan(skip="acknowledged")
    if outbox.has_button(row.kind, state.severity):
        return Plan(reply_to=previous, button=True)
    # Below Severe: no button; an update that lowered the severity takes the earlier one away.
    return Plan(reply_to=previous, clear=outbox.button_message_ids(db, row.chat_id, earlier) if previous else [])


def _asking_plan(db: Database, row: OutboxRow) -> Plan:
    """A check-in question goes while its round is open; a survey goes as queued (its buttons: `markup`)."""
    if row.kind == Kind.CHECKIN:
        found = checkins.get_round(db, row.ref_id)
        if found is None or found.closed_at is not None:
            return Plan(skip="check-in round closed")
    return Plan()


def markup(row: OutboxRow, how: Plan) -> InlineKeyboardMarkup | None:
    """The row's buttons: the check-in answers, the survey's first question, or รับทราบ when planned."""
    if row.kind == Kind.CHECKIN:
        return inline_markup(checkin_texts.checkin_buttons(row.ref_id))
    if row.kind == Kind.SURVEY:
        return inline_markup(checkin_texts.arrival_buttons(row.ref_id))
    return ack_markup(row.ref_id) if how.button else None


def ack_markup(warning_id: int) -> InlineKeyboardMarkup:
    """The รับทราบ button of one warning."""
    button = InlineKeyboardButton(delivery_text.ACK_BUTTON, callback_data=delivery_text.ack_data(warning_id))
    return InlineKeyboardMarkup([[button]])


class Worker:
    """One drain of the outbox with the shared delivery state; `deliver_due` is the way to run it."""

    def __init__(
        self,
        bot: Bot,
        db: Database,
        settings: Settings,
        now_fn: Callable[[], datetime],
        state: DeliveryState,
        *,
        concurrency: int = CONCURRENCY,
        rng: random.Random | None = None,
    ):
        self.bot, self.db, self.settings, self.now_fn, self.state = bot, db, settings, now_fn, state
        self.limiter = state.limiter
        self.concurrency = concurrency
        self.rng = rng or state.rng
        self.stats = DeliveryStats()
        self.in_flight: dict[int, asyncio.Task] = {}
        self.busy_chats: set[int] = set()
        self.crashed: list[BaseException] = []
        self.failures: list[str] = []
        self.unreachable: list[str] = []

    async def run(self) -> DeliveryStats:
        """Send every row due now (re-reading the queue after each batch so urgent rows jump ahead)."""
        # This drain paces its own calls (PTB's limiter lets them through); reset after, so a caller's
        # later calls (a handler, a test) are paced again.
        paced = PACED.set(True)
        self.state.drain_started = time.monotonic()
        try:
            await self._run()
        finally:
            self.state.drain_started = None
            PACED.reset(paced)
        if self.crashed:  # a programming error inside a send: do not hide it
            raise self.crashed[0]
        return self.stats

    async def _run(self) -> None:
        try:
            with short_busy(self.db):
                self.state.replay_unsaved()
                self.state.restore(self.db)
            if self.state.outage is None or await self._probe():
                await self._drain()
        except sqlite3.Error as exc:
            # The store is locked, full or read-only: end this drain; the next one tries again.
            self.stats.store_error = self.stats.store_error or f"{type(exc).__name__}: {exc}"
            log.error("delivery: store error, drain stopped (the next drain retries): %s", exc)
        finally:
            await self._settle()
        await self._report()

    async def _drain(self) -> None:
        while not self.state.stopping and self.state.outage is None and self.stats.store_error is None:
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

    async def _settle(self) -> None:
        """Let in-flight sends finish (bounded by the request timeouts, or the grace when stopping)."""
        if not self.in_flight:
            return
        grace = self.settings.delivery.shutdown_grace_seconds if self.state.stopping else None
        tasks = list(self.in_flight.values())
        _, late = await asyncio.wait(tasks, timeout=grace)
        for task in late:  # stopping: these stay 'sending' and are resent at the next start
            task.cancel()
        if late:
            await asyncio.wait(late)
        self.in_flight.clear()
        self.busy_chats.clear()

    async def _batch(self, rows: list[OutboxRow]) -> bool:
        progressed = False
        for row in rows:
            if self.state.stopping or self.state.outage is not None or self.stats.store_error is not None:
                break
            if row.chat_id in self.busy_chats or not self.limiter.chat_ready(row.chat_id):
                continue
            how = self._plan(row)
            if how is None:
                progressed = True
                continue
            while len(self.in_flight) >= self.concurrency:
                await asyncio.wait(list(self.in_flight.values()), return_when=asyncio.FIRST_COMPLETED)
            ticket = await self.limiter.acquire(row.chat_id)
            if not self._claim(row, ticket):
                continue  # another worker (or a restart) took it
            self.busy_chats.add(row.chat_id)
            task = asyncio.create_task(self._send(row, how, ticket))
            self.in_flight[row.id] = task
            task.add_done_callback(functools.partial(self._done, row))
            progressed = True
        return progressed

    def _plan(self, row: OutboxRow) -> Plan | None:
        """How this row goes out now, or None when it is skipped (marked so, with the reason)."""
        now = self.now_fn()
        how = plan(self.db, self.settings, row, now)
        if how.skip is None:
            return how
        with short_busy(self.db):
            outbox.mark_skipped(self.db, row.id, how.skip, now)
        self.stats.skipped += 1
        return None

    def _claim(self, row: OutboxRow, ticket: Ticket) -> bool:
        """Move the row to sending; the ticket goes back if it cannot be (taken, or the store failed)."""
        try:
            with short_busy(self.db):
                claimed = outbox.claim(self.db, row.id, self.now_fn())
        except sqlite3.Error:
            self.limiter.release(ticket)
            raise
        if not claimed:
            self.limiter.release(ticket)
        return claimed

    def _done(self, row: OutboxRow, task: asyncio.Task) -> None:
        self.in_flight.pop(row.id, None)
        self.busy_chats.discard(row.chat_id)
        if not task.cancelled() and (error := task.exception()) is not None:
            self.crashed.append(error)

    async def _wait_for_progress(self, rows: list[OutboxRow]) -> None:
        """Nothing could go: wait for a chat to become ready or a request to finish (never long)."""
        ready = min(self.limiter.chat_ready_at(r.chat_id) for r in rows)
        wait = min(max(0.0, ready - self.limiter.clock()) + 0.001, 5.0)
        if self.in_flight:
            await asyncio.wait(list(self.in_flight.values()), timeout=wait, return_when=asyncio.FIRST_COMPLETED)
        else:
            await self.limiter.sleep(wait)  # the limiter's own clock (virtual in tests)

    async def _send(self, row: OutboxRow, how: Plan, ticket: Ticket) -> None:
        reply = ReplyParameters(how.reply_to, allow_sending_without_reply=True) if how.reply_to else None
        try:
            message = await self.bot.send_message(
                row.chat_id,
                row.text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup(row, how),
                reply_parameters=reply,
            )
        except TelegramError as exc:
            await self._store(functools.partial(self._failed, row, exc))
            return
        finally:
            self.limiter.release(ticket)
        self.state.reachable()
        self.stats.sent += 1
        await self._store(lambda: outbox.mark_sent(self.db, row.id, message.message_id, self.now_fn()))
        for message_id in how.clear:
            await self._clear_buttons(row.chat_id, message_id)

    async def _store(self, write: Callable[[], None]) -> None:
        """Commit an outcome; if the store refuses, keep it to replay before the next drain.

        After one refusal in a drain the others are kept without trying: each try blocks the loop for
        up to WORKER_BUSY_TIMEOUT_MS while another process holds the lock.
        """
        if self.stats.store_error is None:
            try:
                with short_busy(self.db):
                    write()
                return
            except sqlite3.Error as exc:
                self.stats.store_error = f"{type(exc).__name__}: {exc}"
                log.error("delivery: could not record an outcome (kept, replayed before the next drain): %s", exc)
        self.state.unsaved.append(write)

    async def _clear_buttons(self, chat_id: int, message_id: int) -> None:
        ticket = await self.limiter.acquire(chat_id)
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

    def _failed(self, row: OutboxRow, exc: TelegramError) -> None:
        now = self.now_fn()
        error = f"{type(exc).__name__}: {exc.message}"
        outcome = classify(exc)
        if outcome is Outcome.RATE_LIMITED:
            assert isinstance(exc, RetryAfter)  # the only error classify calls rate-limited
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
            self.unreachable.append(self._who(row.chat_id, delivery_text.gone_reason(exc.message), with_city=True))
            log.info("leader %s deactivated: %s", row.chat_id, error)
        elif outcome is Outcome.UNKNOWN:
            self.stats.unknown += 1
            if row.unknown_outcomes >= 1:  # resent once already: a third copy is worse than none
                outbox.mark_sent(self.db, row.id, None, now)
                log.warning("outbox row %s: outcome unknown twice, counted as sent: %s", row.id, error)
            else:
                at = now + timedelta(seconds=UNKNOWN_OUTCOME_RETRY_SECONDS)
                outbox.retry_unknown(self.db, row.id, at, f"outcome unknown: {error}")
                log.warning("outbox row %s: outcome unknown (%s), resending once later", row.id, error)
        elif outcome is Outcome.RETRY or (
            outcome is Outcome.PERMANENT
            and not isinstance(exc, BadRequest)
            and row.attempts + 1 < self.settings.delivery.max_attempts
        ):
            outbox.retry_later(self.db, row.id, now + timedelta(seconds=backoff(row.attempts + 1, self.rng)), error)
            self.stats.retried += 1
            if outcome is Outcome.RETRY:
                self.state.unreachable(self.db, now, error)
            if row.last_error != error:  # log a retry only when its error changes
                log.warning("retrying outbox row %s (chat %s): %s", row.id, row.chat_id, error)
        else:
            outbox.mark_failed(self.db, row.id, error, now)
            self.stats.failed += 1
            self.failures.append(self._who(row.chat_id, error))
            log.error("outbox row %s to chat %s failed for good: %s", row.id, row.chat_id, error)

    def _who(self, chat_id: int, error: str, *, with_city: bool = False) -> str:
        leader = get_leader(self.db, chat_id)
        name = (leader.name if leader else "") or str(chat_id)
        where = f", {city_name(self.db, leader.city_id)}" if with_city and leader else f" ({chat_id})"
        return f"{name}{where}: {error[:120]}"

    async def _probe(self) -> bool:
        """Telegram was unreachable: try the first pending row; True when it went (delivery resumes)."""
        row = outbox.probe_row(self.db)
        if row is None:
            return self.state.recovered(self.db, self.now_fn())
        how = self._plan(row)
        if how is None:
            return False
        ticket = await self.limiter.acquire(row.chat_id)
        if not self._claim(row, ticket):
            return False
        sent = self.stats.sent
        await self._send(row, how, ticket)
        if self.stats.sent == sent:
            return False
        return self.state.recovered(self.db, self.now_fn())

    async def _report(self) -> None:
        """One digest per drain to the admin chat (failures, unreachable leaders), then queued notices."""
        if self.failures:
            self.state.tell_admins(delivery_text.failures_digest(self.failures))
        if self.unreachable:
            self.state.tell_admins(delivery_text.unreachable_digest(self.unreachable))
        if self.state.outage is None and not self.state.stopping:
            await self.state.flush_admin(self.bot)


def make_limiter(settings: Settings) -> RateLimiter:
    """The limiter the settings ask for (shared by every Bot API call, so pauses carry over)."""
    return RateLimiter(settings.delivery.rate_per_second, settings.delivery.per_chat_interval_seconds)


async def deliver_due(
    bot: Bot,
    db: Database,
    settings: Settings,
    now_fn: Callable[[], datetime],
    *,
    limiter: RateLimiter | None = None,
    state: DeliveryState | None = None,
    concurrency: int = CONCURRENCY,
    rng: random.Random | None = None,
) -> DeliveryStats:
    """Drain the outbox once: send every row due at `now_fn()`, then return what happened."""
    state = state or DeliveryState(limiter or make_limiter(settings), settings, rng=rng)
    worker = Worker(bot, db, settings, now_fn, state, concurrency=concurrency, rng=rng)
    return await worker.run()
