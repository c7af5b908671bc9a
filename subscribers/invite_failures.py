"""Wrong invite codes per chat: the counter behind the guessing limit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlite_utils import Database

from subscribers.timeutil import from_db, to_db


def record_failure(db: Database, chat_id: int, now: datetime) -> None:
    """Count one wrong code from this chat."""
    db.table("invite_failures").insert({"chat_id": chat_id, "at": to_db(now)})


def failures_since(db: Database, chat_id: int, since: datetime) -> list[datetime]:
    """Times of this chat's wrong codes after `since`, oldest first."""
    rows = db.query(
        "select at from invite_failures where chat_id = ? and at > ? order by at",
        [chat_id, to_db(since)],
    )
    return [cast(datetime, from_db(row["at"])) for row in rows]  # `at` is NOT NULL


def locked_until(db: Database, chat_id: int, now: datetime, limit: int, window: timedelta) -> datetime | None:
    """When this chat may try a code again, or None if it may try now (`limit` wrong codes per `window`)."""
    recent = failures_since(db, chat_id, now - window)
    if len(recent) < limit:
        return None
    # The chat is free once enough of the recent failures have aged out of the window.
    return recent[len(recent) - limit] + window


def prune_failures(db: Database, before: datetime) -> int:
    """Forget wrong codes older than `before`; returns how many rows went."""
    return db.execute("delete from invite_failures where at < ?", [to_db(before)]).rowcount
