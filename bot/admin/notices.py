"""One admin notice, as the chat's /broadcast and the shell's `floodbot broadcast` both send it.

`prepare` checks the text and the cities and renders the message exactly as leaders get it (the
preview); `send` records the notice, audits it and queues its outbox rows in one transaction. No
Telegram here: each caller tells its admin about errors in its own words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from bot.admin import texts
from subscribers import audit
from subscribers.notices import ALL_CITIES, create_notice

ACTION = "broadcast"


class NoticeError(ValueError):
    """A notice that cannot be sent as asked; the subclass says why."""


class EmptyNoticeError(NoticeError):
    """The text is empty or only spaces."""

    def __init__(self) -> None:
        super().__init__("the text is empty")


class NoticeTooLongError(NoticeError):
    """The text does not fit in one Telegram message with the notice header."""

    def __init__(self, length: int, limit: int = texts.NOTICE_MAX_TEXT) -> None:
        super().__init__(f"the text has {length} characters; at most {limit}")
        self.length = length
        self.limit = limit


class NoticeCityError(NoticeError):
    """A city id that is not configured."""

    def __init__(self, city: str, known: Sequence[str]) -> None:
        super().__init__(f"unknown city {city!r}")
        self.city = city
        self.known = list(known)


@dataclass(frozen=True)
class Notice:
    """A checked notice: the message exactly as leaders get it (HTML) and its cities (None = every city)."""

    message: str
    cities: list[str] | None


def check_text(text: str) -> str:
    """The message leaders get for `text`; raises EmptyNoticeError or NoticeTooLongError."""
    if not text.strip():
        raise EmptyNoticeError()
    # Counted as written (before the strip), as the limit was always counted.
    if len(text) > texts.NOTICE_MAX_TEXT:
        raise NoticeTooLongError(len(text))
    return texts.notice_message(text)


def check_cities(cities: Sequence[str] | None, known: Sequence[str]) -> list[str] | None:
    """None for every city, else the ids as given, deduplicated in order; raises NoticeCityError."""
    if cities is None:
        return None
    if not cities:
        raise NoticeError("no city chosen")
    for city in cities:
        if city not in known:
            raise NoticeCityError(city, known)
    return list(dict.fromkeys(cities))


def prepare(text: str, cities: Sequence[str] | None, known: Sequence[str]) -> Notice:
    """Check the text, then the cities (ids among `known`, None = all); the notice ready to preview or send."""
    message = check_text(text)
    return Notice(message=message, cities=check_cities(cities, known))


def send(db: Database, notice: Notice, actor: str, now: datetime) -> tuple[int, int]:
    """Record the notice, audit it as `actor` and queue a row per active leader, in one transaction; (id, rows)."""
    with db.atomic():
        notice_id, rows = create_notice(db, notice.message, notice.cities, actor, now)
        cities = notice.cities if notice.cities is not None else [ALL_CITIES]
        audit.record(db, now, actor, ACTION, notice_id=notice_id, cities=cities, recipients=rows)
    return notice_id, rows
