"""The admin tools in the chat, through the fake Bot API: the gate, broadcast, drill, health, listings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.admin.handlers import COMMANDS
from bot.delivery.texts import ack_data
from bot.app import build_application
from bot.settings import FeedSettings
from subscribers import feed_health
from subscribers.timeutil import to_db
from tests.helpers.admin_bot import ADMIN, STRANGER, command, press, run_job
from tests.helpers.admin_data import ack, add_report, add_warning, minutes, seed_admin_store
from tests.helpers.clock import Clock
from tests.helpers.store import CITIES
from bot.demo.fake.telegram import fake_settings

FEEDS = [FeedSettings(name="tmd-cap", kind="cap", url="https://example.org/cap")]


@pytest.fixture
def fake(limited_tg):
    # Telegram's limits on (per chat, per group, overall), on virtual time shared with the app's limiter.
    return limited_tg


@pytest.fixture
def clock(now):
    return Clock(now)


@pytest.fixture
def store(db, now):
    # la-ngu's leader 31 is not in the broadcast.
    return seed_admin_store(db, now)


@pytest.fixture
async def app(fake, store, clock, vt):
    settings = fake_settings(fake, cities=CITIES, feeds=FEEDS)
    application = build_application(settings, store, clock, limiter=vt.limiter(settings))
    async with application:
        yield application


async def test_non_admin_is_refused_everything(app, fake, store):
    # A catch-all in a later group stands for the leaders' handlers: it must never see these updates.
    later: list[Update] = []

    async def record_later(update: Update, context) -> None:
        later.append(update)

    app.add_handler(MessageHandler(filters.ALL, record_later), group=1)
    for name in COMMANDS:
        await command(app, fake, STRANGER, f"/{name} bo-yang")
    assert later == []
    replies = [m.text for m in fake.messages()]
    # One polite refusal per command, nothing else anywhere.
    assert replies == ["ขออภัย คำสั่งนี้สำหรับผู้ดูแลระบบเท่านั้น"] * len(COMMANDS)
    assert {m.chat_id for m in fake.messages()} == {STRANGER}
    audit = list(store.query("select actor, action, allowed from audit_log order by id"))
    assert audit == [{"actor": str(STRANGER), "action": name, "allowed": 0} for name in COMMANDS]
    for table in ("notices", "outbox", "drills", "invites"):
        assert store[table].count == 0, table
    # A button press from a stranger (no conversation of theirs) does nothing either.
    await press(app, fake, STRANGER, fake.messages(STRANGER)[0].message_id, "bc:send")
    assert store["outbox"].count == 0


async def test_broadcast_to_two_cities_with_live_counter(app, fake, store, clock):
    fake.block(13)  # one blocked leader among them
    await command(app, fake, ADMIN, "/broadcast")
    (menu,) = fake.messages(ADMIN)
    assert ("ทุกเมือง", "bc:all") in menu.buttons()
    await press(app, fake, ADMIN, menu.message_id, "bc:city:bo-yang")
    await press(app, fake, ADMIN, menu.message_id, "bc:city:phatong")
    assert ("✅ บ่อยาง", "bc:city:bo-yang") in fake.message(ADMIN, menu.message_id).buttons()
    await press(app, fake, ADMIN, menu.message_id, "bc:next")
    later: list[Update] = []

    async def record_later(update: Update, context) -> None:
        later.append(update)

    app.add_handler(MessageHandler(filters.ALL, record_later), group=1)
    await command(app, fake, ADMIN, "ประชุมด่วนคืนนี้ 19:00 น.")
    assert later == []  # the text belongs to the broadcast, not to a leader's report
    preview_title, preview = fake.messages(ADMIN)[1:]
    assert preview_title.text == "ตัวอย่างข้อความที่แกนนำจะได้รับ (5 คน: บ่อยาง, พะตง):"
    assert preview.text == "<b>📢 ประกาศ</b>\nประชุมด่วนคืนนี้ 19:00 น."
    assert store["outbox"].count == 0  # nothing queued before confirming
    await press(app, fake, ADMIN, preview.message_id, "bc:send")
    status = fake.messages(ADMIN)[-1]
    assert status.text == "ส่งแล้ว 0/5"
    (notice,) = store.query("select id from notices")
    job = f"notice-progress-{notice['id']}"

    # The worker's first drain: 21 hits a 500 and waits for a retry; 13 has blocked the bot.
    fake.fail("server_error", chat_id=21)
    await run_job(app, "delivery")
    await run_job(app, job)
    assert fake.message(ADMIN, status.message_id).text == "ส่งแล้ว 4/5"
    await run_job(app, job)  # nothing changed: no edit (Telegram would refuse it)
    clock.now += timedelta(minutes=11)  # past any backoff
    await run_job(app, "delivery")
    await run_job(app, job)
    final = fake.message(ADMIN, status.message_id)
    assert final.text == "ส่งประกาศเสร็จแล้ว: ถึงแล้ว 4 · ไม่สำเร็จ 0 · ถูกบล็อก 1 (ทั้งหมด 5)"
    assert [e["text"] for e in final.edits] == ["ส่งแล้ว 4/5", final.text]
    # Exactly the active leaders of the two cities (13 blocked, 14 inactive, 31 elsewhere).
    assert sorted(m.chat_id for m in fake.messages() if m.text == preview.text and m.chat_id != ADMIN) == [
        11, 12, 21, 22
    ]
    assert store["leaders"].get(13)["active"] == 0
    assert store["audit_log"].count_where("action = 'broadcast' and allowed = 1") == 1


async def test_broadcast_cancel_sends_nothing(app, fake, store):
    await command(app, fake, ADMIN, "/broadcast")
    (menu,) = fake.messages(ADMIN)
    await press(app, fake, ADMIN, menu.message_id, "bc:all")
    await command(app, fake, ADMIN, "ก" * 3901)  # too long: asked again, still writing
    assert fake.messages(ADMIN)[-1].text.startswith("ข้อความยาวเกินไป (3901 ตัวอักษร)")
    await command(app, fake, ADMIN, "ทดสอบ")
    assert fake.messages(ADMIN)[-1].text == "<b>📢 ประกาศ</b>\nทดสอบ"
    await command(app, fake, ADMIN, "/cancel")
    assert fake.messages(ADMIN)[-1].text == "ยกเลิกการส่งประกาศแล้ว"
    assert store["notices"].count == 0 and store["outbox"].count == 0


async def test_drill_report_median_and_missing(app, fake, store, clock, now, golden):
    await command(app, fake, ADMIN, "/drill all")
    (drill,) = store.query("select * from drills")
    await run_job(app, "delivery")
    leader_text = fake.messages(11)[0].text
    golden("admin_drill_message", leader_text)
    assert leader_text.startswith("🧪 <b>ซ้อม") and leader_text.rstrip().endswith("ไม่ใช่เหตุการณ์จริง</b>")
    # Leaders press รับทราบ on the drill message; 13 and 31 never do.
    for chat_id, after in [(11, 1), (21, 2), (22, 4), (12, 5)]:
        clock.now = now + minutes(after)
        (message,) = fake.messages(chat_id)
        assert message.buttons() == [("รับทราบ", ack_data(drill["warning_id"]))]
        await press(app, fake, chat_id, message.message_id, ack_data(drill["warning_id"]))
    clock.now = now + minutes(29)
    await run_job(app, "drill-reports")
    assert fake.messages(-100900) == []  # not yet
    clock.now = now + minutes(30)
    await run_job(app, "drill-reports")
    (report,) = fake.messages(-100900)
    golden("admin_drill_report", report.text)
    assert "บ่อยาง: รับทราบ 2/3 · เวลารับทราบ (กลาง) 3 นาที · ช้าสุด L12 5 นาที" in report.text
    assert "ยังไม่รับทราบ: L13" in report.text and "ยังไม่รับทราบ: L31" in report.text
    await run_job(app, "drill-reports")  # reported once only
    assert len(fake.messages(-100900)) == 1
    assert store["drill_results"].count == 6


def poll_outcome(store, now, error: str | None) -> None:
    """What the poller writes after one fetch of tmd-cap (issue 3's feed_health API and verdict)."""
    if error is None:
        health = feed_health.record_success(store, "tmd-cap", now, content_hash="h")
    else:
        health = feed_health.record_failure(store, "tmd-cap", now, error)
    feed_health.set_healthy(store, "tmd-cap", feed_health.is_healthy(health, now, max_failures=3))


async def test_feed_down_and_recovery_are_two_admin_messages(app, fake, store, clock, now):
    # Each step: one poll outcome, then the health job. Healthy at start is not news; two failures
    # are not yet unhealthy (max_failures 3); the third is; staying down is not repeated; recovery is.
    for error in [None, "HTTP 503", "HTTP 503", "HTTP 503", "timeout", None, None]:
        clock.now += minutes(5)
        poll_outcome(store, clock.now, error)
        await run_job(app, "feed-health-watch")
    texts = [m.text for m in fake.messages(-100900)]
    assert len(texts) == 2
    assert texts[0].startswith("🚨 แหล่งข้อมูล tmd-cap: ❌ ดึงข้อมูลไม่ได้") and "HTTP 503" in texts[0]
    assert texts[1] == "✅ แหล่งข้อมูล tmd-cap กลับมาปกติแล้ว"
    assert store["audit_log"].count == 0  # jobs are not admin actions


async def test_admin_listings(app, fake, store, now, golden):
    warning_id = add_warning(store, now)
    store["outbox"].insert_all(
        [
            {"kind": "alert", "ref_id": warning_id, "chat_id": c, "status": s, "attempts": 1, "priority": 3,
             "created_at": to_db(now), "sent_at": to_db(now) if s == "sent" else None}
            for c, s in [(11, "sent"), (12, "sent"), (13, "failed")]
        ]
    )
    ack(store, warning_id, 11, now + minutes(4))
    add_report(store, 11, "bo-yang", now, lat=7.2, lon=100.6, depth="knee", text="น้ำท่วมถนน", photos=["AgADphoto"])
    for text in ("/invite phatong", "/leaders bo-yang", "/stats", "/reports bo-yang 3", "/health", "/notices"):
        await command(app, fake, ADMIN, text)
    sent = fake.messages(ADMIN)
    invite = sent[0].text
    assert invite.startswith("รหัสเชิญสำหรับพะตง: ") and "https://t.me/floodbot_test_bot?start=" in invite
    golden("admin_leaders", sent[1].text)
    golden("admin_stats", sent[2].text)
    assert sent[3].photo == "AgADphoto" and "ระดับน้ำ: เข่า" in sent[3].text
    assert [c.params["latitude"] for c in fake.method_calls("sendLocation")] == [7.2]
    assert sent[-2].text.startswith("สถานะแหล่งข้อมูล\ntmd-cap: ❔")
    assert sent[-1].text == "ยังไม่ได้ตั้งค่าประกาศประจำ"
    actions = [r["action"] for r in store.query("select action from audit_log where allowed = 1 order by id")]
    assert actions == ["invite", "leaders", "stats", "reports", "health", "notices"]


async def test_two_drills_for_one_city_in_the_same_second_both_start(app, fake, store):
    # Why: the drill's CAP identifier was unique only to the second, so a second /drill in the same
    # second (two admins, a double tap) crashed on the unique index and the admin got no answer.
    await command(app, fake, ADMIN, "/drill bo-yang")
    await command(app, fake, ADMIN, "/drill bo-yang")
    assert store.execute("select count(*) from drills").fetchone()[0] == 2
