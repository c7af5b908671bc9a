"""Lifecycle decisions: given a parsed Warning and what the store knows, what happens to it.

Pure: `now` and the store's knowledge are passed in, a `Decision` with a reason comes out (like
Alertmanager's `needsUpdate` returning a reason). The store (subscribers.warnings) applies it.
Row statuses are a contract with the delivery worker: see `RowStatus`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from alerts.model import MsgType, Scope, Status, Warning, stable_dump

# Readings that change every poll without changing the warning (ThaiWater): left out of the
# fingerprint so a rising river at the same level is `unchanged`, not a new alarm every 5 minutes.
VOLATILE_PARAMETERS = frozenset({"bank_percent", "waterlevel_msl", "diff_wl_bank", "observed_at"})


class PollStatus(StrEnum):
    """What a poll reports for a warning (DESIGN.md `poll --json` `status`)."""

    NEW = "new"
    UPDATED = "updated"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    UNCHANGED = "unchanged"


class RowStatus(StrEnum):
    """`warnings.status` in the store; the delivery worker sends only `active` rows as alerts."""

    ACTIVE = "active"  # in force, may be sent
    SUPERSEDED = "superseded"  # a later version replaced it
    CANCELLED = "cancelled"  # withdrawn by a Cancel (the Cancel row itself too)
    ENDED = "ended"  # ended by an all-clear (the all-clear row itself too)
    EXPIRED = "expired"  # past its expires: never sent
    EXERCISE = "exercise"  # a drill: kept for drills, never sent as a real alert
    TEST = "test"  # Test/System/Draft: never sent
    RESTRICTED = "restricted"  # CAP scope Restricted or Private: kept, never broadcast


class Reason(StrEnum):
    FIRST_SEEN = "first seen"
    SEEN = "same content already stored"
    CHANGED = "same identifier, new content"
    UPDATE = "update of a known warning"
    UPDATE_OF_UNKNOWN = "update of a warning never seen"
    CANCEL = "cancel of a known warning"
    CANCEL_OF_UNKNOWN = "cancel of a warning never seen"
    ALL_CLEAR = "all-clear ends a warning in force"
    NOTHING_TO_END = "all-clear with nothing in force"
    EXPIRED = "expires before now"
    REPLACED_BEFORE_SEEN = "a later version was stored first"
    CANCELLED_BEFORE_SEEN = "a cancel for it was stored first"
    EXERCISE = "exercise: kept for drills, not sent"
    NOT_ACTUAL = "not an actual alert: not sent"
    NOT_PUBLIC = "scope is not Public: not broadcast"


class KnownVersion(BaseModel):
    """A stored version as the lifecycle needs it."""

    model_config = ConfigDict(frozen=True)

    id: int
    version: str
    status: RowStatus
    msg_type: MsgType = MsgType.ALERT
    expires: datetime | None = None


class Known(BaseModel):
    """What the store knows about a warning's thread."""

    model_config = ConfigDict(frozen=True)

    # Rows with the same (sender, identifier).
    same_key: tuple[KnownVersion, ...] = ()
    # Rows named by the warning's <references>.
    referenced: tuple[KnownVersion, ...] = ()
    # Rows whose <references> name this warning (they arrived first).
    successors: tuple[KnownVersion, ...] = ()


class Decision(BaseModel):
    """The outcome: what to report, how to store it, which earlier rows to close and whether to send."""

    model_config = ConfigDict(frozen=True)

    status: PollStatus
    reason: Reason
    # The new row's status, or None when nothing new is stored.
    row_status: RowStatus | None
    # Earlier rows to move to `close_status`.
    close: tuple[int, ...] = ()
    close_status: RowStatus | None = None
    # True when leaders should get this version (as a reply when it closes something).
    send: bool = False


def fingerprint(warning: Warning) -> str:
    """A hash of what matters to leaders: leaves out the feed, `sent` and volatile readings."""
    payload = stable_dump(warning, exclude={"feed", "sent"})
    payload["parameters"] = [p for p in payload["parameters"] if p[0] not in VOLATILE_PARAMETERS]
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _in_force(rows: tuple[KnownVersion, ...], now: datetime) -> tuple[int, ...]:
    return tuple(
        r.id for r in rows if r.status is RowStatus.ACTIVE and (r.expires is None or r.expires > now)
    )


def _open(rows: tuple[KnownVersion, ...]) -> tuple[int, ...]:
    """Rows not yet closed: active, exercise or test (a drill can be cancelled too)."""
    live = {RowStatus.ACTIVE, RowStatus.EXERCISE, RowStatus.TEST, RowStatus.RESTRICTED}
    return tuple(r.id for r in rows if r.status in live)


def _quiet_status(warning: Warning) -> RowStatus | None:
    """The row status of a warning that is stored but never broadcast, or None."""
    if warning.status is Status.EXERCISE:
        return RowStatus.EXERCISE
    if warning.status is not Status.ACTUAL:
        return RowStatus.TEST
    # CAP: Restricted and Private alerts are for named users or addresses, not for every leader.
    return None if warning.scope is Scope.PUBLIC else RowStatus.RESTRICTED


_QUIET_REASON = {
    RowStatus.EXERCISE: Reason.EXERCISE, RowStatus.TEST: Reason.NOT_ACTUAL, RowStatus.RESTRICTED: Reason.NOT_PUBLIC,
}


def decide(warning: Warning, known: Known, now: datetime) -> Decision:
    """The lifecycle rules, in order; see the module docstring of subscribers.warnings for storage."""
    version = fingerprint(warning)
    # In force until its last info block expires.
    until = warning.last_expires
    expired = until is not None and until <= now
    thread = known.referenced + tuple(r for r in known.same_key if r.version != version)
    quiet = _quiet_status(warning)

    # 1. Seen before with the same content: nothing new (an expiry is still reported and recorded).
    if any(r.version == version for r in known.same_key):
        if expired:
            return Decision(
                status=PollStatus.EXPIRED, reason=Reason.EXPIRED, row_status=None,
                close=tuple(r.id for r in known.same_key if r.status is RowStatus.ACTIVE),
                close_status=RowStatus.EXPIRED,
            )
        return Decision(status=PollStatus.UNCHANGED, reason=Reason.SEEN, row_status=None)

    # 2. A later version arrived first (index order, first poll): store this one already closed.
    if known.successors:
        if any(s.msg_type is MsgType.CANCEL for s in known.successors):
            return Decision(
                status=PollStatus.CANCELLED, reason=Reason.CANCELLED_BEFORE_SEEN, row_status=RowStatus.CANCELLED
            )
        return Decision(
            status=PollStatus.UNCHANGED, reason=Reason.REPLACED_BEFORE_SEEN, row_status=RowStatus.SUPERSEDED
        )

    # 3. Cancel: the referenced rows and the cancel itself become cancelled, whatever the clock says.
    if warning.msg_type is MsgType.CANCEL:
        live = _in_force(thread, now)
        return Decision(
            status=PollStatus.CANCELLED,
            reason=Reason.CANCEL if thread else Reason.CANCEL_OF_UNKNOWN,
            row_status=RowStatus.CANCELLED,
            close=_open(thread),
            close_status=RowStatus.CANCELLED,
            # Tell leaders only when what it cancels was in force (they had been alarmed).
            send=bool(live) and quiet is None,
        )

    # 4. Expired: recorded, never sent; what it replaces is closed as superseded.
    if expired:
        return Decision(
            status=PollStatus.EXPIRED, reason=Reason.EXPIRED, row_status=RowStatus.EXPIRED,
            close=_open(thread), close_status=RowStatus.SUPERSEDED,
        )

    # 5. All-clear: ends what is in force; with nothing in force there is nothing to say.
    if warning.is_all_clear:
        live = _open(thread)
        if not live:
            return Decision(status=PollStatus.UNCHANGED, reason=Reason.NOTHING_TO_END, row_status=None)
        return Decision(
            status=PollStatus.UPDATED, reason=Reason.ALL_CLEAR, row_status=quiet or RowStatus.ENDED,
            close=live, close_status=RowStatus.ENDED, send=quiet is None,
        )

    # 6. Alert or Update: a new row in force, superseding what it replaces.
    closes = _open(thread)
    if warning.msg_type is MsgType.UPDATE:
        status = PollStatus.UPDATED if known.referenced else PollStatus.NEW
        reason = Reason.UPDATE if known.referenced else Reason.UPDATE_OF_UNKNOWN
    elif thread:
        status, reason = PollStatus.UPDATED, Reason.CHANGED
    else:
        status, reason = PollStatus.NEW, Reason.FIRST_SEEN
    if quiet is not None:
        reason = _QUIET_REASON[quiet]
    return Decision(
        status=status, reason=reason, row_status=quiet or RowStatus.ACTIVE,
        close=closes, close_status=RowStatus.SUPERSEDED if closes else None, send=quiet is None,
    )
