"""Thai texts of delivery itself: the ack button, reminders, escalations, failures (HTML)."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from alerts.render import event_label, severity_label, thai_when

ACK_BUTTON = "รับทราบ"
ACK_PREFIX = "ack:"


def _what(event: str | None, severity: str | None) -> str:
    """`ฝนตกหนัก (🟠 รุนแรง)`: the event and severity in the same Thai words as the alert itself
    (ThaiWater's น้ำล้นตลิ่ง, never the feed's English)."""
    what = escape(event_label(event, foreign=False) if event else "ประกาศเตือนภัย")
    return f"{what} ({severity_label(severity)})" if severity and severity != "Unknown" else what


def ack_data(warning_id: int) -> str:
    """The callback data of the รับทราบ button of one warning."""
    return f"{ACK_PREFIX}{warning_id}"


def acked_button(at: datetime, tz: ZoneInfo) -> str:
    """The button after a press: "✅ รับทราบแล้ว 18:42" (local time)."""
    return f"✅ รับทราบแล้ว {at.astimezone(tz):%H:%M}"


def reminder(
    event: str | None,
    severity: str | None,
    city_name: str | None = None,
    expires: datetime | None = None,
    tz: ZoneInfo | None = None,
) -> str:
    """The one reminder a leader gets, as a reply to the alert: what, where, until when, and the button
    under this very message."""
    where = [f"📍 {escape(city_name)}"] if city_name else []
    if expires is not None and tz is not None:
        where.append(f"ถึง {thai_when(expires, tz)}")
    lines = [
        f"⏰ <b>เตือนซ้ำ · {_what(event, severity)}</b>",
        " · ".join(where),
        f"อ่านประกาศด้านบนแล้ว กดปุ่ม \"{ACK_BUTTON}\" ด้านล่าง",
    ]
    return "\n".join(line for line in lines if line)


def escalation(event: str | None, severity: str | None, city_name: str, names: list[str], total: int,
               sent_at: datetime, tz: ZoneInfo) -> str:
    """To the admin chat: who in one city has not acknowledged an urgent warning."""
    head = f"⚠️ <b>ยังไม่กดรับทราบ</b>: {_what(event, severity)}"
    lines = [
        head,
        f"{escape(city_name)}: {len(names)} จาก {total} คน (ส่งเมื่อ {sent_at.astimezone(tz):%H:%M} น.)",
        *(f"• {escape(name)}" for name in names),
        "กรุณาโทรหาแกนนำที่ยังไม่กดรับทราบ",
    ]
    return "\n".join(lines)


def delivery_failed(name: str, chat_id: int, attempts: int, error: str) -> str:
    """To the admin chat: a message could not be delivered after every retry."""
    return (
        f"❌ <b>ส่งข้อความไม่สำเร็จ</b>: {escape(name or str(chat_id))} ({chat_id})\n"
        f"พยายาม {attempts} ครั้ง สาเหตุ: {escape(error[:200])}"
    )
