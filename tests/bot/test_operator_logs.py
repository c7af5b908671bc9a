"""Logs an operator can read: one line per drill, feed health change and escalation (sign-ups and the
poll line are checked in the journal of tests/bot/test_production.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.delivery.reminders import follow_up
from bot.demo.fake.telegram import fake_settings
from subscribers import acks
from tests.bot.test_acks_and_reminders import limited_bot, sent_alerts
from tests.bot.test_admin_chat import app, clock, fake, poll_outcome, store  # noqa: F401 - fixtures
from tests.helpers.admin_bot import ADMIN, command, run_job
from tests.helpers.admin_data import minutes


def lines(caplog, prefix: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(prefix)]


async def test_a_drill_is_one_line(app, fake, store, caplog):  # noqa: F811
    caplog.set_level(logging.INFO)
    await command(app, fake, ADMIN, "/drill all")
    assert lines(caplog, "drill:") == [f"drill: 1 started by {ADMIN} for all: 6 leaders"]


async def test_each_feed_health_change_is_one_line(app, fake, store, clock, caplog):  # noqa: F811
    for error in [None, "HTTP 503", "HTTP 503", "HTTP 503", "timeout", None]:
        clock.now += minutes(5)
        poll_outcome(store, clock.now, error)
        await run_job(app, "feed-health-watch")
    assert lines(caplog, "feed health:") == [
        "feed health: tmd-cap is now failing (was ok)",
        "feed health: tmd-cap is now ok (was failing)",
    ]


async def test_an_escalation_is_one_line(db, now, limited_tg, vt, caplog):
    async with limited_bot(limited_tg, vt) as bot:
        w = await sent_alerts(bot, db, limited_tg, now, [701, 702, 703])
        acks.record_ack(db, w, 703, now)
        settings = fake_settings(limited_tg)
        await follow_up(bot, db, settings, now + timedelta(minutes=30))
        await follow_up(bot, db, settings, now + timedelta(minutes=45))
    assert lines(caplog, "escalation:") == [f"escalation: warning {w} in bo-yang: 2 leaders have not acknowledged"]
