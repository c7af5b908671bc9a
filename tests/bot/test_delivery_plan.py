"""`delivery.plan`: send, reply, skip, and which buttons a row carries or clears, one case per rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.delivery.worker import Plan, plan
from bot.settings import Settings
from subscribers import acks, outbox
from subscribers.outbox import Kind, OutboxItem
from tests.helpers.store import add_leaders, add_sent_alert, add_warning

CHAT = 1
EARLIER = 11  # the Telegram id of the leader's earlier message in the thread

# (why, row kind, severity, status, the leader's earlier message: its warning's severity or None,
#  acknowledged, minutes until expiry, expected plan)
CASES = [
    ("a Severe alert carries the button", Kind.ALERT, "Severe", "active", None, False, 60, Plan(button=True)),
    ("an Extreme alert too", Kind.ALERT, "Extreme", "active", None, False, 60, Plan(button=True)),
    # Issue 11: below Severe there is nothing to confirm, so no button, no reminder, no escalation.
    ("a Moderate alert has no button", Kind.ALERT, "Moderate", "active", None, False, 60, Plan()),
    ("a Minor bulletin has none", Kind.ALERT, "Minor", "active", None, False, 60, Plan()),
    ("a drill always has it: practising the button is its point", Kind.DRILL, "Minor", "exercise", None, False, 60,
     Plan(button=True)),
    ("an update replies to the earlier alert and keeps the button",
     Kind.UPDATE, "Severe", "active", "Severe", False, 60,
     Plan(reply_to=EARLIER, button=True)),
    ("an update raised to Severe gets the button", Kind.UPDATE, "Severe", "active", "Moderate", False, 60,
     Plan(reply_to=EARLIER, button=True)),
    ("an update lowered to Moderate replies and takes the earlier button away", Kind.UPDATE, "Moderate", "active",
     "Severe", False, 60, Plan(reply_to=EARLIER, clear=[EARLIER])),
    ("a Moderate update after a Moderate alert: no button to clear", Kind.UPDATE, "Moderate", "active", "Moderate",
     False, 60, Plan(reply_to=EARLIER)),
    ("an update to a leader who never got the alert is a normal alert", Kind.UPDATE, "Severe", "active", None, False,
     60, Plan(button=True)),
    ("a cancel replies and clears the button", Kind.CANCEL, "Severe", "cancelled", "Severe", False, 60,
     Plan(reply_to=EARLIER, clear=[EARLIER])),
    ("an all-clear replies and clears the button", Kind.UPDATE, "Severe", "ended", "Severe", False, 60,
     Plan(reply_to=EARLIER, clear=[EARLIER])),
    ("'no longer your area' replies and clears the button", Kind.AREA_REMOVED, "Severe", "active", "Severe", False,
     60, Plan(reply_to=EARLIER, clear=[EARLIER])),
    ("a cancel to a leader who never got the warning is an orphan", Kind.CANCEL, "Severe", "cancelled", None, False,
     60, Plan(skip="leader never got the warning")),
    ("an expired warning is never sent", Kind.ALERT, "Severe", "active", None, False, -1, Plan(skip="expired")),
    ("a superseded version is not sent", Kind.ALERT, "Severe", "superseded", None, False, 60,
     Plan(skip="warning superseded")),
    ("a reminder replies to the alert with the button", Kind.REMINDER, "Severe", "active", "same", False, 60,
     Plan(reply_to=EARLIER, button=True)),
    ("a reminder after the leader acknowledged is dropped", Kind.REMINDER, "Severe", "active", "same", True, 60,
     Plan(skip="acknowledged")),
]


@pytest.mark.parametrize(
    ("kind", "severity", "status", "earlier", "acked", "expires_in", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_plan(db, now, kind, severity, status, earlier, acked, expires_in, expected):
    add_leaders(db, [CHAT], now)
    expires = now + timedelta(minutes=expires_in)
    previous = None
    if earlier not in (None, "same"):
        previous = add_warning(db, now, version="v1", severity=earlier, status="superseded", expires=expires)
        add_sent_alert(db, previous, CHAT, EARLIER, now)
    w = add_warning(db, now, version="v2", severity=severity, status=status, expires=expires, supersedes=previous)
    if earlier == "same":
        add_sent_alert(db, w, CHAT, EARLIER, now)
    if acked:
        acks.record_ack(db, w, CHAT, now)
    outbox.enqueue(db, [OutboxItem(kind=kind, ref_id=w, chat_id=CHAT, text="ข้อความ")], now)
    row = next(r for r in outbox.rows(db, chat_id=CHAT) if r.kind == kind and r.ref_id == w and r.status == "pending")
    assert plan(db, Settings(), row, now) == expected


def test_an_old_notice_is_skipped_and_a_fresh_one_sent(db, now):
    add_leaders(db, [CHAT], now)
    settings = Settings()
    lifetime = timedelta(hours=settings.delivery.notice_lifetime_hours)
    outbox.enqueue(db, [OutboxItem(kind=Kind.NOTICE, ref_id=1, chat_id=CHAT, text="เก่า")], now - lifetime)
    outbox.enqueue(db, [OutboxItem(kind=Kind.NOTICE, ref_id=2, chat_id=CHAT, text="ใหม่")], now)
    old, fresh = outbox.rows(db, chat_id=CHAT)
    assert plan(db, settings, old, now).skip == f"notice older than {settings.delivery.notice_lifetime_hours:g} h"
    assert plan(db, settings, fresh, now) == Plan()
