"""Thai text of check-ins, help requests, the after-action survey and the impact report, in one place.

Leaders read แกนนำ / พื้นที่ words; dates are Buddhist-era, Bangkok time (`alerts.render.thai_datetime`).
Figures always show their n: the report counts answers, it never estimates for those who did not answer.
"""

from __future__ import annotations

from subscribers.checkins import Answer, HelpStatus
from subscribers.impact import RangeSummary
from subscribers.surveys import Action, Arrival, LossRange

ANSWERS = {
    Answer.SAFE: "✅ ปลอดภัย",
    Answer.NEED_HELP: "🆘 ต้องการความช่วยเหลือ",
    Answer.UNSURE: "❔ ยังไม่แน่ใจ",
}

# Quick buttons for the one line of need; the leader may also type their own.
NEEDS = ("ผู้ป่วยติดเตียง/ผู้สูงอายุ", "น้ำท่วมบ้าน", "ติดอยู่/ออกไม่ได้", "ขาดอาหาร/น้ำ")

HELP_STATUS = {
    HelpStatus.OPEN: "🔴 ยังไม่มีผู้รับเรื่อง",
    HelpStatus.TAKEN: "🟡 รับเรื่องแล้ว",
    HelpStatus.DONE: "🟢 ช่วยเหลือแล้ว",
    HelpStatus.WITHDRAWN: "⚪ แกนนำแจ้งว่าปลอดภัยแล้ว",
}

ARRIVAL = {
    Arrival.ON_TIME: "ทันเวลา",
    Arrival.LATE: "ช้าไป",
    Arrival.NOT_RECEIVED: "ไม่ได้รับ",
}

ACTIONS = {
    Action.BOAT_ASHORE: "นำเรือเข้าฝั่ง",
    Action.SECURE_GEAR: "เก็บเครื่องมือประมง",
    Action.MOVE_ANIMALS: "ย้ายสัตว์เลี้ยง/ผลผลิต",
    Action.RAISE_GOODS: "ยกสินค้าขึ้นที่สูง",
    Action.RAISE_BELONGINGS: "ยกของขึ้นที่สูง",
    Action.MOVE_VEHICLE: "ย้ายรถ",
    Action.STOP_WORK: "หยุดงาน",
    Action.EVACUATE: "อพยพไปที่ปลอดภัย",
    Action.NOTHING: "ไม่ได้ทำอะไร",
}

LOSS = {
    LossRange.NONE: "ไม่มี",
    LossRange.UNDER_1K: "< 1,000",
    LossRange.FROM_1K_TO_5K: "1,000–5,000",
    LossRange.FROM_5K_TO_20K: "5,000–20,000",
    LossRange.OVER_20K: "> 20,000",
}

ALL_CITIES = "ทุกพื้นที่"
TOTAL = "รวม"
NO_ANSWER = "-"


def range_sum(summary: RangeSummary) -> str:
    """'5,000–20,000 บาท (n=2)'; a '+' when some answers were '> 20,000'; '-' with no answers."""
    if summary.n == 0:
        return f"{NO_ANSWER} (n=0)"
    plus = "+" if summary.open_ended else ""
    if summary.low == summary.high:
        return f"{summary.low:,}{plus} บาท (n={summary.n})"
    return f"{summary.low:,}–{summary.high:,}{plus} บาท (n={summary.n})"


def median(summary: RangeSummary) -> str:
    """The middle answer's range, e.g. '1,000–5,000'."""
    return LOSS[summary.median] if summary.median else NO_ANSWER


def share(part: int, whole: int) -> str:
    """'7/9 (78%)', or '0/0' when nobody answered (no percentage of nothing)."""
    if whole == 0:
        return "0/0"
    return f"{part}/{whole} ({round(100 * part / whole)}%)"
