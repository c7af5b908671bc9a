"""What the fake Telegram server holds and answers with: the bot's identity, injectable errors, sent messages, calls."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    # Not a refusal of this message, not a network fault either: tried max_attempts times.
    "conflict": (409, "Conflict: terminated by other getUpdates request"),
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
