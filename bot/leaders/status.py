"""`/status`: the warnings in force for the leader's city now, newest first."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import CommandHandler, filters

from alerts.render import event_label, severity_label, thai_when
from bot.leaders import texts
from bot.context import Context, message_of
from bot.leaders.common import active_leader
from subscribers.cities import city_name
from subscribers.warnings import StoredWarning, warnings_in_force


def status_text(warnings: list[StoredWarning], city: str, now: datetime, tz: ZoneInfo) -> str:
    """One line per warning with its validity, or a line saying there is none."""
    when = thai_when(now, tz)
    if not warnings:
        return texts.STATUS_NONE.format(city=city, now=when)
    lines = [texts.STATUS_HEAD.format(city=city, now=when)]
    for warning in warnings:
        lines.append(
            texts.STATUS_LINE.format(
                severity=severity_label(warning.severity),
                # The alert's own Thai name for the event (ThaiWater's น้ำล้นตลิ่ง, not its English).
                title=event_label(warning.event),
                validity=texts.validity(warning.starts, warning.expires, now, tz),
            )
        )
    return "\n".join(lines)


async def status(update: Update, context: Context) -> None:
    """Answer `/status` for the leader's city."""
    leader = await active_leader(update, context)
    if leader is None:
        return
    data = context.bot_data
    now = data.now()
    warnings = warnings_in_force(data.db, leader.city_id, now)
    text = status_text(warnings, city_name(data.db, leader.city_id), now, data.settings.tz)
    await message_of(update).reply_text(text)


def status_handlers() -> list:
    """`/status`, private chats only."""
    return [CommandHandler("status", status, filters=filters.ChatType.PRIVATE)]
