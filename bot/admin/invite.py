"""/invite <city>: a new invite code and link (expiry and use limit from config)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database
from telegram import Update

from bot.admin import texts
from bot.admin.gate import admin_only, record
from bot.context import Context, message_of, user_id_of
from bot.settings import Settings
from bot.cli.init import CityInvite, invite_link
from subscribers.invites import Invite, create_invite


def new_invite(settings: Settings, db: Database, city_id: str, created_by: str, now: datetime) -> tuple[Invite, str]:
    """A fresh invite for a city and its link; raises UnknownCityError."""
    invite = create_invite(
        db,
        city_id,
        now,
        timedelta(days=settings.invites.valid_days),
        settings.invites.max_uses,
        created_by=created_by,
    )
    return invite, invite_link(settings.telegram.bot_username, invite.code)


def invite_row(settings: Settings, db: Database, city_id: str, created_by: str, now: datetime) -> CityInvite:
    """The shell's view of a new invite: city id, code, link."""
    invite, link = new_invite(settings, db, city_id, created_by, now)
    return CityInvite(city_id, invite.code, link)


@admin_only("invite")
async def invite_command(update: Update, context: Context) -> None:
    """/invite <city>."""
    data = context.bot_data
    message = message_of(update)
    names = {c.id: c.name_th for c in data.settings.cities}
    if len(context.args or []) != 1:
        record(context, update, "invite", ok=False, args=list(context.args or []))
        await message.reply_text(texts.INVITE_USAGE)
        return
    city_id = (context.args or [])[0]  # one argument (checked above)
    if city_id not in names:
        record(context, update, "invite", ok=False, city=city_id)
        await message.reply_text(texts.UNKNOWN_CITY.format(city=city_id, known=", ".join(names)))
        return
    invite, link = new_invite(data.settings, data.db, city_id, str(user_id_of(update)), data.now())
    record(context, update, "invite", city=city_id, code=invite.code)
    await message.reply_text(
        texts.INVITE.format(
            city=names[city_id],
            code=invite.code,
            link=link,
            max_uses=invite.max_uses,
            expires=texts.thai_datetime(invite.expires_at, data.settings.tz),
        )
    )
