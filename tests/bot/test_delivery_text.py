"""Reminder and escalation texts use the alert's own Thai words for the event and the severity."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot import delivery_text


def test_reminder_speaks_thai():
    text = delivery_text.reminder("Heavy Rain", "Severe")
    assert "ฝนตกหนัก (🟠 รุนแรง)" in text and "Heavy" not in text


def test_unknown_event_keeps_feed_text_escaped():
    assert "ลมกรด &lt;x&gt;" in delivery_text.reminder("ลมกรด <x>", None)


def test_escalation_names_the_missing_leaders():
    [text] = delivery_text.escalation(
        "Flash flood", "Extreme", "บ่อยาง", ["สมชาย", "มาลี"], 20,
        datetime(2025, 2, 25, 11, 30, tzinfo=UTC), ZoneInfo("Asia/Bangkok"),
    )
    assert "น้ำป่าไหลหลาก (🔴 อันตรายสูงสุด)" in text
    assert "บ่อยาง: 2 จาก 20 คน (ส่งเมื่อ 18:30 น.)" in text and "• มาลี" in text


def test_escalation_of_a_large_city_splits_under_telegrams_limit():
    # Why: 240 names made one 8,512-character message that Telegram refused every minute, forever.
    names = [f"ผู้นำชุมชนหมายเลข {i:03d} บ้านริมคลองอู่ตะเภา" for i in range(240)]
    texts = delivery_text.escalation(
        "Flash flood", "Extreme", "บ่อยาง", names, 240, datetime(2025, 2, 25, 11, 30, tzinfo=UTC), ZoneInfo("Asia/Bangkok"),
    )
    assert len(texts) > 1 and all(len(t) <= 4096 for t in texts)
    assert all(f"• {n}" in "\n".join(texts) for n in names)


def test_digests_list_the_first_names_and_count_the_rest():
    text = delivery_text.unreachable_digest([f"ผู้นำ {i}, บ่อยาง: blocked" for i in range(13)])
    assert "ติดต่อผู้นำไม่ได้ 13 คน" in text and "• ผู้นำ 9, บ่อยาง" in text
    assert "ผู้นำ 10," not in text and "และอีก 3 คน" in text
