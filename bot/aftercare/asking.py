"""Asking the leaders: the check-in question and the after-action survey, queued in the outbox (the
worker adds their buttons), and the named job that starts both after Severe/Extreme warnings.

A check-in starts when a Severe or Extreme warning is in force (its alert rows are queued first and go
first: they have the higher priority) and closes when no version of the warning is in force any more;
a survey starts when such a warning has ended. Each thread is asked once (`subscribers.aftercare`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlite_utils import Database

from bot.aftercare import texts as t
from bot.settings import Settings
from subscribers import aftercare, checkins
from subscribers.checkins import CheckinRound
from subscribers.cities import city_name
from subscribers.leaders import active_leaders, get_leader
from subscribers.notices import Recipient, enqueue_rows
from subscribers.outbox import Kind
from subscribers.warnings import WarningStatus, get_warning

if TYPE_CHECKING:
    from bot.context import BotData, Context

log = logging.getLogger(__name__)

JOB_NAME = "aftercare-start"
CHECK_SECONDS = 30
# Warnings first seen (or ended) longer ago are not asked about: a bot started after a long stop does
# not ask about last week's storm.
LOOKBACK = timedelta(hours=6)
# A survey is queued again (idempotently) for this long after it starts, so leaders whose alert was
# still being delivered when the warning ended are asked too.
SURVEY_FANOUT = timedelta(hours=1)
AUTO = "auto"


def start_checkin(
    db: Database,
    settings: Settings,
    city_ids: list[str],
    now: datetime,
    started_by: str,
    warning_id: int | None = None,
    drill: bool = False,
) -> tuple[CheckinRound, int]:
    """Open a round for these cities and queue the question to each leader asked; returns (round, rows)."""
    wait = timedelta(minutes=settings.checkins.unknown_after_minutes)
    # Only cities with someone to ask: the admin chat gets no empty summary for a city without leaders.
    asked = sorted({leader.city_id for leader in active_leaders(db, city_ids)})
    with db.atomic():
        round_ = checkins.start_round(db, asked, now, wait, started_by, warning_id, drill)
        added = _queue_question(db, round_, checkins.recipients(db, round_.id), now)
    return round_, added


def _queue_question(db: Database, round_: CheckinRound, asked: list[checkins.Recipient], now: datetime) -> int:
    # A drill's round is linked to its exercise warning (so it closes when the drill ends), asked by the admin.
    stored = get_warning(db, round_.warning_id) if round_.warning_id is not None and not round_.drill else None
    reason = t.checkin_reason(stored.severity, stored.event) if stored else t.checkin_reason(None, None)
    names = {city_id: city_name(db, city_id) for city_id in {r.city_id for r in asked}}
    rows = [
        Recipient(chat_id=r.chat_id, city_id=r.city_id, text=t.checkin_message(names[r.city_id], reason, round_.drill))
        for r in asked
    ]
    return enqueue_rows(db, Kind.CHECKIN, round_.id, rows, now)


def ask_late_joiner(db: Database, chat_id: int, now: datetime) -> int:
    """A leader joined or re-activated: ask them in every round still open for their city, as those asked
    at its start (they count in its triage from now); returns the rows queued."""
    leader = get_leader(db, chat_id)
    if leader is None or not leader.active:
        return 0
    added = 0
    for round_ in checkins.rounds_open_for(db, leader.city_id, now - checkins.ROUND_WINDOW):
        with db.atomic():
            if checkins.add_recipient(db, round_.id, chat_id, leader.city_id):
                asked = [checkins.Recipient(chat_id=chat_id, city_id=leader.city_id, name=leader.name or "")]
                added += _queue_question(db, round_, asked, now)
    if added:
        log.info("late joiner %s: asked in %d open check-in rounds", chat_id, added)
    return added


def queue_survey(db: Database, settings: Settings, warning_id: int, now: datetime) -> int:
    """Queue the survey's first question to every active leader who got the warning; returns new rows."""
    stored = get_warning(db, warning_id)
    if stored is None:
        return 0
    drill = stored.status == WarningStatus.EXERCISE
    rows = [
        Recipient(
            chat_id=r.chat_id,
            city_id=r.city_id,
            text=t.survey_message(stored.event, stored.sent, r.livelihood, settings.tz, drill),
        )
        for r in aftercare.survey_recipients(db, warning_id)
    ]
    return enqueue_rows(db, Kind.SURVEY, warning_id, rows, now)


def start_due(db: Database, settings: Settings, now: datetime) -> tuple[int, int, int]:
    """Start the check-ins and surveys that are due, queue started surveys, close rounds whose warning
    ended; returns (rounds started, survey rows queued, rounds closed)."""
    started = 0
    for due in aftercare.checkins_due(db, now, now - LOOKBACK):
        round_, rows = start_checkin(db, settings, due.cities, now, AUTO, due.warning_id)
        log.info("check-in %s after warning %s: %d leaders", round_.id, due.warning_id, rows)
        started += 1
    for due in aftercare.surveys_due(db, now - LOOKBACK):
        aftercare.start_survey(db, due.warning_id, now, AUTO)
    queued = 0
    for warning_id in aftercare.surveys_started(db, now - SURVEY_FANOUT, now):
        added = queue_survey(db, settings, warning_id, now)
        if added:
            log.info("survey of warning %s: %d leaders", warning_id, added)
        queued += added
    closed = aftercare.rounds_over(db, now)
    for round_id in closed:
        checkins.close_round(db, round_id, now)
    return started, queued, len(closed)


async def start_job(context: Context) -> tuple[int, int, int]:
    """The named job behind automatic check-ins and surveys."""
    data: BotData = context.bot_data
    return start_due(data.db, data.settings, data.now())
