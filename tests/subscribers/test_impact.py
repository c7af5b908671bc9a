"""The impact report's numbers on a seeded store: n everywhere, range sums, medians, no extrapolation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from subscribers import impact
from subscribers.impact import ImpactError, RangeSummary
from subscribers.surveys import Action, Arrival, LossRange
from tests.helpers.impact_data import seed_impact
from tests.helpers.store import add_warning


def rows(report):
    return {(r.city_id, r.livelihood): r for r in report.rows}


def test_per_city_and_livelihood(db, now):
    v1, v2 = seed_impact(db, now)
    report = impact.impact_report(db, [v2])
    assert report.warning_ids == [v1, v2]
    by = rows(report)
    assert list(by) == [("bo-yang", "fishing"), ("bo-yang", "trade"), ("bo-yang", "other"), ("phatong", "farming")]
    fishing = by[("bo-yang", "fishing")]
    # Acknowledging either version counts; both fishers answered every question.
    assert (fishing.warned, fishing.acknowledged, fishing.answered) == (2, 2, 2)
    assert fishing.arrival == {Arrival.ON_TIME: 1, Arrival.LATE: 1, Arrival.NOT_RECEIVED: 0}
    assert (fishing.acted, fishing.actions_n, fishing.acted_share) == (1, 2, 0.5)
    assert fishing.actions[Action.BOAT_ASHORE] == 1 and fishing.actions[Action.NOTHING] == 1
    assert fishing.loss_avoided == RangeSummary(n=2, low=5_000, high=20_000, open_ended=0, median=LossRange.NONE)
    assert fishing.loss_happened == RangeSummary(n=2, low=1_000, high=5_000, open_ended=0, median=LossRange.NONE)
    trade = by[("bo-yang", "trade")]
    # The open top range: counted at its floor and flagged, never guessed.
    assert trade.loss_avoided == RangeSummary(n=1, low=20_000, high=20_000, open_ended=1, median=LossRange.OVER_20K)
    assert trade.loss_happened == RangeSummary()
    other = by[("bo-yang", "other")]
    assert (other.warned, other.answered, other.arrival[Arrival.NOT_RECEIVED]) == (0, 1, 1)
    farming = by[("phatong", "farming")]
    # Warned and acknowledged, never answered: no share, no sums (not zero loss).
    assert (farming.warned, farming.acknowledged, farming.answered, farming.acted_share) == (1, 1, 0, None)
    assert farming.loss_avoided.n == 0 and farming.loss_avoided.median is None


def test_totals_and_livelihood_rows(db, now):
    v1, v2 = seed_impact(db, now)
    report = impact.impact_report(db, [v1])
    total = report.total
    assert (total.warned, total.acknowledged, total.answered, total.acted, total.actions_n) == (4, 3, 4, 2, 3)
    assert (total.loss_avoided.n, total.loss_avoided.low, total.loss_avoided.high) == (3, 25_000, 40_000)
    assert total.loss_avoided.median == LossRange.FROM_5K_TO_20K
    assert [r.livelihood for r in report.livelihoods] == ["fishing", "farming", "trade", "other"]


def test_month_counts_a_thread_once_and_skips_drills(db, now):
    v1, v2 = seed_impact(db, now)
    add_warning(db, now, identifier="DRILL", status="exercise")
    start = datetime(2025, 2, 1, tzinfo=UTC)
    ids = impact.warnings_between(db, start, start + timedelta(days=28))
    assert ids == [v1, v2]
    assert impact.impact_report(db, ids) == impact.impact_report(db, [v2])
    assert impact.warnings_between(db, start - timedelta(days=31), start) == []


def test_unknown_warning(db, now):
    with pytest.raises(ImpactError):
        impact.impact_report(db, [999])


def test_empty_scope_is_an_empty_report(db):
    report = impact.impact_report(db, [])
    assert report.rows == [] and report.total.warned == 0 and report.total.acted_share is None


@pytest.mark.parametrize(
    "ranges, low, high, median",
    [
        ([LossRange.UNDER_1K], 0, 1_000, LossRange.UNDER_1K),  # one answer is its own median
        ([LossRange.NONE, LossRange.OVER_20K], 20_000, 20_000, LossRange.NONE),  # even n: the lower middle
        ([LossRange.FROM_1K_TO_5K] * 3, 3_000, 15_000, LossRange.FROM_1K_TO_5K),  # sums add per answer
    ],
)
def test_summarize_ranges(ranges, low, high, median):
    summary = impact.summarize_ranges(ranges)
    assert (summary.n, summary.low, summary.high, summary.median) == (len(ranges), low, high, median)


def test_thread_found_from_any_version(db, now):
    # An update that names the first version only in its references (a new identifier), then a cancel.
    first = add_warning(db, now, identifier="A", status="superseded")
    update = add_warning(db, now, identifier="B", status="superseded")
    db["warning_references"].insert({"warning_id": update, "sender": "tmd", "identifier": "A"})
    cancel = add_warning(db, now, identifier="B", version="v2", status="cancelled")
    unrelated = add_warning(db, now, identifier="C")
    for version in (first, update, cancel):
        assert impact.thread_of(db, version) == [first, update, cancel]
    assert impact.thread_of(db, unrelated) == [unrelated]
