"""`floodbot init`: create or migrate the database, sync cities, make sure each city has an invite."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.settings import Settings
from subscribers import invites
from subscribers.cities import retire_unconfigured, sync_cities
from subscribers.db import migrate, open_db


@dataclass(frozen=True)
class CityInvite:
    city_id: str
    code: str
    link: str


def invite_link(bot_username: str, code: str) -> str:
    """The deep link a leader taps to join: https://t.me/<bot>?start=<code>."""
    return f"https://t.me/{bot_username}?start={code}"


def removed_cities(settings: Settings, now: datetime) -> list[str]:
    """Revoke the invites of cities no longer configured; one line per such city saying what to do with its leaders."""
    db = open_db(settings.database)
    try:
        retired = retire_unconfigured(db, [c.id for c in settings.cities])
    finally:
        db.close()
    return [
        f"city {city.city_id} is no longer in the config: {city.revoked_invites} invites revoked;"
        f" its {city.active_leaders} active leaders get no warnings until you add the city back or give them"
        " an invite of another city (`floodbot invite CITY`)"
        for city in retired
    ]


def init_store(settings: Settings, now: datetime) -> list[CityInvite]:
    """Open (create or migrate) the store, sync cities, and return one usable invite per city."""
    db = open_db(settings.database, create=True)
    try:
        migrate(db)
        sync_cities(db, settings.cities, now)
        result = []
        for city in settings.cities:
            invite = invites.current_invite(db, city.id, now) or invites.create_invite(
                db,
                city.id,
                now,
                timedelta(days=settings.invites.valid_days),
                settings.invites.max_uses,
                created_by="init",
            )
            result.append(CityInvite(city.id, invite.code, invite_link(settings.telegram.bot_username, invite.code)))
        return result
    finally:
        db.close()
