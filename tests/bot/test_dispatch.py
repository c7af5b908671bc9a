"""Poll → match → render → outbox → Telegram: a feed change reaches exactly the leaders of the matched cities."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from telegram import Bot

from alerts.cap import parse_cap
from alerts.fetch import make_session
from alerts.model import FEED_TEXT_MAX, Severity
from bot.delivery.worker import deliver_due
from bot.delivery.reminders import follow_up
from bot.pipeline.cycle import poll_cycle
from bot.settings import FeedSettings, load_settings
from subscribers.cities import sync_cities
from subscribers.leaders import Livelihood, update_leader, upsert_leader
from tests.conftest import ROOT
from bot.demo.fake.telegram import fake_settings
from tests.helpers.feeds import fixture_bytes, two_block_alert

AT = datetime.fromisoformat("2025-02-25T18:30:00+07:00")
LATER = datetime.fromisoformat("2025-02-25T21:30:00+07:00")
EXAMPLE_CITIES = load_settings(ROOT / "config.example.toml").cities
# One leader per city, with the livelihoods spread so texts differ.
LEADERS = {
    "bo-yang": (101, Livelihood.FISHING),
    "phatong": (102, Livelihood.FARMING),
    "khuan-lang": (103, Livelihood.LABOUR),
    "padang-besar": (104, Livelihood.TRADE),
    "tanot-duan": (105, Livelihood.OTHER),
    "la-ngu": (106, Livelihood.FISHING),
}


@pytest.fixture
def setup(db, fake_tg, httpserver):
    httpserver.expect_request("/cap").respond_with_data(fixture_bytes("tmd_cap_heavy_rain_TMD25680225051318_2.xml"))
    settings = fake_settings(
        fake_tg,
        cities=EXAMPLE_CITIES,
        feeds=[FeedSettings(name="tmd-cap", kind="cap", url=httpserver.url_for("/cap"))],
    )
    sync_cities(db, settings.cities, AT)
    for city, (chat_id, livelihood) in LEADERS.items():
        upsert_leader(db, chat_id, city, AT, name=f"ผู้นำ {city}", livelihood=livelihood)
    return settings


async def poll_and_deliver(db, settings, fake_tg, now):
    with make_session(retries=0) as session:
        report = await poll_cycle(settings, db, now, session=session)
    async with Bot(fake_tg.token, base_url=fake_tg.base_url) as bot:
        await deliver_due(bot, db, settings, lambda: now)
    return report, report.queued


async def test_alert_reaches_exactly_the_matched_cities(db, setup, fake_tg):
    report, queued = await poll_and_deliver(db, setup, fake_tg, AT)
    assert [i.status for i in report.items] == ["new"] and queued == 5
    got = {m.chat_id: m for m in fake_tg.messages()}
    assert sorted(got) == [101, 102, 103, 104, 105]  # Satun's la-ngu (106) is outside the warning
    fishing, farming = got[101].text, got[102].text
    assert "ฝนตกหนัก" in fishing and "ถึง 26 ก.พ. 68 เวลา 06.00 น." in fishing
    assert "📍 <b>บ่อยาง</b>" in fishing  # each leader's own area first
    assert fishing != farming  # livelihood advice differs
    assert all(m.buttons()[0][0] == "รับทราบ" for m in got.values())


async def test_same_feed_again_sends_nothing_more(db, setup, fake_tg):
    await poll_and_deliver(db, setup, fake_tg, AT)
    report, queued = await poll_and_deliver(db, setup, fake_tg, AT)
    assert [i.status for i in report.items] == ["unchanged"] and queued == 0
    assert len(fake_tg.messages()) == 5


async def test_cancel_is_a_reply_and_removes_the_buttons(db, setup, fake_tg, httpserver):
    await poll_and_deliver(db, setup, fake_tg, AT)
    first = {m.chat_id: m.message_id for m in fake_tg.messages()}
    httpserver.clear()
    httpserver.expect_request("/cap").respond_with_data(fixture_bytes("tmd_cap_cancel_constructed.xml"))
    report, queued = await poll_and_deliver(db, setup, fake_tg, LATER)
    assert [i.status for i in report.items] == ["cancelled"]
    cancels = [m for m in fake_tg.messages() if m.reply_to is not None]
    assert {m.chat_id: m.reply_to for m in cancels} == first
    assert all("ยกเลิก" in m.text for m in cancels)
    # The earlier alerts lost their รับทราบ button.
    assert all(fake_tg.message(chat, mid).buttons() == [] for chat, mid in first.items())
    assert 106 not in {m.chat_id for m in fake_tg.messages()}


async def test_severity_floor_and_minor_opt_in(db, setup, fake_tg):
    # Bo Yang's floor is Extreme, so a Severe warning reaches only its leader who opted in to all warnings.
    settings = setup.model_copy(
        update={"cities": [c.model_copy(update={"min_severity": Severity.EXTREME}) if c.id == "bo-yang" else c
                           for c in setup.cities]}
    )
    upsert_leader(db, 107, "bo-yang", AT, name="ผู้นำ ทุกระดับ")
    update_leader(db, 107, AT, minor_opt_in=True)
    await poll_and_deliver(db, settings, fake_tg, AT)
    got = {m.chat_id for m in fake_tg.messages()}
    assert 107 in got and 101 not in got
    assert got == {102, 103, 104, 105, 107}


async def test_a_crash_between_store_and_queue_loses_nothing(db, setup, fake_tg, monkeypatch):
    # The warning and its outbox rows are one transaction: if queuing fails, the warning is not kept
    # as seen, so the next poll finds it new again instead of `unchanged` with nobody told.
    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr("bot.pipeline.fanout.dispatch", crash)
    with pytest.raises(RuntimeError):
        await poll_and_deliver(db, setup, fake_tg, AT)
    assert db["warnings"].count == 0 and db["outbox"].count == 0
    monkeypatch.undo()
    report, queued = await poll_and_deliver(db, setup, fake_tg, AT)
    assert [i.status for i in report.items] == ["new"] and queued == 5
    assert len(fake_tg.messages()) == 5


async def test_an_update_that_drops_a_city_tells_it_so_and_stops_its_reminders(db, setup, fake_tg, httpserver):
    # The sample reaches Songkhla's four cities and Phatthalung's tanot-duan (105); the update covers
    # Songkhla only. 105 gets a short reply, no button, and no reminder or escalation afterwards.
    await poll_and_deliver(db, setup, fake_tg, AT)
    first = {m.chat_id: m.message_id for m in fake_tg.messages()}
    httpserver.clear()
    httpserver.expect_request("/cap").respond_with_data(fixture_bytes("tmd_cap_update_constructed.xml"))
    report, queued = await poll_and_deliver(db, setup, fake_tg, LATER)
    cities = ["bo-yang", "phatong", "khuan-lang", "padang-besar"]
    assert [(i.status, i.cities) for i in report.items] == [("updated", cities)]
    (notice,) = [m for m in fake_tg.messages(105) if m.reply_to is not None]
    assert notice.reply_to == first[105] and notice.buttons() == []
    assert "ไม่รวมพื้นที่โตนดด้วน" in notice.text and len(notice.text) < 200
    assert fake_tg.message(105, first[105]).buttons() == []  # the earlier alert's button is gone
    # Songkhla's leaders get the update itself (with its button) as a reply.
    update = [m for m in fake_tg.messages(101) if m.reply_to is not None]
    assert update[0].reply_to == first[101] and update[0].buttons()[0][0] == "รับทราบ"
    async with Bot(fake_tg.token, base_url=fake_tg.base_url) as bot:
        stats = await follow_up(bot, db, setup, LATER + timedelta(hours=2))
        await deliver_due(bot, db, setup, lambda: LATER + timedelta(hours=2))
    assert stats.reminders == 4  # Songkhla's four leaders, not 105
    assert len(fake_tg.messages(105)) == 2
    assert all("ยังไม่กดรับทราบ" not in m.text or "โตนดด้วน" not in m.text for m in fake_tg.messages())


async def test_each_leader_gets_the_info_block_covering_their_city(db, setup, fake_tg, httpserver):
    httpserver.clear()
    httpserver.expect_request("/cap").respond_with_data(two_block_alert())
    await poll_and_deliver(db, setup, fake_tg, AT)
    got = {m.chat_id: m.text for m in fake_tg.messages()}
    assert sorted(got) == [101, 102, 103, 104, 105]
    assert "น้ำท่วมฉับพลัน" in got[105] and "ฝนตกหนัก" not in got[105].split("\n")[0]  # Phatthalung: Severe block
    assert all("ฝนตกหนัก" in got[chat].split("\n")[0] for chat in (101, 102, 103, 104))  # Songkhla: Moderate block


def queued_per_city(db):
    return {
        row["city_id"]: row["n"]
        for row in db.query(
            "select leaders.city_id, count(*) as n from outbox join leaders using (chat_id) group by leaders.city_id"
        )
    }


async def test_dry_run_recipients_are_what_the_real_poll_then_queues(db, setup, fake_tg, httpserver):
    # The dry run runs the fan-out too, inside its rolled-back savepoint: its counts per city are the
    # rows a real poll then queues, for a first alert and for an update that drops tanot-duan (whose
    # leader gets the short area-removed reply, counted under their own city).
    for name, now in (("tmd_cap_heavy_rain_TMD25680225051318_2.xml", AT), ("tmd_cap_update_constructed.xml", LATER)):
        httpserver.clear()
        httpserver.expect_request("/cap").respond_with_data(fixture_bytes(name))
        before = queued_per_city(db)
        with make_session(retries=0) as session:
            dry = await poll_cycle(setup, db, now, session=session, dry_run=True)
            assert queued_per_city(db) == before and dry.queued == 0  # the dry run queued nothing
            real = await poll_cycle(setup, db, now, session=session)
        async with Bot(fake_tg.token, base_url=fake_tg.base_url) as bot:
            await deliver_due(bot, db, setup, lambda now=now: now)  # the update goes to whoever got the alert
        after = queued_per_city(db)
        added = {city: n - before.get(city, 0) for city, n in after.items() if n != before.get(city, 0)}
        [item] = dry.items
        assert item.recipients == added == real.items[0].recipients
        assert sum(item.recipients.values()) == real.queued
    assert item.recipients == {"bo-yang": 1, "phatong": 1, "khuan-lang": 1, "padang-besar": 1, "tanot-duan": 1}


async def test_an_oversized_bulletin_is_cut_and_still_goes_out(db, setup, fake_tg, httpserver):
    # A 5 MB description within the fetch limit: the parser keeps its first FEED_TEXT_MAX characters, so
    # matching and rendering read a bounded text; nothing else is lost and every leader gets the alert.
    sample = fixture_bytes("tmd_cap_heavy_rain_TMD25680225051318_2.xml")
    huge = "ฝนตกหนักถึงหนักมาก ระวังน้ำท่วมฉับพลัน " * 45_000  # 1.7 M characters, 5 MB in UTF-8
    body = sample.decode().replace("<description>", f"<description>{huge}", 1).encode()
    assert 5_000_000 < len(body) < 6_000_000
    httpserver.clear()
    httpserver.expect_request("/cap").respond_with_data(body)
    settings = setup.model_copy(update={"polling": setup.polling.model_copy(update={"max_bytes": 6_000_000})})
    report, queued = await poll_and_deliver(db, settings, fake_tg, AT)
    assert report.failures == [] and [i.status for i in report.items] == ["new"] and queued == 5
    [item] = report.items
    assert item.warning.description == huge[:FEED_TEXT_MAX]
    normal = parse_cap(sample, "tmd-cap")
    assert item.warning.model_dump(exclude={"description"}) == normal.model_dump(exclude={"description"})
    assert sorted(m.chat_id for m in fake_tg.messages()) == [101, 102, 103, 104, 105]
