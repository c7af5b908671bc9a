"""The outbox store: idempotent enqueue, the status moves, priorities, threads and crash recovery."""

from __future__ import annotations

from datetime import timedelta

import pytest

from subscribers import outbox
from subscribers.outbox import Kind, OutboxItem, OutboxStatus, Priority, priority_for
from tests.helpers.store import add_leaders, add_warning


def item(chat_id: int, ref_id: int, kind: Kind = Kind.ALERT, priority: int = Priority.OTHER) -> OutboxItem:
    return OutboxItem(kind=kind, ref_id=ref_id, chat_id=chat_id, text="<b>x</b>", priority=priority)


def test_enqueue_is_idempotent(db, now):
    add_leaders(db, [1, 2], now)
    w = add_warning(db, now)
    assert outbox.enqueue(db, [item(1, w), item(2, w)], now) == 2
    # The poller re-running on the same warning version must not create second rows.
    assert outbox.enqueue(db, [item(1, w), item(2, w)], now + timedelta(minutes=5)) == 0
    # A different kind for the same warning and chat is a different row (a reminder, a cancel).
    assert outbox.enqueue(db, [item(1, w, Kind.REMINDER)], now) == 1
    assert len(outbox.rows(db)) == 3


def test_enqueue_is_one_transaction(db, now):
    add_leaders(db, [1], now)
    w = add_warning(db, now)
    # Chat 99 is no leader: the foreign key fails, and the whole batch is rolled back.
    with pytest.raises(Exception, match="FOREIGN KEY"):
        outbox.enqueue(db, [item(1, w), item(99, w)], now)
    assert outbox.rows(db) == []


# Why: Extreme and Severe go first, then notices, then the rest (drills never jump the queue).
PRIORITIES = [
    (Kind.ALERT, "Extreme", Priority.EXTREME),
    (Kind.CANCEL, "Severe", Priority.SEVERE),
    (Kind.NOTICE, None, Priority.NOTICE),
    (Kind.ALERT, "Moderate", Priority.OTHER),
    (Kind.DRILL, "Extreme", Priority.OTHER),
]


@pytest.mark.parametrize(("kind", "severity", "expected"), PRIORITIES)
def test_priority_for(kind, severity, expected):
    assert priority_for(kind, severity) == expected


def test_due_orders_by_priority_then_age_and_respects_next_attempt(db, now):
    add_leaders(db, [1, 2, 3], now)
    w = add_warning(db, now)
    outbox.enqueue(db, [item(1, w, priority=Priority.OTHER), item(2, w, priority=Priority.EXTREME),
                        item(3, w, priority=Priority.NOTICE)], now)
    assert [r.chat_id for r in outbox.due(db, now)] == [2, 3, 1]
    first = outbox.due(db, now)[0]
    assert outbox.claim(db, first.id, now)
    assert not outbox.claim(db, first.id, now)  # claimed once only
    outbox.retry_later(db, first.id, now + timedelta(seconds=30), "NetworkError")
    assert [r.chat_id for r in outbox.due(db, now)] == [3, 1]
    assert [r.chat_id for r in outbox.due(db, now + timedelta(seconds=30))] == [2, 3, 1]
    assert outbox.get_row(db, first.id).attempts == 1


def test_claim_sent_and_recover_in_flight(db, now):
    add_leaders(db, [1, 2], now)
    w = add_warning(db, now)
    outbox.enqueue(db, [item(1, w), item(2, w)], now)
    a, b = outbox.due(db, now)
    outbox.claim(db, a.id, now)
    outbox.mark_sent(db, a.id, 10, now)
    outbox.claim(db, b.id, now)  # the process dies here, the request maybe sent
    assert outbox.recover_in_flight(db) == 1
    assert outbox.get_row(db, b.id).status is OutboxStatus.PENDING
    assert outbox.get_row(db, a.id).status is OutboxStatus.SENT and outbox.get_row(db, a.id).message_id == 10


def test_thread_and_last_message_id(db, now):
    add_leaders(db, [1], now)
    v1 = add_warning(db, now, version="v1", status="superseded")
    v2 = add_warning(db, now, version="v2")
    other = add_warning(db, now, identifier="TMD-2")
    cancel = add_warning(db, now, identifier="TMD-1-cancel", status="cancelled", supersedes=v2)
    assert outbox.thread_ids(db, cancel) == [v1, v2, cancel]
    assert outbox.thread_ids(db, other) == [other]
    outbox.enqueue(db, [item(1, v1), item(1, v2, Kind.UPDATE)], now)
    r1, r2 = outbox.rows(db)
    assert outbox.last_message_id(db, 1, [v1, v2]) is None  # nothing sent yet
    outbox.mark_sent(db, r1.id, 5, now)
    assert outbox.last_message_id(db, 1, [v1, v2]) == 5
    outbox.mark_sent(db, r2.id, 8, now + timedelta(minutes=1))
    assert outbox.last_message_id(db, 1, outbox.thread_ids(db, cancel)) == 8
    assert outbox.button_message_ids(db, 1, [v1, v2]) == [5, 8]
