"""A separate process that drains a file-backed outbox against a (fake) Bot API.

    python -m tests.helpers.drain_outbox DB BASE_URL TOKEN

Used by the kill -9 test: it does what `floodbot run` does on start (recover rows left in flight),
then drains until nothing is due, printing "ready" once it has opened the store.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

from telegram import Bot

from bot.delivery.worker import deliver_due
from bot.settings import Settings, TelegramSettings
from subscribers.db import open_db
from subscribers.outbox import recover_in_flight


async def main(path: str, base_url: str, token: str) -> None:
    """Open the store, recover rows left in flight, drain the outbox once; print both steps."""
    db = open_db(path)
    recovered = recover_in_flight(db)
    print(f"ready recovered={recovered}", flush=True)
    settings = Settings(telegram=TelegramSettings(token=token, base_url=base_url))
    async with Bot(token, base_url=base_url) as bot:
        stats = await deliver_due(bot, db, settings, lambda: datetime.now(UTC))
    print(f"done {stats.model_dump_json()}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
