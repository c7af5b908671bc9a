"""After-action survey answers: optional, per leader × warning × livelihood, actions toggle, ranges."""

from __future__ import annotations

from datetime import timedelta

import pytest

from subscribers import surveys
from subscribers.leaders import Livelihood
from subscribers.surveys import Action, Arrival, LossRange, SurveyError
from tests.helpers.store import add_leaders, add_warning

FISHING = Livelihood.FISHING


@pytest.mark.parametrize(
    "before, press, after",
    [
        ([], Action.BOAT_ASHORE, [Action.BOAT_ASHORE]),  # first press adds
        ([Action.BOAT_ASHORE], Action.BOAT_ASHORE, []),  # second press removes
        ([Action.EVACUATE], Action.BOAT_ASHORE, [Action.BOAT_ASHORE, Action.EVACUATE]),  # several, in button order
        ([Action.BOAT_ASHORE, Action.EVACUATE], Action.NOTHING, [Action.NOTHING]),  # "nothing" clears the rest
        ([Action.NOTHING], Action.SECURE_GEAR, [Action.SECURE_GEAR]),  # and an action clears "nothing"
    ],
)
def test_toggled(before, press, after):
    assert surveys.toggled(before, press, FISHING) == after


def test_action_not_offered_to_the_livelihood_is_refused():
    with pytest.raises(SurveyError):
        surveys.toggled([], Action.RAISE_GOODS, FISHING)


def test_every_livelihood_has_choices_ending_with_nothing():
    for livelihood in Livelihood:
        assert surveys.choices(livelihood)[-1] == Action.NOTHING and len(surveys.choices(livelihood)) >= 3


def test_answers_are_saved_one_question_at_a_time(db, now):
    add_leaders(db, [1], now)
    w = add_warning(db, now)
    assert surveys.get_answer(db, w, 1, FISHING) is None
    surveys.answer_arrived(db, w, 1, FISHING, Arrival.ON_TIME, now)
    surveys.toggle_action(db, w, 1, FISHING, Action.BOAT_ASHORE, now)
    # A restart between questions: a fresh read finds what was answered, the rest still empty.
    middle = surveys.get_answer(db, w, 1, FISHING)
    assert (middle.arrived, middle.actions, middle.loss_avoided) == (Arrival.ON_TIME, [Action.BOAT_ASHORE], None)
    later = now + timedelta(minutes=3)
    surveys.toggle_action(db, w, 1, FISHING, Action.SECURE_GEAR, later)
    done = surveys.answer_loss(db, w, 1, FISHING, later, avoided=LossRange.FROM_5K_TO_20K, happened=LossRange.NONE)
    assert done.actions == [Action.BOAT_ASHORE, Action.SECURE_GEAR]
    assert (done.loss_avoided, done.loss_happened) == (LossRange.FROM_5K_TO_20K, LossRange.NONE)
    assert (done.answered_at, done.updated_at) == (now, later)


def test_one_row_per_livelihood(db, now):
    add_leaders(db, [1], now)
    w = add_warning(db, now)
    surveys.answer_arrived(db, w, 1, FISHING, Arrival.LATE, now)
    surveys.answer_arrived(db, w, 1, Livelihood.TRADE, Arrival.ON_TIME, now)
    assert [(a.livelihood, a.arrived) for a in surveys.answers_for(db, [w])] == [
        (FISHING, Arrival.LATE), (Livelihood.TRADE, Arrival.ON_TIME)
    ]


def test_loss_needs_a_range(db, now):
    add_leaders(db, [1], now)
    w = add_warning(db, now)
    with pytest.raises(SurveyError):
        surveys.answer_loss(db, w, 1, FISHING, now)
    assert surveys.get_answer(db, w, 1, FISHING) is None


def test_ranges_are_ordered_and_only_the_top_is_open():
    lows = [surveys.BOUNDS[r][0] for r in surveys.RANGES]
    assert lows == sorted(lows)
    assert [r for r in surveys.RANGES if surveys.BOUNDS[r][1] is None] == [LossRange.OVER_20K]
