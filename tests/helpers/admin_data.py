"""Seed a store for admin tests: cities from the example config, leaders, sent rows, acks, reports."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlite_utils import Database

from bot.settings import CitySettings
from subscribers.acks import record_ack
from subscribers.cities import sync_cities
from subscribers.leaders import Livelihood, deactivate, upsert_leader
from subscribers.timeutil import to_db

CITIES = [
    CitySettings(id="bo-yang", name_th="บ่อยาง", province_code="90", tambon_code="900101", lat=7.198, lon=100.596),
    CitySettings(id="phatong", name_th="พะตง", province_code="90", tambon_code="901118", lat=6.837, lon=100.558),
    CitySettings(id="la-ngu", name_th="กำแพง (ละงู)", province_code="91", tambon_code="910501", lat=6.933, lon=99.777),
]


def seed_cities(db: Database, now: datetime) -> None:
    """The three test cities."""
    sync_cities(db, CITIES, now)


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
