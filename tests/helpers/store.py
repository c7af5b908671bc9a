"""Rows written straight into the store for tests: cities, leaders, warnings, sent alerts (as m001 defines them)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlite_utils import Database

from bot.settings import CitySettings
from subscribers.cities import sync_cities
from subscribers.leaders import upsert_leader
from subscribers.timeutil import to_db

# The example config's cities: enough for moving leaders between them and for per-city admin views.
CITIES = [
    CitySettings(id="bo-yang", name_th="บ่อยาง", province_code="90", tambon_code="900101", lat=7.198, lon=100.596),
    CitySettings(id="phatong", name_th="พะตง", province_code="90", tambon_code="901118", lat=6.837, lon=100.558),
    CitySettings(id="la-ngu", name_th="กำแพง (ละงู)", province_code="91", tambon_code="910501", lat=6.933, lon=99.777),
]


def add_cities(db: Database, now: datetime) -> None:
    """The three test cities."""
    sync_cities(db, CITIES, now)


def add_city(db: Database, city_id: str = "bo-yang", name_th: str = "บ่อยาง") -> str:
    """A city row (enough for leaders to point at)."""
    db["cities"].upsert(
        {"id": city_id, "name_th": name_th, "province_code": "90", "tambon_code": "900101", "lat": 7.198,
         "lon": 100.596, "min_severity": "Moderate"},
        pk="id",
    )
    return city_id


def add_leaders(db: Database, chat_ids: list[int], now: datetime, city_id: str = "bo-yang") -> list[int]:
    """Active leaders of one city."""
    add_city(db, city_id)
    for chat_id in chat_ids:
        upsert_leader(db, chat_id, city_id, now, name=f"ผู้นำ {chat_id}")
    return chat_ids


def add_warning(
    db: Database,
    sent: datetime,
    *,
    identifier: str = "TMD-1",
    version: str = "v1",
    cities: list[str] | None = None,
    expires: datetime | None = None,
    status: str = "active",
    severity: str = "Severe",
    event: str = "ฝนตกหนัก",
    headline: str = "",
    onset: datetime | None = None,
    supersedes: int | None = None,
) -> int:
    """A warnings row as the ingestion side stores it (first seen when sent, in bo-yang by default); returns its id."""
    parsed = {"event": event, "headline": headline, "onset": onset.isoformat() if onset else None}
    return db["warnings"].insert(
        {
            "feed": "tmd-cap", "sender": "tmd", "identifier": identifier, "version": version, "msg_type": "Alert",
            "cap_status": "Actual", "status": status, "event": event, "severity": severity, "sent": to_db(sent),
            "expires": to_db(expires) if expires else None, "supersedes": supersedes, "raw": "",
            "parsed": json.dumps(parsed, ensure_ascii=False), "cities": json.dumps(cities or ["bo-yang"]),
            "first_seen": to_db(sent), "last_seen": to_db(sent),
        }
    ).last_pk


def add_sent_alert(
    db: Database, warning_id: int, chat_id: int, message_id: int, now: datetime, kind: str = "alert"
) -> None:
    """An outbox row as the delivery worker leaves it once Telegram accepted the alert."""
    db["outbox"].insert(
        {
            "kind": kind,
            "ref_id": warning_id,
            "chat_id": chat_id,
            "priority": 0,
            "status": "sent",
            "attempts": 1,
            "message_id": message_id,
            "text": "alert",
            "created_at": to_db(now - timedelta(minutes=1)),
            "sent_at": to_db(now),
        }
    )


def add_parsed_warning(db: Database, warning, cities: list[str], now: datetime) -> int:
    """A real `Warning` stored as a poll stores it (full parsed JSON, so it can be rendered again); returns its id."""
    from subscribers.warnings import NewVersion, store_version

    return store_version(
        db,
        NewVersion(
            feed=warning.feed, sender=warning.sender, identifier=warning.identifier, version="v1",
            msg_type=str(warning.msg_type), cap_status=str(warning.status), status="active", event=warning.event,
            severity=str(warning.severity), sent=warning.sent, expires=warning.expires, references=[],
            cities=cities, parsed=warning.model_dump_json(), raw="",
        ),
        now,
    )
