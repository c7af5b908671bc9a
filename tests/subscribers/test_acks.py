"""Acknowledgements: once only, per warning and city; who is still to acknowledge."""

from __future__ import annotations

from datetime import timedelta

from subscribers import acks, outbox
from subscribers.outbox import Kind, OutboxItem
from tests.helpers.store import add_leaders, add_warning


def sent(db, now, warning_id, chat_ids, kind=Kind.ALERT):
    outbox.enqueue(db, [OutboxItem(kind=kind, ref_id=warning_id, chat_id=c, text="x") for c in chat_ids], now)
    for row in outbox.rows(db):
        if row.ref_id == warning_id and row.status == "pending":
            outbox.mark_sent(db, row.id, 100 + row.chat_id, now)


def test_second_press_changes_nothing(db, now):
    add_leaders(db, [1], now)
    w = add_warning(db, now)
    assert acks.record_ack(db, w, 1, now) == now
    assert acks.record_ack(db, w, 1, now + timedelta(minutes=3)) == now
    assert acks.acked_at(db, w, 1) == now


def test_acks_by_city_and_warning(db, now):
    add_leaders(db, [1, 2], now, city_id="bo-yang")
    add_leaders(db, [3], now, city_id="phatong")
    w = add_warning(db, now)
    sent(db, now, w, [1, 2, 3])
    acks.record_ack(db, w, 2, now)
    by_city = {c.city_id: c for c in acks.acks_by_city(db, w)}
    assert by_city["bo-yang"].acked == [2] and by_city["bo-yang"].not_acked == [1]
    assert by_city["phatong"].not_acked == [3]
    assert [a.chat_id for a in acks.acks_for(db, w, "bo-yang")] == [2]
    assert acks.acks_for(db, w, "phatong") == []


def test_unacked_since_only_urgent_active_unacknowledged(db, now):
    add_leaders(db, [1, 2, 3], now)
    severe = add_warning(db, now, identifier="A")
    moderate = add_warning(db, now, identifier="B", severity="Moderate")
    ended = add_warning(db, now, identifier="C", status="ended", severity="Extreme")
    sent(db, now, severe, [1, 2])
    sent(db, now, moderate, [3])
    sent(db, now, ended, [3])
    acks.record_ack(db, severe, 2, now)
    later = now + timedelta(minutes=15)
    assert [(u.warning_id, u.chat_id, u.message_id) for u in acks.unacked_since(db, later)] == [(severe, 1, 101)]
    # Sent after `before`: not yet due.
    assert acks.unacked_since(db, now - timedelta(seconds=1)) == []


def test_ack_of_an_earlier_version_counts(db, now):
    add_leaders(db, [1], now)
    v1 = add_warning(db, now, version="v1", status="superseded")
    v2 = add_warning(db, now, version="v2")
    sent(db, now, v1, [1])
    sent(db, now, v2, [1], Kind.UPDATE)
    acks.record_ack(db, v1, 1, now)
    assert acks.unacked_since(db, now + timedelta(hours=1)) == []


def test_escalation_recorded_once(db, now):
    add_leaders(db, [1], now)
    w = add_warning(db, now)
    assert not acks.escalated(db, w, "bo-yang")
    acks.record_escalation(db, w, "bo-yang", [1], now)
    acks.record_escalation(db, w, "bo-yang", [1], now)
    assert acks.escalated(db, w, "bo-yang")
