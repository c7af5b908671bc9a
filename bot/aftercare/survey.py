"""The after-action survey in the leader's chat: three questions, all buttons, each answer saved at once.

Callback data carry the warning and the question, and answers live in the store, so a restart in the
middle of a survey changes nothing: the next press simply continues.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop

from bot.aftercare import texts as t
from bot.leaders import texts
from bot.aftercare.keyboards import inline_markup
from bot.context import Context, match_of, query_of
from bot.leaders.common import active_leader
from subscribers import surveys
from subscribers.leaders import Livelihood
from subscribers.surveys import Action, Arrival, LossRange, SurveyError
from subscribers.warnings import WarningStatus, get_warning

PATTERN = r"^sv:(\d+):(arr|act|next|avd|hap):(\w+|-)$"


async def survey_pressed(update: Update, context: Context) -> None:
    """One survey button: save the answer, then show the next question in the same message."""
    query = query_of(update)
    leader = await active_leader(update, context)
    if leader is None:
        raise ApplicationHandlerStop()
    data, now = context.bot_data, context.bot_data.now()
    match = match_of(context)
    warning_id, question, value = int(match.group(1)), match.group(2), match.group(3)
    stored = get_warning(data.db, warning_id)
    if stored is None:
        await query.answer(texts.USER_ERROR, show_alert=True)
        raise ApplicationHandlerStop()
    key = (data.db, warning_id, leader.chat_id, leader.livelihood)
    try:
        if question == "arr":
            answer = surveys.answer_arrived(*key, Arrival(value), now)
            text, rows = t.SURVEY_ACTIONS, t.action_buttons(warning_id, leader.livelihood, answer.actions)
        elif question == "act":
            answer = surveys.toggle_action(*key, Action(value), now)
            text, rows = t.SURVEY_ACTIONS, t.action_buttons(warning_id, leader.livelihood, answer.actions)
        elif question == "next":
            text, rows = t.SURVEY_AVOIDED, t.loss_buttons(warning_id, "avd")
        elif question == "avd":
            surveys.answer_loss(*key, now, avoided=LossRange(value))
            text, rows = t.SURVEY_HAPPENED, t.loss_buttons(warning_id, "hap")
        else:
            surveys.answer_loss(*key, now, happened=LossRange(value))
            text, rows = t.SURVEY_THANKS, []
    except (ValueError, SurveyError):
        # A button from an older keyboard (the leader changed livelihood since): say so, change nothing.
        await query.answer(texts.USER_ERROR, show_alert=True)
        raise ApplicationHandlerStop() from None
    await query.answer()
    try:
        # A drill's survey keeps its ซ้อม mark in every edit: a leader must never take it for a real storm.
        text = t.drill_marked(text, stored.status == WarningStatus.EXERCISE)
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=inline_markup(rows))
    except BadRequest:
        # The same press twice: Telegram says "message is not modified"; the answer is saved either way.
        pass
    raise ApplicationHandlerStop()


def survey_message(
    warning_id: int, event: str, sent: datetime, livelihood: Livelihood, tz: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The survey's first message and its buttons, as the delivery worker sends a survey row."""
    return t.survey_message(event, sent, livelihood, tz), inline_markup(t.arrival_buttons(warning_id))
