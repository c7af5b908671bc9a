"""After-action survey: per leader × warning × livelihood, did the warning arrive in time, what was done,
and roughly how much loss it avoided and how much happened anyway (baht ranges, never exact sums).

Each question is optional and saved as soon as it is answered, so a restart mid-survey loses nothing.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlite_utils import Database

from subscribers.leaders import Livelihood
from subscribers.timeutil import from_db, to_db


class Arrival(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    NOT_RECEIVED = "not_received"


class Action(StrEnum):
    BOAT_ASHORE = "boat_ashore"
    SECURE_GEAR = "secure_gear"
    MOVE_ANIMALS = "move_animals"
    RAISE_GOODS = "raise_goods"
    RAISE_BELONGINGS = "raise_belongings"
    MOVE_VEHICLE = "move_vehicle"
    STOP_WORK = "stop_work"
    EVACUATE = "evacuate"
    NOTHING = "nothing"


# The choices offered per livelihood, in button order; NOTHING excludes the others.
ACTIONS = {
    Livelihood.FISHING: (Action.BOAT_ASHORE, Action.SECURE_GEAR, Action.RAISE_BELONGINGS, Action.EVACUATE),
    Livelihood.FARMING: (Action.MOVE_ANIMALS, Action.RAISE_BELONGINGS, Action.STOP_WORK, Action.EVACUATE),
    Livelihood.LABOUR: (Action.STOP_WORK, Action.RAISE_BELONGINGS, Action.MOVE_VEHICLE, Action.EVACUATE),
    Livelihood.TRADE: (Action.RAISE_GOODS, Action.MOVE_VEHICLE, Action.STOP_WORK, Action.EVACUATE),
    Livelihood.OTHER: (Action.RAISE_BELONGINGS, Action.MOVE_VEHICLE, Action.STOP_WORK, Action.EVACUATE),
}


class LossRange(StrEnum):
    NONE = "none"
    UNDER_1K = "under_1k"
    FROM_1K_TO_5K = "1k_5k"
    FROM_5K_TO_20K = "5k_20k"
    OVER_20K = "over_20k"


# Baht (low, high) of each range; the top one has no upper bound.
BOUNDS: dict[LossRange, tuple[int, int | None]] = {
    LossRange.NONE: (0, 0),
    LossRange.UNDER_1K: (0, 1_000),
    LossRange.FROM_1K_TO_5K: (1_000, 5_000),
    LossRange.FROM_5K_TO_20K: (5_000, 20_000),
    LossRange.OVER_20K: (20_000, None),
}
RANGES = tuple(LossRange)


class SurveyError(Exception):
    """An answer that does not fit the question (an action not offered for this livelihood)."""


class SurveyAnswer(BaseModel):
    warning_id: int
    chat_id: int
    livelihood: Livelihood
    arrived: Arrival | None = None
    actions: list[Action] | None = None
    loss_avoided: LossRange | None = None
    loss_happened: LossRange | None = None
    answered_at: datetime
    updated_at: datetime


def choices(livelihood: Livelihood) -> tuple[Action, ...]:
    """The actions offered to this livelihood, NOTHING last."""
    return (*ACTIONS[livelihood], Action.NOTHING)


def toggled(actions: list[Action] | None, action: Action, livelihood: Livelihood) -> list[Action]:
    """The action list after one press: add or remove it; NOTHING and the others exclude each other."""
    if action not in choices(livelihood):
        raise SurveyError(f"{action} is not offered to {livelihood}")
    current = list(actions or [])
    if action in current:
        current.remove(action)
    elif action == Action.NOTHING:
        current = [Action.NOTHING]
    else:
        current = [*(a for a in current if a != Action.NOTHING), action]
    order = choices(livelihood)
    return sorted(current, key=order.index)


def _row(row: dict[str, Any]) -> SurveyAnswer:
    return SurveyAnswer(
        warning_id=row["warning_id"],
        chat_id=row["chat_id"],
        livelihood=row["livelihood"],
        arrived=row["arrived"],
        actions=json.loads(row["actions"]) if row["actions"] is not None else None,
        loss_avoided=row["loss_avoided"],
        loss_happened=row["loss_happened"],
        answered_at=from_db(row["answered_at"]),
        updated_at=from_db(row["updated_at"]),
    )


def get_answer(db: Database, warning_id: int, chat_id: int, livelihood: Livelihood) -> SurveyAnswer | None:
    """This leader's answers about this warning for this livelihood, or None."""
    row = next(
        iter(
            db.query(
                "select * from survey_answers where warning_id = ? and chat_id = ? and livelihood = ?",
                [warning_id, chat_id, str(livelihood)],
            )
        ),
        None,
    )
    return _row(row) if row else None


def _save(
    db: Database, warning_id: int, chat_id: int, livelihood: Livelihood, now: datetime, fields: dict[str, Any]
) -> SurveyAnswer:
    with db.atomic():
        key = {"warning_id": warning_id, "chat_id": chat_id, "livelihood": str(livelihood)}
        if get_answer(db, warning_id, chat_id, livelihood) is None:
            db.table("survey_answers").insert({**key, **fields, "answered_at": to_db(now), "updated_at": to_db(now)})
        else:
            sets = ", ".join(f"{name} = ?" for name in fields)
            db.execute(
                f"update survey_answers set {sets}, updated_at = ?"
                " where warning_id = ? and chat_id = ? and livelihood = ?",
                [*fields.values(), to_db(now), warning_id, chat_id, str(livelihood)],
            )
    saved = get_answer(db, warning_id, chat_id, livelihood)
    assert saved is not None
    return saved


def answer_arrived(
    db: Database, warning_id: int, chat_id: int, livelihood: Livelihood, arrived: Arrival, now: datetime
) -> SurveyAnswer:
    """Question 1: did the warning arrive in time to act."""
    return _save(db, warning_id, chat_id, livelihood, now, {"arrived": str(arrived)})


def toggle_action(
    db: Database, warning_id: int, chat_id: int, livelihood: Livelihood, action: Action, now: datetime
) -> SurveyAnswer:
    """Question 2: one press on an action button (several actions allowed)."""
    current = get_answer(db, warning_id, chat_id, livelihood)
    actions = toggled(current.actions if current else None, action, livelihood)
    return _save(db, warning_id, chat_id, livelihood, now, {"actions": json.dumps([str(a) for a in actions])})


def answer_loss(
    db: Database,
    warning_id: int,
    chat_id: int,
    livelihood: Livelihood,
    now: datetime,
    *,
    avoided: LossRange | None = None,
    happened: LossRange | None = None,
) -> SurveyAnswer:
    """Question 3: loss avoided and/or loss that happened anyway, as baht ranges."""
    fields = {}
    if avoided is not None:
        fields["loss_avoided"] = str(avoided)
    if happened is not None:
        fields["loss_happened"] = str(happened)
    if not fields:
        raise SurveyError("give avoided, happened or both")
    return _save(db, warning_id, chat_id, livelihood, now, fields)


def answers_for(db: Database, warning_ids: list[int]) -> list[SurveyAnswer]:
    """Every stored answer about these warnings, by warning then chat."""
    if not warning_ids:
        return []
    marks = ", ".join("?" for _ in warning_ids)
    sql = f"select * from survey_answers where warning_id in ({marks}) order by warning_id, chat_id, livelihood"
    return [_row(r) for r in db.query(sql, list(warning_ids))]
