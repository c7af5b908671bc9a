"""Sign-up by invitation: `/start <code>`, then the leader's name and livelihood (a ConversationHandler)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot.leaders import texts
from bot.aftercare.asking import ask_late_joiner
from bot.context import Context, chat_id_of, message_of, text_of
from bot.pipeline.fanout import queue_in_force
from bot.leaders.joining import JoinOutcome, JoinResult, join
from subscribers.cities import city_name
from subscribers.leaders import Livelihood, get_leader, update_leader

if TYPE_CHECKING:
    from bot.context import BotData

log = logging.getLogger(__name__)

# Conversation states, named for the step the leader is on.
NAME, LIVELIHOOD = range(2)
MAX_NAME = 64
_LIVELIHOOD_BY_LABEL = {
    label: Livelihood(value) for value, label in texts.LIVELIHOODS.items()
} | texts.LIVELIHOOD_ALIASES


def livelihood_keyboard() -> ReplyKeyboardMarkup:
    """The five livelihoods as reply buttons (what the leader taps is what we read back)."""
    labels = [KeyboardButton(label) for label in texts.LIVELIHOODS.values()]
    return ReplyKeyboardMarkup([labels[:3], labels[3:]], one_time_keyboard=True, resize_keyboard=True)


def livelihood_from_label(text: str) -> Livelihood | None:
    """The livelihood whose Thai button label is `text`."""
    return _LIVELIHOOD_BY_LABEL.get(text.strip())


def join_reply(result: JoinResult, city: str) -> str:
    """The Thai answer to `/start`."""
    match result.outcome:
        case JoinOutcome.JOINED:
            return texts.JOINED.format(city=city)
        case JoinOutcome.MOVED:
            return texts.MOVED.format(city=city)
        case JoinOutcome.REACTIVATED:
            return texts.REACTIVATED.format(city=city)
        case JoinOutcome.ALREADY_ACTIVE:
            return texts.ALREADY_ACTIVE.format(city=city)
        case JoinOutcome.WRONG:
            return texts.CODE_WRONG.format(left=result.tries_left)
        case JoinOutcome.EXPIRED:
            return texts.CODE_EXPIRED
        case JoinOutcome.USED_UP:
            return texts.CODE_USED_UP
        case JoinOutcome.LOCKED:
            return texts.CODE_LOCKED.format(minutes=result.wait_minutes)
        case _:
            return texts.HOW_TO_JOIN


async def start(update: Update, context: Context) -> int:
    """`/start [code]`: join, move, re-activate or explain; ask the name when we lack it."""
    data, chat_id = context.bot_data, chat_id_of(update)
    code = context.args[0] if context.args else None
    result = join(data.db, chat_id, code, data.now())
    city = city_name(data.db, result.leader.city_id) if result.leader else ""
    reply = join_reply(result, city)
    if result.outcome in (JoinOutcome.JOINED, JoinOutcome.MOVED, JoinOutcome.REACTIVATED):
        assert result.leader is not None  # these outcomes carry the leader
        log.info("signup: chat %s %s city %s", chat_id, result.outcome, result.leader.city_id)
    elif result.outcome is JoinOutcome.LOCKED:
        log.warning("signup: chat %s locked out after wrong invite codes", chat_id)
    if result.needs_name and result.outcome is not JoinOutcome.JOINED:
        reply += "\n" + texts.ASK_NAME
    await message_of(update).reply_text(reply)
    if result.outcome in (JoinOutcome.REACTIVATED, JoinOutcome.MOVED) and not result.needs_name:
        catch_up(data, chat_id)
    return NAME if result.needs_name else ConversationHandler.END


async def receive_name(update: Update, context: Context) -> int:
    """Store the leader's name, then offer the livelihood buttons."""
    data = context.bot_data
    name = " ".join(text_of(update).split())
    if len(name) > MAX_NAME:
        await message_of(update).reply_text(texts.NAME_TOO_LONG.format(limit=MAX_NAME))
        return NAME
    update_leader(data.db, chat_id_of(update), data.now(), name=name)
    await message_of(update).reply_text(
        texts.ASK_LIVELIHOOD.format(name=name), reply_markup=livelihood_keyboard()
    )
    return LIVELIHOOD


async def ask_name_again(update: Update, context: Context) -> int:
    """Anything but text while we wait for the name."""
    await message_of(update).reply_text(texts.ASK_NAME)
    return NAME


async def receive_livelihood(update: Update, context: Context) -> int:
    """Store the livelihood the leader tapped and finish sign-up."""
    data = context.bot_data
    chat_id = chat_id_of(update)
    livelihood = livelihood_from_label(text_of(update))
    if livelihood is None:
        await message_of(update).reply_text(texts.PICK_LIVELIHOOD, reply_markup=livelihood_keyboard())
        return LIVELIHOOD
    now = data.now()
    update_leader(data.db, chat_id, now, livelihood=livelihood)
    leader = get_leader(data.db, chat_id)
    assert leader is not None  # read back after the update above
    log.info("signup: chat %s finished sign-up in %s (%s)", chat_id, leader.city_id, livelihood)
    city = city_name(data.db, leader.city_id)
    reply = texts.SIGNED_UP.format(name=leader.name, city=city, livelihood=texts.LIVELIHOODS[livelihood])
    await message_of(update).reply_text(reply, reply_markup=ReplyKeyboardRemove())
    catch_up(data, chat_id)
    return ConversationHandler.END


def catch_up(data: BotData, chat_id: int) -> int:
    """A leader who joins (or comes back) during a storm gets what is in force as normal alerts, then the
    question of each check-in round open for their city (the welcome stays short); returns the rows queued."""
    now = data.now()
    return queue_in_force(data.db, data.settings, chat_id, now) + ask_late_joiner(data.db, chat_id, now)


async def pick_livelihood_again(update: Update, context: Context) -> int:
    """Anything but a livelihood button while we wait for one."""
    await message_of(update).reply_text(texts.PICK_LIVELIHOOD, reply_markup=livelihood_keyboard())
    return LIVELIHOOD


async def cancel(update: Update, context: Context) -> int:
    """`/cancel` during sign-up: stop asking (the leader stays joined; /start resumes)."""
    await message_of(update).reply_text(texts.CANCELLED, reply_markup=ReplyKeyboardRemove())
    return ConversationHandler.END


def signup_conversation() -> ConversationHandler:
    """`/start` and the name and livelihood questions, private chats only."""
    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND
    return ConversationHandler(
        entry_points=[CommandHandler("start", start, filters=private)],
        states={
            NAME: [MessageHandler(text, receive_name), MessageHandler(private & ~filters.COMMAND, ask_name_again)],
            LIVELIHOOD: [
                MessageHandler(text, receive_livelihood),
                MessageHandler(private & ~filters.COMMAND, pick_livelihood_again),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel, filters=private)],
        allow_reentry=True,
        name="signup",
    )
