"""The bot data every handler and job reads, and the one typed context they receive."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeAlias

from sqlite_utils import Database
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
