"""The fan-out stage: from a poll's decisions to the outbox, who gets which warning version, with which text.

One outbox row per (warning version, chat), enqueued idempotently, so queuing the same version
twice never sends twice; `bot.pipeline.cycle` runs it in the store stage's transaction, so a crash
never leaves a warning stored but not queued. Also the late joiner's queue (`queue_in_force`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from pydantic import ValidationError
from sqlite_utils import Database

from alerts.matching import CityMatcher, passes_floor
from alerts.model import City, Warning
from alerts.render import MessageKind
from bot.pipeline.messages import message_kind, render_for
from bot.pipeline.report import PollItem, PollReport
from bot.settings import Settings
from subscribers import outbox
from subscribers.cities import city_row
from subscribers.leaders import Leader, active_leaders, get_leader
from subscribers.outbox import Kind, OutboxItem
from subscribers.warnings import get_warning, warnings_in_force

log = logging.getLogger(__name__)

_OUTBOX_KIND = {
    MessageKind.NEW: Kind.ALERT,
    MessageKind.UPDATE: Kind.UPDATE,
    # The worker sees the all-clear by the warning's 'ended' status: a reply that removes the buttons.
    MessageKind.ALL_CLEAR: Kind.UPDATE,
    MessageKind.CANCEL: Kind.CANCEL,
    MessageKind.DRILL: Kind.DRILL,
}


def recipients(
    db: Database, kind: MessageKind, item: PollItem, covered: Sequence[City], thread: Sequence[int]
) -> list[Leader]:
    """Active leaders who should get this version: those of the covered cities, plus for a follow-up
    everyone who got an earlier version."""
    by_id = {c.id: c for c in covered}
    chosen: dict[int, Leader] = {}
    for leader in active_leaders(db, list(by_id)):
        # Floors gate new alarms; a follow-up goes to everyone in the area, and the worker skips a
        # cancel to a leader who never got the warning.
        if kind in (MessageKind.NEW, MessageKind.UPDATE, MessageKind.DRILL) and not passes_floor(
            item.warning_for(leader.city_id), by_id[leader.city_id], leader.minor_opt_in
        ):
            continue
        chosen[leader.chat_id] = leader
    if kind is not MessageKind.NEW and thread:
        # Leaders who got an earlier version hear how it ends, even if the new version's area shrank.
        earlier = outbox.chats_with_messages(db, list(thread)) - chosen.keys()
        chosen.update((leader.chat_id, leader) for leader in active_leaders(db) if leader.chat_id in earlier)
    return list(chosen.values())


def previous_version(db: Database, thread: Sequence[int]) -> Warning | None:
    """The latest earlier version of a thread as parsed, so an update can say what changed."""
    for warning_id in sorted(thread, reverse=True):
        stored = get_warning(db, warning_id)
        if stored is None:
            continue
        try:
            return Warning.model_validate_json(stored.parsed)
        except ValidationError:
            return None  # an old row in another shape: the update just does not say what changed
    return None


# The text-cache slot of the area-removed reply (info blocks count from 0).
_REMOVED = -1


def items_for(
    db: Database, settings: Settings, item: PollItem, cities: Sequence[City]
) -> list[tuple[str, OutboxItem]]:
    """The outbox rows one poll item asks for, each with its leader's city (none when it is not to be sent)."""
    if not item.send or item.warning_id is None:
        return []
    kind = message_kind(item.warning, item.status)
    if kind is None:
        return []
    thread = [w for w in outbox.thread_ids(db, item.warning_id) if w != item.warning_id]
    by_id = {c.id: c for c in cities}
    covered = [by_id[c] for c in item.cities if c in by_id]
    out_kind = _OUTBOX_KIND[kind]
    priority = outbox.priority_for(out_kind, str(item.warning.severity))
    previous = previous_version(db, thread) if kind is MessageKind.UPDATE else None
    texts: dict[tuple[str, str, int], str] = {}  # rendered once per (own city, livelihood, info block)
    rows: list[tuple[str, OutboxItem]] = []
    for leader in recipients(db, kind, item, covered, thread):
        # An update that no longer covers the leader's city: a short reply, no button, reminders stop.
        removed = kind is MessageKind.UPDATE and leader.city_id not in item.cities
        livelihood = str(leader.livelihood)
        block = _REMOVED if removed else item.block_for(leader.city_id)
        key = (leader.city_id, livelihood, block)
        if key not in texts:
            own = by_id.get(leader.city_id)
            if removed:
                texts[key] = render_for(item.warning, kind, covered, livelihood, settings.tz, own, previous)
            else:
                # Each city is told the most severe info block covering it (one block: the warning itself).
                block_cities = [c for c in covered if item.block_for(c.id) == block]
                view = item.warning.for_block(block)
                texts[key] = render_for(view, kind, block_cities or covered, livelihood, settings.tz, own, previous)
        row = OutboxItem(
            kind=Kind.AREA_REMOVED if removed else out_kind, ref_id=item.warning_id, chat_id=leader.chat_id,
            text=texts[key], priority=outbox.priority_for(Kind.AREA_REMOVED) if removed else priority,
        )
        rows.append((leader.city_id, row))
    return rows


def _city(db: Database, settings: Settings, city_id: str) -> City | None:
    """The configured city, else the one the store keeps (a city dropped from the config keeps its leaders)."""
    configured = next((c.to_city() for c in settings.cities if c.id == city_id), None)
    if configured is not None:
        return configured
    row = city_row(db, city_id)
    if row is None:
        return None
    fields = ("id", "name_th", "province_code", "tambon_code", "lat", "lon", "min_severity")
    return City(**{k: row[k] for k in fields if row.get(k) is not None})


def queue_in_force(db: Database, settings: Settings, chat_id: int, now: datetime) -> int:
    """A leader joined or re-activated: queue every warning in force for their city (above their floor)
    as the normal alert for their livelihood, with the button, reminders and escalation; returns how many."""
    leader = get_leader(db, chat_id)
    if leader is None or not leader.active:
        return 0
    city = _city(db, settings, leader.city_id)
    if city is None:
        return 0
    rows = []
    matcher = CityMatcher([city])
    for stored in warnings_in_force(db, leader.city_id, now):
        try:
            warning = Warning.model_validate_json(stored.parsed)
        except ValidationError as exc:  # one unreadable row never keeps the others from the leader
            log.error("warning %s in force cannot be rendered again for %s: %s", stored.id, chat_id, exc)
            continue
        if not passes_floor(warning, city, leader.minor_opt_in) or chat_id in outbox.chats_with_messages(
            db, [stored.id]
        ):
            continue
        # The city's own info block, as the poll that first sent it chose (the most severe covering it).
        matched = matcher.match(warning)
        view = warning.for_block(matched[0].block if matched else 0)
        rows.append(
            OutboxItem(
                kind=Kind.ALERT, ref_id=stored.id, chat_id=chat_id,
                text=render_for(view, MessageKind.NEW, [city], str(leader.livelihood), settings.tz, city),
                priority=outbox.priority_for(Kind.ALERT, str(warning.severity)),
            )
        )
    added = outbox.enqueue(db, rows, now) if rows else 0
    if added:
        log.info("late joiner %s: %d warnings in force queued", chat_id, added)
    return added


def dispatch(db: Database, settings: Settings, report: PollReport, now: datetime) -> int:
    """Enqueue every message a poll asks for, setting each item's recipients per city; returns how many rows
    were new."""
    cities = [c.to_city() for c in settings.cities]
    order = {c.id: i for i, c in enumerate(cities)}
    added = 0
    for item in report.items:
        planned = items_for(db, settings, item, cities)
        per_city = Counter(city for city, _ in planned)
        # Configured cities in their order, then any city dropped from the config that still has leaders.
        item.recipients = {c: per_city[c] for c in sorted(per_city, key=lambda c: (order.get(c, len(order)), c))}
        rows = [row for _, row in planned]
        if rows:
            new = outbox.enqueue(db, rows, now)
            added += new
            log.info(
                "fan-out: %s %s/%s %s -> %d leaders (%d new rows)",
                item.status, item.warning.sender, item.warning.identifier, item.warning.event, len(rows), new,
            )
    return added
