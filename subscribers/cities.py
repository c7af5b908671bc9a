"""Cities in the store, kept in step with the config."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel
from sqlite_utils import Database

from subscribers.timeutil import to_db


class CityLike(Protocol):
    id: str
    name_th: str
    province_code: str
    tambon_code: str
    lat: float
    lon: float

    @property
    def min_severity(self) -> str: ...


def sync_cities(db: Database, cities: Sequence[CityLike], now: datetime) -> None:
    """Insert or update every configured city; cities no longer configured are kept (leaders point at them)."""
    with db.atomic():
        for city in cities:
            db.table("cities").upsert(
                {
                    "id": city.id,
                    "name_th": city.name_th,
                    "province_code": city.province_code,
                    "tambon_code": city.tambon_code,
                    "lat": city.lat,
                    "lon": city.lon,
                    "min_severity": str(city.min_severity),
                    "updated_at": to_db(now),
                },
                pk="id",
            )


def city_ids(db: Database) -> list[str]:
    """All city ids in the store, sorted."""
    return [row["id"] for row in db.query("select id from cities order by id")]


def city_name(db: Database, city_id: str) -> str:
    """The Thai name of a city, or its id when the city is unknown."""
    row = next(iter(db.query("select name_th from cities where id = ?", [city_id])), None)
    return row["name_th"] if row else city_id


class RetiredCity(BaseModel):
    """A city in the store that the config no longer has: its invites were revoked, its leaders remain."""

    city_id: str
    revoked_invites: int
    active_leaders: int


def retire_unconfigured(db: Database, configured: list[str]) -> list[RetiredCity]:
    """Revoke the usable invites of every stored city not in `configured`; report its active leaders."""
    marks = ", ".join("?" for _ in configured) or "''"
    gone = [r["id"] for r in db.query(f"select id from cities where id not in ({marks}) order by id", configured)]
    result = []
    with db.atomic():
        for city_id in gone:
            revoked = db.execute("update invites set revoked = 1 where city_id = ? and revoked = 0", [city_id]).rowcount
            sql = "select count(*) as n from leaders where city_id = ? and active = 1"
            active = next(iter(db.query(sql, [city_id])))
            if revoked or active["n"]:
                result.append(RetiredCity(city_id=city_id, revoked_invites=revoked, active_leaders=active["n"]))
    return result


def city_row(db: Database, city_id: str) -> dict[str, Any] | None:
    """A stored city's columns (id, names, codes, point, min_severity), or None."""
    return next(iter(db.query("select * from cities where id = ?", [city_id])), None)
