"""Hazard classes: what kind of danger a warning's event names, for Thai labels and livelihood advice.

`classify_event` is the one way from a feed's event text to a `Hazard` and a Thai name.
Advice is keyed by `Hazard` (one line per hazard × livelihood); labels name the event itself,
so a flash flood reads น้ำป่าไหลหลาก even though its advice is the heavy-rain class's.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["Hazard", "EventClass", "classify_event", "UNKNOWN_LABEL"]


class Hazard(StrEnum):
    """The hazard classes advice is written for."""

    HEAVY_RAIN = "heavy_rain"  # heavy rain, flash flood, flooding from rain
    RIVER = "river"  # river level near or over the bank
    WIND_WAVES = "wind_waves"  # strong wind, high waves, rough sea
    STORM = "storm"  # thunderstorm, tropical storm, depression, cyclone
    STORM_SURGE = "storm_surge"
    LANDSLIDE = "landslide"
    HEAT = "heat"
    UNKNOWN = "unknown"  # an event floodbot has no class for: neutral label, no hazard advice


# The neutral Thai label for an event floodbot does not know; the agency's own words follow it.
UNKNOWN_LABEL = "ประกาศเตือนภัย"


@dataclass(frozen=True)
class EventClass:
    """An event's hazard class and its Thai name."""

    hazard: Hazard
    label_th: str

    @property
    def known(self) -> bool:
        """False for an event floodbot has no class for."""
        return self.hazard is not Hazard.UNKNOWN


# The template keys of the first round's event table, by hazard class.
_KEY_HAZARD = {
    "flash_flood": Hazard.HEAVY_RAIN,
    "flood": Hazard.HEAVY_RAIN,
    "heavy_rain": Hazard.HEAVY_RAIN,
    "water_level": Hazard.RIVER,
    "landslide": Hazard.LANDSLIDE,
    "wind_waves": Hazard.WIND_WAVES,
    "storm": Hazard.STORM,
}


@cache
def _events() -> list[dict[str, Any]]:
    text = resources.files("alerts").joinpath("data/templates.toml").read_text(encoding="utf-8")
    return list(tomllib.loads(text)["event"])


def classify_event(event: str, language: str = "th-TH") -> EventClass:
    """The hazard class and Thai name of a feed event (`language` is the warning's CAP language)."""
    folded = event.casefold()
    entry = next((e for e in _events() if any(m.casefold() in folded for m in e["match"])), None)
    if entry is None:
        return EventClass(Hazard.UNKNOWN, UNKNOWN_LABEL)
    return EventClass(_KEY_HAZARD[entry["key"]], entry["th"])
