"""Field reports as leaders build them in chat: add parts to a draft, finish it, describe it for admins."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlite_utils import Database

from alerts.render import thai_datetime
from bot.leaders import texts
from subscribers import reports
from subscribers.cities import city_name
from subscribers.warnings import warning_title
from subscribers.leaders import Leader
from subscribers.reports import Depth, FieldReport, ReportDraft

# A draft untouched this long is forgotten, so tomorrow's message does not join today's report.
DRAFT_MAX_AGE = timedelta(hours=2)


class ReportPart(BaseModel):
    """One message's contribution to a report."""

    text: str = ""
    photo: str | None = None
    media_group_id: str | None = None
    lat: float | None = None
    lon: float | None = None
    # The bot message this one replies to, if any (links the report to that alert).
    reply_to: int | None = None


class Added(BaseModel):
    draft: ReportDraft
    # False for the 2nd..nth photo of an album: one prompt per album, not one per photo.
    acknowledge: bool = True


def open_draft(db: Database, chat_id: int, now: datetime) -> ReportDraft | None:
    """The chat's current draft, if recent."""
    return reports.get_draft(db, chat_id, now, DRAFT_MAX_AGE)


def start_report(db: Database, chat_id: int, now: datetime, reply_to: int | None = None) -> ReportDraft:
    """Start a fresh report, linked to the alert `reply_to` names."""
    warning_id = reports.warning_for_message(db, chat_id, reply_to) if reply_to else None
    return reports.start_draft(db, chat_id, now, warning_id)


def replies_to_alert(db: Database, chat_id: int, reply_to: int | None) -> bool:
    """True when `reply_to` is one of the alerts this chat received."""
    return reply_to is not None and reports.warning_for_message(db, chat_id, reply_to) is not None


def add_part(db: Database, chat_id: int, part: ReportPart, now: datetime) -> Added:
    """Add a message to the chat's draft (starting one if needed); raises the store's limit errors."""
    draft = open_draft(db, chat_id, now) or reports.start_draft(db, chat_id, now)
    if part.reply_to is not None and draft.warning_id is None:
        draft.warning_id = reports.warning_for_message(db, chat_id, part.reply_to)
    acknowledge = True
    reports.add_text(draft, part.text)
    if part.photo is not None:
        acknowledge = reports.add_photo(draft, part.photo, part.media_group_id)
    if part.lat is not None and part.lon is not None:
        draft.lat, draft.lon = part.lat, part.lon
    reports.save_draft(db, draft, now)
    return Added(draft=draft, acknowledge=acknowledge)


def is_empty(draft: ReportDraft) -> bool:
    """Nothing to report yet."""
    return not draft.text and not draft.photos and draft.lat is None


def finish(db: Database, leader: Leader, depth: Depth | None, now: datetime) -> FieldReport | None:
    """Store the chat's draft as a numbered report; None when there is no draft."""
    draft = open_draft(db, leader.chat_id, now)
    if draft is None:
        return None
    return reports.finish_report(db, draft, leader.city_id, depth, now)


def parts_summary(draft: ReportDraft) -> str:
    """What the draft holds so far, in Thai: `ข้อความ, รูป, ตำแหน่ง`.

    No photo count: an album's prompt goes out with its first photo, before the others arrive.
    """
    parts = []
    if draft.text:
        parts.append(texts.REPORT_PART_TEXT)
    if draft.photos:
        parts.append(texts.REPORT_PART_PHOTOS)
    if draft.lat is not None:
        parts.append(texts.REPORT_PART_PIN)
    return ", ".join(parts)


def admin_summary(db: Database, report: FieldReport, leader: Leader, tz: ZoneInfo) -> str:
    """The message the admin chat gets for a report: number, who, where, what (plain text)."""
    lines = [
        texts.ADMIN_REPORT.format(
            number=report.id,
            name=leader.name or str(leader.chat_id),
            city=city_name(db, report.city_id),
            at=thai_datetime(report.created_at, tz),
        )
    ]
    if report.warning_id is not None:
        title = warning_title(db, report.warning_id) or f"#{report.warning_id}"
        lines.append(texts.ADMIN_REPORT_WARNING.format(title=title))
    if report.depth is not None:
        lines.append(texts.ADMIN_REPORT_DEPTH.format(depth=texts.DEPTHS[report.depth]))
    if report.lat is not None and report.lon is not None:
        lines.append(texts.ADMIN_REPORT_PIN.format(lat=report.lat, lon=report.lon))
    if report.text:
        lines.append(texts.ADMIN_REPORT_TEXT.format(text=report.text))
    return "\n".join(lines)
