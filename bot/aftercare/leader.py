"""The leader's side of a check-in: the answer buttons and the need-help steps (pin or area, people, need).

The request is open from the first press of ต้องการความช่วยเหลือ; each step only adds detail, and the
steps find the request in the store (not in memory), so a restart loses nothing already sent.
"""

from __future__ import annotations

import warnings

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import checkin_texts as t
from bot import texts
from bot.aftercare.admin import post_card
from bot.handlers.common import Context, active_leader
from subscribers import checkins
from subscribers.checkins import Answer, CheckinError
from subscribers.cities import city_name

LOCATION, PEOPLE, NEED = range(3)
PATTERN = r"^ci:(\d+):(safe|need_help|unsure)$"
END = ConversationHandler.END


def _stop(state: object) -> ApplicationHandlerStop:
    # Handled here: the leaders' fallbacks in the later group (reports, "unexpected") must not answer too.
    return ApplicationHandlerStop(state)


async def answer_pressed(update: Update, context: Context) -> None:
    """ปลอดภัย / ต้องการความช่วยเหลือ / ยังไม่แน่ใจ: keep the answer; need-help starts the steps."""
    query = update.callback_query
    leader = await active_leader(update, context)
    if leader is None:
        raise _stop(END)
    data = context.bot_data
    round_id, answer = int(context.match.group(1)), Answer(context.match.group(2))
    try:
        result = checkins.record_answer(data.db, round_id, leader.chat_id, answer, data.now())
    except CheckinError:
        await query.answer(t.ROUND_CLOSED, show_alert=True)
        raise _stop(END) from None
    await query.answer()
    request = result.help_request
    if answer != Answer.NEED_HELP:
        if answer == Answer.SAFE and (request is not None or result.withdrawn):
            # Coordinators see at once that this leader is safe now (a withdrawn card loses its buttons).
            changed = checkins.get_request(data.db, result.withdrawn[0]) if result.withdrawn else request
            await post_card(context.bot, data, changed, now_safe=answer == Answer.SAFE)
        await context.bot.send_message(leader.chat_id, t.answer_reply(result, data.settings.tz))
        raise _stop(END)
    city = city_name(data.db, leader.city_id)
    await post_card(context.bot, data, request)
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(t.SEND_LOCATION, request_location=True)], [t.USE_AREA.format(city=city)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await context.bot.send_message(leader.chat_id, t.help_started(city, request.id), reply_markup=keyboard)
    raise _stop(LOCATION)


async def _request(update: Update, context: Context) -> checkins.HelpRequest:
    request = checkins.latest_request_of(context.bot_data.db, update.effective_chat.id)
    if request is None:  # taken and done meanwhile, or withdrawn: nothing left to fill in
        await update.effective_message.reply_text(texts.CANCELLED, reply_markup=ReplyKeyboardRemove())
        raise _stop(END)
    return request


def _people_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(t.people_keyboard(), resize_keyboard=True, one_time_keyboard=True)


async def got_location(update: Update, context: Context) -> None:
    """Step 1 by pin."""
    data, location = context.bot_data, update.effective_message.location
    request = await _request(update, context)
    checkins.set_location(data.db, request.id, location.latitude, location.longitude, data.now())
    await update.effective_message.reply_text(t.ASK_PEOPLE, reply_markup=_people_keyboard())
    raise _stop(PEOPLE)


async def use_area(update: Update, context: Context) -> None:
    """Step 1 skipped: the registered area stands for the place."""
    data = context.bot_data
    request = await _request(update, context)
    checkins.use_registered_area(data.db, request.id, data.now())
    await update.effective_message.reply_text(t.ASK_PEOPLE, reply_markup=_people_keyboard())
    raise _stop(PEOPLE)


async def ask_location_again(update: Update, context: Context) -> None:
    """Anything else while waiting for the pin."""
    await update.effective_message.reply_text(t.ASK_LOCATION)
    raise _stop(LOCATION)


async def got_people(update: Update, context: Context) -> None:
    """Step 2: how many people (a number)."""
    data, text = context.bot_data, update.effective_message.text.strip()
    request = await _request(update, context)
    try:
        checkins.set_people(data.db, request.id, int(text), data.now())
    except (ValueError, CheckinError):
        await update.effective_message.reply_text(t.people_bad(), reply_markup=_people_keyboard())
        raise _stop(PEOPLE) from None
    keyboard = ReplyKeyboardMarkup(t.need_keyboard(), resize_keyboard=True, one_time_keyboard=True)
    await update.effective_message.reply_text(t.ASK_NEED, reply_markup=keyboard)
    raise _stop(NEED)


async def got_need(update: Update, context: Context) -> None:
    """Step 3: one line of need; then the reply (what happens next, 1784) and the updated card."""
    data, text = context.bot_data, update.effective_message.text
    request = await _request(update, context)
    try:
        request = checkins.set_need(data.db, request.id, text, data.now())
    except CheckinError:
        await update.effective_message.reply_text(t.need_too_long(len(" ".join(text.split()))))
        raise _stop(NEED) from None
    await post_card(context.bot, data, request)
    city = city_name(data.db, request.city_id)
    await update.effective_message.reply_text(t.help_sent(city, request.id), reply_markup=ReplyKeyboardRemove())
    raise _stop(END)


async def cancel(update: Update, context: Context) -> None:
    """/cancel during the steps: the request stays open with what was given (coordinators still see it)."""
    await update.effective_message.reply_text(texts.CANCELLED, reply_markup=ReplyKeyboardRemove())
    raise _stop(END)


def need_help_conversation() -> ConversationHandler:
    """The check-in answer buttons and the need-help steps, private chats only, /cancel to stop."""
    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND
    area = filters.Regex(rf"^{t.USE_AREA.split(' (')[0]}")
    # Tracked per chat and user, not per message: the leader types between the buttons.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[CallbackQueryHandler(answer_pressed, pattern=PATTERN)],
            states={
                LOCATION: [
                    MessageHandler(private & filters.LOCATION, got_location),
                    MessageHandler(text & area, use_area),
                    MessageHandler(private & ~filters.COMMAND, ask_location_again),
                ],
                PEOPLE: [MessageHandler(text, got_people)],
                NEED: [MessageHandler(text, got_need)],
            },
            fallbacks=[CommandHandler("cancel", cancel, filters=private)],
            allow_reentry=True,
            name="need-help",
        )
