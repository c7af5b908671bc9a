"""Thai alert messages: golden files on the real samples, escaping, advice rows, dates, length."""

from __future__ import annotations

import csv
import html
import re
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alerts.matching import CityMatcher
from alerts.model import Status
from alerts.places import place_words
from alerts.render import MessageKind, advice_for, event_key, render_alert, thai_datetime
from alerts.thaitext import TELEGRAM_LIMIT, visible_length
from tests.helpers.warnings import CITIES, load_cap, make_warning, water_level_warning

BKK = ZoneInfo("Asia/Bangkok")
DATA = Path(__file__).parent.parent.parent / "alerts" / "data"
LIVELIHOODS = ["fishing", "farming", "labour", "trade", "other"]
TMD = "tmd_cap_heavy_rain_TMD25680225051318_2.xml"


def render(warning, kind=MessageKind.NEW, livelihood="other", cities=None) -> str:
    """Render as the poller would: the matched cities' Thai names, their provinces as focus."""
    matched = [c for c in CITIES if c.id in {m.city_id for m in CityMatcher(CITIES).match(warning)}]
    return render_alert(
        warning,
        kind=kind,
        city_names=[c.name_th for c in matched] if cities is None else cities,
        livelihood=livelihood,
        tz=BKK,
        places=place_words(c.province_code for c in matched),
    )


@pytest.mark.parametrize("livelihood", LIVELIHOODS)
def test_golden_tmd_heavy_rain_per_livelihood(golden, livelihood):
    golden(f"tmd_heavy_rain_{livelihood}", render(load_cap(TMD), livelihood=livelihood))


# One golden per message kind, each on the sample that carries that kind.
@pytest.mark.parametrize(
    ("name", "fixture", "kind", "livelihood"),
    [
        ("kind_new", TMD, MessageKind.NEW, "fishing"),
        ("kind_update", "tmd_cap_update_constructed.xml", MessageKind.UPDATE, "farming"),
        ("kind_cancel", "tmd_cap_cancel_constructed.xml", MessageKind.CANCEL, "farming"),
        ("kind_all_clear", "tmd_cap_allclear_constructed.xml", MessageKind.ALL_CLEAR, "farming"),
        ("kind_drill", "tmd_cap_exercise_constructed.xml", MessageKind.DRILL, "labour"),
    ],
)
def test_golden_per_kind(golden, name, fixture, kind, livelihood):
    golden(name, render(load_cap(fixture), kind=kind, livelihood=livelihood))


def test_golden_real_macao_update_with_all_clear(golden):
    # Real SMG Macao Update (three languages, AllClear): the parser picks English; the vocabulary
    # knows a strong monsoon signal as strong wind. No Thai city, so no area line.
    warning = load_cap("cap_example_macao_smg_update_multilang.xml", feed="smg-macao")
    assert warning.is_all_clear
    text = render(warning, kind=MessageKind.ALL_CLEAR, cities=[])
    assert "<b>ลมแรง</b>" in text
    golden("macao_update_all_clear", text)


def test_unknown_event_gets_the_neutral_label_and_the_agency_words(golden):
    # An event the vocabulary does not know is never named as another hazard, and gets no advice.
    warning = load_cap("cap_example_macao_smg_update_multilang.xml", feed="smg-macao")
    warning = warning.model_copy(update={"event": "Volcanic ash", "urgency": "Immediate", "response_type": ()})
    text = render(warning, livelihood="fishing")
    assert "<b>ประกาศเตือนภัย: Volcanic ash</b>" in text and "👉" not in text


def test_golden_water_level(golden):
    warning = water_level_warning()
    text = render(warning, livelihood="farming")
    assert "ระดับน้ำ คลองตัวอย่าง (ทดสอบ) 89% ของตลิ่ง" in text
    golden("kind_water_level", text)


def test_real_tmd_message_shape():
    text = render(load_cap(TMD), livelihood="farming")
    lines = text.split("\n")
    assert lines[0] == "🟠 <b>รุนแรง</b> · <b>ฝนตกหนัก</b>"
    assert lines[1] == "📍 พื้นที่: บ่อยาง, พะตง, ควนลัง, ปาดังเบซาร์, โตนดด้วน"
    assert lines[2] == "🕒 25 ก.พ. 2568 18:00 น. – 26 ก.พ. 2568 06:00 น."
    assert lines[-1] == 'ที่มา: กรมอุตุนิยมวิทยา · <a href="https://www.tmd.go.th/forecast/daily">อ่านฉบับเต็ม</a>'
    # The southern paragraph of TMD's nationwide instruction comes first for southern cities.
    assert "คำแนะนำ: ขอให้ประชาชนในบริเวณภาคใต้ระวังอันตรายจากฝนตกหนักถึงหนักมาก" in text
    # One phone screen: about 700 characters, the rest behind the link.
    assert visible_length(text) <= 720


def test_places_put_their_paragraphs_first():
    warning = make_warning(
        description="ภาคเหนือ: อากาศเย็น\nภาคใต้: ฝนตกหนักถึงหนักมาก", instruction="ระวังฟ้าผ่า\nภาคใต้ระวังน้ำป่า"
    )
    plain = render_alert(warning, kind=MessageKind.NEW, city_names=["บ่อยาง"], livelihood="other", tz=BKK)
    south = render_alert(
        warning, kind=MessageKind.NEW, city_names=["บ่อยาง"], livelihood="other", tz=BKK, places=place_words(["90"])
    )
    assert "ภาคเหนือ: อากาศเย็น ภาคใต้: ฝนตกหนักถึงหนักมาก" in plain
    assert "คำแนะนำ: ระวังฟ้าผ่า ภาคใต้ระวังน้ำป่า" in plain
    assert "ภาคใต้: ฝนตกหนักถึงหนักมาก ภาคเหนือ: อากาศเย็น" in south
    assert "คำแนะนำ: ภาคใต้ระวังน้ำป่า ระวังฟ้าผ่า" in south


# The first line says what the message is; cancel and all-clear drop severity and advice.
@pytest.mark.parametrize(
    ("kind", "first", "has_advice"),
    [
        (MessageKind.NEW, "🟠 <b>รุนแรง</b>", True),
        (MessageKind.UPDATE, "🔄 <b>ปรับปรุงประกาศ</b>", True),
        (MessageKind.CANCEL, "❎ <b>ยกเลิกประกาศ</b>", False),
        (MessageKind.ALL_CLEAR, "✅ <b>สิ้นสุดแล้ว</b>", False),
    ],
)
def test_first_line_per_kind(kind, first, has_advice):
    text = render(make_warning(), kind=kind, livelihood="farming", cities=["บ่อยาง"])
    assert text.split("\n")[0].startswith(first)
    assert ("👉" in text) is has_advice


def test_drill_marked_top_and_bottom():
    text = render(make_warning(), kind=MessageKind.DRILL, cities=["บ่อยาง"])
    lines = text.split("\n")
    assert "ซ้อม" in lines[0] and "ซ้อม" in lines[-1]


def test_exercise_status_is_marked_whatever_the_kind():
    # A CAP Exercise sent as an update must still never look real.
    text = render(make_warning(status=Status.EXERCISE), kind=MessageKind.UPDATE, cities=["บ่อยาง"])
    lines = text.split("\n")
    assert "ซ้อม" in lines[0] and "ซ้อม" in lines[-1]
    assert "ซ้อม" not in render(make_warning(), cities=["บ่อยาง"])


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
    assert "<script>" not in text and "&lt;script&gt;" in text
    # What the leader sees is the feed's text, character for character.
    visible = html.unescape(re.sub(r"<[^>]*>", "", text))
    assert evil in visible
    assert "&amp;amp;" in text  # the feed's literal "&amp;" shows as "&amp;", not "&"


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
    text = render(make_warning(web=web), cities=["บ่อยาง"])
    assert ("<a href=" in text) is linked
    assert "<script>" not in text
    if web.startswith("https://www"):
        assert 'href="https://www.tmd.go.th/x?a=1&amp;b=2"' in text


def _advice_rows() -> list[dict[str, str]]:
    return list(csv.DictReader((DATA / "advice.csv").read_text(encoding="utf-8").splitlines()))


def _event_for(key: str) -> str:
    """A feed event text that the vocabulary maps to this key."""
    classes = tomllib.loads((DATA / "hazards.toml").read_text(encoding="utf-8"))["class"]
    return next(c["terms"]["en"][0] for c in classes if c["key"] == key)


@pytest.mark.parametrize("row", _advice_rows(), ids=lambda r: f"{r['event']}-{r['livelihood']}")
def test_advice_row(row):
    event = _event_for(row["event"])
    assert event_key(event) == row["event"]
    text = render(make_warning(event=event), livelihood=row["livelihood"], cities=["บ่อยาง"])
    assert f"👉 {row['advice']}" in text
    assert text.count("👉") == 1


def test_advice_table_is_sound():
    rows = _advice_rows()
    keys = {c["key"] for c in tomllib.loads((DATA / "hazards.toml").read_text(encoding="utf-8"))["class"]}
    assert {r["livelihood"] for r in rows} <= set(LIVELIHOODS)
    assert {r["event"] for r in rows} <= keys
    assert len({(r["event"], r["livelihood"]) for r in rows}) == len(rows)
    # Fishing and strong wind/waves: small boats stay ashore. Farming and heavy rain: livestock up.
    assert "เรือเล็กงดออกจากฝั่ง" in advice_for("Strong Wind", "fishing")
    assert "ย้ายสัตว์เลี้ยง" in advice_for("Heavy Rain", "farming")
    assert advice_for("Heavy Rain", "other") is None
    assert advice_for("Volcano", "fishing") is None


# Event names from the vocabulary; an unknown event gets the neutral label and the feed's own text.
@pytest.mark.parametrize(
    ("event", "thai"),
    [
        ("Heavy Rain", "ฝนตกหนัก"),
        ("Flood", "น้ำท่วม"),
        ("Flash Flood", "น้ำป่าไหลหลาก"),
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
    first = render(make_warning(event=event), cities=["บ่อยาง"]).split("\n")[0]
    assert first == f"🟠 <b>รุนแรง</b> · <b>{thai}</b>"


# Buddhist era (+543) and Bangkok time whatever the input offset.
@pytest.mark.parametrize(
    ("moment", "thai"),
    [
        (datetime(2025, 2, 25, 11, 0, tzinfo=UTC), "25 ก.พ. 2568 18:00 น."),
        (datetime(2024, 12, 31, 17, 0, tzinfo=UTC), "1 ม.ค. 2568 00:00 น."),
        (datetime(2025, 4, 13, 6, 0, tzinfo=timezone(timedelta(hours=8))), "13 เม.ย. 2568 05:00 น."),
        (datetime(2025, 11, 24, 5, 0, tzinfo=timezone(timedelta(hours=7))), "24 พ.ย. 2568 05:00 น."),
    ],
)
def test_thai_datetime(moment, thai):
    assert thai_datetime(moment, BKK) == thai


def test_cancel_and_all_clear_show_issue_time_not_window():
    for kind in (MessageKind.CANCEL, MessageKind.ALL_CLEAR):
        text = render(make_warning(), kind=kind, cities=["บ่อยาง"])
        assert "🕒 ประกาศเมื่อ 25 ก.พ. 2568 17:13 น." in text
        assert "26 ก.พ." not in text


def test_open_window_without_expiry():
    text = render(make_warning(expires=None), cities=["บ่อยาง"])
    assert "🕒 ตั้งแต่ 25 ก.พ. 2568 18:00 น." in text


def test_huge_feed_text_stays_within_telegram_limit():
    long_thai = "ฝนตกหนักถึงหนักมากที่ตกสะสม " * 2000
    warning = make_warning(event=long_thai, headline=long_thai, description=long_thai, instruction=long_thai)
    text = render(warning, cities=[long_thai] * 50)
    assert visible_length(text) <= TELEGRAM_LIMIT
    assert visible_length(text) <= 1600
    assert text.split("\n")[-1].startswith("ที่มา:")


def test_water_level_without_percent_or_river():
    warning = water_level_warning(parameters=(("station", "สถานี ก"), ("bank_percent", "n/a")))
    assert "ระดับน้ำ สถานี ก" in render(warning).split("\n")[0]
