"""One poll cycle: fetch every feed, parse, decide each warning's lifecycle, store, report.

Two stages so SQLite stays on one thread: `fetch_feeds` does only HTTP (safe in a worker thread),
`process` parses and touches the store (on the caller's thread). `run_poll` runs both.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import requests
from pydantic import BaseModel, ConfigDict, Field
from sqlite_utils import Database

from alerts.cap import IndexItem, is_cap_alert, parse_cap, read_cap_index
from alerts.errors import FetchError, ParseError
from alerts.fetch import FetchResult, fetch, make_session
from alerts.matching import CityMatch, CityMatcher, passes_floor
from alerts.lifecycle import Decision, Known, KnownVersion, PollStatus, Reason, RowStatus, decide, fingerprint
from alerts.model import City, MsgType, Urgency, Warning
from alerts.thaiwater import parse_thaiwater
from alerts.tmd_news import parse_tmd_news
from bot.pipeline.messages import matched_cities, preview_text
from bot.settings import FeedSettings, Settings
from subscribers import feed_health, feed_items
from subscribers import warnings as store
from subscribers.feed_health import FeedHealth

log = logging.getLogger(__name__)

# A CAP index may list hundreds of old items; follow at most this many per poll.
MAX_INDEX_ITEMS = 200
BANGKOK = ZoneInfo("Asia/Bangkok")
_MSG_ORDER = {MsgType.ALERT: 0, MsgType.UPDATE: 1, MsgType.CANCEL: 2}


class Document(BaseModel):
    """One fetched payload to parse; `guid`/`updated` are set for a CAP index item."""

    url: str
    body: bytes
    guid: str | None = None
    updated: str = ""


class FetchOutcome(BaseModel):
    """What fetching one feed produced: documents, or errors, or a 304."""

    feed: str
    kind: str
    min_level: int = 4
    documents: list[Document] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    not_modified: bool = False
    # Validators and hash of the top-level response, for feed health (None when it failed).
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    fetched: bool = False


class FeedFailure(BaseModel):
    """One feed problem: the feed name and what went wrong."""

    feed: str
    error: str


class PollItem(BaseModel):
    """One warning as a poll saw it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    feed: str
    warning: Warning
    status: PollStatus
    reason: Reason
    warning_id: int | None = None
    cities: list[str] = Field(default_factory=list)
    # Why each city matched (geocode, polygon, circle or text), for admins.
    matches: list[CityMatch] = Field(default_factory=list)
    text: str = ""
    # True when leaders should get this version (a Cancel/all-clear/Update as a reply).
    send: bool = False
    # Why leaders get nothing from this version (None when they do): every warning read is shown.
    not_sent: str | None = None
    # The zone `to_json` writes times in (the configured timezone).
    tz: Any = Field(default=BANGKOK, exclude=True)

    def block_for(self, city_id: str) -> int:
        """The info block that reached this city (0 when the city was not matched)."""
        return next((m.block for m in self.matches if m.city_id == city_id), 0)

    def warning_for(self, city_id: str) -> Warning:
        """The warning as that city's leaders get it: the most severe info block covering the city."""
        return self.warning.for_block(self.block_for(city_id))

    @property
    def shown_block(self) -> int:
        """The block `event`, `severity` and `text` show: the most severe one that reached a city."""
        if not self.matches:
            return 0
        blocks = self.warning.blocks
        return min((m.block for m in self.matches), key=lambda b: (-blocks[b].severity.rank, b))

    def to_json(self) -> dict:
        """The DESIGN.md `poll --json` object (times ISO 8601 in the configured zone)."""
        w = self.warning.for_block(self.shown_block)

        def when(moment: datetime | None) -> str | None:
            return moment.astimezone(self.tz).isoformat() if moment else None

        return {
            "feed": self.feed,
            "id": w.identifier,
            "sender": w.sender,
            "status": str(self.status),
            "reason": str(self.reason),
            "msg_type": str(w.msg_type),
            "cap_status": str(w.status),
            "event": w.event,
            "language": w.language,
            "severity": str(w.severity),
            "urgency": str(w.urgency),
            "certainty": str(w.certainty),
            "sent": when(w.sent),
            "expires": when(w.expires),
            "headline": w.headline,
            "cities": self.cities,
            "matched_by": {m.city_id: f"{m.reason}: {m.detail}" for m in self.matches},
            # Which <info> block reached each city (0 = the first), and every block in the chosen language.
            "info_block": {m.city_id: m.block for m in self.matches},
            "blocks": [
                {"event": b.event, "severity": str(b.severity), "urgency": str(b.urgency), "expires": when(b.expires),
                 "cities": [m.city_id for m in self.matches if m.block == i]}
                for i, b in enumerate(self.warning.blocks)
            ],
            "scope": str(self.warning.scope),
            # Geometry the parser dropped (an empty or unreadable polygon or circle).
            "notes": list(self.warning.notes),
            "send": self.send,
            "not_sent": self.not_sent,
            "warning_id": self.warning_id,
            "text": self.text,
        }


    def summary_line(self) -> str:
        """One readable line for `floodbot poll` without --json."""
        data = self.to_json()
        cities = ",".join(self.cities) or "-"
        return (
            f"{data['status']:<9} {self.feed} {self.warning.sender}/{data['id']} {data['event']} {data['severity']}"
            f" sent {data['sent']} expires {data['expires'] or '-'} cities {cities}"
            + (f" · not sent: {self.not_sent}" if self.not_sent else "")
        )


class PollReport(BaseModel):
    """Everything one poll saw: warnings and feed failures."""

    items: list[PollItem] = Field(default_factory=list)
    failures: list[FeedFailure] = Field(default_factory=list)


# --- stage 1: HTTP only -------------------------------------------------------------------------


def fetch_feeds(
    settings: Settings,
    session: requests.Session,
    health: Mapping[str, FeedHealth],
    *,
    seen: Mapping[str, Mapping[str, str]] | None = None,
) -> list[FetchOutcome]:
    """Fetch every enabled feed (conditional GET from `health`, index items not in `seen`)."""
    outcomes = []
    for feed in settings.feeds:
        if not feed.enabled:
            continue
        outcome = FetchOutcome(feed=feed.name, kind=feed.kind, min_level=feed.min_situation_level)
        try:
            _fetch_feed(settings, session, feed, health.get(feed.name), (seen or {}).get(feed.name, {}), outcome)
        except (FetchError, ParseError) as exc:
            outcome.errors.append(str(exc))
        except Exception as exc:  # one feed failing never stops the others; health records it
            log.exception("feed %s: unexpected error", feed.name)
            outcome.errors.append(f"unexpected error: {type(exc).__name__}: {exc}")
        outcomes.append(outcome)
    return outcomes


def _get(settings: Settings, session: requests.Session, url: str, **conditional: str | None) -> FetchResult:
    return fetch(
        session, url, timeout=settings.polling.timeout_seconds, max_bytes=settings.polling.max_bytes, **conditional
    )


def _fetch_feed(
    settings: Settings,
    session: requests.Session,
    feed: FeedSettings,
    health: FeedHealth | None,
    seen: Mapping[str, str],
    outcome: FetchOutcome,
) -> None:
    result = _get(
        settings, session, feed.url,
        etag=health.etag if health else None, last_modified=health.last_modified if health else None,
    )
    outcome.fetched = True
    if result.not_modified:
        outcome.not_modified = True
        return
    outcome.etag, outcome.last_modified = result.etag, result.last_modified
    outcome.content_hash = hashlib.sha256(result.body).hexdigest()
    # A "cap" feed URL may serve one alert or an index (RSS/Atom) of alerts.
    if feed.kind != "cap" or is_cap_alert(result.body):
        outcome.documents.append(Document(url=feed.url, body=result.body))
        return
    index = read_cap_index(result.body)
    # One broken entry is skipped with its reason in the feed's health; the others are read.
    outcome.errors += index.skipped
    for item in _unseen(index.items, seen)[:MAX_INDEX_ITEMS]:
        updated = item.updated.isoformat() if item.updated else ""
        if item.embedded:
            # CAP carried inside the entry (Canada's NAAD Atom): parsed in place, nothing to fetch.
            url = f"{feed.url}#{item.guid}"
            outcome.documents.append(Document(url=url, body=item.embedded, guid=item.guid, updated=updated))
            continue
        try:
            doc = _get(settings, session, item.link)
        except FetchError as exc:
            outcome.errors.append(f"item {item.link}: {exc}")
            continue
        outcome.documents.append(Document(url=item.link, body=doc.body, guid=item.guid, updated=updated))


def _unseen(items: list[IndexItem], seen: Mapping[str, str]) -> list[IndexItem]:
    """Items never fetched, or whose `updated` changed since."""
    fresh = []
    for item in items:
        updated = item.updated.isoformat() if item.updated else ""
        if item.guid not in seen or seen[item.guid] != updated:
            fresh.append(item)
    return fresh


# --- stage 2: parse, decide, store (the store's thread) ----------------------------------------


def _parse(outcome: FetchOutcome, doc: Document) -> list[Warning]:
    if outcome.kind == "cap":
        return [parse_cap(doc.body, outcome.feed)]
    if outcome.kind == "tmd-warning-news":
        return parse_tmd_news(doc.body, outcome.feed)
    return parse_thaiwater(doc.body, outcome.feed, min_level=outcome.min_level)


def _msg_type(text: str) -> MsgType:
    try:
        return MsgType(text)
    except ValueError:
        return MsgType.ALERT


def _known(db: Database, warning: Warning) -> Known:
    def kv(row: store.StoredWarning) -> KnownVersion:
        return KnownVersion(
            id=row.id, version=row.version, status=RowStatus(row.status),
            msg_type=_msg_type(row.msg_type),
            expires=row.expires,
        )

    keys = [(r.sender, r.identifier) for r in warning.references if (r.sender, r.identifier) != warning.key]
    # A Cancel or all-clear ends the whole thread: an Update that replaced the version it names is
    # in force now, so follow later versions of the named keys too.
    follow = warning.msg_type is MsgType.CANCEL or warning.is_all_clear
    referenced: list[store.StoredWarning] = []
    seen_keys: set[tuple[str, str]] = {warning.key}
    while keys:
        key = keys.pop()
        if key in seen_keys:
            continue
        seen_keys.add(key)
        referenced += store.versions_of(db, *key)
        if follow:
            keys += [(r.sender, r.identifier) for r in store.successors_of(db, *key)]
    successors = [r for r in store.successors_of(db, *warning.key) if (r.sender, r.identifier) != warning.key]
    return Known(
        same_key=tuple(kv(r) for r in store.versions_of(db, *warning.key)),
        referenced=tuple(kv(r) for r in referenced),
        successors=tuple(kv(r) for r in successors),
    )


def _apply(
    db: Database, warning: Warning, decision: Decision, known: Known, cities: list[str], raw: str, now: datetime
) -> int | None:
    """Write one decision: the new row, the rows it closes; returns the new row id (or None)."""
    version = fingerprint(warning)
    parsed = warning.model_dump_json()
    with db.atomic():
        warning_id = None
        if decision.row_status is None:
            if decision.reason is Reason.SEEN or decision.status is PollStatus.EXPIRED:
                store.touch(db, warning.sender, warning.identifier, version, now, parsed)
        else:
            earlier = [r.id for r in known.referenced + known.same_key]
            warning_id = store.store_version(
                db,
                store.NewVersion(
                    feed=warning.feed, sender=warning.sender, identifier=warning.identifier, version=version,
                    msg_type=str(warning.msg_type), cap_status=str(warning.status), status=str(decision.row_status),
                    event=warning.event, severity=str(warning.severity), sent=warning.sent,
                    expires=warning.last_expires,
                    references=[(r.sender, r.identifier) for r in warning.references],
                    cities=cities, parsed=parsed, raw=raw,
                ),
                now,
                supersedes=max(earlier) if earlier else None,
            )
        if decision.close and decision.close_status is not None:
            store.set_status(db, decision.close, str(decision.close_status))
    return warning_id


def process(
    settings: Settings, db: Database, outcomes: list[FetchOutcome], now: datetime, dry_run: bool = False
) -> PollReport:
    """Parse fetched documents, decide and (unless dry_run) store each warning; record feed health."""
    if dry_run:
        # Everything below runs for real inside one transaction that is rolled back: later items in
        # the same poll still see earlier ones (a Cancel after its Alert), and nothing is kept.
        # A savepoint works whether or not a transaction is already open.
        db.conn.execute("SAVEPOINT floodbot_dry_run")
        try:
            return _process(settings, db, outcomes, now, dry_run=True)
        finally:
            db.conn.execute("ROLLBACK TO SAVEPOINT floodbot_dry_run")
            db.conn.execute("RELEASE SAVEPOINT floodbot_dry_run")
    return _process(settings, db, outcomes, now, dry_run=False)


def _process(
    settings: Settings, db: Database, outcomes: list[FetchOutcome], now: datetime, *, dry_run: bool
) -> PollReport:
    report = PollReport()
    cities = [c.to_city() for c in settings.cities]
    matcher = CityMatcher(cities)
    for outcome in outcomes:
        errors = list(outcome.errors)
        parsed: list[tuple[Warning, str]] = []
        for doc in outcome.documents:
            try:
                found = _parse(outcome, doc)
            except ParseError as exc:
                errors.append(f"{doc.url}: {exc}" if doc.guid else str(exc))
                continue
            raw = doc.body.decode("utf-8", "replace") if outcome.kind == "cap" else ""
            parsed += [(w, raw) for w in found]
            if doc.guid is not None and not dry_run:
                feed_items.mark_seen(db, outcome.feed, doc.guid, doc.updated, doc.url, now)
        # Oldest first, Alert before Update before Cancel: an index lists items in any order.
        parsed.sort(key=lambda pair: (pair[0].sent, _MSG_ORDER.get(pair[0].msg_type, 3)))
        for warning, raw in parsed:
            item = _decide_one(settings, db, warning, raw, matcher, cities, now)
            if item.reason is Reason.NOTHING_TO_END and outcome.kind == "thaiwater-waterlevel":
                # A station below its watch level is a reading, not a warning: ThaiWater lists hundreds.
                # Every other warning read is shown, sent or not, with the reason.
                continue
            if dry_run:
                item.warning_id = None
            report.items.append(item)
        report.failures += [FeedFailure(feed=outcome.feed, error=e) for e in errors]
        _record_health(settings, db, outcome, errors, now)
    store.expire_due(db, now)
    return report


def _decide_one(
    settings: Settings,
    db: Database,
    warning: Warning,
    raw: str,
    matcher: CityMatcher,
    cities: list[City],
    now: datetime,
) -> PollItem:
    known = _known(db, warning)
    decision = decide(warning, known, now)
    matches = matcher.match(warning)
    covered = matched_cities(matches, cities)
    warning_id = _apply(db, warning, decision, known, [c.id for c in covered], raw, now)
    item = PollItem(
        feed=warning.feed, warning=warning, status=decision.status, reason=decision.reason,
        warning_id=warning_id, cities=[c.id for c in covered], matches=matches, send=decision.send, tz=settings.tz,
    )
    item.not_sent = not_sent_reason(warning, decision, [(item.warning_for(c.id), c) for c in covered])
    shown = item.shown_block
    item.text = preview_text(
        warning.for_block(shown), decision.status, [c for c in covered if item.block_for(c.id) == shown], settings.tz
    )
    return item


def not_sent_reason(warning: Warning, decision: Decision, covered: list[tuple[Warning, City]]) -> str | None:
    """Why leaders get nothing from this version, in words for `poll` output; None when they get it.

    `covered` pairs each covered city with the info block it gets.
    """
    if decision.reason is Reason.NOTHING_TO_END:
        if warning.urgency is Urgency.PAST and "AllClear" not in warning.response_type:
            # CAP: urgency Past means the threat is over; GDACS also marks live events so.
            return (
                "urgency Past is read as an all-clear (CAP: responsive action no longer required)"
                " and nothing of this warning is in force to end"
            )
        return str(Reason.NOTHING_TO_END)
    if not decision.send:
        if decision.status is PollStatus.CANCELLED:
            return "cancel of a warning not in force: nothing to withdraw"
        return str(decision.reason)
    if not covered:
        return "no city covered"
    if decision.status in (PollStatus.NEW, PollStatus.UPDATED) and not warning.is_all_clear:
        if all(not passes_floor(view, city, minor_opt_in=False) for view, city in covered):
            return "below the severity floor of every covered city (only leaders who chose Minor get it)"
    return None


def _record_health(settings: Settings, db: Database, outcome: FetchOutcome, errors: list[str], now: datetime) -> None:
    if errors:
        health = feed_health.record_failure(db, outcome.feed, now, "; ".join(errors)[:1000])
    elif outcome.fetched:
        health = feed_health.record_success(
            db, outcome.feed, now, etag=outcome.etag, last_modified=outcome.last_modified,
            content_hash=outcome.content_hash, not_modified=outcome.not_modified,
        )
    else:
        return
    feed = next(f for f in settings.feeds if f.name == outcome.feed)
    healthy = feed_health.is_healthy(
        health, now, max_failures=settings.polling.max_failures, stale_after_minutes=feed.stale_after_minutes
    )
    feed_health.set_healthy(db, outcome.feed, healthy)


def fetch_state(settings: Settings, db: Database) -> tuple[dict[str, FeedHealth], dict[str, dict[str, str]]]:
    """What fetching needs from the store: each feed's validators, and the index items already seen."""
    health = feed_health.all_health(db)
    seen = {f.name: feed_items.seen_items(db, f.name) for f in settings.feeds if f.enabled}
    return health, seen


def run_poll(
    settings: Settings,
    db: Database,
    now: datetime,
    *,
    dry_run: bool = False,
    session: requests.Session | None = None,
) -> PollReport:
    """One poll cycle: fetch (unconditionally when dry_run) then process."""
    own = session is None
    session = session or make_session()
    try:
        if dry_run:
            # A dry run shows what the feeds hold now, so it ignores validators and seen items.
            health: dict[str, FeedHealth] = {}
            seen: dict[str, dict[str, str]] = {}
        else:
            health, seen = fetch_state(settings, db)
        outcomes = fetch_feeds(settings, session, health, seen=seen)
    finally:
        if own:
            session.close()
    return process(settings, db, outcomes, now, dry_run)
