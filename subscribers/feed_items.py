"""CAP index items already fetched, so a poll follows only links it has not seen (or that changed)."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from subscribers.timeutil import to_db


def seen_items(db: Database, feed: str) -> dict[str, str]:
    """guid -> the `updated` text it had when fetched ('' when the index gave none)."""
    rows = db.query("select guid, updated from feed_items where feed = ?", [feed])
    return {r["guid"]: r["updated"] or "" for r in rows}


def mark_seen(db: Database, feed: str, guid: str, updated: str, link: str, now: datetime) -> None:
    """Remember an index item as fetched and parsed."""
    db.table("feed_items").upsert(
        {"feed": feed, "guid": guid, "updated": updated, "link": link, "first_seen": to_db(now)}, pk=("feed", "guid")
    )
