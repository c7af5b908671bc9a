"""CAP 1.2 alerts and CAP feed indexes (RSS or Atom) into `Warning` and `IndexItem`.

Every byte goes through defusedxml: an entity bomb or an external entity is refused, never expanded.
TMD's quirks (real sample TMD25680225051318_2): Buddhist-era years on every date, polygons written
lon,lat, `ISO3166-2` geocodes `TH-90`, an XML-DSig `<Signature>` beside `<info>` (ignored).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar
from email.utils import parsedate_to_datetime
from xml.etree.ElementTree import Element, tostring
from xml.etree.ElementTree import ParseError as XMLParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException, EntitiesForbidden
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from alerts.errors import ParseError
from alerts.model import Area, Circle, Geocode, Info, Reference, Warning, bounded

# Thailand's box: latitudes and longitudes do not overlap, so the order of a pair is detectable.
THAI_LAT = (5.5, 20.6)
THAI_LON = (97.0, 106.0)
# A year this large is Buddhist era (BE = CE + 543); CAP from TMD writes 2568 for 2025.
_BE_OFFSET = 543
_BE_FLOOR = 2400
_YEAR = re.compile(r"^\s*(\d{4})(?=-)")
# Preferred info languages: Thai first, then English, else the document's first block.
_LANGS = ("th", "en")


class IndexItem(BaseModel):
    """One entry of a CAP feed index: where the CAP XML is (or the CAP itself), its id and when it changed."""

    model_config = ConfigDict(frozen=True)

    link: str = ""
    guid: str = ""
    updated: datetime | None = None
    # A CAP alert carried inside the entry (Atom <content>, as Canada's NAAD feed does): no fetch needed.
    embedded: bytes = Field(default=b"", repr=False)


class CapIndex(BaseModel):
    """A feed index read entry by entry: the usable items, and why each other entry was skipped."""

    items: list[IndexItem] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)


def parse_cap(data: bytes, feed: str) -> Warning:
    """One CAP alert document into one `Warning` (Thai `info` preferred); raises ParseError only."""
    root = safe_xml(data)
    if local_name(root.tag) != "alert":
        raise ParseError(f"not a CAP alert: root element is <{local_name(root.tag)}>")
    try:
        return _warning(root, feed)
    except ValidationError as exc:
        raise ParseError(f"CAP alert has invalid values: {_first_error(exc)}") from None
    except (ValueError, TypeError) as exc:
        if isinstance(exc, ParseError):
            raise
        raise ParseError(f"CAP alert has invalid values: {exc}") from None


def parse_cap_index(data: bytes) -> list[IndexItem]:
    """The usable items of a CAP feed index in RSS 2.0 or Atom; raises ParseError only."""
    return read_cap_index(data).items


def read_cap_index(data: bytes) -> CapIndex:
    """A CAP feed index entry by entry: one broken entry is skipped with its reason, never the feed.

    Raises ParseError only when the document is not an RSS or Atom feed at all.
    """
    root = safe_xml(data)
    kind = local_name(root.tag)
    read: Callable[[Element], IndexItem]
    if kind == "rss":
        channel = _child(root, "channel")
        entries, read, name = (_children(channel, "item") if channel is not None else []), _rss_item, "RSS item"
    elif kind == "feed":
        entries, read, name = _children(root, "entry"), _atom_entry, "Atom entry"
    else:
        raise ParseError(f"not a CAP index: root element is <{kind}> (expected <rss> or <feed>)")
    index = CapIndex()
    for number, entry in enumerate(entries, start=1):
        try:
            index.items.append(read(entry))
        except ParseError as exc:
            title = _text(entry, "title")[:60]
            index.skipped.append(f"{name} {number}{f' ({title})' if title else ''} skipped: {exc}")
        except ValidationError as exc:
            index.skipped.append(f"{name} {number} skipped: {_first_error(exc)}")
    return index


def is_cap_alert(data: bytes) -> bool:
    """True when the document's root is a CAP <alert> (a feed URL may serve one alert, not an index)."""
    return local_name(safe_xml(data).tag) == "alert"


def parse_cap_date(text: str) -> datetime:
    """A CAP date: Buddhist-era years become Gregorian; an offset is required."""
    text = text.strip()
    match = _YEAR.match(text)
    if match and int(match.group(1)) >= _BE_FLOOR:
        text = f"{int(match.group(1)) - _BE_OFFSET:04d}{text[match.end():]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ParseError(f"bad CAP date {text[:40]!r}") from None
    if moment.tzinfo is None:
        raise ParseError(f"CAP date without offset {text[:40]!r}")
    return moment


def parse_polygon(text: str) -> tuple[tuple[float, float], ...]:
    """A CAP polygon into (lat, lon) pairs, swapping TMD's lon,lat order when detected."""
    points: list[tuple[float, float]] = []
    for pair in text.split():
        parts = pair.split(",")
        if len(parts) != 2:
            raise ParseError(f"bad polygon point {pair[:40]!r}")
        try:
            a, b = float(parts[0]), float(parts[1])
        except ValueError:
            raise ParseError(f"bad polygon point {pair[:40]!r}") from None
        if a != a or b != b or abs(a) > 360 or abs(b) > 360:  # NaN or nonsense
            raise ParseError(f"bad polygon point {pair[:40]!r}")
        points.append((a, b))
    if len(set(points)) < 3:
        # CAP asks for a closed ring of 4 or more points; a triangle written unclosed is still a shape.
        raise ParseError("polygon has fewer than 3 distinct points")
    if _looks_lon_lat(points):
        points = [(b, a) for a, b in points]
    return tuple(points)


def _looks_lon_lat(points: list[tuple[float, float]]) -> bool:
    """Every pair reads as (lon, lat) inside Thailand and none as (lat, lon)."""

    def inside(lat: float, lon: float) -> bool:
        return THAI_LAT[0] <= lat <= THAI_LAT[1] and THAI_LON[0] <= lon <= THAI_LON[1]

    return all(inside(b, a) for a, b in points) and not any(inside(a, b) for a, b in points)


def safe_xml(data: bytes) -> Element:
    """Parse XML through defusedxml; any bad, hostile or empty input raises ParseError."""
    if not data or not data.strip():
        raise ParseError("empty document")
    try:
        return SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except EntitiesForbidden:
        raise ParseError("unsafe XML refused: it declares entities (an entity bomb or external entity)") from None
    except DefusedXmlException as exc:
        raise ParseError(f"unsafe XML refused: {type(exc).__name__}") from None
    except XMLParseError as exc:
        raise ParseError(f"not well-formed XML: {exc}") from None
    except (ValueError, LookupError) as exc:  # expat: bad encoding declarations and the like
        raise ParseError(f"unreadable XML: {exc}") from None


def local_name(tag: object) -> str:
    """An element tag without its namespace."""
    # Namespaces differ between CAP 1.1 and 1.2 and some feeds drop them: match local names.
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(node: Element, name: str) -> list[Element]:
    return [child for child in node if local_name(child.tag) == name]


def _child(node: Element, name: str) -> Element | None:
    return next((child for child in node if local_name(child.tag) == name), None)


def _text(node: Element | None, name: str, default: str = "") -> str:
    child = _child(node, name) if node is not None else None
    return bounded((child.text or "").strip()) if child is not None else default


def _required(node: Element, name: str) -> str:
    value = _text(node, name)
    if not value:
        raise ParseError(f"CAP alert has no <{name}>")
    return value


def _date(node: Element | None, name: str) -> datetime | None:
    value = _text(node, name)
    return parse_cap_date(value) if value else None


def _language(info: Element) -> str:
    return _text(info, "language", "en-US")


def _pick_infos(infos: list[Element]) -> list[Element]:
    """Every info block in the language chosen for leaders: Thai, else English, else the first present."""
    chosen = None
    for prefix in _LANGS:
        chosen = next((i for i in infos if _language(i).lower().startswith(prefix)), None)
        if chosen is not None:
            break
    chosen = chosen if chosen is not None else (infos[0] if infos else None)
    if chosen is None:
        return []
    language = _language(chosen).casefold()
    return [i for i in infos if _language(i).casefold() == language]


def _warning(root: Element, feed: str) -> Warning:
    infos = _pick_infos(_children(root, "info"))
    notes: list[str] = []
    fields: dict[str, object] = {
        "feed": feed,
        "sender": _required(root, "sender"),
        "identifier": _required(root, "identifier"),
        "sent": parse_cap_date(_required(root, "sent")),
        "status": _required(root, "status"),
        "msg_type": _required(root, "msgType"),
        "scope": _text(root, "scope") or "Public",
        "references": _references(_text(root, "references")),
        "event": "",
    }
    blocks = [_info(info, number, notes) for number, info in enumerate(infos, start=1)]
    if blocks:
        fields.update(blocks[0])
        fields["language"] = _language(infos[0])
        fields["more_info"] = tuple(Info(**block) for block in blocks[1:])
    fields["notes"] = tuple(notes)
    return Warning(**fields)


def _info(info: Element, number: int, notes: list[str]) -> dict[str, object]:
    """The fields of one info block; geometry that cannot be read is dropped into `notes`."""
    fields: dict[str, object] = dict(
        event=_text(info, "event"),
        category=tuple(c.text.strip() for c in _children(info, "category") if c.text and c.text.strip()),
        response_type=tuple(r.text.strip() for r in _children(info, "responseType") if r.text and r.text.strip()),
        effective=_date(info, "effective"),
        onset=_date(info, "onset"),
        expires=_date(info, "expires"),
        sender_name=_text(info, "senderName"),
        headline=_text(info, "headline"),
        description=_text(info, "description"),
        instruction=_text(info, "instruction"),
        web=_text(info, "web"),
        areas=tuple(_area(a, f"info {number} area {i}", notes) for i, a in enumerate(_children(info, "area"), start=1)),
        parameters=tuple((_text(p, "valueName"), _text(p, "value")) for p in _children(info, "parameter")),
    )
    for name in ("urgency", "severity", "certainty"):
        value = _text(info, name)
        if value:
            fields[name] = value
    return fields


T = TypeVar("T")


def _kept(nodes: Iterable[Element], parse: Callable[[str], T], what: str, notes: list[str]) -> tuple[T, ...]:
    """Each node's text parsed; one that does not parse is dropped with a note (`what` names it)."""
    kept = []
    for i, node in enumerate(nodes, start=1):
        try:
            kept.append(parse(node.text or ""))
        except ParseError as exc:
            notes.append(f"{what} {i} dropped: {exc}")
    return tuple(kept)


def _area(node: Element, where: str, notes: list[str]) -> Area:
    """One area; a bad polygon or circle is dropped with a note, the rest of the area is kept."""
    desc = _text(node, "areaDesc")
    label = f"{where} ({desc[:40]})" if desc else where
    return Area(
        desc=desc,
        polygons=_kept(_children(node, "polygon"), parse_polygon, f"{label}: polygon", notes),
        circles=_kept(_children(node, "circle"), _circle, f"{label}: circle", notes),
        geocodes=tuple(
            Geocode(name=_text(g, "valueName"), value=_text(g, "value")) for g in _children(node, "geocode")
        ),
    )


def _circle(text: str) -> Circle:
    try:
        centre, radius = text.split()
        a, b = (float(x) for x in centre.split(","))
        r = float(radius)
    except ValueError:
        raise ParseError(f"bad circle {text[:40]!r}") from None
    if not all(math.isfinite(x) for x in (a, b, r)) or r < 0 or abs(a) > 180 or abs(b) > 180:
        raise ParseError(f"bad circle {text[:40]!r}")
    lat, lon = (b, a) if _looks_lon_lat([(a, b)]) else (a, b)
    return Circle(lat=lat, lon=lon, radius_km=r)


def _references(text: str) -> tuple[Reference, ...]:
    """CAP references: space-separated `sender,identifier,sent` triples."""
    refs = []
    for triple in text.split():
        parts = triple.split(",")
        if len(parts) != 3 or not parts[0] or not parts[1]:
            raise ParseError(f"bad CAP reference {triple[:60]!r}")
        refs.append(Reference(sender=parts[0], identifier=parts[1], sent=parse_cap_date(parts[2])))
    return tuple(refs)


def _embedded(entry: Element) -> bytes:
    """A CAP <alert> carried inside the entry (in <content> or directly), serialised for parse_cap."""
    for node in entry.iter():
        if local_name(node.tag) == "alert":
            data: bytes = tostring(node, encoding="utf-8")  # typeshed: Any for a named encoding
            return data
    return b""


def _rss_item(item: Element) -> IndexItem:
    link = _text(item, "link")
    embedded = b"" if link else _embedded(item)
    if not link and not embedded:
        raise ParseError("no <link> and no CAP alert inside")
    guid = _text(item, "guid") or link or _embedded_guid(embedded)
    pub = _text(item, "pubDate")
    return IndexItem(link=link, guid=guid, updated=_date_or_none(_rfc822, pub), embedded=embedded)


def _atom_entry(entry: Element) -> IndexItem:
    links = _children(entry, "link")
    # Prefer the link typed as CAP, else the alternate one, else the first with an href.
    # (An Element with no children is falsy, so each choice is tested against None, not by truth.)
    with_href = [x for x in links if (x.get("href") or "").strip()]
    chosen = next((x for x in with_href if "cap" in (x.get("type") or "")), None)
    if chosen is None:
        chosen = next((x for x in with_href if x.get("rel", "alternate") == "alternate"), None)
    if chosen is None and with_href:
        chosen = with_href[0]
    href = (chosen.get("href") or "").strip() if chosen is not None else ""
    # The link is the full CAP; NWS puts a stub <alert> beside it. Only an entry without one is read in place.
    embedded = b"" if href else _embedded(entry)
    if not href and not embedded:
        raise ParseError("no <link href> and no CAP alert inside")
    updated = _text(entry, "updated") or _text(entry, "published")
    guid = _text(entry, "id") or href or _embedded_guid(embedded)
    return IndexItem(link=href, guid=guid, updated=_date_or_none(parse_cap_date, updated), embedded=embedded)


def _embedded_guid(embedded: bytes) -> str:
    return "sha256:" + hashlib.sha256(embedded).hexdigest()[:16]


def _date_or_none(parse: Callable[[str], datetime], text: str) -> datetime | None:
    """An entry's date; one that cannot be read is left out (the entry is still fetched: a duplicate
    is better than a missed alert)."""
    if not text:
        return None
    try:
        return parse(text)
    except ParseError:
        return None


def _rfc822(text: str) -> datetime:
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        raise ParseError(f"bad RSS date {text[:40]!r}") from None
    if moment.tzinfo is None:
        raise ParseError(f"RSS date without zone {text[:40]!r}")
    return moment


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}"
