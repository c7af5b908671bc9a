"""Reminder and escalation texts use the alert's own Thai words for the event and the severity."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.delivery import texts as delivery_text


def test_reminder_speaks_thai():
    text = delivery_text.reminder("Heavy Rain", "Severe")
    assert "ฝนตกหนัก (🟠 รุนแรง)" in text and "Heavy" not in text


def test_reminder_names_area_and_end():
    end = datetime(2025, 2, 25, 23, 0, tzinfo=UTC)
    text = delivery_text.reminder("River overflowing bank", "Extreme", "ควนลัง", end, ZoneInfo("Asia/Bangkok"))
    assert text.split("\n") == [
        "⏰ <b>เตือนซ้ำ · น้ำล้นตลิ่ง (🔴 อันตรายสูงสุด)</b>",
        "📍 ควนลัง · ถึง 26 ก.พ. 68 เวลา 06.00 น.",
        'อ่านประกาศด้านบนแล้ว กดปุ่ม "รับทราบ" ด้านล่าง',
    ]


# No English event name where a Thai one exists, in reminders and escalations alike.
@pytest.mark.parametrize("event", ["River level high", "River overflowing bank", "ระดับน้ำสูงใกล้ตลิ่ง", "Volcano"])
def test_follow_ups_never_show_english_events(event):
    for text in (
        delivery_text.reminder(event, "Severe"),
        *delivery_text.escalation(event, "Severe", "บ่อยาง", ["ก"], 2, datetime(2025, 2, 25, 11, 30, tzinfo=UTC),
                                  ZoneInfo("Asia/Bangkok")),
    ):
        # Bot commands (/stats) are the one Latin text a leader or admin is meant to tap.
        assert not re.search(r"[A-Za-z]{3,}", re.sub(r"/[a-z_]+", "", text)), text


def test_unknown_event_keeps_feed_text_escaped():
    assert "ลมกรด &lt;x&gt;" in delivery_text.reminder("ลมกรด <x>", None)


def test_escalation_names_the_missing_leaders():
    [text] = delivery_text.escalation(
        "Flash flood", "Extreme", "บ่อยาง", ["สมชาย", "มาลี"], 20,
        datetime(2025, 2, 25, 11, 30, tzinfo=UTC), ZoneInfo("Asia/Bangkok"),
    )
    assert "น้ำท่วมฉับพลัน (🔴 อันตรายสูงสุด)" in text
    assert "บ่อยาง: 2 จาก 20 คน (ส่งเมื่อ 18:30 น.)" in text and "• มาลี" in text


# /stats names events as leaders read them; only an event with no Thai name shows the feed's words.
@pytest.mark.parametrize(
    ("event", "shown"),
    [
        ("River overflowing bank", "น้ำล้นตลิ่ง"),  # a ThaiWater row stored before events were Thai
        ("ระดับน้ำสูงใกล้ตลิ่ง", "ระดับน้ำสูงใกล้ตลิ่ง"),
        ("Heavy Rain", "ฝนตกหนัก"),
        ("Volcano", "ประกาศเตือนภัย: Volcano"),
    ],
)
def test_stats_event_names(event, shown):
    # /stats names events with the one event_label (an unknown foreign one keeps the feed's words).
    from alerts.render import event_label

    assert event_label(event) == shown


def test_escalation_of_a_large_city_splits_under_telegrams_limit():
    # Why: 240 names made one 8,512-character message that Telegram refused every minute, forever.
    names = [f"ผู้นำชุมชนหมายเลข {i:03d} บ้านริมคลองอู่ตะเภา" for i in range(240)]
    texts = delivery_text.escalation(
        "Flash flood",
        "Extreme",
        "บ่อยาง",
        names,
        240,
        datetime(2025, 2, 25, 11, 30, tzinfo=UTC),
        ZoneInfo("Asia/Bangkok"),
    )
    assert len(texts) > 1 and all(len(t) <= 4096 for t in texts)
    assert all(f"• {n}" in "\n".join(texts) for n in names)


def test_digests_list_the_first_names_and_count_the_rest():
    text = delivery_text.unreachable_digest([f"ผู้นำ {i}, บ่อยาง: blocked" for i in range(13)])
    assert "ติดต่อแกนนำไม่ได้ 13 คน" in text and "• ผู้นำ 9, บ่อยาง" in text
    assert "ผู้นำ 10," not in text and "และอีก 3 คน" in text


@pytest.mark.parametrize(
    ("error", "reason"),
    [("blocked", "บล็อกบอท"), ("deactivated", "ปิดบัญชีแล้ว"), ("chat_not_found", "ไม่พบแชต")],
)
def test_unreachable_reason_is_short_thai(error, reason):
    # Why: the digest read "Forbidden: Forbidden: bot was blocked by the user".
    from bot.demo.fake.records import ERRORS

    assert delivery_text.gone_reason(ERRORS[error][1]) == reason
