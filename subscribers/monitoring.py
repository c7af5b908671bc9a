"""Read-only figures for monitoring (/metrics and /healthz): outbox depth and age, leaders, acknowledgements,
help requests not yet done."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlite_utils import Database

from subscribers.outbox import counts
from subscribers.timeutil import from_db, to_db
from subscribers.warnings import IN_FORCE, LATEST


class StoreFigures(BaseModel):
    """What the store says about delivery and leaders at one moment."""

    outbox_by_status: dict[str, int]
    oldest_pending_at: datetime | None
    oldest_due_at: datetime | None
    leaders: dict[tuple[str, str], int]
    acknowledgements: int
    # Help requests open or taken, by (city, status); a drill's are practice and left out.
    help_requests: dict[tuple[str, str], int] = {}


def oldest_due_at(db: Database, now: datetime) -> datetime | None:
    """When the longest-waiting due row became due: pending and its (re)try time has come (a row
    waiting out retry_after is not late)."""
    due = next(
        iter(
            db.query(
                "select min(coalesce(next_attempt_at, created_at)) as at from outbox where status = 'pending'"
                " and (next_attempt_at is null or next_attempt_at <= ?)",
                [to_db(now)],
            )
        )
    )
    return from_db(due["at"])


def store_figures(db: Database, now: datetime) -> StoreFigures:
    """Outbox rows per status, the oldest pending and oldest due rows, leaders per (city, state), acks,
    help requests not yet done per (city, status)."""
    pending = next(iter(db.query("select min(created_at) as at from outbox where status in ('pending', 'sending')")))
    leaders = {
        (row["city_id"], "active" if row["active"] else "inactive"): row["n"]
        for row in db.query("select city_id, active, count(*) as n from leaders group by city_id, active")
    }
    acks = next(iter(db.query("select count(*) as n from acknowledgements")))["n"]
    help_sql = (
        "select h.city_id, h.status, count(*) as n from help_requests h join checkin_rounds r on r.id = h.round_id"
        " where h.status in ('open', 'taken') and r.drill = 0 group by h.city_id, h.status"
    )
    help_requests = {(row["city_id"], row["status"]): row["n"] for row in db.query(help_sql)}
    return StoreFigures(
        outbox_by_status=counts(db),
        oldest_pending_at=from_db(pending["at"]),
        oldest_due_at=oldest_due_at(db, now),
        leaders=leaders,
        acknowledgements=acks,
        help_requests=help_requests,
    )


def in_force_by_severity(db: Database, now: datetime) -> dict[str, int]:
    """Warnings in force now that cover at least one city (latest version of each), counted by severity."""
    sql = (
        "select coalesce(severity, 'Unknown') as severity, count(*) as n from warnings"
        f" where {IN_FORCE} and {LATEST}"
        " and json_array_length(coalesce(cities, '[]')) > 0"
        " and coalesce(cap_status, 'Actual') = 'Actual'"
        " group by 1"
    )
    return {row["severity"]: row["n"] for row in db.query(sql, [to_db(now)])}
