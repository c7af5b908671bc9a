"""The PTB Application: the one place that wires handlers, jobs and dependencies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlite_utils import Database
from telegram.ext import Application, ContextTypes

from bot.admin import register_admin_handlers
from bot.aftercare import register_aftercare
from bot.delivery_jobs import register_delivery
from bot.handlers import register_leader_handlers
from bot.handlers.guards import unknown_button_handler
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.metrics import Metrics


def _utc_now() -> datetime:
    return datetime.now(UTC)


class BotData:
    """What handlers and jobs need, typed (PTB creates it empty; `build_application` fills it)."""

    settings: Settings
    db: Database
    clock: Callable[[], datetime] = staticmethod(_utc_now)
    # Set by `floodbot run` (bot.monitor); None in tests and the demo, where nothing is scraped.
    metrics: Metrics | None = None

    def now(self) -> datetime:
        """The current time (injected in tests)."""
        return self.clock()


CONTEXT_TYPES = ContextTypes(bot_data=BotData)


def build_application(
    settings: Settings, db: Database, clock: Callable[[], datetime] = _utc_now
) -> Application:
    """Build the Application: token, base URL, typed context, handlers, error handler and jobs."""
    if settings.telegram.token is None:
        raise ValueError("telegram.token is not set")
    app = (
        Application.builder()
        .token(settings.telegram.token.get_secret_value())
        .base_url(settings.telegram.base_url)
        .base_file_url(settings.telegram.base_file_url)
        .context_types(CONTEXT_TYPES)
        .build()
    )
    app.bot_data.settings = settings
    app.bot_data.db = db
    app.bot_data.clock = clock
    # Feature modules register their handlers and jobs here, in this order.
    # Delivery (issue 5): the รับทราบ handler, the outbox worker and reminder jobs.
    register_delivery(app)
    # Admin tools (issue 7): admin commands, /broadcast, drill reports, feed health, recurring notices.
    register_admin_handlers(app)
    # Check-ins, help requests, the after-action survey and /impact (issue 13).
    register_aftercare(app)
    # Issue 12: last in group 0, so every button press nobody took (forged, stale) is still answered.
    app.add_handler(unknown_button_handler())
    # The leaders' bot in private chat (issue 6), in its own handler group.
    register_leader_handlers(app)
    return app
