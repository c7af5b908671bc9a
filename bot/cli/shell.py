"""The shell twins of the admin commands: what `floodbot invite|broadcast|export` call."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database
from telegram import Bot

from bot.admin import export_xlsx
from bot.admin.invite import invite_row
from bot.admin.notices import EmptyNoticeError, Notice, NoticeCityError, NoticeTooLongError, prepare, send
from bot.delivery.worker import deliver_due
from bot.settings import Settings
from bot.cli.init import CityInvite
from subscribers import audit, exports, notices
from subscribers.db import open_db
from subscribers.invites import UnknownCityError
from subscribers.outbox import Kind

SHELL_ACTOR = "shell"
PROGRESS_REFRESH_SECONDS = 0.2


class AdminCommandError(Exception):
    """The shell asked for something that cannot be done (unknown city, empty text...)."""


def _now() -> datetime:
    return datetime.now(UTC)


def shell_invite(settings: Settings, city_id: str, now: datetime) -> CityInvite:
    """A new invite for a city, audited as the shell; only configured cities (a removed one stays in the store)."""
    known = [c.id for c in settings.cities]
    if city_id not in known:
        raise AdminCommandError(f"unknown city {city_id!r}; known: {', '.join(known)}")
    db = open_db(settings.database)
    try:
        try:
            row = invite_row(settings, db, city_id, SHELL_ACTOR, now)
        except UnknownCityError:
            listed = ", ".join(c.id for c in settings.cities)
            raise AdminCommandError(f"unknown city {city_id!r}; known: {listed}") from None
        audit.record(db, now, SHELL_ACTOR, "invite", city=city_id, code=row.code)
        return row
    finally:
        db.close()


def shell_broadcast(
    settings: Settings,
    cities: list[str] | None,
    text: str,
    now: Callable[[], datetime] = _now,
    on_progress: Callable[[notices.Progress], None] | None = None,
) -> tuple[int, notices.Progress, bool]:
    """Enqueue a notice (cities None = all) and, with a token, send it; (notice id, counts, sent here)."""
    try:
        notice = prepare(text, cities, [c.id for c in settings.cities])
    except EmptyNoticeError:
        raise AdminCommandError("--text is empty") from None
    except NoticeTooLongError as exc:
        raise AdminCommandError(f"--text has {exc.length} characters; at most {exc.limit}") from None
    except NoticeCityError as exc:
        raise AdminCommandError(f"unknown city {exc.city!r}; known: {', '.join(sorted(exc.known))}") from None
    db = open_db(settings.database)
    try:
        if settings.telegram.token is None:
            notice_id, _ = send(db, notice, SHELL_ACTOR, now())
            return notice_id, notices.progress(db, Kind.NOTICE, notice_id), False
        return asyncio.run(_send_now(settings, db, notice, now, on_progress))
    finally:
        db.close()


def _bot(settings: Settings) -> Bot:
    assert settings.telegram.token is not None
    return Bot(
        settings.telegram.token.get_secret_value(),
        base_url=settings.telegram.base_url,
        base_file_url=settings.telegram.base_file_url,
    )


async def _send_now(
    settings: Settings,
    db: Database,
    notice: Notice,
    now: Callable[[], datetime],
    on_progress: Callable[[notices.Progress], None] | None,
) -> tuple[int, notices.Progress, bool]:
    """One Bot for the whole command: its getMe checks the token, then queue the notice and drain it."""
    # A rejected token (InvalidToken) stops at `async with`, before anything is queued: a retry never sends twice.
    async with _bot(settings) as bot:
        notice_id, rows = send(db, notice, SHELL_ACTOR, now())
        if rows == 0:
            return notice_id, notices.progress(db, Kind.NOTICE, notice_id), False
        return notice_id, await _drain(bot, settings, db, notice_id, now, on_progress), True


def _workbook(settings: Settings, db: Database, kind: str, output: Path | None) -> bytes:
    rows = exports.export_rows(db, kind, settings.tz)
    links: dict[str, str] = {}
    folder = output.with_name(output.stem + "-photos") if output else None
    has_photos = kind == "reports" and any(r.get("photos") for r in rows)
    if has_photos and folder is not None and settings.telegram.token is not None:
        links = asyncio.run(_download(settings, rows, folder))
    return export_xlsx.workbook(kind, rows, settings.tz, links, folder.name if folder else "")


async def _download(settings: Settings, rows: list[dict], folder: Path) -> dict[str, str]:
    async with _bot(settings) as bot:
        return await export_xlsx.download_photos(bot, rows, folder)


async def _drain(
    bot: Bot,
    settings: Settings,
    db: Database,
    notice_id: int,
    now: Callable[[], datetime],
    on_progress: Callable[[notices.Progress], None] | None,
) -> notices.Progress:
    """Run the delivery worker once (it drains every due row), showing this notice's progress meanwhile."""
    worker = asyncio.create_task(deliver_due(bot, db, settings, now))
    while not worker.done():
        if on_progress:
            on_progress(notices.progress(db, Kind.NOTICE, notice_id))
        # A display refresh, not synchronisation: the loop ends when the worker does.
        await asyncio.wait([worker], timeout=PROGRESS_REFRESH_SECONDS)
    await worker
    result = notices.progress(db, Kind.NOTICE, notice_id)
    if on_progress:
        on_progress(result)
    return result


def shell_export(settings: Settings, kind: str, fmt: str, output: Path | None = None) -> str | bytes:
    """One export: CSV with BOM or GeoJSON as text, or an .xlsx workbook as bytes (its photos saved beside `output`)."""
    db = open_db(settings.database)
    try:
        try:
            if fmt == "xlsx":
                result: str | bytes = _workbook(settings, db, kind, output)
            else:
                result = exports.export(db, kind, fmt, settings.tz)
        except exports.ExportError as exc:
            raise AdminCommandError(str(exc)) from None
        audit.record(db, _now(), SHELL_ACTOR, "export", kind=kind, format=fmt)
        return result
    finally:
        db.close()
