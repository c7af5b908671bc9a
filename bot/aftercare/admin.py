"""The coordinators' side: help-request cards with รับทราบ/ช่วยเหลือแล้ว buttons, the live triage message
per city, `/help_requests [city]` and `/impact [warning|YYYY-MM]` (summary and chart) in the admin chat.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from typing import TYPE_CHECKING

from telegram import Bot, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.aftercare import texts as t
from bot.admin import texts as admin_texts
from bot.admin.gate import admin_only, record
from bot.aftercare.keyboards import inline_markup
from bot.admin.impact_report import scope_for, write_png
from bot.context import Context, match_of, message_of, query_of
from subscribers import checkins
from subscribers.checkins import HelpRequest
from subscribers.cities import city_name
from subscribers.impact import ImpactError, impact_report

if TYPE_CHECKING:
    from bot.context import BotData

log = logging.getLogger(__name__)

HELP_PATTERN = r"^hr:(\d+):(take|done)$"
TRIAGE_JOB = "checkin-triage"
TRIAGE_SECONDS = 30
# Edits per run of the triage job: 9 every 30 s stays under the admin group's 20 messages a minute.
MAX_TRIAGE_EDITS = 9


async def _post_or_edit(bot: Bot, chat_id: int, message_id: int | None, text: str, markup) -> int:
    """Edit the admin chat's message in place, or post it; returns its message id."""
    if message_id is None:
        sent = await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
        return sent.message_id
    try:
        await bot.edit_message_text(text, chat_id, message_id, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        # "message is not modified": two presses that change nothing visible.
        log.debug("admin message %s unchanged: %s", message_id, exc)
    return message_id


async def post_card(bot: Bot, data: BotData, request: HelpRequest | None, now_safe: bool = False) -> None:
    """Show one help request in the admin chat (first post, then edits of the same card)."""
    chat_id = data.settings.telegram.admin_chat_id
    if chat_id is None or request is None:
        return
    text = t.help_card(request, city_name(data.db, request.city_id), data.settings.tz, now_safe=now_safe)
    buttons = inline_markup(t.help_card_buttons(request))
    message_id = await _post_or_edit(bot, chat_id, request.admin_message_id, text, buttons)
    if request.admin_message_id is None:
        checkins.set_admin_message(data.db, request.id, message_id)


@admin_only("help_request")
async def help_pressed(update: Update, context: Context) -> None:
    """รับเรื่องแล้ว / ช่วยเหลือแล้ว on a card: compare-and-set, so of two admins one wins and the other is told."""
    data, query = context.bot_data, query_of(update)
    match = match_of(context)
    request_id, step = int(match.group(1)), match.group(2)
    by = query.from_user.full_name or str(query.from_user.id)  # a press's user is the update's user
    press = checkins.take if step == "take" else checkins.finish
    try:
        result = press(data.db, request_id, by, data.now())
    except checkins.CheckinError:
        await query.answer(t.REQUESTS_NONE, show_alert=True)
        return
    record(context, update, f"help_request_{step}", won=result.won, request=request_id)
    await query.answer(t.cas_reply(result, step), show_alert=not result.won)
    if not result.won:
        return
    await post_card(context.bot, data, result.request)
    told = t.HELP_TAKEN_TO_LEADER if step == "take" else t.HELP_DONE_TO_LEADER
    await context.bot.send_message(result.request.chat_id, told.format(by=by, number=request_id))


@admin_only("help_requests")
async def help_requests_command(update: Update, context: Context) -> None:
    """/help_requests [city]: the requests not yet done, oldest first."""
    data = context.bot_data
    names = {c.id: c.name_th for c in data.settings.cities}
    city = context.args[0] if context.args else None
    if city is not None and city not in names:
        await message_of(update).reply_text(admin_texts.UNKNOWN_CITY.format(city=city, known=", ".join(names)))
        return
    record(context, update, "help_requests", city=city)
    text = t.help_requests_text(checkins.help_requests(data.db, city), names)
    await message_of(update).reply_text(text, parse_mode=ParseMode.HTML)


@admin_only("impact")
async def impact_command(update: Update, context: Context) -> None:
    """/impact [warning id | YYYY-MM]: the summary in Thai, then the chart as a photo."""
    data, message = context.bot_data, message_of(update)
    arg = context.args[0] if context.args else None
    warning_id = int(arg) if arg and re.fullmatch(r"\d+", arg) else None
    month = arg if arg and warning_id is None else None
    try:
        scope = scope_for(data.db, data.settings.tz, warning_id, month, data.now())
        report = impact_report(data.db, scope.warning_ids)
    except ImpactError:
        await message.reply_text(t.IMPACT_USAGE)
        return
    record(context, update, "impact", scope=arg or "month")
    names = {c.id: c.name_th for c in data.settings.cities}
    await message.reply_text(t.impact_summary(report, scope.title, names), parse_mode=ParseMode.HTML)
    if not report.rows:
        return
    chart = io.BytesIO()
    # Drawing takes a moment of CPU: off the event loop, so other chats are not held up.
    await asyncio.to_thread(write_png, report, scope.title, chart)
    await message.reply_photo(chart.getvalue())


async def refresh_triage(bot: Bot, data: BotData) -> int:
    """Post or edit each open round's per-city message whose counts changed; returns the edits made."""
    chat_id = data.settings.telegram.admin_chat_id
    if chat_id is None:
        return 0
    now, tz, edits = data.now(), data.settings.tz, 0
    for round_ in checkins.open_rounds(data.db, now - checkins.ROUND_WINDOW):
        names = {r.chat_id: r.name for r in checkins.recipients(data.db, round_.id)}
        for city in checkins.triage(data.db, round_.id, now):
            label = city_name(data.db, city.city_id)
            body = t.triage_text(city, round_, label, names, None, tz)
            summary = checkins.get_summary(data.db, round_.id, city.city_id)
            if summary is not None and summary.body == body:
                continue
            if edits >= MAX_TRIAGE_EDITS:
                return edits  # the rest on the next run
            text = t.triage_text(city, round_, label, names, now, tz)
            message_id = await _post_or_edit(bot, chat_id, summary.message_id if summary else None, text, None)
            checkins.save_summary(data.db, round_.id, city.city_id, message_id, body, now)
            edits += 1
    return edits


async def triage_job(context: Context) -> int:
    """The named job behind the live triage messages."""
    return await refresh_triage(context.bot, context.bot_data)
