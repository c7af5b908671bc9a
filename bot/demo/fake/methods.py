"""The Bot API methods the fake answers (getMe, sendMessage, sendPhoto, edits, getFile...) as Telegram does.

A mixin of `FakeTelegram`: `handle` has already applied injected failures, blocks and the lock;
each `_m_<method>` checks what Telegram checks (empty or long text, HTML, the replied message,
the rate limits via `_limit`) and records what was sent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import cast

from bot.demo.fake.records import BOT_USER, SentMessage
from bot.demo.fake.wire import error as _error, html_problem, ok as _ok


def menu_key(scope: dict | None) -> tuple:
    """A menu's scope as a key: ('all_private_chats',), ('chat', -100900), ('default',)."""
    scope = scope or {"type": "default"}
    return (scope["type"], *([scope["chat_id"]] if "chat_id" in scope else []))


class BotApiMethods:
    """`_m_<method>(params) -> (HTTP status, body)` for each Bot API method the bot uses."""

    # The fake's state and helpers this mixin uses (FakeTelegram and UpdateBuilders set and define them).
    clock: Callable[[], float]
    sent: list[SentMessage]
    answered_callbacks: list[dict]
    left_chats: list[int]
    menus: dict[tuple, list[dict]]
    _lock: threading.Condition
    _messages: dict[tuple[int, int], SentMessage]
    _user_messages: dict[tuple[int, int], dict]
    _files: dict[str, bytes]
    _limit: Callable[[int | None, float], int | None]
    _next_message_id: Callable[[int], int]
    _message_dict: Callable[[SentMessage], dict]
    add_file_unlocked: Callable[[bytes], str]

    def _m_getMe(self, params: dict) -> tuple[int, dict]:
        return _ok(BOT_USER)

    def _m_deleteWebhook(self, params: dict) -> tuple[int, dict]:
        return _ok(True)

    # Telegram keeps one menu per scope (all private chats, one chat, ...); `menus` is keyed like `menu_key`.
    def _m_setMyCommands(self, params: dict) -> tuple[int, dict]:
        self.menus[menu_key(params.get("scope"))] = list(params.get("commands") or [])
        return _ok(True)

    def _m_getMyCommands(self, params: dict) -> tuple[int, dict]:
        return _ok(self.menus.get(menu_key(params.get("scope")), []))

    def _m_deleteMyCommands(self, params: dict) -> tuple[int, dict]:
        self.menus.pop(menu_key(params.get("scope")), None)
        return _ok(True)

    def _m_sendChatAction(self, params: dict) -> tuple[int, dict]:
        return _ok(True)

    def _check_reply(self, chat_id: int, params: dict) -> tuple[int | None, tuple[int, dict] | None]:
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id") or params.get("reply_to_message_id")
        if reply_to is None:
            return None, None
        known = (chat_id, reply_to) in self._messages or (chat_id, reply_to) in self._user_messages
        if not known and not reply.get("allow_sending_without_reply"):
            return None, _error(400, "Bad Request: message to be replied not found")
        return reply_to, None

    def _send(self, method: str, params: dict, text: str | None, photo: str | None) -> tuple[int, dict]:
        chat_id = params["chat_id"]
        parse_mode = params.get("parse_mode")
        if parse_mode == "HTML" and text and (problem := html_problem(text)):
            return _error(400, f"Bad Request: can't parse entities: {problem}")
        reply_to, refusal = self._check_reply(chat_id, params)
        if refusal:
            return refusal
        wait = self._limit(chat_id, self.clock())
        if wait is not None:
            return _error(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        message = SentMessage(
            chat_id=chat_id,
            message_id=self._next_message_id(chat_id),
            method=method,
            text=text,
            parse_mode=parse_mode,
            reply_to=reply_to,
            reply_markup=params.get("reply_markup"),
            date=int(time.time()),
            photo=photo,
            at=self.clock(),
        )
        self.sent.append(message)
        self._messages[(chat_id, message.message_id)] = message
        out = self._message_dict(message)
        if reply_to is not None:
            replied = self._messages.get((chat_id, reply_to))
            out["reply_to_message"] = (
                self._message_dict(replied) if replied else self._user_messages[(chat_id, reply_to)]
            )
        return _ok(out)

    def _m_sendMessage(self, params: dict) -> tuple[int, dict]:
        text = params.get("text") or ""
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            return _error(400, "Bad Request: message is too long")
        return self._send("sendMessage", params, text, None)

    def _m_sendPhoto(self, params: dict) -> tuple[int, dict]:
        caption = params.get("caption")
        if caption is not None and len(caption) > 1024:
            return _error(400, "Bad Request: message caption is too long")
        photo = params.get("photo")
        if isinstance(photo, bytes):
            photo = self.add_file_unlocked(photo)
        if not photo:
            return _error(400, "Bad Request: there is no photo in the request")
        return self._send("sendPhoto", params, caption, str(photo))

    def _m_sendLocation(self, params: dict) -> tuple[int, dict]:
        return self._send("sendLocation", params, None, None)

    def _edit(self, params: dict, change: dict) -> tuple[int, dict]:
        key = (params.get("chat_id"), params.get("message_id"))
        message = self._messages.get(cast(tuple[int, int], key))  # the request's ids: a missing one finds nothing
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        # Edits count against the chat's and the overall limits, as Telegram counts them.
        wait = self._limit(params.get("chat_id"), self.clock())
        if wait is not None:
            return _error(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        current = {"text": message.text, "reply_markup": message.reply_markup}
        if all(current[k] == v for k, v in change.items()):
            return _error(400, "Bad Request: message is not modified: specified new message content and reply "
                               "markup are exactly the same as a current content and reply markup of the message")
        message.text = change.get("text", message.text)
        message.reply_markup = change.get("reply_markup", message.reply_markup)
        message.edits.append({**change, "date": int(time.time())})
        return _ok(self._message_dict(message))

    def _m_editMessageText(self, params: dict) -> tuple[int, dict]:
        text = params.get("text") or ""
        if params.get("parse_mode") == "HTML" and (problem := html_problem(text)):
            return _error(400, f"Bad Request: can't parse entities: {problem}")
        return self._edit(params, {"text": text, "reply_markup": params.get("reply_markup")})

    def _m_editMessageReplyMarkup(self, params: dict) -> tuple[int, dict]:
        return self._edit(params, {"reply_markup": params.get("reply_markup")})

    def _m_leaveChat(self, params: dict) -> tuple[int, dict]:
        self.left_chats.append(int(params["chat_id"]))
        return _ok(True)

    def _m_answerCallbackQuery(self, params: dict) -> tuple[int, dict]:
        # Not a message: Telegram does not count callback answers against the message limits.
        self.answered_callbacks.append(params)
        return _ok(True)

    def _m_getFile(self, params: dict) -> tuple[int, dict]:
        file_id = params.get("file_id")
        if file_id not in self._files:
            return _error(400, "Bad Request: invalid file_id")
        return _ok(
            {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(self._files[file_id]),
             "file_path": f"photos/{file_id}.jpg"}
        )

    def file_bytes(self, path: str) -> bytes | None:
        """The bytes behind a getFile path, as served under base_file_url."""
        with self._lock:
            name = path.rsplit("/", 1)[-1].removesuffix(".jpg")
            return self._files.get(name)
