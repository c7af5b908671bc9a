"""Regression over 153 real CAP alerts of 61 agencies (../shared/cap-corpus): none lost, none misplaced.

Every alert parses (broken geometry is dropped per area, with a note), no foreign alert and no
foreign geocode reaches a Thai city, every event lands in its hand-checked class.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from alerts.cap import parse_cap, read_cap_index
from alerts.errors import ParseError
from alerts.hazards import classify_event
from alerts.matching import CityMatcher, thai_code
from alerts.model import Warning
from bot.settings import load_settings
from tests.alerts.test_hazards import CORPUS_EVENTS
from tests.helpers.cli import ROOT
from tests.helpers.corpus import CORPUS, alert_files, is_thai, needs_corpus, sources

pytestmark = needs_corpus

TMD_SAMPLE = "th__thai-meteorological-depa__TMD25680225051318_2.xml"
TMD_CITIES = ["bo-yang", "phatong", "khuan-lang", "padang-besar", "tanot-duan"]


@cache
def parsed() -> dict[str, Warning]:
    return {path.name: parse_cap(path.read_bytes(), "corpus") for path in alert_files()}


@cache
def matcher() -> CityMatcher:
    return CityMatcher(c.to_city() for c in load_settings(ROOT / "config.example.toml").cities)


def test_no_alert_is_lost():
    files = alert_files()
    top_level = [name for name in sources() if "/" not in name]
    assert sorted(f.name for f in files) == sorted(top_level) and len(files) >= 153
    assert len(parsed()) == len(files)  # parse_cap raised for none


@pytest.mark.parametrize("name", [
    "il__israel-meteorological-se__il-488abaaf-cad5-4d2b-93b2-703016878453.xml",  # <polygon/>
    "us__noaa-national-weather-se__nws-5c2cf27b1f56885d61654dc47fa411d5.xml",  # <polygon></polygon>
    "us__noaa-national-weather-se__weather__9607fd78.cap",
    "int__gdacs-ec-jrc-un-ocha__gdacs-cap_1023542.xml",  # a point written 8.72977),-68.13409
])
def test_broken_geometry_is_a_note_not_a_lost_alert(name):
    warning = parsed()[name]
    assert warning.notes and all("dropped" in note for note in warning.notes)


def test_no_foreign_alert_reaches_a_thai_city():
    reached = {name: matcher().match(w) for name, w in parsed().items() if not is_thai(CORPUS / name)}
    assert {name: m for name, m in reached.items() if m} == {}


def test_no_foreign_geocode_names_a_thai_place():
    foreign = [
        (name, g) for name, w in parsed().items() if not is_thai(CORPUS / name)
        for b in w.blocks for a in b.areas for g in a.geocodes
    ]
    assert len(foreign) > 2000  # Taiwan, Canada, DWD, NWS...: the test sees them all
    assert [(name, g) for name, g in foreign if thai_code(g) is not None] == []


def test_the_real_tmd_sample_reaches_exactly_its_five_cities():
    assert [m.city_id for m in matcher().match(parsed()[TMD_SAMPLE])] == TMD_CITIES


def test_every_info_block_in_the_chosen_language_is_kept():
    # The corpus has 21 extra blocks in a leader's language (CWA's 豪雨 and 大雨 blocks...).
    extra = sum(len(w.more_info) for w in parsed().values())
    areas = sum(len(b.areas) for w in parsed().values() for b in w.more_info)
    assert (extra, areas) == (21, 131)


def test_every_corpus_event_is_in_the_checked_table():
    table = {(language, event): (hazard, label) for language, event, hazard, label in CORPUS_EVENTS}
    for warning in parsed().values():
        for block in warning.blocks:
            if not block.event:
                continue  # an alert without <info> (a bare Cancel): nothing to name
            found = classify_event(block.event, warning.language)
            assert table.get((warning.language, block.event)) == (found.hazard, found.label_th), block.event


def test_corpus_indexes_read_entry_by_entry():
    # Canada's NAAD Atom carries its CAP in <content> with no <link>: read in place, not a failed feed.
    index = read_cap_index((CORPUS / "feeds" / "ca__canada_signed.atom").read_bytes())
    assert index.skipped == [] and parse_cap(index.items[0].embedded, "naad").event == "snowfall"
    for path in sorted((CORPUS / "feeds").iterdir()):
        assert read_cap_index(path.read_bytes()).items, path.name


@pytest.mark.parametrize("path", sorted((CORPUS / "extras").iterdir()) if CORPUS.exists() else [], ids=lambda p: p.name)
def test_documents_that_are_not_one_alert_raise_only_parse_error(path: Path):
    try:
        parse_cap(path.read_bytes(), "corpus")
    except ParseError:
        pass
