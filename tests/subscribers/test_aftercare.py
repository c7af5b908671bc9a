"""When to ask: one check-in round per urgent thread in force, one survey per ended urgent thread."""

from __future__ import annotations

from datetime import timedelta

from subscribers import aftercare, checkins
from subscribers.leaders import Livelihood, deactivate, upsert_leader
from tests.helpers.store import add_cities, add_sent_alert, add_warning

WAIT = timedelta(minutes=60)


def test_checkins_due_once_per_urgent_thread_in_force(db, now):
    add_cities(db, now)
    later = now + timedelta(hours=6)
    severe = add_warning(db, now, identifier="S", expires=later, cities=["bo-yang", "phatong"])
    add_warning(db, now, identifier="M", severity="Moderate", expires=later)  # not urgent
    add_warning(db, now, identifier="X", severity="Extreme", expires=now)  # already expired
    add_warning(db, now - timedelta(days=3), identifier="OLD", expires=later)  # before `since`
    since = now - timedelta(hours=1)
    assert aftercare.checkins_due(db, now, since) == [aftercare.Due(warning_id=severe, cities=["bo-yang", "phatong"])]
    # An update of the same thread after the round started asks nobody again.
    checkins.start_round(db, ["bo-yang", "phatong"], now, WAIT, "auto", warning_id=severe)
    add_warning(db, now, identifier="S", version="v2", expires=later, supersedes=severe)
    assert aftercare.checkins_due(db, now, since) == []


def test_surveys_due_for_ended_urgent_threads_that_were_sent(db, now):
    add_cities(db, now)
    upsert_leader(db, 1, "bo-yang", now, livelihood=Livelihood.FISHING)
    upsert_leader(db, 2, "phatong", now, livelihood=Livelihood.TRADE)
    upsert_leader(db, 3, "bo-yang", now)
    severe = add_warning(db, now, identifier="S", status="ended")
    all_clear = add_warning(db, now, identifier="S", version="v2", status="ended", severity="Minor", supersedes=severe)
    for chat_id in (1, 2, 3):
        add_sent_alert(db, severe, chat_id, 100 + chat_id, now)
    unsent = add_warning(db, now, identifier="U", status="cancelled")  # nobody got it
    moderate = add_warning(db, now, identifier="M", status="expired", severity="Moderate")
    add_sent_alert(db, moderate, 1, 200, now)
    assert unsent and moderate
    since = now - timedelta(hours=1)
    # The thread is named by its newest version (the all-clear); its severity came from the first.
    assert [d.warning_id for d in aftercare.surveys_due(db, since)] == [all_clear]
    deactivate(db, 3, "stopped", now)
    assert [(r.chat_id, r.livelihood) for r in aftercare.survey_recipients(db, all_clear)] == [
        (1, Livelihood.FISHING), (2, Livelihood.TRADE)
    ]
    assert aftercare.start_survey(db, all_clear, now, "auto") is True
    # Once per thread, whichever version is named.
    assert aftercare.start_survey(db, severe, now, "admin") is False
    assert aftercare.surveys_due(db, since) == []
    assert aftercare.survey_started_at(db, severe) == now
