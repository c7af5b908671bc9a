"""Thai text of check-ins, help requests, the survey and /impact: golden files, escaping, buttons."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.aftercare import texts as t
from subscribers import checkins, impact, surveys
from subscribers.checkins import Answer
from subscribers.leaders import Livelihood, upsert_leader
from subscribers.surveys import Action
from tests.helpers.impact_data import seed_impact
from tests.helpers.store import add_cities

BANGKOK = ZoneInfo("Asia/Bangkok")
CITIES = {"bo-yang": "บ่อยาง", "phatong": "พะตง"}


def shown(text: str, buttons: list[list] | None = None) -> str:
    """The message as a reviewer reads it: the text, then one line per button row."""
    lines = [text]
    for row in buttons or []:
        lines.append(" ".join(f"[{b[0] if isinstance(b, tuple) else b}]" for b in row))
    return "\n".join(lines) + "\n"


@pytest.fixture
def round_(db, now):
    add_cities(db, now)
    for chat_id, name in [(1, "สมศรี"), (2, "บุญมี"), (3, "<ไม่มีชื่อ>")]:
        upsert_leader(db, chat_id, "bo-yang", now, name=name, livelihood=Livelihood.FISHING)
    return checkins.start_round(db, ["bo-yang"], now, timedelta(minutes=60), "admin", warning_id=None)


def test_checkin_question(golden):
    reason = t.checkin_reason("Severe", "Heavy Rain")
    golden("checkin_question", shown(t.checkin_message("บ่อยาง", reason), t.checkin_buttons(7)))
    golden("checkin_question_drill", shown(t.checkin_message("บ่อยาง", t.checkin_reason(None, None), drill=True)))


def test_need_help_steps_and_reply(golden):
    golden(
        "checkin_need_help_steps",
        "".join(
            [
                shown(t.help_started("บ่อยาง", 12), t.location_keyboard("บ่อยาง")),
                shown(t.ASK_PEOPLE, t.people_keyboard()),
                shown(t.people_bad()),
                shown(t.ASK_NEED, t.need_keyboard()),
                shown(t.need_too_long(240)),
                shown(t.help_sent("บ่อยาง", 12)),
            ]
        ),
    )


def test_answer_replies(db, now, round_, golden):
    need = checkins.record_answer(db, round_.id, 1, Answer.NEED_HELP, now)
    safe = checkins.record_answer(db, round_.id, 1, Answer.SAFE, now + timedelta(minutes=20))
    unsure = checkins.record_answer(db, round_.id, 2, Answer.UNSURE, now)
    assert need.help_request is not None
    golden("checkin_answer_replies", shown(t.answer_reply(safe, BANGKOK)) + shown(t.answer_reply(unsure, BANGKOK)))
    assert "1784" in t.answer_reply(unsure, BANGKOK) and "1784" in t.help_sent("x", 1)


def test_triage_summary_before_and_after_the_wait(db, now, round_, golden):
    checkins.record_answer(db, round_.id, 1, Answer.NEED_HELP, now)
    names = {1: "สมศรี", 2: "บุญมี", 3: "<ไม่มีชื่อ>"}
    [city] = checkins.triage(db, round_.id, now + timedelta(minutes=5))
    early = t.triage_text(city, round_, "บ่อยาง", names, now + timedelta(minutes=5), BANGKOK)
    [city] = checkins.triage(db, round_.id, now + timedelta(minutes=61))
    late = t.triage_text(city, round_, "บ่อยาง", names, now + timedelta(minutes=61), BANGKOK)
    golden("checkin_triage", shown(early) + shown(late))
    # A leader's name is text they typed: escaped in HTML.
    assert "&lt;ไม่มีชื่อ&gt;" in late


def test_help_card_through_its_life(db, now, round_, golden):
    request = checkins.record_answer(db, round_.id, 3, Answer.NEED_HELP, now).help_request
    cards = [shown(t.help_card(request, "บ่อยาง", BANGKOK), t.help_card_buttons(request))]
    checkins.set_location(db, request.id, 7.19812, 100.59634, now)
    checkins.set_people(db, request.id, 4, now)
    request = checkins.set_need(db, request.id, "ผู้ป่วยติดเตียง/ผู้สูงอายุ", now)
    cards.append(shown(t.help_card(request, "บ่อยาง", BANGKOK), t.help_card_buttons(request)))
    taken = checkins.take(db, request.id, "ผู้ประสานงาน สมชาย", now + timedelta(minutes=3))
    lost = checkins.take(db, request.id, "สมหญิง", now + timedelta(minutes=3))
    cards.append(shown(t.help_card(taken.request, "บ่อยาง", BANGKOK, now_safe=True), t.help_card_buttons(taken.request)))
    cards.append(shown(t.cas_reply(taken, "take")) + shown(t.cas_reply(lost, "take")))
    done = checkins.finish(db, request.id, "สมหญิง", now + timedelta(hours=1))
    cards.append(shown(t.help_card(done.request, "บ่อยาง", BANGKOK), t.help_card_buttons(done.request)))
    cards.append(shown(t.cas_reply(checkins.finish(db, request.id, "สมชาย", now), "done")))
    golden("checkin_help_card", "".join(cards))
    assert t.help_card_buttons(done.request) == []


def test_help_requests_list(db, now, round_, golden):
    assert t.help_requests_text([], CITIES) == t.REQUESTS_NONE
    a = checkins.record_answer(db, round_.id, 1, Answer.NEED_HELP, now).help_request
    checkins.record_answer(db, round_.id, 2, Answer.NEED_HELP, now)
    checkins.set_people(db, a.id, 2, now)
    checkins.set_need(db, a.id, "น้ำท่วมบ้าน", now)
    checkins.take(db, a.id, "สมชาย", now)
    golden("checkin_help_requests", shown(t.help_requests_text(checkins.help_requests(db), CITIES)))


@pytest.mark.parametrize("livelihood", list(Livelihood))
def test_survey_per_livelihood(livelihood, now, golden):
    text = [
        shown(t.survey_intro("Heavy Rain", now, livelihood, BANGKOK), t.arrival_buttons(5)),
        shown(t.SURVEY_ACTIONS, t.action_buttons(5, livelihood, [surveys.choices(livelihood)[0]])),
        shown(t.SURVEY_AVOIDED, t.loss_buttons(5, "avd")),
        shown(t.SURVEY_HAPPENED, t.loss_buttons(5, "hap")),
        shown(t.SURVEY_THANKS),
    ]
    golden(f"survey_{livelihood}", "".join(text))


def test_every_action_and_range_has_thai_and_callbacks_fit_telegram():
    assert set(t.ACTIONS) == set(Action) and set(t.LOSS) == set(surveys.LossRange)
    # Telegram refuses callback data over 64 bytes.
    longest = [
        t.checkin_data(10**9, Answer.NEED_HELP),
        t.help_data(10**9, "take"),
        t.survey_data(10**9, "act", Action.RAISE_BELONGINGS),
    ]
    assert all(len(d.encode()) <= 64 for d in longest)


def test_impact_summary(db, now, golden):
    v1, v2 = seed_impact(db, now)
    report = impact.impact_report(db, [v2])
    golden("impact_summary", shown(t.impact_summary(report, "ผลการแจ้งเตือน: ประกาศ #2 ฝนตกหนัก", CITIES)))
    # Telegram HTML: the top range's ">" must be escaped or the whole message is refused.
    big = impact.impact_report(db, [v2]).model_copy()
    big.total.loss_avoided.median = surveys.LossRange.OVER_20K
    assert "&gt; 20,000" in t.impact_summary(big, "x", CITIES)
    empty = t.impact_summary(impact.impact_report(db, []), "ผลการแจ้งเตือน: เดือนมกราคม 2568", CITIES)
    assert empty.endswith(t.IMPACT_NONE)


def test_admin_replies_and_the_drill_survey(now, golden):
    # What an admin reads after /checkin and /survey, and the survey a drill sends (marked ซ้อม).
    replies = [
        t.CHECKIN_USAGE,
        t.CHECKIN_STARTED.format(round=3, cities="บ่อยาง, พะตง", count=40, minutes=60),
        t.CHECKIN_NOBODY.format(cities="พะตง"),
        t.SURVEY_USAGE,
        t.SURVEY_UNKNOWN.format(warning=99),
        t.SURVEY_NOBODY.format(warning=12),
        t.SURVEY_ALREADY.format(warning=12, at=t.thai_datetime(now, BANGKOK)),
        t.SURVEY_STARTED.format(warning=12, count=18),
    ]
    drill = t.survey_message("น้ำท่วม (ซ้อม)", now, Livelihood.TRADE, BANGKOK, drill=True)
    golden("checkin_admin_replies", "".join(shown(r) for r in replies) + shown(drill, t.arrival_buttons(5)))
