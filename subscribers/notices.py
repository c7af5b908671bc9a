"""Notices (admin broadcasts, recurring notices) and their fan-out into the outbox.

Rows go through `subscribers.outbox.enqueue`, so the delivery worker sends them like any other.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from pydantic import BaseModel
from sqlite_utils import Database

from subscribers import outbox
from subscribers.leaders import active_leaders
from subscribers.timeutil import from_db, to_db

ALL_CITIES = "all"


class Recipient(BaseModel):
    chat_id: int
    city_id: str
    text: str


class Progress(BaseModel):
    """Where a notice's delivery stands, counted from its outbox rows."""

    total: int = 0
    delivered: int = 0
    failed: int = 0
    blocked: int = 0
    pending: int = 0

    @property
    def done(self) -> int:
        """Rows that reached an end state."""
        return self.delivered + self.failed + self.blocked

    @property
    def finished(self) -> bool:
        """Nothing is left to send."""
        return self.pending == 0


def resolve_cities(db: Database, cities: Iterable[str]) -> list[str] | None:
    """None for every city (when "all" is given), else the ids as given, deduplicated in order."""
    ids = list(dict.fromkeys(cities))
    return None if ALL_CITIES in ids else ids


def enqueue_rows(db: Database, kind: str, ref_id: int, recipients: list[Recipient], now: datetime) -> int:
    """One pending outbox row per recipient through the outbox store; idempotent. Returns rows added."""
    priority = outbox.priority_for(kind)
    return outbox.enqueue(
        db,
        [
            outbox.OutboxItem(kind=kind, ref_id=ref_id, chat_id=r.chat_id, text=r.text, priority=priority)
            for r in recipients
        ],
        now,
    )


def create_notice(
    db: Database, text: str, cities: list[str] | None, created_by: str, now: datetime, kind: str = "notice"
) -> tuple[int, int]:
    """Store a notice and enqueue it to the active leaders of `cities` (None = all); (notice id, rows)."""
    with db.atomic():
        notice_id = cast(int, (
            db.table("notices")
            .insert(
                {
                    "kind": kind,
                    "text": text,
                    "cities": json.dumps(cities if cities is not None else [ALL_CITIES]),
                    "created_by": created_by,
                    "created_at": to_db(now),
                }
            )
            .last_pk
        ))
        recipients = [
            Recipient(chat_id=leader.chat_id, city_id=leader.city_id, text=text)
            for leader in active_leaders(db, cities)
        ]
        added = enqueue_rows(db, outbox.Kind.NOTICE, notice_id, recipients, now)
    return notice_id, added


def recipients_count(db: Database, cities: list[str] | None) -> int:
    """How many active leaders a notice to these cities would reach."""
    return len(active_leaders(db, cities))


def _is_blocked(row: dict[str, Any]) -> bool:
    # The worker marks 403/"chat not found" as failed or skipped and deactivates the leader.
    error = (row["last_error"] or "").lower()
    gone = ("blocked", "forbidden", "chat not found", "deactivated")
    return row["active"] == 0 or any(word in error for word in gone)


def progress(db: Database, kind: str, ref_id: int) -> Progress:
    """Counts of delivered, failed, blocked and pending rows of one notice or drill."""
    rows = db.query(
        "select o.status, o.last_error, l.active from outbox o join leaders l on l.chat_id = o.chat_id"
        " where o.kind = ? and o.ref_id = ?",
        [kind, ref_id],
    )
    result = Progress()
    for row in rows:
        result.total += 1
        if row["status"] == "sent":
            result.delivered += 1
        elif row["status"] in ("failed", "skipped"):
            if _is_blocked(row):
                result.blocked += 1
            else:
                result.failed += 1
        else:
            result.pending += 1
    return result


def last_run(db: Database, name: str) -> datetime | None:
    """The scheduled time of the last run of a recurring notice, if it ever ran."""
    row = next(iter(db.query("select max(fire_at) as at from notice_runs where name = ?", [name])), None)
    return from_db(row["at"]) if row and row["at"] else None


def claim_run(db: Database, name: str, fire_at: datetime, now: datetime) -> bool:
    """Mark one scheduled run of a recurring notice as taken; False if it already ran (restart, two jobs)."""
    cursor = db.execute(
        "insert or ignore into notice_runs (name, fire_at, ran_at) values (?, ?, ?)",
        [name, to_db(fire_at), to_db(now)],
    )
    return cursor.rowcount == 1


def link_run(db: Database, name: str, fire_at: datetime, notice_id: int) -> None:
    """Remember which notice a recurring run produced."""
    db.execute("update notice_runs set notice_id = ? where name = ? and fire_at = ?", [notice_id, name, to_db(fire_at)])
