"""/reports [city] [n]: the latest field reports with photo, location and depth."""

from __future__ import annotations

from telegram import Update

from bot.admin import texts
from bot.admin.gate import admin_only, record
from bot.context import Context, message_of
from bot.leaders.texts import DEPTHS
from subscribers.reports import latest_reports

DEFAULT_COUNT = 5
MAX_COUNT = 20
CAPTION_LIMIT = 1024  # Telegram's caption limit, in characters


def parse_args(args: list[str], city_ids: set[str]) -> tuple[str | None, int] | None:
    """(city or None, count) from '[city] [n]' in either order; None when the arguments make no sense."""
    city, count = None, DEFAULT_COUNT
    for arg in args:
        if arg.isdigit():
            count = max(1, min(int(arg), MAX_COUNT))
        elif arg in city_ids and city is None:
            city = arg
        else:
            return None
    return city, count


@admin_only("reports")
async def reports_command(update: Update, context: Context) -> None:
    """/reports [city] [n]."""
    data = context.bot_data
    message = message_of(update)
    names = {c.id: c.name_th for c in data.settings.cities}
    parsed = parse_args(list(context.args or []), set(names))
    if parsed is None:
        record(context, update, "reports", ok=False, args=list(context.args or []))
        await message.reply_text(texts.REPORTS_USAGE)
        return
    city, count = parsed
    record(context, update, "reports", city=city, count=count)
    reports = latest_reports(data.db, city, count)
    if not reports:
        await message.reply_text(texts.REPORTS_NONE)
        return
    for report in reversed(reports):  # oldest first, so the newest ends at the bottom of the chat
        text = texts.REPORT.format(
            city=names.get(report.city_id, report.city_id),
            name=report.leader_name or report.chat_id,
            at=texts.thai_datetime(report.created_at, data.settings.tz),
            depth=DEPTHS.get(report.depth or "", report.depth or texts.DEPTH_UNKNOWN),
            text=report.text,
        ).strip()
        if report.photos:
            await message.reply_photo(report.photos[0], caption=text[:CAPTION_LIMIT])
        else:
            await message.reply_text(text)
        if report.lat is not None and report.lon is not None:
            await message.reply_location(latitude=report.lat, longitude=report.lon)
