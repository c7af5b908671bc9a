"""The รับทราบ button: record the acknowledgement once, answer, and show when it was pressed."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler

from bot.context import Context, match_of, query_of
from bot.delivery import texts as delivery_text
from subscribers.acks import record_ack, warning_state, was_sent_to
from subscribers.leaders import get_leader

log = logging.getLogger(__name__)

# Up to 18 digits: a forged 40-digit id would overflow SQLite's integer; such data is answered as unknown.
PATTERN = rf"^{delivery_text.ACK_PREFIX}(\d{{1,18}})$"


async def acknowledge(update: Update, context: Context) -> None:
    """Handle a press of รับทราบ: record (once), answer the callback, turn the button into the time."""
    query = query_of(update)
    data = context.bot_data
    warning_id = int(match_of(context).group(1))
    chat_id = query.message.chat.id if query.message else query.from_user.id
    # Only a warning this chat was sent counts: a forged or copied button of another city records nothing.
    sent_here = was_sent_to(data.db, warning_id, chat_id)
    if not sent_here or get_leader(data.db, chat_id) is None or warning_state(data.db, warning_id) is None:
        await query.answer(delivery_text.ACK_UNKNOWN)
        return
    first = record_ack(data.db, warning_id, chat_id, data.now())
    label = delivery_text.acked_button(first, data.settings.tz)
    await query.answer(delivery_text.ack_toast(first, data.settings.tz))
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=query.data)]])
    try:
        await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as exc:
        # A second press leaves the button as it is: Telegram says "message is not modified".
        log.debug("ack button of warning %s in chat %s unchanged: %s", warning_id, chat_id, exc)


def ack_handler() -> CallbackQueryHandler:
    """The handler to register for รับทราบ presses."""
    return CallbackQueryHandler(acknowledge, pattern=PATTERN)
