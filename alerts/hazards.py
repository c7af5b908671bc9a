"""Hazard classes: what kind of danger a warning's event names, for Thai labels and livelihood advice.

`classify_event` is the one way from a feed's event text to a `Hazard` and a Thai name.
Advice is keyed by `Hazard` (one line per hazard × livelihood); labels name the event itself,
so a flash flood reads น้ำป่าไหลหลาก even though its advice is the heavy-rain class's.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

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
    """An event's hazard class and its Thai name (`key` names the vocabulary class, for advice)."""

    hazard: Hazard
    label_th: str
    key: str = ""

    @property
    def known(self) -> bool:
        """False for an event floodbot has no class for."""
        return self.hazard is not Hazard.UNKNOWN


UNKNOWN_CLASS = EventClass(Hazard.UNKNOWN, UNKNOWN_LABEL)

# Scripts written without spaces between words: their terms match inside the text.
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_THAI = re.compile(r"[\u0e00-\u0e7f]")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class _Term:
    rank: int  # the class's place in the file: the first matching class wins
    words: tuple[str, ...]  # casefolded words, or one unspaced phrase
    unspaced: bool
    entry: EventClass


@cache
def _vocabulary() -> dict[str, tuple[_Term, ...]]:
    """Terms by language, in file order."""
    text = resources.files("alerts").joinpath("data/hazards.toml").read_text(encoding="utf-8")
    by_language: dict[str, list[_Term]] = {}
    for rank, item in enumerate(tomllib.loads(text)["class"]):
        entry = EventClass(Hazard(item["hazard"]), item["th"], item["key"])
        if entry.hazard is Hazard.UNKNOWN:
            entry = UNKNOWN_CLASS
        for language, terms in item["terms"].items():
            for term in terms:
                folded = term.casefold()
                unspaced = bool(_UNSPACED.search(folded))
                words = (folded,) if unspaced else tuple(_WORD.findall(folded))
                by_language.setdefault(language, []).append(_Term(rank, words, unspaced, entry))
    return {language: tuple(terms) for language, terms in by_language.items()}


def _languages(event: str, language: str) -> list[str]:
    """Which term lists apply: the warning's language; a Thai alert also English (TMD writes English
    event names in th-TH blocks), and any event in Thai script Thai."""
    primary = (language or "en").split("-")[0].strip().casefold()
    langs = [primary]
    if primary == "th":
        langs.append("en")
    if _THAI.search(event):
        langs.append("th")
    return list(dict.fromkeys(langs))


def _matches(term: _Term, folded: str, words: list[str]) -> bool:
    if term.unspaced:
        return term.words[0] in folded
    n = len(term.words)
    return any(tuple(words[i : i + n]) == term.words for i in range(len(words) - n + 1))


def classify_event(event: str, language: str = "th-TH") -> EventClass:
    """The hazard class and Thai name of a feed event (`language` is the warning's CAP language).

    Terms match as whole words or phrases in that language; an event with no known term is UNKNOWN
    (the neutral label), never another hazard's name.
    """
    folded = event.casefold()
    words = _WORD.findall(folded)
    vocabulary = _vocabulary()
    hits = [
        term
        for language_ in _languages(event, language)
        for term in vocabulary.get(language_, ())
        if _matches(term, folded, words)
    ]
    return min(hits, key=lambda term: term.rank).entry if hits else UNKNOWN_CLASS
