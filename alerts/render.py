"""Thai alert messages in Telegram HTML: one phone screen, action first, advice kept as data.

The alert reads top to bottom: severity and hazard, the leader's own area first, until when,
👉 what this leader does (a hazard × livelihood matrix, `data/advice.csv`), one sentence of the
agency's own instruction cut at a Thai word boundary, and the source with the full text one tap
away. It fits `max_lines` lines at 360 px by the width model of `alerts.thaitext.phone_lines`.
"""

from __future__ import annotations

import csv
import html
import re
import tomllib
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import NotRequired, TypedDict, cast
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from alerts.hazards import UNKNOWN_LABEL, EventClass, Hazard, classify_event
from alerts.model import Status, Warning
from alerts.thaitext import escape_shortened, phone_lines, shorten, truncate_html, visible_length

__all__ = [
    "MessageKind", "render_alert", "thai_datetime", "thai_when", "truncate_html", "visible_length",
    "advice_for", "event_label", "event_key", "severity_label", "sea_areas", "LIVELIHOODS",
]

LIVELIHOODS = ("fishing", "farming", "labour", "trade", "other")
# Caps in visible characters for feed text; the line budget then decides what fits.
_EVENT_MAX = 40
_AGENCY_MAX = 150
_AGENCY_MIN = 40
_TITLE_MAX = 60
_AREAS_MAX = 12
_THAI = re.compile(r"[\u0e00-\u0e7f]")
# TMD's CAP sample splits "ขอให้" across two paragraphs: "… 2-3 เมตร ข" / "อให้ชาวเรือ…" (review D18).
_SPLIT_KHO = re.compile(r"\s*(?<![\u0e00-\u0e7f])ข\s*\n\s*(อให้)")
# "ขอให้ประชาชนในบริเวณ" and the like: the request formula, dropped to leave room for what to do.
_PLEASE = re.compile(r"^(?:ขอให้|ขอ)(?:ประชาชน)?(?:ที่อาศัยอยู่|ที่อาศัย)?(?:ใน)?(?:บริเวณ)?")
# TMD's content words that make a bulletin at least Severe are in alerts/tmd_news.py.


class MessageKind(StrEnum):
    """What a message tells a leader about its warning."""

    NEW = "new"
    UPDATE = "update"
    CANCEL = "cancel"
    ALL_CLEAR = "all_clear"
    DRILL = "drill"


class _Titles(TypedDict):
    title: str
    title_unknown: str


class _Cancel(_Titles):
    body: str


class _AllClear(_Titles):
    remains: dict[str, str]  # hazard class -> what still holds


class _Severity(TypedDict):
    symbol: str
    word: str


class _AgencyAdvice(TypedDict):
    livelihood: str
    all: list[str]
    advice: str


class _WaterLevel(TypedDict):
    level: str
    bank: str
    rising: str
    falling: str
    situation: dict[str, str]


class _Templates(TypedDict):
    """The shape of `data/templates.toml`."""

    months: list[str]
    datetime: str
    when: str
    when_same_year: str
    max_lines: int
    layout: dict[str, str]
    who: dict[str, str]
    changes: dict[str, str]
    severity: dict[str, _Severity]
    cancel: _Cancel
    all_clear: _AllClear
    dropped: dict[str, str]
    drill: dict[str, str]
    agency_words: dict[str, list[str]]
    agency_advice: NotRequired[list[_AgencyAdvice]]
    agency_short: dict[str, str]
    sea_areas: dict[str, list[str]]
    water_level: _WaterLevel
    senders: dict[str, str]


@cache
def _templates() -> _Templates:
    text = resources.files("alerts").joinpath("data/templates.toml").read_text(encoding="utf-8")
    return cast(_Templates, tomllib.loads(text))  # the TOML boundary: the file is ours, shaped as above


@cache
def advice_matrix() -> dict[tuple[Hazard, str], str]:
    """The reviewed action line per (hazard class, livelihood), from `data/advice.csv`."""
    text = resources.files("alerts").joinpath("data/advice.csv").read_text(encoding="utf-8")
    return {
        (Hazard(row["hazard"]), row["livelihood"]): row["advice"].strip()
        for row in csv.DictReader(text.splitlines())
    }


def thai_datetime(dt: datetime, tz: ZoneInfo) -> str:
    """A moment in Thai, Buddhist era, local time: `25 ก.พ. 2568 18:00 น.` (admin texts, /status)."""
    local = dt.astimezone(tz)
    t = _templates()
    return t["datetime"].format(
        day=local.day, month=t["months"][local.month - 1], year=local.year + 543, time=local.strftime("%H:%M")
    )


def thai_when(dt: datetime, tz: ZoneInfo, *, year: bool = True) -> str:
    """A moment as alerts write it: `26 ก.พ. 68 เวลา 06.00 น.` (official HH.MM, two-digit BE year)."""
    local = dt.astimezone(tz)
    t = _templates()
    month = t["months"][local.month - 1]
    if not year:
        return t["when_same_year"].format(day=local.day, month=month, time=local.strftime("%H.%M"))
    return t["when"].format(day=local.day, month=month, year=(local.year + 543) % 100, time=local.strftime("%H.%M"))


def severity_label(severity: str) -> str:
    """The severity as leaders read it everywhere: symbol and Thai word, e.g. `🟠 รุนแรง`."""
    entries = _templates()["severity"]
    entry = entries.get(str(severity), entries["Unknown"])
    return f"{entry['symbol']} {entry['word']}"


def event_label(event: str, language: str = "th-TH", *, foreign: bool = True) -> str:
    """A feed event in Thai for leaders and admins (`Heavy Rain` → `ฝนตกหนัก`).

    An event floodbot has no class for keeps its own words when they are Thai; otherwise it is the
    neutral ประกาศเตือนภัย, followed by the agency's own event unless `foreign` is False (a follow-up
    that replies to the alert, which already shows them). Never another hazard's name.
    """
    found = classify_event(event, language)
    if found.known:
        return found.label_th
    text = " ".join(event.split())
    if _THAI.search(text):
        return shorten(text, _EVENT_MAX)
    return f"{UNKNOWN_LABEL}: {shorten(text, _EVENT_MAX)}" if text and foreign else UNKNOWN_LABEL


def event_key(event: str, language: str = "th-TH") -> str | None:
    """The hazard class of a feed event (`heavy_rain`, `river`...), or None when unknown."""
    found = classify_event(event, language)
    return str(found.hazard) if found.known else None


def advice_for(event: str, livelihood: str, language: str = "th-TH") -> str:
    """The action line for a feed event and a livelihood (`fishing`, `farming`...): never empty."""
    return _matrix_advice(classify_event(event, language).hazard, livelihood)


def _matrix_advice(hazard: Hazard, livelihood: str) -> str:
    """The matrix cell, or the hazard's `other` cell for a livelihood the matrix does not name."""
    matrix = advice_matrix()
    return matrix.get((hazard, livelihood)) or matrix[(hazard, "other")]


def sea_areas(province_codes: Iterable[str]) -> list[str]:
    """TMD's sea-area words for these provinces' boats (`90` → อ่าวไทยตอนล่าง…), without repeats."""
    table = _templates()["sea_areas"]
    return list(dict.fromkeys(w for code in province_codes for w in table.get(code.removeprefix("TH-"), [])))


def render_alert(
    warning: Warning,
    *,
    kind: MessageKind,
    city_names: list[str],
    livelihood: str,
    tz: ZoneInfo,
    places: Sequence[str] = (),
    own_city: str | None = None,
    previous: Warning | None = None,
) -> str:
    """The Thai message (Telegram HTML) a leader with this livelihood gets for this warning.

    `own_city` (the leader's own area) is named first and bold. `places` (province, region and sea
    words, e.g. `place_words(["90"]) + sea_areas(["90"])`) pick the agency's sentence for this
    area. `previous`, for an update, is the version the leader had: the message says what changed.
    """
    t = _templates()
    drill = kind is MessageKind.DRILL or warning.status in (Status.EXERCISE, Status.TEST)
    found = classify_event(warning.event, warning.language)
    label = _label(warning, found)
    marks = (t["drill"]["top"], t["drill"]["bottom"]) if drill else ("", "")
    source = _source(warning)
    if kind is MessageKind.CANCEL:
        lines = [
            _title(t["cancel"], label, found),
            _areas(city_names, own_city),
            t["layout"]["cancelled"].format(start=thai_when(warning.sent, tz)),
            t["cancel"]["body"],
        ]
        return _join([marks[0], *lines, source, marks[1]])
    if kind is MessageKind.ALL_CLEAR:
        lines = [
            _title(t["all_clear"], label, found),
            _areas(city_names, own_city),
            t["layout"]["issued"].format(start=thai_when(warning.sent, tz)),
            t["all_clear"]["remains"][str(found.hazard)],
        ]
        return _join([marks[0], *lines, source, marks[1]])

    layout = t["layout"]
    if kind is MessageKind.UPDATE and own_city and own_city not in city_names:
        # The new version no longer covers this leader's area: say so, not a fresh alarm elsewhere.
        lines = [
            t["dropped"]["title"].format(own=escape_shortened(own_city, _EVENT_MAX)),
            t["dropped"]["still"].format(event=label, areas=_areas(city_names, None).removeprefix("📍 "))
            if city_names else "",
        ]
        return _join([marks[0], *lines, source, marks[1]])
    severity = t["severity"].get(str(warning.severity), t["severity"]["Unknown"])
    head = layout["headline_update" if kind is MessageKind.UPDATE else "headline"]
    top = [
        head.format(symbol=severity["symbol"], word=severity["word"], event=label),
        _areas(city_names, own_city),
        _changes(warning, previous, tz) if kind is MessageKind.UPDATE else "",
        _window(warning, tz),
        _action(warning, found.hazard, livelihood, places),
    ]
    # The agency's line gets what is left of the screen, cut at a word boundary.
    budget = t["max_lines"]
    for limit in range(_AGENCY_MAX, _AGENCY_MIN - 1, -10):
        agency = _agency_line(warning, found, livelihood, places, limit)
        if phone_lines(_join([*top, agency, source])) <= budget:
            break
    else:
        agency = ""
    return _join([marks[0], *top, agency, source, marks[1]])


def _title(texts: _Titles, label: str, found: EventClass) -> str:
    # "ยกเลิกประกาศเตือนภัยประกาศเตือนภัย" would repeat itself: an unknown event has its own title.
    return texts["title"].format(event=label) if found.known else texts["title_unknown"]


def _join(lines: list[str]) -> str:
    return "\n".join(line for line in lines if line)


def _is_water_level(warning: Warning) -> bool:
    return warning.sender == "thaiwater" or warning.parameter("bank_percent") is not None


def _label(warning: Warning, found: EventClass) -> str:
    """The hazard in Thai, escaped: a ThaiWater row adds its river, a TMD bulletin keeps its Thai title's hazard."""
    if _is_water_level(warning):
        river = warning.parameter("river") or ""
        name = found.label_th if found.known else escape_shortened(warning.event, _EVENT_MAX)
        return f"{name} {escape_shortened(river, _EVENT_MAX)}".strip() if river else name
    if found.known:
        return found.label_th
    if _THAI.search(warning.headline):
        return UNKNOWN_LABEL  # the agency's own Thai headline follows; no English where Thai exists
    return html.escape(event_label(warning.event, warning.language), quote=False)


def _areas(city_names: Sequence[str], own: str | None) -> str:
    """📍 the leader's own area in bold, then as many others as fit one phone line, then "และอีก N พื้นที่"."""
    layout = _templates()["layout"]
    # Each name capped, and no more names tried than a line could hold: feed-sized input stays cheap.
    if own is not None and own not in city_names:
        own = None  # never name as "yours" an area the warning does not cover
    names = [shorten(c, _EVENT_MAX) for c in city_names[:_AREAS_MAX] if c.strip()]
    extra = max(0, len(city_names) - _AREAS_MAX)
    if not names and not own:
        return ""
    if own is None:
        own, names = names[0], names[1:]
        bold = False
    else:
        own = shorten(own, _EVENT_MAX)
        names = [c for c in names if c != own]
        bold = True
    mine = html.escape(own, quote=False)
    for shown in range(len(names), -1, -1):
        listed = " ".join(html.escape(n, quote=False) for n in names[:shown])
        rest = len(names) - shown + extra
        tail = layout["others"].format(cities=listed) if listed else ""
        if rest:
            tail += layout["others_more"].format(count=rest)
        line = layout["areas_own" if bold else "areas"].format(own=mine, others=tail, cities=f"{mine}{tail}")
        if phone_lines(line) == 1 or shown == 0:
            return line
    raise AssertionError("unreachable")


def _window(warning: Warning, tz: ZoneInfo) -> str:
    layout = _templates()["layout"]
    if _is_water_level(warning):
        return layout["observed"].format(start=thai_when(warning.sent, tz))
    start = warning.effective or warning.onset or warning.sent
    if warning.expires is None:
        return layout["open_ended"].format(start=thai_when(start, tz))
    line = layout["until"].format(end=thai_when(warning.expires, tz))
    if start > warning.sent + timedelta(minutes=1):
        same_year = start.astimezone(tz).year == warning.expires.astimezone(tz).year
        line += layout["starts"].format(start=thai_when(start, tz, year=not same_year))
    return line


def _changes(warning: Warning, previous: Warning | None, tz: ZoneInfo) -> str:
    """What an update changed, against the version the leader had."""
    t = _templates()
    words = t["changes"]
    if previous is None:
        return ""
    found: list[str] = []
    new, old = warning.severity.rank, previous.severity.rank
    if new != old:
        key = "severity_up" if new > old else "severity_down"
        found.append(words[key].format(severity=severity_label(previous.severity)))
    if warning.expires != previous.expires and warning.expires is not None:
        later = previous.expires is None or warning.expires > previous.expires
        found.append(words["later" if later else "earlier"])
    if _area_key(warning) != _area_key(previous):
        found.append(words["area"])
    return t["layout"]["changed"].format(changes=" · ".join(found) if found else words["none"])


def _area_key(warning: Warning) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    return tuple(sorted((a.desc, tuple(sorted((g.name, g.value) for g in a.geocodes))) for a in warning.areas))


def _action(warning: Warning, hazard: Hazard, livelihood: str, places: Sequence[str]) -> str:
    """👉 what this leader does: the agency's own order for this livelihood when it gave one, else the matrix."""
    t = _templates()
    advice = _matrix_advice(hazard, livelihood)
    for rule in t.get("agency_advice", []):
        if rule["livelihood"] != livelihood:
            continue
        sentences = [s for s in _sentences(warning.instruction) if all(w in s for w in rule["all"])]
        # The order must concern this leader's coast or province when TMD names one.
        if any(_names_place(s, places) is not False for s in sentences):
            advice = rule["advice"]
            break
    who = t["who"].get(livelihood, "")
    return t["layout"]["advice"].format(who=who, advice=html.escape(advice, quote=False))


def _names_place(sentence: str, places: Sequence[str]) -> bool | None:
    """True when the sentence names one of `places`; None when it names no sea or region at all."""
    if any(p in sentence for p in places):
        return True
    return False if any(s in sentence for s in _sea_words()) or "ภาค" in sentence else None


@cache
def _sea_words() -> frozenset[str]:
    return frozenset(w for words in _templates()["sea_areas"].values() for w in words)


def _paragraphs(text: str) -> list[str]:
    text = _SPLIT_KHO.sub(r"\n ข\1", text)
    text = text.replace("\n ขอให้", "\nขอให้")
    return [" ".join(p.split()) for p in text.splitlines() if p.strip()]


def _sentences(text: str) -> list[str]:
    """The instruction in clauses: TMD separates them with spaces inside a paragraph."""
    return [s for p in _paragraphs(text) for s in p.split(" ") if s]


def _agency_line(warning: Warning, found: EventClass, livelihood: str, places: Sequence[str], limit: int) -> str:
    """⚠️ one sentence of the agency's own words, the one for this leader's livelihood and area."""
    t = _templates()
    if _is_water_level(warning):
        return _station_line(warning)
    name = t["agency_short"].get(warning.sender) or t["agency_short"].get(warning.feed) or _sender_name(warning)
    text = _key_instruction(warning.instruction, livelihood, places)
    if not found.known or not text:
        headline = " ".join(warning.headline.split())
        text = f"{headline} · {text}" if headline and text else headline or text
    if not text:
        return ""
    return t["layout"]["agency"].format(agency=html.escape(name, quote=False), text=escape_shortened(text, limit))


def _key_instruction(instruction: str, livelihood: str, places: Sequence[str]) -> str:
    """The paragraph naming the leader's area and livelihood, from its most relevant clause on."""
    keywords = _templates()["agency_words"].get(livelihood, [])
    paragraphs = _paragraphs(instruction)
    if not paragraphs:
        return ""

    def score(text: str) -> int:
        return 3 * any(p in text for p in places) + 2 * any(k in text for k in keywords)

    best = max(paragraphs, key=score)  # the first of equals: TMD puts the general paragraph first
    clauses = best.split(" ")
    start = max(range(len(clauses)), key=lambda i: (score(clauses[i]), -i))
    text = " ".join(clauses[start:]) if score(clauses[start]) > score(clauses[0]) else best
    return _PLEASE.sub("", text)


def _station_line(warning: Warning) -> str:
    """📏 the ThaiWater station, its water against the bank, and whether it is rising."""
    wl = _templates()["water_level"]
    station = escape_shortened(warning.parameter("station") or "", _EVENT_MAX)
    percent = _percent(warning.parameter("bank_percent"))
    metres, side = warning.parameter("bank_diff"), warning.parameter("bank_diff_text")
    if metres and side:
        level = wl["bank"].format(side=html.escape(side), metres=html.escape(metres))
    else:
        level = wl["level"].format(percent=percent) if percent else ""
    level += _trend(warning)
    text = f"{station}{level}" if station else level.removeprefix(" · ")
    return _templates()["layout"]["station"].format(station=text, level="") if text.strip() else ""


def _trend(warning: Warning) -> str:
    wl = _templates()["water_level"]
    try:
        now = float(warning.parameter("waterlevel_msl") or "")
        before = float(warning.parameter("waterlevel_msl_previous") or "")
    except ValueError:
        return ""
    if now - before > 0.005:
        return wl["rising"]
    if before - now > 0.005:
        return wl["falling"]
    return ""


def _percent(value: str | None) -> str:
    """`88.75` → `89`; anything that is not a number is left out."""
    try:
        return str(round(float(value))) if value is not None else ""
    except ValueError:
        return ""


def _sender_name(warning: Warning) -> str:
    senders = _templates()["senders"]
    return senders.get(warning.sender) or senders.get(warning.feed) or warning.sender_name or warning.sender


def _source(warning: Warning) -> str:
    t = _templates()
    sender = escape_shortened(_sender_name(warning), 60)
    title, issue = warning.parameter("title_th"), warning.parameter("issue_no")
    if title and issue and issue != "0":
        sender = t["layout"]["bulletin"].format(
            sender=sender, title=escape_shortened(_strip_issue(title), _TITLE_MAX), issue=html.escape(issue)
        )
    url = warning.web.strip()
    # Only web links go into href: a javascript: or data: URL from a feed must not become a link.
    if urlsplit(url).scheme in ("http", "https") and " " not in url:
        return t["layout"]["source_link"].format(url=html.escape(url, quote=True), sender=sender)
    return t["layout"]["source"].format(sender=sender)


def _strip_issue(title: str) -> str:
    """TMD titles often end in their own "ฉบับที่ N": the source line says it once."""
    return re.sub(r"\s*(ฉบับที่|No\.)\s*\d+\s*$", "", " ".join(title.split()))
