"""ThaiWater (HAII) `waterlevel_load` JSON: river stations at or above a level become `Warning`s.

A station row is a warning when its `situation_level` (or, when missing, the level its
`storage_percent` of bank height falls in) reaches `min_level` (default 4: above 70 % of bank;
5: above 100 %, overflowing). A row below the level becomes an all-clear for that station, so a
falling river ends the warning it raised. Numbers arrive as strings, numbers or null.

Mapping (a contract for matching and rendering):
- sender `thaiwater`, identifier `station-<station.id>`: one thread per station; event in Thai:
  ระดับน้ำสูงใกล้ตลิ่ง (level 4) or น้ำล้นตลิ่ง (level 5).
- `Warning.parameters`: ("river", name), ("station", Thai name), ("situation_level", "4"),
  ("bank_percent", "88.75"), and when present ("waterlevel_msl", ...), ("waterlevel_msl_previous", ...),
  ("bank_diff", "0.90") with ("bank_diff_text", "ต่ำกว่าตลิ่ง"), ("observed_at", ISO time).
- `Area.geocodes`: the station's district and subdistrict as full DOPA codes, ("TH-AMPHOE", "9011")
  and ("TH-TAMBON", "901102"): a high river concerns its district, not the whole province. Only when
  the row has no district: ("TH-PROVINCE", "90") and ("ISO3166-2", "TH-90"), so it is not lost.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from alerts.errors import ParseError
from alerts.model import Area, Certainty, Geocode, Severity, Urgency, Warning, bounded
from alerts.tmd_news import local_date

SENDER = "thaiwater"
DEFAULT_MIN_LEVEL = 4
# HAII's default scale (storage_percent of bank height): >100 level 5, >70 4, >30 3, >10 2, else 1.
_SCALE = ((100.0, 5), (70.0, 4), (30.0, 3), (10.0, 2))
# Events in Thai, as leaders read them in alerts, reminders, escalations and /stats.
_EVENT = {4: "ระดับน้ำสูงใกล้ตลิ่ง", 5: "น้ำล้นตลิ่ง"}
_HEADLINE = {4: "ระดับน้ำสูงใกล้ตลิ่ง", 5: "น้ำล้นตลิ่ง"}
_SEVERITY = {4: Severity.SEVERE, 5: Severity.EXTREME}


def parse_thaiwater(data: bytes, feed: str, *, min_level: int = DEFAULT_MIN_LEVEL) -> list[Warning]:
    """Station rows with a known level: warnings at or above `min_level`, all-clears below it."""
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"not valid JSON: {str(exc)[:120]}") from None
    rows = _rows(doc)
    warnings = []
    for row in rows:
        if not isinstance(row, dict):
            raise ParseError("waterlevel row is not an object")
        warning = _row_warning(row, feed, min_level)
        if warning is not None:
            warnings.append(warning)
    return warnings


def level_from_percent(percent: float) -> int:
    """HAII's situation level (1-5) for a water level as percent of bank height."""
    return next((level for floor, level in _SCALE if percent > floor), 1)


def _rows(doc: Any) -> list[Any]:
    # The real payload nests rows as waterlevel_data.data; accept a bare {data: [...]} or list too.
    if isinstance(doc, dict) and isinstance(doc.get("waterlevel_data"), dict):
        doc = doc["waterlevel_data"]
    if isinstance(doc, dict):
        doc = doc.get("data")
    if not isinstance(doc, list):
        raise ParseError("no waterlevel_data.data list in the ThaiWater payload")
    return doc


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and value.strip():
        try:
            number = float(value.strip().replace(",", ""))
        except ValueError:
            raise ParseError(f"not a number: {value[:30]!r}") from None
    elif isinstance(value, str):
        return None
    else:
        raise ParseError(f"not a number: {type(value).__name__}")
    return number if math.isfinite(number) else None


def _text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("th") or value.get("en") or ""
    return bounded(value.strip() if isinstance(value, str) else ("" if value is None else str(value)))


def _obj(row: dict[str, Any], key: str) -> dict[str, Any]:
    value = row.get(key)
    return value if isinstance(value, dict) else {}


def _row_warning(row: dict[str, Any], feed: str, min_level: int) -> Warning | None:
    percent = _number(row.get("storage_percent"))
    level_value = _number(row.get("situation_level"))
    level = int(level_value) if level_value is not None else (
        level_from_percent(percent) if percent is not None else None
    )
    if level is None:
        return None  # no reading: nothing to say about this station
    station = _obj(row, "station")
    station_id = _text(station.get("id")) or _text(row.get("tele_station_id")) or _text(row.get("id"))
    if not station_id:
        raise ParseError("waterlevel row has no station id")
    observed = _observed(row.get("waterlevel_datetime"))
    if observed is None:
        raise ParseError(f"station {station_id}: no waterlevel_datetime")
    geo = _obj(row, "geocode")
    province, amphoe, tambon = (_text(geo.get(k)) for k in ("province_code", "amphoe_code", "tumbon_code"))
    codes = []
    if province and amphoe:
        codes.append(Geocode(name="TH-AMPHOE", value=province + amphoe))
        if tambon:
            codes.append(Geocode(name="TH-TAMBON", value=province + amphoe + tambon))
    elif province:
        codes += [Geocode(name="TH-PROVINCE", value=province), Geocode(name="ISO3166-2", value=f"TH-{province}")]
    place = " ".join(
        p for p in (
            _prefixed("ต.", _text(geo.get("tumbon_name"))),
            _prefixed("อ.", _text(geo.get("amphoe_name"))),
            _prefixed("จ.", _text(geo.get("province_name"))),
        ) if p
    )
    river, name = _text(row.get("river_name")), _text(station.get("tele_station_name"))
    parameters = [("river", river), ("station", name), ("situation_level", str(level))]
    if percent is not None:
        parameters.append(("bank_percent", f"{percent:.2f}"))
    msl = _number(row.get("waterlevel_msl"))
    if msl is not None:
        parameters.append(("waterlevel_msl", f"{msl:.2f}"))
    previous = _number(row.get("waterlevel_msl_previous"))
    if previous is not None:
        parameters.append(("waterlevel_msl_previous", f"{previous:.2f}"))
    # The water against the bank in metres, as HAII words it ("ต่ำกว่าตลิ่ง (ม.)" and 0.90).
    diff = _number(row.get("diff_wl_bank"))
    if diff is not None:
        side = _text(row.get("diff_wl_bank_text")).split("(")[0].strip()
        if not side:
            side = "สูงกว่าตลิ่ง" if (percent or 0) > 100 else "ต่ำกว่าตลิ่ง"
        parameters += [("bank_diff", f"{abs(diff):.2f}"), ("bank_diff_text", side)]
    parameters.append(("observed_at", observed.isoformat()))
    warn = level >= min_level
    band = min(max(level, 4), 5)
    try:
        return Warning(
            feed=feed,
            sender=SENDER,
            identifier=f"station-{station_id}",
            sent=observed,
            event=_EVENT[band],
            category=("Env",),
            urgency=Urgency.IMMEDIATE if warn else Urgency.PAST,
            severity=_SEVERITY[band] if warn else Severity.MINOR,
            certainty=Certainty.OBSERVED,
            response_type=() if warn else ("AllClear",),
            sender_name="คลังข้อมูลน้ำแห่งชาติ (ThaiWater)",
            headline=(_HEADLINE[band] if warn else "ระดับน้ำลดลงต่ำกว่าเกณฑ์เฝ้าระวัง") + (f" {river}" if river else ""),
            areas=(Area(desc=place or name, geocodes=tuple(codes)),),
            parameters=tuple(parameters),
        )
    except ValidationError as exc:
        raise ParseError(f"station {station_id}: invalid values: {exc.errors()[0]['msg']}") from None


def _prefixed(prefix: str, name: str) -> str:
    return f"{prefix}{name}" if name else ""


def _observed(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return local_date(value)
