"""Feed health: when each feed was tried, last worked, last changed, and how often it failed in a row."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlite_utils import Database

from subscribers.timeutil import from_db, to_db


class FeedHealth(BaseModel):
    """One feed's health row."""

    feed: str
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_change: datetime | None = None
    consecutive_failures: int = 0
    last_error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    healthy: bool = True


def get_health(db: Database, feed: str) -> FeedHealth | None:
    """The health row of a feed, or None if it was never polled."""
    rows = list(db.query("select * from feed_health where feed = ?", [feed]))
    return _health(rows[0]) if rows else None


def all_health(db: Database) -> dict[str, FeedHealth]:
    """Every feed's health row by feed name."""
    return {r["feed"]: _health(r) for r in db.query("select * from feed_health order by feed")}


def _health(row: dict[str, Any]) -> FeedHealth:
    return FeedHealth(
        feed=row["feed"],
        last_attempt=from_db(row["last_attempt"]),
        last_success=from_db(row["last_success"]),
        last_change=from_db(row["last_change"]),
        consecutive_failures=row["consecutive_failures"] or 0,
        last_error=row["last_error"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        content_hash=row["content_hash"],
        healthy=bool(row["healthy"]),
    )


def _save(db: Database, health: FeedHealth) -> None:
    db.table("feed_health").upsert(
        {
            "feed": health.feed,
            "last_attempt": to_db(health.last_attempt) if health.last_attempt else None,
            "last_success": to_db(health.last_success) if health.last_success else None,
            "last_change": to_db(health.last_change) if health.last_change else None,
            "consecutive_failures": health.consecutive_failures,
            "last_error": health.last_error,
            "etag": health.etag,
            "last_modified": health.last_modified,
            "content_hash": health.content_hash,
            "healthy": int(health.healthy),
        },
        pk="feed",
    )


def record_success(
    db: Database,
    feed: str,
    now: datetime,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    content_hash: str | None = None,
    not_modified: bool = False,
) -> FeedHealth:
    """A fetch worked (a 304 keeps the validators and counts as no change)."""
    health = get_health(db, feed) or FeedHealth(feed=feed)
    update: dict[str, Any] = {"last_attempt": now, "last_success": now, "consecutive_failures": 0, "last_error": None}
    if not not_modified:
        if content_hash != health.content_hash or health.last_change is None:
            update["last_change"] = now
        update.update(etag=etag, last_modified=last_modified, content_hash=content_hash)
    health = health.model_copy(update=update)
    _save(db, health)
    return health


def record_failure(db: Database, feed: str, now: datetime, error: str) -> FeedHealth:
    """A fetch or parse failed: count it and keep the message."""
    health = get_health(db, feed) or FeedHealth(feed=feed)
    health = health.model_copy(
        update={"last_attempt": now, "consecutive_failures": health.consecutive_failures + 1, "last_error": error}
    )
    _save(db, health)
    return health


def set_healthy(db: Database, feed: str, healthy: bool) -> None:
    """Store the verdict of `is_healthy` (admins are told on a change, in a later issue)."""
    db.execute("update feed_health set healthy = ? where feed = ?", [int(healthy), feed])


def is_healthy(health: FeedHealth | None, now: datetime, *, max_failures: int, stale_after_minutes: int = 0) -> bool:
    """False after max_failures failures in a row, or when content has not changed for too long."""
    if health is None:
        return True  # never polled: nothing known to be wrong yet
    if health.consecutive_failures >= max_failures:
        return False
    if stale_after_minutes > 0:
        since = health.last_change or health.last_success
        if since is None or now - since > timedelta(minutes=stale_after_minutes):
            return False
    return True
