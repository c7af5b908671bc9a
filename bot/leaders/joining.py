"""Joining by invitation: decide what a `/start [code]` means for this chat, and record it."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel
from sqlite_utils import Database

from subscribers import invites
from subscribers.invite_failures import failures_since, locked_until, prune_failures, record_failure
from subscribers.leaders import Leader, get_leader, upsert_leader

# Wrong codes allowed per chat within the window before the chat must wait (no guessing).
MAX_WRONG_CODES = 5
WRONG_CODE_WINDOW = timedelta(minutes=15)
# Older wrong codes no longer matter; forget them so the table stays small.
FORGET_FAILURES_AFTER = timedelta(days=1)
# Telegram's start parameter: up to 64 of A-Z a-z 0-9 _ -.
_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")


class JoinOutcome(StrEnum):
    JOINED = "joined"
    MOVED = "moved"
    REACTIVATED = "reactivated"
    ALREADY_ACTIVE = "already-active"
    NO_CODE = "no-code"
    WRONG = "wrong"
    EXPIRED = "expired"
    USED_UP = "used-up"
    LOCKED = "locked"


class JoinResult(BaseModel):
    outcome: JoinOutcome
    leader: Leader | None = None
    tries_left: int = 0
    wait_minutes: int = 0

    @property
    def needs_name(self) -> bool:
        """The leader is in but has not told us their name yet."""
        return self.leader is not None and not self.leader.name


def join(db: Database, chat_id: int, code: str | None, now: datetime) -> JoinResult:
    """Handle `/start [code]`: join, move, re-activate, or refuse and store nothing but a wrong-code count."""
    existing = get_leader(db, chat_id)
    if not code:
        if existing is None:
            return JoinResult(outcome=JoinOutcome.NO_CODE)
        if existing.active:
            return JoinResult(outcome=JoinOutcome.ALREADY_ACTIVE, leader=existing)
        return JoinResult(outcome=JoinOutcome.REACTIVATED, leader=_rejoin(db, existing, existing.city_id, now))

    until = locked_until(db, chat_id, now, MAX_WRONG_CODES, WRONG_CODE_WINDOW)
    if until is not None:
        # Locked chats are refused before the code is looked at, so guessing gains nothing.
        return JoinResult(outcome=JoinOutcome.LOCKED, wait_minutes=_minutes(until - now))

    known = invites.get_invite(db, code) if _CODE.fullmatch(code) else None
    if existing is not None and existing.active and known is not None and known.city_id == existing.city_id:
        # A second tap of the same city's link by a member changes nothing and must not use the invite up.
        return JoinResult(outcome=JoinOutcome.ALREADY_ACTIVE, leader=existing)
    invite = invites.use_invite(db, code, now) if known is not None else None
    if invite is None:
        return _refuse(db, chat_id, code, now)
    if existing is None:
        return JoinResult(outcome=JoinOutcome.JOINED, leader=upsert_leader(db, chat_id, invite.city_id, now))
    if existing.city_id != invite.city_id:
        outcome = JoinOutcome.MOVED
    else:
        outcome = JoinOutcome.ALREADY_ACTIVE if existing.active else JoinOutcome.REACTIVATED
    return JoinResult(outcome=outcome, leader=_rejoin(db, existing, invite.city_id, now))


def _refuse(db: Database, chat_id: int, code: str, now: datetime) -> JoinResult:
    """Why a code cannot be used; only codes that never existed count as guesses."""
    known = invites.get_invite(db, code) if _CODE.fullmatch(code) else None
    if known is not None:
        used_up = known.uses >= known.max_uses and not known.revoked and now < known.expires_at
        return JoinResult(outcome=JoinOutcome.USED_UP if used_up else JoinOutcome.EXPIRED)
    record_failure(db, chat_id, now)
    prune_failures(db, now - FORGET_FAILURES_AFTER)
    left = MAX_WRONG_CODES - len(failures_since(db, chat_id, now - WRONG_CODE_WINDOW))
    if left <= 0:
        return JoinResult(outcome=JoinOutcome.LOCKED, wait_minutes=_minutes(WRONG_CODE_WINDOW))
    return JoinResult(outcome=JoinOutcome.WRONG, tries_left=left)


def _minutes(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds() / 60))


def _rejoin(db: Database, leader: Leader, city_id: str, now: datetime) -> Leader:
    # upsert_leader resets the livelihood unless given, so pass what the leader chose before.
    return upsert_leader(db, leader.chat_id, city_id, now, name=leader.name, livelihood=leader.livelihood)
