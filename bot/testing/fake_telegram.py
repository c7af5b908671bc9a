"""A fake Telegram Bot API server on 127.0.0.1 that PTB drives through `telegram.base_url`.

It runs a `ThreadingHTTPServer` in a daemon thread, so it works from sync and async tests alike.
It enforces Telegram's limits (429 with `parameters.retry_after` past 30 messages/s overall or
1/s per chat), injects failures on demand (403 blocked, 400 chat not found, 5xx, slow replies),
lets tests inject user updates and records what the bot sent, in order, per chat.
Unknown methods answer 404 and are recorded, so a test that calls one fails (like PTB's
`OfflineRequest`): the `fake_tg` fixture asserts none were called.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.testing.telegram_wire import Handler, Server, error as _error, html_problem, ok as _ok

TOKEN = "123456789:TEST-fake-token"
BOT_ID = 123456789
BOT_USERNAME = "floodbot_test_bot"
BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "floodbot",
    "username": BOT_USERNAME,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}

# Methods that count against the 30/s and 1/s-per-chat limits (Telegram counts messages sent).
SEND_METHODS = {"sendMessage", "sendPhoto", "sendLocation"}
# Injectable failures: (HTTP status, description, extra parameters).
ERRORS = {
    "blocked": (403, "Forbidden: bot was blocked by the user"),
    "deactivated": (403, "Forbidden: user is deactivated"),
    "chat_not_found": (400, "Bad Request: chat not found"),
    "bad_request": (400, "Bad Request: can't parse entities: unsupported start tag"),
    "server_error": (500, "Internal Server Error"),
    "bad_gateway": (502, "Bad Gateway"),
    "flood": (429, "Too Many Requests: retry after 3"),
}


@dataclass
class SentMessage:
    """A message the bot sent, as the fake holds it (edits change it in place and are logged)."""

    chat_id: int
    message_id: int
    method: str
    text: str | None
    parse_mode: str | None
    reply_to: int | None
    reply_markup: dict | None
    date: int
    photo: str | None = None
    edits: list[dict] = field(default_factory=list)
    at: float = 0.0  # time.monotonic() when the fake accepted it (benchmarks measure delivery time)

    def buttons(self) -> list[tuple[str, str | None]]:
        """(text, callback_data) of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data")) for row in rows for b in row]


@dataclass
class Call:
    """One request the fake received: method, parameters and the HTTP status it answered."""

    method: str
    params: dict
    status: int
    at: float


@dataclass
class _Rule:
    error: str
    chat_id: int | None
    method: str | None
    times: int | None  # None: forever
    delay: float = 0.0
    retry_after: int = 3


class FakeTelegramError(Exception):
    """The fake was asked for something it cannot do (a test mistake)."""


class FakeTelegram:
    """The server and its state; `start()`/`stop()` or use as a context manager."""

    def __init__(self, *, limits: bool = True, rate: int = 30, per_chat_interval: float = 1.0, token: str = TOKEN):
        self.token = token
        self.limits = limits
        self.rate = rate
        self.per_chat_interval = per_chat_interval
        self._lock = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        # What the bot did.
        self.calls: list[Call] = []
        self.sent: list[SentMessage] = []
        self.unknown_methods: list[str] = []
        self.answered_callbacks: list[dict] = []
        self.commands: list[dict] = []
        self.http_429 = 0
        # Chat state.
        self._message_ids: dict[int, itertools.count] = {}
        self._messages: dict[tuple[int, int], SentMessage] = {}
        self._user_messages: dict[tuple[int, int], dict] = {}
        self._blocked: set[int] = set()
        self._missing: set[int] = set()
        self._rules: list[_Rule] = []
        self._window: deque[float] = deque()
        self._last_per_chat: dict[int, float] = {}
        # Updates for getUpdates.
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._files: dict[str, bytes] = {}
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        """Listen on 127.0.0.1 on a free port and serve in a daemon thread."""
        fake = self

        class FakeHandler(Handler):
            server_fake = fake

        self._server = Server(("127.0.0.1", 0), FakeHandler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-telegram", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; long polls return at once."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        assert self._server is not None, "start() the fake first"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """What `telegram.base_url` should be."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """What `telegram.base_file_url` should be."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- injection --------------------------------------------------------------------------

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: every send to this chat answers 403."""
        with self._lock:
            self._blocked.add(chat_id)

    def forget_chat(self, chat_id: int) -> None:
        """The chat no longer exists: every send answers 400 "chat not found"."""
        with self._lock:
            self._missing.add(chat_id)

    def fail(
        self,
        error: str,
        *,
        chat_id: int | None = None,
        method: str | None = "sendMessage",
        times: int | None = 1,
        retry_after: int = 3,
    ) -> None:
        """The next `times` matching requests fail with `error` (a key of ERRORS); None = forever."""
        if error not in ERRORS:
            raise FakeTelegramError(f"unknown error {error!r}; one of {sorted(ERRORS)}")
        with self._lock:
            self._rules.append(_Rule(error, chat_id, method, times, retry_after=retry_after))

    def slow(self, seconds: float, *, chat_id: int | None = None, method: str | None = "sendMessage",
             times: int | None = 1) -> None:
        """The next `times` matching requests are answered only after `seconds`."""
        with self._lock:
            self._rules.append(_Rule("slow", chat_id, method, times, delay=seconds))

    def clear_failures(self) -> None:
        """Forget every injected failure, block and missing chat."""
        with self._lock:
            self._rules.clear()
            self._blocked.clear()
            self._missing.clear()

    def reset(self, *, limits: bool | None = None) -> None:
        """Forget what was sent, the limit windows and failures (between benchmark runs)."""
        with self._lock:
            self.calls.clear()
            self.sent.clear()
            self.http_429 = 0
            self._window.clear()
            self._last_per_chat.clear()
            self._rules.clear()
            if limits is not None:
                self.limits = limits

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
            file_id = f"file{next(self._file_ids)}"
            self._files[file_id] = data
            return file_id

    # -- reading what was sent -------------------------------------------------------------

    def messages(self, chat_id: int | None = None) -> list[SentMessage]:
        """Messages the bot sent (to one chat, or all), in the order the fake accepted them."""
        with self._lock:
            return [m for m in self.sent if chat_id is None or m.chat_id == chat_id]

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        """One message the bot sent, as it is now (after edits)."""
        with self._lock:
            return self._messages[(chat_id, message_id)]

    def method_calls(self, method: str) -> list[Call]:
        """Requests for one method, in order."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def pending_updates(self) -> int:
        """Updates injected but not yet confirmed by getUpdates with a later offset."""
        with self._lock:
            return len(self._updates)

    def wait_until(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Block until `condition()` is true (checked whenever the fake changes), or fail."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("fake Telegram: condition not met before the deadline")
                self._lock.wait(min(left, 0.05))

    async def until(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Async version of `wait_until` (polls on the loop against a deadline)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("fake Telegram: condition not met before the deadline")
            await asyncio.sleep(0.01)

    # -- the API ----------------------------------------------------------------------------

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _message_dict(self, message: SentMessage) -> dict:
        out: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": self._chat(message.chat_id),
            "from": BOT_USER,
        }
        if message.text is not None:
            key = "caption" if message.method == "sendPhoto" else "text"
            out[key] = message.text
        if message.photo is not None:
            out["photo"] = [{"file_id": message.photo, "file_unique_id": f"u{message.photo}", "width": 1, "height": 1}]
        # Telegram's Message.reply_markup only ever holds an inline keyboard; a reply keyboard or
        # ReplyKeyboardRemove is never echoed back (PTB would fail to read it).
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            out["reply_markup"] = message.reply_markup
        if message.edits:
            out["edit_date"] = message.edits[-1]["date"]
        return out

    def _rule_for(self, method: str, chat_id: int | None) -> _Rule | None:
        for rule in self._rules:
            if (rule.method is None or rule.method == method) and (rule.chat_id is None or rule.chat_id == chat_id):
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self._rules.remove(rule)
                return rule
        return None

    def _limit(self, chat_id: int, now: float) -> int | None:
        """Seconds to wait if this send breaks a limit, else None (and the send is counted)."""
        if not self.limits:
            return None
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        last = self._last_per_chat.get(chat_id)
        if last is not None and now - last < self.per_chat_interval:
            return max(1, math.ceil(self.per_chat_interval - (now - last)))
        if len(self._window) >= self.rate:
            return max(1, math.ceil(1.0 - (now - self._window[0])))
        self._window.append(now)
        self._last_per_chat[chat_id] = now
        return None

    def handle(self, method: str, params: dict) -> tuple[int, dict]:
        """Answer one API call: (HTTP status, JSON body). Called by the HTTP handler thread."""
        chat_id = params.get("chat_id")
        delay = 0.0
        with self._lock:
            rule = self._rule_for(method, chat_id)
            if rule is not None and rule.error == "slow":
                delay, rule = rule.delay, None
        if delay:
            time.sleep(delay)
        with self._lock:
            status, body = self._answer(method, params, chat_id, rule)
            self.calls.append(Call(method, params, status, time.monotonic()))
            if status == 429:
                self.http_429 += 1
            self._lock.notify_all()
        return status, body

    def _answer(self, method: str, params: dict, chat_id: Any, rule: _Rule | None) -> tuple[int, dict]:
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        if rule is not None:
            code, description = ERRORS[rule.error]
            if code == 429:
                return _error(429, f"Too Many Requests: retry after {rule.retry_after}", retry_after=rule.retry_after)
            return _error(code, description)
        if method in SEND_METHODS or method.startswith("edit"):
            if chat_id in self._blocked:
                return _error(*ERRORS["blocked"])
            if chat_id in self._missing or not isinstance(chat_id, int):
                return _error(*ERRORS["chat_not_found"])
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            self.unknown_methods.append(method)
            return _error(404, "Not Found")
        return handler(params)

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        # Telegram forgets updates below the offset: they are confirmed.
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        while not self._updates and not self._stopping:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._lock.wait(left)
        return self._updates[:limit]

    def _m_getMe(self, params: dict) -> tuple[int, dict]:
        return _ok(BOT_USER)

    def _m_deleteWebhook(self, params: dict) -> tuple[int, dict]:
        return _ok(True)

    def _m_setMyCommands(self, params: dict) -> tuple[int, dict]:
        self.commands = list(params.get("commands") or [])
        return _ok(True)

    def _m_getMyCommands(self, params: dict) -> tuple[int, dict]:
        return _ok(self.commands)

    def _m_deleteMyCommands(self, params: dict) -> tuple[int, dict]:
        self.commands = []
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
        reply_to, problem = self._check_reply(chat_id, params)
        if problem:
            return problem
        wait = self._limit(chat_id, time.monotonic())
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
            at=time.monotonic(),
        )
        self.sent.append(message)
        self._messages[(chat_id, message.message_id)] = message
        out = self._message_dict(message)
        if reply_to is not None:
            replied = self._messages.get((chat_id, reply_to))
            out["reply_to_message"] = self._message_dict(replied) if replied else self._user_messages[(chat_id, reply_to)]
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

    def add_file_unlocked(self, data: bytes) -> str:
        file_id = f"file{next(self._file_ids)}"
        self._files[file_id] = data
        return file_id

    def _m_sendLocation(self, params: dict) -> tuple[int, dict]:
        return self._send("sendLocation", params, None, None)

    def _edit(self, params: dict, change: dict) -> tuple[int, dict]:
        key = (params.get("chat_id"), params.get("message_id"))
        message = self._messages.get(key)
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
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

    def _m_answerCallbackQuery(self, params: dict) -> tuple[int, dict]:
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


def serve_in_child(conn: Any, limits: bool = True) -> None:
    """Run the fake in a child process driven over a multiprocessing pipe (benchmarks: own CPU, own GIL).

    Commands: ("reset", limits) -> True; ("sent",) -> [(chat_id, at)], http_429; ("stop",).
    """
    fake = FakeTelegram(limits=limits).start()
    conn.send((fake.base_url, fake.token))
    while True:
        command, *args = conn.recv()
        if command == "reset":
            fake.reset(limits=args[0])
            conn.send(True)
        elif command == "sent":
            with fake._lock:
                conn.send(([(m.chat_id, m.at) for m in fake.sent], fake.http_429))
        elif command == "stop":
            fake.stop()
            conn.send(True)
            return


def fake_settings(fake: FakeTelegram, **overrides: Any):
    """Settings pointing at the fake (token, base URLs, an admin chat); keyword args override top-level keys."""
    from bot.settings import Settings, TelegramSettings

    telegram = TelegramSettings(
        token=fake.token,
        base_url=fake.base_url,
        base_file_url=fake.base_file_url,
        bot_username=BOT_USERNAME,
        admin_ids=[900001],
        admin_chat_id=-100900,
    )
    return Settings(telegram=telegram, **overrides)
