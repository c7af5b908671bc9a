"""The รับทราบ button end to end (the real Application, its jobs and the fake server), reminders, escalation."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from telegram.ext import ExtBot

from bot.app import build_application
from bot.delivery.ptb_limiter import SharedRateLimiter
from bot.delivery.worker import deliver_due
from bot.delivery.jobs import DELIVERY_JOB, FOLLOW_UP_JOB, follow_up_job
from bot.delivery.reminders import escalate, follow_up
from subscribers import acks, outbox
from subscribers.outbox import Kind, OutboxItem, OutboxStatus, Priority
from bot.demo.fake.telegram import fake_settings
from tests.helpers.store import add_leaders, add_warning

ADMIN = -100900


def alert(chat_id, warning_id):
    return OutboxItem(kind=Kind.ALERT, ref_id=warning_id, chat_id=chat_id, text="<b>เตือน</b>", priority=Priority.SEVERE)


async def test_pressing_ack_records_once_and_shows_the_time(db, now, limited_tg, vt):
    """The app's delivery job sends the alert; two presses give one ack and the Bangkok time on the button."""
    add_leaders(db, [501], now)
    w = add_warning(db, now)
    outbox.enqueue(db, [alert(501, w)], now)
    clock = {"now": now}
    settings = fake_settings(limited_tg)
    app = build_application(settings, db, clock=lambda: clock["now"], limiter=vt.limiter(settings))
    assert {j.name for j in app.job_queue.jobs()} >= {DELIVERY_JOB, FOLLOW_UP_JOB}
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=1, poll_interval=0)
        await limited_tg.until(lambda: len(limited_tg.messages(501)) == 1)
        message = limited_tg.messages(501)[0]
        limited_tg.push_callback(501, message.message_id, f"ack:{w}")
        await limited_tg.until(lambda: len(limited_tg.answered_callbacks) == 1)
        await limited_tg.until(lambda: limited_tg.message(501, message.message_id).edits != [])
        clock["now"] = now + timedelta(minutes=7)
        limited_tg.push_callback(501, message.message_id, f"ack:{w}")
        await limited_tg.until(lambda: len(limited_tg.answered_callbacks) == 2)
        await app.updater.stop()
        await app.stop()
    # 11:30 UTC is 18:30 in Bangkok; the second press (7 minutes later) changes nothing.
    assert acks.acked_at(db, w, 501) == now
    assert limited_tg.message(501, message.message_id).buttons() == [("✅ รับทราบแล้ว 18.30 น.", f"ack:{w}")]
    assert [a["text"] for a in limited_tg.answered_callbacks] == ["บันทึกการรับทราบแล้ว 18.30 น."] * 2
    assert len(limited_tg.message(501, message.message_id).edits) == 1


async def test_unknown_warning_press_is_answered_without_recording(db, now, limited_tg, vt):
    add_leaders(db, [502], now)
    w = add_warning(db, now)
    outbox.enqueue(db, [alert(502, w)], now)
    settings = fake_settings(limited_tg)
    app = build_application(settings, db, clock=lambda: now, limiter=vt.limiter(settings))
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=1, poll_interval=0)
        await limited_tg.until(lambda: len(limited_tg.messages(502)) == 1)
        limited_tg.push_callback(502, limited_tg.messages(502)[0].message_id, "ack:9999")
        await limited_tg.until(lambda: len(limited_tg.answered_callbacks) == 1)
        await app.updater.stop()
        await app.stop()
    assert limited_tg.answered_callbacks[0]["text"] == "ไม่พบประกาศเตือนภัยนี้"
    assert db["acknowledgements"].count == 0


def limited_bot(fake, vt) -> ExtBot:
    """A bot whose every call goes through one limiter on virtual time, as `context.bot` does in the app."""
    limiter = vt.limiter(fake_settings(fake))
    return ExtBot(fake.token, base_url=fake.base_url, rate_limiter=SharedRateLimiter(limiter))


@pytest.fixture
async def bot(limited_tg, vt):
    async with limited_bot(limited_tg, vt) as b:
        yield b


async def sent_alerts(bot, db, fake, now, chats, **warning):
    add_leaders(db, chats, now)
    w = add_warning(db, now, **warning)
    outbox.enqueue(db, [alert(c, w) for c in chats], now)
    await deliver_due(bot, db, fake_settings(fake), lambda: now, limiter=bot.rate_limiter.limiter, rng=random.Random(1))
    return w


async def test_one_reminder_as_a_reply_after_fifteen_minutes(db, now, limited_tg, bot):
    w = await sent_alerts(bot, db, limited_tg, now, [601, 602])
    acks.record_ack(db, w, 602, now + timedelta(minutes=3))
    settings = fake_settings(limited_tg)
    assert (await follow_up(bot, db, settings, now + timedelta(minutes=14))).reminders == 0
    assert (await follow_up(bot, db, settings, now + timedelta(minutes=15))).reminders == 1
    # A second run (or a restart) adds none: the outbox row is unique.
    assert (await follow_up(bot, db, settings, now + timedelta(minutes=16))).reminders == 0
    later = now + timedelta(minutes=16)
    await deliver_due(bot, db, settings, lambda: later, limiter=bot.rate_limiter.limiter)
    alert_msg, reminder = limited_tg.messages(601)
    assert reminder.reply_to == alert_msg.message_id and "เตือนซ้ำ" in reminder.text
    assert reminder.buttons() == [("รับทราบ", f"ack:{w}")]
    assert len(limited_tg.messages(602)) == 1


async def test_reminder_not_sent_when_acked_or_ended_before_its_turn(db, now, limited_tg, bot):
    w = await sent_alerts(bot, db, limited_tg, now, [611, 612])
    settings = fake_settings(limited_tg)
    later = now + timedelta(minutes=20)
    await follow_up(bot, db, settings, later)
    acks.record_ack(db, w, 611, later)  # acknowledged after the reminder was queued
    db["warnings"].update(w, {"status": "ended"})
    stats = await deliver_due(bot, db, settings, lambda: later, limiter=bot.rate_limiter.limiter)
    assert stats.skipped == 2 and stats.sent == 0
    reasons = sorted(r.last_error for r in outbox.rows(db, status=OutboxStatus.SKIPPED))
    assert reasons == ["warning ended", "warning ended"]


async def test_moderate_warnings_get_no_reminders(db, now, limited_tg, bot):
    await sent_alerts(bot, db, limited_tg, now, [621], severity="Moderate")
    stats = await follow_up(bot, db, fake_settings(limited_tg), now + timedelta(hours=2))
    assert stats.reminders == 0 and stats.escalations == 0


async def test_escalation_per_city_once_even_after_a_restart(db, now, limited_tg, bot, vt):
    w = await sent_alerts(bot, db, limited_tg, now, [701, 702, 703])
    acks.record_ack(db, w, 703, now)
    settings = fake_settings(limited_tg)
    assert (await follow_up(bot, db, settings, now + timedelta(minutes=29))).escalations == 0
    assert (await follow_up(bot, db, settings, now + timedelta(minutes=30))).escalations == 1
    # A restart: new objects, same database. The record stops a second message.
    vt.advance(3)  # a restart takes seconds; its limiter starts empty
    async with limited_bot(limited_tg, vt) as again:
        assert (await follow_up(again, db, settings, now + timedelta(minutes=45))).escalations == 0
    (message,) = limited_tg.messages(ADMIN)
    assert "ยังไม่กดรับทราบ" in message.text and "2 จาก 3 คน" in message.text
    assert "ผู้นำ 701" in message.text and "ผู้นำ 702" in message.text and "ผู้นำ 703" not in message.text
    assert "18:30" in message.text


async def test_follow_up_job_callback_runs_with_a_fixed_now(db, now, limited_tg, vt):
    """The job callback itself, called directly (no waiting on the JobQueue)."""
    settings = fake_settings(limited_tg)
    app = build_application(settings, db, clock=lambda: now + timedelta(minutes=40), limiter=vt.limiter(settings))
    async with app:
        w = await sent_alerts(app.bot, db, limited_tg, now, [801])

        class Context:
            bot = app.bot
            bot_data = app.bot_data

        stats = await follow_up_job(Context())
    assert stats.reminders == 1 and stats.escalations == 1
    assert outbox.rows(db, chat_id=801)[-1].kind == Kind.REMINDER and acks.escalated(db, w, "bo-yang")


def test_build_application_recovers_rows_left_in_flight(db, now, limited_tg):
    add_leaders(db, [901], now)
    w = add_warning(db, now)
    outbox.enqueue(db, [alert(901, w)], now)
    outbox.claim(db, outbox.rows(db)[0].id, now)
    build_application(fake_settings(limited_tg), db)
    assert outbox.rows(db)[0].status is OutboxStatus.PENDING


async def test_escalation_of_240_leaders_fits_and_follows_up_on_those_served_later(db, now, limited_tg, bot):
    # Why: one 8,512-character message failed every minute, forever; and a run inside the fan-out
    # named the 90 leaders served so far and never the other 150.
    chats = add_leaders(db, list(range(10_000, 10_240)), now)
    db.execute("update leaders set name = name || ' บ้านริมคลองอู่ตะเภา หมู่ 4'")  # 240 of these: over 4,096
    w = add_warning(db, now)
    outbox.enqueue(db, [alert(c, w) for c in chats], now)
    for row in outbox.rows(db):  # 90 served at once, 150 a few minutes later
        served = now if row.chat_id < 10_090 else now + timedelta(minutes=4)
        outbox.claim(db, row.id, served)
        outbox.mark_sent(db, row.id, 1, served)
    settings = fake_settings(limited_tg)
    assert await escalate(bot, db, settings, now + timedelta(minutes=31)) == 1
    first = [m.text for m in limited_tg.messages(ADMIN)]
    assert "90 จาก 240 คน" in first[0] and "ผู้นำ 10089" in "".join(first) and "ผู้นำ 10090" not in "".join(first)
    assert await escalate(bot, db, settings, now + timedelta(minutes=33)) == 0  # the rest are not 30 min late yet
    assert await escalate(bot, db, settings, now + timedelta(minutes=35)) == 1
    texts = [m.text for m in limited_tg.messages(ADMIN)]
    follow = texts[len(first):]
    assert len(follow) > 1 and all(len(t) <= 4096 for t in texts)
    assert "เพิ่มเติม" in follow[0] and "150 จาก 240 คน" in follow[0]
    named = "".join(texts)
    assert all(f"ผู้นำ {c}" in named for c in chats)
    assert await escalate(bot, db, settings, now + timedelta(minutes=50)) == 0


async def test_a_send_whose_outcome_stayed_unknown_is_still_reminded_and_escalated(db, now, limited_tg, bot):
    # Why: a row counted as sent without a message id (timed out twice after it was written) was
    # left out of reminders and escalation, yet that leader may never have seen the alert.
    w = await sent_alerts(bot, db, limited_tg, now, [631])
    add_leaders(db, [632], now)
    outbox.enqueue(db, [alert(632, w)], now)
    (unknown,) = outbox.rows(db, chat_id=632)
    outbox.claim(db, unknown.id, now)
    outbox.mark_sent(db, unknown.id, None, now)
    settings = fake_settings(limited_tg)
    stats = await follow_up(bot, db, settings, now + timedelta(minutes=30))
    assert stats.reminders == 2 and stats.escalations == 1
    later = now + timedelta(minutes=30)
    await deliver_due(bot, db, settings, lambda: later, limiter=bot.rate_limiter.limiter)
    (reminder,) = limited_tg.messages(632)
    assert "เตือนซ้ำ" in reminder.text and reminder.reply_to is None  # no message to reply to
    assert reminder.buttons() == [("รับทราบ", f"ack:{w}")]
    (escalation,) = limited_tg.messages(ADMIN)
    assert "ผู้นำ 631" in escalation.text and "ผู้นำ 632" in escalation.text
