"""Health rule, metrics, the stall watchdog and log redaction, on a fixed clock."""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from telegram import Bot

from bot.ops import redact
from bot.delivery.worker import DeliveryStats
from bot.ops.metrics import Metrics, count_delivery, count_poll, stall_reasons
from bot.ops.monitor import RECOVERED_TEXT, watchdog_job
from bot.app import poll_log_line
from bot.pipeline.report import PollReport
from bot.settings import MonitoringSettings, PollingSettings
from bot.demo.fake.telegram import fake_settings
from tests.helpers.clock import Clock
from tests.helpers.store import add_leaders, add_warning
from subscribers.timeutil import to_db


@pytest.fixture
def clock(now):
    return Clock(now)


def settings_for(fake=None, **monitoring):
    from bot.settings import FeedSettings, Settings

    base = fake_settings(fake) if fake else Settings()
    return base.model_copy(
        update={
            "polling": PollingSettings(interval_seconds=60),
            "monitoring": MonitoringSettings(**monitoring),
            "feeds": [FeedSettings(name="tmd-cap", kind="cap", url="https://example.org/cap")],
        }
    )


def test_healthy_at_start_then_stalled_poll_then_recovered(db, clock):
    settings = settings_for()
    metrics = Metrics(settings, db, clock)
    assert stall_reasons(settings, db, metrics.beats, clock()) == []
    # 3 intervals + 120 s = 300 s without a finished poll (and no delivery pass for 300 s either).
    clock.advance(seconds=301)
    reasons = stall_reasons(settings, db, metrics.beats, clock())
    assert reasons == [
        "poll: no poll finished for 301 s (bound 300 s)",
        "delivery: no pass finished for 301 s (bound 300 s)",
    ]
    metrics.beats.last_poll_at = metrics.beats.last_drain_at = clock()
    assert stall_reasons(settings, db, metrics.beats, clock()) == []


def test_a_due_message_waiting_too_long_is_a_stall_but_a_retry_later_is_not(db, clock):
    settings = settings_for(delivery_stall_seconds=60)
    metrics = Metrics(settings, db, clock)
    add_leaders(db, [11, 12], clock())
    db["outbox"].insert({"kind": "notice", "ref_id": 1, "chat_id": 11, "created_at": to_db(clock())})
    # Waiting out a retry_after until well after now: not late.
    later = clock() + timedelta(hours=1)
    db["outbox"].insert({"kind": "notice", "ref_id": 1, "chat_id": 12, "created_at": to_db(clock()),
                         "next_attempt_at": to_db(later)})
    clock.advance(seconds=61)
    metrics.beats.last_poll_at = metrics.beats.last_drain_at = clock()
    reasons = stall_reasons(settings, db, metrics.beats, clock())
    assert reasons == ["delivery: a due message has waited 61 s (bound 60 s)"]
    db.execute("update outbox set status = 'sent' where chat_id = 11")
    assert stall_reasons(settings, db, metrics.beats, clock()) == []


def test_metrics_text(db, clock):
    settings = settings_for()
    metrics = Metrics(settings, db, clock)
    add_leaders(db, [11, 12], clock())
    db.execute("update leaders set active = 0 where chat_id = 12")
    db["outbox"].insert({"kind": "notice", "ref_id": 1, "chat_id": 11, "created_at": to_db(clock())})
    clock.advance(seconds=42)
    count_delivery(metrics, DeliveryStats(sent=3, failed=1, retried=2, http_429=2))
    count_delivery(None, DeliveryStats(sent=3))  # tests and the demo have no metrics: a no-op
    count_poll(metrics, ["tmd-cap"])
    text = metrics.scrape().decode()
    for line in (
        'floodbot_messages_total{outcome="sent"} 3.0',
        'floodbot_messages_total{outcome="failed"} 1.0',
        'floodbot_messages_total{outcome="retried"} 2.0',
        'floodbot_messages_total{outcome="rate_limited"} 2.0',
        'floodbot_feed_failures_total{feed="tmd-cap"} 1.0',
        "floodbot_polls_total 1.0",
        'floodbot_outbox_rows{status="pending"} 1.0',
        'floodbot_outbox_rows{status="sent"} 0.0',
        "floodbot_outbox_oldest_pending_age_seconds 42.0",
        'floodbot_leaders{city="bo-yang",state="active"} 1.0',
        'floodbot_leaders{city="bo-yang",state="inactive"} 1.0',
        "floodbot_acknowledgements_total 0.0",
        'floodbot_feed_consecutive_failures{feed="tmd-cap"} 0.0',
        "floodbot_healthy 1.0",
    ):
        assert line in text.splitlines(), line


async def test_watchdog_tells_the_admin_chat_once_and_once_on_recovery(db, clock, fake_tg):
    fake_tg.reset(limits=False)  # the fake clock moves minutes in no real time; Telegram's 1/s is not the point
    settings = settings_for(fake_tg)
    metrics = Metrics(settings, db, clock)
    data = SimpleNamespace(settings=settings, db=db, metrics=metrics, now=clock)
    async with Bot(fake_tg.token, base_url=fake_tg.base_url) as bot:
        context = SimpleNamespace(bot=bot, bot_data=data)
        await watchdog_job(context)  # healthy: nothing said
        clock.advance(seconds=400)
        await watchdog_job(context)
        await watchdog_job(context)  # still stalled: not said again
        metrics.beats.last_poll_at = metrics.beats.last_drain_at = clock()
        await watchdog_job(context)
        await watchdog_job(context)
    texts = [m.text for m in fake_tg.messages(settings.telegram.admin_chat_id)]
    assert len(texts) == 2
    assert texts[0].startswith("⚠️ floodbot ติดขัด: poll: no poll finished for 400 s")
    assert texts[1] == RECOVERED_TEXT


def test_poll_line_names_warnings_in_force_when_feeds_say_nothing_new(db, now):
    add_warning(db, now - timedelta(hours=1), expires=now + timedelta(hours=5))
    add_warning(db, now - timedelta(hours=1), identifier="TMD-2", severity="Moderate", expires=now + timedelta(hours=5))
    add_warning(db, now - timedelta(hours=9), identifier="OLD", expires=now - timedelta(hours=1))
    from subscribers.monitoring import in_force_by_severity

    line = poll_log_line(PollReport(), in_force_by_severity(db, now), 0)
    assert line == (
        "poll: nothing new from the feeds; 2 warnings in force (1 Moderate, 1 Severe); 0 feed failures;"
        " 0 messages queued"
    )
    assert poll_log_line(PollReport(), {}, 0).endswith("; no warnings in force; 0 feed failures; 0 messages queued")


TOKEN = "123456789:AAHsecretsecretsecretsecretsecret00"


def test_the_token_is_masked_in_every_record_at_debug():
    out = io.StringIO()
    root = logging.getLogger()
    handler = logging.StreamHandler(out)
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        redact.install([TOKEN])
        # PTB logs the Bot API URL at DEBUG from its own logger (propagated, not logged on root).
        logging.getLogger("telegram.ext.ExtBot").debug("Set Bot API URL: https://api.telegram.org/bot%s", TOKEN)
        try:
            raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
        except RuntimeError:
            logging.getLogger("some.library").exception("failed")
        # The secret half alone is masked too.
        logging.getLogger("x").warning("half %s", TOKEN.split(":")[1])
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    text = out.getvalue()
    assert TOKEN.split(":")[1] not in text
    assert text.count(redact.MASK) == 3 and "RuntimeError" in text
