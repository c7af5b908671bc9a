"""Reminders and escalation for Severe and Extreme warnings nobody has acknowledged.

Reminders go through the outbox (kind 'reminder', unique per warning and chat), so they survive
a restart and are sent once. Escalations are recorded per (warning, city) for the same reason.
Both stop when the leader acknowledges or the warning ends: the queries only see sendable,
unacknowledged rows, and the worker re-checks a reminder before sending it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlite_utils import Database
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.delivery import texts as delivery_text
from bot.settings import Settings
from subscribers import acks, outbox
from subscribers.cities import city_name
from subscribers.leaders import get_leader
from subscribers.outbox import Kind, OutboxItem

log = logging.getLogger(__name__)


class FollowUpStats(BaseModel):
    reminders: int = 0
    escalations: int = 0


def enqueue_reminders(db: Database, settings: Settings, now: datetime) -> int:
    """Queue one reminder (a reply to the alert) per leader who has not acknowledged in time."""
    before = now - timedelta(minutes=settings.delivery.remind_after_minutes)
    items = []
    for late in acks.unacked_since(db, before):
        state = acks.warning_state(db, late.warning_id)
        if state is None or not state.sendable(now):
            continue
        items.append(
            OutboxItem(
                kind=Kind.REMINDER,
                ref_id=late.warning_id,
                chat_id=late.chat_id,
                text=delivery_text.reminder(
                    state.event, state.severity, city_name(db, late.city_id), state.expires, settings.tz
                ),
                priority=outbox.priority_for(Kind.REMINDER, state.severity),
                reply_to_message_id=late.message_id,
            )
        )
    return outbox.enqueue(db, items, now) if items else 0


async def escalate(bot: Bot, db: Database, settings: Settings, now: datetime) -> int:
    """Tell the admin chat who has not acknowledged within `escalate_after_minutes` of being sent.

    Only leaders whose alert is that old count, so a run inside a fan-out names those served so far;
    the ones served later are named in a follow-up when they reach the age. Long lists are split
    under Telegram's 4,096 characters. Returns the number of (warning, city) messages sent.
    """
    admin_chat = settings.telegram.admin_chat_id
    if admin_chat is None:
        return 0
    before = now - timedelta(minutes=settings.delivery.escalate_after_minutes)
    groups: dict[tuple[int, str], list[acks.Unacked]] = {}
    told_before: dict[int, set[int]] = {}
    for late in acks.unacked_since(db, before):
        told = told_before.setdefault(late.warning_id, acks.escalated_chats(db, late.warning_id))
        if late.chat_id not in told:
            groups.setdefault((late.warning_id, late.city_id), []).append(late)
    sent = 0
    for (warning_id, city_id), group in groups.items():
        state = acks.warning_state(db, warning_id)
        if state is None or not state.sendable(now):
            continue
        total = next(c for c in acks.acks_by_city(db, warning_id) if c.city_id == city_id)
        names = [(leader.name if (leader := get_leader(db, u.chat_id)) else "") or str(u.chat_id) for u in group]
        texts = delivery_text.escalation(
            state.event, state.severity, city_name(db, city_id), names, len(total.acked) + len(total.not_acked),
            min(u.sent_at for u in group), settings.tz, follow_up=acks.escalated(db, warning_id, city_id),
        )
        try:
            for text in texts:
                await bot.send_message(admin_chat, text, parse_mode=ParseMode.HTML)
        except TelegramError as exc:
            log.error("escalation of warning %s for %s not sent (next run retries): %s", warning_id, city_id, exc)
            continue
        chat_ids = [u.chat_id for u in group]
        acks.record_escalation(db, warning_id, city_id, chat_ids, now)
        acks.record_escalated_leaders(db, warning_id, chat_ids, now)
        log.warning("escalation: warning %s in %s: %d leaders have not acknowledged", warning_id, city_id, len(group))
        sent += 1
    return sent


async def follow_up(bot: Bot, db: Database, settings: Settings, now: datetime) -> FollowUpStats:
    """One run of the reminder job: queue reminders, then escalate."""
    return FollowUpStats(
        reminders=enqueue_reminders(db, settings, now), escalations=await escalate(bot, db, settings, now)
    )
