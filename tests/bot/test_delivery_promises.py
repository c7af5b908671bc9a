"""Delivery promises the other tests did not pin: who hears a follow-up, Extreme jumping ahead, slow
answers at the production timeouts, a broken retry_after. Real PTB stack, fake Bot API, limits on."""

from __future__ import annotations

import random
import time
from datetime import timedelta

from bot.app import build_application
from bot.delivery.worker import deliver_due
from bot.settings import DeliverySettings
from bot.demo.fake.telegram import fake_settings
from subscribers import outbox
from subscribers.outbox import Kind, OutboxItem, OutboxStatus, Priority
from tests.helpers.clock import Clock
from tests.helpers.store import add_leaders, add_warning

# The production answer time and read timeout (10 s slow answers, 30 s timeout) scaled by the same
# factor so the test takes about a second of real time instead of ten; the ratio is what matters.
SCALE = 0.1
SLOW_ANSWER_SECONDS = 10.0


def row(chat_id, warning_id, kind=Kind.ALERT, text="<b>เตือนภัย</b> ฝนตกหนัก", priority=Priority.SEVERE):
    return OutboxItem(kind=kind, ref_id=warning_id, chat_id=chat_id, text=text, priority=priority)


async def test_follow_ups_go_only_to_leaders_whose_alert_was_sent(db, now, limited_tg, vt):
    # Why: a cancel or "no longer your area" to a leader who never got the alert is an orphan reply
    # to nothing. 1 got the alert; 2's failed for good (a bad request); 3's was still pending.
    settings = fake_settings(limited_tg)
    app = build_application(settings, db, Clock(now), limiter=vt.limiter(settings))
    async with app:
        state = app.bot_data.delivery

        async def drain(at):
            return await deliver_due(app.bot, db, settings, lambda: at, state=state)

        add_leaders(db, [1, 2, 3], now)
        v1 = add_warning(db, now, version="v1")
        limited_tg.fail("bad_request", chat_id=2)
        outbox.enqueue(db, [row(1, v1), row(2, v1)], now)
        await drain(now)
        outbox.enqueue(db, [row(3, v1)], now)
        (pending,) = [r for r in outbox.rows(db, chat_id=3)]
        outbox.retry_later(db, pending.id, now + timedelta(minutes=5), "not yet")
        # Dispatch asks the store who got an earlier version: only 1.
        assert outbox.chats_with_messages(db, [v1]) == {1}
        db["warnings"].update(v1, {"status": "superseded"})
        v2 = add_warning(db, now, version="v2", cities=["phatong"])
        cancel = add_warning(db, now, identifier="C-1", status="cancelled", supersedes=v1)
        outbox.enqueue(
            db,
            [row(c, v2, Kind.AREA_REMOVED, "ไม่รวมพื้นที่แล้ว") for c in (1, 2, 3)]
            + [row(c, cancel, Kind.CANCEL, "ยกเลิก") for c in (1, 2, 3)],
            now,
        )
        stats = await drain(now + timedelta(minutes=10))
    first = limited_tg.messages(1)[0]
    assert [(m.text, m.reply_to) for m in limited_tg.messages(1)[1:]] == [
        ("ไม่รวมพื้นที่แล้ว", first.message_id), ("ยกเลิก", first.message_id)
    ]
    assert limited_tg.messages(2) == [] and limited_tg.messages(3) == []
    assert stats.sent == 2 and stats.skipped == 5  # 2 and 3: both follow-ups; 3: its stale alert too
    skipped = {(r.chat_id, r.kind): r.last_error for r in outbox.rows(db, status=OutboxStatus.SKIPPED)}
    assert skipped[(2, Kind.CANCEL)] == skipped[(3, Kind.AREA_REMOVED)] == "leader never got the warning"
    assert skipped[(3, Kind.ALERT)] == "warning superseded"


async def test_an_extreme_alert_queued_later_goes_before_severe_rows_queued_earlier(db, now, limited_tg, vt):
    # Why: the outbox is read in priority order, not age: an Extreme warning must not wait behind a
    # Severe fan-out that was queued minutes before it.
    settings = fake_settings(limited_tg)
    add_leaders(db, list(range(1, 9)), now)
    severe = add_warning(db, now, identifier="SEV", severity="Severe")
    extreme = add_warning(db, now, identifier="EXT", severity="Extreme")
    outbox.enqueue(db, [row(c, severe) for c in range(1, 9)], now - timedelta(minutes=5))
    outbox.enqueue(db, [row(c, extreme, priority=Priority.EXTREME) for c in (7, 8)], now)
    app = build_application(settings, db, Clock(now), limiter=vt.limiter(settings))
    async with app:
        await deliver_due(app.bot, db, settings, lambda: now, state=app.bot_data.delivery, concurrency=1)
    order = [(m.chat_id, m.buttons()[0][1]) for m in limited_tg.messages()]
    assert order[:2] == [(7, f"ack:{extreme}"), (8, f"ack:{extreme}")]
    assert sorted(order[2:]) == [(c, f"ack:{severe}") for c in range(1, 9)]


async def test_slow_answers_at_the_production_read_timeout_give_no_duplicates(db, now, limited_tg, vt):
    # Why: answers that took 10 s hit PTB's default 5 s read timeout: 169 of 240 got 2-3 copies.
    # The app's own read timeout (from the settings, 30 s in production) waits for them.
    chats = add_leaders(db, list(range(100, 140)), now)
    w = add_warning(db, now)
    outbox.enqueue(db, [row(c, w) for c in chats], now)
    production = DeliverySettings()
    assert production.read_timeout_seconds == 30
    delivery = DeliverySettings(read_timeout_seconds=production.read_timeout_seconds * SCALE)
    settings = fake_settings(limited_tg, delivery=delivery)
    limited_tg.slow(SLOW_ANSWER_SECONDS * SCALE, times=None)
    app = build_application(settings, db, Clock(now), limiter=vt.limiter(settings))
    async with app:
        stats = await deliver_due(app.bot, db, settings, lambda: now, state=app.bot_data.delivery)
    assert stats.sent == 40 and stats.unknown == 0 and stats.retried == 0
    assert sorted(m.chat_id for m in limited_tg.messages()) == chats  # each once


async def test_a_broken_retry_after_cannot_stop_delivery_for_long(db, now, limited_tg, vt):
    # Why: a server (or a proxy) answering retry_after of days, or a negative one, must not freeze
    # the worker: the pause is capped (300 s) and a negative one is no pause.
    settings = fake_settings(limited_tg)
    add_leaders(db, [1, 2], now)
    w = add_warning(db, now)
    outbox.enqueue(db, [row(1, w), row(2, w)], now)
    limited_tg.fail("flood", chat_id=1, retry_after=10**9)
    limiter = vt.limiter(settings)
    started, virtual = time.monotonic(), vt()
    stats = await deliver_due_with(limited_tg, db, settings, now, limiter)
    assert stats.sent == 2 and stats.http_429 == 1
    assert 300 <= vt() - virtual <= 310 and time.monotonic() - started < 10
    limiter.pause(-50)  # a negative retry_after: no pause at all
    before = vt()
    limiter.release(await limiter.acquire(3))
    assert vt() - before < 1


async def deliver_due_with(fake, db, settings, now, limiter):
    from telegram.ext import ExtBot

    async with ExtBot(fake.token, base_url=fake.base_url) as bot:
        return await deliver_due(bot, db, settings, lambda: now, limiter=limiter, rng=random.Random(1))
