"""The shell twins: floodbot invite, broadcast (queue only, no token) and export, run for real."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from subscribers.db import open_db
from tests.helpers.admin_data import add_report, seed_leaders
from tests.helpers.cli import ROOT, run_floodbot


@pytest.fixture
def site(tmp_path: Path, now) -> Path:
    shutil.copy(ROOT / "config.example.toml", tmp_path / "config.toml")
    assert run_floodbot("init", cwd=tmp_path).returncode == 0
    db = open_db(tmp_path / "floodbot.db")
    seed_leaders(db, now, {"bo-yang": [11, 12], "phatong": [21]})
    add_report(db, 11, "bo-yang", now, lat=7.2, lon=100.6, depth="30 ซม.", text="น้ำท่วมขัง")
    db.close()
    return tmp_path


def test_invite_prints_code_and_link(site):
    result = run_floodbot("invite", "phatong", cwd=site)
    assert result.returncode == 0, result.stderr
    city, code, link = result.stdout.strip().split("\t")
    assert city == "phatong" and link == f"https://t.me/floodbot_th_bot?start={code}"


def test_invite_unknown_city_is_usage_error(site):
    result = run_floodbot("invite", "atlantis", cwd=site)
    assert result.returncode == 2 and "atlantis" in result.stderr


def test_broadcast_without_token_only_queues(site):
    result = run_floodbot("broadcast", "--city", "bo-yang", "--text", "ทดสอบประกาศ", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "queued for 2 leaders" in result.stdout
    db = open_db(site / "floodbot.db")
    rows = list(db.query("select chat_id, status, text from outbox where kind = 'notice'"))
    assert sorted(r["chat_id"] for r in rows) == [11, 12] and {r["status"] for r in rows} == {"pending"}
    assert rows[0]["text"].endswith("ทดสอบประกาศ")
    assert db["audit_log"].count_where("action = 'broadcast' and actor = 'shell'") == 1


@pytest.mark.parametrize(
    "args",
    [
        ("broadcast", "--text", "x"),  # neither --city nor --all
        ("broadcast", "--all", "--city", "bo-yang", "--text", "x"),  # both
        ("broadcast", "--city", "atlantis", "--text", "x"),  # unknown city
        ("export", "audit", "--format", "geojson"),  # no points in the audit log
        ("broadcast", "--all", "--text", "ก" * 4000),  # too long for one Telegram message
    ],
)
def test_bad_admin_usage_exits_2(site, args):
    assert run_floodbot(*args, cwd=site).returncode == 2


def test_export_reports_csv_opens_with_bom(site):
    out = site / "reports.csv"
    result = run_floodbot("export", "reports", "--format", "csv", "--output", str(out), cwd=site)
    assert result.returncode == 0, result.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    (row,) = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert row["text"] == "น้ำท่วมขัง" and row["city_id"] == "bo-yang"


def test_export_reports_geojson_to_stdout(site):
    result = run_floodbot("export", "reports", "--format", "geojson", cwd=site)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["type"] == "FeatureCollection"
    assert [f["geometry"]["coordinates"] for f in data["features"]] == [[100.6, 7.2]]


@pytest.mark.parametrize("kind", ["deliveries", "drills", "audit"])
def test_other_exports_are_csv_with_header(site, kind):
    result = run_floodbot("export", kind, cwd=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("\ufeff") and "," in result.stdout.splitlines()[0]


def test_admin_commands_have_help(site):
    for command in ("invite", "broadcast", "export"):
        result = run_floodbot(command, "--help", cwd=site)
        assert result.returncode == 0 and "--config" in result.stdout


def test_broadcast_with_token_sends_and_shows_progress(site):
    from bot.demo.fake.telegram import FakeTelegram

    # 12 blocked the bot; the fake enforces Telegram's limits, the worker keeps within them.
    with FakeTelegram() as fake:
        fake.block(12)
        env = {"FLOODBOT_TELEGRAM__TOKEN": fake.token, "FLOODBOT_TELEGRAM__BASE_URL": fake.base_url}
        result = run_floodbot("broadcast", "--all", "--text", "ประชุมแกนนำ", cwd=site, env=env)
        assert not fake.unknown_methods
        texts = {m.chat_id: m.text for m in fake.messages()}
    assert result.returncode == 0, result.stderr
    # Leaders 11 and 21 get it; 12 blocked the bot.
    assert sorted(texts) == [11, 21] and texts[11] == "<b>📢 ประกาศ</b>\nประชุมแกนนำ"
    assert "delivered 2, failed 0, blocked 1, pending 0 (of 3)" in result.stdout
    assert "3/3" in result.stderr and "[" in result.stderr
