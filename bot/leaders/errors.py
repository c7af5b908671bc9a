"""The error handler: log the error first, then tell the admin chat briefly and the leader politely."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.leaders import texts
from bot.ops.redact import redact
from bot.context import Context

log = logging.getLogger(__name__)
MAX_ERROR_TEXT = 300


async def on_error(update: object, context: Context) -> None:
    """Log `context.error` with its traceback, then tell the admin chat and the leader."""
    log.error("error while handling an update: %s", update, exc_info=context.error)
    settings = context.bot_data.settings
    # An error's text can quote the token (InvalidToken, a request URL): the admin chat never sees it.
    error = redact(f"{type(context.error).__name__}: {context.error}", settings.secrets())[:MAX_ERROR_TEXT]
    admin_chat = settings.telegram.admin_chat_id
    if admin_chat is not None:
        try:
            await context.bot.send_message(admin_chat, texts.ADMIN_ERROR.format(error=error))
        except TelegramError:
            log.exception("could not tell the admin chat about the error")
    if isinstance(update, Update) and update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
        try:
            await context.bot.send_message(update.effective_chat.id, texts.USER_ERROR)
        except TelegramError:
            log.exception("could not tell chat %s about the error", update.effective_chat.id)
