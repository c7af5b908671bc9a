"""Wiring delivery into the Application: the ack handler and the named delivery, reminder and watchdog jobs."""

from __future__ import annotations

import asyncio
import logging

from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application

from bot.context import Context
from bot.delivery import texts as delivery_text
from bot.delivery.worker import DeliveryStats, deliver_due
from bot.leaders.ack import ack_handler
from bot.ops.metrics import count_delivery
from bot.delivery.reminders import FollowUpStats, follow_up
from subscribers.outbox import recover_in_flight

log = logging.getLogger(__name__)

DELIVERY_JOB = "delivery"
FOLLOW_UP_JOB = "reminders"
WATCHDOG_JOB = "delivery-watchdog"
DELIVERY_INTERVAL_SECONDS = 2.0
FOLLOW_UP_INTERVAL_SECONDS = 60.0
WATCHDOG_INTERVAL_SECONDS = 30.0
# A drain running longer than this is stuck (5,000 leaders at 30/s take under 3 minutes).
DRAIN_STUCK_SECONDS = 600.0


async def delivery_job(context: Context) -> DeliveryStats:
    """Drain the outbox with the application's shared delivery state (limiter, outage, admin notices)."""
    data = context.bot_data
    state = data.delivery
    state.drain_task = asyncio.current_task()
    try:
        stats = await deliver_due(context.bot, data.db, data.settings, data.now, state=state)
    finally:
        state.drain_task = None
    count_delivery(data.metrics, stats)
    if stats.sent or stats.failed or stats.store_error:
        log.info("delivery: %s", stats)
    return stats


async def follow_up_job(context: Context) -> FollowUpStats:
    """Queue reminders and escalate unacknowledged urgent warnings."""
    data = context.bot_data
    return await follow_up(context.bot, data.db, data.settings, data.now())


async def watchdog_job(context: Context) -> bool:
    """Say so (log and admin chat) when a drain has not finished within DRAIN_STUCK_SECONDS."""
    data = context.bot_data
    if not data.delivery.check_stuck(DRAIN_STUCK_SECONDS):
        return False
    log.error("delivery: a drain has run for more than %d s; delivery may be stuck", DRAIN_STUCK_SECONDS)
    chat = data.settings.telegram.admin_chat_id
    if chat is not None:
        try:
            text = delivery_text.drain_stuck(int(DRAIN_STUCK_SECONDS))
            await context.bot.send_message(chat, text, parse_mode=ParseMode.HTML)
        except TelegramError as exc:
            log.error("delivery watchdog: could not tell the admin chat: %s", exc)
    return True


def register_delivery(app: Application) -> None:
    """Add the ack handler and the delivery, reminder and watchdog jobs; retry rows a crash left in flight."""
    data = app.bot_data
    recovered = recover_in_flight(data.db)
    if recovered:
        log.warning("delivery: %d messages were in flight at the last stop; sending them again", recovered)
    app.add_handler(ack_handler())
    if app.job_queue is None:  # PTB without the job-queue extra
        raise RuntimeError("python-telegram-bot[job-queue] is required")
    job_kwargs = {"max_instances": 1, "coalesce": True}
    app.job_queue.run_repeating(
        delivery_job, DELIVERY_INTERVAL_SECONDS, first=0, name=DELIVERY_JOB, job_kwargs=job_kwargs
    )
    app.job_queue.run_repeating(
        follow_up_job, FOLLOW_UP_INTERVAL_SECONDS, first=5, name=FOLLOW_UP_JOB, job_kwargs=job_kwargs
    )
    app.job_queue.run_repeating(
        watchdog_job, WATCHDOG_INTERVAL_SECONDS, first=WATCHDOG_INTERVAL_SECONDS, name=WATCHDOG_JOB,
        job_kwargs=job_kwargs,
    )
