"""The fake Telegram server, driven through the real PTB stack (Bot and Application)."""

from __future__ import annotations

import asyncio
import time
import warnings
from datetime import timedelta

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, MessageHandler, filters
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.app import build_application
from bot.demo.fake.telegram import BOT_ID, FakeTelegram, fake_settings, html_problem

# PTB 22 warns on reading RetryAfter.retry_after (it will become a timedelta); the worker handles both.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def make_bot(fake: FakeTelegram, read_timeout: float = 5.0) -> Bot:
    return Bot(
        fake.token,
        base_url=fake.base_url,
        base_file_url=fake.base_file_url,
        request=HTTPXRequest(connection_pool_size=8, read_timeout=read_timeout),
    )


async def test_get_me_and_send_message_round_trip(fake_tg):
    fake_tg.limits = False  # two messages to one chat within a second
    async with make_bot(fake_tg) as bot:
        assert bot.id == BOT_ID and bot.username == "floodbot_test_bot"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("รับทราบ", callback_data="ack:7")]])
        first = await bot.send_message(42, "<b>เตือนภัย</b>", parse_mode="HTML", reply_markup=markup)
        reply = await bot.send_message(42, "อัปเดต", reply_to_message_id=first.message_id)
    assert first.chat.id == 42 and first.text == "<b>เตือนภัย</b>"
    assert reply.reply_to_message.message_id == first.message_id
    sent = fake_tg.messages(42)
    assert [m.text for m in sent] == ["<b>เตือนภัย</b>", "อัปเดต"]
    assert sent[0].buttons() == [("รับทราบ", "ack:7")] and sent[0].parse_mode == "HTML"
    assert sent[1].reply_to == first.message_id


async def test_edits_change_the_stored_message_and_are_logged(fake_tg):
    fake_tg.limits = False
    async with make_bot(fake_tg) as bot:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("รับทราบ", callback_data="ack:1")]])
        sent = await bot.send_message(5, "a", reply_markup=markup)
        await bot.edit_message_reply_markup(5, sent.message_id, reply_markup=None)
        # Telegram refuses an edit that changes nothing; the fake does too.
        with pytest.raises(BadRequest, match="(?i)not modified"):
            await bot.edit_message_reply_markup(5, sent.message_id, reply_markup=None)
        await bot.edit_message_text("b", 5, sent.message_id)
        with pytest.raises(BadRequest, match="(?i)message to edit not found"):
            await bot.edit_message_text("c", 5, 999)
    message = fake_tg.message(5, sent.message_id)
    assert message.text == "b" and message.buttons() == [] and len(message.edits) == 2


# Each injected failure maps to the PTB exception the delivery worker classifies.
FAILURES = [
    ("blocked", Forbidden, "blocked by the user"),
    ("chat_not_found", BadRequest, "(?i)Chat not found"),
    ("server_error", NetworkError, "Internal Server Error"),
    ("bad_gateway", NetworkError, "Bad Gateway"),
    ("flood", RetryAfter, "Flood control"),
]


@pytest.mark.parametrize(("error", "exc_type", "text"), FAILURES)
async def test_injected_failures_raise_what_ptb_raises_for_telegram(fake_tg, error, exc_type, text):
    fake_tg.fail(error, chat_id=9)
    async with make_bot(fake_tg) as bot:
        with pytest.raises(exc_type, match=text):
            await bot.send_message(9, "x")
        # One-shot: the next send goes through.
        await bot.send_message(9 if error != "flood" else 10, "y")
    assert [m.text for m in fake_tg.messages()] == ["y"]


async def test_blocked_and_missing_chats_fail_until_cleared(fake_tg):
    fake_tg.limits = False
    fake_tg.block(1)
    fake_tg.forget_chat(2)
    async with make_bot(fake_tg) as bot:
        for _ in range(2):
            with pytest.raises(Forbidden):
                await bot.send_message(1, "x")
        with pytest.raises(BadRequest, match="(?i)Chat not found"):
            await bot.send_message(2, "x")
    assert fake_tg.messages() == []


async def test_retry_after_is_parsed_as_a_duration(fake_tg):
    fake_tg.fail("flood", retry_after=7)
    async with make_bot(fake_tg) as bot:
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(3, "x")
    # PTB 22 warns that the attribute will become a timedelta; either form means 7 s.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        assert info.value.retry_after in (7, timedelta(seconds=7))


async def test_slow_reply_times_out(fake_tg):
    fake_tg.slow(0.5, chat_id=4)
    async with make_bot(fake_tg, read_timeout=0.1) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(4, "x")


async def test_limits_one_per_second_per_chat_and_thirty_per_second_overall():
    # The limits' clock stands still: every send falls in the same second, however busy the machine.
    with FakeTelegram(clock=lambda: 1000.0) as fake:
        async with make_bot(fake) as bot:
            # A private chat tolerates a burst of three, then one per second.
            for text in "abc":
                await bot.send_message(1, text)
            with pytest.raises(RetryAfter):
                await bot.send_message(1, "d")
            await asyncio.gather(*(bot.send_message(chat, "c") for chat in range(2, 29)))
            with pytest.raises(RetryAfter):
                await bot.send_message(31, "d")
        assert fake.http_429 == 2 and len(fake.messages()) == 30


async def test_edits_count_against_the_limits_callback_answers_do_not():
    # Why: Telegram counts edits per chat and overall; a bot that only paces sends still gets 429s.
    with FakeTelegram(clock=lambda: 1000.0) as fake:
        async with make_bot(fake) as bot:
            first = await bot.send_message(1, "a")
            await bot.edit_message_text("b", chat_id=1, message_id=first.message_id)
            await bot.edit_message_text("c", chat_id=1, message_id=first.message_id)
            with pytest.raises(RetryAfter):
                await bot.edit_message_text("d", chat_id=1, message_id=first.message_id)
            await asyncio.gather(*(bot.send_message(chat, "x") for chat in range(2, 29)))
            with pytest.raises(RetryAfter):
                await bot.send_message(40, "one too many")
            assert await bot.answer_callback_query("1")  # not a message: never limited
        assert fake.http_429 == 2


async def test_a_group_gets_twenty_messages_a_minute():
    now = [1000.0]
    with FakeTelegram(clock=lambda: now[0]) as fake:
        async with make_bot(fake) as bot:
            for i in range(20):
                await bot.send_message(-100900, f"m{i}")
                now[0] += 1.1  # well under 30/s overall and spread over 22 s
            with pytest.raises(RetryAfter):
                await bot.send_message(-100900, "one too many")
            now[0] += 60
            await bot.send_message(-100900, "a minute later")
        assert fake.http_429 == 1 and len(fake.messages(-100900)) == 21


async def test_server_errors_refused_connections_and_slow_answers_are_injectable(fake_tg):
    async with make_bot(fake_tg, read_timeout=1.0) as bot:
        fake_tg.fail("bad_gateway", method=None, times=None)
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(1, "a")
        fake_tg.clear_failures()
        fake_tg.refuse_connections()
        with pytest.raises(NetworkError):
            await bot.send_message(1, "b")
        fake_tg.accept_connections()
        await bot.send_message(1, "c")
        # A slow answer was delivered all the same: only the answer is late.
        fake_tg.slow(1.5, chat_id=2)
        with pytest.raises(TimedOut):
            await bot.send_message(2, "d")
    assert [m.text for m in fake_tg.messages()] == ["c", "d"]


async def test_latency_delays_every_answer_by_a_round_trip():
    with FakeTelegram() as fake:
        fake.latency(200, jitter=0.3)
        async with make_bot(fake) as bot:
            start = time.monotonic()
            await bot.send_message(1, "a")
            took = time.monotonic() - start
        # Counted on receipt: the fake accepted it half a round trip (±30 %) after the request left.
        assert 0.14 <= took and 0.07 <= fake.messages()[0].at - start <= 0.13 + 0.05


async def test_limits_window_moves_on():
    now = [1000.0]
    with FakeTelegram(clock=lambda: now[0]) as fake:
        async with make_bot(fake) as bot:
            await bot.send_message(1, "a")
            now[0] += 1.01  # a second later the same chat may speak again
            await bot.send_message(1, "b")
        assert fake.http_429 == 0 and [m.text for m in fake.messages(1)] == ["a", "b"]


async def test_limits_can_be_turned_off():
    with FakeTelegram(limits=False) as fake:
        async with make_bot(fake) as bot:
            for i in range(40):
                await bot.send_message(1, f"m{i}")
    assert fake.http_429 == 0 and len(fake.messages(1)) == 40


# Telegram refuses these; rendering bugs must show up in tests, not on leaders' phones.
BAD_TEXTS = [
    ("<p>x</p>", "HTML", "unsupported start tag"),
    ("<b>x", "HTML", "can't find end tag"),
    ("", None, "(?i)message text is empty"),
    ("ก" * 4097, None, "(?i)message is too long"),
]


@pytest.mark.parametrize(("text", "parse_mode", "why"), BAD_TEXTS)
async def test_refuses_what_telegram_refuses(fake_tg, text, parse_mode, why):
    async with make_bot(fake_tg) as bot:
        with pytest.raises(BadRequest, match=why):
            await bot.send_message(1, text, parse_mode=parse_mode)


def test_html_problem_accepts_telegram_tags():
    assert html_problem('<b>a</b> <i>b</i> <a href="https://x">c</a> &amp; <code>d</code>') is None


async def test_unknown_method_answers_404_and_is_recorded():
    with FakeTelegram() as fake:
        async with make_bot(fake) as bot:
            with pytest.raises(InvalidToken):
                await bot.send_dice(1)
    assert fake.unknown_methods == ["sendDice"]


async def test_wrong_token_is_rejected():
    with FakeTelegram() as fake:
        bot = Bot("1:wrong", base_url=fake.base_url)
        try:
            with pytest.raises(InvalidToken):
                await bot.initialize()
        finally:
            await bot.shutdown()


async def test_photo_upload_and_get_file_download(fake_tg):
    async with make_bot(fake_tg) as bot:
        sent = await bot.send_photo(-100900, b"\x89PNG fake", caption="รูป")
        file = await bot.get_file(sent.photo[-1].file_id)
        data = await file.download_as_bytearray()
    assert bytes(data) == b"\x89PNG fake"
    assert fake_tg.messages(-100900)[0].method == "sendPhoto"


async def test_application_polls_updates_and_answers_callbacks(db, fake_tg):
    """The app built by build_application starts, long-polls, routes a message and a callback."""
    app = build_application(fake_settings(fake_tg), db)
    seen: list[Update] = []

    async def echo(update: Update, context) -> None:
        seen.append(update)
        await update.effective_message.reply_text(f"echo {update.effective_message.text}")

    async def press(update: Update, context) -> None:
        seen.append(update)
        await update.callback_query.answer("ok")
        raise ApplicationHandlerStop  # answered: the app's catch-all for unknown buttons must not answer again

    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(press), group=-2)
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=1, poll_interval=0)
        fake_tg.push_message(77, "สวัสดี")
        await fake_tg.until(lambda: any(m.text.startswith("echo") for m in fake_tg.messages(77)))
        bot_message = next(m for m in fake_tg.messages(77) if m.text.startswith("echo"))
        fake_tg.push_callback(77, bot_message.message_id, "other:3")
        await fake_tg.until(lambda: len(fake_tg.answered_callbacks) == 1)
        await app.updater.stop()
        await app.stop()
    assert bot_message.text == "echo สวัสดี"
    assert seen[1].callback_query.data == "other:3"
    assert seen[1].callback_query.message.message_id == bot_message.message_id
    assert fake_tg.answered_callbacks[0]["text"] == "ok"
    assert fake_tg.pending_updates() == 0  # PTB confirmed both updates


async def test_user_photos_albums_and_locations_arrive_as_updates(db, fake_tg):
    app = build_application(fake_settings(fake_tg), db)
    got: list[Update] = []

    async def keep(update: Update, context) -> None:
        got.append(update)

    app.add_handler(MessageHandler(filters.ALL, keep))
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=1, poll_interval=0)
        fake_tg.push_album(8, 3, caption="น้ำท่วมถนน")
        fake_tg.push_location(8, 7.198, 100.596)
        fake_tg.push_command(8, "report", "30cm")
        await fake_tg.until(lambda: len(got) == 5)
        photo_file = await got[0].message.photo[-1].get_file()
        data = await photo_file.download_as_bytearray()
        await app.updater.stop()
        await app.stop()
    assert {u.message.media_group_id for u in got[:3]} == {"album-1"}
    assert got[0].message.caption == "น้ำท่วมถนน" and got[1].message.caption is None
    assert bytes(data) == b"photo 0"
    assert got[3].message.location.latitude == pytest.approx(7.198)
    assert got[4].message.text == "/report 30cm" and got[4].message.entities[0].type == "bot_command"
