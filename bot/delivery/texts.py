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


def _clock(at: datetime, tz: ZoneInfo) -> str:
    """A local time in the official Thai form, as in the alert itself: "18.42 น."."""
    return f"{at.astimezone(tz):%H.%M} น."


def acked_button(at: datetime, tz: ZoneInfo) -> str:
    """The button after a press: "✅ รับทราบแล้ว 18.42 น." (local time)."""
    return f"✅ รับทราบแล้ว {_clock(at, tz)}"


def ack_toast(at: datetime, tz: ZoneInfo) -> str:
    """What the leader sees on pressing รับทราบ (again): "บันทึกการรับทราบแล้ว 18.42 น." (the first press's time)."""
    return f"บันทึกการรับทราบแล้ว {_clock(at, tz)}"


# The toast for a button of a warning this chat was never sent (forged, copied, or the leader left).
ACK_UNKNOWN = "ไม่พบประกาศเตือนภัยนี้"


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


# Telegram refuses a message over 4,096 characters; stay clear of it.
MAX_MESSAGE = 4000
# Names listed per digest before "and N more".
DIGEST_NAMES = 10


def _hm(at: datetime, tz: ZoneInfo) -> str:
    return f"{at.astimezone(tz):%H:%M}"


def escalation(event: str | None, severity: str | None, city_name: str, names: list[str], total: int,
               sent_at: datetime, tz: ZoneInfo, *, follow_up: bool = False) -> list[str]:
    """To the admin chat: who in one city has not acknowledged an urgent warning, in messages under 4,096 characters."""
    head = f"⚠️ <b>ยังไม่กดรับทราบ{' (เพิ่มเติม)' if follow_up else ''}</b>: {_what(event, severity)}"
    count = f"{escape(city_name)}: {len(names)} จาก {total} คน (ส่งเมื่อ {_hm(sent_at, tz)} น.)"
    tail = "กรุณาโทรหาแกนนำที่ยังไม่กดรับทราบ (รายชื่อทั้งหมด: /stats หรือไฟล์ส่งออก)"
    messages: list[str] = []
    lines = [head, count]
    for name in names:
        line = f"• {escape(name)}"
        if sum(len(x) + 1 for x in lines) + len(line) + len(tail) + 1 > MAX_MESSAGE:
            messages.append("\n".join(lines))
            lines = [f"{head} (ต่อ)"]
        lines.append(line)
    messages.append("\n".join([*lines, tail]))
    return messages


def _digest(head: str, lines: list[str], unit: str) -> str:
    shown = [escape(line) for line in lines[:DIGEST_NAMES]]
    more = [f"และอีก {len(lines) - DIGEST_NAMES} {unit}"] if len(lines) > DIGEST_NAMES else []
    return "\n".join([head, *(f"• {line}" for line in shown), *more])[:MAX_MESSAGE]


def failures_digest(failures: list[str]) -> str:
    """To the admin chat, once per drain: messages that cannot be delivered ("name (chat): reason")."""
    return _digest(f"❌ <b>ส่งข้อความไม่สำเร็จ {len(failures)} รายการ</b>", failures, "รายการ")


# Telegram's reasons for a chat we can no longer reach, as the admin chat reads them.
GONE_REASONS = (
    ("blocked", "บล็อกบอท"),
    ("deactivated", "ปิดบัญชีแล้ว"),
    ("chat not found", "ไม่พบแชต"),
)


def gone_reason(telegram_message: str) -> str:
    """A short Thai reason for a 403 or "chat not found" (Telegram's own words when it is another)."""
    lowered = telegram_message.lower()
    return next((thai for key, thai in GONE_REASONS if key in lowered), telegram_message)


def unreachable_digest(leaders: list[str]) -> str:
    """To the admin chat, once per drain: leaders who blocked the bot or whose chat is gone ("name, city: reason")."""
    return _digest(f"🚫 <b>ติดต่อแกนนำไม่ได้ {len(leaders)} คน</b> (บล็อกบอทหรือไม่พบแชต จึงหยุดส่งให้)", leaders, "คน")


def outage_started(since: datetime, pending: int, tz: ZoneInfo) -> str:
    """To the admin chat: Telegram stopped answering; nothing is lost."""
    return (
        f"📵 <b>ส่งข้อความผ่าน Telegram ไม่ได้</b> ตั้งแต่ {_hm(since, tz)} น.\n"
        f"ข้อความรอส่ง {pending} ข้อความ ระบบจะส่งต่อเองเมื่อใช้งานได้"
    )


def outage_over(since: datetime, until: datetime, pending: int, tz: ZoneInfo) -> str:
    """To the admin chat: delivery resumed after an outage."""
    return (
        f"✅ <b>ส่งข้อความได้อีกครั้ง</b> (ขัดข้อง {_hm(since, tz)}–{_hm(until, tz)} น.)\n"
        f"กำลังส่งข้อความที่ค้าง {pending} ข้อความ"
    )


def drain_stuck(seconds: int) -> str:
    """To the admin chat: a drain has run far longer than it should (the store or the network is stuck)."""
    return f"⏳ <b>การส่งข้อความค้าง</b> นานกว่า {seconds} วินาที กรุณาตรวจสอบเซิร์ฟเวอร์และฐานข้อมูล"
