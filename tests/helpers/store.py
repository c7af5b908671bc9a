"""Rows for delivery tests: a city, leaders and warnings, written straight into the store."""

from __future__ import annotations

import json
from datetime import datetime

from sqlite_utils import Database

from subscribers.leaders import upsert_leader
from subscribers.timeutil import to_db


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
    now: datetime,
    *,
    identifier: str = "TMD-1",
    version: str = "v1",
    status: str = "active",
    severity: str = "Severe",
    expires: datetime | None = None,
    supersedes: int | None = None,
    event: str = "ฝนตกหนัก",
) -> int:
    """A warnings row as the ingestion side stores it; returns its id."""
    return db["warnings"].insert(
        {
            "feed": "tmd-cap", "sender": "tmd", "identifier": identifier, "version": version, "msg_type": "Alert",
            "cap_status": "Actual", "status": status, "event": event, "severity": severity, "sent": to_db(now),
            "expires": to_db(expires) if expires else None, "supersedes": supersedes, "raw": "", "parsed": "{}",
            "cities": json.dumps(["bo-yang"]), "first_seen": to_db(now), "last_seen": to_db(now),
        }
    ).last_pk
