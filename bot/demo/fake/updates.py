"""Updates a user sends to the bot, built as Telegram would deliver them through getUpdates.

A mixin of `FakeTelegram`: it uses the fake's lock, message ids and the messages the bot sent
(a callback or a reply points at one of them).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from bot.demo.fake.records import FakeTelegramError, SentMessage


class UpdateBuilders:
    """`push_*`: inject a user's message, photo, album, location or button press; returns the update."""

    # The fake's state and helpers this mixin uses (FakeTelegram sets and defines them).
    _lock: threading.Condition
    _update_ids: Iterator[int]
    _updates: list[dict]
    _messages: dict[tuple[int, int], SentMessage]
    _user_messages: dict[tuple[int, int], dict]
    _files: dict[str, bytes]
    _file_ids: Iterator[int]
    _callback_ids: Iterator[int]
    _next_message_id: Callable[[int], int]
    _message_dict: Callable[[SentMessage], dict]

    def _push(self, kind: str, payload: dict) -> dict:
        with self._lock:
            update = {"update_id": next(self._update_ids), kind: payload}
            self._updates.append(update)
            self._lock.notify_all()
            return update

    def _user(self, user_id: int, first_name: str | None = None) -> dict:
        return {"id": user_id, "is_bot": False, "first_name": first_name or f"User{user_id}", "language_code": "th"}

    def _chat(self, chat_id: int) -> dict:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
        return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}

    def _user_message(self, chat_id: int, from_id: int | None, **content: Any) -> dict:
        with self._lock:
            message_id = self._next_message_id(chat_id)
            message = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": self._chat(chat_id),
                "from": self._user(from_id if from_id is not None else chat_id),
                **content,
            }
            self._user_messages[(chat_id, message_id)] = message
            return message

    def push_message(self, chat_id: int, text: str, *, from_id: int | None = None, reply_to: int | None = None) -> dict:
        """A user sends text (a `/command` gets its bot_command entity); returns the update."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if reply_to is not None:
            replied = self._messages.get((chat_id, reply_to))
            if replied is not None:
                content["reply_to_message"] = self._message_dict(replied)
        return self._push("message", self._user_message(chat_id, from_id, **content))

    def push_command(self, chat_id: int, command: str, args: str = "", *, from_id: int | None = None) -> dict:
        """A user sends `/command args`."""
        text = f"/{command.lstrip('/')}" + (f" {args}" if args else "")
        return self.push_message(chat_id, text, from_id=from_id)

    def push_photo(
        self,
        chat_id: int,
        data: bytes = b"\xff\xd8\xff fake jpeg",
        *,
        caption: str | None = None,
        media_group_id: str | None = None,
        from_id: int | None = None,
    ) -> dict:
        """A user sends a photo (several with one `media_group_id` make an album)."""
        file_id = self.add_file(data)
        sizes = [
            {"file_id": f"{file_id}", "file_unique_id": f"u{file_id}", "width": 1280, "height": 960,
             "file_size": len(data)},
        ]
        content: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        return self._push("message", self._user_message(chat_id, from_id, **content))

    def push_album(self, chat_id: int, count: int, *, caption: str | None = None, group: str = "album-1") -> list[dict]:
        """A user sends `count` photos as one album; the caption rides on the first, as Telegram does."""
        return [
            self.push_photo(chat_id, f"photo {i}".encode(), caption=caption if i == 0 else None, media_group_id=group)
            for i in range(count)
        ]

    def push_location(self, chat_id: int, lat: float, lon: float, *, from_id: int | None = None) -> dict:
        """A user shares a location."""
        return self._push(
            "message", self._user_message(chat_id, from_id, location={"latitude": lat, "longitude": lon})
        )

    def push_callback(self, chat_id: int, message_id: int, data: str, *, from_id: int | None = None) -> dict:
        """A user presses an inline button with `data` on the bot's message `message_id`."""
        with self._lock:
            message = self._messages.get((chat_id, message_id))
            if message is None:
                raise FakeTelegramError(f"the bot sent no message {message_id} to chat {chat_id}")
            query = {
                "id": str(next(self._callback_ids)),
                "from": self._user(from_id if from_id is not None else chat_id),
                "message": self._message_dict(message),
                "chat_instance": f"ci{chat_id}",
                "data": data,
            }
        return self._push("callback_query", query)

    def add_file(self, data: bytes) -> str:
        """Store bytes downloadable through getFile; returns the file id."""
        with self._lock:
            return self.add_file_unlocked(data)

    def add_file_unlocked(self, data: bytes) -> str:
        """`add_file` for callers already holding the lock (the sendPhoto answer)."""
        file_id = f"file{next(self._file_ids)}"
        self._files[file_id] = data
        return file_id
