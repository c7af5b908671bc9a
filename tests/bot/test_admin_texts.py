"""Small pure pieces of the admin texts: Thai dates, durations, the notice wrapper, message chunks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.admin import texts
from bot.admin.drill import drill_texts, drill_warning
from bot.admin.reports import parse_args
from bot.settings import Settings
from subscribers.stats import DeliveryStat
from tests.helpers.feeds import EXAMPLE_CITIES

BANGKOK = ZoneInfo("Asia/Bangkok")


def test_thai_datetime_is_buddhist_era_bangkok_time():
    # 31 Dec 2024 17:30 UTC is already 1 Jan 2025 00:30 in Bangkok: year 2568.
    assert texts.thai_datetime(datetime(2024, 12, 31, 17, 30, tzinfo=UTC), BANGKOK) == "1 ม.ค. 2568 00:30 น."


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (None, "-"),  # nobody acknowledged
        (44.6, "45 วินาที"),  # rounded, not truncated
        (180, "3 นาที"),  # whole minutes drop the seconds
        (200, "3 นาที 20 วินาที"),
        (3900, "1 ชม. 5 นาที"),  # hours drop the seconds
    ],
)
def test_duration(seconds, expected):
    assert texts.duration(seconds) == expected


def test_notice_text_is_escaped_for_html():
    # The worker sends HTML: an admin's "<" must not break the message or become markup.
    assert texts.notice_message(" น้ำ < 1 ม. & ไฟดับ ") == "<b>📢 ประกาศ</b>\nน้ำ &lt; 1 ม. &amp; ไฟดับ"


def test_chunks_stay_under_telegram_limit():
    lines = ["ก" * 1500] * 5
    parts = texts.chunks(lines)
    assert all(len(p) <= 4000 for p in parts) and "\n".join(parts) == "\n".join(lines)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], (None, 5)),  # defaults
        (["bo-yang", "3"], ("bo-yang", 3)),
        (["3", "bo-yang"], ("bo-yang", 3)),  # either order
        (["500"], (None, 20)),  # capped
        (["atlantis"], None),  # unknown city
    ],
)
def test_reports_args(args, expected):
    assert parse_args(args, {"bo-yang"}) == expected


def test_drill_is_signed_by_the_configured_sender():
    now = datetime(2025, 2, 25, 11, 30, tzinfo=UTC)
    settings = Settings(database=Path("x.db"), cities=EXAMPLE_CITIES, admin={"sender_name": "เครือข่ายแกนนำละงู"})
    warning = drill_warning("drill-1", now, settings)
    text = drill_texts(warning, settings, [settings.cities[0].id])[(settings.cities[0].id, "other")]
    assert "ที่มา: เครือข่ายแกนนำละงู (ซ้อมแผน)" in text
    assert "มูลนิธิ" not in text


def test_stats_line_of_a_warning_without_button_has_no_ack_columns():
    base = dict(warning_id=3, event="ฝนตกหนัก", sent_on=None, city_id="bo-yang", sent=2, failed=0, pending=0)
    moderate = DeliveryStat(**base, acknowledged=0, median_ack_seconds=None, asks_ack=False)
    severe = DeliveryStat(**base, acknowledged=1, median_ack_seconds=240)
    assert texts.stats_lines([moderate], {"bo-yang": "บ่อยาง"}, BANGKOK)[1] == (
        "  บ่อยาง: ส่งแล้ว 2 · ไม่สำเร็จ 0 · รอส่ง 0 · ไม่มีปุ่มรับทราบ"
    )
    assert texts.stats_lines([severe], {"bo-yang": "บ่อยาง"}, BANGKOK)[1].endswith("รับทราบ 1 · เวลารับทราบ (กลาง) 4 นาที")
