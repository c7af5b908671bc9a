"""The admin gate: only configured admin ids pass; everyone else is refused politely and audited."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.admin import texts
from bot.context import Context
from subscribers import audit

Handler = Callable[[Update, Context], Coroutine[Any, Any, Any]]


def is_admin(update: Update, admin_ids: list[int]) -> bool:
    """Whether the user behind this update is a configured admin."""
    user = update.effective_user
    return user is not None and user.id in admin_ids


def actor(update: Update) -> str:
    """How the audit log names the user: their Telegram id."""
    return str(update.effective_user.id) if update.effective_user else "unknown"


def record(context: Context, update: Update, action: str, allowed: bool = True, **detail: Any) -> None:
    """Write one audit entry for this user at the injected time."""
    data = context.bot_data
    audit.record(data.db, data.now(), actor(update), action, allowed, **detail)


async def refuse(update: Update, context: Context, action: str) -> None:
    """Tell a non-admin no, politely, and log the attempt."""
    record(context, update, action, allowed=False, args=list(context.args or []))
    if update.callback_query:
        await update.callback_query.answer(texts.REFUSED, show_alert=True)
    elif update.effective_message:
        await update.effective_message.reply_text(texts.REFUSED)


def admin_only(action: str, *, refused_result: Any = None) -> Callable[[Handler], Handler]:
    """Decorate a handler: non-admins get the refusal (and an audit row), admins run it (audited by it).

    Either way the update stops here: handlers in later groups (the leaders' features) must not
    answer an admin command a second time.
    """

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def gated(update: Update, context: Context) -> Any:
            if not is_admin(update, context.bot_data.settings.telegram.admin_ids):
                await refuse(update, context, action)
                raise ApplicationHandlerStop(refused_result)
            raise ApplicationHandlerStop(await handler(update, context))

        return gated

    return wrap
