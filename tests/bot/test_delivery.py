"""The delivery worker through the real PTB Bot against the fake Telegram server: each failure of the issue."""

from __future__ import annotations

import random
import time
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.delivery.worker import DeliveryStats, deliver_due
from bot.delivery.ratelimit import RateLimiter
from subscribers import outbox
from subscribers.leaders import get_leader
from subscribers.outbox import Kind, OutboxItem, OutboxStatus, Priority
from bot.demo.fake.telegram import fake_settings
from tests.helpers.clock import Clock
from tests.helpers.store import add_leaders, add_warning

ADMIN = -100900


@pytest.fixture
async def bot(fake_tg):
    async with Bot(fake_tg.token, base_url=fake_tg.base_url, request=HTTPXRequest(read_timeout=1.5)) as b:
        yield b


def alert(chat_id, warning_id, kind=Kind.ALERT, text="<b>เตือนภัย</b> ฝนตกหนัก", priority=Priority.SEVERE):
    return OutboxItem(kind=kind, ref_id=warning_id, chat_id=chat_id, text=text, priority=priority)


async def drain(bot, db, fake, clock, **kwargs) -> DeliveryStats:
    settings = fake_settings(fake)
    return await deliver_due(bot, db, settings, clock, rng=random.Random(1), **kwargs)


async def test_fan_out_sends_each_row_once_with_the_ack_button(db, now, fake_tg, bot):
    chats = add_leaders(db, [101, 102, 103, 104, 105], now)
    w = add_warning(db, now)
    outbox.enqueue(db, [alert(c, w) for c in chats], now)
    stats = await drain(bot, db, fake_tg, Clock(now))
    assert stats.sent == 5 and stats.http_429 == 0
    assert sorted(m.chat_id for m in fake_tg.messages()) == chats
    assert all(m.buttons() == [("รับทราบ", f"ack:{w}")] and m.parse_mode == "HTML" for m in fake_tg.messages())
    rows = outbox.rows(db)
    assert {r.status for r in rows} == {OutboxStatus.SENT}
    assert {(r.chat_id, r.message_id) for r in rows} == {(m.chat_id, m.message_id) for m in fake_tg.messages()}
    # Enqueued again and drained again: nothing new goes out.
    assert outbox.enqueue(db, [alert(c, w) for c in chats], now) == 0
    assert (await drain(bot, db, fake_tg, Clock(now))).sent == 0
    assert len(fake_tg.messages()) == 5


async def test_priority_order_extreme_then_notices_then_the_rest(db, now, fake_tg, bot):
    add_leaders(db, [1, 2, 3, 4], now)
    w = add_warning(db, now)
    outbox.enqueue(
        db,
        [
            alert(1, w, priority=Priority.OTHER),
            OutboxItem(kind=Kind.NOTICE, ref_id=1, chat_id=2, text="ประกาศ", priority=Priority.NOTICE),
            alert(3, w, priority=Priority.EXTREME),
            alert(4, w, priority=Priority.SEVERE),
        ],
        now,
    )
    await drain(bot, db, fake_tg, Clock(now), concurrency=1)
    assert [m.chat_id for m in fake_tg.messages()] == [3, 4, 2, 1]


async def test_retry_after_is_obeyed_and_pauses_everything(db, now, fake_tg, bot):
    chats = add_leaders(db, [1, 2, 3], now)
    w = add_warning(db, now)
    outbox.enqueue(db, [alert(c, w) for c in chats], now)
    fake_tg.fail("flood", chat_id=1, retry_after=1)
    stats = await drain(bot, db, fake_tg, Clock(now), concurrency=1)
    assert stats.http_429 == 1 and stats.sent == 3
    calls = fake_tg.method_calls("sendMessage")
    flood_at = next(c.at for c in calls if c.status == 429)
    after = [c for c in calls if c.at > flood_at]
    # Nothing at all went out during the retry_after second, and the 429 cost the row no attempt.
    assert after and all(c.at - flood_at >= 0.99 for c in after)
    assert outbox.rows(db, chat_id=1)[0].attempts == 1


@pytest.mark.parametrize(("how", "reason"), [("block", "บล็อกบอท"), ("forget_chat", "ไม่พบแชต")])
async def test_blocked_or_missing_chat_deactivates_the_leader_without_retry(db, now, fake_tg, bot, how, reason):
    add_leaders(db, [7, 8], now)
    w = add_warning(db, now)
    notice = OutboxItem(kind=Kind.NOTICE, ref_id=1, chat_id=7, text="ประกาศ", priority=Priority.OTHER)
    outbox.enqueue(db, [alert(7, w), alert(8, w), notice], now)
    getattr(fake_tg, how)(7)
    stats = await drain(bot, db, fake_tg, Clock(now))
    assert stats.deactivated == 1 and stats.sent == 1
    leader = get_leader(db, 7)
    assert not leader.active and leader.inactive_reason
    assert [r.status for r in outbox.rows(db, chat_id=7)] == [OutboxStatus.FAILED, OutboxStatus.SKIPPED]
    # The admin chat hears it once, in the drain's digest: name, city, reason.
    [digest] = fake_tg.messages(ADMIN)
    # A short Thai reason, not Telegram's "Forbidden: Forbidden: bot was blocked by the user".
    assert "ติดต่อแกนนำไม่ได้ 1 คน" in digest.text and f"• ผู้นำ 7, บ่อยาง: {reason}\n" in digest.text + "\n"
    assert len([c for c in fake_tg.method_calls("sendMessage") if c.params["chat_id"] == 7]) == 1
    assert (await drain(bot, db, fake_tg, Clock(now + timedelta(hours=1)))).sent == 0


async def test_server_errors_back_off_then_succeed(db, now, fake_tg, bot):
    add_leaders(db, [5], now)
    w = add_warning(db, now, expires=now + timedelta(days=1))
    outbox.enqueue(db, [alert(5, w)], now)
    fake_tg.fail("server_error", chat_id=5, times=2)
    clock = Clock(now)
    assert (await drain(bot, db, fake_tg, clock)).retried == 1
    row = outbox.rows(db)[0]
    assert row.status is OutboxStatus.PENDING and row.attempts == 1 and "Internal Server Error" in row.last_error
    first_wait = row.next_attempt_at - now
    assert timedelta(seconds=1) <= first_wait <= timedelta(seconds=2)  # 2 s with jitter
    assert (await drain(bot, db, fake_tg, clock)).sent == 0  # not due yet
    clock.now = row.next_attempt_at
    assert (await drain(bot, db, fake_tg, clock)).retried == 1
    second_wait = outbox.rows(db)[0].next_attempt_at - clock.now
    assert second_wait > first_wait  # exponential
    clock.now += timedelta(minutes=10)
    assert (await drain(bot, db, fake_tg, clock)).sent == 1
    assert outbox.rows(db)[0].attempts == 3 and len(fake_tg.messages(5)) == 1


async def test_transient_errors_are_retried_while_the_warning_is_in_force_then_skipped(db, now, fake_tg, bot):
    # Why: 502s for a minute used to mark rows failed after 6 tries; they were never retried.
    add_leaders(db, [6], now)
    w = add_warning(db, now, expires=now + timedelta(hours=5))
    outbox.enqueue(db, [alert(6, w)], now)
    fake_tg.fail("bad_gateway", chat_id=6, times=None)
    clock = Clock(now)
    settings = fake_settings(fake_tg)
    for _ in range(settings.delivery.max_attempts + 3):
        await drain(bot, db, fake_tg, clock)
        clock.now += timedelta(seconds=61)  # the backoff is capped at 60 s
    row = outbox.rows(db)[0]
    assert row.status is OutboxStatus.PENDING and row.attempts > settings.delivery.max_attempts
    assert row.next_attempt_at - clock.now <= timedelta(seconds=60)
    clock.now = now + timedelta(hours=5)
    assert (await drain(bot, db, fake_tg, clock)).skipped == 1
    assert outbox.rows(db)[0].last_error == "expired"
    assert fake_tg.messages(ADMIN) == [] and get_leader(db, 6).active  # a network problem is nobody's doing


async def test_a_send_that_timed_out_after_it_was_written_is_resent_once_at_most(db, now, fake_tg, bot):
    # Why: answers slower than the read timeout were delivered; resending each time gave 2-3 copies.
    add_leaders(db, [6], now)
    w = add_warning(db, now)
    outbox.enqueue(db, [alert(6, w)], now)
    fake_tg.slow(2.0, chat_id=6, times=None)  # beyond this bot's 1.5 s read timeout, delivered all the same
    clock = Clock(now)
    stats = await drain(bot, db, fake_tg, clock)
    row = outbox.rows(db)[0]
    assert stats.unknown == 1 and row.status is OutboxStatus.PENDING
    assert row.next_attempt_at >= now + timedelta(seconds=60)
    clock.now += timedelta(seconds=61)
    await drain(bot, db, fake_tg, clock)
    row = outbox.rows(db)[0]
    assert row.status is OutboxStatus.SENT and row.message_id is None
    clock.now += timedelta(hours=1)
    assert (await drain(bot, db, fake_tg, clock)).sent == 0
    assert len(fake_tg.messages(6)) == 2  # the first and the one resend, no third


async def test_other_errors_are_tried_max_attempts_times(db, now, fake_tg, bot):
    add_leaders(db, [6], now)
    w = add_warning(db, now)
    outbox.enqueue(db, [alert(6, w)], now)
    fake_tg.fail("conflict", chat_id=6, times=None)
    clock = Clock(now)
    settings = fake_settings(fake_tg)
    for _ in range(settings.delivery.max_attempts + 2):
        await drain(bot, db, fake_tg, clock)
        clock.now += timedelta(minutes=2)
    row = outbox.rows(db)[0]
    assert row.status is OutboxStatus.FAILED and row.attempts == settings.delivery.max_attempts
    [digest] = fake_tg.messages(ADMIN)
    assert "ส่งข้อความไม่สำเร็จ 1 รายการ" in digest.text and "(6)" in digest.text


async def test_notices_and_drills_have_a_lifetime(db, now, fake_tg, bot):
    add_leaders(db, [12, 13], now)
    w = add_warning(db, now, status="exercise")
    day_ago = now - timedelta(hours=25)
    outbox.enqueue(
        db, [OutboxItem(kind=Kind.NOTICE, ref_id=1, chat_id=12, text="ประกาศ"), alert(13, w, kind=Kind.DRILL)], day_ago
    )
    stats = await drain(bot, db, fake_tg, Clock(now))
    assert stats.skipped == 2 and fake_tg.messages() == []
    assert {r.last_error for r in outbox.rows(db)} == {"notice older than 24 h", "drill older than 24 h"}


async def test_bad_request_is_permanent(db, now, fake_tg, bot):
    add_leaders(db, [9], now)
    w = add_warning(db, now)
    outbox.enqueue(db, [alert(9, w, text="<p>not Telegram HTML</p>")], now)
    stats = await drain(bot, db, fake_tg, Clock(now))
    assert stats.failed == 1 and stats.retried == 0
    assert outbox.rows(db)[0].status is OutboxStatus.FAILED
    assert len(fake_tg.messages(ADMIN)) == 1 and get_leader(db, 9).active


# Why: a warning that ended before its turn must not reach anyone (the "never sends").
STALE = [
    ("cancelled", None, "warning cancelled"),
    ("superseded", None, "warning superseded"),
    ("ended", None, "warning ended"),
    ("active", -1, "expired"),
    ("test", None, "warning test"),
]


@pytest.mark.parametrize(("status", "expires_in_minutes", "reason"), STALE)
async def test_stale_warnings_are_skipped(db, now, fake_tg, bot, status, expires_in_minutes, reason):
    add_leaders(db, [11], now)
    expires = now + timedelta(minutes=expires_in_minutes) if expires_in_minutes else None
    w = add_warning(db, now, status=status, expires=expires)
    outbox.enqueue(db, [alert(11, w)], now)
    stats = await drain(bot, db, fake_tg, Clock(now))
    assert stats.skipped == 1 and fake_tg.messages() == []
    assert outbox.rows(db)[0].last_error == reason


async def test_drills_go_out(db, now, fake_tg, bot):
    add_leaders(db, [12], now)
    w = add_warning(db, now, status="exercise")
    outbox.enqueue(db, [alert(12, w, kind=Kind.DRILL)], now)
    assert (await drain(bot, db, fake_tg, Clock(now))).sent == 1


async def test_update_and_cancel_reply_to_the_earlier_message_and_remove_its_buttons(db, now, fake_tg, bot):
    fake_tg.limits = False  # several messages to one chat; pacing is tested elsewhere
    add_leaders(db, [21, 22], now)
    v1 = add_warning(db, now, version="v1")
    outbox.enqueue(db, [alert(21, v1)], now)  # 22 never got the first version
    await drain(bot, db, fake_tg, Clock(now))
    first = fake_tg.messages(21)[0]
    db["warnings"].update(v1, {"status": "superseded"})
    v2 = add_warning(db, now, version="v2")
    outbox.enqueue(db, [alert(21, v2, Kind.UPDATE, "อัปเดต"), alert(22, v2, Kind.UPDATE, "อัปเดต")], now)
    await drain(bot, db, fake_tg, Clock(now))
    update = fake_tg.messages(21)[1]
    assert update.reply_to == first.message_id and update.buttons() == [("รับทราบ", f"ack:{v2}")]
    assert fake_tg.messages(22)[0].reply_to is None  # no earlier message: a fresh one
    db["warnings"].update(v2, {"status": "cancelled"})
    cancel = add_warning(db, now, identifier="C-1", status="cancelled", supersedes=v2)
    outbox.enqueue(db, [alert(21, cancel, Kind.CANCEL, "ยกเลิก"), alert(22, cancel, Kind.CANCEL, "ยกเลิก")], now)
    stats = await drain(bot, db, fake_tg, Clock(now))
    assert stats.sent == 2
    cancel_msg = fake_tg.messages(21)[2]
    assert cancel_msg.reply_to == update.message_id and cancel_msg.buttons() == []
    assert fake_tg.message(21, first.message_id).buttons() == []
    assert fake_tg.message(21, update.message_id).buttons() == []
    assert fake_tg.message(22, fake_tg.messages(22)[0].message_id).buttons() == []


async def test_cancel_without_an_earlier_message_is_skipped(db, now, fake_tg, bot):
    add_leaders(db, [31], now)
    w = add_warning(db, now, status="cancelled")
    outbox.enqueue(db, [alert(31, w, Kind.CANCEL, "ยกเลิก")], now)
    stats = await drain(bot, db, fake_tg, Clock(now))
    assert stats.skipped == 1 and fake_tg.messages() == []


async def test_all_clear_replies_without_a_button_and_clears_the_alert(db, now, fake_tg, bot):
    fake_tg.limits = False
    add_leaders(db, [41], now)
    v1 = add_warning(db, now, version="v1")
    outbox.enqueue(db, [alert(41, v1)], now)
    await drain(bot, db, fake_tg, Clock(now))
    db["warnings"].update(v1, {"status": "superseded"})
    v2 = add_warning(db, now, version="v2", status="ended")
    outbox.enqueue(db, [alert(41, v2, Kind.UPDATE, "สิ้นสุดแล้ว")], now)
    await drain(bot, db, fake_tg, Clock(now))
    alert_msg, clear = fake_tg.messages(41)
    assert clear.reply_to == alert_msg.message_id and clear.buttons() == []
    assert fake_tg.message(41, alert_msg.message_id).buttons() == []


async def test_per_chat_spacing_and_global_rate_hold_against_the_limits(db, now, fake_tg, bot):
    # 40 messages, two per chat for 20 chats: the fake answers 429 to anything too fast.
    chats = add_leaders(db, list(range(200, 220)), now)
    w1 = add_warning(db, now, identifier="A")
    w2 = add_warning(db, now, identifier="B")
    outbox.enqueue(db, [alert(c, w) for w in (w1, w2) for c in chats], now)
    start = time.monotonic()
    stats = await drain(bot, db, fake_tg, Clock(now), limiter=RateLimiter(30, 1.0))
    assert stats.sent == 40 and fake_tg.http_429 == 0
    assert time.monotonic() - start >= 1.0  # the second message per chat waited its second
