"""Builders for `Warning` and `City` objects in tests, and the real samples parsed."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from alerts.cap import parse_cap
from alerts.model import Area, Certainty, Circle, City, Geocode, Severity, Urgency, Warning

FIXTURES = Path(__file__).parent.parent / "fixtures"
BKK = timezone(timedelta(hours=7))

# The six first cities of DESIGN.md (tambon codes and reference points from DOPA data).
CITIES = [
    City(id="bo-yang", name_th="บ่อยาง", province_code="90", tambon_code="900101", lat=7.198, lon=100.596,
         district_th="เมืองสงขลา"),
    City(id="phatong", name_th="พะตง", province_code="90", tambon_code="901118", lat=6.837, lon=100.558,
         district_th="หาดใหญ่"),
    City(id="khuan-lang", name_th="ควนลัง", province_code="90", tambon_code="901102", lat=6.973, lon=100.421,
         district_th="หาดใหญ่"),
    City(id="padang-besar", name_th="ปาดังเบซาร์", province_code="90", tambon_code="901007", lat=6.740,
         lon=100.241, district_th="สะเดา"),
    City(id="tanot-duan", name_th="โตนดด้วน", province_code="93", tambon_code="930509", lat=7.718, lon=100.036,
         district_th="ควนขนุน"),
    City(id="la-ngu", name_th="กำแพง (ละงู)", province_code="91", tambon_code="910501", lat=6.933, lon=99.777,
         district_th="ละงู"),
]
CITY_NAMES = {c.id: c.name_th for c in CITIES}


def make_warning(**fields: Any) -> Warning:
    """A plausible TMD-like warning; any field can be overridden."""
    base: dict[str, Any] = {
        "feed": "tmd-cap",
        "sender": "TMD",
        "identifier": "TEST-1",
        "sent": datetime(2025, 2, 25, 17, 13, tzinfo=BKK),
        "event": "Heavy Rain",
        "urgency": Urgency.IMMEDIATE,
        "severity": Severity.SEVERE,
        "certainty": Certainty.LIKELY,
        "effective": datetime(2025, 2, 25, 18, 0, tzinfo=BKK),
        "expires": datetime(2025, 2, 26, 6, 0, tzinfo=BKK),
        "headline": "ฝนตกหนักบริเวณภาคใต้",
        "description": "",
        "instruction": "",
        "web": "https://www.tmd.go.th/forecast/daily",
    }
    base.update(fields)
    return Warning(**base)


def area(
    *,
    desc: str = "",
    polygons: list[list[tuple[float, float]]] = (),
    circles: list[Circle] = (),
    geocodes: list[tuple[str, str]] = (),
) -> Area:
    """An `Area` from plain lists; polygons as (lat, lon) pairs."""
    return Area(
        desc=desc,
        polygons=tuple(tuple(ring) for ring in polygons),
        circles=tuple(circles),
        geocodes=tuple(Geocode(name=n, value=v) for n, v in geocodes),
    )


def box(lat: float, lon: float, half: float = 0.05) -> list[tuple[float, float]]:
    """A small square ring of (lat, lon) pairs around a point."""
    return [(lat - half, lon - half), (lat - half, lon + half), (lat + half, lon + half), (lat + half, lon - half)]


def load_cap(name: str, feed: str = "tmd-cap") -> Warning:
    """A CAP fixture parsed by the real parser."""
    return parse_cap((FIXTURES / name).read_bytes(), feed)


def water_level_warning(**fields: Any) -> Warning:
    """A ThaiWater station row as the ingestion helper maps it (values from the constructed sample)."""
    base: dict[str, Any] = {
        "feed": "thaiwater",
        "sender": "thaiwater",
        "identifier": "waterlevel-900001",
        "sent": datetime(2025, 11, 24, 5, 0, tzinfo=BKK),
        "event": "ระดับน้ำสูงใกล้ตลิ่ง",  # the parser's own event (alerts/thaiwater.py)
        "severity": Severity.MODERATE,
        "effective": None,
        "expires": None,
        "headline": "",
        "web": "https://www.thaiwater.net/water/wl",
        "parameters": (
            ("river", "คลองตัวอย่าง (ทดสอบ)"),
            ("station", "สถานีตัวอย่าง (ทดสอบ)"),
            ("bank_percent", "88.75"),
            ("situation_level", "4"),
        ),
        # ThaiWater gives province 90, amphoe 11, tambon 02: the DOPA subdistrict 901102 (ควนลัง).
        "areas": (area(geocodes=[("TIS-1099", "901102")]),),
    }
    base.update(fields)
    return make_warning(**base)
