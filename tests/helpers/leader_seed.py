"""Rows the leader-bot tests need: cities, warnings, outbox messages (written as m001 defines them)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlite_utils import Database

from subscribers.cities import sync_cities
from subscribers.timeutil import to_db

CITIES = {"bo-yang": "บ่อยาง", "phatong": "พะตง", "la-ngu": "กำแพง (ละงู)"}


class _City:
    def __init__(self, city_id: str, name_th: str):
        self.id, self.name_th = city_id, name_th
        self.province_code, self.tambon_code, self.lat, self.lon = "90", "900101", 7.2, 100.6
        self.min_severity = "Moderate"


def add_cities(db: Database, now: datetime) -> None:
    """A few cities, enough for moving leaders between them."""
    sync_cities(db, [_City(city_id, name) for city_id, name in CITIES.items()], now)


def add_warning(
    db: Database,
    *,
    identifier: str,
    cities: list[str],
    sent: datetime,
    expires: datetime | None,
    event: str = "ฝนตกหนัก",
    severity: str = "Severe",
    status: str = "active",
    headline: str = "",
    onset: datetime | None = None,
    supersedes: int | None = None,
) -> int:
    """A warning row; returns its id."""
    parsed = {"event": event, "headline": headline, "onset": onset.isoformat() if onset else None}
    table = db["warnings"]
    table.insert(
        {
            "feed": "tmd-cap",
            "sender": "tmd",
            "identifier": identifier,
            "version": identifier + "-v",
            "msg_type": "Alert",
            "cap_status": "Actual",
            "status": status,
            "event": event,
            "severity": severity,
            "sent": to_db(sent),
            "expires": to_db(expires) if expires else None,
            "supersedes": supersedes,
            "raw": "",
            "parsed": json.dumps(parsed, ensure_ascii=False),
            "cities": json.dumps(cities),
            "first_seen": to_db(sent),
            "last_seen": to_db(sent),
        }
    )
    return table.last_pk


def add_sent_alert(db: Database, warning_id: int, chat_id: int, message_id: int, now: datetime, kind: str = "alert") -> None:
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
