"""Every Thai string leaders see in private chat, in one place: short, plain, consistent.

Dates are Thai: Buddhist-era years, the configured zone (Bangkok), 24-hour clock.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from alerts.render import thai_when
from subscribers.leaders import Livelihood
from subscribers.reports import MAX_PHOTOS, Depth


# Keyed by Livelihood (a str), so a stored row's plain value looks its label up too.
LIVELIHOODS: dict[str, str] = {
    Livelihood.FISHING: "ประมง",
    Livelihood.FARMING: "เกษตร",
    Livelihood.LABOUR: "รับจ้าง",
    Livelihood.TRADE: "ค้าขาย",
    Livelihood.OTHER: "อื่น ๆ",
}

# Labels leaders may still type from an older keyboard.
LIVELIHOOD_ALIASES = {"อื่นๆ": Livelihood.OTHER}

# Keyed by Depth (a str): stored reports may hold a depth this version does not know, looked up as a str.
DEPTHS: dict[str, str] = {
    Depth.NONE: "ไม่มีน้ำ",
    Depth.ANKLE: "ข้อเท้า",
    Depth.KNEE: "เข่า",
    Depth.WAIST: "เอว",
    Depth.CHEST: "อก",
    Depth.OVERHEAD: "มิดหัว",
}

# The bot's menu (setMyCommands): command, short description.
COMMANDS = (
    ("status", "ประกาศเตือนภัยในพื้นที่ของคุณตอนนี้"),
    ("report", "ส่งรายงานสถานการณ์ (ข้อความ รูป ตำแหน่ง ระดับน้ำ)"),
    ("settings", "เปลี่ยนอาชีพ / รับเตือนระดับเล็กน้อย"),
    ("help", "บอทนี้ทำอะไรได้บ้าง"),
    ("stop", "หยุดรับการแจ้งเตือน"),
    ("start", "เริ่มใช้งาน / กลับมารับการแจ้งเตือน"),
    ("cancel", "ยกเลิกสิ่งที่ทำอยู่"),
)

HOW_TO_JOIN = (
    "บอทนี้ส่งประกาศเตือนภัยให้แกนนำชุมชน ต้องเข้าร่วมด้วยลิงก์เชิญเท่านั้น\n"
    "กรุณาขอลิงก์เชิญจากผู้ประสานงานพื้นที่ของคุณ แล้วกดลิงก์นั้นเพื่อเริ่มใช้งาน"
)
CODE_WRONG = "รหัสเชิญไม่ถูกต้อง (ลองได้อีก {left} ครั้ง)\n" + HOW_TO_JOIN
CODE_EXPIRED = "ลิงก์เชิญนี้หมดอายุหรือถูกยกเลิกแล้ว กรุณาขอลิงก์ใหม่จากผู้ประสานงานพื้นที่"
CODE_USED_UP = "ลิงก์เชิญนี้มีผู้ใช้ครบจำนวนแล้ว กรุณาขอลิงก์ใหม่จากผู้ประสานงานพื้นที่"
CODE_LOCKED = (
    "ใส่รหัสเชิญผิดหลายครั้งเกินไป กรุณารอ {minutes} นาทีแล้วลองใหม่\n"
    "หรือขอลิงก์เชิญจากผู้ประสานงานพื้นที่"
)
JOINED = "ยินดีต้อนรับ! คุณเข้าร่วมรับการแจ้งเตือนพื้นที่{city}แล้ว\nกรุณาพิมพ์ชื่อของคุณ (ชื่อที่ผู้ประสานงานรู้จัก)"
ASK_NAME = "กรุณาพิมพ์ชื่อของคุณเป็นข้อความ"
NAME_TOO_LONG = "ชื่อยาวเกินไป กรุณาพิมพ์ไม่เกิน {limit} ตัวอักษร"
ASK_LIVELIHOOD = "ขอบคุณ คุณ{name} อาชีพหลักของคุณคืออะไร? (เลือกจากปุ่มด้านล่าง)"
PICK_LIVELIHOOD = "กรุณาเลือกอาชีพจากปุ่มด้านล่าง"
SIGNED_UP = (
    "ลงทะเบียนเรียบร้อย ✅\n{name} · {city} · {livelihood}\n"
    "เมื่อมีประกาศเตือนภัย (ฝนตกหนัก น้ำท่วม ระดับน้ำ คลื่นลมแรง พายุ ดินถล่ม) บอทจะส่งมาที่นี่ "
    "ประกาศที่มีปุ่ม \"รับทราบ\" กรุณากดเมื่ออ่านแล้ว\nอย่าปิดเสียงแชทนี้ · คำสั่งทั้งหมด /help"
)
MOVED = "ย้ายไปรับการแจ้งเตือนพื้นที่{city}แล้ว ✅"
REACTIVATED = "ยินดีต้อนรับกลับ! คุณจะได้รับการแจ้งเตือนพื้นที่{city}อีกครั้ง ✅"
ALREADY_ACTIVE = "คุณรับการแจ้งเตือนพื้นที่{city}อยู่แล้ว ดูคำสั่งทั้งหมดได้ที่ /help"
CANCELLED = "ยกเลิกแล้ว"
NOTHING_TO_CANCEL = "ไม่มีอะไรให้ยกเลิก ดูคำสั่งทั้งหมดได้ที่ /help"

NOT_A_LEADER = "คุณยังไม่ได้ลงทะเบียน\n" + HOW_TO_JOIN
INACTIVE = "คุณหยุดรับการแจ้งเตือนอยู่ พิมพ์ /start เพื่อกลับมารับอีกครั้ง"

STATUS_NONE = "ตอนนี้ไม่มีประกาศเตือนภัยในพื้นที่{city} ({now})"
STATUS_HEAD = "ประกาศเตือนภัยในพื้นที่{city} ขณะนี้ ({now}):"
# The event in the alert's own Thai words (never the feed's English), then the validity.
STATUS_LINE = "• {severity} · {title} · {validity}"
# As the alert's 🕒 line: until when, and the start only if it is still ahead (official HH.MM น.).
VALID_UNTIL = "ถึง {end}"
VALID_STARTS = " (เริ่ม {start})"
VALID_FROM = "มีผลตั้งแต่ {start} (ยังไม่กำหนดสิ้นสุด)"

REPORT_START = (
    "📝 รายงานสถานการณ์{about}\n"
    "ส่งข้อความ รูป (หลายรูปได้) หรือตำแหน่ง 📍 ได้เลย\n"
    "เสร็จแล้วเลือกระดับน้ำจากปุ่มด้านล่างเพื่อส่งรายงาน หรือ /cancel เพื่อยกเลิก"
)
REPORT_ABOUT = "(เกี่ยวกับประกาศเตือนภัยที่คุณตอบกลับ)"
REPORT_GOT = "รับแล้ว ({parts}) เลือกระดับน้ำเพื่อส่งรายงาน หรือส่งเพิ่มได้อีก"
REPORT_TOO_LONG = "ข้อความรายงานยาวเกินไป ({length:,} ตัวอักษร) ส่งได้ไม่เกิน {limit:,} ตัวอักษร กรุณาย่อแล้วส่งใหม่"
REPORT_TOO_MANY_PHOTOS = f"รายงานหนึ่งมีรูปได้ไม่เกิน {MAX_PHOTOS} รูป เลือกระดับน้ำเพื่อส่งรายงานนี้ก่อน"
REPORT_EMPTY = "รายงานยังว่างอยู่ กรุณาส่งข้อความ รูป หรือตำแหน่งก่อน"
REPORT_NO_DRAFT = "ไม่มีรายงานที่กำลังทำอยู่ พิมพ์ /report เพื่อเริ่มใหม่"
REPORT_SENT = "ได้รับรายงานหมายเลข {number} แล้ว ✅ ส่งต่อให้ผู้ประสานงานแล้ว ขอบคุณที่ช่วยรายงาน"
REPORT_PART_TEXT = "ข้อความ"
REPORT_PART_PHOTOS = "รูป"
REPORT_PART_PIN = "ตำแหน่ง"
DEPTH_SKIP = "ส่งโดยไม่ระบุระดับน้ำ"

ADMIN_REPORT = "📝 รายงานหมายเลข {number}\nจาก: {name} ({city})\nเวลา: {at}"
ADMIN_REPORT_WARNING = "ตอบประกาศเตือนภัย: {title}"
ADMIN_REPORT_DEPTH = "ระดับน้ำ: {depth}"
ADMIN_REPORT_PIN = "ตำแหน่ง: https://maps.google.com/?q={lat:.5f},{lon:.5f}"
ADMIN_REPORT_TEXT = "ข้อความ: {text}"
ADMIN_REPORT_PHOTO = "รายงานหมายเลข {number} · รูป {index}/{count}"
ADMIN_ERROR = "⚠️ floodbot มีข้อผิดพลาด: {error}"
USER_ERROR = "ขออภัย เกิดข้อผิดพลาด กรุณาลองใหม่อีกครั้ง"

SETTINGS = (
    "การตั้งค่าของคุณ\nชื่อ: {name}\nพื้นที่: {city}\nอาชีพ: {livelihood}\n"
    "เตือนระดับเล็กน้อย: {minor}\nกดปุ่มด้านล่างเพื่อเปลี่ยน"
)
MINOR_ON = "รับ"
MINOR_OFF = "ไม่รับ"
MINOR_TURN_ON = "🔔 รับเตือนระดับเล็กน้อยด้วย"
MINOR_TURN_OFF = "🔕 ไม่รับเตือนระดับเล็กน้อย"
SAVED_LIVELIHOOD = "บันทึกอาชีพ: {livelihood} ✅"
SAVED_MINOR_ON = "จะส่งเตือนระดับเล็กน้อยให้ด้วย ✅"
SAVED_MINOR_OFF = "จะไม่ส่งเตือนระดับเล็กน้อย ✅"

STOPPED = "หยุดส่งการแจ้งเตือนแล้ว ข้อมูลของคุณยังเก็บไว้ พิมพ์ /start เมื่อต้องการกลับมารับอีกครั้ง"
ALREADY_STOPPED = "คุณหยุดรับการแจ้งเตือนอยู่แล้ว พิมพ์ /start เพื่อกลับมารับอีกครั้ง"

HELP = (
    "บอทนี้ส่งประกาศเตือนภัย (ฝนตกหนัก น้ำท่วม ระดับน้ำ คลื่นลมแรง พายุ ดินถล่ม) จากกรมอุตุนิยมวิทยา"
    "และหน่วยงานด้านน้ำให้แกนนำชุมชน พร้อมสิ่งที่ควรทำตามอาชีพ\n"
    "ประกาศระดับรุนแรงขึ้นไปและการซ้อมมีปุ่ม \"รับทราบ\" ใต้ข้อความ กรุณากดเมื่ออ่านแล้ว\n"
    "ระดับ: 🔴 อันตรายสูงสุด 🟠 รุนแรง 🟡 ปานกลาง 🟢 เล็กน้อย\n\n"
    "/status ดูประกาศเตือนภัยในพื้นที่ของคุณตอนนี้\n"
    "/report ส่งรายงานสถานการณ์ ข้อความ รูป ตำแหน่ง และระดับน้ำ "
    "(หรือตอบกลับประกาศเตือนภัย หรือส่งรูป/ตำแหน่งมาได้เลย)\n"
    "/settings เปลี่ยนอาชีพ หรือเลือกรับเตือนระดับเล็กน้อย\n"
    "/stop หยุดรับการแจ้งเตือน · /start กลับมารับอีกครั้ง\n"
    "/cancel ยกเลิกสิ่งที่ทำอยู่ · /help ดูข้อความนี้อีกครั้ง"
)

UNKNOWN_COMMAND = "ไม่รู้จักคำสั่งนี้ ดูคำสั่งทั้งหมดได้ที่ /help"
UNEXPECTED = "บอทอ่านได้เฉพาะข้อความ รูปภาพ (ส่งแบบรูป ไม่ใช่ไฟล์) และตำแหน่ง ยังรับข้อความเสียงไม่ได้ ดูวิธีใช้ที่ /help"
TEXT_NO_REPORT = "ถ้าต้องการรายงานสถานการณ์ พิมพ์ /report ก่อน หรือตอบกลับประกาศเตือนภัย ดูวิธีใช้ที่ /help"
EDITED = "บอทอ่านข้อความที่แก้ไขไม่ได้ กรุณาส่งเป็นข้อความใหม่"
GROUP_ONLY_PRIVATE = "บอทนี้ใช้ได้ในแชทส่วนตัวเท่านั้น กรุณาทักบอทโดยตรง"
RESUME_SIGNUP = "การลงทะเบียนยังไม่เสร็จ พิมพ์ /start เพื่อทำต่อ"


def validity(start: datetime, end: datetime | None, now: datetime, tz: ZoneInfo) -> str:
    """The validity of a warning in the alert's own words: "ถึง 26 ก.พ. 68 เวลา 06.00 น." (and when it
    starts, if later than now)."""
    if end is None:
        return VALID_FROM.format(start=thai_when(start, tz))
    line = VALID_UNTIL.format(end=thai_when(end, tz))
    if start > now:
        same_year = start.astimezone(tz).year == end.astimezone(tz).year
        line += VALID_STARTS.format(start=thai_when(start, tz, year=not same_year))
    return line


