"""The store side of the admin tools: notices fan-out and progress, drills, stats, feed watch, exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from subscribers import drills, exports, feed_watch, notices, stats
from subscribers.feed_watch import FeedState
from subscribers.timeutil import to_db
from tests.helpers.admin_data import ack, add_report, add_warning, mark_sent, minutes, seed_admin_store


@pytest.fixture
def store(db, now):
    return seed_admin_store(db, now)


def test_notice_reaches_only_active_leaders_of_its_cities(store, now):
    notice_id, rows = notices.create_notice(store, "hello", ["bo-yang", "la-ngu"], "1", now)
    queued = store.query("select chat_id from outbox where kind='notice' and ref_id=?", [notice_id])
    chats = [r["chat_id"] for r in queued]
    # The inactive leader 14 and phatong's leaders must not be there.
    assert sorted(chats) == [11, 12, 13, 31]
    assert rows == 4
    # Enqueuing the same rows again adds nothing (unique on kind, ref_id, chat_id).
    again = [notices.Recipient(chat_id=11, city_id="bo-yang", text="x")]
    assert notices.enqueue_rows(store, "notice", notice_id, again, now) == 0


def test_notice_to_all(store, now):
    _, rows = notices.create_notice(store, "hi", notices.resolve_cities(store, ["all", "bo-yang"]), "1", now)
    assert rows == 6


def test_progress_counts_blocked_apart_from_failed(store, now):
    notice_id, _ = notices.create_notice(store, "hi", ["bo-yang"], "1", now)
    store.execute("update outbox set status='sent' where chat_id=11")
    store.execute(
        "update outbox set status='failed', last_error='Forbidden: bot was blocked by the user' where chat_id=12"
    )
    p = notices.progress(store, "notice", notice_id)
    assert (p.total, p.delivered, p.blocked, p.failed, p.pending, p.finished) == (3, 1, 1, 0, 1, False)
    store.execute("update outbox set status='failed', last_error='Bad Request: message is too long' where chat_id=13")
    p = notices.progress(store, "notice", notice_id)
    assert (p.delivered, p.blocked, p.failed, p.pending, p.finished) == (1, 1, 1, 0, True)


def _drill(store, now, cities):
    texts = {(c, "fishing"): f"ซ้อม {c}" for c in ("bo-yang", "phatong", "la-ngu")}
    return drills.start_drill(store, cities, "drill-1", "{}", texts, "1", now, timedelta(minutes=30))


def test_drill_results_median_slowest_missing(store, now):
    drill, rows = _drill(store, now, None)
    assert rows == 6
    mark_sent(store, "drill", drill.warning_id, now)
    # bo-yang: 11 after 1 min, 12 after 5 min, 13 never -> median 3 min, slowest 12, missing 13.
    ack(store, drill.warning_id, 11, now + minutes(1))
    ack(store, drill.warning_id, 12, now + minutes(5))
    # phatong: both, 2 and 4 minutes -> median 3 min; la-ngu: nobody.
    ack(store, drill.warning_id, 21, now + minutes(2))
    ack(store, drill.warning_id, 22, now + minutes(4))
    assert drills.due_reports(store, now + minutes(29)) == []
    (due,) = drills.due_reports(store, now + minutes(30))
    by_city = {c.city_id: c for c in drills.results(store, due)}
    assert by_city["bo-yang"].median_seconds == 180
    assert by_city["bo-yang"].slowest.chat_id == 12
    assert [r.chat_id for r in by_city["bo-yang"].missing] == [13]
    assert by_city["phatong"].median_seconds == 180 and by_city["phatong"].missing == []
    assert by_city["la-ngu"].median_seconds is None and [r.chat_id for r in by_city["la-ngu"].missing] == [31]
    drills.record_results(store, due, list(by_city.values()), now + minutes(30))
    assert drills.due_reports(store, now + minutes(60)) == []
    kept = {r["chat_id"]: r["seconds_to_ack"] for r in store.query("select * from drill_results")}
    assert kept == {11: 60.0, 12: 300.0, 13: None, 21: 120.0, 22: 240.0, 31: None}


def test_drill_is_an_exercise_warning(store, now):
    drill, _ = _drill(store, now, ["la-ngu"])
    row = store["warnings"].get(drill.warning_id)
    assert row["cap_status"] == "Exercise" and row["feed"] == "drill"
    assert [r["text"] for r in store.query("select text from outbox where kind='drill'")] == ["ซ้อม la-ngu"]


def test_delivery_stats_per_warning_and_city(store, now):
    warning_id = add_warning(store, now)
    notices.enqueue_rows(
        store, "alert", warning_id,
        [notices.Recipient(chat_id=c, city_id="x", text="t") for c in (11, 12, 13, 21)], now,
    )
    mark_sent(store, "alert", warning_id, now)
    store.execute("update outbox set status='failed', sent_at=null where chat_id=13")
    ack(store, warning_id, 11, now + minutes(2))
    ack(store, warning_id, 12, now + minutes(10))
    result = {s.city_id: s for s in stats.delivery_stats(store)}
    assert (result["bo-yang"].sent, result["bo-yang"].failed, result["bo-yang"].acknowledged) == (2, 1, 2)
    assert result["bo-yang"].median_ack_seconds == 360
    phatong = result["phatong"]
    assert (phatong.sent, phatong.acknowledged, phatong.median_ack_seconds) == (1, 0, None)


@pytest.mark.parametrize(
    ("severity", "acked", "asks"),
    [("Severe", False, True), ("Extreme", False, True), ("Moderate", False, False), ("Moderate", True, True)],
)
def test_delivery_stats_ask_for_acks_only_where_the_button_was(store, now, severity, acked, asks):
    # Below Severe there is no button: no "รับทราบ 0"; an ack pressed before the warning was lowered still counts.
    warning_id = add_warning(store, now)
    store["warnings"].update(warning_id, {"severity": severity})
    notices.enqueue_rows(store, "alert", warning_id, [notices.Recipient(chat_id=11, city_id="x", text="t")], now)
    mark_sent(store, "alert", warning_id, now)
    if acked:
        ack(store, warning_id, 11, now + minutes(2))
    assert [s.asks_ack for s in stats.delivery_stats(store)] == [asks]


def test_leaders_overview_has_last_ack(store, now):
    warning_id = add_warning(store, now)
    ack(store, warning_id, 11, now + minutes(3))
    rows = {r.chat_id: r for r in stats.leaders_overview(store, "bo-yang")}
    assert set(rows) == {11, 12, 13, 14}
    assert rows[11].last_ack == now + minutes(3) and rows[12].last_ack is None
    assert rows[14].active is False


@pytest.mark.parametrize(
    ("healthy", "failures", "last_change_ago", "stale_after", "expected"),
    [
        (1, 0, minutes(5), minutes(60), FeedState.OK),  # fresh and healthy
        (1, 2, minutes(5), minutes(60), FeedState.OK),  # two failures: not yet max_failures (3)
        (0, 0, minutes(90), minutes(60), FeedState.STALE),  # poller says unhealthy because unchanged too long
        (1, 0, minutes(90), None, FeedState.OK),  # stale check off (0 in config)
        (0, 3, minutes(90), minutes(60), FeedState.FAILING),  # failing wins over stale
    ],
)
def test_feed_status(db, now, healthy, failures, last_change_ago, stale_after, expected):
    db["feed_health"].insert(
        {"feed": "f", "healthy": healthy, "consecutive_failures": failures,
         "last_change": to_db(now - last_change_ago), "last_success": to_db(now)}
    )
    assert feed_watch.feed_status(db, "f", stale_after, now, max_failures=3).state is expected


def test_feed_changes_are_told_once(db, now):
    assert feed_watch.feed_status(db, "f", None, now).state is FeedState.UNKNOWN
    db["feed_health"].insert({"feed": "f", "healthy": 0, "last_success": to_db(now)}, pk="feed")
    status = feed_watch.feed_status(db, "f", None, now)
    (change,) = feed_watch.changes(db, [status])
    assert change.previous is FeedState.OK
    feed_watch.mark_notified(db, "f", status.state, now)
    assert feed_watch.changes(db, [status]) == []


def test_export_reports_csv_has_bom_and_thai(store, now):
    add_report(store, 11, "bo-yang", now, lat=7.2, lon=100.6, depth="50 ซม.", text="น้ำท่วมถนน", photos=["AgAD1"])
    text = exports.export(store, "reports", "csv")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0]["text"] == "น้ำท่วมถนน" and rows[0]["depth"] == "50 ซม." and rows[0]["photos"] == "AgAD1"


def test_export_reports_geojson(store, now):
    add_report(store, 11, "bo-yang", now, lat=7.2, lon=100.6, text="a")
    add_report(store, 21, "phatong", now + minutes(1), text="no location")  # left out: no point
    data = json.loads(exports.export(store, "reports", "geojson"))
    assert data["type"] == "FeatureCollection"
    (feature,) = data["features"]
    # GeoJSON is lon, lat.
    assert feature["geometry"] == {"type": "Point", "coordinates": [100.6, 7.2]}
    assert feature["properties"]["city_id"] == "bo-yang"


@pytest.mark.parametrize(
    ("kind", "fmt"),
    [
        ("audit", "geojson"),  # only reports have points
        ("people", "csv"),  # unknown kind
        ("reports", "xlsx"),  # unknown format
    ],
)
def test_export_errors(db, kind, fmt):
    with pytest.raises(exports.ExportError):
        exports.export(db, kind, fmt)


def test_notice_runs_are_claimed_once(db, now):
    assert notices.last_run(db, "m") is None
    assert notices.claim_run(db, "m", now, now) is True
    assert notices.claim_run(db, "m", now, now) is False
    assert notices.last_run(db, "m") == now
