"""A minimal sender for one notice's or drill's outbox rows.

This is the seam for issue 5's delivery worker (`bot.delivery.deliver_due`): the shell's
`floodbot broadcast` drains with it, and so do tests, until the worker is merged.
It keeps the design's promises that matter here: Telegram's overall rate, `retry_after`
obeyed, and 403 / "chat not found" marking the leader inactive.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlite_utils import Database
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from subscribers.leaders import deactivate
from subscribers.notices import Progress, progress
from subscribers.timeutil import to_db

log = logging.getLogger(__name__)

MAX_RETRIES = 3


def _seconds(value: object) -> float:
    # PTB 22 gives retry_after as int or timedelta depending on its settings.
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)  # type: ignore[union-attr]


async def _send_one(bot: Bot, db: Database, row: dict, now: Callable[[], datetime]) -> None:
    for _attempt in range(MAX_RETRIES):
        try:
            message = await bot.send_message(row["chat_id"], row["text"], parse_mode=ParseMode.HTML)
        except RetryAfter as exc:
            await asyncio.sleep(_seconds(exc.retry_after))
            continue
        except Forbidden as exc:
            _finish(db, row, "failed", f"blocked: {exc.message}", now())
            deactivate(db, row["chat_id"], "blocked", now())
            return
        except BadRequest as exc:  # subclasses NetworkError, so it comes first
            if "chat not found" in exc.message.lower():
                deactivate(db, row["chat_id"], "chat not found", now())
            _finish(db, row, "failed", exc.message, now())
            return
        except (NetworkError, TelegramError) as exc:
            db.execute("update outbox set attempts = attempts + 1, last_error = ? where id = ?", [str(exc), row["id"]])
            continue
        db.execute(
            "update outbox set status = 'sent', attempts = attempts + 1, message_id = ?, sent_at = ? where id = ?",
            [message.message_id, to_db(now()), row["id"]],
        )
        return
    _finish(db, row, "failed", "gave up after retries", now())


def _finish(db: Database, row: dict, status: str, error: str, now: datetime) -> None:
    db.execute(
        "update outbox set status = ?, attempts = attempts + 1, last_error = ? where id = ?",
        [status, error, row["id"]],
    )


async def send_pending(
    bot: Bot,
    db: Database,
    kind: str,
    ref_id: int,
    now: Callable[[], datetime],
    rate_per_second: float,
    on_progress: Callable[[Progress], None] | None = None,
    limit: int | None = None,
) -> Progress:
    """Send the pending outbox rows (at most `limit`) of one notice or drill at `rate_per_second`; the counts."""
    rows = list(
        db.query(
            "select id, chat_id, text from outbox where kind = ? and ref_id = ? and status = 'pending' order by id",
            [kind, ref_id],
        )
    )[:limit]
    for row in rows:
        await _send_one(bot, db, row, now)
        if on_progress:
            on_progress(progress(db, kind, ref_id))
        await asyncio.sleep(1 / rate_per_second)
    return progress(db, kind, ref_id)
