"""One poll cycle against a loopback server: lifecycle through the store, indexes, health, dry runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from alerts.fetch import make_session
from alerts.lifecycle import PollStatus
from bot.pipeline.cycle import poll_cycle
from subscribers import warnings as store
from subscribers.feed_health import get_health
from tests.helpers.feeds import fixture_bytes, rss, settings_for, two_block_alert

NOW = datetime(2025, 2, 25, 11, 30, tzinfo=UTC)  # 18:30 in Bangkok
TMD = "tmd_cap_heavy_rain_TMD25680225051318_2.xml"


@pytest.fixture
def session():
    s = make_session(backoff=0)
    yield s
    s.close()


def serve(httpserver, path: str, body: bytes, **headers):
    httpserver.expect_request(path).respond_with_data(body, content_type="application/xml", headers=headers)


def cap_feed(httpserver, name="tmd-cap", path="/cap"):
    return {"name": name, "kind": "cap", "url": httpserver.url_for(path)}


def statuses(report):
    return [(i.warning.identifier, i.status) for i in report.items]


def rows(db):
    return {r["identifier"]: r["status"] for r in db.query("select identifier, status from warnings order by id")}


async def test_single_alert_then_cancel(httpserver, db, session):
    settings = settings_for([cap_feed(httpserver)])
    serve(httpserver, "/cap", fixture_bytes(TMD))
    report = await poll_cycle(settings, db, NOW, session=session)
    [item] = report.items
    assert (item.status, item.warning.event, item.send, report.failures) == (PollStatus.NEW, "Heavy Rain", True, [])
    assert store.get_warning(db, item.warning_id).status == "active"
    j = item.to_json()
    assert (j["sent"], j["expires"]) == ("2025-02-25T17:13:00+07:00", "2025-02-26T06:00:00+07:00")

    httpserver.clear()
    serve(httpserver, "/cap", fixture_bytes("tmd_cap_cancel_constructed.xml"))
    report = await poll_cycle(settings, db, NOW + timedelta(hours=3), session=session)
    assert statuses(report) == [("TMD25680225051318_3", PollStatus.CANCELLED)]
    assert report.items[0].send  # leaders had the alert: tell them (as a reply)
    assert rows(db) == {"TMD25680225051318_2": "cancelled", "TMD25680225051318_3": "cancelled"}
    assert store.earlier_versions(db, report.items[0].warning_id) == [item.warning_id]


async def test_index_update_chain_fetches_only_new_items(httpserver, db, session):
    settings = settings_for([cap_feed(httpserver, path="/index.rss")])
    for path, name in [("/a.xml", TMD), ("/u1.xml", "tmd_cap_update_constructed.xml"),
                       ("/u2.xml", "tmd_cap_update2_constructed.xml")]:
        serve(httpserver, path, fixture_bytes(name))
    items = [(httpserver.url_for("/u1.xml"), "u1", "Tue, 25 Feb 2025 13:00:00 +0000"),
             (httpserver.url_for("/a.xml"), "a", "Tue, 25 Feb 2025 10:13:00 +0000")]
    serve(httpserver, "/index.rss", rss(items))
    # Listed newest first, processed oldest first: the Alert is stored before its Update.
    report = await poll_cycle(settings, db, NOW, session=session)
    assert statuses(report) == [("TMD25680225051318_2", PollStatus.NEW), ("TMD25680225051318_4", PollStatus.UPDATED)]
    assert rows(db) == {"TMD25680225051318_2": "superseded", "TMD25680225051318_4": "active"}

    # Second poll: the same index; nothing new is fetched, nothing printed.
    before = len(httpserver.log)
    assert (await poll_cycle(settings, db, NOW + timedelta(minutes=5), session=session)).items == []
    assert [e[0].path for e in httpserver.log[before:]] == ["/index.rss"]

    # A second Update joins the index: only it is fetched; the chain moves on.
    httpserver.clear()
    serve(httpserver, "/u2.xml", fixture_bytes("tmd_cap_update2_constructed.xml"))
    update = (httpserver.url_for("/u2.xml"), "u2", "Tue, 25 Feb 2025 16:00:00 +0000")
    serve(httpserver, "/index.rss", rss([update, *items]))
    report = await poll_cycle(settings, db, NOW + timedelta(hours=6), session=session)
    assert statuses(report) == [("TMD25680225051318_5", PollStatus.UPDATED)]
    assert [e[0].path for e in httpserver.log] == ["/index.rss", "/u2.xml"]
    assert rows(db)["TMD25680225051318_4"] == "superseded"
    assert rows(db)["TMD25680225051318_5"] == "active"
    assert len(store.earlier_versions(db, report.items[0].warning_id)) == 2


async def test_all_clear_ends_the_warning(httpserver, db, session):
    settings = settings_for([cap_feed(httpserver)])
    serve(httpserver, "/cap", fixture_bytes(TMD))
    first = (await poll_cycle(settings, db, NOW, session=session)).items[0]
    httpserver.clear()
    serve(httpserver, "/cap", fixture_bytes("tmd_cap_allclear_constructed.xml"))
    [item] = (await poll_cycle(settings, db, NOW + timedelta(hours=8), session=session)).items
    assert (item.status, item.send) == (PollStatus.UPDATED, True)
    assert store.get_warning(db, first.warning_id).status == "ended"
    assert store.get_warning(db, item.warning_id).status == "ended"


async def test_expired_on_first_poll_is_never_sent(httpserver, db, session):
    # Installed the day after: the warning is recorded as expired and not sent to anyone.
    settings = settings_for([cap_feed(httpserver)])
    serve(httpserver, "/cap", fixture_bytes(TMD))
    [item] = (await poll_cycle(settings, db, NOW + timedelta(days=1), session=session)).items
    assert (item.status, item.send) == (PollStatus.EXPIRED, False)
    assert rows(db) == {"TMD25680225051318_2": "expired"}


async def test_active_row_expires_when_its_time_passes(httpserver, db, session):
    settings = settings_for([cap_feed(httpserver)])
    serve(httpserver, "/cap", fixture_bytes(TMD), ETag='"t1"')
    first = (await poll_cycle(settings, db, NOW, session=session)).items[0]
    # The feed answers 304 later; the sweep still expires the row.
    httpserver.clear()
    httpserver.expect_request("/cap", headers={"If-None-Match": '"t1"'}).respond_with_data("", status=304)
    report = await poll_cycle(settings, db, NOW + timedelta(days=1), session=session)
    assert report.items == [] and report.failures == []
    assert store.get_warning(db, first.warning_id).status == "expired"
    assert get_health(db, "tmd-cap").consecutive_failures == 0


async def test_exercise_is_kept_not_sent(httpserver, db, session):
    settings = settings_for([cap_feed(httpserver)])
    serve(httpserver, "/cap", fixture_bytes("tmd_cap_exercise_constructed.xml"))
    [item] = (await poll_cycle(settings, db, NOW, session=session)).items
    assert item.send is False
    assert rows(db) == {"DRILL-2025-1": "exercise"}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("xml_billion_laughs.xml", "entity bomb"),  # refused, never expanded
        ("xml_external_entity.xml", "external entity"),
        ("tmd_cap_truncated.xml", "not well-formed"),
        ("html_error_page.html", "HTML page instead of a feed"),
    ],
)
async def test_one_bad_feed_does_not_stop_the_others(httpserver, db, session, bad, message):
    settings = settings_for([cap_feed(httpserver, "broken", "/bad"), cap_feed(httpserver)])
    serve(httpserver, "/bad", fixture_bytes(bad))
    serve(httpserver, "/cap", fixture_bytes(TMD))
    report = await poll_cycle(settings, db, NOW, session=session)
    assert statuses(report) == [("TMD25680225051318_2", PollStatus.NEW)]
    [failure] = report.failures
    assert failure.feed == "broken" and message in failure.error
    health = get_health(db, "broken")
    assert health.consecutive_failures == 1 and message in health.last_error
    assert get_health(db, "tmd-cap").consecutive_failures == 0


async def test_failures_make_a_feed_unhealthy(httpserver, db, session):
    settings = settings_for([cap_feed(httpserver)])
    httpserver.expect_request("/cap").respond_with_data("nope", status=404)
    for minute in range(3):  # polling.max_failures defaults to 3
        await poll_cycle(settings, db, NOW + timedelta(minutes=minute), session=session)
    assert get_health(db, "tmd-cap").healthy is False


async def test_dry_run_writes_nothing(httpserver, db, session):
    settings = settings_for([cap_feed(httpserver, path="/index.rss")])
    serve(httpserver, "/a.xml", fixture_bytes(TMD))
    serve(httpserver, "/c.xml", fixture_bytes("tmd_cap_cancel_constructed.xml"))
    serve(httpserver, "/index.rss", rss([(httpserver.url_for("/c.xml"), "c", "Tue, 25 Feb 2025 14:00:00 +0000"),
                                         (httpserver.url_for("/a.xml"), "a", "Tue, 25 Feb 2025 10:13:00 +0000")]))
    def dump():
        return {t: list(db[t].rows) for t in ("warnings", "feed_health", "feed_items", "warning_references")}

    before = dump()
    first = await poll_cycle(settings, db, NOW, dry_run=True, session=session)
    second = await poll_cycle(settings, db, NOW, dry_run=True, session=session)
    assert dump() == before
    # Inside one dry run the Cancel still sees its Alert, as a real poll would.
    assert statuses(first) == [("TMD25680225051318_2", PollStatus.NEW), ("TMD25680225051318_3", PollStatus.CANCELLED)]
    assert [json.dumps(i.to_json()) for i in first.items] == [json.dumps(i.to_json()) for i in second.items]
    assert all(i.warning_id is None for i in first.items)


async def test_thaiwater_station_rises_holds_and_falls(httpserver, db, session):
    settings = settings_for([{"name": "thaiwater", "kind": "thaiwater-waterlevel", "url": httpserver.url_for("/wl")}])

    def payload(level, percent, when):
        row = {"waterlevel_datetime": when, "situation_level": level, "storage_percent": percent,
               "river_name": "คลองอู่ตะเภา", "station": {"id": 42, "tele_station_name": {"th": "บ้านหาดใหญ่"}},
               "geocode": {"province_code": "90", "amphoe_code": "11", "tumbon_code": "18"}}
        return json.dumps({"waterlevel_data": {"data": [row]}}).encode()

    async def poll(level, percent, when, minutes):
        httpserver.clear()
        body = payload(level, percent, when)
        httpserver.expect_request("/wl").respond_with_data(body, content_type="application/json")
        return await poll_cycle(settings, db, NOW + timedelta(minutes=minutes), session=session)

    assert (await poll(3, "60.00", "2025-02-25 18:00", 0)).items == []  # normal: nothing to say
    assert statuses(await poll(4, "75.00", "2025-02-25 18:10", 10)) == [("station-42", PollStatus.NEW)]
    # Still level 4, higher reading: unchanged, not a new alarm every poll.
    assert statuses(await poll(4, "80.00", "2025-02-25 18:20", 20)) == [("station-42", PollStatus.UNCHANGED)]
    assert statuses(await poll(5, "102.00", "2025-02-25 18:30", 30)) == [("station-42", PollStatus.UPDATED)]
    fell = await poll(3, "60.00", "2025-02-25 20:00", 120)
    assert statuses(fell) == [("station-42", PollStatus.UPDATED)] and fell.items[0].send
    stored = [r["status"] for r in db.query("select status from warnings order by id")]
    assert stored == ["superseded", "ended", "ended"]
    assert (await poll(2, "20.00", "2025-02-25 21:00", 180)).items == []  # already ended


async def test_empty_index_is_quiet_and_healthy(httpserver, db, session):
    # A CAP index with no items (no warnings today) is normal, not a failure.
    settings = settings_for([cap_feed(httpserver, path="/index.rss")])
    serve(httpserver, "/index.rss", rss([]))
    report = await poll_cycle(settings, db, NOW, session=session)
    assert (report.items, report.failures) == ([], [])
    assert get_health(db, "tmd-cap").last_success == NOW


async def test_broken_index_item_is_retried_next_poll(httpserver, db, session):
    settings = settings_for([cap_feed(httpserver, path="/index.rss")])
    serve(httpserver, "/index.rss", rss([(httpserver.url_for("/gone.xml"), "g", "Tue, 25 Feb 2025 10:13:00 +0000")]))
    httpserver.expect_request("/gone.xml").respond_with_data("missing", status=404)
    report = await poll_cycle(settings, db, NOW, session=session)
    [failure] = report.failures
    assert "gone.xml" in failure.error and "404" in failure.error
    # Not marked seen: the next poll tries it again and now finds it.
    httpserver.clear()
    serve(httpserver, "/index.rss", rss([(httpserver.url_for("/gone.xml"), "g", "Tue, 25 Feb 2025 10:13:00 +0000")]))
    serve(httpserver, "/gone.xml", fixture_bytes(TMD))
    assert statuses(await poll_cycle(settings, db, NOW, session=session)) == [("TMD25680225051318_2", PollStatus.NEW)]


async def test_cancel_naming_the_original_also_cancels_its_update(httpserver, db, session):
    # The Cancel names only the first Alert, but an Update replaced it and is in force: cancel both.
    settings = settings_for([cap_feed(httpserver)])
    for name, minutes in [(TMD, 0), ("tmd_cap_update_constructed.xml", 60), ("tmd_cap_cancel_constructed.xml", 120)]:
        httpserver.clear()
        serve(httpserver, "/cap", fixture_bytes(name))
        report = await poll_cycle(settings, db, NOW + timedelta(minutes=minutes), session=session)
    assert statuses(report) == [("TMD25680225051318_3", PollStatus.CANCELLED)] and report.items[0].send
    assert rows(db) == {
        "TMD25680225051318_2": "superseded",  # already replaced, stays so
        "TMD25680225051318_4": "cancelled",
        "TMD25680225051318_3": "cancelled",
    }


async def test_each_city_gets_its_info_block_and_poll_json_says_which(httpserver, db, session):
    serve(httpserver, "/cap", two_block_alert())
    [item] = (await poll_cycle(settings_for([cap_feed(httpserver)]), db, NOW, session=session)).items
    data = item.to_json()
    assert data["info_block"] == {"bo-yang": 0, "phatong": 0, "khuan-lang": 0, "padang-besar": 0, "tanot-duan": 1}
    blocks = [(b["event"], b["severity"]) for b in data["blocks"]]
    assert blocks == [("Heavy Rain", "Moderate"), ("Flash Flood", "Severe")]
    # The contract fields show the most severe block that reached a city, its text that block's.
    assert (data["event"], data["severity"]) == ("Flash Flood", "Severe") and "น้ำท่วมฉับพลัน" in data["text"]
    assert item.warning_for("bo-yang").event == "Heavy Rain"
    assert len(data["notes"]) == 1 and "polygon 1 dropped" in data["notes"][0]
    assert data["send"] and data["not_sent"] is None


async def test_embedded_cap_in_an_atom_entry_is_read_in_place(httpserver, db, session):
    body = fixture_bytes(TMD).decode().split("?>", 1)[1]  # the real TMD alert, inside <content>
    feed = f"""<feed xmlns="http://www.w3.org/2005/Atom">
      <entry><id>e1</id><content type="text/xml">{body}</content></entry>
      <entry><id>e2</id><title>no link</title></entry></feed>""".encode()
    serve(httpserver, "/atom", feed)
    report = await poll_cycle(settings_for([cap_feed(httpserver, path="/atom")]), db, NOW, session=session)
    assert statuses(report) == [("TMD25680225051318_2", PollStatus.NEW)]
    assert len(report.items[0].cities) == 5
    # The broken entry is skipped with its reason in the feed's health; the feed is not lost.
    errors = [f.error for f in report.failures]
    assert errors == ["Atom entry 2 (no link) skipped: no <link href> and no CAP alert inside"]
    assert "Atom entry 2" in get_health(db, "tmd-cap").last_error


async def test_private_alert_is_shown_with_its_reason_not_sent(httpserver, db, session):
    serve(httpserver, "/cap", fixture_bytes(TMD).replace(b"<scope>Public</scope>", b"<scope>Private</scope>"))
    [item] = (await poll_cycle(settings_for([cap_feed(httpserver)]), db, NOW, session=session)).items
    assert (item.send, item.not_sent) == (False, "scope is not Public: not broadcast")
    assert item.summary_line().endswith("· not sent: scope is not Public: not broadcast")
    assert rows(db) == {"TMD25680225051318_2": "restricted"}
