"""Check-ins, help requests, triage, survey and /impact through the real PTB stack and the fake Bot API.

The fake keeps Telegram's limits on (30/s, about 1/s per chat, 20/min per group), counted on virtual time
shared with the app's limiter, so the limiter's waits cost no real time and any 429 fails the test.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from telegram import Update
from telegram.constants import ParseMode

from bot.aftercare import texts as t
from bot.aftercare.admin import TRIAGE_JOB
from bot.aftercare import asking
from bot.aftercare.asking import queue_survey, start_checkin
from bot.delivery.jobs import DELIVERY_JOB
from bot.aftercare.keyboards import inline_markup
from bot.ops.metrics import Metrics
from bot.aftercare.survey import survey_message
from bot.app import build_application
from bot.demo.fake.telegram import fake_settings
from subscribers import checkins, invites, outbox, surveys
from subscribers.checkins import Answer, HelpStatus
from subscribers.db import open_db
from subscribers.leaders import Livelihood, upsert_leader
from subscribers.outbox import OutboxStatus
from subscribers.surveys import Action, Arrival, LossRange
from subscribers.timeutil import to_db
from tests.helpers.admin_bot import ADMIN, STRANGER, command, press, run_job
from tests.helpers.clock import Clock
from tests.helpers.impact_data import seed_impact
from tests.helpers.store import CITIES, add_cities, add_sent_alert, add_warning

ADMIN_CHAT = -100900
SECOND_ADMIN = 900002
LEADER = 7001
OTHER = 7002


@pytest.fixture
def fake(limited_tg):
    return limited_tg


@pytest.fixture
def clock(now):
    return Clock(now)


@pytest.fixture
def settings(fake, tmp_path):
    base = fake_settings(fake, database=tmp_path / "floodbot.db", cities=CITIES)
    telegram = base.telegram.model_copy(update={"admin_ids": [ADMIN, SECOND_ADMIN]})
    return base.model_copy(update={"telegram": telegram})


@pytest.fixture
def store(settings, now):
    db = open_db(settings.database, create=True)
    add_cities(db, now)
    upsert_leader(db, LEADER, "bo-yang", now, name="สมศรี", livelihood=Livelihood.FISHING)
    upsert_leader(db, OTHER, "bo-yang", now, name="บุญมี", livelihood=Livelihood.TRADE)
    yield db
    db.close()


@pytest.fixture
async def app(settings, store, clock, vt):
    application = build_application(settings, store, clock, limiter=vt.limiter(settings))
    async with application:
        yield application


async def ask(app, fake, round_id: int, chat_id: int = LEADER) -> int:
    """Put the check-in question in the leader's chat, as the outbox will; returns its message id."""
    sent = await app.bot.send_message(
        chat_id, t.checkin_message("บ่อยาง", t.CHECKIN_BY_ADMIN), parse_mode=ParseMode.HTML,
        reply_markup=inline_markup(t.checkin_buttons(round_id)),
    )
    return sent.message_id


async def say(app, fake, update: dict) -> None:
    await app.process_update(Update.de_json(update, app.bot))


def texts(fake, chat_id: int) -> list[str]:
    return [m.text or "" for m in fake.messages(chat_id)]


@pytest.fixture
def round_(store, now):
    return checkins.start_round(store, ["bo-yang"], now, timedelta(minutes=60), "admin")


async def test_need_help_steps_reach_the_admin_chat(app, fake, store, round_):
    question = await ask(app, fake, round_.id)
    await press(app, fake, LEADER, question, t.checkin_data(round_.id, Answer.NEED_HELP))
    # The card is in the admin chat at once, before any detail: a leader cut off now is still on the list.
    [card] = fake.messages(ADMIN_CHAT)
    assert "คำขอความช่วยเหลือ #1" in card.text and "ยังไม่ได้ส่ง" in card.text
    assert [label for label, _ in card.buttons()] == [t.TAKE, t.DONE]
    steps = fake.messages(LEADER)[-1]
    assert steps.text.startswith("🆘 รับเรื่องแล้ว") and steps.reply_markup["keyboard"][0][0]["request_location"]
    await say(app, fake, fake.push_location(LEADER, 7.1981, 100.5963))
    assert texts(fake, LEADER)[-1] == t.ASK_PEOPLE
    await say(app, fake, fake.push_message(LEADER, "หลายคน"))
    assert texts(fake, LEADER)[-1] == t.people_bad()
    await say(app, fake, fake.push_message(LEADER, "4"))
    assert texts(fake, LEADER)[-1] == t.ASK_NEED
    await say(app, fake, fake.push_message(LEADER, "ผู้ป่วยติดเตียง/ผู้สูงอายุ"))
    assert texts(fake, LEADER)[-1] == t.help_sent("บ่อยาง", 1) and "1784" in texts(fake, LEADER)[-1]
    assert fake.messages(LEADER)[-1].reply_markup == {"remove_keyboard": True}
    # The same card, edited in place with every detail.
    [card] = fake.messages(ADMIN_CHAT)
    assert "q=7.19810,100.59630" in card.text and "4 คน" in card.text and "ผู้ป่วยติดเตียง" in card.text
    # The pin and the text belonged to the request, not to a field report (the leaders' later group).
    assert store["field_reports"].count == 0 and store["report_drafts"].count == 0


async def test_skipping_the_pin_uses_the_registered_area(app, fake, store, round_):
    question = await ask(app, fake, round_.id)
    await press(app, fake, LEADER, question, t.checkin_data(round_.id, Answer.NEED_HELP))
    await say(app, fake, fake.push_message(LEADER, t.USE_AREA.format(city="บ่อยาง")))
    assert texts(fake, LEADER)[-1] == t.ASK_PEOPLE
    assert checkins.latest_request_of(store, LEADER).location_source == checkins.LocationSource.AREA


async def test_two_admins_press_taken_at_once(app, fake, store, round_):
    question = await ask(app, fake, round_.id)
    await press(app, fake, LEADER, question, t.checkin_data(round_.id, Answer.NEED_HELP))
    [card] = fake.messages(ADMIN_CHAT)
    take = t.help_data(1, "take")
    updates = [fake.push_callback(ADMIN_CHAT, card.message_id, take, from_id=who) for who in (ADMIN, SECOND_ADMIN)]
    await asyncio.gather(*(app.process_update(Update.de_json(u, app.bot)) for u in updates))
    toasts = sorted(c.get("text", "") for c in fake.answered_callbacks if c.get("text", "").startswith(("คุณ", "คำขอ")))
    winner = checkins.get_request(store, 1).taken_by
    assert len(toasts) == 2 and toasts[0] == f"คำขอ #1 มีผู้รับเรื่องแล้ว: {winner}" and toasts[1] == "คุณรับเรื่องคำขอ #1 แล้ว"
    # The leader is told once, by the winner's name; the card keeps only ช่วยเหลือแล้ว.
    assert sum("รับเรื่องคำขอหมายเลข 1" in x for x in texts(fake, LEADER)) == 1
    assert [label for label, _ in fake.messages(ADMIN_CHAT)[0].buttons()] == [t.DONE]
    done = fake.push_callback(ADMIN_CHAT, card.message_id, t.help_data(1, "done"), from_id=SECOND_ADMIN)
    await app.process_update(Update.de_json(done, app.bot))
    assert checkins.get_request(store, 1).status == HelpStatus.DONE
    assert fake.messages(ADMIN_CHAT)[0].buttons() == [] and "🟢 ช่วยเหลือแล้ว" in fake.messages(ADMIN_CHAT)[0].text
    assert "ช่วยเหลือคำขอหมายเลข 1 แล้ว" in texts(fake, LEADER)[-1]


async def test_metrics_count_help_requests_not_yet_done_by_city(app, fake, settings, store, round_, clock):
    def help_lines() -> list[str]:
        text = Metrics(settings, store, clock).scrape().decode()
        return [line for line in text.splitlines() if line.startswith("floodbot_help_requests{")]

    assert help_lines() == [
        'floodbot_help_requests{city="bo-yang",status="open"} 0.0',
        'floodbot_help_requests{city="bo-yang",status="taken"} 0.0',
    ]
    drill = checkins.start_round(store, ["bo-yang"], clock(), timedelta(minutes=60), "admin", drill=True)
    for round_id in (round_.id, drill.id):  # the drill's request is practice: not counted
        await press(app, fake, LEADER, await ask(app, fake, round_id), t.checkin_data(round_id, Answer.NEED_HELP))
    assert 'floodbot_help_requests{city="bo-yang",status="open"} 1.0' in help_lines()
    card = fake.messages(ADMIN_CHAT)[0]
    await say(app, fake, fake.push_callback(ADMIN_CHAT, card.message_id, t.help_data(1, "take"), from_id=ADMIN))
    assert help_lines() == [
        'floodbot_help_requests{city="bo-yang",status="open"} 0.0',
        'floodbot_help_requests{city="bo-yang",status="taken"} 1.0',
    ]
    await say(app, fake, fake.push_callback(ADMIN_CHAT, card.message_id, t.help_data(1, "done"), from_id=ADMIN))
    assert all(line.endswith(" 0.0") for line in help_lines())


async def test_only_admins_can_press_taken(app, fake, store, round_):
    question = await ask(app, fake, round_.id)
    await press(app, fake, LEADER, question, t.checkin_data(round_.id, Answer.NEED_HELP))
    [card] = fake.messages(ADMIN_CHAT)
    update = fake.push_callback(ADMIN_CHAT, card.message_id, t.help_data(1, "take"), from_id=STRANGER)
    await app.process_update(Update.de_json(update, app.bot))
    assert checkins.get_request(store, 1).status == HelpStatus.OPEN


async def test_leader_changes_from_need_help_to_safe(app, fake, store, round_):
    question = await ask(app, fake, round_.id)
    await press(app, fake, LEADER, question, t.checkin_data(round_.id, Answer.NEED_HELP))
    await press(app, fake, LEADER, question, t.checkin_data(round_.id, Answer.SAFE))
    assert texts(fake, LEADER)[-1].startswith("บันทึกแล้ว: ✅ ปลอดภัย")
    assert "ยกเลิกคำขอความช่วยเหลือหมายเลข 1 แล้ว" in texts(fake, LEADER)[-1]
    [card] = fake.messages(ADMIN_CHAT)
    assert "⚪ แกนนำแจ้งว่าปลอดภัยแล้ว" in card.text and card.buttons() == []
    assert [a.answer for a in checkins.answer_history(store, round_.id, LEADER)] == [Answer.NEED_HELP, Answer.SAFE]
    # A text now is not taken for a need-help step (the conversation ended with "safe").
    await say(app, fake, fake.push_message(LEADER, "4"))
    assert checkins.get_request(store, 1).people is None


async def test_answer_after_the_round_closed(app, fake, store, round_, now):
    question = await ask(app, fake, round_.id)
    checkins.close_round(store, round_.id, now)
    await press(app, fake, LEADER, question, t.checkin_data(round_.id, Answer.SAFE))
    assert fake.answered_callbacks[-1]["text"] == t.ROUND_CLOSED
    assert checkins.answer_history(store, round_.id, LEADER) == []


async def test_triage_message_is_posted_then_edited_only_on_change(app, fake, store, round_, clock):
    await run_job(app, TRIAGE_JOB)
    [summary] = fake.messages(ADMIN_CHAT)
    assert "ถาม 2 คน" in summary.text and "⏳ ยังไม่ตอบ 2" in summary.text
    await run_job(app, TRIAGE_JOB)
    assert fake.messages(ADMIN_CHAT)[0].edits == []
    question = await ask(app, fake, round_.id)
    await press(app, fake, LEADER, question, t.checkin_data(round_.id, Answer.SAFE))
    await run_job(app, TRIAGE_JOB)
    assert len(fake.messages(ADMIN_CHAT)[0].edits) == 1 and "✅ ปลอดภัย 1" in fake.messages(ADMIN_CHAT)[0].text
    clock.advance(minutes=61)
    await run_job(app, TRIAGE_JOB)
    assert "❓ ไม่ทราบสถานะ 1: บุญมี" in fake.messages(ADMIN_CHAT)[0].text
    assert len(fake.messages(ADMIN_CHAT)) == 1


async def test_survey_survives_a_restart_midway(settings, store, fake, clock, now, vt):
    warning = add_warning(store, now, event="Heavy Rain", status="ended")
    first = build_application(settings, store, clock, limiter=vt.limiter(settings))
    async with first:
        text, keyboard = survey_message(warning, "Heavy Rain", now, Livelihood.FISHING, settings.tz)
        sent = await first.bot.send_message(LEADER, text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
        await press(first, fake, LEADER, sent.message_id, t.survey_data(warning, "arr", Arrival.ON_TIME))
        await press(first, fake, LEADER, sent.message_id, t.survey_data(warning, "act", Action.BOAT_ASHORE))
    vt.advance(3)  # a restart takes seconds; the new limiter knows nothing of the old one's sends
    second = build_application(settings, store, clock, limiter=vt.limiter(settings))
    async with second:
        # The keyboard on the phone still shows the ✓ from before the restart; the next press continues.
        assert ("✓ นำเรือเข้าฝั่ง", t.survey_data(warning, "act", Action.BOAT_ASHORE)) in fake.message(
            LEADER, sent.message_id
        ).buttons()
        await press(second, fake, LEADER, sent.message_id, t.survey_data(warning, "act", Action.SECURE_GEAR))
        await press(second, fake, LEADER, sent.message_id, t.survey_data(warning, "next", "-"))
        await press(second, fake, LEADER, sent.message_id, t.survey_data(warning, "avd", LossRange.FROM_5K_TO_20K))
        await press(second, fake, LEADER, sent.message_id, t.survey_data(warning, "hap", LossRange.NONE))
    assert fake.message(LEADER, sent.message_id).text == t.SURVEY_THANKS
    answer = surveys.get_answer(store, warning, LEADER, Livelihood.FISHING)
    assert (answer.arrived, answer.actions) == (Arrival.ON_TIME, [Action.BOAT_ASHORE, Action.SECURE_GEAR])
    assert (answer.loss_avoided, answer.loss_happened) == (LossRange.FROM_5K_TO_20K, LossRange.NONE)


async def test_help_requests_command(app, fake, store, round_):
    await command(app, fake, ADMIN, "/help_requests")
    assert texts(fake, ADMIN)[-1] == t.REQUESTS_NONE
    checkins.record_answer(store, round_.id, OTHER, Answer.NEED_HELP, round_.started_at)
    await command(app, fake, ADMIN, "/help_requests bo-yang")
    assert texts(fake, ADMIN)[-1].startswith("🆘 คำขอความช่วยเหลือที่ยังไม่เสร็จ (1)\n#1 บ่อยาง · บุญมี")
    await command(app, fake, ADMIN, "/help_requests atlantis")
    assert "atlantis" in texts(fake, ADMIN)[-1]
    await command(app, fake, STRANGER, "/help_requests")
    assert texts(fake, STRANGER)[-1] == "ขออภัย คำสั่งนี้สำหรับผู้ดูแลระบบเท่านั้น"


async def test_impact_sends_summary_and_chart(app, fake, store, now):
    v1, v2 = seed_impact(store, now)
    await command(app, fake, ADMIN, f"/impact {v2}")
    summary, chart = fake.messages(ADMIN)[-2:]
    assert summary.text.startswith(f"📊 <b>ผลการแจ้งเตือน: ประกาศ #{v2} ฝนตกหนัก") and "(n=3)" in summary.text
    assert chart.method == "sendPhoto"
    await command(app, fake, ADMIN, "/impact 2024-13")
    assert texts(fake, ADMIN)[-1] == t.IMPACT_USAGE


# ---- Asking through the outbox: the worker sends the question with its own buttons.
async def test_checkin_goes_through_the_outbox_and_a_leader_changes_to_safe(app, fake, settings, store, now):
    round_, rows = start_checkin(store, settings, ["bo-yang"], now, "admin")
    assert rows == 2
    await run_job(app, DELIVERY_JOB)
    question = fake.messages(LEADER)[-1]
    assert question.text == t.checkin_message("บ่อยาง", t.CHECKIN_BY_ADMIN)
    assert question.buttons() == [(label, t.checkin_data(round_.id, a)) for a, label in t.ANSWERS.items()]
    need_help = question.buttons()[1][1]
    await press(app, fake, LEADER, question.message_id, need_help)
    await say(app, fake, fake.push_message(LEADER, t.USE_AREA.format(city="บ่อยาง")))
    await say(app, fake, fake.push_message(LEADER, "3"))
    [card] = fake.messages(ADMIN_CHAT)
    assert checkins.get_request(store, 1).people == 3 and t.TAKE in [label for label, _ in card.buttons()]
    # Later the water goes down: the same message's ปลอดภัย button withdraws the request nobody took.
    await press(app, fake, LEADER, question.message_id, question.buttons()[0][1])
    assert "ยกเลิกคำขอความช่วยเหลือหมายเลข 1 แล้ว" in texts(fake, LEADER)[-1]
    assert checkins.get_request(store, 1).status == HelpStatus.WITHDRAWN
    assert fake.messages(ADMIN_CHAT)[0].buttons() == []
    assert checkins.triage(store, round_.id, now)[0].safe == 1


async def test_checkin_question_of_a_closed_round_is_not_sent(app, fake, settings, store, now):
    round_, _ = start_checkin(store, settings, ["bo-yang"], now, "admin")
    checkins.close_round(store, round_.id, now)
    await run_job(app, DELIVERY_JOB)
    assert fake.messages(LEADER) == []
    assert {r.last_error for r in outbox.rows(store)} == {"check-in round closed"}


async def test_asking_rows_have_a_bounded_lifetime(app, fake, settings, store, now, clock):
    start_checkin(store, settings, ["bo-yang"], now, "admin")
    clock.advance(hours=settings.delivery.notice_lifetime_hours)
    await run_job(app, DELIVERY_JOB)
    assert fake.messages(LEADER) == [] and {r.status for r in outbox.rows(store)} == {OutboxStatus.SKIPPED}


async def test_survey_goes_through_the_outbox_with_its_buttons(app, fake, settings, store, now):
    warning = add_warning(store, now, event="Heavy Rain", status="ended")
    add_sent_alert(store, warning, LEADER, 11, now)
    assert queue_survey(store, settings, warning, now) == 1  # OTHER was never sent the warning
    await run_job(app, DELIVERY_JOB)
    [survey] = fake.messages(LEADER)[-1:]
    assert survey.text.endswith(t.SURVEY_ARRIVED)
    assert survey.buttons() == [(label, t.survey_data(warning, "arr", a)) for a, label in t.ARRIVAL.items()]
    await press(app, fake, LEADER, survey.message_id, survey.buttons()[0][1])
    assert surveys.get_answer(store, warning, LEADER, Livelihood.FISHING).arrived == Arrival.ON_TIME
    assert fake.messages(OTHER) == []


# ---- The named job: a check-in after a Severe/Extreme warning, closed and surveyed when it ends.
async def test_severe_warning_starts_a_checkin_and_its_end_a_survey(app, fake, store, now, clock):
    # It covers phatong too, where nobody has registered: no one to ask there, no empty summary.
    warning = add_warning(
        store,
        now,
        severity="Severe",
        event="Heavy Rain",
        expires=now + timedelta(hours=6),
        cities=["bo-yang", "phatong"],
    )
    add_sent_alert(store, warning, LEADER, 11, now)
    await run_job(app, asking.JOB_NAME)
    [round_] = checkins.open_rounds(store, now - timedelta(days=1))
    assert (round_.warning_id, round_.cities, round_.started_by) == (warning, ["bo-yang"], asking.AUTO)
    # Asked once per thread: the next runs start nothing more.
    await run_job(app, asking.JOB_NAME)
    assert store["checkin_rounds"].count == 1
    await run_job(app, DELIVERY_JOB)
    question = fake.messages(OTHER)[-1]
    assert question.text == t.checkin_message("บ่อยาง", t.checkin_reason("Severe", "Heavy Rain"))
    await run_job(app, TRIAGE_JOB)
    [summary] = fake.messages(ADMIN_CHAT)
    assert "บ่อยาง" in summary.text and "ถาม 2 คน" in summary.text
    # The all-clear: the round closes (a late press is refused) and the leaders who got the warning are surveyed.
    clock.advance(minutes=40)
    store["warnings"].update(warning, {"status": "ended", "last_seen": to_db(clock())})
    await run_job(app, asking.JOB_NAME)
    assert checkins.get_round(store, round_.id).closed_at == clock()
    await press(app, fake, OTHER, question.message_id, question.buttons()[0][1])
    assert fake.answered_callbacks[-1]["text"] == t.ROUND_CLOSED
    await run_job(app, DELIVERY_JOB)
    survey = fake.messages(LEADER)[-1]
    assert survey.buttons()[0][1] == t.survey_data(warning, "arr", Arrival.ON_TIME)
    assert all(not m.text.endswith(t.SURVEY_ARRIVED) for m in fake.messages(OTHER))  # never got the warning
    await run_job(app, asking.JOB_NAME)
    assert store["survey_rounds"].count == 1 and len(outbox.rows(store, chat_id=LEADER)) == 3


@pytest.mark.parametrize(
    ("severity", "status"),
    [
        ("Moderate", "active"),  # below Severe: no check-in
        ("Severe", "exercise"),  # an exercise is never taken for a real storm (drills ask on their own)
    ],
)
async def test_no_automatic_checkin(app, store, now, severity, status):
    add_warning(store, now, severity=severity, status=status, expires=now + timedelta(hours=6))
    await run_job(app, asking.JOB_NAME)
    assert store["checkin_rounds"].count == 0 and outbox.rows(store) == []


async def sign_up(app, fake, store, chat_id: int, city: str, now) -> None:
    code = invites.create_invite(store, city, now, timedelta(days=1), 5).code
    await say(app, fake, fake.push_command(chat_id, "start", code))
    await say(app, fake, fake.push_message(chat_id, "มานะ"))
    await say(app, fake, fake.push_message(chat_id, "ประมง"))


async def test_a_late_joiner_is_asked_in_the_open_rounds_of_their_city(app, fake, settings, store, now, clock):
    # An admin's round for bo-yang, and one after a warning over phatong too, where nobody had registered.
    by_admin, _ = start_checkin(store, settings, ["bo-yang"], now, "admin")
    warning = add_warning(store, now, severity="Severe", event="Heavy Rain", cities=["bo-yang", "phatong"])
    after_warning, _ = start_checkin(store, settings, ["bo-yang", "phatong"], now, asking.AUTO, warning)
    closed, _ = start_checkin(store, settings, ["bo-yang"], now, "admin")
    checkins.close_round(store, closed.id, now)
    await run_job(app, DELIVERY_JOB)
    clock.advance(minutes=20)
    await sign_up(app, fake, store, 7003, "bo-yang", clock())
    await sign_up(app, fake, store, 7004, "phatong", clock())
    await run_job(app, DELIVERY_JOB)
    joined = [m for m in fake.messages(7003) if m.buttons()]
    assert [m.buttons()[0][1] for m in joined] == [t.checkin_data(r.id, Answer.SAFE) for r in (by_admin, after_warning)]
    assert joined[1].text == t.checkin_message("บ่อยาง", t.checkin_reason("Severe", "Heavy Rain"))
    [question] = [m for m in fake.messages(7004) if m.buttons()]
    assert question.text == t.checkin_message("พะตง", t.checkin_reason("Severe", "Heavy Rain"))
    # They count in the round's triage like those asked at its start, and their answer is taken.
    await press(app, fake, 7004, question.message_id, question.buttons()[0][1])
    by_city = {c.city_id: c for c in checkins.triage(store, after_warning.id, clock())}
    assert (by_city["bo-yang"].asked, by_city["phatong"].asked, by_city["phatong"].safe) == (3, 1, 1)
    # Coming back later asks nothing twice; a round older than the window asks nobody.
    await say(app, fake, fake.push_command(7003, "stop"))
    await say(app, fake, fake.push_command(7003, "start"))
    clock.advance(days=2)
    await sign_up(app, fake, store, 7005, "bo-yang", clock())
    await run_job(app, DELIVERY_JOB)
    assert len([m for m in fake.messages(7003) if m.buttons()]) == 2
    assert not any(m.buttons() for m in fake.messages(7005))


# ---- /checkin, /survey and /drill with both: admins ask now.
async def test_checkin_command(app, fake, store, settings):
    await command(app, fake, ADMIN, "/checkin")
    assert texts(fake, ADMIN)[-1] == t.CHECKIN_USAGE
    await command(app, fake, ADMIN, "/checkin atlantis")
    assert texts(fake, ADMIN)[-1].startswith("ไม่พบเมือง atlantis")
    assert store["checkin_rounds"].count == 0
    await command(app, fake, ADMIN, "/checkin bo-yang")
    assert texts(fake, ADMIN)[-1] == t.CHECKIN_STARTED.format(round=1, cities="บ่อยาง", count=2, minutes=60)
    await run_job(app, DELIVERY_JOB)
    assert [m.buttons()[0][1] for m in fake.messages(LEADER)] == [t.checkin_data(1, Answer.SAFE)]
    await command(app, fake, ADMIN, "/checkin phatong")  # nobody registered there
    assert texts(fake, ADMIN)[-1] == t.CHECKIN_NOBODY.format(cities="พะตง")
    await command(app, fake, STRANGER, "/checkin all")
    assert texts(fake, STRANGER)[-1] == "ขออภัย คำสั่งนี้สำหรับผู้ดูแลระบบเท่านั้น"
    assert store["checkin_rounds"].count == 2


async def test_survey_command(app, fake, store, now):
    warning = add_warning(store, now, event="Heavy Rain")
    await command(app, fake, ADMIN, f"/survey {warning}")
    assert texts(fake, ADMIN)[-1] == t.SURVEY_NOBODY.format(warning=warning)
    add_sent_alert(store, warning, LEADER, 11, now)
    await command(app, fake, ADMIN, f"/survey {warning}")
    assert texts(fake, ADMIN)[-1] == t.SURVEY_STARTED.format(warning=warning, count=1)
    await command(app, fake, ADMIN, f"/survey {warning}")  # once per thread
    assert texts(fake, ADMIN)[-1] == t.SURVEY_ALREADY.format(warning=warning, at="25 ก.พ. 2568 18:30 น.")
    await command(app, fake, ADMIN, "/survey 999")
    assert texts(fake, ADMIN)[-1] == t.SURVEY_UNKNOWN.format(warning=999)
    await command(app, fake, ADMIN, "/survey last")
    assert texts(fake, ADMIN)[-1] == t.SURVEY_USAGE
    await run_job(app, DELIVERY_JOB)
    assert fake.messages(LEADER)[-1].buttons()[0][1] == t.survey_data(warning, "arr", Arrival.ON_TIME)
    assert len(outbox.rows(store, chat_id=LEADER)) == 2


async def test_drill_with_checkin_and_survey(app, fake, store, settings, clock):
    await command(app, fake, ADMIN, "/drill bo-yang checkin survey rain")
    assert texts(fake, ADMIN)[-1].startswith("ใช้: /drill") and store["drills"].count == 0
    await command(app, fake, ADMIN, "/drill bo-yang checkin survey")
    reply = texts(fake, ADMIN)[-1]
    assert "ซ้อมเช็กความปลอดภัย #1 ด้วย (ส่งถึง 2 คน)" in reply and "ส่งแบบสอบถามหลังเหตุการณ์ (ซ้อม)" in reply
    [round_] = checkins.open_rounds(store, clock() - timedelta(days=1))
    [drill] = store["drills"].rows
    # Linked to the drill's exercise warning, so the round closes when the drill ends, as real rounds do.
    assert round_.drill and round_.warning_id == drill["warning_id"]
    await run_job(app, DELIVERY_JOB)
    alert, question = fake.messages(LEADER)[-2:]
    assert question.text == t.checkin_message("บ่อยาง", t.CHECKIN_BY_ADMIN, drill=True)
    await press(app, fake, LEADER, alert.message_id, alert.buttons()[0][1])  # รับทราบ
    # The survey waits for the drill's end (its report time), then goes to those who got the drill alert.
    await run_job(app, asking.JOB_NAME)
    assert not any(r.kind == "survey" for r in outbox.rows(store))
    assert checkins.get_round(store, round_.id).closed_at is None
    clock.advance(minutes=settings.admin.drill_report_after_minutes)
    await run_job(app, asking.JOB_NAME)
    assert checkins.get_round(store, round_.id).closed_at == clock()
    await press(app, fake, LEADER, question.message_id, question.buttons()[0][1])
    assert fake.answered_callbacks[-1]["text"] == t.ROUND_CLOSED
    await run_job(app, DELIVERY_JOB)
    survey = fake.messages(LEADER)[-1]
    assert survey.text.startswith(t.DRILL_MARK) and survey.buttons()[0][1].startswith("sv:")
    assert [m.text.startswith(t.DRILL_MARK) for m in fake.messages(OTHER)][-1]
    # Every answer edits the message: the ซ้อม mark stays at the top and the bottom of each question.
    for _ in range(4):
        await press(app, fake, LEADER, survey.message_id, fake.messages(LEADER)[-1].buttons()[-1][1])
        edited = fake.messages(LEADER)[-1]
        assert edited.message_id == survey.message_id
        assert edited.text.startswith(t.DRILL_MARK) and edited.text.endswith(t.DRILL_MARK)
    answer = surveys.get_answer(store, drill["warning_id"], LEADER, Livelihood.FISHING)
    assert answer.arrived is not None and answer.loss_happened is not None
    # A drill's answers are practice: the month's impact report leaves them out.
    await command(app, fake, ADMIN, f"/impact {clock():%Y-%m}")
    month = texts(fake, ADMIN)[-1]
    assert t.IMPACT_NONE in month and fake.messages(ADMIN)[-1].method != "sendPhoto"
    # Asked for by number, the drill's report says it is practice.
    await command(app, fake, ADMIN, f"/impact {drill['warning_id']}")
    summary, chart = fake.messages(ADMIN)[-2:]
    assert summary.text.startswith("📊 <b>ผลการซ้อม (ไม่ใช่เหตุการณ์จริง): ประกาศ #") and chart.method == "sendPhoto"


# ---- The need-help steps live in the store: a restart between two steps loses nothing.
async def test_need_help_steps_survive_a_restart(settings, store, fake, clock, round_, vt):
    first = build_application(settings, store, clock, limiter=vt.limiter(settings))
    async with first:
        question = await ask(first, fake, round_.id)
        await press(first, fake, LEADER, question, t.checkin_data(round_.id, Answer.NEED_HELP))
        await say(first, fake, fake.push_location(LEADER, 7.1981, 100.5963))
    assert texts(fake, LEADER)[-1] == t.ASK_PEOPLE
    vt.advance(10)  # a restart takes a few seconds; the new process's limiter starts empty
    second = build_application(settings, store, clock, limiter=vt.limiter(settings))
    async with second:
        await say(second, fake, fake.push_message(LEADER, "4"))
        assert texts(fake, LEADER)[-1] == t.ASK_NEED
        await say(second, fake, fake.push_message(LEADER, "น้ำท่วมบ้าน"))
    request = checkins.get_request(store, 1)
    assert (request.people, request.need, request.step) == (4, "น้ำท่วมบ้าน", None)
    assert texts(fake, LEADER)[-1] == t.help_sent("บ่อยาง", 1)
    assert store["field_reports"].count == 0 and store["report_drafts"].count == 0


async def test_cancel_ends_the_steps_and_keeps_the_request(app, fake, store, round_, clock):
    question = await ask(app, fake, round_.id)
    await press(app, fake, LEADER, question, t.checkin_data(round_.id, Answer.NEED_HELP))
    await command(app, fake, LEADER, "/cancel")
    last = fake.messages(LEADER)[-1]
    assert last.text == "ยกเลิกแล้ว" and last.reply_markup == {"remove_keyboard": True}
    await say(app, fake, fake.push_message(LEADER, "4"))  # no longer a step answer
    request = checkins.get_request(store, 1)
    assert (request.status, request.people, request.step) == (HelpStatus.OPEN, None, None)
    # Pressing need help again picks the steps up where the request is (the same request, step 1).
    await press(app, fake, LEADER, question, t.checkin_data(round_.id, Answer.NEED_HELP))
    assert checkins.get_request(store, 1).step == checkins.Step.LOCATION and store["help_requests"].count == 1
    # Steps left for longer than the timeout are over: a later message is the leader's own.
    clock.advance(hours=7)
    await say(app, fake, fake.push_message(LEADER, "4"))
    assert checkins.get_request(store, 1).people is None
