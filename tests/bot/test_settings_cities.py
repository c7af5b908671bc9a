"""The example config's cities reach `alerts` with their district names; every city is cross-checked with its
province."""

from __future__ import annotations

import pytest

from alerts.matching import CityMatcher, MatchReason
from bot.settings import ConfigError, load_settings
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

# Real reference points of Isan and northern cities, to show the boxes accept what they should.
GOOD_CITIES = [
    ("34", "340101", 15.228, 104.857),  # Mueang Ubon Ratchathani
    ("40", "400101", 16.433, 102.836),  # Mueang Khon Kaen
    ("50", "500101", 18.788, 98.986),  # Chiang Mai old town
    ("84", "841701", 10.095, 99.838),  # Ko Tao, Surat Thani's northern island
    ("96", "961001", 5.793, 101.825),  # Su-ngai Kolok, the far south
]


@pytest.mark.parametrize("province, tambon, lat, lon", GOOD_CITIES)
def test_real_cities_fit_their_province(tmp_path, province, tambon, lat, lon):
    settings = load_city(tmp_path, province, tambon, lat, lon)
    assert settings.cities[-1].province_code == province


BAD_CITIES = [
    # The case: Ubon's province code with Songkhla's coordinates would get Songkhla's warnings.
    (("34", "340101", 7.198, 100.596), "cities[6]: Value error, lat/lon 7.198, 100.596 is outside province 34"),
    # Latitude and longitude swapped into a point still "in Thailand" would be caught by the box too.
    (("90", "900101", 6.8, 101.9), "is outside province 90"),
    # A tambon code of another province.
    (("90", "930509", 7.198, 100.596), "tambon_code 930509 must start with province_code 90"),
    # A code that is no province (two digits, but unused).
    (("29", "290101", 7.198, 100.596), "province_code 29 is not a Thai province code"),
]


@pytest.mark.parametrize("city, message", BAD_CITIES)
def test_city_outside_its_province_is_a_config_error(tmp_path, city, message):
    with pytest.raises(ConfigError) as caught:
        load_city(tmp_path, *city)
    [problem] = caught.value.problems
    assert problem.startswith("cities[6]") and message.split(": Value error, ")[-1] in problem


def load_city(tmp_path, province, tambon, lat, lon):
    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    extra = (
        f'\n[[cities]]\nid = "extra"\nname_th = "ทดสอบ"\nprovince_code = "{province}"\n'
        f'tambon_code = "{tambon}"\nlat = {lat}\nlon = {lon}\n'
    )
    path = tmp_path / "config.toml"
    path.write_text(example + extra, encoding="utf-8")
    return load_settings(path)
