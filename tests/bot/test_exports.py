"""Exports people can open: XLSX with Thai labels and Buddhist-era Bangkok times, photos beside it,
CSV times in Bangkok, invite codes masked in the audit export."""

from __future__ import annotations

import csv
import io
import json
import shutil
import stat
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.settings import load_settings
from bot.cli.init import init_store
from bot.demo.fake.telegram import FakeTelegram
from subscribers import audit
from subscribers.db import open_db
from subscribers.leaders import Livelihood, upsert_leader
from tests.helpers.admin_data import add_report
from tests.helpers.cli import ROOT, run_floodbot

PHOTO = b"\xff\xd8\xff\xe0 a small jpeg"
CODE = "Xy7kP2qR9w"


@pytest.fixture
def fake():
    server = FakeTelegram(limits=False).start()
    yield server
    server.stop()


@pytest.fixture
def site(tmp_path: Path, now, fake) -> Path:
    shutil.copy(ROOT / "config.example.toml", tmp_path / "config.toml")
    init_store(load_settings(tmp_path / "config.toml"), now)
    db = open_db(tmp_path / "floodbot.db")
    upsert_leader(db, 11, "bo-yang", now, name="สมชาย", livelihood=Livelihood.FISHING)
    photo = fake.add_file(PHOTO)
    add_report(db, 11, "bo-yang", now, depth="knee", text="น้ำท่วมถนนหน้าวัด", photos=[photo, "gone-file-id"])
    audit.record(db, now, "900001", "invite", city="bo-yang", code=CODE)
    db.close()
    return tmp_path


def env_for(fake) -> dict[str, str]:
    return {"FLOODBOT_TELEGRAM__TOKEN": fake.token, "FLOODBOT_TELEGRAM__BASE_URL": fake.base_url,
            "FLOODBOT_TELEGRAM__BASE_FILE_URL": fake.base_file_url}


def test_reports_xlsx_opens_with_thai_labels_times_and_photo_links(site, fake):
    result = run_floodbot("export", "reports", "--format", "xlsx", "--output", "r.xlsx", cwd=site, env=env_for(fake))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE((site / "r.xlsx").stat().st_mode) == 0o600
    book = load_workbook(site / "r.xlsx")
    sheet = book["reports"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["ข้อความ"] == "น้ำท่วมถนนหน้าวัด" and row["ชื่อแกนนำ"] == "สมชาย"
    assert row["ระดับน้ำ"] == "เข่า" and row["อาชีพ"] == "ประมง"
    # 25 Feb 2025 11:30 UTC is 18:30 in Bangkok, year 2568 in the Buddhist era.
    assert "2568" in row["เวลา"] and "18:30" in row["เวลา"]
    photo_cell = sheet.cell(row=2, column=header.index("รูป 1") + 1)
    assert photo_cell.hyperlink.target == "r-photos/report-1-1.jpg"
    saved = site / "r-photos" / "report-1-1.jpg"
    assert saved.read_bytes() == PHOTO and stat.S_IMODE(saved.stat().st_mode) == 0o600
    # An expired file id keeps its id (no link), the rest of the export is intact.
    assert row["รูป 2"] == "gone-file-id"
    notes = [r[0].value for r in book["อ่านก่อน"].iter_rows()]
    assert any("พ.ศ." in n for n in notes) and any("r-photos" in n for n in notes)


def test_reports_xlsx_without_token_names_the_photos(site):
    result = run_floodbot("export", "reports", "--format", "xlsx", "--output", "r.xlsx", cwd=site)
    assert result.returncode == 0, result.stderr
    book = load_workbook(site / "r.xlsx")
    assert not (site / "r-photos").exists()
    assert any("/reports" in r[0].value for r in book["อ่านก่อน"].iter_rows())


@pytest.mark.parametrize("kind", ["deliveries", "drills", "checkins", "audit"])
def test_every_export_has_an_xlsx(site, kind):
    result = run_floodbot("export", kind, "--format", "xlsx", "--output", f"{kind}.xlsx", cwd=site)
    assert result.returncode == 0, result.stderr
    assert load_workbook(site / f"{kind}.xlsx")[kind].cell(row=1, column=1).value


def test_xlsx_needs_an_output_file(site):
    result = run_floodbot("export", "reports", "--format", "xlsx", cwd=site)
    assert result.returncode == 2 and "--output" in result.stderr


def test_audit_masks_invite_codes_in_csv_and_xlsx(site):
    result = run_floodbot("export", "audit", cwd=site)
    assert result.returncode == 0, result.stderr
    assert CODE not in result.stdout
    (row,) = [r for r in csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))) if r["action"] == "invite"]
    assert json.loads(row["detail"])["code"] == "Xy" + "•" * 8
    assert run_floodbot("export", "audit", "--format", "xlsx", "--output", "a.xlsx", cwd=site).returncode == 0
    cells = [str(c.value) for row in load_workbook(site / "a.xlsx")["audit"].iter_rows() for c in row]
    assert not any(CODE in c for c in cells) and any(c == "ใช่" for c in cells)


def test_csv_times_are_bangkok_without_microseconds(site):
    result = run_floodbot("export", "reports", cwd=site)
    (row,) = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert row["created_at"] == "2025-02-25T18:30:00+07:00"
    assert row["depth"] == "knee" and row["livelihood"] == "fishing"  # CSV keeps the keys: machine-readable


def test_checkins_xlsx_has_thai_headers(site):
    # Why: the check-in export joined after the xlsx format; its columns showed as English keys.
    result = run_floodbot("export", "checkins", "--format", "xlsx", "--output", "c.xlsx", cwd=site)
    assert result.returncode == 0, result.stderr
    header = [c.value for c in load_workbook(site / "c.xlsx")["checkins"][1]]
    assert "คำตอบล่าสุด" in header and "สิ่งที่ต้องการ" in header
    assert not [h for h in header if h and h.isascii()], header
