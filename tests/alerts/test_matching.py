"""Matching warnings to cities: each route, the trust order, the real TMD sample, the severity floor."""

from __future__ import annotations

import json

import pytest
import shapely

from alerts.matching import BoundaryError, CityMatch, CityMatcher, MatchReason, passes_floor
from alerts.model import Circle, City, Severity, Warning
from tests.helpers.warnings import CITIES, area, box, load_cap, make_warning

SONGKHLA = ["bo-yang", "phatong", "khuan-lang", "padang-besar"]


@pytest.fixture(scope="module")
def matcher() -> CityMatcher:
    return CityMatcher(CITIES)


def ids(matches: list[CityMatch]) -> list[str]:
    return [m.city_id for m in matches]


def test_real_tmd_sample_matches_songkhla_and_phatthalung_not_satun(matcher):
    warning = load_cap("tmd_cap_heavy_rain_TMD25680225051318_2.xml")
    matches = matcher.match(warning)
    assert ids(matches) == [*SONGKHLA, "tanot-duan"]
    assert {m.reason for m in matches} == {MatchReason.GEOCODE}
    assert [m.detail for m in matches] == ["TH-90"] * 4 + ["TH-93"]


def test_real_tmd_polygons_alone_give_the_same_cities(matcher):
    # Without its geocodes the sample's 107 polygons (lon,lat fixed by the parser) must still
    # cover the five cities and leave Satun's la-ngu out.
    warning = load_cap("tmd_cap_heavy_rain_TMD25680225051318_2.xml")
    stripped = warning.model_copy(update={"areas": tuple(a.model_copy(update={"geocodes": ()}) for a in warning.areas)})
    matches = matcher.match(stripped)
    assert ids(matches) == [*SONGKHLA, "tanot-duan"]
    assert all(m.reason is MatchReason.POLYGON and m.detail.startswith("polygon #") for m in matches)


# Geocode route: ISO codes name a province; Thai admin codes of 2, 4 or 6 digits contain a tambon.
@pytest.mark.parametrize(
    ("geocodes", "expected"),
    [
        ([("ISO3166-2", "TH-90")], SONGKHLA),
        ([("ISO3166-2", "th-93")], ["tanot-duan"]),  # lower case from a sloppy feed still counts
        ([("ISO3166-2", "TH-91")], ["la-ngu"]),
        ([("TIS-1099", "90")], SONGKHLA),
        ([("TIS-1099", "9011")], ["phatong", "khuan-lang"]),  # amphoe Hat Yai
        ([("TIS-1099", "901007")], ["padang-besar"]),
        ([("TIS-1099", "901008")], []),  # a neighbouring tambon is not the city
        ([("SAME", "900101")], []),  # a US SAME code that happens to look Thai
        ([("ISO3166-2", "TH-92")], []),
        ([("TH-TAMBON", "901007")], ["padang-besar"]),  # ThaiWater's DOPA codes
        ([("TH-AMPHOE", "9011")], ["phatong", "khuan-lang"]),
        ([("TH-TAMBON", "90")], []),  # a scheme's codes have one length: 90 is no tambon
        ([("iso 3166-2", "TH-93")], ["tanot-duan"]),  # the scheme name however spaced or cased
        ([("http://www.iso.org/iso/country_codes.html", "TH-91")], ["la-ngu"]),  # BoM's name for ISO 3166
        ([("Taiwan_Geocode_103", "90")], []),  # CWA township codes: never a Thai province
        ([("Taiwan_Geocode_100", "6300000")], []),
        ([("profile:CAP-CP:Location:0.3", "9011")], []),  # a Canadian CLC code that looks like Hat Yai
        ([("STATE", "93")], []),  # any scheme floodbot does not know, whatever its digits
        ([("DICO", "TH-90")], []),  # an ISO-looking value under an unknown scheme
        ([("ISO3166-2", "AU-NSW")], []),
    ],
)
def test_geocode_route(matcher, geocodes, expected):
    matches = matcher.match(make_warning(areas=(area(geocodes=geocodes),)))
    assert ids(matches) == expected
    assert all(m.reason is MatchReason.GEOCODE for m in matches)


def test_geocode_detail_names_the_code(matcher):
    matches = matcher.match(make_warning(areas=(area(geocodes=[("TIS-1099", "9011")]),)))
    assert [m.detail for m in matches] == ["9011", "9011"]


def test_polygon_route_contains_point(matcher):
    warning = make_warning(areas=(area(polygons=[box(0, 0), box(6.933, 99.777)]),))
    assert matcher.match(warning) == [CityMatch(city_id="la-ngu", reason=MatchReason.POLYGON, detail="polygon #2")]


def test_polygon_numbering_runs_across_areas(matcher):
    warning = make_warning(areas=(area(polygons=[box(0, 0)]), area(polygons=[box(7.718, 100.036)])))
    assert matcher.match(warning)[0].detail == "polygon #2"


def test_polygon_missing_the_point_does_not_match(matcher):
    # 0.05 degrees (~5 km) east of la-ngu.
    warning = make_warning(areas=(area(polygons=[box(6.933, 99.877, half=0.04)]),))
    assert matcher.match(warning) == []


def test_self_crossing_polygon_still_matches(matcher):
    # A bow-tie ring (invalid for GEOS) whose left lobe holds la-ngu is used, not dropped.
    lat, lon = 6.933, 99.777 + 0.05
    ring = [(lat - 0.1, lon - 0.1), (lat + 0.1, lon + 0.1), (lat - 0.1, lon + 0.1), (lat + 0.1, lon - 0.1)]
    assert not shapely.Polygon([(x, y) for y, x in ring]).is_valid
    assert ids(matcher.match(make_warning(areas=(area(polygons=[ring]),)))) == ["la-ngu"]


def test_degenerate_ring_is_skipped(matcher):
    warning = make_warning(areas=(area(polygons=[[(6.9, 99.7), (6.9, 99.7)], box(6.933, 99.777)]),))
    assert matcher.match(warning)[0].detail == "polygon #2"


# Circle route: about 111 km per degree of latitude, so 10 km reaches 0.09 degrees.
@pytest.mark.parametrize(
    ("circle", "expected"),
    [
        (Circle(lat=6.933 + 0.08, lon=99.777, radius_km=10), ["la-ngu"]),
        (Circle(lat=6.933 + 0.10, lon=99.777, radius_km=10), []),
        (Circle(lat=6.9, lon=100.5, radius_km=25), ["phatong", "khuan-lang"]),
    ],
)
def test_circle_route(matcher, circle, expected):
    matches = matcher.match(make_warning(areas=(area(circles=[circle]),)))
    assert ids(matches) == expected
    assert all(m.reason is MatchReason.CIRCLE and m.detail == "circle #1" for m in matches)


def test_boundary_intersecting_polygon_matches_even_when_point_is_outside():
    # The city's boundary reaches 0.2 degrees east of its point; the warning only covers that edge.
    boundary = shapely.box(99.7, 6.9, 100.0, 7.0)
    city = CITIES[5].model_copy(update={"boundary_geojson": json.dumps(shapely.geometry.mapping(boundary))})
    warning = make_warning(areas=(area(polygons=[box(6.95, 99.98, half=0.03)]),))
    assert ids(CityMatcher([city]).match(warning)) == ["la-ngu"]
    assert ids(CityMatcher([CITIES[5]]).match(warning)) == []


def test_boundary_as_feature_collection():
    geometry = shapely.geometry.mapping(shapely.box(99.7, 6.9, 100.0, 7.0))
    feature = {"type": "Feature", "properties": {}, "geometry": geometry}
    boundary = json.dumps({"type": "FeatureCollection", "features": [feature]})
    city = CITIES[5].model_copy(update={"boundary_geojson": boundary})
    warning = make_warning(areas=(area(polygons=[box(6.95, 99.98, half=0.03)]),))
    assert ids(CityMatcher([city]).match(warning)) == ["la-ngu"]


def test_bad_boundary_is_an_error():
    with pytest.raises(BoundaryError, match="la-ngu"):
        CityMatcher([CITIES[5].model_copy(update={"boundary_geojson": "{not json"})])


def test_most_trusted_reason_wins(matcher):
    # Songkhla by geocode and by polygon: geocode is kept. Phatthalung only by polygon.
    warning = make_warning(
        areas=(area(geocodes=[("ISO3166-2", "TH-90")], polygons=[box(7.198, 100.596), box(7.718, 100.036)]),)
    )
    got = {m.city_id: (m.reason, m.detail) for m in matcher.match(warning)}
    assert got["bo-yang"] == (MatchReason.GEOCODE, "TH-90")
    assert got["tanot-duan"] == (MatchReason.POLYGON, "polygon #2")


# Text route (TMD WeatherWarningNews has no geometry): province names and variants, districts,
# subdistricts, regions; the longest name wins so a longer place is never read as a shorter one.
@pytest.mark.parametrize(
    ("text", "expected", "detail"),
    [
        ("ขอให้ประชาชนบริเวณจังหวัดพัทลุง สงขลา และสตูล ระวังอันตราย", [*SONGKHLA, "tanot-duan", "la-ngu"], None),
        ("ฝนตกหนักที่ จ.สงขลา", SONGKHLA, "จ.สงขลา"),
        ("Heavy rain in Songkhla", SONGKHLA, "Songkhla"),
        ("ฝนตกหนักบริเวณอำเภอหาดใหญ่", ["phatong", "khuan-lang"], "หาดใหญ่"),
        ("น้ำท่วมตำบลโตนดด้วน", ["tanot-duan"], "โตนดด้วน"),
        ("ภาคใต้ฝั่งตะวันออก: ฝนตกหนักบางแห่ง", [*SONGKHLA, "tanot-duan"], "ภาคใต้ฝั่งตะวันออก"),
        ("ภาคใต้ฝั่งตะวันตก: คลื่นลมแรง", ["la-ngu"], "ภาคใต้ฝั่งตะวันตก"),
        ("ภาคใต้มีฝนตกหนักถึงหนักมาก", [*SONGKHLA, "tanot-duan", "la-ngu"], "ภาคใต้"),
        ("ภาคตะวันออกเฉียงเหนือและภาคกลาง", [], None),
        ("ฝนตกหนักที่จังหวัดกำแพงเพชร", [], None),  # not the tambon กำแพง of la-ngu
        ("strange weather in Bangkok", [], None),  # not Trang
        ("ฝนตกหนักบริเวณจังหวัดตรัง", [], None),
    ],
)
def test_text_route(matcher, text, expected, detail):
    matches = matcher.match(make_warning(headline=text, areas=()))
    assert ids(matches) == expected
    assert all(m.reason is MatchReason.TEXT for m in matches)
    if detail:
        assert {m.detail for m in matches} == {detail}


def test_text_route_reads_description_and_area_desc(matcher):
    assert ids(matcher.match(make_warning(headline="", description="ฝนตกหนัก จังหวัดพัทลุง", areas=()))) == ["tanot-duan"]
    assert ids(matcher.match(make_warning(headline="", areas=(area(desc="สตูล"),)))) == ["la-ngu"]


def test_text_route_is_off_when_the_warning_has_geometry(matcher):
    # The real TMD sample's text names ภาคใต้ (all six) but its geocodes leave Satun out.
    warning = make_warning(headline="ภาคใต้ จังหวัดสตูล", areas=(area(geocodes=[("ISO3166-2", "TH-90")]),))
    assert ids(matcher.match(warning)) == SONGKHLA
    warning = make_warning(headline="จังหวัดสตูล", areas=(area(polygons=[box(0, 0)]),))
    assert matcher.match(warning) == []


def test_constructed_tmd_news_names_provinces(matcher):
    # The constructed WeatherWarningNews item as the ingestion helper maps it: text only.
    warning = make_warning(
        feed="tmd-warning-news",
        headline="(ตัวอย่างทดสอบ) ขอให้ประชาชนบริเวณจังหวัดพัทลุง สงขลา และสตูล ระวังอันตรายจากฝนตกหนักถึงหนักมากและฝนที่ตกสะสม",
        areas=(),
    )
    assert ids(matcher.match(warning)) == [*SONGKHLA, "tanot-duan", "la-ngu"]


def test_no_cities():
    assert CityMatcher([]).match(make_warning(headline="สงขลา", areas=())) == []


def test_match_results_follow_city_order():
    matcher = CityMatcher(list(reversed(CITIES)))
    warning = load_cap("tmd_cap_heavy_rain_TMD25680225051318_2.xml")
    assert ids(matcher.match(warning)) == ["tanot-duan", *reversed(SONGKHLA)]


def _floor_city(floor: Severity) -> City:
    return CITIES[0].model_copy(update={"min_severity": floor})


# Default floor Moderate; a Minor opt-in lets Minor through; Unknown severity always passes
# (a duplicate is better than a missed alert).
@pytest.mark.parametrize(
    ("severity", "floor", "opt_in", "passes"),
    [
        (Severity.MODERATE, Severity.MODERATE, False, True),
        (Severity.MINOR, Severity.MODERATE, False, False),
        (Severity.MINOR, Severity.MODERATE, True, True),
        (Severity.EXTREME, Severity.MODERATE, False, True),
        (Severity.MODERATE, Severity.SEVERE, False, False),
        (Severity.SEVERE, Severity.SEVERE, False, True),
        (Severity.MINOR, Severity.SEVERE, True, True),
        (Severity.UNKNOWN, Severity.SEVERE, False, True),
        (Severity.UNKNOWN, Severity.MODERATE, False, True),
    ],
)
def test_passes_floor(severity, floor, opt_in, passes):
    assert passes_floor(make_warning(severity=severity), _floor_city(floor), opt_in) is passes


def test_default_floor_is_moderate():
    city = City(id="x", name_th="x", province_code="90", tambon_code="900101", lat=7, lon=100)
    assert city.min_severity is Severity.MODERATE


def test_warning_type_is_the_model():
    assert isinstance(load_cap("tmd_cap_heavy_rain_TMD25680225051318_2.xml"), Warning)


def test_each_city_gets_the_most_severe_block_covering_it(matcher):
    # Block 0 (Moderate) covers Songkhla and Phatthalung, block 1 (Severe) only Phatthalung.
    moderate = make_warning(
        event="Rain",
        severity=Severity.MODERATE,
        areas=(area(geocodes=[("ISO3166-2", "TH-90"), ("ISO3166-2", "TH-93")]),),
    )
    severe = moderate.blocks[0].model_copy(
        update={"event": "Heavy Rain", "severity": Severity.SEVERE, "areas": (area(geocodes=[("ISO3166-2", "TH-93")]),)}
    )
    warning = moderate.model_copy(update={"more_info": (severe,)})
    blocks = {m.city_id: m.block for m in matcher.match(warning)}
    assert blocks == {**dict.fromkeys(SONGKHLA, 0), "tanot-duan": 1}
    assert warning.for_block(blocks["tanot-duan"]).event == "Heavy Rain"


def test_a_later_block_alone_still_reaches_its_cities(matcher):
    first = make_warning(areas=(area(geocodes=[("Taiwan_Geocode_103", "6300000")]),))
    second = first.blocks[0].model_copy(update={"areas": (area(polygons=[box(6.933, 99.777)]),)})
    warning = first.model_copy(update={"more_info": (second,)})
    assert [(m.city_id, m.block) for m in matcher.match(warning)] == [("la-ngu", 1)]


def test_dropped_geometry_does_not_fall_back_to_place_names(matcher):
    # The polygon was unreadable, but the sender meant an area, not the whole text's provinces.
    warning = make_warning(headline="ฝนตกหนัก จังหวัดสงขลา", areas=(area(desc="สงขลา"),), notes=("polygon 1 dropped",))
    assert matcher.match(warning) == []
