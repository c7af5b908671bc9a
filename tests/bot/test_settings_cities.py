"""The example config's cities reach `alerts` with their district names, ready for matching."""

from __future__ import annotations

from alerts.matching import CityMatcher, MatchReason
from bot.settings import load_settings
from tests.conftest import ROOT
from tests.helpers.warnings import load_cap, make_warning


def test_example_cities_carry_district_names():
    cities = [c.to_city() for c in load_settings(ROOT / "config.example.toml").cities]
    assert {c.id: c.district_th for c in cities} == {
        "bo-yang": "เมืองสงขลา",
        "phatong": "หาดใหญ่",
        "khuan-lang": "หาดใหญ่",
        "padang-besar": "สะเดา",
        "tanot-duan": "ควนขนุน",
        "la-ngu": "ละงู",
    }


def test_example_cities_match_the_real_tmd_sample():
    matcher = CityMatcher(c.to_city() for c in load_settings(ROOT / "config.example.toml").cities)
    matched = [m.city_id for m in matcher.match(load_cap("tmd_cap_heavy_rain_TMD25680225051318_2.xml"))]
    assert matched == ["bo-yang", "phatong", "khuan-lang", "padang-besar", "tanot-duan"]
    # A text-only warning naming the district reaches the city through district_th.
    text_only = make_warning(headline="น้ำท่วมอำเภอสะเดา", areas=())
    assert [(m.city_id, m.reason) for m in matcher.match(text_only)] == [("padang-besar", MatchReason.TEXT)]
