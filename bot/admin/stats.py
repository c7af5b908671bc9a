"""/stats: per warning and city, sent, failed, acknowledged and the median time to acknowledge."""

from __future__ import annotations

from telegram import Update

from bot.admin import texts
from bot.admin.gate import admin_only, record
from bot.context import Context, message_of
from subscribers.stats import delivery_stats


@admin_only("stats")
async def stats_command(update: Update, context: Context) -> None:
    """/stats."""
    data = context.bot_data
    record(context, update, "stats")
    names = {c.id: c.name_th for c in data.settings.cities}
    for message in texts.chunks(texts.stats_lines(delivery_stats(data.db), names, data.settings.tz)):
        await message_of(update).reply_text(message)
