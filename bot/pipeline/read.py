"""The read stage: fetched documents to warnings, each matched to the configured cities.

Pure (no store, no clock): it runs in the fetch worker thread, so parsing, matching (shapely) and the
text search never stall the bot's event loop. Feed text arrives bounded (`alerts.model.FEED_TEXT_MAX`).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from alerts.cap import parse_cap
from alerts.errors import ParseError
from alerts.matching import CityMatch, CityMatcher
from alerts.model import City, MsgType, Warning
from alerts.thaitext import load_dictionary
from alerts.thaiwater import parse_thaiwater
from alerts.tmd_news import parse_tmd_news
from bot.pipeline.fetch import Document, FetchOutcome
from bot.pipeline.messages import matched_cities

_MSG_ORDER = {MsgType.ALERT: 0, MsgType.UPDATE: 1, MsgType.CANCEL: 2}


class ReadWarning(BaseModel):
    """One warning as read from a feed, with the cities it covers (configured order) and why."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    warning: Warning
    # The CAP document as text, kept with the stored version ("" for the JSON feeds).
    raw: str = ""
    matches: list[CityMatch] = Field(default_factory=list)
    covered: list[City] = Field(default_factory=list)


class FeedRead(BaseModel):
    """What reading one feed's fetch produced: its warnings in order, the documents read, its errors."""

    outcome: FetchOutcome
    warnings: list[ReadWarning] = Field(default_factory=list)
    # CAP index items parsed: marked seen by the store stage (a broken one is fetched again next poll).
    read: list[Document] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)


def read_feeds(outcomes: Sequence[FetchOutcome], cities: Sequence[City]) -> list[FeedRead]:
    """Parse every fetched document and match each warning to `cities`; a document that does not
    parse is an error of its feed, the others are read."""
    matcher = CityMatcher(cities)
    reads = [_read_feed(outcome, matcher, cities) for outcome in outcomes]
    if any(read.warnings for read in reads):
        load_dictionary()  # the store stage renders: the first render of a process would build it on the loop
    return reads


def _read_feed(outcome: FetchOutcome, matcher: CityMatcher, cities: Sequence[City]) -> FeedRead:
    feed = FeedRead(outcome=outcome, errors=list(outcome.errors))
    parsed: list[tuple[Warning, str]] = []
    for doc in outcome.documents:
        try:
            found = _parse(outcome, doc)
        except ParseError as exc:
            feed.errors.append(f"{doc.url}: {exc}" if doc.guid else str(exc))
            continue
        raw = doc.body.decode("utf-8", "replace") if outcome.kind == "cap" else ""
        parsed += [(w, raw) for w in found]
        if doc.guid is not None:
            feed.read.append(doc)
    # Oldest first, Alert before Update before Cancel: an index lists items in any order.
    parsed.sort(key=lambda pair: (pair[0].sent, _MSG_ORDER.get(pair[0].msg_type, 3)))
    for warning, raw in parsed:
        matches = matcher.match(warning)
        feed.warnings.append(
            ReadWarning(warning=warning, raw=raw, matches=matches, covered=matched_cities(matches, cities))
        )
    return feed


def _parse(outcome: FetchOutcome, doc: Document) -> list[Warning]:
    if outcome.kind == "cap":
        return [parse_cap(doc.body, outcome.feed)]
    if outcome.kind == "tmd-warning-news":
        return parse_tmd_news(doc.body, outcome.feed)
    return parse_thaiwater(doc.body, outcome.feed, min_level=outcome.min_level)


