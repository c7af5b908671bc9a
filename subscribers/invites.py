"""Invite codes: per city, with an expiry and a use limit."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlite_utils import Database

from subscribers.timeutil import from_db, to_db

# Telegram's start parameter allows A-Z a-z 0-9 _ -; skip look-alikes (0/o, 1/l) for people reading codes aloud.
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
CODE_LENGTH = 10


class Invite(BaseModel):
    code: str
    city_id: str
    created_at: datetime
    expires_at: datetime
    max_uses: int
    uses: int
    revoked: bool = False

    def usable(self, now: datetime) -> bool:
        """Not revoked, not expired, not used up."""
        return not self.revoked and now < self.expires_at and self.uses < self.max_uses


class UnknownCityError(Exception):
    """No city with that id."""


def new_code() -> str:
    """A random code of CODE_LENGTH characters (about 50 bits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def create_invite(
    db: Database, city_id: str, now: datetime, valid: timedelta, max_uses: int, created_by: str = "cli"
) -> Invite:
    """A fresh invite for a city."""
    if not db.table("cities").count_where("id = ?", [city_id]):
        raise UnknownCityError(city_id)
    invite = Invite(
        code=new_code(), city_id=city_id, created_at=now, expires_at=now + valid, max_uses=max_uses, uses=0
    )
    db.table("invites").insert(
        {
            "code": invite.code,
            "city_id": city_id,
            "created_at": to_db(now),
            "created_by": created_by,
            "expires_at": to_db(invite.expires_at),
            "max_uses": max_uses,
            "uses": 0,
            "revoked": 0,
        }
    )
    return invite


def _row_to_invite(row: dict[str, Any]) -> Invite:
    return Invite(
        code=row["code"],
        city_id=row["city_id"],
        created_at=from_db(row["created_at"]),
        expires_at=from_db(row["expires_at"]),
        max_uses=row["max_uses"],
        uses=row["uses"],
        revoked=bool(row["revoked"]),
    )


def current_invite(db: Database, city_id: str, now: datetime) -> Invite | None:
    """The newest usable invite of a city, if any."""
    rows = db.query(
        "select * from invites where city_id = ? and revoked = 0 and expires_at > ? and uses < max_uses"
        " order by created_at desc limit 1",
        [city_id, to_db(now)],
    )
    row = next(iter(rows), None)
    return _row_to_invite(row) if row else None


def get_invite(db: Database, code: str) -> Invite | None:
    """The invite with this code, usable or not."""
    row = next(iter(db.query("select * from invites where code = ?", [code])), None)
    return _row_to_invite(row) if row else None


def use_invite(db: Database, code: str, now: datetime) -> Invite | None:
    """Count one use of a usable code and return it; None when the code cannot be used."""
    with db.atomic():
        cursor = db.execute(
            "update invites set uses = uses + 1 where code = ? and revoked = 0 and expires_at > ? and uses < max_uses",
            [code, to_db(now)],
        )
        if cursor.rowcount != 1:
            return None
    return get_invite(db, code)
