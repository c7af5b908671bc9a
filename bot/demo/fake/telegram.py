"""A fake Telegram Bot API server on 127.0.0.1 that PTB drives through `telegram.base_url`.

It runs a `ThreadingHTTPServer` in a daemon thread, so it works from sync and async tests alike.
It enforces Telegram's limits where Telegram counts them, on receipt (429 with
`parameters.retry_after` past 30 calls/s overall, about 1/s per private chat with a short burst
tolerated, 20/min per group; sends and edits count per chat and overall), injects
failures on demand (403 blocked, 400 chat not found, 5xx, refused connections, slow answers, a
round-trip latency with jitter),
lets tests inject user updates and records what the bot sent, in order, per chat.
Unknown methods answer 404 and are recorded, so a test that calls one fails (like PTB's
`OfflineRequest`): the `fake_tg` fixture asserts none were called.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from bot.demo.fake.methods import BotApiMethods
from bot.demo.fake.records import (
    BOT_ID,
    BOT_USER,
    BOT_USERNAME,
    ERRORS,
    SEND_METHODS,
    TOKEN,
    Call,
    FakeTelegramError,
    SentMessage,
    _Rule,
)
from bot.demo.fake.updates import UpdateBuilders
from bot.demo.fake.wire import Handler, Server, error as _error, html_problem

# The public API stays importable from here (tests, bench/fanout.py, bot/demo.py).
__all__ = [
    "BOT_ID", "BOT_USERNAME", "ERRORS", "TOKEN", "Call", "FakeTelegram", "FakeTelegramError", "SentMessage",
    "fake_settings", "html_problem", "serve_in_child",
]


class FakeTelegram(UpdateBuilders, BotApiMethods):
    """The server and its state; `start()`/`stop()` or use as a context manager."""

    def __init__(
        self,
        *,
        limits: bool = True,
        rate: int = 30,
        per_chat_interval: float = 1.0,
        chat_burst: int = 3,
        group_per_minute: int = 20,
        token: str = TOKEN,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.token = token
        # The rate limits' clock (seconds); tests of the limits freeze it so a busy machine cannot
        # spread a burst over two windows.
        self.clock = clock
        self.limits = limits
        self.rate = rate
        self.per_chat_interval = per_chat_interval
        self.chat_burst = chat_burst
        self.group_per_minute = group_per_minute
        self.rtt = 0.0
        self.rtt_jitter = 0.3
        self._rng = random.Random(0)
        self.refusing = False
        self._lock = threading.Condition()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._port: int | None = None
        # What the bot did.
        self.calls: list[Call] = []
        self.sent: list[SentMessage] = []
        self.unknown_methods: list[str] = []
        self.answered_callbacks: list[dict] = []
        self.left_chats: list[int] = []
        self.menus: dict[tuple, list[dict]] = {}
        self.http_429 = 0
        # Chats of the calls that broke a limit (429s the fake chose, not scripted ones).
        self.limit_breaks: list[int | None] = []
        # Chat state.
        self._message_ids: dict[int, itertools.count] = {}
        self._messages: dict[tuple[int, int], SentMessage] = {}
        self._user_messages: dict[tuple[int, int], dict] = {}
        self._blocked: set[int] = set()
        self._missing: set[int] = set()
        self._rules: list[_Rule] = []
        self._window: deque[float] = deque()
        # Per private chat: the theoretical arrival time of the next message (GCRA); per group: a minute of sends.
        self._chat_tat: dict[int, float] = {}
        self._group_window: dict[int, deque[float]] = {}
        # Updates for getUpdates.
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._files: dict[str, bytes] = {}
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)

    # -- lifecycle --------------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeTelegram:
        """Listen on 127.0.0.1 on a free port (or `port`) and serve in a daemon thread."""
        fake = self

        class FakeHandler(Handler):
            server_fake = fake

        self._server = Server(("127.0.0.1", port), FakeHandler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._port = self._server.server_address[1]
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
        assert self._port is not None, "start() the fake first"
        return self._port

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

    def latency(self, rtt_ms: float, jitter: float = 0.3, seed: int = 0) -> None:
        """Every request takes a round trip of `rtt_ms` (± `jitter`): half before the fake receives
        (and counts) it, half after it answered."""
        with self._lock:
            self.rtt = rtt_ms / 1000
            self.rtt_jitter = jitter
            self._rng = random.Random(seed)

    def refuse_connections(self) -> None:
        """Telegram unreachable: the port stops listening and open connections are dropped unanswered."""
        with self._lock:
            self.refusing = True
            server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def accept_connections(self) -> None:
        """Telegram reachable again, on the same port."""
        with self._lock:
            self.refusing = False
        if self._server is None:
            assert self._port is not None  # refused after start(), which chose the port
            self.start(self._port)

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
            self.limit_breaks.clear()
            self._window.clear()
            self._chat_tat.clear()
            self._group_window.clear()
            self._rules.clear()
            if limits is not None:
                self.limits = limits

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

    def _limit(self, chat_id: int | None, now: float) -> int | None:
        """Seconds to wait if this call breaks a limit, else None (and the call is counted)."""
        wait = self._over_limit(chat_id, now)
        if wait is not None:
            self.limit_breaks.append(chat_id)
        return wait

    def _over_limit(self, chat_id: int | None, now: float) -> int | None:
        if not self.limits:
            return None
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        if isinstance(chat_id, int) and chat_id < 0:
            sent = self._group_window.setdefault(chat_id, deque())
            while sent and now - sent[0] >= 60.0:
                sent.popleft()
            if len(sent) >= self.group_per_minute:
                return max(1, math.ceil(60.0 - (now - sent[0])))
        elif isinstance(chat_id, int):
            # Telegram tolerates a short burst in a private chat, then about one message per second.
            tat = max(self._chat_tat.get(chat_id, now), now)
            over = tat - now - (self.chat_burst - 1) * self.per_chat_interval
            if over > 0:
                return max(1, math.ceil(over))
        if len(self._window) >= self.rate:
            return max(1, math.ceil(1.0 - (now - self._window[0])))
        self._window.append(now)
        if isinstance(chat_id, int) and chat_id < 0:
            self._group_window[chat_id].append(now)
        elif isinstance(chat_id, int):
            self._chat_tat[chat_id] = max(self._chat_tat.get(chat_id, now), now) + self.per_chat_interval
        return None

    def handle(self, method: str, params: dict) -> tuple[int, dict]:
        """Answer one API call: (HTTP status, JSON body). Called by the HTTP handler thread.

        With a latency set, half the round trip passes before the fake receives (and counts) the
        call, half after; a slow answer is computed (and counted) at once, then held back.
        """
        chat_id = params.get("chat_id")
        with self._lock:
            one_way = self.rtt * self._rng.uniform(1 - self.rtt_jitter, 1 + self.rtt_jitter) / 2 if self.rtt else 0.0
        if one_way and method != "getUpdates":
            time.sleep(one_way)
        delay = 0.0
        with self._lock:
            rule = self._rule_for(method, chat_id)
            if rule is not None and rule.error == "slow":
                delay, rule = rule.delay, None
            status, body = self._answer(method, params, chat_id, rule)
            self.calls.append(Call(method, params, status, time.monotonic()))
            if status == 429:
                self.http_429 += 1
            self._lock.notify_all()
        if method != "getUpdates" and (delay or one_way):
            time.sleep(delay + one_way)
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

def serve_in_child(conn: Any, limits: bool = True) -> None:
    """Run the fake in a child process driven over a multiprocessing pipe (benchmarks: own CPU, own GIL).

    Commands: ("reset", limits) -> True; ("latency", rtt_ms) -> True; ("sent",) -> [(chat_id, at)], http_429;
    ("stop",).
    """
    fake = FakeTelegram(limits=limits).start()
    conn.send((fake.base_url, fake.token))
    while True:
        command, *args = conn.recv()
        if command == "reset":
            fake.reset(limits=args[0])
            conn.send(True)
        elif command == "latency":
            fake.latency(args[0])
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
    if "delivery" not in overrides:
        # Pace per chat as this fake counts (a fake without per-chat limits gets no per-chat pacing).
        from bot.settings import DeliverySettings

        per_chat = fake.per_chat_interval if fake.limits else 0.0
        overrides["delivery"] = DeliverySettings(per_chat_interval_seconds=per_chat)
    return Settings(telegram=telegram, **overrides)
