"""Thai alert messages: golden files on the real samples, one phone screen, the advice matrix, escaping."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alerts.hazards import UNKNOWN_LABEL, Hazard
from alerts.matching import CityMatcher
from alerts.model import Severity, Status
from alerts.places import place_words
from alerts.render import (
    LIVELIHOODS, MessageKind, advice_for, advice_matrix, event_label, render_alert, sea_areas, thai_datetime,
    thai_when,
)
from alerts.thaiwater import parse_thaiwater
from alerts.thaitext import TELEGRAM_LIMIT, phone_lines, visible_length
from alerts.tmd_news import parse_tmd_news
from tests.helpers.warnings import CITIES, FIXTURES, load_cap, make_warning, water_level_warning

BKK = ZoneInfo("Asia/Bangkok")
GOLDEN = Path(__file__).parent.parent / "golden"
TMD = "tmd_cap_heavy_rain_TMD25680225051318_2.xml"
MAX_LINES = 12
# Golden files that are alerts a leader reads on the phone (the rest are chat and admin texts).
ALERT_GOLDENS = ("tmd_", "kind_", "thaiwater_", "news_", "unknown_", "macao_")


def render(warning, kind=MessageKind.NEW, livelihood="other", own="bo-yang", cities=None, previous=None) -> str:
    """Render as dispatch does: the matched cities, the leader's own city first, its province and sea as focus."""
    matched = [c for c in CITIES if c.id in {m.city_id for m in CityMatcher(CITIES).match(warning)}]
    names = [c.name_th for c in matched] if cities is None else cities
    mine = next((c for c in CITIES if c.id == own), None)
    if mine is not None and mine.name_th not in names and kind is MessageKind.NEW:
        mine = None  # dispatch sends a new alert only to the covered areas
    provinces = [mine.province_code] if mine else [c.province_code for c in matched]
    return render_alert(
        warning,
        kind=kind,
        city_names=names,
        livelihood=livelihood,
        tz=BKK,
        places=place_words(provinces) + sea_areas(provinces),
        own_city=mine.name_th if mine else None,
        previous=previous,
    )


def plain(message: str) -> str:
    """What the phone shows: tags gone, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", message))


# --- golden files -----------------------------------------------------------------------------------

@pytest.mark.parametrize("livelihood", LIVELIHOODS)
def test_golden_tmd_heavy_rain_per_livelihood(golden, livelihood):
    golden(f"tmd_heavy_rain_{livelihood}", render(load_cap(TMD), livelihood=livelihood))


def test_golden_tmd_heavy_rain_fishing_in_phatthalung(golden):
    # Tanot Duan's boats are on the Songkhla lake, not the lower Gulf: TMD's Gulf order is not theirs.
    text = render(load_cap(TMD), livelihood="fishing", own="tanot-duan")
    assert "จนกว่าจะสิ้นสุดประกาศ" not in text
    golden("tmd_heavy_rain_fishing_tanot_duan", text)


# One golden per message kind, each on the sample that carries that kind.
@pytest.mark.parametrize(
    ("name", "fixture", "kind", "livelihood"),
    [
        ("kind_new", TMD, MessageKind.NEW, "fishing"),
        ("kind_cancel", "tmd_cap_cancel_constructed.xml", MessageKind.CANCEL, "farming"),
        ("kind_all_clear", "tmd_cap_allclear_constructed.xml", MessageKind.ALL_CLEAR, "farming"),
        ("kind_drill", "tmd_cap_exercise_constructed.xml", MessageKind.DRILL, "labour"),
    ],
)
def test_golden_per_kind(golden, name, fixture, kind, livelihood):
    golden(name, render(load_cap(fixture), kind=kind, livelihood=livelihood))


def test_golden_update_says_what_changed(golden):
    previous, update = load_cap(TMD), load_cap("tmd_cap_update_constructed.xml")
    text = render(update, kind=MessageKind.UPDATE, livelihood="farming", previous=previous)
    assert text.split("\n")[0] == "🔄 <b>ปรับปรุง</b> · 🔴 <b>อันตรายสูงสุด · ฝนตกหนัก</b>"
    assert "🔄 <b>ระดับสูงขึ้นจาก 🟠 รุนแรง · ขยายเวลา · เปลี่ยนพื้นที่</b>" in text
    assert "🕒 <b>ถึง 26 ก.พ. 68 เวลา 12.00 น.</b>" in text
    golden("kind_update", text)


def test_golden_real_macao_update_with_all_clear(golden):
    # Real SMG Macao Update (three languages, AllClear): the parser picks English; the vocabulary
    # knows a strong monsoon signal as strong wind. No Thai city, so no area line.
    warning = load_cap("cap_example_macao_smg_update_multilang.xml", feed="smg-macao")
    assert warning.is_all_clear
    text = render(warning, kind=MessageKind.ALL_CLEAR, cities=[])
    assert text.split("\n")[0] == "✅ <b>สิ้นสุดการเตือนภัยลมแรง</b>"
    golden("macao_update_all_clear", text)


def test_unknown_event_without_thai_text_gets_the_neutral_label_and_the_agency_words():
    # An event the vocabulary does not know is never named as another hazard, and gets no hazard advice;
    # with no Thai text at all, the agency's own event follows the neutral label.
    warning = load_cap("cap_example_macao_smg_update_multilang.xml", feed="smg-macao")
    warning = warning.model_copy(update={"event": "Volcanic ash", "urgency": "Immediate", "response_type": ()})
    text = render(warning, livelihood="fishing")
    assert text.split("\n")[0] == "🟡 <b>ปานกลาง · ประกาศเตือนภัย: Volcanic ash</b>"


def test_golden_unknown_event_keeps_the_agency_headline(golden):
    warning = make_warning(event="Volcanic ash", headline="เถ้าภูเขาไฟจากทะเลอันดามัน ปิดท่าอากาศยานภูเก็ต")
    text = render(warning, livelihood="trade")
    first = text.split("\n")[0]
    assert first == f"🟠 <b>รุนแรง · {UNKNOWN_LABEL}</b>" and "Volcanic" not in text
    assert "เถ้าภูเขาไฟจากทะเลอันดามัน" in text  # the agency's own Thai headline
    golden("unknown_event_trade", text)


def test_golden_thaiwater_from_the_parser(golden):
    [warning] = parse_thaiwater((FIXTURES / "thaiwater_waterlevel_load_constructed.json").read_bytes(), "thaiwater")
    text = render(warning, livelihood="farming", own="khuan-lang")
    assert text.split("\n")[0] == "🟠 <b>รุนแรง · ระดับน้ำสูงใกล้ตลิ่ง คลองตัวอย่าง (ทดสอบ)</b>"
    assert "🕒 วัดเมื่อ 24 พ.ย. 68 เวลา 05.00 น." in text  # an observation, never "ตั้งแต่"
    # The water against the bank in metres and its direction (from waterlevel_msl_previous).
    assert "📏 สถานีตัวอย่าง (ทดสอบ) · ต่ำกว่าตลิ่ง 0.90 ม. (น้ำกำลังขึ้น)" in text
    golden("thaiwater_level_4_farming", text)


def test_golden_thaiwater_overflow_without_percent(golden):
    warning = water_level_warning(
        event="น้ำล้นตลิ่ง", severity=Severity.EXTREME, parameters=(("river", "คลองอู่ตะเภา"), ("station", "บ้านหาดใหญ่"))
    )
    text = render(warning, livelihood="fishing", own="khuan-lang")
    assert text.split("\n")[0] == "🔴 <b>อันตรายสูงสุด · น้ำล้นตลิ่ง คลองอู่ตะเภา</b>"
    golden("thaiwater_overflow_fishing", text)


def test_golden_warning_news_bulletin(golden):
    [warning] = parse_tmd_news((FIXTURES / "tmd_warning_news_v2_constructed.xml").read_bytes(), "tmd-warning-news")
    text = render(warning, livelihood="fishing", cities=["บ่อยาง", "พะตง"])
    # TMD's Thai title and its number, as TMD writes them; the hazard from the title.
    assert "เรื่อง (ตัวอย่างทดสอบ) ฝนตกหนักถึงหนักมากบริเวณภาคใต้ ฉบับที่ 9" in text
    assert text.split("\n")[0] == "🟡 <b>ปานกลาง · ฝนตกหนัก</b>"
    golden("news_heavy_rain_fishing", text)


# --- one phone screen -------------------------------------------------------------------------------

def _alert_goldens() -> list[Path]:
    return sorted(p for p in GOLDEN.glob("*.txt") if p.name.startswith(ALERT_GOLDENS))


@pytest.mark.parametrize("path", _alert_goldens(), ids=lambda p: p.stem)
def test_every_golden_alert_fits_one_phone_screen(path):
    # The width model counts grapheme clusters per line at 360 px with a margin (alerts.thaitext).
    text = path.read_text(encoding="utf-8")
    marks = text.count("🧪")  # a drill's two marks come on top of the alert
    assert phone_lines(text) <= MAX_LINES + marks, f"{path.name}: {phone_lines(text)} lines"


@pytest.mark.parametrize("own", [c.id for c in CITIES[:5]])
@pytest.mark.parametrize("livelihood", LIVELIHOODS)
def test_real_tmd_fits_with_the_action_in_the_first_six_lines(own, livelihood):
    text = render(load_cap(TMD), livelihood=livelihood, own=own)
    assert phone_lines(text) <= MAX_LINES
    lines = text.split("\n")
    action = next(i for i, line in enumerate(lines) if line.startswith("👉"))
    # The action starts by line 5, so its first two lines are on the first six.
    assert phone_lines("\n".join(lines[:action])) <= 4
    # The notification preview (first 80 characters) names severity, hazard and the leader's own area.
    preview = plain(text)[:80]
    name = next(c.name_th for c in CITIES if c.id == own)
    assert "รุนแรง" in preview and "ฝนตกหนัก" in preview and name in preview
    assert lines[1].startswith(f"📍 <b>{name}</b>")


def test_phone_lines_model_matches_the_review():
    # The review measured the old alert at 21 lines in Chromium (360 px, Noto Sans Thai 16 px); the
    # model with its margin must not count fewer, or it would pass alerts that do not fit.
    old = (GOLDEN.parent / "fixtures" / "old_main_alert_fishing.txt").read_text(encoding="utf-8")
    assert phone_lines(old) >= 21


# --- the advice matrix --------------------------------------------------------------------------------

def test_matrix_has_no_empty_cell():
    matrix = advice_matrix()
    for hazard in Hazard:
        for livelihood in LIVELIHOODS:
            assert matrix.get((hazard, livelihood), "").strip(), f"empty cell {hazard} × {livelihood}"
    assert set(matrix) == {(h, lv) for h in Hazard for lv in LIVELIHOODS}  # nothing outside the grid


# Safety review of the matrix, each case with why.
@pytest.mark.parametrize(
    ("hazard", "livelihood", "must", "must_not"),
    [
        # Small boats stay ashore until the warning ends (TMD, ปภ. 2025).
        (Hazard.WIND_WAVES, "fishing", "เรือเล็กงดออกจากฝั่งจนกว่าจะสิ้นสุดประกาศ", "ขณะมีฝนฟ้าคะนอง"),
        (Hazard.STORM, "fishing", "เรือเล็กงดออกจากฝั่ง", ""),
        # A storm surge: the shore is the danger, so nobody is sent to the boats.
        (Hazard.STORM_SURGE, "fishing", "ออกห่างชายฝั่ง", "นำเรือเข้าฝั่ง"),
        # A flash flood: never back to the stream for the livestock (review D7).
        (Hazard.HEAVY_RAIN, "farming", "อย่ากลับไปต้อนสัตว์ริมลำน้ำ", "ย้ายสัตว์เลี้ยงออกจากที่ลุ่มริมลำน้ำทันที"),
        # Driving or walking through flowing water is the main flood killer.
        (Hazard.HEAVY_RAIN, "labour", "อย่าขับรถหรือเดินลุยน้ำ", ""),
        # ปภ.'s 2025 priorities: documents up, power off before the water, bedridden neighbours.
        (Hazard.HEAVY_RAIN, "other", "เอกสารสำคัญ", ""),
        (Hazard.HEAVY_RAIN, "other", "ตัดไฟก่อนน้ำเข้าบ้าน", ""),
        (Hazard.HEAVY_RAIN, "other", "ผู้ป่วยติดเตียง", ""),
        (Hazard.RIVER, "other", "ตัดไฟก่อนน้ำเข้าบ้าน", ""),
        (Hazard.HEAVY_RAIN, "trade", "ตัดไฟ", ""),
        (Hazard.LANDSLIDE, "other", "ออกจากเชิงเขาทันที", ""),
    ],
)
def test_matrix_safety(hazard, livelihood, must, must_not):
    cell = advice_matrix()[(hazard, livelihood)]
    assert must in cell
    if must_not:
        assert must_not not in cell


def test_every_livelihood_gets_an_action_for_every_hazard():
    for livelihood in LIVELIHOODS:
        for event in ("Heavy Rain", "Volcano", "น้ำล้นตลิ่ง", "Thunderstorm"):
            text = render(make_warning(event=event), livelihood=livelihood)
            assert text.count("👉") == 1
            assert advice_for(event, livelihood)


def test_tmd_small_boat_order_leads_the_fishers_action_on_its_own_coast():
    bo_yang = render(load_cap(TMD), livelihood="fishing", own="bo-yang")
    assert "👉 <b>ชาวประมง: เรือเล็กงดออกจากฝั่งจนกว่าจะสิ้นสุดประกาศ" in bo_yang
    assert "⚠️ กรมอุตุฯ: สำหรับเรือเล็กบริเวณอ่าวไทยตอนล่างควรงดออกจากฝั่ง" in bo_yang


# --- Thai names -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("event", "thai"),
    [
        ("Heavy Rain", "ฝนตกหนัก"),
        ("Flash Flood", "น้ำท่วมฉับพลัน"),
        ("น้ำป่าไหลหลาก", "น้ำป่าไหลหลาก"),  # a Thai source keeps its own word
        ("River overflowing bank", "น้ำล้นตลิ่ง"),  # ThaiWater rows stored before events were Thai
        ("River level high", "ระดับน้ำสูงใกล้ตลิ่ง"),
        ("น้ำล้นตลิ่ง", "น้ำล้นตลิ่ง"),
        ("ลมกรด", "ลมกรด"),  # an unknown event in Thai keeps its own words
        ("Volcano", f"{UNKNOWN_LABEL}: Volcano"),  # no Thai text exists: the agency's word after the neutral label
    ],
)
def test_event_label(event, thai):
    assert event_label(event) == thai


def test_no_english_event_name_in_alerts():
    for event in ("Volcano", "River overflowing bank", "Heavy Rain", "Strong Wind"):
        first = render(make_warning(event=event)).split("\n")[0]
        assert not re.search(r"[A-Za-z]{3,}", first), first


# --- follow-ups -------------------------------------------------------------------------------------

def test_cancel_says_the_earlier_warning_no_longer_applies():
    text = render(make_warning(), kind=MessageKind.CANCEL, livelihood="farming")
    assert text.split("\n")[0] == "⛔ <b>ยกเลิกประกาศเตือนภัยฝนตกหนัก</b>"
    assert "ไม่ต้องปฏิบัติตามประกาศเดิม" in text and "👉" not in text
    assert "🕒 ยกเลิกเมื่อ 25 ก.พ. 68 เวลา 17.13 น." in text


# Every hazard's all-clear warns of what remains.
@pytest.mark.parametrize(
    ("event", "remains"),
    [("Heavy Rain", "น้ำในคลองอาจยังขึ้นอีก"), ("Landslide", "ดินยังถล่มได้อีก"), ("น้ำล้นตลิ่ง", "น้ำยังอาจขึ้นอีก")],
)
def test_all_clear_names_the_hazard_and_what_remains(event, remains):
    text = render(make_warning(event=event), kind=MessageKind.ALL_CLEAR)
    assert text.split("\n")[0].startswith("✅ <b>สิ้นสุดการเตือนภัย")
    assert remains in text and "👉" not in text


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"severity": Severity.MODERATE}, "ระดับลดลงจาก 🟠 รุนแรง"),
        ({"expires": datetime(2025, 2, 26, 3, 0, tzinfo=timezone(timedelta(hours=7)))}, "สิ้นสุดเร็วขึ้น"),
        ({"headline": "ฝนตกหนักถึงหนักมาก"}, "ปรับปรุงรายละเอียด"),  # nothing leaders act on changed
    ],
)
def test_update_says_what_changed(change, expected):
    text = render(make_warning(**change), kind=MessageKind.UPDATE, previous=make_warning(), cities=["บ่อยาง"])
    assert text.split("\n")[0].startswith("🔄 <b>ปรับปรุง</b>")
    assert f"🔄 <b>{expected}</b>" in text


def test_update_that_drops_the_leaders_area_says_so(golden):
    # The Tanot Duan leader had the warning; the update covers only Songkhla's cities (review D4).
    update = load_cap("tmd_cap_update_constructed.xml")
    text = render(update, kind=MessageKind.UPDATE, livelihood="fishing", own="tanot-duan",
                  cities=["บ่อยาง", "พะตง", "ควนลัง", "ปาดังเบซาร์"], previous=load_cap(TMD))
    lines = text.split("\n")
    assert lines[0] == "🔄 <b>ประกาศฉบับใหม่ไม่รวมพื้นที่โตนดด้วนแล้ว</b>"
    assert lines[1].startswith("ฝนตกหนัก · ยังเตือนที่ บ่อยาง")
    assert "👉" not in text and "🔴" not in text and "<b>บ่อยาง</b>" not in text
    golden("kind_update_area_dropped", text)


def test_follow_up_never_calls_an_uncovered_area_the_leaders_own():
    text = render(make_warning(), kind=MessageKind.ALL_CLEAR, own="tanot-duan", cities=["บ่อยาง"])
    assert "📍 บ่อยาง" in text and "โตนดด้วน" not in text


def test_drill_marked_top_and_bottom():
    text = render(make_warning(), kind=MessageKind.DRILL)
    lines = text.split("\n")
    assert "ซ้อม" in lines[0] and "ซ้อม" in lines[-1]


def test_exercise_status_is_marked_whatever_the_kind():
    # A CAP Exercise sent as an update must still never look real.
    text = render(make_warning(status=Status.EXERCISE), kind=MessageKind.UPDATE, cities=["บ่อยาง"])
    lines = text.split("\n")
    assert "ซ้อม" in lines[0] and "ซ้อม" in lines[-1]
    assert "ซ้อม" not in render(make_warning())


# --- escaping and limits ----------------------------------------------------------------------------

ALLOWED_TAGS = {"b", "/b", "a", "/a"}


def test_feed_text_is_escaped():
    evil = 'A < B && C > D <b>fake</b> <script>alert(1)</script> <a href="http://evil">x</a> &amp;'
    warning = make_warning(
        event=evil, headline=evil, description=evil, instruction=evil, sender_name=evil, sender="x", feed="x", web=""
    )
    text = render(warning, cities=[evil])
    tags = {m.group(1) for m in re.finditer(r"<(/?\w+)", text)}
    assert tags <= ALLOWED_TAGS
    assert "evil" not in re.findall(r'href="([^"]*)"', text)
    assert "<script>" not in text
    assert "A < B && C > D" in plain(text)  # the feed's own words, character for character


# Only http(s) links become links; anything else shows the sender without a link.
@pytest.mark.parametrize(
    ("web", "linked"),
    [
        ("https://www.tmd.go.th/x?a=1&b=2", True),
        ("javascript:alert(1)", False),
        ('https://x.example/"><script>', True),  # kept as a link, its quote and brackets escaped
        ("", False),
    ],
)
def test_source_link(web, linked):
    text = render(make_warning(web=web))
    assert ("<a href=" in text) is linked
    assert "<script>" not in text
    if web.startswith("https://www"):
        assert 'href="https://www.tmd.go.th/x?a=1&amp;b=2"' in text


# Event names from the vocabulary; an unknown event with no Thai text gets the neutral label and the
# feed's own words (escaped); never another hazard's name.
@pytest.mark.parametrize(
    ("event", "thai"),
    [
        ("Heavy Rain", "ฝนตกหนัก"),
        ("Flood", "น้ำท่วม"),
        ("Flash Flood", "น้ำท่วมฉับพลัน"),
        ("Storm", "ประกาศเตือนภัย: Storm"),  # a bare storm may be an ice or dust storm: not named
        ("Tropical Storm", "พายุโซนร้อน"),
        ("Ice Storm", "ประกาศเตือนภัย: Ice Storm"),
        ("Thunderstorm", "พายุฝนฟ้าคะนอง"),
        ("Strong Wind and High Waves", "คลื่นลมแรง"),
        ("ฝนตกหนัก", "ฝนตกหนัก"),
        ("Heat Wave", "อากาศร้อนจัด"),
        ("Training", "ประกาศเตือนภัย: Training"),  # "rain" is a word, not a substring
        ("Volcano <eruption>", "ประกาศเตือนภัย: Volcano &lt;eruption&gt;"),
    ],
)
def test_event_in_thai(event, thai):
    first = render(make_warning(event=event, headline=""), cities=["บ่อยาง"]).split("\n")[0]
    assert first == f"🟠 <b>รุนแรง · {thai}</b>"


def test_huge_feed_text_stays_within_telegram_limit():
    long_thai = "ฝนตกหนักถึงหนักมากที่ตกสะสม " * 2000
    warning = make_warning(event=long_thai, headline=long_thai, description=long_thai, instruction=long_thai)
    text = render(warning, cities=[long_thai] * 50)
    assert visible_length(text) <= TELEGRAM_LIMIT
    assert phone_lines(text) <= MAX_LINES
    assert text.split("\n")[-1].startswith("ที่มา:")


# Buddhist era (+543) and Bangkok time whatever the input offset.
@pytest.mark.parametrize(
    ("moment", "thai", "short"),
    [
        (datetime(2025, 2, 25, 11, 0, tzinfo=UTC), "25 ก.พ. 2568 18:00 น.", "25 ก.พ. 68 เวลา 18.00 น."),
        (datetime(2024, 12, 31, 17, 0, tzinfo=UTC), "1 ม.ค. 2568 00:00 น.", "1 ม.ค. 68 เวลา 00.00 น."),
        (
            datetime(2025, 4, 13, 6, 0, tzinfo=timezone(timedelta(hours=8))),
            "13 เม.ย. 2568 05:00 น.",
            "13 เม.ย. 68 เวลา 05.00 น.",
        ),
    ],
)
def test_thai_datetime(moment, thai, short):
    assert thai_datetime(moment, BKK) == thai
    assert thai_when(moment, BKK) == short


def test_open_window_without_expiry():
    text = render(make_warning(expires=None))
    assert "🕒 <b>มีผลตั้งแต่ 25 ก.พ. 68 เวลา 18.00 น.</b> (ยังไม่กำหนดสิ้นสุด)" in text
