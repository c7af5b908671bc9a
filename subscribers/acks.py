"""Acknowledgements (the รับทราบ button): recorded once, queried per warning and city.

Also the two questions reminders and escalation ask: who got a Severe or Extreme warning and has
not acknowledged it after some minutes, and which (warning, city) pairs were escalated already.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import cast

from pydantic import BaseModel
from sqlite_utils import Database

from subscribers.outbox import BUTTON_KINDS, BUTTON_SEVERITIES, WARNED_KINDS, Kind, thread_ids
from subscribers.sql import in_list
from subscribers.timeutil import from_db, to_db
from subscribers.warnings import SENDABLE_STATUSES, WarningStatus


class WarningState(BaseModel):
    """What delivery needs to know about a stored warning version."""

    id: int
    status: str
    severity: str | None = None
    event: str | None = None
    expires: datetime | None = None

    def sendable(self, now: datetime) -> bool:
        """In force (or a drill) and not expired."""
        return self.status in SENDABLE_STATUSES and (self.expires is None or self.expires > now)


def warning_state(db: Database, warning_id: int) -> WarningState | None:
    """The status, severity, event and expiry of one warning row, or None."""
    row = next(
        iter(db.query("select id, status, severity, event, expires from warnings where id = ?", [warning_id])), None
    )
    if row is None:
        return None
    return WarningState(
        id=row["id"],
        status=row["status"],
        severity=row["severity"],
        event=row["event"],
        expires=from_db(row["expires"]),
    )


class Ack(BaseModel):
    warning_id: int
    chat_id: int
    city_id: str
    acked_at: datetime


class CityAcks(BaseModel):
    """Per city, of the leaders a warning was delivered to: who acknowledged and who has not."""

    city_id: str
    acked: list[int]
    not_acked: list[int]


def record_ack(db: Database, warning_id: int, chat_id: int, now: datetime) -> datetime:
    """Record an acknowledgement once; returns the time of the first one (a second press changes nothing)."""
    with db.atomic():
        db.execute(
            "insert or ignore into acknowledgements (warning_id, chat_id, acked_at) values (?, ?, ?)",
            [warning_id, chat_id, to_db(now)],
        )
        row = next(
            iter(
                db.query(
                    "select acked_at from acknowledgements where warning_id = ? and chat_id = ?", [warning_id, chat_id]
                )
            )
        )
    return cast(datetime, from_db(row["acked_at"]))  # NOT NULL


def acked_at(db: Database, warning_id: int, chat_id: int) -> datetime | None:
    """When this leader acknowledged this warning, or None."""
    row = next(
        iter(
            db.query(
                "select acked_at from acknowledgements where warning_id = ? and chat_id = ?", [warning_id, chat_id]
            )
        ),
        None,
    )
    return from_db(row["acked_at"]) if row else None


def acked_thread(db: Database, warning_ids: list[int], chat_id: int) -> bool:
    """Whether the leader acknowledged any version of a warning thread."""
    marks = ", ".join("?" for _ in warning_ids)
    row = next(
        iter(
            db.query(
                f"select 1 from acknowledgements where chat_id = ? and warning_id in ({marks}) limit 1",
                [chat_id, *warning_ids],
            )
        ),
        None,
    )
    return row is not None


def acks_for(db: Database, warning_id: int, city_id: str | None = None) -> list[Ack]:
    """Acknowledgements of one warning (optionally of one city), earliest first."""
    sql = (
        "select a.warning_id, a.chat_id, l.city_id, a.acked_at from acknowledgements a"
        " join leaders l on l.chat_id = a.chat_id where a.warning_id = ?"
    )
    params: list[int | str] = [warning_id]
    if city_id is not None:
        sql += " and l.city_id = ?"
        params.append(city_id)
    return [
        Ack(warning_id=r["warning_id"], chat_id=r["chat_id"], city_id=r["city_id"], acked_at=from_db(r["acked_at"]))
        for r in db.query(sql + " order by a.acked_at, a.chat_id", params)
    ]


def acks_by_city(db: Database, warning_id: int) -> list[CityAcks]:
    """For each city, the leaders this warning was delivered to, split by acknowledged or not."""
    sql = f"""
    select l.city_id, o.chat_id, a.acked_at from outbox o
      join leaders l on l.chat_id = o.chat_id
      left join acknowledgements a on a.warning_id = o.ref_id and a.chat_id = o.chat_id
    where o.ref_id = ? and o.kind in ({in_list(WARNED_KINDS)}) and o.status = 'sent'
    order by l.city_id, o.chat_id
    """
    cities: dict[str, CityAcks] = {}
    for row in db.query(sql, [warning_id]):
        city = cities.setdefault(row["city_id"], CityAcks(city_id=row["city_id"], acked=[], not_acked=[]))
        (city.acked if row["acked_at"] else city.not_acked).append(row["chat_id"])
    return list(cities.values())


class Unacked(BaseModel):
    """A delivered urgent message nobody has acknowledged yet."""

    warning_id: int
    chat_id: int
    city_id: str
    # None when the send's outcome stayed unknown twice (counted as sent): the reminder goes unthreaded.
    message_id: int | None
    sent_at: datetime


def unacked_since(db: Database, before: datetime) -> list[Unacked]:
    """Sent, still sendable Severe/Extreme alerts delivered before `before` to active leaders, not acknowledged.

    A row counted as sent without a message id (its outcome stayed unknown twice) counts too: that
    leader may never have seen the alert, so they are reminded and escalated like the others.

    Acknowledging any version of the thread counts. Expiry is checked by the caller (it has `now`).
    """
    sql = f"""
    select o.ref_id, o.chat_id, l.city_id, o.message_id, o.sent_at from outbox o
      join warnings w on w.id = o.ref_id
      join leaders l on l.chat_id = o.chat_id
    where o.kind in ({in_list((Kind.ALERT, Kind.UPDATE))}) and o.status = 'sent' and o.sent_at <= ?
      and w.severity in (?, ?) and w.status = '{WarningStatus.ACTIVE}' and l.active = 1
      and not exists (select 1 from acknowledgements a where a.warning_id = o.ref_id and a.chat_id = o.chat_id)
    order by o.sent_at, o.chat_id
    """
    found: list[Unacked] = []
    threads: dict[int, list[int]] = {}
    # Only alerts with a button (Severe and above) are reminded and escalated.
    for row in db.query(sql, [to_db(before), *BUTTON_SEVERITIES]):
        thread = threads.setdefault(row["ref_id"], thread_ids(db, row["ref_id"]))
        if len(thread) > 1 and acked_thread(db, thread, row["chat_id"]):
            continue
        found.append(
            Unacked(
                warning_id=row["ref_id"],
                chat_id=row["chat_id"],
                city_id=row["city_id"],
                message_id=row["message_id"],
                sent_at=from_db(row["sent_at"]),
            )
        )
    return found


def escalated(db: Database, warning_id: int, city_id: str) -> bool:
    """Whether the admin chat was already told about this (warning, city)."""
    row = next(
        iter(db.query("select 1 from escalations where warning_id = ? and city_id = ?", [warning_id, city_id])), None
    )
    return row is not None


def record_escalation(db: Database, warning_id: int, city_id: str, chat_ids: list[int], now: datetime) -> None:
    """Remember that the admin chat was told, so a restart does not tell it again."""
    db.execute(
        "insert or ignore into escalations (warning_id, city_id, sent_at, chat_ids) values (?, ?, ?, ?)",
        [warning_id, city_id, to_db(now), json.dumps(chat_ids)],
    )


def was_sent_to(db: Database, warning_id: int, chat_id: int) -> bool:
    """Whether this chat was sent (or is being sent: the reply may still be on its way) a message of this warning."""
    row = next(
        iter(
            db.query(
                "select 1 from outbox where ref_id = ? and chat_id = ? and status in ('sent', 'sending')"
                f" and kind in ({in_list(BUTTON_KINDS)}) limit 1",
                [warning_id, chat_id],
            )
        ),
        None,
    )
    return row is not None


def escalated_chats(db: Database, warning_id: int) -> set[int]:
    """Leaders the admin chat was already told about for this warning (first run or follow-ups)."""
    rows = db.query("select chat_id from escalated_leaders where warning_id = ?", [warning_id])
    return {row["chat_id"] for row in rows}


def record_escalated_leaders(db: Database, warning_id: int, chat_ids: list[int], now: datetime) -> None:
    """Remember each leader named in an escalation, so a follow-up names only those who came of age since."""
    with db.atomic():
        for chat_id in chat_ids:
            db.execute(
                "insert or ignore into escalated_leaders (warning_id, chat_id, sent_at) values (?, ?, ?)",
                [warning_id, chat_id, to_db(now)],
            )
