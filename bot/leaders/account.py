"""`/stop`, `/help` and `/cancel` outside sign-up."""

from __future__ import annotations

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import CommandHandler, filters

from bot.leaders import texts
from bot.context import Context, chat_id_of, message_of
from subscribers.leaders import deactivate, get_leader
from subscribers.reports import discard_draft


async def stop(update: Update, context: Context) -> None:
    """Unsubscribe: the leader is kept, inactive, until `/start`."""
    data, chat_id = context.bot_data, chat_id_of(update)
    leader = get_leader(data.db, chat_id)
    if leader is None:
        reply = texts.NOT_A_LEADER
    elif not leader.active:
        reply = texts.ALREADY_STOPPED
    else:
        deactivate(data.db, chat_id, "stop", data.now())
        discard_draft(data.db, chat_id)
        reply = texts.STOPPED
    await message_of(update).reply_text(reply)


async def help_command(update: Update, context: Context) -> None:
    """What the bot does, in plain Thai."""
    await message_of(update).reply_text(texts.HELP)


async def cancel(update: Update, context: Context) -> None:
    """Drop the report being written, if any."""
    dropped = discard_draft(context.bot_data.db, chat_id_of(update))
    await message_of(update).reply_text(
        texts.CANCELLED if dropped else texts.NOTHING_TO_CANCEL, reply_markup=ReplyKeyboardRemove()
    )


def account_handlers() -> list:
    """`/stop`, `/help`, `/cancel`, private chats only."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("stop", stop, filters=private),
        CommandHandler("help", help_command, filters=private),
        CommandHandler("cancel", cancel, filters=private),
    ]
