"""The leader's side of a check-in: the answer buttons and the need-help steps (pin or area, people, need).

The request is open from the first press of ต้องการความช่วยเหลือ; each step only adds detail. Where the
leader is in the steps is kept in the store (`help_requests.step`), not in memory, so a restart of the
bot between two steps loses nothing: the next message simply continues.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.aftercare import texts as t
from bot.leaders import texts
from bot.aftercare.admin import post_card
from bot.context import Context, chat_id_of, match_of, message_of, query_of
from bot.leaders.common import active_leader
from subscribers import checkins
from subscribers.checkins import Answer, CheckinError, HelpRequest, Step
from subscribers.cities import city_name

if TYPE_CHECKING:
    from bot.context import BotData

PATTERN = r"^ci:(\d+):(safe|need_help|unsure)$"
# Steps left this long ago are over: a leader's later message is a field report, not a step answer.
STEPS_TIMEOUT = timedelta(hours=6)


def _stop() -> ApplicationHandlerStop:
    # Handled here: the leaders' fallbacks in the later group (reports, "unexpected") must not answer too.
    return ApplicationHandlerStop()


async def answer_pressed(update: Update, context: Context) -> None:
    """ปลอดภัย / ต้องการความช่วยเหลือ / ยังไม่แน่ใจ: keep the answer; need-help starts the steps."""
    query = query_of(update)
    leader = await active_leader(update, context)
    if leader is None:
        raise _stop()
    data = context.bot_data
    match = match_of(context)
    round_id, answer = int(match.group(1)), Answer(match.group(2))
    try:
        result = checkins.record_answer(data.db, round_id, leader.chat_id, answer, data.now())
    except CheckinError:
        await query.answer(t.ROUND_CLOSED, show_alert=True)
        raise _stop() from None
    await query.answer()
    request = result.help_request
    if answer != Answer.NEED_HELP:
        if answer == Answer.SAFE and (request is not None or result.withdrawn):
            # Coordinators see at once that this leader is safe now (a withdrawn card loses its buttons).
            changed = checkins.get_request(data.db, result.withdrawn[0]) if result.withdrawn else request
            await post_card(context.bot, data, changed, now_safe=True)
        await context.bot.send_message(leader.chat_id, t.answer_reply(result, data.settings.tz))
        raise _stop()
    assert request is not None  # "need help" opens (or keeps) a request
    city = city_name(data.db, leader.city_id)
    await post_card(context.bot, data, request)
    (share, *others) = t.location_keyboard(city)  # the first row shares the phone's location
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(share[0], request_location=True)], *others], resize_keyboard=True, one_time_keyboard=True
    )
    await context.bot.send_message(leader.chat_id, t.help_started(city, request.id), reply_markup=keyboard)
    raise _stop()


def _people_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(t.people_keyboard(), resize_keyboard=True, one_time_keyboard=True)


def _steps_of(data: BotData, chat_id: int) -> HelpRequest | None:
    return checkins.request_in_steps(data.db, chat_id, data.now() - STEPS_TIMEOUT)


def _in_steps(update: Update, context: Context) -> HelpRequest | None:
    return _steps_of(context.bot_data, chat_id_of(update))


class _OnlyInSteps:
    """A handler that takes an update only while its chat is in the need-help steps (the store says), so
    every other message goes on to the handlers after it, as if this one were not there."""

    def __init__(self, data: BotData, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.data = data

    def check_update(self, update: object):
        """The wrapped handler's check, and the chat in the steps."""
        result = super().check_update(update)  # type: ignore[misc]  # a mixin: the handler after it in the MRO has it
        if not result or not isinstance(update, Update) or update.effective_chat is None:
            return None
        return result if _steps_of(self.data, update.effective_chat.id) is not None else None


class _StepMessage(_OnlyInSteps, MessageHandler):
    pass


class _StepCancel(_OnlyInSteps, CommandHandler):
    pass


async def step_message(update: Update, context: Context) -> None:
    """A message while the leader is in the need-help steps answers the step the store says."""
    request = _in_steps(update, context)
    if request is None:  # the steps ended between the check and now
        return
    message = message_of(update)
    if request.step == Step.LOCATION:
        await _location_step(context, request, message)
    elif request.step == Step.PEOPLE:
        await _people_step(context, request, message)
    else:
        await _need_step(context, request, message)
    raise _stop()


async def _location_step(context: Context, request: HelpRequest, message) -> None:
    """Step 1: a pin, or the registered area; anything else asks again."""
    data = context.bot_data
    if message.location is not None:
        checkins.set_location(data.db, request.id, message.location.latitude, message.location.longitude, data.now())
    elif message.text and message.text.startswith(t.USE_AREA.split(" (")[0]):
        checkins.use_registered_area(data.db, request.id, data.now())
    else:
        await message.reply_text(t.ASK_LOCATION)
        return
    await message.reply_text(t.ASK_PEOPLE, reply_markup=_people_keyboard())


async def _people_step(context: Context, request: HelpRequest, message) -> None:
    """Step 2: how many people (a number)."""
    data = context.bot_data
    try:
        checkins.set_people(data.db, request.id, int((message.text or "").strip()), data.now())
    except (ValueError, CheckinError):
        await message.reply_text(t.people_bad(), reply_markup=_people_keyboard())
        return
    keyboard = ReplyKeyboardMarkup(t.need_keyboard(), resize_keyboard=True, one_time_keyboard=True)
    await message.reply_text(t.ASK_NEED, reply_markup=keyboard)


async def _need_step(context: Context, request: HelpRequest, message) -> None:
    """Step 3: one line of need; then the reply (what happens next, 1784) and the updated card."""
    data, text = context.bot_data, message.text or ""
    try:
        request = checkins.set_need(data.db, request.id, text, data.now())
    except CheckinError:
        if not text.strip():  # a photo or a sticker: the question again
            await message.reply_text(t.ASK_NEED)
        else:
            await message.reply_text(t.need_too_long(len(" ".join(text.split()))))
        return
    await post_card(context.bot, data, request)
    city = city_name(data.db, request.city_id)
    await message.reply_text(t.help_sent(city, request.id), reply_markup=ReplyKeyboardRemove())


async def cancel(update: Update, context: Context) -> None:
    """/cancel during the steps: the request stays open with what was given (coordinators still see it)."""
    request = _in_steps(update, context)
    if request is None:
        return
    checkins.end_steps(context.bot_data.db, request.id)
    await message_of(update).reply_text(texts.CANCELLED, reply_markup=ReplyKeyboardRemove())
    raise _stop()


def need_help_handlers(data: BotData) -> list[BaseHandler]:
    """The check-in answer buttons, and the need-help steps and their /cancel (private chats in the steps)."""
    private = filters.ChatType.PRIVATE
    return [
        CallbackQueryHandler(answer_pressed, pattern=PATTERN),
        _StepCancel(data, "cancel", cancel, filters=private),
        _StepMessage(data, private & ~filters.COMMAND, step_message),
    ]
