"""Warnings in force for a city, for /status.

Stand-in until the ingestion store (subscribers/warnings.py, issue 3) offers `warnings_in_force`;
it reads the `warnings` table as m001 defines it.
"""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel
from sqlite_utils import Database

from subscribers.timeutil import from_db, to_db


class WarningInForce(BaseModel):
    """One line of /status: what, how severe, from when until when."""

    id: int
    event: str
    headline: str = ""
    severity: str = "Unknown"
    sent: datetime
    starts: datetime
    expires: datetime | None = None


def warnings_in_force(db: Database, city_id: str, now: datetime) -> list[WarningInForce]:
    """Active, unexpired warnings whose cities include `city_id`, newest first."""
    rows = db.query(
        """
        select w.id, w.event, w.severity, w.sent, w.expires, w.parsed
        from warnings w
        where w.status = 'active'
          and (w.expires is null or w.expires > :now)
          and exists (select 1 from json_each(coalesce(w.cities, '[]')) where value = :city)
          -- an older version superseded by a newer one is not shown twice
          and not exists (select 1 from warnings n where n.supersedes = w.id and n.status = 'active')
        order by w.sent desc, w.id desc
        """,
        {"now": to_db(now), "city": city_id},
    )
    return [_from_row(row) for row in rows]


def _from_row(row: dict) -> WarningInForce:
    parsed = _parsed(row["parsed"])
    sent = from_db(row["sent"])
    starts = _time(parsed.get("onset")) or _time(parsed.get("effective")) or sent
    return WarningInForce(
        id=row["id"],
        event=row["event"] or parsed.get("event") or "",
        headline=parsed.get("headline") or "",
        severity=row["severity"] or "Unknown",
        sent=sent,
        starts=starts,
        expires=from_db(row["expires"]),
    )


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def warning_title(db: Database, warning_id: int) -> str | None:
    """A warning's headline, else its event, for naming it in a report."""
    row = next(iter(db.query("select event, parsed from warnings where id = ?", [warning_id])), None)
    if row is None:
        return None
    return _parsed(row["parsed"]).get("headline") or row["event"] or None


def _parsed(text: str | None) -> dict:
    try:
        parsed = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
