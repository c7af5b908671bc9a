"""/drill <city|all>: an exercise alert marked ซ้อม (CAP status Exercise), and its report after a set time."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from sqlite_utils import Database
from telegram import Bot, Update

from alerts.model import Certainty, MsgType, Severity, Status, Urgency, Warning
from alerts.render import MessageKind, render_alert
from bot.admin import texts
from bot.admin.gate import admin_only, record
from bot.aftercare.asking import start_checkin
from bot.context import Context, message_of, user_id_of
from bot.settings import Settings
from subscribers import aftercare, drills
from subscribers.leaders import Livelihood
from subscribers.notices import ALL_CITIES

log = logging.getLogger(__name__)

JOB_NAME = "drill-reports"
CHECK_SECONDS = 60


def drill_warning(identifier: str, now: datetime, settings: Settings) -> Warning:
    """The exercise warning: CAP status Exercise, so no parser or matcher can take it for a real one."""
    return Warning(
        feed=drills.DRILL_FEED,
        sender=drills.DRILL_SENDER,
        identifier=identifier,
        sent=now,
        status=Status.EXERCISE,
        msg_type=MsgType.ALERT,
        event=texts.DRILL_EVENT,
        urgency=Urgency.EXPECTED,
        severity=Severity.SEVERE,
        certainty=Certainty.LIKELY,
        effective=now,
        expires=now + timedelta(minutes=settings.admin.drill_report_after_minutes),
        sender_name=texts.DRILL_SENDER_NAME.format(sender=settings.admin.sender_name),
        headline=texts.DRILL_HEADLINE,
        instruction=texts.DRILL_INSTRUCTION,
    )


def drill_texts(warning: Warning, settings: Settings, city_ids: list[str]) -> dict[tuple[str, str], str]:
    """The message per (city, livelihood), rendered exactly as a real alert but marked ซ้อม at top and bottom."""
    names = {c.id: c.name_th for c in settings.cities}
    return {
        (city_id, str(livelihood)): render_alert(
            warning, kind=MessageKind.DRILL, city_names=[names[city_id]], livelihood=str(livelihood), tz=settings.tz
        )
        for city_id in city_ids
        for livelihood in Livelihood
    }


def start(settings: Settings, db: Database, target: str, created_by: str, now: datetime) -> tuple[drills.Drill, int]:
    """Start a drill for one city id or "all"; raises KeyError for an unknown city."""
    names = [c.id for c in settings.cities]
    if target != ALL_CITIES and target not in names:
        raise KeyError(target)
    cities = None if target == ALL_CITIES else [target]
    # A random suffix: two admins (or one double tap) may start a drill for the same target in one second.
    identifier = f"drill-{now:%Y%m%dT%H%M%SZ}-{target}-{secrets.token_hex(3)}"
    warning = drill_warning(identifier, now, settings)
    return drills.start_drill(
        db,
        cities,
        identifier,
        warning.model_dump_json(),
        drill_texts(warning, settings, cities or names),
        created_by,
        now,
        timedelta(minutes=settings.admin.drill_report_after_minutes),
    )


@admin_only("drill")
async def drill_command(update: Update, context: Context) -> None:
    """/drill <city|all> [checkin] [survey]: the exercise alert, and optionally a check-in and the survey."""
    data, message, by = context.bot_data, message_of(update), str(user_id_of(update))
    args = list(context.args or [])
    parts = set(args[1:])
    if not 1 <= len(args) <= 3 or not parts <= {texts.DRILL_CHECKIN, texts.DRILL_SURVEY}:
        record(context, update, "drill", ok=False, args=args)
        await message.reply_text(texts.DRILL_USAGE)
        return
    target = args[0]
    names = {c.id: c.name_th for c in data.settings.cities}
    try:
        drill, rows = start(data.settings, data.db, target, by, data.now())
    except KeyError:
        record(context, update, "drill", ok=False, target=target)
        await message.reply_text(texts.UNKNOWN_CITY.format(city=target, known=", ".join([*names, ALL_CITIES])))
        return
    record(context, update, "drill", drill_id=drill.id, target=target, recipients=rows, parts=sorted(parts))
    log.info("drill: %s started by %s for %s: %d leaders", drill.id, by, target, rows)
    city_names = texts.city_list(None if drill.cities is None else [names[c] for c in drill.cities])
    if rows == 0:
        await message.reply_text(texts.DRILL_NOBODY.format(cities=city_names))
        return
    report_at = texts.thai_datetime(drill.report_at, data.settings.tz)
    lines = [texts.DRILL_STARTED.format(count=rows, cities=city_names, report_at=report_at)]
    if texts.DRILL_CHECKIN in parts:
        round_, asked = start_checkin(
            data.db, data.settings, drill.cities or list(names), data.now(), by, drill.warning_id, drill=True
        )
        lines.append(texts.DRILL_WITH_CHECKIN.format(round=round_.id, count=asked))
    if texts.DRILL_SURVEY in parts:
        # Asked when the drill is over (its report time): the named aftercare job sends it then.
        aftercare.start_survey(data.db, drill.warning_id, drill.report_at, by, drill=True)
        lines.append(texts.DRILL_WITH_SURVEY.format(at=report_at))
    await message.reply_text("\n".join(lines))


async def report_due_drills(bot: Bot, settings: Settings, db: Database, now: datetime) -> list[int]:
    """Post the report of every drill whose time has come, keep its results; returns the drill ids."""
    names = {c.id: c.name_th for c in settings.cities}
    reported = []
    for drill in drills.due_reports(db, now):
        results = drills.results(db, drill)
        text = texts.drill_report(drill.id, drill.started_at, results, names, settings.tz)
        # The admin chat, else the admin who started it (a private chat id equals the user id).
        chat_id = settings.telegram.admin_chat_id or (int(drill.created_by) if drill.created_by.isdigit() else None)
        if chat_id is not None:
            for part in texts.chunks(text.split("\n")):
                await bot.send_message(chat_id, part)
        drills.record_results(db, drill, results, now)
        reported.append(drill.id)
    return reported


async def drill_report_job(context: Context) -> None:
    """JobQueue callback: report the drills that are due."""
    data = context.bot_data
    await report_due_drills(context.bot, data.settings, data.db, data.now())
