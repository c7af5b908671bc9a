"""The real `floodbot poll` command against a loopback server: the issue's "Done when" scenario."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from subscribers.db import open_db
from subscribers.leaders import upsert_leader
from tests.helpers.cli import run_floodbot
from tests.helpers.feeds import config_toml, fixture_bytes

TMD = "tmd_cap_heavy_rain_TMD25680225051318_2.xml"
AT = "2025-02-25T18:30:00+07:00"


@pytest.fixture
def workdir(tmp_path, httpserver):
    httpserver.expect_request("/cap").respond_with_data(fixture_bytes(TMD), content_type="application/xml")
    httpserver.expect_request("/bomb").respond_with_data(fixture_bytes("xml_billion_laughs.xml"))
    return tmp_path


def write_config(workdir, httpserver, feeds=(("tmd-cap", "cap", "/cap"),)):
    (workdir / "config.toml").write_text(
        config_toml([(n, k, httpserver.url_for(p)) for n, k, p in feeds]), encoding="utf-8"
    )


def poll(workdir, *args):
    return run_floodbot("poll", "--once", *args, cwd=workdir)


def lines(result):
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_done_when_dry_run_with_now(workdir, httpserver):
    write_config(workdir, httpserver)
    result = poll(workdir, "--dry-run", "--json", "--now", AT)
    assert result.returncode == 0, result.stderr
    [item] = lines(result)
    assert (item["status"], item["event"], item["severity"]) == ("new", "Heavy Rain", "Severe")
    assert (item["sent"], item["expires"]) == ("2025-02-25T17:13:00+07:00", "2025-02-26T06:00:00+07:00")
    assert {"feed", "id", "urgency", "certainty", "cities", "text"} <= item.keys()
    assert item["feed"] == "tmd-cap" and item["id"] == "TMD25680225051318_2"
    # --dry-run wrote nothing: no database file appeared, and a second run prints the same.
    assert not (workdir / "floodbot.db").exists()
    assert poll(workdir, "--dry-run", "--json", "--now", AT).stdout == result.stdout


def test_done_when_without_now_is_expired(workdir, httpserver):
    write_config(workdir, httpserver)
    result = poll(workdir, "--dry-run", "--json")
    assert result.returncode == 0, result.stderr
    assert [i["status"] for i in lines(result)] == ["expired"]


def test_done_when_real_poll_then_cancel(workdir, httpserver):
    write_config(workdir, httpserver)
    assert run_floodbot("init", cwd=workdir).returncode == 0  # only init creates the database
    first = poll(workdir, "--json", "--now", AT)
    assert [i["status"] for i in lines(first)] == ["new"]
    assert (workdir / "floodbot.db").exists()
    httpserver.clear()
    httpserver.expect_request("/cap").respond_with_data(fixture_bytes("tmd_cap_cancel_constructed.xml"))
    # A dry run on the existing database sees the stored alert but keeps nothing: the real poll
    # after it still finds the Cancel new (it would print `unchanged` had the dry run stored it).
    dry = poll(workdir, "--dry-run", "--json", "--now", "2025-02-25T21:30:00+07:00")
    assert [i["status"] for i in lines(dry)] == ["cancelled"], dry.stderr
    second = poll(workdir, "--json", "--now", "2025-02-25T21:30:00+07:00")
    assert second.returncode == 0, second.stderr
    [item] = lines(second)
    assert (item["status"], item["id"]) == ("cancelled", "TMD25680225051318_3")


def test_done_when_bomb_feed_fails_alone(workdir, httpserver):
    write_config(workdir, httpserver, (("bomb", "cap", "/bomb"), ("tmd-cap", "cap", "/cap")))
    result = poll(workdir, "--dry-run", "--json", "--now", AT)
    assert result.returncode == 1  # a feed failed...
    assert [i["status"] for i in lines(result)] == ["new"]  # ...and the other still printed
    assert "feed bomb: unsafe XML refused" in result.stderr


def test_plain_output_is_one_line_per_warning(workdir, httpserver):
    write_config(workdir, httpserver)
    result = poll(workdir, "--dry-run", "--now", AT)
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    assert line.startswith("new") and "Heavy Rain Severe" in line and "2025-02-26T06:00:00+07:00" in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--now", "yesterday"), "not an ISO 8601 time"),  # unparseable
        (("--now", "2025-02-25T18:30:00"), "no UTC offset"),  # ambiguous without a zone
    ],
)
def test_bad_now_is_usage_error(workdir, httpserver, args, message):
    write_config(workdir, httpserver)
    result = poll(workdir, "--dry-run", *args)
    assert result.returncode == 2 and message in result.stderr
    assert result.stdout == ""


def test_poll_without_once_points_to_run(workdir, httpserver):
    write_config(workdir, httpserver)
    result = run_floodbot("poll", cwd=workdir)
    assert result.returncode == 2 and "floodbot run" in result.stderr


def test_poll_help():
    from tests.helpers.cli import ROOT

    result = run_floodbot("poll", "--help", cwd=ROOT)
    assert result.returncode == 0 and "--dry-run" in result.stdout and "--now" in result.stdout


def test_done_when_matching_and_thai_text(workdir, httpserver):
    # Issue 4: the real TMD sample reaches Songkhla's four cities and Phatthalung's, not Satun's,
    # and the text a leader gets carries the validity window in the Buddhist era, Bangkok time.
    write_config(workdir, httpserver)
    result = poll(workdir, "--dry-run", "--json", "--now", AT)
    [item] = lines(result)
    assert item["cities"] == ["bo-yang", "phatong", "khuan-lang", "padang-besar", "tanot-duan"]
    assert item["matched_by"]["bo-yang"] == "geocode: TH-90"
    assert "ถึง 26 ก.พ. 68 เวลา 06.00 น." in item["text"] and "(เริ่ม 25 ก.พ. 18.00 น.)" in item["text"]
    assert "ฝนตกหนัก" in item["text"] and "บ่อยาง" in item["text"] and "กำแพง" not in item["text"]


def test_poll_shows_recipients_per_city_as_counts(workdir, httpserver):
    # The dry run shows how many leaders of each city would get the warning (counts, never who:
    # the output gets pasted in chats) and queues nothing; the real poll then queues exactly that.
    write_config(workdir, httpserver)
    assert run_floodbot("init", cwd=workdir).returncode == 0
    db = open_db(workdir / "floodbot.db")
    chats = {987650001: "bo-yang", 987650002: "bo-yang", 987650003: "phatong", 987650004: "la-ngu"}
    for chat_id, city in chats.items():
        upsert_leader(db, chat_id, city, datetime.fromisoformat(AT), name=f"ผู้นำ {chat_id}")
    db.close()
    dry = poll(workdir, "--dry-run", "--json", "--now", AT)
    [item] = lines(dry)
    assert item["recipients"] == {"bo-yang": 2, "phatong": 1}  # la-ngu is outside the warning
    assert not any(str(chat_id) in dry.stdout for chat_id in chats) and "queued" not in dry.stderr
    plain = poll(workdir, "--dry-run", "--now", AT)
    assert plain.stdout.rstrip().endswith("· recipients 3")
    real = poll(workdir, "--json", "--now", AT)
    assert lines(real)[0]["recipients"] == {"bo-yang": 2, "phatong": 1}
    assert "floodbot: 3 messages queued for delivery" in real.stderr
