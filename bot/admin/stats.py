"""/stats: per warning and city, sent, failed, acknowledged and the median time to acknowledge."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.admin import texts
from bot.admin.gate import admin_only, record
from subscribers.stats import delivery_stats


@admin_only("stats")
async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats."""
    data = context.bot_data
    record(context, update, "stats")
    names = {c.id: c.name_th for c in data.settings.cities}
    for message in texts.chunks(texts.stats_lines(delivery_stats(data.db), names, data.settings.tz)):
        await update.effective_message.reply_text(message)
