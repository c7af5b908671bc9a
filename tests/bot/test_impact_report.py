"""`floodbot report impact`: Markdown, CSV and XLSX hold the seeded numbers in Thai; the PNG is a real image."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.cli import main
from bot.admin.impact_report import make_report, scope_for, thai_font
from subscribers.db import open_db
from tests.helpers.cli import ROOT
from tests.helpers.impact_data import seed_impact

BANGKOK = ZoneInfo("Asia/Bangkok")


@pytest.fixture
def site(tmp_path, monkeypatch, now):
    """A config and a database holding the seeded warning thread; returns (v1, v2)."""
    shutil.copy(ROOT / "config.example.toml", tmp_path / "config.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FLOODBOT_CONFIG", raising=False)
    db = open_db(tmp_path / "floodbot.db", create=True)
    ids = seed_impact(db, now)
    db.close()
    return ids


def test_markdown_to_stdout(site, capsys):
    v1, v2 = site
    assert main(["report", "impact", "--warning", str(v2)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"# ผลการแจ้งเตือน: ประกาศ #{v2} ฝนตกหนัก (ส่ง 25 ก.พ. 2568 19:30 น.)")
    assert "| บ่อยาง | ประมง | 2 | 2 | 2 | 1/2 (50%) | 1/2 (50%) |" in out
    # The open top range is a floor with a plus, and a row with no answers says n=0, not zero baht.
    assert "| 20,000+ บาท (n=1) | > 20,000 |" in out
    assert "| พะตง | เกษตร | 1 | 1 | 0 | 0/0 | 0/0 | - | - (n=0) |" in out


def test_csv_holds_thai_and_the_numbers(site, tmp_path):
    v1, v2 = site
    out = tmp_path / "impact.csv"
    assert main(["report", "impact", "--warning", str(v1), "--format", "csv", "--output", str(out)]) == 0
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    fishing = next(r for r in rows if r["livelihood"] == "ประมง")
    assert (fishing["city"], fishing["warned"], fishing["avoided_low"], fishing["avoided_high"]) == (
        "บ่อยาง", "2", "5000", "20000"
    )
    total = rows[-1]
    shown = (total["city"], total["livelihood"], total["answered"], total["acted_percent"])
    assert shown == ("ทุกพื้นที่", "รวม", "4", "67")


def test_xlsx_opens_with_thai_headers_and_rows(site, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "impact.xlsx"
    assert main(["report", "impact", "--month", "2025-02", "--format", "xlsx", "--output", str(out)]) == 0
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "ผลการแจ้งเตือน: เดือนกุมภาพันธ์ 2568"
    assert rows[2][:4] == ("รหัสพื้นที่", "พื้นที่", "อาชีพ", "ได้รับเตือน")
    trade = next(r for r in rows[3:] if r[2] == "ค้าขาย")
    assert trade[1] == "บ่อยาง" and trade[13] == "ยกสินค้าขึ้นที่สูง 1"
    assert rows[-1][1:6] == ("ทุกพื้นที่", "รวม", 4, 3, 4)


def test_png_is_an_image_drawn_with_the_packaged_thai_font(site, tmp_path):
    from matplotlib import font_manager

    v1, v2 = site
    out = tmp_path / "impact.png"
    assert main(["report", "impact", "--warning", str(v2), "--format", "png", "--output", str(out)]) == 0
    with Image.open(out) as image:
        assert image.format == "PNG" and image.width > 800 and image.height > 300
    # The wheel's own file is registered under the family the chart asks for, so a fresh machine with
    # no Thai system font still draws Thai (this machine may also have a system copy of the family).
    family = thai_font().get_family()[0]
    assert any("fontpkg_noto_sans_thai" in f.fname and f.name == family for f in font_manager.fontManager.ttflist)


def test_month_without_warnings_says_so(site, capsys):
    assert main(["report", "impact", "--month", "2024-12"]) == 0
    out = capsys.readouterr().out
    assert "เดือนธันวาคม 2567" in out and "ยังไม่มีข้อมูล" in out


@pytest.mark.parametrize(
    "args",
    [
        ["report", "impact", "--format", "xlsx"],  # a binary format needs a file
        ["report", "impact", "--format", "png"],
        ["report", "impact", "--month", "2025-13"],  # no such month
        ["report", "impact", "--month", "02-2025"],  # wrong order
        ["report", "impact", "--warning", "999"],  # no such warning
    ],
)
def test_bad_usage_exits_2(site, args, capsys):
    assert main(args) == 2
    assert capsys.readouterr().err.startswith("floodbot: report:")


def test_no_database_is_a_usage_error(tmp_path, monkeypatch, capsys):
    shutil.copy(ROOT / "config.example.toml", tmp_path / "config.toml")
    monkeypatch.chdir(tmp_path)
    assert main(["report", "impact"]) == 2
    assert not (tmp_path / "floodbot.db").exists()


def test_month_scope_is_bangkok_time(db):
    # 31 Jan 2025 23:30 Bangkok is still January there, though it is 16:30 UTC.
    from tests.helpers.store import add_warning

    late_january = add_warning(db, datetime(2025, 1, 31, 16, 30, tzinfo=UTC), identifier="JAN")
    early_february = add_warning(db, datetime(2025, 1, 31, 17, 0, tzinfo=UTC), identifier="FEB")
    now = datetime(2025, 2, 10, tzinfo=UTC)
    assert scope_for(db, BANGKOK, None, "2025-01", now).warning_ids == [late_january]
    assert scope_for(db, BANGKOK, None, None, now).warning_ids == [early_february]


def test_md_and_csv_return_text_without_output(db, now):
    v1, v2 = seed_impact(db, now)
    scope = scope_for(db, BANGKOK, v2, None, now)
    assert make_report(db, scope, "csv", None).startswith("\ufeffcity_id,city,livelihood,")
