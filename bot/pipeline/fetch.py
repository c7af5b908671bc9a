"""The fetch stage: HTTP only (a worker thread), conditional GETs, a CAP index's unseen items followed."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping

import requests
from pydantic import BaseModel, Field
from sqlite_utils import Database

from alerts.cap import IndexItem, is_cap_alert, read_cap_index
from alerts.errors import FetchError, ParseError
from alerts.fetch import FetchResult, fetch
from bot.settings import FeedSettings, Settings
from subscribers import feed_health, feed_items
from subscribers.feed_health import FeedHealth

log = logging.getLogger(__name__)

# A CAP index may list hundreds of old items; follow at most this many per poll.
MAX_INDEX_ITEMS = 200


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


def fetch_state(settings: Settings, db: Database) -> tuple[dict[str, FeedHealth], dict[str, dict[str, str]]]:
    """What fetching needs from the store: each feed's validators, and the index items already seen."""
    health = feed_health.all_health(db)
    seen = {f.name: feed_items.seen_items(db, f.name) for f in settings.feeds if f.enabled}
    return health, seen
