"""TMD WeatherWarningNews: v2 XML and v1 JSON bulletins into `Warning`s.

The feed has no area codes and no CAP fields: the Thai title, headline and description are kept
for name matching. Quirks: the root element name is not confirmed, so `<Warning>` elements are
found by descendant search; announce and effect dates are local Bangkok time without a zone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from xml.etree.ElementTree import Element

from pydantic import ValidationError

from alerts.cap import local_name, safe_xml, parse_cap_date
from alerts.errors import ParseError
from alerts.model import Area, Certainty, Severity, Urgency, Warning, bounded

BANGKOK = timezone(timedelta(hours=7), "Asia/Bangkok")
SENDER = "TMD-WarningNews"
_FIELDS = (
    "IssueNo", "TitleThai", "TitleEnglish", "HeadlineThai", "HeadlineEnglish", "DescriptionThai",
    "DescriptionEnglish", "AnnounceDate", "EffectStartDate", "EffectEndDate", "WebUrlThai", "WebUrlEnglish",
)
# Words with which TMD orders people to act (small boats ashore, evacuate, stop an activity) or
# names its red level: such a bulletin is at least Severe, whatever the default says.
_SEVERE_WORDS = ("งดออกจากฝั่ง", "งดออกเรือ", "งดการเดินเรือ", "อพยพ", "ขอให้ประชาชนงด", "ระดับสีแดง", "สีแดง")
_ZONELESS = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$")


def parse_tmd_news(data: bytes, feed: str) -> list[Warning]:
    """A WeatherWarningNews payload, XML (v2) or JSON (v1), told apart by its first byte."""
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        return parse_tmd_news_json(data, feed)
    return parse_tmd_news_xml(data, feed)


def parse_tmd_news_xml(data: bytes, feed: str) -> list[Warning]:
    """WeatherWarningNews v2 XML: every `<Warning>` element, wherever it sits."""
    root = safe_xml(data)
    items = [_xml_fields(node) for node in root.iter() if local_name(node.tag) == "Warning"]
    return [_warning(item, feed) for item in items]


def parse_tmd_news_json(data: bytes, feed: str) -> list[Warning]:
    """WeatherWarningNews v1 JSON: every object that carries bulletin fields, wherever it sits."""
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise ParseError(f"not valid JSON: {str(exc)[:120]}") from None
    return [_warning(item, feed) for item in _bulletins(doc)]


def _bulletins(node: Any, depth: int = 0) -> Iterator[dict[str, str]]:
    if depth > 20:
        return
    if isinstance(node, dict):
        if "IssueNo" in node or "TitleThai" in node:
            yield {k: _scalar(node.get(k)) for k in _FIELDS}
            return
        for value in node.values():
            yield from _bulletins(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            yield from _bulletins(value, depth + 1)


def _scalar(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return bounded(str(value).strip())


def _xml_fields(node: Element) -> dict[str, str]:
    found = {local_name(child.tag): bounded((child.text or "").strip()) for child in node}
    return {k: found.get(k, "") for k in _FIELDS}


def local_date(text: str) -> datetime | None:
    """A TMD local time ('2025-11-24 05:00:00', Bangkok, maybe BE year) as an aware datetime."""
    text = text.strip()
    if not text:
        return None
    if _ZONELESS.match(text):
        text = text.replace(" ", "T") + "+07:00"
    return parse_cap_date(text)


def bulletin_severity(item: dict[str, str]) -> Severity:
    """A numbered TMD bulletin is issued only for hazardous weather: at least Moderate, and Severe
    when its Thai text orders people to act or names the red level."""
    text = " ".join(item.get(k, "") for k in ("TitleThai", "HeadlineThai", "DescriptionThai"))
    text = "".join(text.split())  # TMD breaks lines inside words
    return Severity.SEVERE if any(word in text for word in _SEVERE_WORDS) else Severity.MODERATE


def _warning(item: dict[str, str], feed: str) -> Warning:
    announced = local_date(item["AnnounceDate"])
    if announced is None:
        raise ParseError("warning news item has no AnnounceDate")
    issue = item["IssueNo"] or "0"
    title = item["TitleThai"] or item["TitleEnglish"]
    if not title:
        raise ParseError("warning news item has no title")
    try:
        return Warning(
            feed=feed,
            sender=SENDER,
            # IssueNo restarts per series, so the announce time makes the identifier unique.
            identifier=f"{announced.astimezone(BANGKOK):%Y%m%d%H%M}-{issue}",
            sent=announced,
            # TMD's own Thai title names the hazard for leaders; the English one is kept as a parameter.
            event=title,
            category=("Met",),
            urgency=Urgency.EXPECTED,
            severity=bulletin_severity(item),
            certainty=Certainty.LIKELY,
            effective=local_date(item["EffectStartDate"]),
            expires=local_date(item["EffectEndDate"]),
            sender_name="กรมอุตุนิยมวิทยา",
            headline=item["HeadlineThai"] or item["HeadlineEnglish"] or title,
            description=item["DescriptionThai"] or item["DescriptionEnglish"],
            web=item["WebUrlThai"] or item["WebUrlEnglish"],
            # No area codes: the Thai description names the provinces, for name matching.
            areas=(Area(desc=item["DescriptionThai"] or item["HeadlineThai"] or title),),
            parameters=(("issue_no", issue), ("title_th", item["TitleThai"]), ("title_en", item["TitleEnglish"])),
        )
    except ValidationError as exc:
        raise ParseError(f"warning news item has invalid values: {exc.errors()[0]['msg']}") from None
