"""`floodbot run`: the bot, the poller and the delivery worker in one process until SIGINT/SIGTERM."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import Update

from alerts.fetch import make_session
from bot.app import build_application
from bot.settings import Settings
from subscribers.cities import sync_cities
from bot.ops.monitor import attach_monitoring, bind_listener
from subscribers.db import open_db

log = logging.getLogger(__name__)


HOW_TO_GET_A_TOKEN = (
    "telegram.token is not set. Create a bot: open Telegram, talk to @BotFather, send /newbot,"
    " then put the token in FLOODBOT_TELEGRAM__TOKEN (or telegram.token in the config file)."
)


class MissingTokenError(Exception):
    """`floodbot run` needs a bot token."""


def run(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM; delivery then takes no new rows and in-flight sends get
    `delivery.shutdown_grace_seconds` (FloodbotApplication.stop), so the process exits well within
    systemd's TimeoutStopSec; the rest stays queued for the next start."""
    if settings.telegram.token is None:
        raise MissingTokenError(HOW_TO_GET_A_TOKEN)
    db = open_db(settings.database)
    listener = bind_listener(settings)
    sync_cities(db, settings.cities, datetime.now(UTC))
    session = make_session()
    app = build_application(settings, db, poll_session=session)
    attach_monitoring(app, listener)
    log.info(
        "floodbot: %d cities, %d feeds enabled, polling every %d s",
        len(settings.cities), sum(f.enabled for f in settings.feeds), settings.polling.interval_seconds,
    )
    try:
        # run_polling installs the SIGINT/SIGTERM handlers and shuts the application down cleanly.
        # bootstrap_retries=-1: if Telegram is unreachable at start (a storm takes the line down),
        # keep trying instead of exiting; PTB still aborts at once on an invalid token.
        log.info("floodbot: connecting to Telegram at %s", settings.telegram.base_url.split("/bot")[0])
        app.run_polling(allowed_updates=Update.ALL_TYPES, close_loop=False, bootstrap_retries=-1)
    finally:
        session.close()
        db.close()
        log.info("floodbot: stopped")
