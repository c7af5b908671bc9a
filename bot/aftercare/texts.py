"""Thai text of check-ins, help requests, the after-action survey and the impact report, in one place.

Leaders read แกนนำ / พื้นที่ words; dates are Buddhist-era, Bangkok time (`alerts.render.thai_datetime`).
Figures always show their n: the report counts answers, it never estimates for those who did not answer.
"""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from alerts.render import event_label, severity_label, thai_datetime
from bot.leaders.texts import LIVELIHOODS
from subscribers.checkins import (
    MAX_NEED,
    MAX_PEOPLE,
    Answer,
    AnswerResult,
    CasResult,
    CheckinRound,
    CityTriage,
    HelpRequest,
    HelpStatus,
    LocationSource,
)
from subscribers.impact import ALL, ImpactReport, ImpactRow, RangeSummary
from subscribers.leaders import Livelihood
from subscribers.surveys import Action, Arrival, LossRange, choices

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


# ---- Callback data (Telegram allows 64 bytes): "ci" check-in, "hr" help request, "sv" survey.
def checkin_data(round_id: int, answer: Answer) -> str:
    """Callback data of a check-in answer button."""
    return f"ci:{round_id}:{answer}"


def help_data(request_id: int, step: str) -> str:
    """Callback data of a help-request button: step is 'take' or 'done'."""
    return f"hr:{request_id}:{step}"


def survey_data(warning_id: int, question: str, value: str) -> str:
    """Callback data of a survey button: question 'arr', 'act', 'next', 'avd' or 'hap'."""
    return f"sv:{warning_id}:{question}:{value}"


Button = tuple[str, str]


# ---- Admin: /checkin and /survey.
CHECKIN_USAGE = "ใช้: /checkin <เมือง|all> เช่น /checkin bo-yang"
CHECKIN_STARTED = (
    "🛟 เริ่มเช็กความปลอดภัย #{round} ({cities}) ส่งคำถามถึงแกนนำ {count} คน\n"
    "สรุปผลรายเมืองจะขึ้นในห้องผู้ดูแลและอัปเดตเอง ผู้ที่ไม่ตอบภายใน {minutes} นาทีนับเป็นไม่ทราบสถานะ"
)
CHECKIN_NOBODY = "ไม่มีแกนนำที่ใช้งานอยู่ใน {cities} จึงไม่ได้เริ่มเช็กความปลอดภัย"
SURVEY_USAGE = "ใช้: /survey <หมายเลขประกาศ> เช่น /survey 12"
SURVEY_UNKNOWN = "ไม่พบประกาศหมายเลข {warning}"
SURVEY_NOBODY = "ยังไม่มีแกนนำคนใดได้รับประกาศหมายเลข {warning} จึงไม่มีผู้ตอบแบบสอบถาม"
SURVEY_ALREADY = "ประกาศหมายเลข {warning} ส่งแบบสอบถามไปแล้วเมื่อ {at}"
SURVEY_STARTED = "📋 ส่งแบบสอบถามหลังเหตุการณ์ของประกาศหมายเลข {warning} ถึงแกนนำ {count} คน ดูผลด้วย /impact {warning}"


# ---- Leader: the check-in question and the answers.
CHECKIN = (
    "🛟 <b>เช็กความปลอดภัย · {city}</b>\n"
    "{reason}\n"
    "ตอนนี้คุณและคนในบ้านปลอดภัยไหม? กดปุ่มด้านล่าง\n"
    "เปลี่ยนคำตอบได้ตลอดช่วงเหตุการณ์"
)
CHECKIN_AFTER = "หลังประกาศ {severity} · {event}"
CHECKIN_BY_ADMIN = "ผู้ประสานงานขอให้แกนนำทุกคนตอบ"
DRILL_MARK = "🔔 <b>ซ้อม</b> ไม่ใช่เหตุการณ์จริง"
ANSWER_SAFE = "บันทึกแล้ว: ✅ ปลอดภัย ({at})\nถ้าสถานการณ์เปลี่ยน กดปุ่มในข้อความเช็กความปลอดภัยใหม่ได้"
ANSWER_UNSURE = (
    "บันทึกแล้ว: ❔ ยังไม่แน่ใจ ({at})\nติดตามสถานการณ์ แล้วกดปุ่มใหม่เมื่อแน่ใจ\n"
    "ถ้าอันตรายถึงชีวิต โทร 1784 (สายด่วนนิรภัย ปภ. 24 ชม.)"
)
ANSWER_WITHDRAWN = "ยกเลิกคำขอความช่วยเหลือหมายเลข {number} แล้ว ดีใจที่ปลอดภัย"
ANSWER_SAFE_TAKEN = "ผู้ประสานงานรับเรื่องหมายเลข {number} ไปแล้ว บอทแจ้งเขาว่าคุณปลอดภัยแล้ว"
ROUND_CLOSED = "การเช็กความปลอดภัยรอบนี้ปิดแล้ว ถ้าต้องการความช่วยเหลือด่วน โทร 1784"

# ---- Leader: the need-help steps.
HELP_STARTED = "🆘 รับเรื่องแล้ว ผู้ประสานงานพื้นที่{city}เห็นคำขอหมายเลข {number} แล้ว\nตอบอีก 3 ข้อสั้น ๆ เพื่อให้ช่วยได้เร็วขึ้น"
ASK_LOCATION = (
    "1/3 ส่งตำแหน่ง 📍 ที่ต้องการความช่วยเหลือ กดปุ่ม \"ส่งตำแหน่งของฉัน\"\n"
    "ถ้าส่งไม่ได้ กด \"ใช้พื้นที่ที่ลงทะเบียน\""
)
SEND_LOCATION = "📍 ส่งตำแหน่งของฉัน"
USE_AREA = "ใช้พื้นที่ที่ลงทะเบียน ({city})"
ASK_PEOPLE = "2/3 มีกี่คนที่ต้องการความช่วยเหลือ? กดปุ่มหรือพิมพ์ตัวเลข เช่น 3"
PEOPLE_CHOICES = ("1", "2", "3", "4", "5", "6", "8", "10")
PEOPLE_BAD = "กรุณาพิมพ์จำนวนคนเป็นตัวเลข 1 ถึง {limit} เช่น 3"
ASK_NEED = "3/3 ต้องการความช่วยเหลืออะไร? กดปุ่ม หรือพิมพ์สั้น ๆ หนึ่งบรรทัด"
NEED_TOO_LONG = "ข้อความยาวเกินไป ({length} ตัวอักษร) กรุณาพิมพ์ไม่เกิน {limit} ตัวอักษร"
HELP_SENT = (
    "✅ ส่งคำขอความช่วยเหลือหมายเลข {number} ถึงผู้ประสานงานพื้นที่{city}แล้ว\n"
    "ผู้ประสานงานจะติดต่อกลับทางแชทนี้หรือโทรศัพท์ เมื่อมีผู้รับเรื่อง บอทจะแจ้งที่นี่\n"
    "ถ้าอันตรายถึงชีวิตหรือรอไม่ได้ โทร 1784 (สายด่วนนิรภัย ปภ. 24 ชม.)\n"
    "ถ้าปลอดภัยแล้ว กด \"✅ ปลอดภัย\" ในข้อความเช็กความปลอดภัย"
)
HELP_TAKEN_TO_LEADER = "🚤 {by} รับเรื่องคำขอหมายเลข {number} แล้ว กำลังประสานความช่วยเหลือ"
HELP_DONE_TO_LEADER = (
    "🟢 ผู้ประสานงานบันทึกว่าช่วยเหลือคำขอหมายเลข {number} แล้ว"
    " ถ้ายังต้องการความช่วยเหลือ กด \"🆘 ต้องการความช่วยเหลือ\" อีกครั้ง"
)

# ---- Admin chat: the triage summary per city, the help-request card, the list.
TRIAGE = "🛟 <b>เช็กความปลอดภัย #{round} · {city}</b>\nเริ่ม {started} · ถาม {asked} คน"
TRIAGE_COUNTS = "✅ ปลอดภัย {safe} · 🆘 ต้องการความช่วยเหลือ {need_help} · ❔ ยังไม่แน่ใจ {unsure}"
TRIAGE_WAITING = "⏳ ยังไม่ตอบ {waiting} (นับเป็นไม่ทราบสถานะเมื่อ {deadline})"
TRIAGE_UNKNOWN = "❓ ไม่ทราบสถานะ {count}: {names}"
TRIAGE_ALL_ANSWERED = "ตอบครบทุกคนแล้ว"
TRIAGE_UPDATED = "อัปเดต {now}"
CARD = "🆘 <b>คำขอความช่วยเหลือ #{number} · {city}</b>\nจาก: {name} · {at}"
CARD_PIN = "📍 ตำแหน่ง: https://maps.google.com/?q={lat:.5f},{lon:.5f}"
CARD_AREA = "📍 ตำแหน่ง: ไม่ได้ส่ง ใช้พื้นที่ที่ลงทะเบียน ({city})"
CARD_NO_LOCATION = "📍 ตำแหน่ง: ยังไม่ได้ส่ง"
CARD_PEOPLE = "👥 จำนวนคน: {people}"
CARD_NEED = "📝 ต้องการ: {need}"
NOT_YET = "ยังไม่ระบุ"
CARD_STATUS = "สถานะ: {status}"
CARD_BY = "{status} โดย {by} ({at})"
CARD_NOW_SAFE = "ℹ️ แกนนำแจ้งภายหลังว่าปลอดภัยแล้ว"
TAKE = "รับเรื่องแล้ว"
DONE = "ช่วยเหลือแล้ว"
TAKEN_BY_OTHER = "คำขอ #{number} มีผู้รับเรื่องแล้ว: {by}"
ALREADY_DONE = "คำขอ #{number} ช่วยเหลือเสร็จแล้ว ({by})"
ALREADY_WITHDRAWN = "คำขอ #{number} ยกเลิกแล้ว แกนนำแจ้งว่าปลอดภัย"
YOU_TOOK = "คุณรับเรื่องคำขอ #{number} แล้ว"
YOU_FINISHED = "บันทึกว่าช่วยเหลือคำขอ #{number} แล้ว"
REQUESTS_NONE = "ไม่มีคำขอความช่วยเหลือที่ค้างอยู่"
REQUESTS_HEAD = "🆘 คำขอความช่วยเหลือที่ยังไม่เสร็จ ({count})"
REQUESTS_LINE = "#{number} {city} · {name} · 👥 {people} · 📝 {need} · {status}"
PEOPLE_COUNT = "{people} คน"

# ---- Leader: the after-action survey.
SURVEY_INTRO = (
    "📋 <b>แบบสอบถามหลังเตือนภัย</b>\n{event} · {on}\n"
    "ช่วยตอบ 3 ข้อสั้น ๆ เพื่อให้รู้ว่าการแจ้งเตือนช่วยคุณได้แค่ไหน (อาชีพ: {livelihood} · ข้ามข้อไหนก็ได้)"
)
SURVEY_ARRIVED = "1/3 ได้รับการแจ้งเตือนทันเวลาพอจะเตรียมตัวไหม?"
SURVEY_ACTIONS = "2/3 หลังได้รับเตือน คุณทำอะไรบ้าง? (เลือกได้หลายข้อ แล้วกด \"ถัดไป\")"
SURVEY_NEXT = "ถัดไป ▶"
SURVEY_CHOSEN = "✓ "
SURVEY_AVOIDED = "3/3 การเตรียมตัวช่วยลดความเสียหายได้ประมาณเท่าไร? (บาท)"
SURVEY_HAPPENED = "และยังเสียหายไปประมาณเท่าไร? (บาท)"
SURVEY_THANKS = "ขอบคุณที่ตอบ ✅ คำตอบของคุณช่วยปรับปรุงการแจ้งเตือนครั้งต่อไป"

# ---- Admin chat: /impact.
IMPACT_HEAD = "📊 <b>{title}</b>\nนับจากคำตอบจริง (n) ไม่ได้ประมาณแทนผู้ที่ไม่ได้ตอบ"
IMPACT_TOTAL = (
    "ได้รับเตือน {warned} · รับทราบ {acknowledged} · ตอบ {answered}\n"
    "ทันเวลา {on_time} · ลงมือทำ {acted}\n"
    "เลี่ยงความเสียหายได้ {avoided} · ค่ากลาง {avoided_median}\n"
    "ยังเสียหาย {happened} · ค่ากลาง {happened_median}"
)
IMPACT_ROW = "• {city} · {livelihood}: เตือน {warned} · ตอบ {answered} · ลงมือทำ {acted} · เลี่ยงได้ {avoided}"
IMPACT_NONE = "ยังไม่มีข้อมูลการส่งหรือคำตอบในช่วงนี้"
IMPACT_USAGE = "ใช้: /impact <หมายเลขประกาศ|ปี-เดือน> เช่น /impact 12 หรือ /impact 2025-11"


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def checkin_reason(severity: str | None, event: str | None) -> str:
    """Why leaders are asked: the warning (severity and event as the alert said them), or the admin."""
    if event is None:
        return CHECKIN_BY_ADMIN
    return CHECKIN_AFTER.format(severity=severity_label(severity or "Unknown"), event=event_label(event))


def drill_marked(text: str, drill: bool) -> str:
    """A drill's message is marked at the top and the bottom (every edit of it too); others are as they are."""
    return f"{DRILL_MARK}\n{text}\n{DRILL_MARK}" if drill else text


def checkin_message(city: str, reason: str, drill: bool = False) -> str:
    """The check-in question a leader gets (HTML); a drill is marked at the top and the bottom."""
    return drill_marked(CHECKIN.format(city=_e(city), reason=reason), drill)


def checkin_buttons(round_id: int) -> list[list[Button]]:
    """One answer per row: big targets on a small phone."""
    return [[(label, checkin_data(round_id, answer))] for answer, label in ANSWERS.items()]


def answer_reply(result: AnswerResult, tz: ZoneInfo) -> str:
    """What the leader reads after pressing ปลอดภัย or ยังไม่แน่ใจ (need-help starts its own steps)."""
    at = thai_datetime(result.answer.answered_at, tz)
    if result.answer.answer == Answer.UNSURE:
        return ANSWER_UNSURE.format(at=at)
    lines = [ANSWER_SAFE.format(at=at)]
    for number in result.withdrawn:
        lines.append(ANSWER_WITHDRAWN.format(number=number))
    request = result.help_request
    if request is not None and request.status == HelpStatus.TAKEN:
        lines.append(ANSWER_SAFE_TAKEN.format(number=request.id))
    return "\n".join(lines)


def help_started(city: str, number: int) -> str:
    """The first reply to ต้องการความช่วยเหลือ, then the location question."""
    return HELP_STARTED.format(city=_e(city), number=number) + "\n\n" + ASK_LOCATION


def location_keyboard(city: str) -> list[list[str]]:
    """Reply-keyboard labels: share my location (the first) or use the registered area."""
    return [[SEND_LOCATION], [USE_AREA.format(city=city)]]


def people_keyboard() -> list[list[str]]:
    """Quick counts, two rows of four."""
    return [list(PEOPLE_CHOICES[:4]), list(PEOPLE_CHOICES[4:])]


def need_keyboard() -> list[list[str]]:
    """The four common needs, two per row."""
    return [list(NEEDS[:2]), list(NEEDS[2:])]


def people_bad() -> str:
    """A count that is not 1 to MAX_PEOPLE."""
    return PEOPLE_BAD.format(limit=MAX_PEOPLE)


def need_too_long(length: int) -> str:
    """A need over one line."""
    return NEED_TOO_LONG.format(length=length, limit=MAX_NEED)


def help_sent(city: str, number: int) -> str:
    """The last reply to the leader: what happens next, and the national hotline as the fallback."""
    return HELP_SENT.format(city=_e(city), number=number)


def triage_text(
    triage: CityTriage, round_: CheckinRound, city: str, names: dict[int, str], now: datetime | None, tz: ZoneInfo
) -> str:
    """The live summary of one city in the admin chat; without `now`, the body the edits are compared on."""
    lines = [
        TRIAGE.format(round=round_.id, city=_e(city), started=thai_datetime(round_.started_at, tz), asked=triage.asked),
        TRIAGE_COUNTS.format(safe=triage.safe, need_help=triage.need_help, unsure=triage.unsure),
    ]
    if triage.waiting:
        lines.append(TRIAGE_WAITING.format(waiting=triage.waiting, deadline=thai_datetime(round_.unknown_after, tz)))
    if triage.unknown:
        unknown = ", ".join(_e(names.get(chat_id) or str(chat_id)) for chat_id in triage.unknown)
        lines.append(TRIAGE_UNKNOWN.format(count=len(triage.unknown), names=unknown))
    if not triage.waiting and not triage.unknown and triage.asked:
        lines.append(TRIAGE_ALL_ANSWERED)
    if now is not None:
        lines.append(TRIAGE_UPDATED.format(now=thai_datetime(now, tz)))
    if round_.drill:
        lines.insert(0, DRILL_MARK)
    return "\n".join(lines)


def _status(request: HelpRequest, tz: ZoneInfo) -> str:
    label = HELP_STATUS[request.status]
    if request.status == HelpStatus.TAKEN and request.taken_by and request.taken_at:
        return CARD_BY.format(status=label, by=_e(request.taken_by), at=thai_datetime(request.taken_at, tz))
    if request.status == HelpStatus.DONE and request.done_by and request.done_at:
        return CARD_BY.format(status=label, by=_e(request.done_by), at=thai_datetime(request.done_at, tz))
    return label


def help_card(request: HelpRequest, city: str, tz: ZoneInfo, now_safe: bool = False) -> str:
    """One help request in the admin chat: who, where, how many, what, and its status (HTML)."""
    if request.location_source == LocationSource.PIN and request.lat is not None and request.lon is not None:
        where = CARD_PIN.format(lat=request.lat, lon=request.lon)
    elif request.location_source == LocationSource.AREA:
        where = CARD_AREA.format(city=_e(city))
    else:
        where = CARD_NO_LOCATION
    lines = [
        CARD.format(
            number=request.id, city=_e(city), name=_e(request.leader_name), at=thai_datetime(request.created_at, tz)
        ),
        where,
        CARD_PEOPLE.format(people=PEOPLE_COUNT.format(people=request.people) if request.people else NOT_YET),
        CARD_NEED.format(need=_e(request.need) if request.need else NOT_YET),
        CARD_STATUS.format(status=_status(request, tz)),
    ]
    if now_safe and request.status in (HelpStatus.OPEN, HelpStatus.TAKEN):
        lines.append(CARD_NOW_SAFE)
    return "\n".join(lines)


def help_card_buttons(request: HelpRequest) -> list[list[Button]]:
    """รับเรื่องแล้ว while open, ช่วยเหลือแล้ว while open or taken, none once done or withdrawn."""
    if request.status == HelpStatus.OPEN:
        return [[(TAKE, help_data(request.id, "take")), (DONE, help_data(request.id, "done"))]]
    if request.status == HelpStatus.TAKEN:
        return [[(DONE, help_data(request.id, "done"))]]
    return []


def cas_reply(result: CasResult, step: str) -> str:
    """The toast for an admin's press: done, or who got there first."""
    request = result.request
    if result.won:
        return (YOU_TOOK if step == "take" else YOU_FINISHED).format(number=request.id)
    if request.status == HelpStatus.DONE:
        return ALREADY_DONE.format(number=request.id, by=request.done_by or "")
    if request.status == HelpStatus.WITHDRAWN:
        return ALREADY_WITHDRAWN.format(number=request.id)
    return TAKEN_BY_OTHER.format(number=request.id, by=request.taken_by or "")


def help_requests_text(requests: list[HelpRequest], cities: dict[str, str]) -> str:
    """/help_requests: the requests not yet done, oldest first."""
    if not requests:
        return REQUESTS_NONE
    lines = [REQUESTS_HEAD.format(count=len(requests))]
    for request in requests:
        lines.append(
            REQUESTS_LINE.format(
                number=request.id,
                city=_e(cities.get(request.city_id, request.city_id)),
                name=_e(request.leader_name),
                people=PEOPLE_COUNT.format(people=request.people) if request.people else NOT_YET,
                need=_e(request.need) if request.need else NOT_YET,
                status=HELP_STATUS[request.status],
            )
        )
    return "\n".join(lines)


def survey_intro(event: str, sent: datetime, livelihood: Livelihood, tz: ZoneInfo) -> str:
    """The survey's first message: what it is about, then question 1 (HTML)."""
    on = thai_datetime(sent, tz)
    intro = SURVEY_INTRO.format(event=event_label(event), on=on, livelihood=LIVELIHOODS[livelihood])
    return f"{intro}\n\n{SURVEY_ARRIVED}"


def survey_message(event: str, sent: datetime, livelihood: Livelihood, tz: ZoneInfo, drill: bool = False) -> str:
    """The survey as the outbox sends it (HTML); a drill's is marked at the top and the bottom."""
    return drill_marked(survey_intro(event, sent, livelihood, tz), drill)


def arrival_buttons(warning_id: int) -> list[list[Button]]:
    """ทันเวลา / ช้าไป / ไม่ได้รับ on one row."""
    return [[(label, survey_data(warning_id, "arr", arrival)) for arrival, label in ARRIVAL.items()]]


def action_buttons(warning_id: int, livelihood: Livelihood, chosen: list[Action] | None) -> list[list[Button]]:
    """One action per row (✓ when chosen), then ถัดไป."""
    picked = set(chosen or [])
    rows = [
        [((SURVEY_CHOSEN if action in picked else "") + ACTIONS[action], survey_data(warning_id, "act", action))]
        for action in choices(livelihood)
    ]
    return [*rows, [(SURVEY_NEXT, survey_data(warning_id, "next", "-"))]]


def loss_buttons(warning_id: int, question: str) -> list[list[Button]]:
    """The five baht ranges: question 'avd' (avoided) or 'hap' (happened anyway)."""
    items = [(LOSS[r], survey_data(warning_id, question, r)) for r in LossRange]
    return [items[:2], items[2:]]


def livelihood_label(value: str) -> str:
    """A livelihood code in Thai; the total row's ALL as รวม."""
    if value == ALL:
        return TOTAL
    return LIVELIHOODS[Livelihood(value)] if value in set(Livelihood) else value


def impact_summary(report: ImpactReport, title: str, cities: dict[str, str]) -> str:
    """/impact in the admin chat: the totals, then one line per city × livelihood, n everywhere (HTML)."""
    lines = [IMPACT_HEAD.format(title=_e(title))]
    if not report.rows:
        return "\n".join([*lines, IMPACT_NONE])
    total = report.total
    lines.append(
        IMPACT_TOTAL.format(
            warned=total.warned,
            acknowledged=total.acknowledged,
            answered=total.answered,
            on_time=share(total.arrival[Arrival.ON_TIME], total.arrival_n),
            acted=share(total.acted, total.actions_n),
            avoided=range_sum(total.loss_avoided),
            avoided_median=_e(median(total.loss_avoided)),
            happened=range_sum(total.loss_happened),
            happened_median=_e(median(total.loss_happened)),
        )
    )
    for row in report.rows:
        lines.append(_impact_row(row, cities))
    return "\n".join(lines)


def _impact_row(row: ImpactRow, cities: dict[str, str]) -> str:
    return IMPACT_ROW.format(
        city=_e(cities.get(row.city_id, row.city_id)),
        livelihood=livelihood_label(row.livelihood),
        warned=row.warned,
        answered=row.answered,
        acted=share(row.acted, row.actions_n),
        avoided=range_sum(row.loss_avoided),
    )
