"""What every leader handler shares: the typed context and the "who is this leader" check."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from telegram import Update

from bot import texts
from subscribers.leaders import Leader, get_leader

if TYPE_CHECKING:
    from telegram.ext import CallbackContext, ExtBot

    from bot.app import BotData

# bot.app imports the handlers, so the typed context is named for type checkers only.
Context: TypeAlias = "CallbackContext[ExtBot[None], dict, dict, BotData]"


async def active_leader(update: Update, context: Context) -> Leader | None:
    """The active leader behind this update, or None after telling the chat how to (re)join."""
    data = context.bot_data
    chat = update.effective_chat
    leader = get_leader(data.db, chat.id) if chat else None
    if leader is not None and leader.active:
        return leader
    reply = texts.NOT_A_LEADER if leader is None else texts.INACTIVE
    if update.callback_query:
        await update.callback_query.answer(reply, show_alert=True)
    elif update.effective_message:
        await update.effective_message.reply_text(reply)
    return None
