"""Every Thai line the admin tools show, in one place (product text: short, correct, consistent)."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from alerts import render
from bot.leaders.texts import LIVELIHOODS
from subscribers.drills import CityResult
from subscribers.feed_watch import FeedState, FeedStatus
from subscribers.notices import Progress
from subscribers.stats import DeliveryStat, LeaderRow

FEED_STATE = {
    FeedState.OK: "✅ ปกติ",
    FeedState.FAILING: "❌ ดึงข้อมูลไม่ได้",
    FeedState.STALE: "⚠️ ข้อมูลไม่อัปเดต",
    FeedState.UNKNOWN: "❔ ยังไม่เคยดึงข้อมูล",
}

REFUSED = "ขออภัย คำสั่งนี้สำหรับผู้ดูแลระบบเท่านั้น"

# The admins' menu (setMyCommands in the admin chat and each admin's private chat): command, description.
ADMIN_MENU = (
    ("checkin", "เช็กความปลอดภัยของแกนนำ: /checkin <เมือง|all>"),
    ("help_requests", "คำขอความช่วยเหลือที่ยังไม่เสร็จ"),
    ("survey", "ส่งแบบสอบถามหลังเหตุการณ์: /survey <หมายเลขประกาศ>"),
    ("impact", "ผลของการแจ้งเตือน: /impact <หมายเลขประกาศ|ปี-เดือน>"),
    ("drill", "ซ้อมแจ้งเตือน: /drill <เมือง|all> [checkin] [survey]"),
    ("broadcast", "ส่งประกาศถึงแกนนำ"),
    ("invite", "สร้างลิงก์เชิญแกนนำ: /invite <เมือง>"),
    ("leaders", "รายชื่อแกนนำ"),
    ("reports", "รายงานสถานการณ์จากแกนนำ"),
    ("stats", "สถิติการส่งและการรับทราบ"),
    ("health", "สถานะแหล่งข้อมูลเตือนภัย"),
    ("notices", "ประกาศที่ตั้งเวลาส่งประจำ"),
)
UNKNOWN_CITY = "ไม่พบเมือง {city} เมืองที่มี: {known}"
INVITE = "รหัสเชิญสำหรับ{city}: {code}\nลิงก์: {link}\nใช้ได้ {max_uses} คน ถึง {expires}"
INVITE_USAGE = "ใช้: /invite <เมือง> เช่น /invite bo-yang"
NO_LEADERS = "ยังไม่มีแกนนำลงทะเบียน"
LEADER_LINE = "{mark} {name} ({city}) อาชีพ{livelihood} · รับทราบล่าสุด {last_ack}"
NEVER = "ยังไม่เคย"
LEADERS_TOTAL = "แกนนำใช้งานอยู่ {active} จาก {total} คน"

BROADCAST_CHOOSE = "เลือกเมืองที่จะส่งประกาศ (กดเพื่อเลือกหรือยกเลิก) แล้วกด ถัดไป"
BROADCAST_ALL = "ทุกเมือง"
BROADCAST_NEXT = "ถัดไป ▶"
BROADCAST_PICK_ONE = "กรุณาเลือกอย่างน้อยหนึ่งเมือง"
BROADCAST_WRITE = "พิมพ์ข้อความประกาศที่จะส่งถึงแกนนำ ({cities})"
BROADCAST_PREVIEW = "ตัวอย่างข้อความที่แกนนำจะได้รับ ({count} คน: {cities}):"
BROADCAST_SEND = "ส่ง"
CANCEL = "ยกเลิก"
BROADCAST_CANCELLED = "ยกเลิกการส่งประกาศแล้ว"
BROADCAST_NOBODY = "ไม่มีแกนนำที่ใช้งานอยู่ใน {cities} จึงไม่ได้ส่ง"
BROADCAST_TOO_LONG = "ข้อความยาวเกินไป ({length} ตัวอักษร) กรุณาพิมพ์ให้สั้นกว่า {limit} ตัวอักษร"
NOTICE_HEADER = "📢 ประกาศ"
# Telegram's limit is 4096 characters after entities are parsed; the header and escapes fit in the rest.
NOTICE_MAX_TEXT = 3900
PROGRESS = "ส่งแล้ว {done}/{total}"
PROGRESS_DONE = "ส่งประกาศเสร็จแล้ว: ถึงแล้ว {delivered} · ไม่สำเร็จ {failed} · ถูกบล็อก {blocked} (ทั้งหมด {total})"
ALL_CITIES = "ทุกเมือง"

DRILL_USAGE = (
    "ใช้: /drill <เมือง|all> [checkin] [survey] เช่น /drill bo-yang checkin survey\n"
    "checkin: ซ้อมเช็กความปลอดภัยด้วย · survey: ส่งแบบสอบถามหลังเหตุการณ์เมื่อจบการซ้อม"
)
# The optional parts of a drill: the check-in now, the survey when the drill's report is due.
DRILL_CHECKIN = "checkin"
DRILL_SURVEY = "survey"
DRILL_WITH_CHECKIN = "ซ้อมเช็กความปลอดภัย #{round} ด้วย (ส่งถึง {count} คน)"
DRILL_WITH_SURVEY = "ส่งแบบสอบถามหลังเหตุการณ์ (ซ้อม) เวลา {at}"
# The drill reads like a real flood alert (the event matches the flood templates and advice);
# render_alert marks it ซ้อม at the top and the bottom.
DRILL_EVENT = "น้ำท่วม (ซ้อม)"
DRILL_HEADLINE = "ซ้อมแผนแจ้งเตือนน้ำท่วม"
DRILL_INSTRUCTION = "นี่คือการซ้อม ไม่ต้องอพยพ กรุณากดปุ่ม \"รับทราบ\" โดยเร็วที่สุด"
DRILL_SENDER_NAME = "{sender} (ซ้อมแผน)"
DRILL_STARTED = "เริ่มซ้อมแล้ว ส่งถึงแกนนำ {count} คน ({cities}) จะรายงานผลเวลา {report_at}"
DRILL_NOBODY = "ไม่มีแกนนำที่ใช้งานอยู่ใน {cities} จึงไม่ได้ซ้อม"
DRILL_REPORT = "ผลการซ้อม #{id} (เริ่ม {started})"
DRILL_CITY = "{city}: รับทราบ {acked}/{total} · เวลารับทราบ (กลาง) {median} · ช้าสุด {slowest}"
DRILL_MISSING = "  ยังไม่รับทราบ: {names}"
DRILL_ALL_ACKED = "  รับทราบครบทุกคน"
DRILL_NO_ACK = "-"

REPORTS_NONE = "ยังไม่มีรายงานจากพื้นที่"
REPORT = "📝 {city} · {name} · {at}\nระดับน้ำ: {depth}\n{text}"
DEPTH_UNKNOWN = "ไม่ระบุ"
REPORTS_USAGE = "ใช้: /reports [เมือง] [จำนวน] เช่น /reports bo-yang 5"

STATS_NONE = "ยังไม่มีการส่งแจ้งเตือน"
STATS_WARNING = "⚠️ #{id} {event} ({sent_on})"
STATS_CITY = "  {city}: ส่งแล้ว {sent} · ไม่สำเร็จ {failed} · รอส่ง {pending}"
STATS_ACKS = " · รับทราบ {acked} · เวลารับทราบ (กลาง) {median}"
# A warning below Severe carries no รับทราบ button: say so instead of "รับทราบ 0".
STATS_NO_BUTTON = " · ไม่มีปุ่มรับทราบ"

HEALTH_TITLE = "สถานะแหล่งข้อมูล"
HEALTH_LINE = "{feed}: {state}"
HEALTH_DETAIL = "  สำเร็จล่าสุด {success} · ข้อมูลเปลี่ยนล่าสุด {change}"
HEALTH_ERROR = "  ข้อผิดพลาด: {error} (ติดกัน {failures} ครั้ง)"
HEALTH_NO_FEEDS = "ยังไม่ได้ตั้งค่าแหล่งข้อมูล"
HEALTH_DOWN = "🚨 แหล่งข้อมูล {feed}: {state}"
HEALTH_RECOVERED = "✅ แหล่งข้อมูล {feed} กลับมาปกติแล้ว"

NOTICES_NONE = "ยังไม่ได้ตั้งค่าประกาศประจำ"
NOTICES_LINE = "🗓 {name} ({cities})\n  ครั้งถัดไป: {runs}\n  {text}"


def thai_datetime(moment: datetime | None, tz: ZoneInfo) -> str:
    """'5 มี.ค. 2568 09:00 น.' (the alerts' own format), or NEVER when there is no moment."""
    return NEVER if moment is None else render.thai_datetime(moment, tz)


def duration(seconds: float | None) -> str:
    """'45 วินาที', '3 นาที 20 วินาที', '1 ชม. 5 นาที'; '-' when unknown."""
    if seconds is None:
        return DRILL_NO_ACK
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} ชม. {minutes} นาที"
    if minutes:
        return f"{minutes} นาที {secs} วินาที" if secs else f"{minutes} นาที"
    return f"{secs} วินาที"


def city_list(names: list[str] | None) -> str:
    """'บ่อยาง, พะตง' or 'ทุกเมือง'."""
    return ALL_CITIES if names is None else ", ".join(names)


def notice_message(text: str) -> str:
    """Exactly what a leader receives for an admin notice (HTML, as the outbox holds it)."""
    return f"<b>{NOTICE_HEADER}</b>\n{html.escape(text.strip(), quote=False)}"


def progress_text(progress: Progress) -> str:
    """The live status line, or the final counts once nothing is pending."""
    if progress.finished:
        return PROGRESS_DONE.format(
            delivered=progress.delivered, failed=progress.failed, blocked=progress.blocked, total=progress.total
        )
    return PROGRESS.format(done=progress.done, total=progress.total)


def leader_lines(rows: list[LeaderRow], city_names: dict[str, str], tz: ZoneInfo) -> list[str]:
    """One line per leader, then the totals."""
    if not rows:
        return [NO_LEADERS]
    lines = [
        LEADER_LINE.format(
            mark="🟢" if row.active else "⚪",
            name=row.name or str(row.chat_id),
            city=city_names.get(row.city_id, row.city_id),
            livelihood=LIVELIHOODS.get(row.livelihood, row.livelihood),
            last_ack=thai_datetime(row.last_ack, tz),
        )
        for row in rows
    ]
    lines.append(LEADERS_TOTAL.format(active=sum(r.active for r in rows), total=len(rows)))
    return lines


def drill_report(
    drill_id: int, started: datetime, cities: list[CityResult], city_names: dict[str, str], tz: ZoneInfo
) -> str:
    """The drill report: per city acked/total, median, slowest and who is missing."""
    lines = [DRILL_REPORT.format(id=drill_id, started=thai_datetime(started, tz))]
    for city in cities:
        slowest = city.slowest
        lines.append(
            DRILL_CITY.format(
                city=city_names.get(city.city_id, city.city_id),
                acked=len(city.acked),
                total=len(city.leaders),
                median=duration(city.median_seconds),
                slowest=f"{slowest.name or slowest.chat_id} {duration(slowest.seconds)}" if slowest else DRILL_NO_ACK,
            )
        )
        missing = city.missing
        lines.append(
            DRILL_MISSING.format(names=", ".join(r.name or str(r.chat_id) for r in missing))
            if missing
            else DRILL_ALL_ACKED
        )
    return "\n".join(lines)


def stats_lines(stats: list[DeliveryStat], city_names: dict[str, str], tz: ZoneInfo) -> list[str]:
    """Per warning a heading, then one line per city."""
    if not stats:
        return [STATS_NONE]
    lines: list[str] = []
    current = None
    for stat in stats:
        if stat.warning_id != current:
            current = stat.warning_id
            lines.append(
                STATS_WARNING.format(
                    id=stat.warning_id,
                    event=html.escape(render.event_label(stat.event)),
                    sent_on=thai_datetime(stat.sent_on, tz),
                )
            )
        acks = (
            STATS_ACKS.format(acked=stat.acknowledged, median=duration(stat.median_ack_seconds))
            if stat.asks_ack
            else STATS_NO_BUTTON
        )
        city = STATS_CITY.format(
            city=city_names.get(stat.city_id, stat.city_id), sent=stat.sent, failed=stat.failed, pending=stat.pending
        )
        lines.append(city + acks)
    return lines


def health_lines(statuses: list[FeedStatus], tz: ZoneInfo) -> list[str]:
    """/health: each feed's state and its last success and change."""
    if not statuses:
        return [HEALTH_NO_FEEDS]
    lines = [HEALTH_TITLE]
    for status in statuses:
        lines.append(HEALTH_LINE.format(feed=status.feed, state=FEED_STATE[status.state]))
        if status.state is not FeedState.UNKNOWN:
            lines.append(
                HEALTH_DETAIL.format(
                    success=thai_datetime(status.last_success, tz), change=thai_datetime(status.last_change, tz)
                )
            )
        if status.state is FeedState.FAILING and status.last_error:
            lines.append(HEALTH_ERROR.format(error=status.last_error[:200], failures=status.consecutive_failures))
    return lines


def health_change(status: FeedStatus) -> str:
    """The push to the admin chat when a feed's state changes."""
    if status.state is FeedState.OK:
        return HEALTH_RECOVERED.format(feed=status.feed)
    text = HEALTH_DOWN.format(feed=status.feed, state=FEED_STATE[status.state])
    if status.last_error:
        text += "\n" + HEALTH_ERROR.format(error=status.last_error[:200], failures=status.consecutive_failures)
    return text


def chunks(lines: list[str], limit: int = 4000) -> list[str]:
    """Join lines into messages under Telegram's 4096-character limit (counted in characters)."""
    messages, current = [], ""
    for line in lines:
        if current and len(current) + 1 + len(line) > limit:
            messages.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line[:limit]
    if current:
        messages.append(current)
    return messages
