"""Which cities a warning concerns, and why: by geocode, polygon, circle or place names in text.

Trust order (most trusted first): a geocode naming the city, a polygon or circle covering it, and
only for warnings with no geometry and no geocode at all (TMD WeatherWarningNews), Thai place names.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from enum import StrEnum
from functools import cached_property

import shapely
import shapely.errors
from pydantic import BaseModel, ConfigDict
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from alerts.model import City, Circle, Geocode, Severity, Warning
from alerts.places import provinces

# The geocode schemes floodbot reads (valueName, upper-cased, spaces dropped) and the codes each
# may carry; sources in alerts/data/SOURCES.md. Any other scheme never names a Thai city, whatever
# its digits: Taiwan_Geocode_103 = 63 is a Taiwanese township, not Tak province.
_ISO = re.compile(r"TH-(\d{2})")
_SCHEMES: dict[str, re.Pattern[str]] = {
    # ISO 3166-2 subdivision codes, as TMD writes them (TH-90); BoM names the scheme by its URL.
    "ISO3166-2": _ISO,
    "HTTP://WWW.ISO.ORG/ISO/COUNTRY_CODES.HTML": _ISO,
    # DOPA administrative codes (TIS 1099): province 2, amphoe 4, tambon 6 digits.
    "TIS-1099": re.compile(r"(\d{2}|\d{4}|\d{6})"),
    "TH-PROVINCE": re.compile(r"(\d{2})"),
    "TH-AMPHOE": re.compile(r"(\d{4})"),
    "TH-TAMBON": re.compile(r"(\d{6})"),
}
# A circle is drawn as a polygon around (not inside) the true circle, so nothing on its edge is missed.
_CIRCLE_SEGMENTS = 64
_KM_PER_DEGREE = 111.32
_PAREN = re.compile(r"\(([^)]*)\)")


class MatchReason(StrEnum):
    """Why a city matched, most trusted first."""

    GEOCODE = "geocode"
    POLYGON = "polygon"
    CIRCLE = "circle"
    TEXT = "text"


_TRUST = {reason: rank for rank, reason in enumerate(MatchReason)}


class CityMatch(BaseModel):
    """One city a warning concerns, with the reason and what matched (`TH-90`, `polygon #12`, `จ.สงขลา`)."""

    model_config = ConfigDict(frozen=True)

    city_id: str
    reason: MatchReason
    detail: str
    # Which info block matched (0 = the first): the city gets the most severe block covering it.
    block: int = 0


class BoundaryError(ValueError):
    """A city's boundary GeoJSON cannot be read as a geometry."""


def passes_floor(warning: Warning, city: City, minor_opt_in: bool) -> bool:
    """Whether the warning is severe enough for this city (a leader's Minor opt-in lowers the floor)."""
    # Unknown severity always passes: a duplicate is better than a missed alert.
    if warning.severity is Severity.UNKNOWN:
        return True
    floor = Severity.MINOR.rank if minor_opt_in else city.min_severity.rank
    return warning.severity.rank >= floor


class CityMatcher:
    """Matches warnings against a fixed list of cities; build once, call `match` per warning."""

    def __init__(self, cities: Iterable[City]):
        self.cities = list(cities)
        self._tree = STRtree([_city_geometry(c) for c in self.cities])
        self._by_code: dict[str, list[int]] = {}
        for i, city in enumerate(self.cities):
            # Province, district and subdistrict codes all name the city.
            for code in {city.province_code, city.district_code, city.tambon_code}:
                self._by_code.setdefault(code, []).append(i)

    def match(self, warning: Warning) -> list[CityMatch]:
        """The cities this warning concerns, one match each, in city order.

        Each info block is matched on its own areas; a city covered by several blocks keeps the most
        severe (the earlier on a tie), and within a block its most trusted reason.
        """
        best: dict[int, tuple[int, int, MatchReason, str]] = {}
        for block in range(1 + len(warning.more_info)):
            view = warning.for_block(block)
            rank = view.severity.rank
            for i, (reason, detail) in self._match_block(view).items():
                if i not in best or rank > best[i][0]:
                    best[i] = (rank, block, reason, detail)
        return [
            CityMatch(city_id=self.cities[i].id, reason=best[i][2], detail=best[i][3], block=best[i][1])
            for i in sorted(best)
        ]

    def _match_block(self, warning: Warning) -> dict[int, tuple[MatchReason, str]]:
        """City index -> (most trusted reason, detail) for a warning of one info block."""
        best: dict[int, tuple[MatchReason, str]] = {}

        def found(index: int, reason: MatchReason, detail: str) -> None:
            if index not in best or _TRUST[reason] < _TRUST[best[index][0]]:
                best[index] = (reason, detail)

        # Geometry the parser had to drop still shows the sender meant structured areas, not text.
        has_geometry = bool(warning.notes)
        for code, detail in _geocodes(warning):
            has_geometry = True
            for i in self._by_code.get(code, ()):
                found(i, MatchReason.GEOCODE, detail)
        if any(area.polygons or area.circles for area in warning.areas):
            has_geometry = True
        shapes, labels = _area_shapes(warning)
        if shapes:
            hits = self._tree.query(shapes, predicate="intersects")
            # Walk in shape order so each city keeps the first polygon that covered it.
            for shape_index, city_index in sorted(zip(hits[0].tolist(), hits[1].tolist(), strict=True)):
                reason, detail = labels[shape_index]
                found(city_index, reason, detail)
        if not has_geometry:
            for i, detail in self._text_matches(warning):
                found(i, MatchReason.TEXT, detail)
        return best

    @cached_property
    def _name_index(self) -> tuple[dict[str, list[int]], re.Pattern[str] | None]:
        # Built on first use: feeds with geometry (almost all) never need it.
        return _name_index(self.cities)

    def _text_matches(self, warning: Warning) -> list[tuple[int, str]]:
        names, pattern = self._name_index
        if pattern is None:
            return []
        texts = [warning.event, warning.headline, warning.description, warning.instruction]
        texts += [area.desc for area in warning.areas]
        hits: list[tuple[int, str]] = []
        for text in texts:
            for m in pattern.finditer(text):
                word = m.group(0)
                for i in names.get(word.casefold(), ()):
                    hits.append((i, word))
        return hits


def thai_code(geocode: Geocode) -> str | None:
    """The Thai province, amphoe or tambon code a geocode names, or None (another scheme or country)."""
    pattern = _SCHEMES.get("".join(geocode.name.upper().split()))
    found = pattern.fullmatch(geocode.value.strip().upper()) if pattern else None
    return found.group(1) if found else None


def _geocodes(warning: Warning) -> list[tuple[str, str]]:
    """(code to look up, detail) for each geocode; codes of schemes floodbot does not read look up ''."""
    out = []
    for area in warning.areas:
        for geocode in area.geocodes:
            code = thai_code(geocode)
            # A geocode we cannot read still means the sender gave structured areas.
            out.append((code or "", geocode.value.strip().upper() if code else geocode.value.strip()))
    return out


def _area_shapes(warning: Warning) -> tuple[list[BaseGeometry], list[tuple[MatchReason, str]]]:
    """Shapely geometries of every polygon and circle, with their labels; bad rings are skipped."""
    shapes: list[BaseGeometry] = []
    labels: list[tuple[MatchReason, str]] = []
    polygon_no = circle_no = 0
    for area in warning.areas:
        for ring in area.polygons:
            polygon_no += 1
            geometry = _polygon(ring)
            if geometry is not None:
                shapes.append(geometry)
                labels.append((MatchReason.POLYGON, f"polygon #{polygon_no}"))
        for circle in area.circles:
            circle_no += 1
            shapes.append(_circle(circle))
            labels.append((MatchReason.CIRCLE, f"circle #{circle_no}"))
    return shapes, labels


def _polygon(ring: tuple[tuple[float, float], ...]) -> BaseGeometry | None:
    points = [(lon, lat) for lat, lon in ring]
    if len(set(points)) < 3:
        return None
    polygon = shapely.Polygon(points)
    # Hand-drawn rings can cross themselves; make_valid gives GEOS a well-defined shape to test.
    return polygon if polygon.is_valid else shapely.make_valid(polygon)


def _circle(circle: Circle) -> BaseGeometry:
    if circle.radius_km <= 0:
        return shapely.Point(circle.lon, circle.lat)
    outer = circle.radius_km / math.cos(math.pi / _CIRCLE_SEGMENTS)
    dlat = outer / _KM_PER_DEGREE
    dlon = outer / (_KM_PER_DEGREE * max(math.cos(math.radians(circle.lat)), 0.01))
    steps = [2 * math.pi * k / _CIRCLE_SEGMENTS for k in range(_CIRCLE_SEGMENTS)]
    return shapely.Polygon([(circle.lon + dlon * math.cos(a), circle.lat + dlat * math.sin(a)) for a in steps])


def _city_geometry(city: City) -> BaseGeometry:
    """The city's boundary if configured, else its reference point."""
    if not city.boundary_geojson:
        return shapely.Point(city.lon, city.lat)
    try:
        data = json.loads(city.boundary_geojson)
        if data.get("type") == "FeatureCollection":
            return shapely.union_all([shape(f["geometry"]) for f in data["features"]])
        return shape(data["geometry"] if data.get("type") == "Feature" else data)
    except (ValueError, KeyError, TypeError, AttributeError, shapely.errors.GEOSException) as exc:
        raise BoundaryError(f"city {city.id}: boundary is not GeoJSON: {exc}") from exc


def _name_index(cities: list[City]) -> tuple[dict[str, list[int]], re.Pattern[str] | None]:
    """Every place name that can stand for a city (casefolded) and one regex finding them all.

    Every known province name is in the regex even when no city is there, so the longest name wins:
    `กำแพงเพชร` (a province) is not read as the subdistrict `กำแพง`, nor `ภาคตะวันออกเฉียงเหนือ` as `ภาคตะวันออก`.
    """
    names: dict[str, list[int]] = {}
    all_names: set[str] = set()
    by_province: dict[str, list[int]] = {}
    for i, city in enumerate(cities):
        by_province.setdefault(city.province_code, []).append(i)
    for p in provinces():
        members = by_province.get(p.code, [])
        for name in (*p.names, *p.regions):
            all_names.add(name)
            if members:
                names.setdefault(name.casefold(), []).extend(members)
    for i, city in enumerate(cities):
        for name in _city_names(city):
            all_names.add(name)
            names.setdefault(name.casefold(), []).append(i)
    names = {k: sorted(set(v)) for k, v in names.items()}
    if not names:
        return names, None
    parts = [_word(n) for n in sorted(all_names, key=len, reverse=True)]
    return names, re.compile("|".join(parts), re.IGNORECASE)


def _city_names(city: City) -> list[str]:
    """`กำแพง (ละงู)` gives `กำแพง` and `ละงู`; plus the district name if set."""
    names = [_PAREN.sub("", city.name_th).strip(), *_PAREN.findall(city.name_th)]
    if city.district_th:
        names.append(city.district_th)
    return [n.strip() for n in names if n.strip()]


def _word(name: str) -> str:
    # Latin names need word edges (`Trang` must not match `strange`); Thai is written without spaces.
    escaped = re.escape(name)
    return rf"(?<![A-Za-z]){escaped}(?![A-Za-z])" if name.isascii() else escaped
