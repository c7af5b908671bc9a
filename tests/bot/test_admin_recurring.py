"""Recurring notices: cron in Bangkok time, fired once at their time, listed by /notices; config checks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.admin.texts import NOTICE_MAX_TEXT

from bot.admin.recurring import due_notices, next_runs, send_due_notices
from bot.settings import NoticeSettings, Settings
from tests.helpers.admin_data import seed_leaders
from tests.helpers.store import CITIES, add_cities

BANGKOK = ZoneInfo("Asia/Bangkok")
MEETING = NoticeSettings(name="monthly-meeting", cron="0 9 5 * *", cities=["all"], text="ประชุมแกนนำประจำเดือน")
# 09:00 on the 5th in Bangkok is 02:00 UTC.
FIRE = datetime(2025, 3, 5, 2, 0, tzinfo=UTC)
GRACE = timedelta(minutes=60)


@pytest.mark.parametrize(
    ("now", "last", "expected"),
    [
        (FIRE - timedelta(seconds=1), None, None),  # a second early: not yet
        (FIRE, None, FIRE),  # exactly at 09:00 Bangkok
        (FIRE + timedelta(minutes=59), None, FIRE),  # the job runs a bit late: still sent
        (FIRE + timedelta(minutes=61), None, None),  # bot was down past the grace: skipped, not sent late
        (FIRE + timedelta(minutes=1), FIRE, None),  # already ran
        (FIRE + timedelta(days=31), FIRE, FIRE + timedelta(days=31)),  # 5 April 09:00 (March has 31 days)
    ],
)
def test_due_notices(now, last, expected):
    due = due_notices([MEETING], now, BANGKOK, lambda name: last, GRACE)
    assert [d.fire_at for d in due] == ([expected] if expected else [])


def test_next_runs_are_in_bangkok_time():
    runs = next_runs(MEETING, FIRE, BANGKOK, count=2)
    assert [r.astimezone(BANGKOK).strftime("%Y-%m-%d %H:%M") for r in runs] == ["2025-04-05 09:00", "2025-05-05 09:00"]


def test_notice_fires_once_at_its_cron_time(db, now):
    add_cities(db, now)
    seed_leaders(db, now, {"bo-yang": [11, 12], "phatong": [21]})
    settings = Settings(cities=CITIES, notices=[MEETING.model_copy(update={"cities": ["bo-yang"]})])
    assert send_due_notices(settings, db, FIRE - timedelta(minutes=1)) == []
    (notice_id,) = send_due_notices(settings, db, FIRE + timedelta(seconds=20))
    rows = list(db.query("select chat_id, text from outbox where kind='notice' and ref_id=?", [notice_id]))
    assert sorted(r["chat_id"] for r in rows) == [11, 12]
    assert "ประชุมแกนนำประจำเดือน" in rows[0]["text"]
    # The next check a minute later (or a restarted bot) does not send it again.
    assert send_due_notices(settings, db, FIRE + timedelta(minutes=1, seconds=20)) == []
    # Sent as every notice is (bot.admin.notices): audited, with the run's name as the actor.
    (entry,) = db.query("select actor, action, detail from audit_log where action = 'broadcast'")
    assert (entry["actor"], json.loads(entry["detail"])["notice_id"]) == ("notice:monthly-meeting", notice_id)


def test_a_recurring_notice_has_the_limit_of_every_notice():
    notice = {"name": "m", "cron": "0 9 5 * *", "text": "ก" * NOTICE_MAX_TEXT}
    assert Settings(cities=CITIES, notices=[notice]).notices[0].text == notice["text"]
    with pytest.raises(ValueError, match="text"):
        Settings(cities=CITIES, notices=[{"name": "m", "cron": "0 9 5 * *", "text": "ก" * (NOTICE_MAX_TEXT + 1)}])


@pytest.mark.parametrize(
    ("notice", "problem"),
    [
        ({"name": "m", "cron": "0 9 5 *", "text": "x"}, "5 fields"),  # 4 fields
        ({"name": "m", "cron": "0 25 5 * *", "text": "x"}, "cron"),  # hour 25
        ({"name": "m", "cron": "0 9 5 * *", "text": "x", "cities": ["nowhere"]}, "unknown city"),
        ({"name": "Bad Name", "cron": "0 9 5 * *", "text": "x"}, "name"),
    ],
)
def test_bad_notice_config_is_refused(notice, problem):
    with pytest.raises(ValueError, match=problem):
        Settings(cities=CITIES, notices=[notice])


def test_notices_lists_next_runs_in_thai():
    from bot.admin.recurring import notices_lines

    south = MEETING.model_copy(update={"name": "south", "cities": ["bo-yang", "phatong"]})
    settings = Settings(cities=CITIES, notices=[MEETING, south])
    lines = notices_lines(settings, {c.id: c.name_th for c in CITIES}, FIRE)
    assert lines[0] == (
        "🗓 monthly-meeting (ทุกเมือง)\n  ครั้งถัดไป: 5 เม.ย. 2568 09:00 น., 5 พ.ค. 2568 09:00 น.\n  ประชุมแกนนำประจำเดือน"
    )
    assert lines[1].startswith("🗓 south (บ่อยาง, พะตง)")
