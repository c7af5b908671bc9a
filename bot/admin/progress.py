"""The live status message of a broadcast: one message, edited at most every few seconds by a named job."""

from __future__ import annotations

import logging

from pydantic import BaseModel
from telegram.error import BadRequest
from telegram.ext import JobQueue

from bot.admin import texts
from bot.context import Context
from subscribers.notices import progress

log = logging.getLogger(__name__)


class StatusWatch(BaseModel):
    """What the progress job edits: the status message and the outbox rows it counts."""

    chat_id: int
    message_id: int
    kind: str
    ref_id: int
    last_text: str = ""


def job_name(kind: str, ref_id: int) -> str:
    """The job's name, so a restart or a test can find it."""
    return f"{kind}-progress-{ref_id}"


def watch(job_queue: JobQueue, status: StatusWatch, interval_seconds: float) -> None:
    """Start editing the status message every `interval_seconds` until the rows are all done."""
    job_queue.run_repeating(
        progress_job, interval=interval_seconds, first=interval_seconds, name=job_name(status.kind, status.ref_id),
        data=status,
    )


async def update_status(context: Context, status: StatusWatch) -> bool:
    """Edit the status message if its text changed; True once the broadcast is finished."""
    current = progress(context.bot_data.db, status.kind, status.ref_id)
    text = texts.progress_text(current)
    if text != status.last_text:
        try:
            await context.bot.edit_message_text(text, chat_id=status.chat_id, message_id=status.message_id)
        except BadRequest as exc:
            # "message is not modified" or deleted by the admin: nothing to fix, keep counting.
            log.info("status message not edited: %s", exc.message)
        status.last_text = text
    return current.finished


async def progress_job(context: Context) -> None:
    """JobQueue callback: refresh the status message; stop once everything has an end state."""
    job = context.job
    assert job is not None and isinstance(job.data, StatusWatch)
    if await update_status(context, job.data):
        job.schedule_removal()
