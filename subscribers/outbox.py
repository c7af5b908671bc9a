"""The outbox: one row per (kind, warning version or notice, chat), moved pending → sending → sent.

Each move is its own committed write, so a crash leaves a row either pending (not sent), sending
(maybe sent: retried on start) or sent. Enqueuing is idempotent through the unique index on
(kind, ref_id, chat_id): the same warning version enqueued twice creates no second row.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from pydantic import BaseModel
from sqlite_utils import Database

from subscribers.sql import in_list
from subscribers.timeutil import from_db, to_db


class Kind(StrEnum):
    ALERT = "alert"
    UPDATE = "update"
    CANCEL = "cancel"
    NOTICE = "notice"
    REMINDER = "reminder"
    DRILL = "drill"
    # An update no longer covers the leader's city: a short reply, no button, no reminder.
    AREA_REMOVED = "area_removed"
    # The check-in question (ref_id: checkin_rounds.id) and the after-action survey (ref_id: the warning
    # asked about): they carry their own answer buttons, built by the worker from the kind and ref.
    # Priority OTHER: the alert (or drill) they follow was queued earlier, so it reaches the phone first.
    CHECKIN = "checkin"
    SURVEY = "survey"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class Priority(IntEnum):
    """Smaller goes first: Extreme and Severe, then notices, then the rest."""

    EXTREME = 0
    SEVERE = 1
    NOTICE = 2
    OTHER = 3


# Kinds whose ref_id is a warnings.id (a notice's is a notices.id).
WARNING_KINDS = (Kind.ALERT, Kind.UPDATE, Kind.CANCEL, Kind.REMINDER, Kind.DRILL, Kind.AREA_REMOVED)
# Kinds that bring the warning itself to the leader (not a reminder, cancel or area-removed reply).
WARNED_KINDS = (Kind.ALERT, Kind.UPDATE, Kind.DRILL)
# Kinds that ask the leader something; bounded in time like notices.
ASKING_KINDS = (Kind.CHECKIN, Kind.SURVEY)
# Kinds whose message carries the รับทราบ button (and so may need it removed later).
BUTTON_KINDS = (Kind.ALERT, Kind.UPDATE, Kind.DRILL, Kind.REMINDER)
# Only these severities carry the รับทราบ button (and so get reminders and escalation); a drill always
# does, since practising the button is its point.
BUTTON_SEVERITIES = ("Extreme", "Severe")


def has_button(kind: Kind | str, severity: str | None) -> bool:
    """Whether a row of this kind, for a warning of this severity, carries the รับทราบ button."""
    return kind == Kind.DRILL or (kind in BUTTON_KINDS and severity in BUTTON_SEVERITIES)


def priority_for(kind: Kind | str, severity: str | None = None) -> Priority:
    """The outbox priority of a row: Extreme, Severe, then notices, then everything else."""
    if kind == Kind.NOTICE:
        return Priority.NOTICE
    if kind != Kind.DRILL and severity == "Extreme":
        return Priority.EXTREME
    if kind != Kind.DRILL and severity == "Severe":
        return Priority.SEVERE
    return Priority.OTHER


class OutboxItem(BaseModel):
    """What the poller (or an admin command) enqueues: the text is already rendered (HTML)."""

    kind: Kind
    ref_id: int
    chat_id: int
    text: str
    priority: int = Priority.OTHER
    reply_to_message_id: int | None = None


class OutboxRow(OutboxItem):
    """A stored outbox row."""

    id: int
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime | None = None
    message_id: int | None = None
    created_at: datetime
    sent_at: datetime | None = None
    claimed_at: datetime | None = None
    last_error: str | None = None
    unknown_outcomes: int = 0


def _row(row: dict[str, Any]) -> OutboxRow:
    return OutboxRow(
        id=row["id"],
        kind=row["kind"],
        ref_id=row["ref_id"],
        chat_id=row["chat_id"],
        text=row["text"] or "",
        priority=row["priority"],
        reply_to_message_id=row["reply_to_message_id"],
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=from_db(row["next_attempt_at"]),
        message_id=row["message_id"],
        created_at=from_db(row["created_at"]),
        sent_at=from_db(row["sent_at"]),
        claimed_at=from_db(row["claimed_at"]),
        last_error=row["last_error"],
        unknown_outcomes=row.get("unknown_outcomes") or 0,
    )


_INSERT = """
insert or ignore into outbox
  (kind, ref_id, chat_id, priority, status, attempts, next_attempt_at, reply_to_message_id, text,
   created_at)
values (?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)
"""


def enqueue(db: Database, items: list[OutboxItem], now: datetime) -> int:
    """Add rows in one transaction, ignoring ones already there; returns how many were new."""
    stamp = to_db(now)
    added = 0
    with db.atomic():
        for item in items:
            cursor = db.execute(
                _INSERT,
                [
                    str(item.kind),
                    item.ref_id,
                    item.chat_id,
                    int(item.priority),
                    stamp,
                    item.reply_to_message_id,
                    item.text,
                    stamp,
                ],
            )
            added += cursor.rowcount
    return added


def get_row(db: Database, row_id: int) -> OutboxRow | None:
    """One outbox row by id."""
    row = next(iter(db.query("select * from outbox where id = ?", [row_id])), None)
    return _row(row) if row else None


def rows(db: Database, *, chat_id: int | None = None, status: OutboxStatus | None = None) -> list[OutboxRow]:
    """Outbox rows, optionally of one chat and/or status, in id order."""
    where: list[str] = ["1 = 1"]
    params: list[int | str] = []
    if chat_id is not None:
        where.append("chat_id = ?")
        params.append(chat_id)
    if status is not None:
        where.append("status = ?")
        params.append(str(status))
    return [_row(r) for r in db.query(f"select * from outbox where {' and '.join(where)} order by id", params)]


def due(db: Database, now: datetime, limit: int = 500) -> list[OutboxRow]:
    """Pending rows whose time has come, in send order (priority, then age); reads only."""
    return [
        _row(r)
        for r in db.query(
            "select * from outbox where status = 'pending' and (next_attempt_at is null or next_attempt_at <= ?)"
            " order by priority, id limit ?",
            [to_db(now), limit],
        )
    ]


def probe_row(db: Database) -> OutboxRow | None:
    """The first pending row in send order, due or not (a probe while Telegram is unreachable)."""
    row = next(iter(db.query("select * from outbox where status = 'pending' order by priority, id limit 1")), None)
    return _row(row) if row else None


def retry_now(db: Database, now: datetime) -> int:
    """Every pending row waiting for a retry becomes due now (Telegram is reachable again); returns how many."""
    cursor = db.execute(
        "update outbox set next_attempt_at = ? where status = 'pending' and next_attempt_at > ?",
        [to_db(now), to_db(now)],
    )
    return cursor.rowcount


def claim(db: Database, row_id: int, now: datetime) -> bool:
    """Move one pending row to sending (committed before the request); False if it was not pending."""
    cursor = db.execute(
        "update outbox set status = 'sending', attempts = attempts + 1, claimed_at = ?"
        " where id = ? and status = 'pending'",
        [to_db(now), row_id],
    )
    return cursor.rowcount == 1


def mark_sent(db: Database, row_id: int, message_id: int | None, now: datetime) -> None:
    """The message is on the leader's phone: store its Telegram id and time."""
    db.execute(
        "update outbox set status = 'sent', message_id = ?, sent_at = ?, last_error = null where id = ?",
        [message_id, to_db(now), row_id],
    )


def retry_later(db: Database, row_id: int, at: datetime, error: str) -> None:
    """Back to pending, due again at `at` (attempts were counted when claimed)."""
    db.execute(
        "update outbox set status = 'pending', next_attempt_at = ?, last_error = ? where id = ?",
        [to_db(at), error, row_id],
    )


def retry_unknown(db: Database, row_id: int, at: datetime, error: str) -> None:
    """The request timed out after it was written (maybe delivered): back to pending once, due at `at`."""
    db.execute(
        "update outbox set status = 'pending', next_attempt_at = ?, last_error = ?,"
        " unknown_outcomes = unknown_outcomes + 1 where id = ?",
        [to_db(at), error, row_id],
    )


def release(db: Database, row_id: int, at: datetime) -> None:
    """Back to pending without counting the attempt (a 429: nothing went wrong with the row)."""
    db.execute(
        "update outbox set status = 'pending', next_attempt_at = ?, attempts = max(attempts - 1, 0) where id = ?",
        [to_db(at), row_id],
    )


def mark_failed(db: Database, row_id: int, error: str, now: datetime) -> None:
    """Given up: no more attempts."""
    db.execute(
        "update outbox set status = 'failed', last_error = ?, sent_at = null, next_attempt_at = ? where id = ?",
        [error, to_db(now), row_id],
    )


def mark_skipped(db: Database, row_id: int, reason: str, now: datetime) -> None:
    """Not sent on purpose (warning ended, expired, leader gone); the reason is kept."""
    db.execute(
        "update outbox set status = 'skipped', last_error = ?, next_attempt_at = ? where id = ?",
        [reason, to_db(now), row_id],
    )


def skip_pending_for_chat(db: Database, chat_id: int, reason: str, now: datetime) -> int:
    """Skip every pending row of a chat (the leader blocked the bot); returns how many."""
    cursor = db.execute(
        "update outbox set status = 'skipped', last_error = ?, next_attempt_at = ?"
        " where chat_id = ? and status = 'pending'",
        [reason, to_db(now), chat_id],
    )
    return cursor.rowcount


def recover_in_flight(db: Database) -> int:
    """On start: rows left in sending by a crash go back to pending (they may be repeated once)."""
    cursor = db.execute("update outbox set status = 'pending' where status = 'sending'")
    return cursor.rowcount


def thread_ids(db: Database, warning_id: int) -> list[int]:
    """The warning ids of one thread: versions sharing (sender, identifier), and what they supersede."""
    sql = """
    with recursive chain(id) as (
      select ? union
      select w.supersedes from warnings w join chain on w.id = chain.id where w.supersedes is not null
      union
      select w2.id from warnings w1 join chain on w1.id = chain.id
        join warnings w2 on w2.sender = w1.sender and w2.identifier = w1.identifier
    )
    select id from chain order by id
    """
    return [row["id"] for row in db.query(sql, [warning_id])]


def _marks(values: Collection[object]) -> str:
    return ", ".join("?" for _ in values)


def last_message_id(db: Database, chat_id: int, warning_ids: list[int]) -> int | None:
    """The Telegram id of the latest message this chat got for any of these warnings (for reply_to)."""
    if not warning_ids:
        return None
    kinds = [str(k) for k in WARNED_KINDS]
    row = next(
        iter(
            db.query(
                f"select message_id from outbox where chat_id = ? and ref_id in ({_marks(warning_ids)})"
                f" and kind in ({_marks(kinds)}) and status = 'sent' and message_id is not null"
                " order by sent_at desc, id desc limit 1",
                [chat_id, *warning_ids, *kinds],
            )
        ),
        None,
    )
    return row["message_id"] if row else None


def button_message_ids(db: Database, chat_id: int, warning_ids: list[int]) -> list[int]:
    """Telegram ids of this chat's sent messages that carry the รับทราบ button for these warnings."""
    if not warning_ids:
        return []
    kinds = [str(k) for k in BUTTON_KINDS]
    return [
        row["message_id"]
        for row in db.query(
            f"select o.message_id from outbox o join warnings w on w.id = o.ref_id"
            f" where o.chat_id = ? and o.ref_id in ({_marks(warning_ids)}) and o.kind in ({_marks(kinds)})"
            f" and (o.kind = '{Kind.DRILL}' or w.severity in ({_marks(BUTTON_SEVERITIES)}))"
            " and o.status = 'sent' and o.message_id is not null order by o.id",
            [chat_id, *warning_ids, *kinds, *BUTTON_SEVERITIES],
        )
    ]


def counts(db: Database) -> dict[str, int]:
    """Rows per status (for stats and the CLI)."""
    return {row["status"]: row["n"] for row in db.query("select status, count(*) as n from outbox group by status")}


def chats_with_messages(db: Database, warning_ids: list[int]) -> set[int]:
    """Chats that were sent a message for any of these warnings (who must hear of an update or cancel)."""
    if not warning_ids:
        return set()
    return {
        row["chat_id"]
        for row in db.query(
            f"select distinct chat_id from outbox where ref_id in ({_marks(warning_ids)})"
            f" and kind in ({in_list(WARNED_KINDS)}) and status = 'sent'",
            warning_ids,
        )
    }
