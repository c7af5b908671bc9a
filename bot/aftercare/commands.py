"""/checkin <city|all> and /survey <warning>: an admin asks the leaders now (through the outbox)."""

from __future__ import annotations

import logging

from telegram import Update

from bot.aftercare import texts as t
from bot.admin import texts as admin_texts
from bot.admin.gate import admin_only, record
from bot.aftercare.asking import queue_survey, start_checkin
from bot.context import Context, message_of, user_id_of
from subscribers import aftercare
from subscribers.notices import ALL_CITIES
from subscribers.warnings import get_warning

log = logging.getLogger(__name__)


@admin_only("checkin")
async def checkin_command(update: Update, context: Context) -> None:
    """/checkin <city|all>: ask the leaders of one city, or all, whether they are safe."""
    data, message = context.bot_data, message_of(update)
    names = {c.id: c.name_th for c in data.settings.cities}
    args = context.args or []
    if len(args) != 1:
        record(context, update, "checkin", ok=False, args=list(args))
        await message.reply_text(t.CHECKIN_USAGE)
        return
    target = args[0]
    if target != ALL_CITIES and target not in names:
        record(context, update, "checkin", ok=False, target=target)
        await message.reply_text(admin_texts.UNKNOWN_CITY.format(city=target, known=", ".join([*names, ALL_CITIES])))
        return
    city_ids = list(names) if target == ALL_CITIES else [target]
    cities = admin_texts.city_list(None if target == ALL_CITIES else [names[target]])
    round_, rows = start_checkin(data.db, data.settings, city_ids, data.now(), str(user_id_of(update)))
    record(context, update, "checkin", round=round_.id, target=target, recipients=rows)
    log.info("check-in %s started by %s for %s: %d leaders", round_.id, user_id_of(update), target, rows)
    if rows == 0:
        await message.reply_text(t.CHECKIN_NOBODY.format(cities=cities))
        return
    minutes = data.settings.checkins.unknown_after_minutes
    await message.reply_text(t.CHECKIN_STARTED.format(round=round_.id, cities=cities, count=rows, minutes=minutes))


@admin_only("survey")
async def survey_command(update: Update, context: Context) -> None:
    """/survey <warning>: send the after-action survey to every leader who got this warning (once a thread)."""
    data, message = context.bot_data, message_of(update)
    args = context.args or []
    if len(args) != 1 or not args[0].isdigit():
        record(context, update, "survey", ok=False, args=list(args))
        await message.reply_text(t.SURVEY_USAGE)
        return
    warning_id, now = int(args[0]), data.now()
    if get_warning(data.db, warning_id) is None:
        record(context, update, "survey", ok=False, warning=warning_id)
        await message.reply_text(t.SURVEY_UNKNOWN.format(warning=warning_id))
        return
    started = aftercare.survey_started_at(data.db, warning_id)
    if started is not None:
        record(context, update, "survey", ok=False, warning=warning_id, already=True)
        at = t.thai_datetime(started, data.settings.tz)
        await message.reply_text(t.SURVEY_ALREADY.format(warning=warning_id, at=at))
        return
    if not aftercare.survey_recipients(data.db, warning_id):
        record(context, update, "survey", ok=False, warning=warning_id, recipients=0)
        await message.reply_text(t.SURVEY_NOBODY.format(warning=warning_id))
        return
    aftercare.start_survey(data.db, warning_id, now, str(user_id_of(update)))
    rows = queue_survey(data.db, data.settings, warning_id, now)
    record(context, update, "survey", warning=warning_id, recipients=rows)
    await message.reply_text(t.SURVEY_STARTED.format(warning=warning_id, count=rows))
