"""/leaders [city]: who is registered, active or not, livelihood, last acknowledgement."""

from __future__ import annotations

from telegram import Update

from bot.admin import texts
from bot.admin.gate import admin_only, record
from bot.context import Context, message_of
from subscribers.stats import leaders_overview


@admin_only("leaders")
async def leaders_command(update: Update, context: Context) -> None:
    """/leaders [city]."""
    data = context.bot_data
    names = {c.id: c.name_th for c in data.settings.cities}
    city_id = context.args[0] if context.args else None
    if city_id is not None and city_id not in names:
        record(context, update, "leaders", ok=False, city=city_id)
        await message_of(update).reply_text(texts.UNKNOWN_CITY.format(city=city_id, known=", ".join(names)))
        return
    record(context, update, "leaders", city=city_id)
    lines = texts.leader_lines(leaders_overview(data.db, city_id), names, data.settings.tz)
    for message in texts.chunks(lines):
        await message_of(update).reply_text(message)
