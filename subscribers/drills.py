"""Drills: an exercise warning sent to some cities, and who acknowledged it and how fast."""

from __future__ import annotations

import json
import statistics
from datetime import datetime, timedelta
from typing import Any, cast

from pydantic import BaseModel
from sqlite_utils import Database

from subscribers.leaders import active_leaders
from subscribers.notices import ALL_CITIES, Recipient, enqueue_rows
from subscribers.outbox import Kind
from subscribers.timeutil import from_db, to_db
from subscribers.warnings import NewVersion, WarningStatus, store_version

DRILL_FEED = "drill"
DRILL_SENDER = "floodbot"


class Drill(BaseModel):
    id: int
    warning_id: int
    cities: list[str] | None
    created_by: str
    started_at: datetime
    report_at: datetime
    reported_at: datetime | None = None


class LeaderResult(BaseModel):
    chat_id: int
    name: str
    city_id: str
    sent_at: datetime | None
    acked_at: datetime | None

    @property
    def seconds(self) -> float | None:
        """Seconds from sending (or the drill's start) to the acknowledgement."""
        if self.acked_at is None or self.sent_at is None:
            return None
        return max(0.0, (self.acked_at - self.sent_at).total_seconds())


class CityResult(BaseModel):
    """One city's drill outcome."""

    city_id: str
    leaders: list[LeaderResult]

    @property
    def acked(self) -> list[LeaderResult]:
        """Leaders who acknowledged, fastest first."""
        return sorted((r for r in self.leaders if r.acked_at), key=lambda r: r.seconds or 0.0)

    @property
    def missing(self) -> list[LeaderResult]:
        """Leaders who did not acknowledge."""
        return [r for r in self.leaders if r.acked_at is None]

    @property
    def median_seconds(self) -> float | None:
        """Median time to acknowledge, of those who did."""
        values = [r.seconds for r in self.acked if r.seconds is not None]
        return statistics.median(values) if values else None

    @property
    def slowest(self) -> LeaderResult | None:
        """The slowest leader who acknowledged."""
        return self.acked[-1] if self.acked else None


def _drill(row: dict[str, Any]) -> Drill:
    cities = json.loads(row["cities"])
    return Drill(
        id=row["id"],
        warning_id=row["warning_id"],
        cities=None if ALL_CITIES in cities else cities,
        created_by=row["created_by"] or "",
        started_at=from_db(row["started_at"]),
        report_at=from_db(row["report_at"]),
        reported_at=from_db(row["reported_at"]),
    )


def start_drill(
    db: Database,
    cities: list[str] | None,
    identifier: str,
    parsed_json: str,
    texts: dict[tuple[str, str], str],
    created_by: str,
    now: datetime,
    report_after: timedelta,
) -> tuple[Drill, int]:
    """Store the exercise warning and the drill, enqueue it (kind 'drill') to active leaders; (drill, rows).

    `texts` maps (city id, livelihood) to the message (rendered by the bot, as for a real alert).
    """
    with db.atomic():
        warning_id = store_version(
            db,
            NewVersion(
                feed=DRILL_FEED,
                sender=DRILL_SENDER,
                identifier=identifier,
                version="1",
                msg_type="Alert",
                cap_status="Exercise",
                # 'exercise' is the status the delivery worker sends (a contract with issue 3/5).
                status=WarningStatus.EXERCISE,
                event="drill",
                # Not Severe in the store: reminders and escalations would blur the measurement.
                severity="Unknown",
                sent=now,
                # Not sent after its report time: a late drill message would only confuse.
                expires=now + report_after,
                parsed=parsed_json,
                cities=cities if cities is not None else [ALL_CITIES],
            ),
            now,
        )
        drill_id = cast(int, (
            db.table("drills")
            .insert(
                {
                    "warning_id": warning_id,
                    "cities": json.dumps(cities if cities is not None else [ALL_CITIES]),
                    "created_by": created_by,
                    "started_at": to_db(now),
                    "report_at": to_db(now + report_after),
                }
            )
            .last_pk
        ))
        recipients = [
            Recipient(chat_id=leader.chat_id, city_id=leader.city_id, text=texts[(leader.city_id, leader.livelihood)])
            for leader in active_leaders(db, cities)
            if (leader.city_id, leader.livelihood) in texts
        ]
        # Like alerts, a drill's outbox rows point at its warning, so the ack button works unchanged.
        added = enqueue_rows(db, Kind.DRILL, warning_id, recipients, now)
    drill = get_drill(db, drill_id)
    assert drill is not None
    return drill, added


def get_drill(db: Database, drill_id: int) -> Drill | None:
    """The drill with this id."""
    row = next(iter(db.query("select * from drills where id = ?", [drill_id])), None)
    return _drill(row) if row else None


def due_reports(db: Database, now: datetime) -> list[Drill]:
    """Drills whose report time has come and that have not been reported."""
    rows = db.query("select * from drills where reported_at is null and report_at <= ? order by id", [to_db(now)])
    return [_drill(row) for row in rows]


def results(db: Database, drill: Drill) -> list[CityResult]:
    """Per city (sorted by id): each leader the drill was sent to, when, and when they acknowledged."""
    rows = db.query(
        "select o.chat_id, l.city_id, l.name, o.sent_at, a.acked_at from outbox o"
        " join leaders l on l.chat_id = o.chat_id"
        " left join acknowledgements a on a.warning_id = o.ref_id and a.chat_id = o.chat_id"
        f" where o.kind = '{Kind.DRILL}' and o.ref_id = ? order by l.city_id, o.chat_id",
        [drill.warning_id],
    )
    by_city: dict[str, list[LeaderResult]] = {}
    for row in rows:
        by_city.setdefault(row["city_id"], []).append(
            LeaderResult(
                chat_id=row["chat_id"],
                name=row["name"] or "",
                city_id=row["city_id"],
                # A row not yet marked sent is timed from the drill's start.
                sent_at=from_db(row["sent_at"]) or drill.started_at,
                acked_at=from_db(row["acked_at"]),
            )
        )
    return [CityResult(city_id=city, leaders=leaders) for city, leaders in sorted(by_city.items())]


def record_results(db: Database, drill: Drill, cities: list[CityResult], now: datetime) -> None:
    """Keep the per-leader results for the evaluation team and mark the drill reported."""
    with db.atomic():
        db.table("drill_results").upsert_all(
            (
                {
                    "drill_id": drill.id,
                    "chat_id": r.chat_id,
                    "city_id": r.city_id,
                    "name": r.name,
                    "sent_at": to_db(r.sent_at) if r.sent_at else None,
                    "acked_at": to_db(r.acked_at) if r.acked_at else None,
                    "seconds_to_ack": r.seconds,
                }
                for city in cities
                for r in city.leaders
            ),
            pk=("drill_id", "chat_id"),
        )
        db.execute("update drills set reported_at = ? where id = ?", [to_db(now), drill.id])
