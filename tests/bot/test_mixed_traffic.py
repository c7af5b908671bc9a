"""Handlers and fan-out sharing one Telegram budget: the real Application, polling the fake Bot API with
Telegram's limits on, while the delivery job fans out to 240 leaders.

Why: replies outside the outbox ignored the limits; under flood control the handlers raised and the
user's input was lost (acks, report confirmations, an admin's /broadcast), and with one update at
a time an ack waited behind everybody else's.
"""

from __future__ import annotations

import logging
import statistics
import time
from datetime import timedelta

import pytest
from telegram import Bot

from bot.leaders import texts
from bot.app import build_application
from bot.delivery.worker import deliver_due
from subscribers import outbox
from subscribers.db import open_db
from subscribers.outbox import Kind, OutboxItem, Priority
from bot.demo.fake.telegram import FakeTelegram, fake_settings
from tests.helpers.clock import Clock
from tests.helpers.store import CITIES, add_cities, add_warning
from subscribers.leaders import upsert_leader

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ADMIN = 900001
ADMIN_CHAT = -100900


def alert(chat_id, warning_id):
    return OutboxItem(
        kind=Kind.ALERT, ref_id=warning_id, chat_id=chat_id, text="<b>เตือนภัย</b>", priority=Priority.SEVERE
    )


async def wait(fake: FakeTelegram, condition, timeout: float = 30.0) -> None:
    await fake.until(condition, timeout=timeout)


async def test_acks_reports_a_broadcast_and_strangers_during_a_fan_out(tmp_path, now, caplog):
    caplog.set_level(logging.ERROR)
    with FakeTelegram() as fake:
        settings = fake_settings(fake, database=tmp_path / "floodbot.db", cities=CITIES)
        clock = Clock(now)
        db = open_db(tmp_path / "floodbot.db", create=True)
        add_cities(db, now)
        leaders = list(range(40_001, 40_241))
        for chat in leaders:
            upsert_leader(db, chat, "bo-yang", now, name=f"ผู้นำ {chat}", livelihood="fishing")
        for chat in range(41_001, 41_006):  # phatong gets the broadcast
            upsert_leader(db, chat, "phatong", now, name=f"ผู้นำ {chat}", livelihood="fishing")
        # An earlier alert that 50 leaders will acknowledge during the fan-out.
        earlier = add_warning(db, now - timedelta(minutes=5), identifier="EARLIER")
        outbox.enqueue(db, [alert(c, earlier) for c in leaders[:50]], now)
        async with Bot(fake.token, base_url=fake.base_url) as bot:
            assert (await deliver_due(bot, db, settings, clock)).sent == 50
        first_alert = {m.chat_id: m.message_id for m in fake.messages()}
        fan = add_warning(db, now, identifier="FAN", expires=now + timedelta(hours=6))
        outbox.enqueue(db, [alert(c, fan) for c in leaders], now)

        app = build_application(settings, db, clock=clock)
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=1)
            try:
                fan_out = lambda: sum(1 for m in fake.messages() if m.text == "<b>เตือนภัย</b>")  # noqa: E731
                await wait(fake, lambda: fan_out() >= 50 + 20)
                pushed: dict[str, float] = {}
                for chat in leaders[:50]:
                    update = fake.push_callback(chat, first_alert[chat], f"ack:{earlier}")
                    pushed[update["callback_query"]["id"]] = time.monotonic()
                strangers = list(range(90_001, 90_051))
                for chat in strangers:
                    fake.push_message(chat, "สวัสดีครับ")
                reporters = leaders[100:105]
                for chat in reporters:
                    fake.push_photo(chat, caption="น้ำท่วมถนน")
                fake.push_command(ADMIN, "broadcast")
                await wait(
                    fake, lambda: any(b[1] == "bc:city:phatong" for m in fake.messages(ADMIN) for b in m.buttons())
                )
                menu = fake.messages(ADMIN)[0]
                fake.push_callback(ADMIN, menu.message_id, "bc:city:phatong")
                fake.push_callback(ADMIN, menu.message_id, "bc:next")
                fake.push_message(ADMIN, "ประชุมด่วนคืนนี้ 19:00 น.")
                await wait(fake, lambda: len(fake.messages(ADMIN)) >= 3)
                preview = fake.messages(ADMIN)[2]
                assert "ประชุมด่วน" in preview.text
                fake.push_callback(ADMIN, preview.message_id, "bc:send")
                for chat in reporters:  # the depth buttons came back: finish each report
                    await wait(
                        fake, lambda c=chat: any(m.buttons() for m in fake.messages(c) if m.text != "<b>เตือนภัย</b>")
                    )
                    keyboard = next(m for m in fake.messages(chat) if m.buttons() and m.text != "<b>เตือนภัย</b>")
                    fake.push_callback(chat, keyboard.message_id, "depth:knee")

                await wait(fake, lambda: len(fake.answered_callbacks) >= 50 + 3 + 5, timeout=60)
                await wait(fake, lambda: all(fake.messages(c) for c in strangers), timeout=60)
                await wait(fake, lambda: all(
                    any(m.text == texts.REPORT_SENT.format(number=i) for c in reporters for m in fake.messages(c))
                    for i in range(1, 6)), timeout=60)
                await wait(fake, lambda: fan_out() == 50 + 240, timeout=60)
                await wait(
                    fake,
                    lambda: all(
                        any("ประชุมด่วน" in (m.text or "") for m in fake.messages(c)) for c in range(41_001, 41_006)
                    ),
                    timeout=60,
                )
            finally:
                await app.updater.stop()
                await app.stop()
        answers = fake.method_calls("answerCallbackQuery")
        ack_calls = {c.params["callback_query_id"]: c.at for c in answers if c.status == 200}
        waits = [ack_calls[q] - at for q, at in pushed.items()]
        db.close()
    # Every ack answered (within a second, median) and recorded, while the fan-out ran.
    assert len(waits) == 50 and statistics.median(waits) < 1.0
    assert all(fake.message(c, first_alert[c]).buttons()[0][0].startswith("✅") for c in leaders[:50])
    # The fan-out: every leader once.
    got = sorted(m.chat_id for m in fake.messages() if m.text == "<b>เตือนภัย</b>")
    assert got == sorted(leaders[:50] + leaders)
    # No handler crashed, nothing was lost to a 429 (the error handler would have posted to the admin chat).
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    assert not any("ข้อผิดพลาด" in (m.text or "") for m in fake.messages(ADMIN_CHAT))
