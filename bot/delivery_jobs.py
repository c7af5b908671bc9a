"""Wiring delivery into the Application: the ack handler and the named delivery and reminder jobs."""

from __future__ import annotations

import logging

from telegram.ext import Application, ContextTypes

from bot.delivery import DeliveryStats, deliver_due, make_limiter
from bot.handlers.ack import ack_handler
from bot.metrics import count_delivery
from bot.reminders import FollowUpStats, follow_up
from bot.ratelimit import RateLimiter
from subscribers.outbox import recover_in_flight

log = logging.getLogger(__name__)

DELIVERY_JOB = "delivery"
FOLLOW_UP_JOB = "reminders"
DELIVERY_INTERVAL_SECONDS = 2.0
FOLLOW_UP_INTERVAL_SECONDS = 60.0


async def delivery_job(context: ContextTypes.DEFAULT_TYPE) -> DeliveryStats:
    """Drain the outbox (job data: the shared RateLimiter)."""
    data = context.bot_data
    limiter: RateLimiter = context.job.data
    stats = await deliver_due(context.bot, data.db, data.settings, data.now, limiter=limiter)
    count_delivery(data.metrics, stats)
    if stats.sent or stats.failed:
        log.info("delivery: %s", stats)
    return stats


async def follow_up_job(context: ContextTypes.DEFAULT_TYPE) -> FollowUpStats:
    """Queue reminders and escalate unacknowledged urgent warnings."""
    data = context.bot_data
    return await follow_up(context.bot, data.db, data.settings, data.now())


def register_delivery(app: Application) -> None:
    """Add the ack handler and the delivery and reminder jobs; retry rows a crash left in flight."""
    data = app.bot_data
    recovered = recover_in_flight(data.db)
    if recovered:
        log.warning("delivery: %d messages were in flight at the last stop; sending them again", recovered)
    app.add_handler(ack_handler())
    if app.job_queue is None:  # PTB without the job-queue extra
        raise RuntimeError("python-telegram-bot[job-queue] is required")
    job_kwargs = {"max_instances": 1, "coalesce": True}
    app.job_queue.run_repeating(
        delivery_job, DELIVERY_INTERVAL_SECONDS, first=0, name=DELIVERY_JOB, data=make_limiter(data.settings),
        job_kwargs=job_kwargs,
    )
    app.job_queue.run_repeating(
        follow_up_job, FOLLOW_UP_INTERVAL_SECONDS, first=5, name=FOLLOW_UP_JOB, job_kwargs=job_kwargs
    )
