"""Drive the leaders' bot through the real PTB Application against the fake Bot API.

Updates are built as Telegram would send them and passed to `app.process_update`; replies go over
HTTP to the fake, where tests read them. The fake has no builders for edited messages, stickers or
photos sent as replies, so those are built here.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.delivery.worker import DeliveryStats, deliver_due
from subscribers.db import open_db
from bot.demo.fake.telegram import FakeTelegram, SentMessage, fake_settings
from bot.demo.fake.virtual_time import VirtualTime
from tests.helpers.clock import Clock
from tests.helpers.store import add_cities

ADMIN_CHAT = -100900
RESTART_SECONDS = 3.0


class LeaderChat:
    """One Application on one database file, driven update by update."""

    def __init__(self, fake: FakeTelegram, db_path: Path, clock: Clock, vt: VirtualTime):
        self.fake = fake
        self.clock = clock
        self.vt = vt
        self.db_path = db_path
        self.settings = fake_settings(fake, database=db_path)
        self.db: Database | None = None
        self.app: Application | None = None
        self._ids = itertools.count(50_000)

    async def open(self) -> LeaderChat:
        """Open the store and initialise a fresh Application on it (what a restart does)."""
        self.db = open_db(self.db_path, create=True)
        add_cities(self.db, self.clock.now)
        self.app = build_application(self.settings, self.db, clock=self.clock, limiter=self.vt.limiter(self.settings))
        await self.app.initialize()
        return self

    async def close(self) -> None:
        """Shut the Application down and close the store."""
        await self.app.shutdown()
        self.db.close()

    async def restart(self) -> None:
        """Close everything and start again on the same database file."""
        await self.close()
        # A restart takes seconds; the new limiter knows nothing of the old one's sends (as in production).
        self.vt.advance(RESTART_SECONDS)
        await self.open()

    async def deliver(self) -> DeliveryStats:
        """One drain of the outbox, as the app's delivery job runs it (same limiter and state)."""
        return await deliver_due(self.app.bot, self.db, self.settings, self.clock, state=self.app.bot_data.delivery)

    async def send(self, update: dict | list[dict]) -> None:
        """Process one update (or several in order) as PTB would after getUpdates."""
        for one in update if isinstance(update, list) else [update]:
            await self.app.process_update(Update.de_json(one, self.app.bot))

    def texts(self, chat_id: int) -> list[str]:
        """What the bot sent to a chat (texts and captions), in order."""
        return [m.text or "" for m in self.fake.messages(chat_id)]

    def last(self, chat_id: int) -> SentMessage:
        """The last message the bot sent to a chat."""
        return self.fake.messages(chat_id)[-1]

    # Updates the fake cannot build.

    def _message(self, chat_id: int, chat_type: str = "private", **content: Any) -> dict:
        chat = {"id": chat_id, "type": chat_type}
        chat.update({"first_name": "Leader"} if chat_type == "private" else {"title": "Group"})
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": abs(chat_id), "is_bot": False, "first_name": "Leader"},
            **content,
        }

    def _update(self, kind: str, message: dict) -> dict:
        return {"update_id": next(self._ids), kind: message}

    def sticker(self, chat_id: int) -> dict:
        """A sticker."""
        sticker = {"file_id": "st1", "file_unique_id": "ust1", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False, "type": "regular"}
        return self._update("message", self._message(chat_id, sticker=sticker))

    def edited(self, chat_id: int, text: str) -> dict:
        """An edit of an earlier text message."""
        message = self._message(chat_id, text=text, edit_date=int(time.time()))
        return self._update("edited_message", message)

    def reply_photo(self, chat_id: int, reply_to: SentMessage, caption: str | None = None) -> dict:
        """A photo sent as a reply to one of the bot's messages."""
        replied = {"message_id": reply_to.message_id, "date": reply_to.date,
                   "chat": {"id": chat_id, "type": "private"}, "text": reply_to.text}
        photo = [{"file_id": "rp1", "file_unique_id": "urp1", "width": 800, "height": 600}]
        content: dict[str, Any] = {"photo": photo, "reply_to_message": replied}
        if caption:
            content["caption"] = caption
        return self._update("message", self._message(chat_id, **content))
