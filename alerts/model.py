"""The one `Warning` model every feed maps into, and the `City` it is matched against.

Field names follow CAP 1.2 (OASIS), snake_cased. Dates are timezone-aware and Gregorian:
parsers convert Buddhist-era years and zone-less local times before building a `Warning`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Status(StrEnum):
    ACTUAL = "Actual"
    EXERCISE = "Exercise"
    SYSTEM = "System"
    TEST = "Test"
    DRAFT = "Draft"


class MsgType(StrEnum):
    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"
    ACK = "Ack"
    ERROR = "Error"


class Severity(StrEnum):
    EXTREME = "Extreme"
    SEVERE = "Severe"
    MODERATE = "Moderate"
    MINOR = "Minor"
    UNKNOWN = "Unknown"

    @property
    def rank(self) -> int:
        """4 for Extreme down to 0 for Unknown, for floors and priorities."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.EXTREME: 4,
    Severity.SEVERE: 3,
    Severity.MODERATE: 2,
    Severity.MINOR: 1,
    Severity.UNKNOWN: 0,
}


class Urgency(StrEnum):
    IMMEDIATE = "Immediate"
    EXPECTED = "Expected"
    FUTURE = "Future"
    PAST = "Past"
    UNKNOWN = "Unknown"


class Scope(StrEnum):
    """CAP `<scope>`: only Public alerts are for broadcast."""

    PUBLIC = "Public"
    RESTRICTED = "Restricted"
    PRIVATE = "Private"


class Certainty(StrEnum):
    OBSERVED = "Observed"
    LIKELY = "Likely"
    POSSIBLE = "Possible"
    UNLIKELY = "Unlikely"
    UNKNOWN = "Unknown"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Geocode(_Frozen):
    """A CAP `<geocode>`: `name` is the valueName (`ISO3166-2`, `TH-TAMBON`...)."""

    name: str
    value: str


class Circle(_Frozen):
    lat: float
    lon: float
    radius_km: float


# The most characters a parser keeps of any one text field read from a feed (CAP description,
# instruction, headline, areaDesc...; TMD and ThaiWater texts), cut in `alerts/cap.py`, `tmd_news.py`
# and `thaiwater.py` as they read the field. The longest real ones are far shorter (the CAP corpus:
# description 1,328, instruction 612, areaDesc 331), so no real bulletin is cut; one oversized
# bulletin (megabytes within the fetch limit) cannot stall matching, text search or rendering.
FEED_TEXT_MAX = 10_000


def bounded(text: str) -> str:
    """Feed text cut to at most `FEED_TEXT_MAX` characters."""
    return text[:FEED_TEXT_MAX]


class Area(_Frozen):
    """A CAP `<area>`. Polygons are rings of (lat, lon) pairs, already in that order."""

    desc: str = ""
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()
    circles: tuple[Circle, ...] = ()
    geocodes: tuple[Geocode, ...] = ()


class Reference(_Frozen):
    """One entry of CAP `<references>`: `sender,identifier,sent`."""

    sender: str
    identifier: str
    sent: datetime | None = None


class Info(_Frozen):
    """One CAP `<info>` block: its own event, severity, times, areas and instruction."""

    event: str
    category: tuple[str, ...] = ()
    urgency: Urgency = Urgency.UNKNOWN
    severity: Severity = Severity.UNKNOWN
    certainty: Certainty = Certainty.UNKNOWN
    response_type: tuple[str, ...] = ()
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    web: str = ""
    areas: tuple[Area, ...] = ()
    # CAP <parameter> pairs; ThaiWater rows carry river, station and percent of bank here.
    parameters: tuple[tuple[str, str], ...] = ()


# Fields added after warnings were first stored: left out of fingerprints while at their default, so
# an upgrade does not give every stored single-info warning a new version (and re-send it).
_LATER_FIELDS = {"more_info": [], "scope": "Public", "notes": []}
_INFO_FIELDS = tuple(Info.model_fields)


def stable_dump(model: BaseModel, exclude: set[str]) -> dict[str, Any]:
    """The JSON dump a fingerprint hashes: later fields are left out while at their default."""
    payload = model.model_dump(mode="json", exclude=exclude)
    for name, default in _LATER_FIELDS.items():
        if name in payload and payload[name] == default:
            del payload[name]
    return payload


class Warning(Info):  # the design names it so; it lives in its own namespace
    """One message from one feed: a CAP alert, a TMD news item or a ThaiWater station row.

    Its `Info` fields hold the first <info> block in the chosen language (fingerprints hash sorted
    keys, so the field order does not matter); further blocks in that language (each with its own
    event, severity and areas) are kept in `more_info`, in document order.
    """

    feed: str
    sender: str
    identifier: str
    sent: datetime
    status: Status = Status.ACTUAL
    msg_type: MsgType = MsgType.ALERT
    references: tuple[Reference, ...] = ()
    language: str = "th-TH"
    more_info: tuple[Info, ...] = ()
    scope: Scope = Scope.PUBLIC
    # What the parser had to drop (an empty or unreadable polygon or circle), one line each.
    notes: tuple[str, ...] = ()

    @field_validator("sent", "effective", "onset", "expires")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("datetime must carry a timezone offset")
        return value

    @property
    def key(self) -> tuple[str, str]:
        """The lifecycle key: (sender, identifier)."""
        return (self.sender, self.identifier)

    @property
    def version(self) -> str:
        """A short hash of the content, so a re-fetch that changed nothing is recognised."""
        payload = stable_dump(self, exclude={"feed"})
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode())
        return digest.hexdigest()[:16]

    @property
    def is_all_clear(self) -> bool:
        """CAP says a threat is over by responseType AllClear or urgency Past."""
        return "AllClear" in self.response_type or self.urgency is Urgency.PAST

    @property
    def blocks(self) -> tuple[Info, ...]:
        """Every info block: the first (held in the warning's own fields) and `more_info`."""
        first = Info(**{name: getattr(self, name) for name in _INFO_FIELDS})
        return (first, *self.more_info)

    def for_block(self, index: int) -> Warning:
        """The warning as one info block alone (what a city covered by that block is told)."""
        if index == 0 and not self.more_info:
            return self
        info = self.more_info[index - 1] if index else self.blocks[0]
        return self.model_copy(update={**{n: getattr(info, n) for n in _INFO_FIELDS}, "more_info": ()})

    @property
    def last_expires(self) -> datetime | None:
        """When the last block expires (None when any block has no expiry): the warning is in force until then."""
        ends = [b.expires for b in self.blocks]
        return None if any(e is None for e in ends) else max(ends)  # type: ignore[type-var]

    def parameter(self, name: str) -> str | None:
        """The value of a CAP parameter, or None."""
        return next((v for k, v in self.parameters if k == name), None)


class City(_Frozen):
    """A city as matching and rendering see it (built by `bot` from the settings)."""

    id: str
    name_th: str
    province_code: str
    tambon_code: str
    lat: float
    lon: float
    min_severity: Severity = Severity.MODERATE
    # The amphoe (district) name in Thai, for warnings that only name places in text.
    district_th: str | None = None
    # GeoJSON boundary text, if the operator configured one (bot reads the file).
    boundary_geojson: str | None = Field(default=None, repr=False)

    @property
    def district_code(self) -> str:
        """The four-digit amphoe code: the first four digits of the tambon code."""
        return self.tambon_code[:4]
