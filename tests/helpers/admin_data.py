"""Seed a store for admin tests: leaders, sent rows, acks, reports (cities: tests.helpers.store)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlite_utils import Database

from subscribers.acks import record_ack
from subscribers.leaders import Livelihood, deactivate, upsert_leader
from subscribers.timeutil import to_db
from tests.helpers.store import add_cities


def seed_admin_store(db: Database, now: datetime) -> Database:
    """The admin tests' store: the three cities; bo-yang 11, 12, 13 active and 14 inactive; phatong 21, 22;
    la-ngu 31."""
    add_cities(db, now)
    seed_leaders(db, now, {"bo-yang": [11, 12, 13, 14], "phatong": [21, 22], "la-ngu": [31]}, inactive=(14,))
    return db


def seed_leaders(db: Database, now: datetime, spec: dict[str, list[int]], inactive: tuple[int, ...] = ()) -> None:
    """Leaders by city: {city_id: [chat ids]}; named 'L<chat id>'; the `inactive` ones deactivated."""
    for city_id, chat_ids in spec.items():
        for chat_id in chat_ids:
            upsert_leader(db, chat_id, city_id, now, name=f"L{chat_id}", livelihood=Livelihood.FISHING)
    for chat_id in inactive:
        deactivate(db, chat_id, "stopped", now)


def ack(db: Database, warning_id: int, chat_id: int, at: datetime) -> None:
    """An acknowledgement, as the leader's รับทราบ button records it."""
    record_ack(db, warning_id, chat_id, at)


def mark_sent(db: Database, kind: str, ref_id: int, at: datetime) -> None:
    """Mark every pending outbox row of kind/ref as sent at `at` (what the worker does)."""
    db.execute(
        "update outbox set status = 'sent', sent_at = ? where kind = ? and ref_id = ? and status = 'pending'",
        [to_db(at), kind, ref_id],
    )


def add_warning(db: Database, now: datetime, event: str = "ฝนตกหนัก") -> int:
    """A minimal stored warning; returns its id."""
    return db["warnings"].insert(
        {
            "feed": "tmd-cap",
            "sender": "tmd",
            "identifier": f"w-{now.isoformat()}-{event}",
            "version": "1",
            "status": "new",
            "event": event,
            "sent": to_db(now),
            "parsed": "{}",
            "first_seen": to_db(now),
        }
    ).last_pk


def add_report(
    db: Database, chat_id: int, city_id: str, at: datetime, *, lat=None, lon=None, depth=None, text="", photos=()
) -> int:
    """A field report as the leaders' handlers store it."""
    return db["field_reports"].insert(
        {
            "chat_id": chat_id,
            "city_id": city_id,
            "text": text,
            "depth": depth,
            "lat": lat,
            "lon": lon,
            "photos": json.dumps(list(photos)) if photos else None,
            "created_at": to_db(at),
        }
    ).last_pk


def minutes(n: float) -> timedelta:
    """A shorter spelling for test tables."""
    return timedelta(minutes=n)
