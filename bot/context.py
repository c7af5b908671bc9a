"""The bot data every handler and job reads, and the one typed context they receive."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeAlias

from sqlite_utils import Database
from telegram import CallbackQuery, Message, Update
from telegram.ext import CallbackContext, ExtBot

from bot.delivery.state import DeliveryState
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.ops.metrics import Metrics


def utc_now() -> datetime:
    """The real clock (tests inject their own)."""
    return datetime.now(UTC)


class BotData:
    """What handlers and jobs need, typed (PTB creates it empty; `build_application` fills it)."""

    settings: Settings
    db: Database
    delivery: DeliveryState
    clock: Callable[[], datetime] = staticmethod(utc_now)
    # Set by `floodbot run` (bot.ops.monitor); None in tests and the demo, where nothing is scraped.
    metrics: Metrics | None = None

    def now(self) -> datetime:
        """The current time (injected in tests)."""
        return self.clock()


# The context PTB passes to every handler and job (bot_data is a BotData; user and chat data unused).
Context: TypeAlias = CallbackContext[ExtBot[None], dict, dict, BotData]


# What a handler's filter guarantees, narrowed once: a command or message handler always has a message and a
# chat, a callback-query handler a query, every user-sent update a user; a handler with a pattern has its match,
# one with filters.TEXT its text. PTB types them all as optional.


def message_of(update: Update) -> Message:
    """The message a command or message handler runs for."""
    if update.effective_message is None:
        raise ValueError(f"update {update.update_id} carries no message")
    return update.effective_message


def chat_id_of(update: Update) -> int:
    """The id of the chat the update comes from."""
    if update.effective_chat is None:
        raise ValueError(f"update {update.update_id} comes from no chat")
    return update.effective_chat.id


def user_id_of(update: Update) -> int:
    """The id of the user who sent the update."""
    if update.effective_user is None:
        raise ValueError(f"update {update.update_id} comes from no user")
    return update.effective_user.id


def query_of(update: Update) -> CallbackQuery:
    """The button press a callback-query handler runs for."""
    if update.callback_query is None:
        raise ValueError(f"update {update.update_id} carries no callback query")
    return update.callback_query


def user_data_of(context: Context) -> dict:
    """The user's own data (PTB keeps one for every update from a user, as every admin command is)."""
    if context.user_data is None:
        raise ValueError("the update comes from no user, so it has no user data")
    return context.user_data


def text_of(update: Update) -> str:
    """The text of the message a `filters.TEXT` handler runs for."""
    text = message_of(update).text
    if text is None:
        raise ValueError(f"update {update.update_id} carries no text")
    return text


def data_of(query: CallbackQuery) -> str:
    """The data of a button press (a handler with a pattern only sees presses with data)."""
    if query.data is None:
        raise ValueError(f"callback query {query.id} carries no data")
    return query.data


def match_of(context: Context) -> re.Match[str]:
    """The match of the handler's pattern (set by PTB for a handler with a pattern)."""
    if context.match is None:
        raise ValueError("the handler has no pattern match")
    return context.match
