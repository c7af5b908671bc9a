"""Thai alert messages in Telegram HTML, from templates and livelihood advice kept as data."""

from __future__ import annotations

import csv
import html
import tomllib
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from alerts.hazards import classify_event
from alerts.model import Status, Warning
from alerts.thaitext import escape_truncated, truncate_html, visible_length

__all__ = ["MessageKind", "render_alert", "thai_datetime", "truncate_html", "visible_length", "advice_for"]

# Budgets in visible characters: the whole message should fit one phone screen (~700),
# with the full text behind the source link.
TARGET_LENGTH = 700
_HEADLINE_MAX = 160
_INSTRUCTION_MAX = 220
_CITIES_MAX = 300
_EVENT_MAX = 120
# Below this, a description excerpt says too little to be worth the space.
_DESCRIPTION_MIN = 60
_DESCRIPTION_MAX = 700


class MessageKind(StrEnum):
    """What a message tells a leader about its warning."""

    NEW = "new"
    UPDATE = "update"
    CANCEL = "cancel"
    ALL_CLEAR = "all_clear"
    DRILL = "drill"


@cache
def _templates() -> dict[str, Any]:
    text = resources.files("alerts").joinpath("data/templates.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def _advice() -> dict[tuple[str, str], str]:
    text = resources.files("alerts").joinpath("data/advice.csv").read_text(encoding="utf-8")
    return {(row["event"], row["livelihood"]): row["advice"] for row in csv.DictReader(text.splitlines())}


def thai_datetime(dt: datetime, tz: ZoneInfo) -> str:
    """A moment in Thai, Buddhist era, local time: `25 ก.พ. 2568 18:00 น.`."""
    local = dt.astimezone(tz)
    t = _templates()
    return t["datetime"].format(
        day=local.day, month=t["months"][local.month - 1], year=local.year + 543, time=local.strftime("%H:%M")
    )


def severity_label(severity: str) -> str:
    """The severity as leaders read it everywhere: symbol and Thai word, e.g. `🟠 รุนแรง`."""
    entries = _templates()["severity"]
    entry = entries.get(severity, entries["Unknown"])
    return f"{entry['symbol']} {entry['word']}"


def event_label(event: str, language: str = "th-TH") -> str:
    """A feed event in Thai (`Heavy Rain` → `ฝนตกหนัก`); an unknown one as the neutral label and the feed's text."""
    found = classify_event(event, language)
    if found.known or not event.strip():
        return found.label_th
    return f"{found.label_th}: {event.strip()}"


def event_key(event: str, language: str = "th-TH") -> str | None:
    """The vocabulary class of a feed event (`heavy_rain`, `flood`...), or None when unknown."""
    found = classify_event(event, language)
    return found.key if found.known else None


def advice_for(event: str, livelihood: str, language: str = "th-TH") -> str | None:
    """The advice line for a feed event and a livelihood (`fishing`, `farming`...), or None."""
    key = event_key(event, language)
    return _advice().get((key, livelihood)) if key else None


def render_alert(
    warning: Warning,
    *,
    kind: MessageKind,
    city_names: list[str],
    livelihood: str,
    tz: ZoneInfo,
    places: Sequence[str] = (),
) -> str:
    """The Thai message (Telegram HTML) a leader with this livelihood gets for this warning.

    `places` (e.g. `alerts.places.place_words(["90"])`): paragraphs of the description and the
    instruction that name one of them are shown first, so a nationwide TMD text leads with the south.
    """
    t = _templates()
    layout = t["layout"]
    style = t["kind"][str(kind)]
    drill = kind is MessageKind.DRILL or warning.status in (Status.EXERCISE, Status.TEST)
    water = _is_water_level(warning)

    event = _event_text(warning, water)
    if style["show_severity"]:
        severity = t["severity"][warning.severity.value]
        event_line = layout["severity"].format(symbol=severity["symbol"], word=severity["word"], event=event)
    else:
        event_line = layout["event_only"].format(event=event)
    cities = escape_truncated(", ".join(city_names), _CITIES_MAX) if city_names else ""
    advice = advice_for(warning.event, livelihood, warning.language) if style["advice"] else None

    top = [t["drill"]["top"] if drill else "", style["first_line"], event_line]
    top += [
        layout["areas"].format(cities=cities) if cities else "",
        _station(warning) if water else "",
        _window(warning, tz, water, style.get("window", True)),
        layout["headline"].format(headline=escape_truncated(warning.headline, _HEADLINE_MAX))
        if warning.headline.strip()
        else "",
    ]
    instruction = (
        layout["instruction"].format(
            instruction=escape_truncated(_focused(warning.instruction, places), _INSTRUCTION_MAX)
        )
        if warning.instruction.strip()
        else ""
    )
    bottom = [
        instruction,
        layout["advice"].format(advice=html.escape(advice)) if advice else "",
        _source(warning),
        t["drill"]["bottom"] if drill else "",
    ]
    budget = TARGET_LENGTH - visible_length(_join(top + bottom))
    description = _description(warning, budget, places)
    return _join([*top, description, *bottom])


def _join(lines: list[str]) -> str:
    return "\n".join(line for line in lines if line)


def _is_water_level(warning: Warning) -> bool:
    return warning.parameter("bank_percent") is not None or event_key(warning.event, warning.language) == "water_level"


def _event_text(warning: Warning, water: bool) -> str:
    """The event in Thai; a water-level row as `ระดับน้ำ <river> <percent>% ของตลิ่ง`."""
    if water:
        return _water_line(warning)
    return escape_truncated(event_label(warning.event, warning.language), _EVENT_MAX)


def _water_line(warning: Warning) -> str:
    wl = _templates()["water_level"]
    river = escape_truncated(warning.parameter("river") or warning.parameter("station") or "", _EVENT_MAX)
    percent = _percent(warning.parameter("bank_percent"))
    line = (
        wl["line"].format(river=river, percent=percent) if percent else wl["line_no_percent"].format(river=river)
    )
    situation = wl["situation"].get((warning.parameter("situation_level") or "").strip())
    if situation:
        line += f" ({situation})"
    return " ".join(line.split())


def _station(warning: Warning) -> str:
    station = warning.parameter("station")
    if not station or not warning.parameter("river"):
        return ""  # without a river the station already names the event line
    return _templates()["layout"]["station"].format(station=escape_truncated(station, _EVENT_MAX))


def _percent(value: str | None) -> str:
    """`88.75` → `89`; anything that is not a number is left out."""
    try:
        return str(round(float(value))) if value is not None else ""
    except ValueError:
        return ""


def _window(warning: Warning, tz: ZoneInfo, water: bool, validity: bool) -> str:
    layout = _templates()["layout"]
    if water:
        return layout["observed"].format(start=thai_datetime(warning.sent, tz))
    if not validity:
        return layout["issued"].format(start=thai_datetime(warning.sent, tz))
    start = thai_datetime(warning.effective or warning.onset or warning.sent, tz)
    if warning.expires is None:
        return layout["window_open"].format(start=start)
    return layout["window"].format(start=start, end=thai_datetime(warning.expires, tz))


def _source(warning: Warning) -> str:
    t = _templates()
    senders = t["senders"]
    name = senders.get(warning.sender) or senders.get(warning.feed) or warning.sender_name or warning.sender
    sender = escape_truncated(name, 80)
    url = warning.web.strip()
    # Only web links go into href: a javascript: or data: URL from a feed must not become a link.
    if urlsplit(url).scheme in ("http", "https") and " " not in url:
        return t["layout"]["source_link"].format(url=html.escape(url, quote=True), sender=sender)
    return t["layout"]["source"].format(sender=sender)


def _focused(text: str, places: Sequence[str]) -> str:
    """The text's paragraphs, those naming one of `places` first (each group in its own order)."""
    paragraphs = [p for p in (line.strip() for line in text.splitlines()) if p]
    if not places:
        return " ".join(paragraphs)
    named = [p for p in paragraphs if any(place in p for place in places)]
    return " ".join(named + [p for p in paragraphs if p not in named])


def _description(warning: Warning, budget: int, places: Sequence[str]) -> str:
    text = " ".join(_focused(warning.description, places).split())
    if not text or text == " ".join(warning.headline.split()):
        return ""
    budget = min(budget, _DESCRIPTION_MAX)
    if budget < _DESCRIPTION_MIN:
        return ""
    return escape_truncated(text, budget)

