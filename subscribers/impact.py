"""The impact report: per city and livelihood, who was warned, acknowledged and answered the survey,
what they did, and the loss avoided or suffered, as baht ranges.

Honest about sample size: every figure carries its n, sums are of the answers given (low and high
end of each range), the open top range is counted at its floor and flagged, and nothing is
extrapolated to leaders who did not answer. The unit is a leader × warning thread × livelihood.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel
from sqlite_utils import Database

from subscribers.leaders import Livelihood
from subscribers.outbox import WARNED_KINDS
from subscribers.surveys import BOUNDS, RANGES, Action, Arrival, LossRange, SurveyAnswer, answers_for
from subscribers.timeutil import to_db
from subscribers.warnings import WarningStatus
from subscribers.warnings import earlier_versions

# Outbox kinds that put a warning in front of a leader (reminders and cancels only follow one).
ALL = "all"


class ImpactError(Exception):
    """The report cannot be made for this scope (no such warning)."""


class RangeSummary(BaseModel):
    """Answers to one loss question: n, the sum of range floors and ceilings, and the median range."""

    n: int = 0
    low: int = 0
    high: int = 0
    # Answers in the open top range: counted at its floor in `high` too, so `high` is "at least".
    open_ended: int = 0
    median: LossRange | None = None


class ImpactRow(BaseModel):
    """One city × livelihood (or a total, city_id/livelihood ALL)."""

    city_id: str
    livelihood: str
    warned: int
    acknowledged: int
    answered: int
    arrival_n: int
    arrival: dict[Arrival, int]
    actions_n: int
    acted: int
    actions: dict[Action, int]
    loss_avoided: RangeSummary
    loss_happened: RangeSummary

    @property
    def acted_share(self) -> float | None:
        """Share of those who answered "what did you do" who did something; None when nobody answered."""
        return self.acted / self.actions_n if self.actions_n else None


class ImpactReport(BaseModel):
    warning_ids: list[int]
    rows: list[ImpactRow]
    # The same figures per livelihood over all cities (the chart), and over everything.
    livelihoods: list[ImpactRow]
    total: ImpactRow


class _Unit(BaseModel):
    thread: int
    chat_id: int
    city_id: str
    livelihood: str
    warned: bool
    acknowledged: bool
    answer: SurveyAnswer | None = None


def thread_of(db: Database, warning_id: int) -> list[int]:
    """Every version of this warning's thread: the earlier ones and those that came after it."""
    if not db.table("warnings").count_where("id = ?", [warning_id]):
        raise ImpactError(f"no warning {warning_id}")
    ids = {warning_id}
    todo = [warning_id]
    while todo:
        current = todo.pop()
        for other in [*earlier_versions(db, current), *_later_versions(db, current)]:
            if other not in ids:
                ids.add(other)
                todo.append(other)
    return sorted(ids)


def _later_versions(db: Database, warning_id: int) -> list[int]:
    # The reverse of earlier_versions' links: same key and newer, superseding it, or naming it in references.
    sql = """
    select n.id from warnings w join warnings n on n.id > w.id
      and ((n.sender = w.sender and n.identifier = w.identifier) or n.supersedes = w.id)
    where w.id = ?
    union
    select r.warning_id from warnings w join warning_references r on r.sender = w.sender and r.identifier = w.identifier
    where w.id = ? and r.warning_id > w.id
    """
    return [row[0] for row in db.execute(sql, [warning_id, warning_id]).fetchall()]


def warnings_between(db: Database, start: datetime, end: datetime) -> list[int]:
    """Real warnings (no drills or tests) sent in [start, end): a month's report."""
    sql = (
        "select id from warnings where sent >= ? and sent < ?"
        f" and status not in ('{WarningStatus.EXERCISE}', '{WarningStatus.TEST}') order by id"
    )
    return [row["id"] for row in db.query(sql, [to_db(start), to_db(end)])]


def _threads(db: Database, warning_ids: Iterable[int]) -> dict[int, list[int]]:
    threads: dict[int, list[int]] = {}
    seen: set[int] = set()
    for warning_id in warning_ids:
        if warning_id in seen:  # a month lists every version; each thread is walked once
            continue
        ids = thread_of(db, warning_id)
        seen.update(ids)
        threads[ids[0]] = ids
    return threads


def _units(db: Database, thread: int, ids: list[int]) -> list[_Unit]:
    marks = ", ".join("?" for _ in ids)
    kinds = ", ".join("?" for _ in WARNED_KINDS)
    warned = {
        r["chat_id"]
        for r in db.query(
            f"select distinct chat_id from outbox where ref_id in ({marks}) and kind in ({kinds}) and status = 'sent'",
            [*ids, *WARNED_KINDS],
        )
    }
    sql = f"select distinct chat_id from acknowledgements where warning_id in ({marks})"
    acked = {r["chat_id"] for r in db.query(sql, ids)}
    # A leader who answered twice in one thread (two versions): the latest answer per livelihood counts.
    answers: dict[tuple[int, str], SurveyAnswer] = {}
    for answer in sorted(answers_for(db, ids), key=lambda a: a.updated_at):
        answers[(answer.chat_id, str(answer.livelihood))] = answer
    chats = warned | {chat for chat, _ in answers}
    if not chats:
        return []
    leader_marks = ", ".join("?" for _ in chats)
    leaders = {
        r["chat_id"]: r
        for r in db.query(
            f"select chat_id, city_id, livelihood from leaders where chat_id in ({leader_marks})", list(chats)
        )
    }
    units = []
    for chat_id in sorted(chats):
        leader = leaders[chat_id]
        mine = {liv: a for (chat, liv), a in answers.items() if chat == chat_id}
        for livelihood in sorted(mine) or [leader["livelihood"] or str(Livelihood.OTHER)]:
            units.append(
                _Unit(
                    thread=thread,
                    chat_id=chat_id,
                    city_id=leader["city_id"],
                    livelihood=livelihood,
                    warned=chat_id in warned,
                    acknowledged=chat_id in acked,
                    answer=mine.get(livelihood),
                )
            )
    return units


def summarize_ranges(ranges: list[LossRange]) -> RangeSummary:
    """Sum of floors and ceilings (the open top range at its floor, flagged) and the median range (lower middle)."""
    if not ranges:
        return RangeSummary()
    low = sum(BOUNDS[r][0] for r in ranges)
    high = sum(hi if (hi := BOUNDS[r][1]) is not None else BOUNDS[r][0] for r in ranges)
    median = RANGES[statistics.median_low(RANGES.index(r) for r in ranges)]
    return RangeSummary(
        n=len(ranges), low=low, high=high, open_ended=sum(BOUNDS[r][1] is None for r in ranges), median=median
    )


def _row(city_id: str, livelihood: str, units: list[_Unit]) -> ImpactRow:
    answers = [u.answer for u in units if u.answer is not None]
    arrivals = [a.arrived for a in answers if a.arrived is not None]
    action_lists = [a.actions for a in answers if a.actions]
    return ImpactRow(
        city_id=city_id,
        livelihood=livelihood,
        warned=sum(u.warned for u in units),
        acknowledged=sum(u.acknowledged for u in units),
        answered=len(answers),
        arrival_n=len(arrivals),
        arrival={kind: arrivals.count(kind) for kind in Arrival},
        actions_n=len(action_lists),
        acted=sum(any(a != Action.NOTHING for a in actions) for actions in action_lists),
        actions={kind: sum(kind in actions for actions in action_lists) for kind in Action},
        loss_avoided=summarize_ranges([a.loss_avoided for a in answers if a.loss_avoided is not None]),
        loss_happened=summarize_ranges([a.loss_happened for a in answers if a.loss_happened is not None]),
    )


def impact_report(db: Database, warning_ids: list[int]) -> ImpactReport:
    """The report over these warnings (each taken with its whole thread), rows by city then livelihood."""
    threads = _threads(db, warning_ids)
    units = [unit for root, ids in sorted(threads.items()) for unit in _units(db, root, ids)]
    groups: dict[tuple[str, str], list[_Unit]] = {}
    by_livelihood: dict[str, list[_Unit]] = {}
    for unit in units:
        groups.setdefault((unit.city_id, unit.livelihood), []).append(unit)
        by_livelihood.setdefault(unit.livelihood, []).append(unit)
    order = {str(x): i for i, x in enumerate(Livelihood)}
    keys = sorted(groups, key=lambda k: (k[0], order.get(k[1], len(order))))
    return ImpactReport(
        warning_ids=sorted(i for ids in threads.values() for i in ids),
        rows=[_row(city, livelihood, groups[(city, livelihood)]) for city, livelihood in keys],
        livelihoods=[
            _row(ALL, livelihood, by_livelihood[livelihood])
            for livelihood in sorted(by_livelihood, key=lambda x: order.get(x, len(order)))
        ],
        total=_row(ALL, ALL, units),
    )
