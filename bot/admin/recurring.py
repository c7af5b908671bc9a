"""Recurring notices from config: which are due at a given moment, the next runs, and the job that sends them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel
from sqlite_utils import Database
from telegram import Update

from bot.admin import notices, texts
from bot.admin.gate import admin_only, record
from bot.context import Context, message_of
from bot.settings import NoticeSettings, Settings
from subscribers import notices as store

log = logging.getLogger(__name__)

JOB_NAME = "recurring-notices"
CHECK_SECONDS = 60


class DueNotice(BaseModel):
    notice: NoticeSettings
    fire_at: datetime


def trigger(notice: NoticeSettings, tz: ZoneInfo) -> CronTrigger:
    """The APScheduler trigger of a notice's 5-field cron, in local (Bangkok) time."""
    return CronTrigger.from_crontab(notice.cron, timezone=tz)


def due_notices(
    notices: list[NoticeSettings],
    now: datetime,
    tz: ZoneInfo,
    last_fired: Callable[[str], datetime | None],
    grace: timedelta,
) -> list[DueNotice]:
    """Notices with a scheduled time after their last run and within `grace` before `now` (latest one each)."""
    due = []
    for notice in notices:
        cron = trigger(notice, tz)
        since = now - grace
        last = last_fired(notice.name)
        if last is not None and last >= since:
            since = last + timedelta(seconds=1)
        fire_at = None
        # Walk to the latest fire time inside (since, now]: only one run is sent even after a gap.
        candidate = cron.get_next_fire_time(None, since)
        while candidate is not None and candidate <= now:
            fire_at = candidate
            candidate = cron.get_next_fire_time(candidate, candidate + timedelta(seconds=1))
        if fire_at is not None:
            due.append(DueNotice(notice=notice, fire_at=fire_at))
    return due


def next_runs(notice: NoticeSettings, now: datetime, tz: ZoneInfo, count: int = 2) -> list[datetime]:
    """The next `count` scheduled times of a notice after `now`."""
    cron = trigger(notice, tz)
    runs: list[datetime] = []
    moment = now + timedelta(seconds=1)
    while len(runs) < count:
        fire = cron.get_next_fire_time(runs[-1] if runs else None, moment)
        if fire is None:
            break
        runs.append(fire)
        moment = fire + timedelta(seconds=1)
    return runs


def send_due_notices(settings: Settings, db: Database, now: datetime) -> list[int]:
    """Enqueue every due recurring notice once (claimed in the store); returns the new notice ids."""
    due = due_notices(
        settings.notices,
        now,
        settings.tz,
        lambda name: store.last_run(db, name),
        timedelta(minutes=settings.admin.notice_grace_minutes),
    )
    created = []
    known = [c.id for c in settings.cities]
    for item in due:
        name = item.notice.name
        try:
            # One transaction: a run is claimed only with its notice queued (a crash between them
            # would otherwise mark the run done and lose the notice).
            with db.atomic():
                if not store.claim_run(db, name, item.fire_at, now):
                    continue
                notice = notices.prepare(item.notice.text, store.resolve_cities(db, item.notice.cities), known)
                notice_id, rows = notices.send(db, notice, f"notice:{name}", now)
                store.link_run(db, name, item.fire_at, notice_id)
        except notices.NoticeError as exc:
            log.error("recurring notice %s (%s) not sent: %s", name, item.fire_at, exc)
            continue
        log.info("recurring notice %s (%s) enqueued to %d leaders", name, item.fire_at, rows)
        created.append(notice_id)
    return created


async def recurring_job(context: Context) -> None:
    """JobQueue callback: send the recurring notices that are due now."""
    data = context.bot_data
    send_due_notices(data.settings, data.db, data.now())


def notices_lines(settings: Settings, city_names: dict[str, str], now: datetime) -> list[str]:
    """/notices: each recurring notice with its next runs."""
    if not settings.notices:
        return [texts.NOTICES_NONE]
    return [
        texts.NOTICES_LINE.format(
            name=notice.name,
            cities=texts.city_list(
                None if "all" in notice.cities else [city_names.get(c, c) for c in notice.cities]
            ),
            runs=", ".join(texts.thai_datetime(run, settings.tz) for run in next_runs(notice, now, settings.tz)),
            text=notice.text,
        )
        for notice in settings.notices
    ]


@admin_only("notices")
async def notices_command(update: Update, context: Context) -> None:
    """/notices: list the recurring notices and their next runs."""
    data = context.bot_data
    record(context, update, "notices")
    names = {c.id: c.name_th for c in data.settings.cities}
    for message in texts.chunks(notices_lines(data.settings, names, data.now())):
        await message_of(update).reply_text(message)
