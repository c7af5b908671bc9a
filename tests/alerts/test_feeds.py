"""TMD WeatherWarningNews (v2 XML, v1 JSON) and ThaiWater waterlevel_load parsing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.errors import ParseError
from alerts.model import Severity, Urgency
from alerts.thaiwater import level_from_percent, parse_thaiwater
from alerts.tmd_news import parse_tmd_news, parse_tmd_news_json, parse_tmd_news_xml

BKK = timezone(timedelta(hours=7))


def test_news_v2_xml(fixture_path):
    [w] = parse_tmd_news_xml(fixture_path("tmd_warning_news_v2_constructed.xml").read_bytes(), "news")
    assert w.sent == datetime(2025, 11, 24, 5, 0, tzinfo=BKK)  # local time, no zone in the feed
    assert w.expires == datetime(2025, 11, 26, 6, 0, tzinfo=BKK)
    assert w.identifier == "202511240500-9"
    assert "สงขลา" in w.areas[0].desc  # kept for name matching: the feed has no codes
    assert w.headline.startswith("(ตัวอย่างทดสอบ) ขอให้ประชาชน")


def _news(**fields: str) -> bytes:
    item = {"IssueNo": "4", "TitleThai": "คลื่นลมแรงบริเวณทะเลอันดามัน", "AnnounceDate": "2025-11-24 05:00:00"}
    return json.dumps({"Warnings": [{**item, **fields}]}).encode()


# Severity from TMD's own words: an order to act or the red level makes a bulletin at least Severe.
@pytest.mark.parametrize(
    ("fields", "severity"),
    [
        ({}, Severity.MODERATE),  # a numbered bulletin: at least Moderate
        ({"HeadlineThai": "ขอให้ประชาชนระวังอันตราย"}, Severity.MODERATE),  # "beware" is no order
        ({"DescriptionThai": "เรือเล็กควรงดออกจากฝั่ง"}, Severity.SEVERE),  # TMD's mariner order
        ({"DescriptionThai": "เรือเล็กควรงด\nออกจากฝั่ง"}, Severity.SEVERE),  # even across a line break
        ({"HeadlineThai": "ขอให้ประชาชนงดเดินทางบริเวณชายฝั่ง"}, Severity.SEVERE),
        ({"DescriptionThai": "พื้นที่เสี่ยงภัยระดับสีแดง"}, Severity.SEVERE),  # TMD's red level
        ({"HeadlineThai": "เตรียมอพยพ"}, Severity.SEVERE),
    ],
)
def test_news_severity_from_content(fields, severity):
    [w] = parse_tmd_news_json(_news(**fields), "news")
    assert w.severity is severity


def test_news_keeps_thai_title_and_issue(fixture_path):
    [w] = parse_tmd_news_xml(fixture_path("tmd_warning_news_v2_constructed.xml").read_bytes(), "news")
    assert w.event.startswith("(ตัวอย่างทดสอบ) ฝนตกหนักถึงหนักมาก")
    assert w.parameter("issue_no") == "9" and w.parameter("title_th") == w.event


def test_news_root_name_does_not_matter():
    # The v2 root element is unconfirmed: <Warning> is found anywhere.
    doc = ("<WeatherForecastDaily><a><b><Warning><IssueNo>3</IssueNo><TitleThai>ฝนตกหนัก</TitleThai>"
           "<AnnounceDate>2568-11-24 05:00</AnnounceDate></Warning></b></a></WeatherForecastDaily>").encode()
    [w] = parse_tmd_news(doc, "news")
    assert w.sent == datetime(2025, 11, 24, 5, 0, tzinfo=BKK)  # BE year and no seconds
    assert w.expires is None


def test_news_v1_json():
    doc = {"header": {"status": "200 OK"}, "Warnings": {"Warning": [
        {"IssueNo": 2, "TitleThai": "พายุ", "TitleEnglish": "Storm", "AnnounceDate": "2025-11-24 05:00:00",
         "EffectEndDate": "2025-11-25 05:00:00", "DescriptionThai": "จังหวัดสงขลา"}]}}
    [w] = parse_tmd_news_json(json.dumps(doc).encode(), "news")
    # The Thai title is the event leaders read; the English one stays a parameter.
    assert (w.event, w.identifier, w.areas[0].desc) == ("พายุ", "202511240500-2", "จังหวัดสงขลา")
    assert w.parameter("title_en") == "Storm"


def test_news_with_no_warnings_is_empty():
    assert parse_tmd_news(b"<WeatherWarningNews><Warnings/></WeatherWarningNews>", "news") == []


@pytest.mark.parametrize(
    "data",
    [
        b"{not json",  # broken JSON
        b'{"Warnings": [{"IssueNo": 1}]}',  # no AnnounceDate: cannot place it in time
        b"<Warnings><Warning><IssueNo>1</IssueNo><TitleThai>x</TitleThai><AnnounceDate>soon</AnnounceDate></Warning></Warnings>",
    ],
)
def test_news_bad_input(data):
    with pytest.raises(ParseError):
        parse_tmd_news(data, "news")


def test_thaiwater_sample(fixture_path):
    [w] = parse_thaiwater(fixture_path("thaiwater_waterlevel_load_constructed.json").read_bytes(), "tw")
    assert w.key == ("thaiwater", "station-900001")
    assert w.severity is Severity.SEVERE and w.urgency is Urgency.IMMEDIATE
    assert w.parameter("river") == "คลองตัวอย่าง (ทดสอบ)"
    assert w.event == "ระดับน้ำสูงใกล้ตลิ่ง"  # Thai wherever leaders and admins read it
    assert (w.parameter("bank_diff"), w.parameter("bank_diff_text")) == ("0.90", "ต่ำกว่าตลิ่ง")
    assert w.parameter("waterlevel_msl_previous") == "6.98"
    assert w.parameter("bank_percent") == "88.75" and w.parameter("situation_level") == "4"
    codes = {(g.name, g.value) for g in w.areas[0].geocodes}
    # The station's district and subdistrict, not its whole province: a high river in Hat Yai concerns
    # Khuan Lang and Phatong, not Bo Yang in Mueang Songkhla.
    assert codes == {("TH-AMPHOE", "9011"), ("TH-TAMBON", "901102")}
    assert w.sent == datetime(2025, 11, 24, 5, 0, tzinfo=BKK)


def test_thaiwater_station_matches_its_district_only(fixture_path):
    from alerts.matching import CityMatcher
    from bot.settings import load_settings
    from tests.conftest import ROOT

    cities = [c.to_city() for c in load_settings(ROOT / "config.example.toml").cities]
    [w] = parse_thaiwater(fixture_path("thaiwater_waterlevel_load_constructed.json").read_bytes(), "tw")
    assert [m.city_id for m in CityMatcher(cities).match(w)] == ["phatong", "khuan-lang"]


def test_thaiwater_row_without_district_falls_back_to_province():
    data = json.dumps({"waterlevel_data": {"data": [_row(situation_level="5")]}}).encode()
    [w] = parse_thaiwater(data, "tw")
    assert {(g.name, g.value) for g in w.areas[0].geocodes} == {("TH-PROVINCE", "90"), ("ISO3166-2", "TH-90")}


def _row(**kw):
    row = {"waterlevel_datetime": "2025-11-24 05:00", "station": {"id": 7}, "river_name": "คลองอู่ตะเภา",
           "geocode": {"province_code": "90"}}
    row.update(kw)
    return row


@pytest.mark.parametrize(
    ("row", "min_level", "expect"),
    [
        (_row(situation_level="5"), 4, ("warn", Severity.EXTREME)),  # level as a string
        (_row(situation_level=None, storage_percent="101.5"), 4, ("warn", Severity.EXTREME)),  # from percent
        (_row(situation_level=None, storage_percent="75"), 4, ("warn", Severity.SEVERE)),
        (_row(situation_level=None, storage_percent="75"), 5, ("clear", Severity.MINOR)),  # configured level
        (_row(situation_level=3), 4, ("clear", Severity.MINOR)),  # below: an all-clear for that station
        (_row(situation_level=None, storage_percent=None), 4, None),  # no reading: nothing
        (_row(situation_level=None, storage_percent=""), 4, None),
    ],
)
def test_thaiwater_levels(row, min_level, expect):
    out = parse_thaiwater(json.dumps({"waterlevel_data": {"data": [row]}}).encode(), "tw", min_level=min_level)
    if expect is None:
        assert out == []
        return
    [w] = out
    assert ("clear" if w.is_all_clear else "warn", w.severity) == expect


@pytest.mark.parametrize(
    ("percent", "level"), [(100.1, 5), (100, 4), (70.5, 4), (70, 3), (31, 3), (11, 2), (10, 1), (-5, 1)]
)
def test_level_from_percent(percent, level):
    # HAII's scale uses strict ">" thresholds.
    assert level_from_percent(percent) == level


@pytest.mark.parametrize(
    "data",
    [b"[]x", b'{"waterlevel_data": {"data": "nope"}}', b'{"data": [1]}',
     b'{"data": [{"situation_level": "high", "station": {"id": 1}}]}',
     b'{"data": [{"situation_level": 4, "station": {"id": 1}}]}'],  # no observation time
)
def test_thaiwater_bad_input(data):
    with pytest.raises(ParseError):
        parse_thaiwater(data, "tw")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_news_and_thaiwater(data):
    for parse in (lambda d: parse_tmd_news(d, "n"), lambda d: parse_thaiwater(d, "t")):
        try:
            parse(data)
        except ParseError:
            pass


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(
        st.sampled_from(["data", "waterlevel_data", "station", "id", "situation_level", "storage_percent",
                         "waterlevel_datetime", "geocode", "province_code", "IssueNo", "TitleThai", "AnnounceDate",
                         "Warnings", "river_name"]), kids, max_size=6),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_any_json_news_and_thaiwater(doc):
    data = json.dumps(doc).encode()
    for parse in (lambda d: parse_tmd_news(d, "n"), lambda d: parse_thaiwater(d, "t")):
        try:
            parse(data)
        except ParseError:
            pass
