"""Leaders: who is subscribed, in which city, with which livelihood; active or not."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlite_utils import Database

from subscribers.timeutil import from_db, to_db


class Livelihood(StrEnum):
    FISHING = "fishing"
    FARMING = "farming"
    LABOUR = "labour"
    TRADE = "trade"
    OTHER = "other"


class Role(StrEnum):
    LEADER = "leader"
    ADMIN = "admin"


class Leader(BaseModel):
    chat_id: int
    name: str
    city_id: str
    livelihood: Livelihood = Livelihood.OTHER
    role: Role = Role.LEADER
    active: bool = True
    minor_opt_in: bool = False
    joined_at: datetime
    inactive_reason: str | None = None


def _from_row(row: dict[str, Any]) -> Leader:
    return Leader(
        chat_id=row["chat_id"],
        name=row["name"] or "",
        city_id=row["city_id"],
        livelihood=row["livelihood"] or Livelihood.OTHER,
        role=row["role"],
        active=bool(row["active"]),
        minor_opt_in=bool(row["minor_opt_in"]),
        joined_at=from_db(row["joined_at"]),
        inactive_reason=row["inactive_reason"],
    )


def upsert_leader(
    db: Database,
    chat_id: int,
    city_id: str,
    now: datetime,
    name: str = "",
    livelihood: Livelihood = Livelihood.OTHER,
) -> Leader:
    """Register a leader, or re-activate and move an existing one (joined_at is kept)."""
    with db.atomic():
        existing = get_leader(db, chat_id)
        if existing is None:
            db.table("leaders").insert(
                {
                    "chat_id": chat_id,
                    "name": name,
                    "city_id": city_id,
                    "livelihood": str(livelihood),
                    "role": str(Role.LEADER),
                    "active": 1,
                    "minor_opt_in": 0,
                    "joined_at": to_db(now),
                    "updated_at": to_db(now),
                }
            )
        else:
            db.table("leaders").update(
                chat_id,
                {
                    "city_id": city_id,
                    "name": name or existing.name,
                    "livelihood": str(livelihood),
                    "active": 1,
                    "inactive_reason": None,
                    "updated_at": to_db(now),
                },
            )
    leader = get_leader(db, chat_id)
    assert leader is not None
    return leader


def get_leader(db: Database, chat_id: int) -> Leader | None:
    """The leader with this chat id, active or not."""
    row = next(iter(db.query("select * from leaders where chat_id = ?", [chat_id])), None)
    return _from_row(row) if row else None


def update_leader(db: Database, chat_id: int, now: datetime, **fields: object) -> None:
    """Change some of name, livelihood, minor_opt_in."""
    allowed = {"name", "livelihood", "minor_opt_in"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"cannot update {sorted(unknown)}")
    values = {
        k: (str(v) if isinstance(v, StrEnum) else int(v) if isinstance(v, bool) else v) for k, v in fields.items()
    }
    db.table("leaders").update(chat_id, {**values, "updated_at": to_db(now)})


def deactivate(db: Database, chat_id: int, reason: str, now: datetime) -> None:
    """Mark a leader inactive (blocked the bot, chat gone, or /stop); nothing is deleted."""
    db.execute(
        "update leaders set active = 0, inactive_reason = ?, updated_at = ? where chat_id = ?",
        [reason, to_db(now), chat_id],
    )


def active_leaders(db: Database, city_ids: list[str] | None = None) -> list[Leader]:
    """Active leaders, of the given cities or all, ordered by city then chat id."""
    if city_ids is None:
        rows = db.query("select * from leaders where active = 1 order by city_id, chat_id")
    else:
        marks = ", ".join("?" for _ in city_ids)
        rows = db.query(
            f"select * from leaders where active = 1 and city_id in ({marks}) order by city_id, chat_id",
            list(city_ids),
        )
    return [_from_row(row) for row in rows]
