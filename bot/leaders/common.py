"""What every leader handler shares: the "who is this leader" check."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.leaders import texts
from subscribers.leaders import Leader, get_leader


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
