"""Hostile input through the real Application: forged acks and buttons, edits, repeated invites, strange groups."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.app import build_application
from bot.leaders.guards import STALE_BUTTON
from bot.leaders.joining import JoinOutcome, join
from bot.demo.fake.telegram import fake_settings
from subscribers import invites
from tests.helpers.admin_bot import ADMIN, STRANGER, command, press
from tests.helpers.admin_data import seed_admin_store
from tests.helpers.clock import Clock
from tests.helpers.store import CITIES, add_sent_alert, add_warning

ADMIN_CHAT = -100900


@pytest.fixture
def fake(limited_tg):
    return limited_tg


@pytest.fixture
async def app(fake, db, now, vt):
    seed_admin_store(db, now)
    settings = fake_settings(fake, cities=CITIES)
    application = build_application(settings, db, Clock(now), limiter=vt.limiter(settings))
    async with application:
        yield application


async def button_message(app, chat_id: int, data: str) -> int:
    """The bot sends chat_id a message with one button carrying `data`; returns its message id."""
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("ปุ่ม", callback_data=data)]])
    return (await app.bot.send_message(chat_id, "ข้อความ", reply_markup=markup)).message_id


def answers(fake) -> list[str | None]:
    return [a.get("text") for a in fake.answered_callbacks]


async def test_ack_counts_only_for_a_warning_sent_to_that_chat(app, fake, db, now):
    ours = add_warning(db, now, identifier="BO", cities=["bo-yang"], expires=now + timedelta(hours=6))
    theirs = add_warning(db, now, identifier="LA", cities=["la-ngu"], expires=now + timedelta(hours=6))
    message_id = await button_message(app, 11, f"ack:{ours}")
    add_sent_alert(db, ours, 11, message_id, now)
    # A bo-yang leader forges a press for la-ngu's warning (sent to 31, never to 11): nothing recorded.
    await press(app, fake, 11, message_id, f"ack:{theirs}")
    assert db["acknowledgements"].count == 0
    await press(app, fake, 11, message_id, f"ack:{ours}")
    assert [(r["warning_id"], r["chat_id"]) for r in db.query("select * from acknowledgements")] == [(ours, 11)]
    assert answers(fake)[0] == "ไม่พบประกาศเตือนภัยนี้" and answers(fake)[1].startswith("บันทึกการรับทราบแล้ว")


# Each forged or stale press is answered (the spinner stops) and changes nothing; why each case:
FORGED = [
    ("ack:" + "9" * 40, "an id too long for SQLite's integer crashed the handler"),
    ("ack:abc", "not a number"),
    ("zzz", "no handler has this prefix"),
    ("bc:send", "an admin button pressed by a stranger, outside any conversation"),
    ("bc:city:bo-yang", "an admin button of a conversation that is not running"),
]


@pytest.mark.parametrize("data, why", FORGED, ids=[d for d, _ in FORGED])
async def test_forged_buttons_are_answered(app, fake, db, data, why):
    message_id = await button_message(app, STRANGER, data)
    await press(app, fake, STRANGER, message_id, data)
    assert answers(fake) == [STALE_BUTTON], why
    assert fake.messages(ADMIN_CHAT) == []  # no error reached the admin chat
    assert db["acknowledgements"].count == 0 and db["outbox"].count == 0


async def test_an_edited_admin_command_does_not_run_again(app, fake, db):
    await command(app, fake, ADMIN, "/invite bo-yang")
    assert db["invites"].count == 1
    sent = fake.push_message(ADMIN, "/invite bo-yang", from_id=ADMIN)
    edited_message = {**sent["message"], "edit_date": sent["message"]["date"]}
    edited = {"update_id": sent["update_id"] + 1000, "edited_message": edited_message}
    await app.process_update(Update.de_json(edited, app.bot))
    assert db["invites"].count == 1
    assert fake.messages(ADMIN)[-1].text == "บอทอ่านข้อความที่แก้ไขไม่ได้ กรุณาส่งเป็นข้อความใหม่"


def test_second_tap_of_an_invite_by_an_active_member_uses_nothing(db, now):
    seed_admin_store(db, now)
    invite = invites.create_invite(db, "phatong", now, timedelta(days=1), 2, created_by="test")
    assert join(db, 500, invite.code, now).outcome is JoinOutcome.JOINED
    again = join(db, 500, invite.code, now)
    assert again.outcome is JoinOutcome.ALREADY_ACTIVE
    assert invites.get_invite(db, invite.code).uses == 1
    # The second use is still there for a second leader.
    assert join(db, 501, invite.code, now).outcome is JoinOutcome.JOINED


def my_chat_member(chat_id: int, by: int, old: str = "left", new: str = "member") -> dict:
    bot = {"id": 123456789, "is_bot": True, "first_name": "floodbot", "username": "floodbot_test_bot"}
    return {
        "update_id": 9000 + by,
        "my_chat_member": {
            "chat": {"id": chat_id, "type": "supergroup", "title": "กลุ่มแปลก"},
            "from": {"id": by, "is_bot": False, "first_name": f"U{by}", "username": f"user{by}"},
            "date": 1740000000,
            "old_chat_member": {"user": bot, "status": old},
            "new_chat_member": {"user": bot, "status": new},
        },
    }


async def test_the_bot_leaves_groups_a_stranger_added_it_to(app, fake):
    await app.process_update(Update.de_json(my_chat_member(-100777, STRANGER), app.bot))
    assert fake.left_chats == [-100777]
    [told] = fake.messages(ADMIN_CHAT)
    assert "-100777" in told.text and f"@user{STRANGER}" in told.text
    # An admin adding it to a group: it stays, nobody is told.
    await app.process_update(Update.de_json(my_chat_member(-100888, ADMIN), app.bot))
    # Being removed is not being added.
    await app.process_update(Update.de_json(my_chat_member(-100999, STRANGER, old="member", new="left"), app.bot))
    assert fake.left_chats == [-100777] and len(fake.messages(ADMIN_CHAT)) == 1


async def test_an_error_quoting_the_token_reaches_the_admin_chat_masked(app, fake):
    from telegram.ext import CommandHandler

    async def broken(update, context):
        raise RuntimeError(f"request to https://api.telegram.org/bot{fake.token}/getMe failed")

    app.add_handler(CommandHandler("broken", broken), group=-3)
    await command(app, fake, ADMIN, "/broken")
    [told] = fake.messages(ADMIN_CHAT)
    assert "[REDACTED]" in told.text and fake.token.split(":")[1] not in told.text
