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
    text = delivery_text.escalation(
        "Flash flood", "Extreme", "บ่อยาง", ["สมชาย", "มาลี"], 20,
        datetime(2025, 2, 25, 11, 30, tzinfo=UTC), ZoneInfo("Asia/Bangkok"),
    )
    assert "น้ำป่าไหลหลาก (🔴 อันตรายสูงสุด)" in text
    assert "บ่อยาง: 2 จาก 20 คน (ส่งเมื่อ 18:30 น.)" in text and "• มาลี" in text
