"""Forwarding a finished field report to the admin chat: the summary, then each photo.

The admin chat is a group, and Telegram allows about 20 messages a minute there, so an album can
hit 429: the rest is then sent by a named job after `retry_after`, never dropped.
"""

from __future__ import annotations

import logging
from typing import cast

from telegram.error import RetryAfter, TelegramError

from bot.leaders import drafts, texts
from bot.delivery.worker import retry_after_seconds
from bot.context import Context
from subscribers.leaders import get_leader
from subscribers.reports import get_report

log = logging.getLogger(__name__)


async def forward_report(context: Context, report_id: int, step: int = 0) -> None:
    """Send report `report_id` to the admin chat from `step` on (0 the summary, n the n-th photo)."""
    data = context.bot_data
    admin_chat = data.settings.telegram.admin_chat_id
    report = get_report(data.db, report_id)
    if admin_chat is None or report is None:
        log.warning("report %s not forwarded: no admin chat configured or no such report", report_id)
        return
    leader = get_leader(data.db, report.chat_id)
    assert leader is not None  # a report comes from a leader, and leaders are never deleted
    try:
        while step <= len(report.photos):
            if step == 0:
                text = drafts.admin_summary(data.db, report, leader, data.settings.tz)
                await context.bot.send_message(admin_chat, text)
            else:
                caption = texts.ADMIN_REPORT_PHOTO.format(number=report.id, index=step, count=len(report.photos))
                await context.bot.send_photo(admin_chat, report.photos[step - 1], caption=caption)
            step += 1
    except RetryAfter as exc:
        _resume_later(context, report_id, step, retry_after_seconds(exc))
    except TelegramError:
        # The report is stored and the leader has its number; admins can still read it from the store.
        log.exception("report %s not forwarded to the admin chat %s", report_id, admin_chat)


def _resume_later(context: Context, report_id: int, step: int, seconds: float) -> None:
    if context.job_queue is None:
        log.error("report %s: Telegram asked to wait %ss and there is no job queue; rest not sent", report_id, seconds)
        return
    log.info("report %s: admin chat rate-limited, resuming at step %s in %ss", report_id, step, seconds)
    context.job_queue.run_once(
        _resume, when=seconds, data=(report_id, step), name=f"report-forward-{report_id}"
    )


async def _resume(context: Context) -> None:
    assert context.job is not None  # a job callback runs for its job
    report_id, step = cast(tuple[int, int], context.job.data)  # as _resume_later queued it
    await forward_report(context, report_id, step)
