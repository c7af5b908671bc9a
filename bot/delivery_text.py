"""Thai texts of delivery itself: the ack button, reminders, escalations, failures (HTML)."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

ACK_BUTTON = "รับทราบ"
ACK_PREFIX = "ack:"

SEVERITY_TH = {"Extreme": "รุนแรงมาก", "Severe": "รุนแรง", "Moderate": "ปานกลาง", "Minor": "เล็กน้อย"}


def ack_data(warning_id: int) -> str:
    """The callback data of the รับทราบ button of one warning."""
    return f"{ACK_PREFIX}{warning_id}"


def acked_button(at: datetime, tz: ZoneInfo) -> str:
    """The button after a press: "✅ รับทราบแล้ว 18:42" (local time)."""
    return f"✅ รับทราบแล้ว {at.astimezone(tz):%H:%M}"


def reminder(event: str | None, severity: str | None) -> str:
    """The one reminder a leader gets, as a reply to the alert."""
    level = SEVERITY_TH.get(severity or "", "")
    what = escape(event or "คำเตือน") + (f" (ระดับ{level})" if level else "")
    return f"⏰ <b>เตือนซ้ำ</b>: {what}\nกรุณากดปุ่ม «{ACK_BUTTON}» ใต้ข้อความเตือนเมื่ออ่านแล้ว"


def escalation(event: str | None, severity: str | None, city_name: str, names: list[str], total: int,
               sent_at: datetime, tz: ZoneInfo) -> str:
    """To the admin chat: who in one city has not acknowledged an urgent warning."""
    level = SEVERITY_TH.get(severity or "", "")
    head = f"⚠️ <b>ยังไม่กดรับทราบ</b>: {escape(event or 'คำเตือน')}" + (f" (ระดับ{level})" if level else "")
    lines = [
        head,
        f"{escape(city_name)}: {len(names)} จาก {total} คน (ส่งเมื่อ {sent_at.astimezone(tz):%H:%M} น.)",
        *(f"• {escape(name)}" for name in names),
        "กรุณาติดต่อทางโทรศัพท์",
    ]
    return "\n".join(lines)


def delivery_failed(name: str, chat_id: int, attempts: int, error: str) -> str:
    """To the admin chat: a message could not be delivered after every retry."""
    return (
        f"❌ <b>ส่งข้อความไม่สำเร็จ</b>: {escape(name or str(chat_id))} ({chat_id})\n"
        f"พยายาม {attempts} ครั้ง สาเหตุ: {escape(error[:200])}"
    )
