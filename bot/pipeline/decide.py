"""The decide-and-store stage (the store's thread): each warning's lifecycle decided against the store,
its version written, the feed's health and seen index items recorded, the preview text rendered."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from alerts.lifecycle import Decision, Known, KnownVersion, PollStatus, Reason, RowStatus, decide, fingerprint
from alerts.matching import passes_floor
from alerts.model import City, MsgType, Urgency, Warning
from bot.pipeline.fetch import FetchOutcome
from bot.pipeline.messages import preview_text
from bot.pipeline.read import FeedRead, ReadWarning
from bot.pipeline.report import FeedFailure, PollItem, PollReport
from bot.settings import Settings
from subscribers import feed_health, feed_items
from subscribers import warnings as store


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


def decide_and_store(settings: Settings, db: Database, reads: list[FeedRead], now: datetime) -> PollReport:
    """Decide and store each warning read (in order: a Cancel sees its Alert stored just before), record
    each feed's health and its index items read, expire what is due; the report of what was seen."""
    report = PollReport()
    for feed in reads:
        outcome = feed.outcome
        for doc in feed.read:
            assert doc.guid is not None
            feed_items.mark_seen(db, outcome.feed, doc.guid, doc.updated, doc.url, now)
        for read in feed.warnings:
            item = _decide_one(settings, db, read, now)
            if item.reason is Reason.NOTHING_TO_END and outcome.kind == "thaiwater-waterlevel":
                # A station below its watch level is a reading, not a warning: ThaiWater lists hundreds.
                # Every other warning read is shown, sent or not, with the reason.
                continue
            report.items.append(item)
        report.failures += [FeedFailure(feed=outcome.feed, error=e) for e in feed.errors]
        _record_health(settings, db, outcome, feed.errors, now)
    store.expire_due(db, now)
    return report


def _decide_one(settings: Settings, db: Database, read: ReadWarning, now: datetime) -> PollItem:
    warning, covered = read.warning, read.covered
    known = _known(db, warning)
    decision = decide(warning, known, now)
    warning_id = _apply(db, warning, decision, known, [c.id for c in covered], read.raw, now)
    item = PollItem(
        feed=warning.feed, warning=warning, status=decision.status, reason=decision.reason,
        warning_id=warning_id, cities=[c.id for c in covered], matches=read.matches, send=decision.send, tz=settings.tz,
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
