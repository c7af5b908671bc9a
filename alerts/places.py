"""Thai places data: the 77 provinces with their names, aliases and TMD forecast regions.

The data lives in alerts/data/provinces.csv (sources in alerts/data/SOURCES.md).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict


class Province(BaseModel):
    """One province: DOPA code (= ISO 3166-2:TH-xx digits), names, regions and aliases."""

    model_config = ConfigDict(frozen=True)

    code: str
    name_th: str
    name_en: str
    regions: tuple[str, ...]
    aliases: tuple[str, ...]

    @property
    def iso(self) -> str:
        """The ISO 3166-2 code, e.g. `TH-90`."""
        return f"TH-{self.code}"

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the province is written as in feed text: Thai, English and aliases."""
        return (self.name_th, self.name_en, *self.aliases)


@cache
def provinces() -> tuple[Province, ...]:
    """All 77 provinces, in code order."""
    text = resources.files("alerts").joinpath("data/provinces.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return tuple(
        Province(
            code=row["code"],
            name_th=row["name_th"],
            name_en=row["name_en"],
            regions=tuple(r for r in row["region"].split("|") if r),
            aliases=tuple(a for a in row["aliases"].split("|") if a),
        )
        for row in csv.DictReader(lines)
    )


@cache
def _by_code() -> dict[str, Province]:
    return {p.code: p for p in provinces()}


def province(code: str) -> Province | None:
    """The province with this two-digit code (or `TH-xx`), or None."""
    return _by_code().get(code.removeprefix("TH-"))


@cache
def regions() -> dict[str, frozenset[str]]:
    """Each TMD region name mapped to the codes of the provinces it contains."""
    found: dict[str, set[str]] = {}
    for p in provinces():
        for region in p.regions:
            found.setdefault(region, set()).add(p.code)
    return {name: frozenset(codes) for name, codes in found.items()}


def place_words(province_codes: Iterable[str]) -> list[str]:
    """Thai names and TMD regions of these provinces, most specific first, without repeats."""
    words: list[str] = []
    found = [p for code in province_codes if (p := province(code)) is not None]
    for p in found:
        words.append(p.name_th)
    for p in found:
        words.extend(p.regions)
    return list(dict.fromkeys(words))
