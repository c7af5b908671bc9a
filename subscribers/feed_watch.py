"""Feed health as admins see it: each feed's state, and which state the admin chat was last told."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel
from sqlite_utils import Database

from subscribers.timeutil import from_db, to_db


class FeedState(StrEnum):
    OK = "ok"
    FAILING = "failing"
    STALE = "stale"
    UNKNOWN = "unknown"  # never polled yet


class FeedStatus(BaseModel):
    feed: str
    state: FeedState
    last_success: datetime | None = None
    last_change: datetime | None = None
    consecutive_failures: int = 0
    last_error: str | None = None


class FeedChange(BaseModel):
    """A state the admin chat has not been told yet."""

    status: FeedStatus
    previous: FeedState


def feed_status(
    db: Database, feed: str, stale_after: timedelta | None, now: datetime, max_failures: int = 1
) -> FeedStatus:
    """The state of one feed from its feed_health row: failing beats stale; no row is unknown."""
    row = next(iter(db.query("select * from feed_health where feed = ?", [feed])), None)
    if row is None:
        return FeedStatus(feed=feed, state=FeedState.UNKNOWN)
    last_change = from_db(row["last_change"]) or from_db(row["last_success"])
    failures = row["consecutive_failures"] or 0
    # The same rules as the poller's verdict (`healthy`), told apart so admins know what is wrong.
    if failures >= max_failures and failures > 0:
        state = FeedState.FAILING
    elif stale_after and (last_change is None or now - last_change > stale_after):
        state = FeedState.STALE
    elif not row["healthy"]:
        state = FeedState.FAILING
    else:
        state = FeedState.OK
    return FeedStatus(
        feed=feed,
        state=state,
        last_success=from_db(row["last_success"]),
        last_change=last_change,
        consecutive_failures=row["consecutive_failures"] or 0,
        last_error=row["last_error"],
    )


def last_notified(db: Database, feed: str) -> FeedState:
    """The state last pushed to the admin chat; OK when none was (a healthy start is not news)."""
    row = next(iter(db.query("select state from feed_health_notified where feed = ?", [feed])), None)
    return FeedState(row["state"]) if row else FeedState.OK


def changes(db: Database, statuses: list[FeedStatus]) -> list[FeedChange]:
    """The feeds whose state differs from what the admin chat was last told (unknown is never news)."""
    result = []
    for status in statuses:
        if status.state is FeedState.UNKNOWN:
            continue
        previous = last_notified(db, status.feed)
        if status.state is not previous:
            result.append(FeedChange(status=status, previous=previous))
    return result


def mark_notified(db: Database, feed: str, state: FeedState, now: datetime) -> None:
    """Remember that the admin chat now knows this state."""
    db.table("feed_health_notified").upsert({"feed": feed, "state": str(state), "notified_at": to_db(now)}, pk="feed")
