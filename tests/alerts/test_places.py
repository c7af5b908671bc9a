"""The provinces data file: complete, codes right, regions as TMD uses them."""

from __future__ import annotations

import re

import pytest

from alerts.places import province, provinces, regions


def test_all_77_provinces_with_unique_codes_and_names():
    rows = provinces()
    assert len(rows) == 77
    assert len({p.code for p in rows}) == 77
    assert len({p.name_th for p in rows}) == 77
    assert all(p.regions and p.aliases for p in rows)


# Codes that are easy to mix up in the deep south, plus the two ends of the list.
@pytest.mark.parametrize(
    ("code", "name_th", "name_en"),
    [
        ("10", "กรุงเทพมหานคร", "Bangkok"),
        ("90", "สงขลา", "Songkhla"),
        ("91", "สตูล", "Satun"),
        ("92", "ตรัง", "Trang"),
        ("93", "พัทลุง", "Phatthalung"),
        ("94", "ปัตตานี", "Pattani"),
        ("95", "ยะลา", "Yala"),
        ("96", "นราธิวาส", "Narathiwat"),
        ("38", "บึงกาฬ", "Bueng Kan"),
        ("80", "นครศรีธรรมราช", "Nakhon Si Thammarat"),
    ],
)
def test_codes(code, name_th, name_en):
    p = province(f"TH-{code}")
    assert (p.name_th, p.name_en) == (name_th, name_en)
    assert f"จ.{name_th}" in p.aliases and f"จังหวัด{name_th}" in p.aliases


def test_real_tmd_sample_pairs_codes_with_names(fixture_path):
    # The TMD sample lists the provinces of its areaDesc and their ISO codes in the same order.
    text = fixture_path("tmd_cap_heavy_rain_TMD25680225051318_2.xml").read_text(encoding="utf-8")
    names = re.search(r"<areaDesc>(.*?)</areaDesc>", text).group(1).split()
    codes = re.findall(r"<value>TH-(\d\d)</value>", text)
    assert sorted(province(c).name_th for c in codes) == sorted(names)


# Songkhla and Phatthalung are on the southern east coast, Satun on the west coast.
@pytest.mark.parametrize(
    ("region", "inside", "outside"),
    [
        ("ภาคใต้ฝั่งตะวันออก", {"90", "93", "76"}, {"91", "92"}),
        ("ภาคใต้ฝั่งตะวันตก", {"91", "92", "83"}, {"90", "93"}),
        ("ภาคใต้", {"90", "91", "93"}, {"10", "40"}),
        ("ภาคตะวันออกเฉียงเหนือ", {"30", "38", "40", "49"}, {"20"}),
        ("ภาคตะวันออก", {"20", "21", "27"}, {"30"}),
        ("กรุงเทพมหานครและปริมณฑล", {"10", "11", "12", "13", "73", "74"}, {"14"}),
    ],
)
def test_regions(region, inside, outside):
    codes = regions()[region]
    assert inside <= codes
    assert not outside & codes


def test_region_sizes():
    r = regions()
    assert len(r["ภาคตะวันออกเฉียงเหนือ"]) == 20
    assert len(r["ภาคใต้"]) == 16
    assert len(r["ภาคเหนือ"]) + len(r["ภาคตะวันออกเฉียงเหนือ"]) + len(r["ภาคกลาง"] | r["กรุงเทพมหานครและปริมณฑล"]) + len(
        r["ภาคตะวันออก"]
    ) + len(r["ภาคใต้"]) == 77
