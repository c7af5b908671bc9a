"""A Telegram outage in progress, kept in the store so a restart during it still ends with one recovery notice."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlite_utils import Database

from subscribers.timeutil import from_db, to_db


class StoredOutage(BaseModel):
    """Telegram has been unreachable since `since` (with `pending` rows waiting when it began)."""

    since: datetime
    error: str
    pending: int


def save_outage(db: Database, outage: StoredOutage) -> None:
    """Remember the outage in progress (there is at most one)."""
    db.table("delivery_outage").upsert(
        {"id": 1, "since": to_db(outage.since), "error": outage.error, "pending": outage.pending}, pk="id"
    )


def load_outage(db: Database) -> StoredOutage | None:
    """The outage in progress, or None."""
    for row in db.query("select since, error, pending from delivery_outage where id = 1"):
        return StoredOutage(since=from_db(row["since"]), error=row["error"], pending=row["pending"])
    return None


def clear_outage(db: Database) -> None:
    """The outage is over."""
    db.execute("delete from delivery_outage")
