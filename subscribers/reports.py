"""Field reports from leaders: the draft being put together, then the stored report."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from pydantic import BaseModel, Field
from sqlite_utils import Database

from subscribers.outbox import WARNING_KINDS
from subscribers.timeutil import from_db, to_db

MAX_TEXT = 2000
# An album holds at most 10 items, so one report holds at most 10 photos.
MAX_PHOTOS = 10


class Depth(StrEnum):
    """Water depth as a leader sees it, from dry to over the head."""

    NONE = "none"
    ANKLE = "ankle"
    KNEE = "knee"
    WAIST = "waist"
    CHEST = "chest"
    OVERHEAD = "overhead"


class ReportTooLongError(Exception):
    """The report text would exceed MAX_TEXT characters."""

    def __init__(self, length: int):
        super().__init__(f"report text of {length} characters exceeds {MAX_TEXT}")
        self.length = length


class TooManyPhotosError(Exception):
    """The report already holds MAX_PHOTOS photos."""


class ReportDraft(BaseModel):
    """What a leader has sent so far for a report that is not finished."""

    chat_id: int
    started_at: datetime
    updated_at: datetime
    warning_id: int | None = None
    text: str = ""
    photos: list[str] = Field(default_factory=list)
    media_group_ids: list[str] = Field(default_factory=list)
    lat: float | None = None
    lon: float | None = None


class FieldReport(BaseModel):
    """A finished report, numbered by its id."""

    id: int
    chat_id: int
    city_id: str
    warning_id: int | None = None
    text: str = ""
    # A Depth from the chat; a row written otherwise (an import, an old version) keeps its text as it is.
    depth: Depth | str | None = None
    lat: float | None = None
    lon: float | None = None
    photos: list[str] = Field(default_factory=list)
    media_group_id: str | None = None
    created_at: datetime


class NamedReport(FieldReport):
    """A report with the name of the leader who sent it (lists and exports)."""

    leader_name: str = ""


def _photos(value: str | None) -> list[str]:
    # Photo file ids are kept as a JSON list; tolerate a bare id.
    if not value:
        return []
    try:
        parsed = json.loads(value)
    except ValueError:
        return [value]
    return [str(p) for p in parsed] if isinstance(parsed, list) else [str(parsed)]


def _depth(value: str | None) -> Depth | str | None:
    try:
        return None if value is None else Depth(value)
    except ValueError:
        return value


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    """A `field_reports` row as FieldReport's fields."""
    return dict(
        id=row["id"],
        chat_id=row["chat_id"],
        city_id=row["city_id"],
        warning_id=row["warning_id"],
        text=row["text"] or "",
        depth=_depth(row["depth"]),
        lat=row["lat"],
        lon=row["lon"],
        photos=_photos(row["photos"]),
        media_group_id=row["media_group_id"],
        created_at=from_db(row["created_at"]),
    )


def get_draft(db: Database, chat_id: int, now: datetime, max_age: timedelta) -> ReportDraft | None:
    """This chat's draft, unless it was last touched more than `max_age` ago."""
    row = next(iter(db.query("select * from report_drafts where chat_id = ?", [chat_id])), None)
    if row is None or cast(datetime, from_db(row["updated_at"])) < now - max_age:  # NOT NULL
        return None
    return ReportDraft.model_validate_json(row["draft"])


def start_draft(db: Database, chat_id: int, now: datetime, warning_id: int | None = None) -> ReportDraft:
    """A fresh draft for this chat, replacing any older one."""
    draft = ReportDraft(chat_id=chat_id, started_at=now, updated_at=now, warning_id=warning_id)
    save_draft(db, draft, now)
    return draft


def save_draft(db: Database, draft: ReportDraft, now: datetime) -> None:
    """Store the draft (one per chat)."""
    draft.updated_at = now
    db.table("report_drafts").upsert(
        {
            "chat_id": draft.chat_id,
            "draft": draft.model_dump_json(),
            "started_at": to_db(draft.started_at),
            "updated_at": to_db(now),
        },
        pk="chat_id",
    )


def discard_draft(db: Database, chat_id: int) -> bool:
    """Drop this chat's draft; True if there was one."""
    return db.execute("delete from report_drafts where chat_id = ?", [chat_id]).rowcount > 0


def add_text(draft: ReportDraft, text: str) -> None:
    """Append text (a new line between messages), or raise ReportTooLongError and change nothing."""
    text = text.strip()
    if not text:
        return
    combined = f"{draft.text}\n{text}" if draft.text else text
    if len(combined) > MAX_TEXT:
        raise ReportTooLongError(len(combined))
    draft.text = combined


def add_photo(draft: ReportDraft, file_id: str, media_group_id: str | None) -> bool:
    """Add a photo; True when it starts something new (not a further photo of a known album)."""
    if len(draft.photos) >= MAX_PHOTOS:
        raise TooManyPhotosError()
    draft.photos.append(file_id)
    if media_group_id is None:
        return True
    if media_group_id in draft.media_group_ids:
        return False
    draft.media_group_ids.append(media_group_id)
    return True


def finish_report(db: Database, draft: ReportDraft, city_id: str, depth: Depth | None, now: datetime) -> FieldReport:
    """Store the draft as a numbered report and drop the draft."""
    with db.atomic():
        table = db.table("field_reports")
        table.insert(
            {
                "chat_id": draft.chat_id,
                "city_id": city_id,
                "warning_id": draft.warning_id,
                "text": draft.text,
                "depth": str(depth) if depth else None,
                "lat": draft.lat,
                "lon": draft.lon,
                "photos": json.dumps(draft.photos),
                "media_group_id": draft.media_group_ids[0] if draft.media_group_ids else None,
                "created_at": to_db(now),
            }
        )
        report_id = cast(int, table.last_pk)
        db.execute("delete from report_drafts where chat_id = ?", [draft.chat_id])
    report = get_report(db, report_id)
    assert report is not None
    return report


def get_report(db: Database, report_id: int) -> FieldReport | None:
    """The report with this number."""
    row = next(iter(db.query("select * from field_reports where id = ?", [report_id])), None)
    return FieldReport(**_fields(row)) if row else None


def latest_reports(db: Database, city_id: str | None = None, limit: int | None = None) -> list[NamedReport]:
    """Field reports with their leader's name, newest first, of one city or all; at most `limit`."""
    params: list[str | int]
    where, params = ("where r.city_id = ?", [city_id]) if city_id else ("", [])
    sql = (
        "select r.*, l.name as leader_name from field_reports r left join leaders l on l.chat_id = r.chat_id"
        f" {where} order by r.created_at desc, r.id desc"
    )
    if limit is not None:
        sql += " limit ?"
        params = [*params, limit]
    return [
        NamedReport(**_fields(row), leader_name=row["leader_name"] or "") for row in db.query(sql, params)
    ]


def warning_for_message(db: Database, chat_id: int, message_id: int) -> int | None:
    """The warning a bot message in this chat was about (alert, update, cancel, reminder, drill), if any."""
    kinds = [str(kind) for kind in WARNING_KINDS]
    marks = ", ".join("?" for _ in kinds)
    row = next(
        iter(
            db.query(
                f"select ref_id from outbox where chat_id = ? and message_id = ? and kind in ({marks}) limit 1",
                [chat_id, message_id, *kinds],
            )
        ),
        None,
    )
    if row is None:
        return None
    # The outbox may outlive a pruned warning; only link what the foreign key accepts.
    if not db.table("warnings").count_where("id = ?", [row["ref_id"]]):
        return None
    ref_id: int = row["ref_id"]
    return ref_id
