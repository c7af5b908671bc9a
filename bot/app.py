"""The PTB Application: the one place that wires handlers, jobs and dependencies."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import cast

import requests

from sqlite_utils import Database
from telegram.ext import Application, ContextTypes

from bot.admin.handlers import register_admin_handlers
from bot.aftercare.handlers import register_aftercare
from bot.context import BotData, Context, utc_now
from bot.delivery.worker import CONCURRENCY, make_limiter
from bot.delivery.state import DeliveryState
from bot.delivery.jobs import register_delivery
from bot.leaders.handlers import register_leader_handlers
from bot.leaders.guards import unknown_button_handler
from bot.delivery.ptb_limiter import SharedRateLimiter
from bot.delivery.ratelimit import RateLimiter
from bot.ops.metrics import count_poll
from bot.pipeline.cycle import poll_cycle
from bot.pipeline.report import PollReport
from bot.settings import Settings
from bot.delivery.update_order import MAX_CONCURRENT_UPDATES, ChatOrderedProcessor
from subscribers.monitoring import in_force_by_severity

log = logging.getLogger(__name__)

# Connections beyond the worker's concurrent sends: handler replies and admin tools share the pool.
POOL_HEADROOM = 16
# Writing a request body (a photo for the admin chat) and waiting for a free connection.
WRITE_TIMEOUT_SECONDS = 20.0
POOL_TIMEOUT_SECONDS = 10.0
# After the grace, a drain still running is cancelled this much later (its in-flight sends end first).
STOP_MARGIN_SECONDS = 2.0

CONTEXT_TYPES = ContextTypes(bot_data=BotData)
POLL_JOB = "poll"


class FloodbotApplication(Application):
    """PTB's Application, with a bounded stop: delivery takes no new rows and in-flight sends get a grace."""

    async def stop(self) -> None:
        """Tell delivery to stop first, and cut a drain that outlives the grace (systemd would kill us)."""
        delivery: DeliveryState = self.bot_data.delivery
        delivery.stopping = True
        task = delivery.drain_task
        if task is not None and not task.done():
            grace = self.bot_data.settings.delivery.shutdown_grace_seconds
            asyncio.get_running_loop().call_later(grace + STOP_MARGIN_SECONDS, task.cancel)
        await super().stop()


def build_application(
    settings: Settings,
    db: Database,
    clock: Callable[[], datetime] = utc_now,
    *,
    limiter: RateLimiter | None = None,
    poll_session: requests.Session | None = None,
) -> Application:
    """Build the Application: token, base URL, typed context, handlers, error handler and jobs.

    `limiter` replaces the one the settings ask for (tests give one on a virtual clock). With a
    `poll_session` (as `floodbot run` gives), the poll job runs the feeds' cycle every interval.
    """
    if settings.telegram.token is None:
        raise ValueError("telegram.token is not set")
    delivery = DeliveryState(limiter or make_limiter(settings), settings)
    timeouts = settings.delivery
    app = (
        Application.builder()
        .application_class(FloodbotApplication)
        .token(settings.telegram.token.get_secret_value())
        .base_url(settings.telegram.base_url)
        .base_file_url(settings.telegram.base_file_url)
        .context_types(CONTEXT_TYPES)
        # One budget for every call: handlers, admin tools and the worker share the limiter.
        .rate_limiter(SharedRateLimiter(delivery.limiter))
        # Acks and replies of different chats at once; each chat's updates stay in order.
        .concurrent_updates(ChatOrderedProcessor(MAX_CONCURRENT_UPDATES))
        # Explicit timeouts: a slow answer that was delivered must not be resent (see README).
        .connection_pool_size(CONCURRENCY + POOL_HEADROOM)
        .connect_timeout(timeouts.connect_timeout_seconds)
        .read_timeout(timeouts.read_timeout_seconds)
        .write_timeout(WRITE_TIMEOUT_SECONDS)
        .pool_timeout(POOL_TIMEOUT_SECONDS)
        .build()
    )
    app.bot_data.settings = settings
    app.bot_data.db = db
    app.bot_data.clock = clock
    app.bot_data.delivery = delivery
    # Feature modules register their handlers and jobs here, in this order.
    # Delivery (issue 5): the รับทราบ handler, the outbox worker and reminder jobs.
    register_delivery(app)
    # Admin tools (issue 7): admin commands, /broadcast, drill reports, feed health, recurring notices.
    register_admin_handlers(app)
    # Check-ins, help requests, the after-action survey and /impact (issue 13).
    register_aftercare(app)
    # Issue 12: last in group 0, so every button press nobody took (forged, stale) is still answered.
    app.add_handler(unknown_button_handler())
    # The leaders' bot in private chat (issue 6), in its own handler group.
    register_leader_handlers(app)
    # The poll cycle (bot.pipeline.cycle) as a named job.
    if poll_session is not None:
        register_polling(app, poll_session)
    return app


async def poll_job(context: Context) -> None:
    """The JobQueue callback: one poll cycle (`bot.pipeline.cycle`), one log line."""
    data = context.bot_data
    now = data.now()
    assert context.job is not None  # PTB sets it for a job's callback
    session = cast(requests.Session, context.job.data)  # register_polling's
    report = await poll_cycle(data.settings, data.db, now, session=session)
    log.info("%s", poll_log_line(report, in_force_by_severity(data.db, now), report.queued))
    for failure in report.failures:
        log.warning("poll: feed %s: %s", failure.feed, failure.error)
    count_poll(data.metrics, [failure.feed for failure in report.failures])


def poll_log_line(report: PollReport, in_force: dict[str, int], queued: int) -> str:
    """One line per poll: what the feeds said, what is in force now (even when no feed changed), what was queued."""
    statuses = Counter(str(item.status) for item in report.items)
    seen = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items())) or "nothing new from the feeds"
    total = sum(in_force.values())
    severities = ", ".join(f"{n} {severity}" for severity, n in sorted(in_force.items()))
    force = f"{total} warnings in force ({severities})" if total else "no warnings in force"
    return f"poll: {seen}; {force}; {len(report.failures)} feed failures; {queued} messages queued"


def register_polling(app: Application, session: requests.Session) -> None:
    """Poll at start, then every interval; a slow poll is never overlapped by the next (max_instances=1)."""
    assert app.job_queue is not None  # the job-queue extra is a dependency
    app.job_queue.run_repeating(
        poll_job,
        interval=app.bot_data.settings.polling.interval_seconds,
        # PTB: first=0 never fires (APScheduler); 1 s after registration, and a late start still runs it.
        first=1,
        name=POLL_JOB,
        data=session,
        # The first run time is fixed now but the scheduler starts later (getMe may be retried): without
        # misfire_grace_time=None APScheduler would skip that first poll as missed, a whole interval lost.
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )
