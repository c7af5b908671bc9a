"""`floodbot run`: the bot, the poller and the delivery worker in one process until SIGINT/SIGTERM."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime
from typing import cast

import requests
from telegram import Update
from telegram.ext import Application

from alerts.fetch import make_session
from bot.app import build_application
from bot.context import Context
from bot.pipeline.cycle import poll_cycle
from bot.pipeline.report import PollReport
from bot.settings import Settings
from subscribers.cities import sync_cities
from bot.ops.metrics import count_poll
from bot.ops.monitor import attach_monitoring, bind_listener
from subscribers.db import open_db
from subscribers.monitoring import in_force_by_severity

log = logging.getLogger(__name__)

POLL_JOB = "poll"

HOW_TO_GET_A_TOKEN = (
    "telegram.token is not set. Create a bot: open Telegram, talk to @BotFather, send /newbot,"
    " then put the token in FLOODBOT_TELEGRAM__TOKEN (or telegram.token in the config file)."
)


class MissingTokenError(Exception):
    """`floodbot run` needs a bot token."""


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


def run(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM; delivery then takes no new rows and in-flight sends get
    `delivery.shutdown_grace_seconds` (FloodbotApplication.stop), so the process exits well within
    systemd's TimeoutStopSec; the rest stays queued for the next start."""
    if settings.telegram.token is None:
        raise MissingTokenError(HOW_TO_GET_A_TOKEN)
    db = open_db(settings.database)
    listener = bind_listener(settings)
    sync_cities(db, settings.cities, datetime.now(UTC))
    session = make_session()
    app = build_application(settings, db)
    register_polling(app, session)
    attach_monitoring(app, listener)
    log.info(
        "floodbot: %d cities, %d feeds enabled, polling every %d s",
        len(settings.cities), sum(f.enabled for f in settings.feeds), settings.polling.interval_seconds,
    )
    try:
        # run_polling installs the SIGINT/SIGTERM handlers and shuts the application down cleanly.
        # bootstrap_retries=-1: if Telegram is unreachable at start (a storm takes the line down),
        # keep trying instead of exiting; PTB still aborts at once on an invalid token.
        log.info("floodbot: connecting to Telegram at %s", settings.telegram.base_url.split("/bot")[0])
        app.run_polling(allowed_updates=Update.ALL_TYPES, close_loop=False, bootstrap_retries=-1)
    finally:
        session.close()
        db.close()
        log.info("floodbot: stopped")
