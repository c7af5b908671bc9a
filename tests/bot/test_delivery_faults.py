"""Delivery under field conditions, through the real PTB Bot and the fake Bot API with Telegram's limits on:
an outage in the middle of a fan-out, a store that is locked or refuses a write (slow answers: test_delivery_promises).

The wire runs on the real clock (the limits hold there); the rows' due times use a hand-moved clock.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.delivery.worker import deliver_due, make_limiter
from bot.delivery.state import DeliveryState
from subscribers import outbox
from subscribers.db import open_db
from subscribers.outbox import Kind, OutboxItem, OutboxStatus, Priority
from bot.demo.fake.telegram import fake_settings
from tests.helpers.clock import Clock
from tests.helpers.store import add_leaders, add_warning

ADMIN = -100900

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def alert(chat_id, warning_id, text="<b>เตือนภัย</b> ฝนตกหนัก"):
    return OutboxItem(kind=Kind.ALERT, ref_id=warning_id, chat_id=chat_id, text=text, priority=Priority.SEVERE)


def fan_out(db, now, leaders: int, first: int = 1000, identifier: str = "TMD-1") -> tuple[list[int], int]:
    chats = add_leaders(db, list(range(first, first + leaders)), now)
    w = add_warning(db, now, identifier=identifier, expires=now + timedelta(hours=6))
    outbox.enqueue(db, [alert(c, w) for c in chats], now)
    return chats, w


def once_each(fake, chats) -> bool:
    got = [m.chat_id for m in fake.messages() if m.chat_id > 0]
    return sorted(got) == sorted(chats)


@pytest.fixture
async def bot(fake_tg):
    async with Bot(
        fake_tg.token, base_url=fake_tg.base_url, request=HTTPXRequest(read_timeout=5, connection_pool_size=80)
    ) as b:
        yield b


async def fan_out_running(db, now, fake, bot, leaders: int, *, sent: int):
    """A fan-out to `leaders` new leaders whose drain runs (as a task) until `sent` messages went out."""
    chats, _ = fan_out(db, now, leaders)
    settings = fake_settings(fake)
    clock = Clock(now)
    state = DeliveryState(make_limiter(settings), settings, rng=random.Random(1))
    drain = asyncio.create_task(deliver_due(bot, db, settings, clock, state=state))
    await wait_for(lambda: len(fake.messages()) >= sent)
    return chats, settings, clock, state, drain


async def wait_for(condition, timeout=30.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met before the deadline"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize(("fault", "leaders"), [("server errors", 240), ("connection refused", 60)])
async def test_an_outage_mid_fan_out_loses_nothing_and_tells_admins_once_each_way(
    db, now, fake_tg, bot, fault, leaders
):
    # Why: 502s for 60 s lost 72 of 240 leaders, refused connections for 90 s lost 209, and the
    # admins heard nothing (their notices went into the same outage).
    chats, settings, clock, state, drain = await fan_out_running(db, now, fake_tg, bot, leaders, sent=20)
    if fault == "server errors":
        fake_tg.fail("bad_gateway", method=None, times=None)
    else:
        fake_tg.refuse_connections()
    await drain
    assert state.outage is not None and len(fake_tg.messages()) < leaders
    for _ in range(3):  # the outage lasts: each drain probes with one row, nothing is lost
        clock.advance(seconds=30)
        await deliver_due(bot, db, settings, clock, state=state)
    assert state.outage is not None
    assert outbox.counts(db).get("failed", 0) == 0 and outbox.counts(db).get("skipped", 0) == 0
    fake_tg.clear_failures()
    fake_tg.accept_connections()
    clock.advance(seconds=30)
    await deliver_due(bot, db, settings, clock, state=state)
    assert state.outage is None and once_each(fake_tg, chats)
    assert {r.status for r in outbox.rows(db)} == {OutboxStatus.SENT}
    admin = [m.text for m in fake_tg.messages(ADMIN)]
    assert len(admin) == 2 and "ส่งข้อความผ่าน Telegram ไม่ได้" in admin[0] and "ส่งข้อความได้อีกครั้ง" in admin[1]
    assert fake_tg.http_429 == 0


async def test_a_restart_during_an_outage_still_tells_admins_once_each_way(db, now, fake_tg, bot):
    # Why: the outage and its start notice lived only in memory: a bot restarted while Telegram was
    # unreachable never said that delivery had resumed (nor that it had stopped).
    chats, settings, clock, before, drain = await fan_out_running(db, now, fake_tg, bot, 60, sent=10)
    fake_tg.fail("bad_gateway", method=None, times=None)
    await drain
    assert before.outage is not None
    # The operator restarts the bot and Telegram is back by then: the new process never sees a
    # failure of its own, yet the admins must hear that delivery stopped and that it resumed.
    fake_tg.clear_failures()
    after = DeliveryState(make_limiter(settings), settings, rng=random.Random(2))
    for _ in range(2):  # the second drain after recovery must not announce it again
        clock.advance(seconds=30)
        await deliver_due(bot, db, settings, clock, state=after)
    assert after.outage is None and once_each(fake_tg, chats)
    admin = [m.text for m in fake_tg.messages(ADMIN)]
    assert len(admin) == 2 and "ส่งข้อความผ่าน Telegram ไม่ได้" in admin[0] and "ส่งข้อความได้อีกครั้ง" in admin[1]
    third = DeliveryState(make_limiter(settings), settings)  # and a later restart finds no outage left
    await deliver_due(bot, db, settings, clock, state=third)
    assert third.outage is None and len(fake_tg.messages(ADMIN)) == 2


async def test_a_locked_store_mid_fan_out_pauses_delivery_and_it_resumes_by_itself(tmp_path, now, fake_tg, bot):
    # Why: an exception in outbox.claim kept a limiter ticket and a busy chat: the drain waited
    # forever and, with max_instances=1, every later drain was skipped until a restart.
    db = open_db(tmp_path / "floodbot.db", create=True)
    db.execute("PRAGMA busy_timeout = 50")  # the production 5 s would only make this test slow
    chats, settings, clock, state, drain = await fan_out_running(db, now, fake_tg, bot, 90, sent=20)
    other = sqlite3.connect(tmp_path / "floodbot.db", isolation_level=None)
    other.execute("begin exclusive")  # another process holds the database
    stats = await asyncio.wait_for(drain, 30)
    assert stats.store_error and "locked" in stats.store_error
    assert (await deliver_due(bot, db, settings, clock, state=state)).store_error  # still locked: no wedge
    other.execute("commit")
    other.close()
    # A second alert after the fault, delivered without a restart.
    later, w2 = fan_out(db, now, 10, first=5000, identifier="TMD-2")
    clock.advance(minutes=1)
    for _ in range(3):
        await deliver_due(bot, db, settings, clock, state=state)
        clock.advance(minutes=1)
    assert once_each(fake_tg, chats + later)
    assert {r.status for r in outbox.rows(db)} == {OutboxStatus.SENT}
    db.close()


async def test_a_write_that_fails_after_a_send_is_replayed_not_resent(db, now, fake_tg, bot, monkeypatch):
    chats, _ = fan_out(db, now, 5)
    settings = fake_settings(fake_tg)
    clock = Clock(now)
    state = DeliveryState(make_limiter(settings), settings)
    real = outbox.mark_sent
    failures = iter([True])

    def flaky(*args, **kwargs):
        if next(failures, False):
            raise sqlite3.OperationalError("disk I/O error")
        return real(*args, **kwargs)

    monkeypatch.setattr(outbox, "mark_sent", flaky)
    stats = await deliver_due(bot, db, settings, clock, state=state)
    assert stats.store_error and state.unsaved
    await deliver_due(bot, db, settings, clock, state=state)
    await deliver_due(bot, db, settings, clock, state=state)
    assert not state.unsaved and once_each(fake_tg, chats)
    assert {r.status for r in outbox.rows(db)} == {OutboxStatus.SENT}


def test_the_watchdog_reports_a_drain_that_runs_too_long_once(monkeypatch):
    import time as real_time

    from bot.settings import Settings

    state = DeliveryState(make_limiter(Settings()), Settings())
    assert not state.check_stuck(600)  # no drain running
    state.drain_started = real_time.monotonic()
    assert not state.check_stuck(600)
    state.drain_started -= 601
    assert state.check_stuck(600) and not state.check_stuck(600)  # said once per stuck drain
    state.drain_started = None
    assert not state.check_stuck(600)
