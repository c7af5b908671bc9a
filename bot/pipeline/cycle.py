"""One poll cycle, composed once: what `floodbot poll` (with or without --dry-run), `floodbot run`'s poll
job and `floodbot demo` all call.

The stages, in order, as Alertmanager composes its notify stages once (`PipelineBuilder.New`):

1. fetch (`bot.pipeline.fetch`): HTTP, conditional GETs, a CAP index's unseen items.
2. read (`bot.pipeline.read`): parse and match each warning to the cities; pure.
3. decide and store (`bot.pipeline.decide`): each warning's lifecycle against the store, its version
   written, feed health and seen items recorded, the preview text rendered.
4. fan out (`bot.pipeline.fanout`): the outbox rows, one per (version, chat), with their Thai texts.

Each stage takes the settings and the previous stage's output; the last two also take the store.
Fetch and read run in one worker thread (they never see the store); decide-and-store and fan-out run
on the caller's thread, because a SQLite connection belongs to the thread that opened it, in ONE
transaction: apart, a crash between them would leave a warning stored as seen but never queued, and
the next poll would call it `unchanged` with no leader ever told. They hold no await, so no other
handler's write can slip into (or be rolled back with) the poll's transaction.

A dry run is the same cycle, fan-out included, inside a savepoint that is rolled back: it shows what
the feeds hold now (validators and seen items ignored) and who would get it, and writes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import requests
from sqlite_utils import Database

from alerts.fetch import make_session
from bot.pipeline import fanout
from bot.pipeline.decide import decide_and_store
from bot.pipeline.fetch import fetch_feeds, fetch_state
from bot.pipeline.read import FeedRead, read_feeds
from bot.pipeline.report import PollReport
from bot.settings import Settings
from subscribers.feed_health import FeedHealth

_DRY_RUN = "floodbot_dry_run"


async def poll_cycle(
    settings: Settings,
    db: Database,
    now: datetime,
    *,
    session: requests.Session | None = None,
    dry_run: bool = False,
) -> PollReport:
    """One poll: fetch and read in a worker thread, then decide, store and queue in one transaction
    (rolled back for a dry run); the report says what was seen, who gets it, and how many rows were queued."""
    if dry_run:
        health: dict[str, FeedHealth] = {}
        seen: dict[str, dict[str, str]] = {}
    else:
        health, seen = fetch_state(settings, db)
    reads = await asyncio.to_thread(_fetch_and_read, settings, session, health, seen)
    with _transaction(db, dry_run):
        report = decide_and_store(settings, db, reads, now)
        queued = fanout.dispatch(db, settings, report, now)
    if dry_run:
        for item in report.items:
            item.warning_id = None  # rolled back: no row has this id
    else:
        report.queued = queued
    return report


def _fetch_and_read(
    settings: Settings,
    session: requests.Session | None,
    health: dict[str, FeedHealth],
    seen: dict[str, dict[str, str]],
) -> list[FeedRead]:
    """The worker thread's stages: HTTP, then parsing and matching (pure CPU, off the event loop)."""
    own = session is None
    session = session or make_session()
    try:
        outcomes = fetch_feeds(settings, session, health, seen=seen)
    finally:
        if own:
            session.close()
    return read_feeds(outcomes, [c.to_city() for c in settings.cities])


@contextmanager
def _transaction(db: Database, dry_run: bool) -> Iterator[None]:
    """The store's transaction for one cycle: committed, or for a dry run always rolled back.

    A savepoint works whether or not a transaction is already open; the stages' own `db.atomic()`
    blocks nest inside it.
    """
    if not dry_run:
        with db.atomic():
            yield
        return
    db.conn.execute(f"SAVEPOINT {_DRY_RUN}")
    try:
        yield
    finally:
        db.conn.execute(f"ROLLBACK TO SAVEPOINT {_DRY_RUN}")
        db.conn.execute(f"RELEASE SAVEPOINT {_DRY_RUN}")
