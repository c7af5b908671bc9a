"""Check-in rounds: latest answer wins with history kept, help requests, unknown after the wait, compare-and-set."""

from __future__ import annotations

from datetime import timedelta

import pytest

from subscribers import checkins
from subscribers.checkins import Answer, CheckinError, HelpStatus, LocationSource
from subscribers.leaders import deactivate
from tests.helpers.store import add_leaders

WAIT = timedelta(minutes=30)


@pytest.fixture
def round_(db, now):
    add_leaders(db, [1, 2, 3], now, city_id="bo-yang")
    add_leaders(db, [4], now, city_id="phatong")
    add_leaders(db, [9], now, city_id="la-ngu")
    deactivate(db, 3, "stopped", now)
    return checkins.start_round(db, ["bo-yang", "phatong"], now, WAIT, started_by="admin 7")


def test_round_asks_active_leaders_of_its_cities_only(db, round_):
    # 3 stopped the bot and 9 lives in a city not asked.
    assert [(r.chat_id, r.city_id) for r in checkins.recipients(db, round_.id)] == [(1, "bo-yang"), (2, "bo-yang"),
                                                                                  (4, "phatong")]
    assert round_.cities == ["bo-yang", "phatong"]


def test_leader_changes_from_need_help_to_safe(db, now, round_):
    first = checkins.record_answer(db, round_.id, 1, Answer.NEED_HELP, now)
    assert first.previous is None and first.help_request.status == HelpStatus.OPEN
    second = checkins.record_answer(db, round_.id, 1, Answer.SAFE, now + timedelta(minutes=5))
    # The open request is withdrawn; both answers are kept; the latest one counts.
    assert second.previous == Answer.NEED_HELP and second.withdrawn == [first.help_request.id]
    assert checkins.get_request(db, first.help_request.id).status == HelpStatus.WITHDRAWN
    assert [a.answer for a in checkins.answer_history(db, round_.id, 1)] == [Answer.NEED_HELP, Answer.SAFE]
    assert checkins.latest_answer(db, round_.id, 1).answer == Answer.SAFE
    assert checkins.help_requests(db) == []


def test_safe_after_a_taken_request_keeps_it_with_the_taker(db, now, round_):
    request = checkins.record_answer(db, round_.id, 1, Answer.NEED_HELP, now).help_request
    checkins.take(db, request.id, "สมชาย", now)
    result = checkins.record_answer(db, round_.id, 1, Answer.SAFE, now)
    # Someone may be on the way: the request stays theirs, and the card can show the new answer.
    assert result.withdrawn == [] and result.help_request.status == HelpStatus.TAKEN


def test_need_help_twice_keeps_one_request(db, now, round_):
    a = checkins.record_answer(db, round_.id, 2, Answer.NEED_HELP, now).help_request
    checkins.record_answer(db, round_.id, 2, Answer.UNSURE, now)
    b = checkins.record_answer(db, round_.id, 2, Answer.NEED_HELP, now).help_request
    assert a.id == b.id and len(checkins.help_requests(db)) == 1


def test_unknown_only_after_the_wait(db, now, round_):
    checkins.record_answer(db, round_.id, 1, Answer.SAFE, now)
    checkins.record_answer(db, round_.id, 4, Answer.UNSURE, now)
    before = {c.city_id: c for c in checkins.triage(db, round_.id, now + WAIT - timedelta(seconds=1))}
    assert (before["bo-yang"].safe, before["bo-yang"].waiting, before["bo-yang"].unknown) == (1, 1, [])
    after = {c.city_id: c for c in checkins.triage(db, round_.id, now + WAIT)}
    assert after["bo-yang"].asked == 2 and after["bo-yang"].unknown == [2] and after["bo-yang"].waiting == 0
    assert after["phatong"].unsure == 1 and after["phatong"].unknown == []


def test_a_city_with_no_leaders_still_shows(db, now):
    add_leaders(db, [1], now, city_id="bo-yang")
    round_ = checkins.start_round(db, ["bo-yang", "la-ngu"], now, WAIT, started_by="admin")
    by_city = {c.city_id: c for c in checkins.triage(db, round_.id, now)}
    assert by_city["la-ngu"].asked == 0


@pytest.mark.parametrize(
    "chat_id, why",
    [
        (9, "a leader of a city not asked cannot answer"),
        (3, "an inactive leader was not asked"),
    ],
)
def test_answers_from_outside_the_round_are_refused(db, now, round_, chat_id, why):
    with pytest.raises(CheckinError):
        checkins.record_answer(db, round_.id, chat_id, Answer.SAFE, now)
    assert checkins.answer_history(db, round_.id, chat_id) == []


def test_closed_round_refuses_answers(db, now, round_):
    checkins.close_round(db, round_.id, now)
    with pytest.raises(CheckinError, match="closed"):
        checkins.record_answer(db, round_.id, 1, Answer.SAFE, now)


def test_help_request_details(db, now, round_):
    request = checkins.record_answer(db, round_.id, 1, Answer.NEED_HELP, now).help_request
    later = now + timedelta(minutes=2)
    pinned = checkins.set_location(db, request.id, 7.2, 100.6, later)
    assert (pinned.lat, pinned.lon, pinned.location_source) == (7.2, 100.6, LocationSource.PIN)
    area = checkins.use_registered_area(db, request.id, later)
    assert (area.lat, area.location_source) == (None, LocationSource.AREA)
    assert checkins.set_people(db, request.id, 4, later).people == 4
    done = checkins.set_need(db, request.id, "  ผู้ป่วยติดเตียง\n ชั้นล่างน้ำท่วม  ", later)
    assert done.need == "ผู้ป่วยติดเตียง ชั้นล่างน้ำท่วม" and done.updated_at == later and done.leader_name == "ผู้นำ 1"


@pytest.mark.parametrize(
    "change",
    [
        lambda db, rid, now: checkins.set_people(db, rid, 0, now),  # nobody is not a request
        lambda db, rid, now: checkins.set_people(db, rid, 5000, now),  # a typo, not a village
        lambda db, rid, now: checkins.set_need(db, rid, "   ", now),  # blank
        lambda db, rid, now: checkins.set_need(db, rid, "ก" * 201, now),  # over one line
        lambda db, rid, now: checkins.set_location(db, rid, 91.0, 100.0, now),  # not on Earth
    ],
)
def test_bad_details_are_refused_and_change_nothing(db, now, round_, change):
    request = checkins.record_answer(db, round_.id, 1, Answer.NEED_HELP, now).help_request
    with pytest.raises(CheckinError):
        change(db, request.id, now + timedelta(minutes=1))
    assert checkins.get_request(db, request.id) == request


def test_two_admins_press_taken_at_once_one_wins(db, now, round_):
    request = checkins.record_answer(db, round_.id, 1, Answer.NEED_HELP, now).help_request
    first = checkins.take(db, request.id, "สมชาย", now)
    second = checkins.take(db, request.id, "สมหญิง", now)
    assert first.won and not second.won
    # The loser is told who has it.
    assert second.request.taken_by == "สมชาย" and second.request.status == HelpStatus.TAKEN


def test_done_once_and_list_by_city(db, now, round_):
    a = checkins.record_answer(db, round_.id, 1, Answer.NEED_HELP, now).help_request
    b = checkins.record_answer(db, round_.id, 4, Answer.NEED_HELP, now).help_request
    assert [r.id for r in checkins.help_requests(db, "phatong")] == [b.id]
    # Done straight from open: whoever finished it also counts as having taken it.
    finished = checkins.finish(db, a.id, "สมหญิง", now)
    assert finished.won and finished.request.taken_by == "สมหญิง" and finished.request.status == HelpStatus.DONE
    assert not checkins.finish(db, a.id, "สมชาย", now).won
    assert not checkins.take(db, a.id, "สมชาย", now).won
    assert [r.id for r in checkins.help_requests(db)] == [b.id]
    assert [r.id for r in checkins.help_requests(db, statuses=(HelpStatus.DONE,))] == [a.id]


def test_export_holds_the_whole_record(db, now, round_):
    import csv
    import io

    from subscribers.exports import export

    checkins.record_answer(db, round_.id, 1, Answer.NEED_HELP, now)
    request = checkins.latest_request_of(db, 1)
    checkins.set_people(db, request.id, 3, now)
    checkins.record_answer(db, round_.id, 1, Answer.SAFE, now + timedelta(minutes=5))
    rows = list(csv.DictReader(io.StringIO(export(db, "checkins").removeprefix("\ufeff"))))
    by_chat = {row["chat_id"]: row for row in rows}
    # Every leader asked has a row, silent ones too; history and the (withdrawn) request are kept.
    assert sorted(by_chat) == ["1", "2", "4"]
    one = by_chat["1"]
    assert one["answer"] == "safe" and one["answers"].count("@") == 2 and one["answers"].startswith("need_help@")
    assert (one["help_status"], one["people"], one["leader_name"]) == ("withdrawn", "3", "ผู้นำ 1")
    assert by_chat["2"]["answer"] == "" and by_chat["2"]["help_request_id"] == ""


def test_take_from_two_connections_one_wins(tmp_path, now):
    # The bot and the shell (or two bot processes by mistake) on one file: the store decides, not memory.
    from subscribers.db import open_db

    first = open_db(tmp_path / "floodbot.db", create=True)
    add_leaders(first, [1], now)
    round_ = checkins.start_round(first, ["bo-yang"], now, WAIT, started_by="admin")
    request = checkins.record_answer(first, round_.id, 1, Answer.NEED_HELP, now).help_request
    second = open_db(tmp_path / "floodbot.db")
    try:
        results = [checkins.take(db, request.id, who, now) for db, who in ((second, "สมหญิง"), (first, "สมชาย"))]
        assert [r.won for r in results] == [True, False] and results[1].request.taken_by == "สมหญิง"
    finally:
        second.close()
        first.close()


def test_need_help_after_a_request_was_done_opens_a_new_one(db, now, round_):
    # "Press need help again if you still need it" (the leader is told so when a request is done).
    first = checkins.record_answer(db, round_.id, 1, Answer.NEED_HELP, now).help_request
    checkins.finish(db, first.id, "admin", now)
    again = checkins.record_answer(db, round_.id, 1, Answer.NEED_HELP, now).help_request
    assert again.id != first.id and again.status == HelpStatus.OPEN and again.step == checkins.Step.LOCATION
