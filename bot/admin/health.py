"""/health and the push of feed state changes (unhealthy, stale, recovered) to the admin chat, once each."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlite_utils import Database
from telegram import Bot, Update

from bot.admin import texts
from bot.admin.gate import admin_only, record
from bot.context import Context, message_of
from bot.settings import Settings
from subscribers import feed_watch

JOB_NAME = "feed-health-watch"
log = logging.getLogger(__name__)


def statuses(settings: Settings, db: Database, now: datetime) -> list[feed_watch.FeedStatus]:
    """The state of every enabled feed."""
    return [
        feed_watch.feed_status(
            db,
            feed.name,
            timedelta(minutes=feed.stale_after_minutes) if feed.stale_after_minutes else None,
            now,
            settings.polling.max_failures,
        )
        for feed in settings.feeds
        if feed.enabled
    ]


async def push_changes(bot: Bot, settings: Settings, db: Database, now: datetime) -> int:
    """Tell the admin chat about every feed whose state changed since it was last told; returns messages sent."""
    chat_id = settings.telegram.admin_chat_id
    if chat_id is None:
        return 0
    sent = 0
    for change in feed_watch.changes(db, statuses(settings, db, now)):
        log.warning("feed health: %s is now %s (was %s)", change.status.feed, change.status.state, change.previous)
        await bot.send_message(chat_id, texts.health_change(change.status))
        # Marked only after Telegram accepted it: a failed push is retried on the next check.
        feed_watch.mark_notified(db, change.status.feed, change.status.state, now)
        sent += 1
    return sent


async def health_job(context: Context) -> None:
    """JobQueue callback: push feed state changes."""
    data = context.bot_data
    await push_changes(context.bot, data.settings, data.db, data.now())


@admin_only("health")
async def health_command(update: Update, context: Context) -> None:
    """/health: each feed's state."""
    data = context.bot_data
    record(context, update, "health")
    lines = texts.health_lines(statuses(data.settings, data.db, data.now()), data.settings.tz)
    for message in texts.chunks(lines):
        await message_of(update).reply_text(message)
