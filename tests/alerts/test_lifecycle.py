"""Lifecycle rules as a table: each case says why the decision must be so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.lifecycle import (
    Decision, Known, KnownVersion, PollStatus, Reason, RowStatus, decide, fingerprint,
)
from alerts.model import Info, MsgType, Reference, Scope, Severity, Status, Urgency, Warning

NOW = datetime(2025, 2, 25, 11, 30, tzinfo=UTC)
LATER = NOW + timedelta(hours=6)
EARLIER = NOW - timedelta(hours=1)


def w(**kw) -> Warning:
    base = dict(feed="f", sender="TMD", identifier="A1", sent=NOW - timedelta(hours=2), event="Heavy Rain",
                severity=Severity.SEVERE, expires=LATER)
    base.update(kw)
    return Warning(**base)


ALERT = w()
REF = (Reference(sender="TMD", identifier="A1"),)
ACTIVE = KnownVersion(id=1, version="old", status=RowStatus.ACTIVE, expires=LATER)


def row(status: RowStatus, **kw) -> KnownVersion:
    return KnownVersion(id=kw.pop("id", 1), version=kw.pop("version", "old"), status=status, **kw)


CASES = [
    # A warning never seen, in force: new, stored active, sent.
    ("first", ALERT, Known(), PollStatus.NEW, Reason.FIRST_SEEN, RowStatus.ACTIVE, (), True),
    # The same content again: unchanged, nothing stored, nothing sent.
    ("refetch", ALERT, Known(same_key=(row(RowStatus.ACTIVE, version=fingerprint(ALERT)),)),
     PollStatus.UNCHANGED, Reason.SEEN, None, (), False),
    # A new `sent` alone is not new information (TMD re-stamps): still unchanged.
    ("re-stamped", w(sent=NOW - timedelta(minutes=5)),
     Known(same_key=(row(RowStatus.ACTIVE, version=fingerprint(ALERT)),)),
     PollStatus.UNCHANGED, Reason.SEEN, None, (), False),
    # Already past its expiry when first seen (first poll after install): recorded, never sent.
    ("expired first poll", w(expires=EARLIER), Known(),
     PollStatus.EXPIRED, Reason.EXPIRED, RowStatus.EXPIRED, (), False),
    # A stored active version that has now expired: reported expired, its row closed.
    ("expired now", w(expires=EARLIER),
     Known(same_key=(row(RowStatus.ACTIVE, version=fingerprint(w(expires=EARLIER))),)),
     PollStatus.EXPIRED, Reason.EXPIRED, None, (1,), False),
    # Update of a known warning: the old row superseded, the new one active and sent (as a reply).
    ("update", w(identifier="A2", msg_type=MsgType.UPDATE, references=REF), Known(referenced=(ACTIVE,)),
     PollStatus.UPDATED, Reason.UPDATE, RowStatus.ACTIVE, (1,), True),
    # Update of something never seen: leaders never got the original, so it is new to them.
    ("update unknown", w(identifier="A2", msg_type=MsgType.UPDATE, references=REF), Known(),
     PollStatus.NEW, Reason.UPDATE_OF_UNKNOWN, RowStatus.ACTIVE, (), True),
    # Cancel of an active warning: both cancelled, leaders told.
    ("cancel", w(identifier="A3", msg_type=MsgType.CANCEL, references=REF), Known(referenced=(ACTIVE,)),
     PollStatus.CANCELLED, Reason.CANCEL, RowStatus.CANCELLED, (1,), True),
    # Cancel of an already expired warning: recorded, nobody to tell.
    ("cancel expired", w(identifier="A3", msg_type=MsgType.CANCEL, references=REF),
     Known(referenced=(row(RowStatus.EXPIRED),)), PollStatus.CANCELLED, Reason.CANCEL, RowStatus.CANCELLED, (), False),
    # Cancel with its own past expiry still cancels (a Cancel is not an alarm).
    ("cancel past expiry", w(identifier="A3", msg_type=MsgType.CANCEL, references=REF, expires=EARLIER),
     Known(referenced=(ACTIVE,)), PollStatus.CANCELLED, Reason.CANCEL, RowStatus.CANCELLED, (1,), True),
    # All-clear (urgency Past) ends what is in force and is sent as a reply.
    ("all-clear", w(identifier="A4", msg_type=MsgType.UPDATE, references=REF, urgency=Urgency.PAST),
     Known(referenced=(ACTIVE,)), PollStatus.UPDATED, Reason.ALL_CLEAR, RowStatus.ENDED, (1,), True),
    # All-clear (responseType) with nothing in force: nothing to end, nothing stored.
    ("all-clear nothing", w(identifier="A4", response_type=("AllClear",)), Known(),
     PollStatus.UNCHANGED, Reason.NOTHING_TO_END, None, (), False),
    # Exercise: kept for drills, never sent as a real alert.
    ("exercise", w(status=Status.EXERCISE), Known(), PollStatus.NEW, Reason.EXERCISE, RowStatus.EXERCISE, (), False),
    # Test: kept, never sent.
    ("test", w(status=Status.TEST), Known(), PollStatus.NEW, Reason.NOT_ACTUAL, RowStatus.TEST, (), False),
    # Same identifier, different content (a river rising a level): updated, old row superseded.
    ("changed", w(severity=Severity.EXTREME), Known(same_key=(ACTIVE,)),
     PollStatus.UPDATED, Reason.CHANGED, RowStatus.ACTIVE, (1,), True),
    # The Cancel was stored before the Alert arrived: the Alert is stored cancelled, never sent.
    ("cancel came first", ALERT, Known(successors=(row(RowStatus.CANCELLED, id=9, msg_type=MsgType.CANCEL),)),
     PollStatus.CANCELLED, Reason.CANCELLED_BEFORE_SEEN, RowStatus.CANCELLED, (), False),
    # A Cancel of a row still marked active but already past its expiry (the expiry sweep has not run):
    # the row is closed as cancelled, but nobody is alarmed about a warning that had already lapsed.
    ("cancel of lapsed active", w(identifier="A3", msg_type=MsgType.CANCEL, references=REF),
     Known(referenced=(row(RowStatus.ACTIVE, expires=EARLIER),)), PollStatus.CANCELLED, Reason.CANCEL,
     RowStatus.CANCELLED, (1,), False),
    # No expiry at all: in force until updated or cancelled, never reported expired.
    ("no expiry", w(expires=None), Known(), PollStatus.NEW, Reason.FIRST_SEEN, RowStatus.ACTIVE, (), True),
    ("no expiry refetch", w(expires=None),
     Known(same_key=(row(RowStatus.ACTIVE, version=fingerprint(w(expires=None))),)),
     PollStatus.UNCHANGED, Reason.SEEN, None, (), False),
    # Scope Private or Restricted: stored, shown, never broadcast to every leader.
    ("private", w(scope=Scope.PRIVATE), Known(), PollStatus.NEW, Reason.NOT_PUBLIC, RowStatus.RESTRICTED, (), False),
    # A first block that has expired does not end a warning whose later block is still in force.
    ("later block in force", w(expires=EARLIER, more_info=(Info(event="Rain", expires=LATER),)), Known(),
     PollStatus.NEW, Reason.FIRST_SEEN, RowStatus.ACTIVE, (), True),
    ("every block expired", w(expires=EARLIER, more_info=(Info(event="Rain", expires=EARLIER),)), Known(),
     PollStatus.EXPIRED, Reason.EXPIRED, RowStatus.EXPIRED, (), False),
    # An Update was stored first: the old Alert is stored superseded, never sent.
    ("update came first", ALERT, Known(successors=(row(RowStatus.ACTIVE, id=9, msg_type=MsgType.UPDATE),)),
     PollStatus.UNCHANGED, Reason.REPLACED_BEFORE_SEEN, RowStatus.SUPERSEDED, (), False),
]


@pytest.mark.parametrize(
    ("name", "warning", "known", "status", "reason", "row_status", "close", "send"), CASES, ids=[c[0] for c in CASES]
)
def test_decide(name, warning, known, status, reason, row_status, close, send):
    decision = decide(warning, known, NOW)
    assert isinstance(decision, Decision)
    assert (decision.status, decision.reason, decision.row_status) == (status, reason, row_status)
    assert decision.close == close
    assert decision.send is send


def test_volatile_readings_do_not_change_the_fingerprint():
    # A river reading every poll must not look like a new warning every 5 minutes.
    a = w(parameters=(("situation_level", "4"), ("bank_percent", "80.00")))
    b = w(parameters=(("situation_level", "4"), ("bank_percent", "85.00")))
    c = w(parameters=(("situation_level", "5"), ("bank_percent", "101.00")))
    assert fingerprint(a) == fingerprint(b) != fingerprint(c)
