"""Warning versions in the store: threads, status changes, what is in force for a city."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alerts.lifecycle import RowStatus
from subscribers import warnings as store
from subscribers.feed_health import get_health, is_healthy, record_failure, record_success

NOW = datetime(2025, 2, 25, 11, 30, tzinfo=UTC)


def test_the_store_spells_the_statuses_the_lifecycle_decides():
    # subscribers and alerts may not import each other, so each owns its enum; this pins them equal.
    assert {s.name: s.value for s in store.WarningStatus} == {s.name: s.value for s in RowStatus}


def version(identifier: str, *, refs=(), cities=("bo-yang",), status="active", expires=NOW + timedelta(hours=6)):
    return store.NewVersion(
        feed="tmd-cap", sender="TMD", identifier=identifier, version=f"v-{identifier}", msg_type="Alert",
        cap_status="Actual", status=status, event="Heavy Rain", severity="Severe", sent=NOW, expires=expires,
        references=[("TMD", r) for r in refs], cities=list(cities), parsed="{}",
    )


def test_thread_of_versions(db):
    a = store.store_version(db, version("A1"), NOW)
    b = store.store_version(db, version("A2", refs=["A1"]), NOW, supersedes=a)
    c = store.store_version(db, version("A3", refs=["A2"]), NOW, supersedes=b)
    other = store.store_version(db, version("Z9"), NOW)
    # Delivery replies to the leader's earlier messages: every earlier row of the thread, not others.
    assert store.earlier_versions(db, c) == [a, b]
    assert store.earlier_versions(db, a) == []
    assert other not in store.earlier_versions(db, c)
    assert [r.id for r in store.successors_of(db, "TMD", "A1")] == [b]
    assert store.get_warning(db, b).supersedes == a


def test_in_force_for_a_city(db):
    live = store.store_version(db, version("A1", cities=["bo-yang", "phatong"]), NOW)
    store.store_version(db, version("A2", cities=["phatong"]), NOW)
    gone = store.store_version(db, version("A3", expires=NOW - timedelta(minutes=1)), NOW)
    cancelled = store.store_version(db, version("A4"), NOW)
    store.set_status(db, [cancelled], "cancelled")
    assert [w.id for w in store.warnings_in_force(db, "bo-yang", NOW)] == [live]
    assert store.warnings_in_force(db, "la-ngu", NOW) == []
    # The sweep marks the expired one; the cancelled one stays cancelled.
    assert store.expire_due(db, NOW) == [gone]
    assert store.get_warning(db, gone).status == "expired"
    assert store.get_warning(db, cancelled).status == "cancelled"


def test_feed_health(db):
    t = NOW
    record_success(db, "f", t, etag='"1"', content_hash="h1")
    assert is_healthy(get_health(db, "f"), t, max_failures=3)
    for i in range(3):
        record_failure(db, "f", t + timedelta(minutes=i + 1), f"HTTP 503 #{i}")
    h = get_health(db, "f")
    assert (h.consecutive_failures, h.last_error, h.etag) == (3, "HTTP 503 #2", '"1"')
    assert not is_healthy(h, t, max_failures=3)  # N failures in a row
    assert is_healthy(h, t, max_failures=4)
    # Success resets the count; the same content does not move last_change (staleness).
    h = record_success(db, "f", t + timedelta(hours=2), etag='"1"', content_hash="h1")
    assert h.consecutive_failures == 0 and h.last_change == t
    assert not is_healthy(h, t + timedelta(hours=2), max_failures=3, stale_after_minutes=60)
    h = record_success(db, "f", t + timedelta(hours=3), etag='"2"', content_hash="h2")
    assert h.last_change == t + timedelta(hours=3)
    assert is_healthy(h, t + timedelta(hours=3, minutes=30), max_failures=3, stale_after_minutes=60)
    # A 304 keeps the validators.
    h = record_success(db, "f", t + timedelta(hours=4), not_modified=True)
    assert (h.etag, h.content_hash, h.last_success) == ('"2"', "h2", t + timedelta(hours=4))
