"""When to ask: which Severe/Extreme warnings still need a check-in round, which ended ones a survey,
and who receives a survey. Each warning thread is asked once (a round or survey row marks it).

These are the decisions the dispatch side calls; sending goes through the outbox.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel
from sqlite_utils import Database

from subscribers.impact import thread_of
from subscribers.leaders import Livelihood
from subscribers.outbox import BUTTON_SEVERITIES, WARNED_KINDS
from subscribers.timeutil import from_db, to_db
from subscribers.warnings import IN_FORCE, SENDABLE_STATUSES, WarningStatus, in_force

URGENT = BUTTON_SEVERITIES  # Severe and above, the alerts that carry the รับทราบ button
# A warning ends by an all-clear, a cancel or its expiry (the statuses of subscribers.warnings).
ENDED = (WarningStatus.ENDED, WarningStatus.CANCELLED, WarningStatus.EXPIRED)


class Due(BaseModel):
    """A warning thread to ask about: its newest version and the cities it covered."""

    warning_id: int
    cities: list[str]


class SurveyRecipient(BaseModel):
    chat_id: int
    city_id: str
    livelihood: Livelihood


def _asked(db: Database, table: str, ids: list[int]) -> bool:
    marks = ", ".join("?" for _ in ids)
    return bool(db.execute(f"select 1 from {table} where warning_id in ({marks}) limit 1", ids).fetchone())


def _due(
    db: Database, sql: str, params: list[str], table: str, keep: Callable[[list[int]], bool] | None = None
) -> list[Due]:
    found: list[Due] = []
    seen: set[int] = set()
    for row in db.query(sql, params):
        if row["id"] in seen:
            continue
        ids = thread_of(db, row["id"])
        seen.update(ids)
        if _asked(db, table, ids) or (keep is not None and not keep(ids)):
            continue
        marks = ", ".join("?" for _ in ids)
        rows = db.query(f"select cities from warnings where id in ({marks})", ids)
        cities = sorted({c for r in rows for c in json.loads(r["cities"] or "[]")})
        found.append(Due(warning_id=max(ids), cities=cities))
    return found


def checkins_due(db: Database, now: datetime, since: datetime) -> list[Due]:
    """Severe/Extreme warnings in force, first seen since `since`, whose thread has no check-in round yet."""
    sql = (
        f"select id from warnings where severity in (?, ?) and first_seen >= ? and {IN_FORCE} order by id"
    )
    return _due(db, sql, [*URGENT, to_db(since), to_db(now)], "checkin_rounds")


def surveys_due(db: Database, since: datetime) -> list[Due]:
    """Warnings that ended (all-clear, cancel, expiry) since `since`, Severe or above in some version, with no
    survey yet, and sent to some leader (a warning nobody received has nobody to ask)."""
    sql = (
        f"select id from warnings where status in ({', '.join('?' for _ in ENDED)})"
        " and (coalesce(last_seen, first_seen) >= ? or expires >= ?) order by id"
    )
    params = [*ENDED, to_db(since), to_db(since)]
    return _due(db, sql, params, "survey_rounds", keep=lambda ids: _urgent_and_sent(db, ids))


def _urgent_and_sent(db: Database, ids: list[int]) -> bool:
    marks = ", ".join("?" for _ in ids)
    kinds = ", ".join("?" for _ in WARNED_KINDS)
    urgent = db.execute(f"select 1 from warnings where id in ({marks}) and severity in (?, ?) limit 1", [*ids, *URGENT])
    if not urgent.fetchone():
        return False
    sql = f"select 1 from outbox where ref_id in ({marks}) and kind in ({kinds}) and status = 'sent' limit 1"
    return bool(db.execute(sql, [*ids, *WARNED_KINDS]).fetchone())


def start_survey(db: Database, warning_id: int, now: datetime, started_by: str, drill: bool = False) -> bool:
    """Mark the thread's survey as started; False when it was already (one survey per thread)."""
    ids = thread_of(db, warning_id)
    with db.atomic():
        if _asked(db, "survey_rounds", ids):
            return False
        db.table("survey_rounds").insert(
            {"warning_id": warning_id, "started_by": started_by, "started_at": to_db(now), "drill": int(drill)}
        )
    return True


def survey_started_at(db: Database, warning_id: int) -> datetime | None:
    """When the survey of this warning's thread started, or None."""
    ids = thread_of(db, warning_id)
    marks = ", ".join("?" for _ in ids)
    row = db.execute(f"select min(started_at) from survey_rounds where warning_id in ({marks})", ids).fetchone()
    return from_db(row[0]) if row else None


def survey_recipients(db: Database, warning_id: int) -> list[SurveyRecipient]:
    """Active leaders who were sent any version of this warning, by city then chat id."""
    ids = thread_of(db, warning_id)
    marks = ", ".join("?" for _ in ids)
    kinds = ", ".join("?" for _ in WARNED_KINDS)
    sql = (
        "select distinct l.chat_id, l.city_id, l.livelihood from outbox o join leaders l on l.chat_id = o.chat_id"
        f" where o.ref_id in ({marks}) and o.kind in ({kinds}) and o.status = 'sent' and l.active = 1"
        " order by l.city_id, l.chat_id"
    )
    return [
        SurveyRecipient(chat_id=r["chat_id"], city_id=r["city_id"], livelihood=r["livelihood"] or Livelihood.OTHER)
        for r in db.query(sql, [*ids, *WARNED_KINDS])
    ]


def surveys_started(db: Database, since: datetime, now: datetime) -> list[int]:
    """Warnings whose survey started in (since, now]: the survey fan-out's work (a drill's starts later)."""
    sql = "select warning_id from survey_rounds where started_at > ? and started_at <= ? order by warning_id"
    return [r["warning_id"] for r in db.query(sql, [to_db(since), to_db(now)])]


def rounds_over(db: Database, now: datetime) -> list[int]:
    """Open check-in rounds started by a warning whose thread has no version in force any more (a drill's
    exercise warning is in force until it expires, at the drill's report time)."""
    over = []
    for row in db.query("select id, warning_id from checkin_rounds where closed_at is null and warning_id is not null"):
        ids = thread_of(db, row["warning_id"])
        marks = ", ".join("?" for _ in ids)
        sql = (
            f"select 1 from warnings where id in ({marks}) and {in_force(SENDABLE_STATUSES)}"
        )
        if not db.execute(sql, [*ids, to_db(now)]).fetchone():
            over.append(row["id"])
    return over
