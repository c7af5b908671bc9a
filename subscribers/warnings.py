"""Warning versions in the store: one `warnings` row per version, linked by `supersedes`.

`warnings.status` (`WarningStatus`) is a contract with the delivery worker; "in force" is `IN_FORCE`.
Whether a Cancel or all-clear row is sent (as a reply) is the poller's decision, not a status.
`warnings.cities` is a JSON list of city ids; `version` is the lifecycle fingerprint.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlite_utils import Database

from subscribers.sql import in_list
from subscribers.timeutil import from_db, to_db


class WarningStatus(StrEnum):
    """`warnings.status`: the store's spelling of `alerts.lifecycle.RowStatus` (a test pins the two equal)."""

    ACTIVE = "active"  # in force, may be sent (an Update row is sent as a reply to the earlier versions)
    SUPERSEDED = "superseded"  # a later version replaced it
    CANCELLED = "cancelled"  # withdrawn by a Cancel; the Cancel row itself too
    ENDED = "ended"  # ended by an all-clear; the all-clear row itself too
    EXPIRED = "expired"  # past its expiry: never sent
    EXERCISE = "exercise"  # a drill: kept for drills, never sent as a real alert
    TEST = "test"  # Test/System/Draft: never sent
    RESTRICTED = "restricted"  # CAP scope Restricted or Private: kept, never broadcast


# The statuses in which a warning may still go out (until it expires): a real one or a drill's.
SENDABLE_STATUSES = (WarningStatus.ACTIVE, WarningStatus.EXERCISE)


def in_force(statuses: tuple[WarningStatus, ...] = (WarningStatus.ACTIVE,)) -> str:
    """SQL on a `warnings` row: in one of these statuses and not past its expiry; binds one `?`, now.

    "In force" is `IN_FORCE` (active); alerts.lifecycle checks the same rule in memory (a test pins both).
    """
    return f"status in ({in_list(statuses)}) and (expires is null or expires > ?)"


IN_FORCE = in_force()
# A version replaced by a newer active one is not counted twice (on a row of `warnings`).
LATEST = (
    f"not exists (select 1 from warnings n where n.supersedes = warnings.id and n.status = '{WarningStatus.ACTIVE}')"
)


class _Version(BaseModel):
    """The columns every warning version has, stored or about to be."""

    feed: str
    sender: str
    identifier: str
    version: str
    msg_type: str
    cap_status: str
    status: str
    event: str
    severity: str
    sent: datetime
    expires: datetime | None = None
    cities: list[str] = Field(default_factory=list)
    parsed: str


class StoredWarning(_Version):
    """One stored warning version."""

    model_config = ConfigDict(frozen=True)

    id: int
    supersedes: int | None
    first_seen: datetime
    last_seen: datetime | None

    @property
    def headline(self) -> str:
        """The headline of the parsed warning, or ''."""
        return str(_parsed(self.parsed).get("headline") or "")

    @property
    def starts(self) -> datetime:
        """When the warning takes effect: onset, else effective, else sent."""
        parsed = _parsed(self.parsed)
        return _aware(parsed.get("onset")) or _aware(parsed.get("effective")) or self.sent


class NewVersion(_Version):
    """A version to store, as `bot` builds it from an `alerts.model.Warning`."""

    # (sender, identifier) pairs named by CAP <references>.
    references: list[tuple[str, str]] = Field(default_factory=list)
    raw: str = ""


def _row(row: dict[str, Any]) -> StoredWarning:
    return StoredWarning(
        id=row["id"],
        feed=row["feed"],
        sender=row["sender"],
        identifier=row["identifier"],
        version=row["version"],
        msg_type=row["msg_type"] or "",
        cap_status=row["cap_status"] or "",
        status=row["status"],
        event=row["event"] or "",
        severity=row["severity"] or "",
        sent=from_db(row["sent"]),
        expires=from_db(row["expires"]),
        supersedes=row["supersedes"],
        cities=json.loads(row["cities"] or "[]"),
        parsed=row["parsed"],
        first_seen=from_db(row["first_seen"]),
        last_seen=from_db(row["last_seen"]),
    )


_COLUMNS = (
    "id, feed, sender, identifier, version, msg_type, cap_status, status, event, severity, sent, expires, "
    "supersedes, cities, parsed, first_seen, last_seen"
)


def get_warning(db: Database, warning_id: int) -> StoredWarning | None:
    """One stored version by row id."""
    rows = list(db.query(f"select {_COLUMNS} from warnings where id = ?", [warning_id]))
    return _row(rows[0]) if rows else None


def versions_of(db: Database, sender: str, identifier: str) -> list[StoredWarning]:
    """Every stored version with this (sender, identifier), oldest first."""
    sql = f"select {_COLUMNS} from warnings where sender = ? and identifier = ? order by id"
    return [_row(r) for r in db.query(sql, [sender, identifier])]


def successors_of(db: Database, sender: str, identifier: str) -> list[StoredWarning]:
    """Stored versions whose references name (sender, identifier)."""
    sql = (
        f"select {_COLUMNS} from warnings where id in "
        "(select warning_id from warning_references where sender = ? and identifier = ?) order by id"
    )
    return [_row(r) for r in db.query(sql, [sender, identifier])]


def store_version(db: Database, new: NewVersion, now: datetime, supersedes: int | None = None) -> int:
    """Insert one version and its references; returns the row id. Call inside `db.atomic()`."""
    db.table("warnings").insert(
        {
            "feed": new.feed,
            "sender": new.sender,
            "identifier": new.identifier,
            "version": new.version,
            "msg_type": new.msg_type,
            "cap_status": new.cap_status,
            "status": new.status,
            "event": new.event,
            "severity": new.severity,
            "sent": to_db(new.sent),
            "expires": to_db(new.expires) if new.expires else None,
            "supersedes": supersedes,
            "raw": new.raw,
            "parsed": new.parsed,
            "cities": json.dumps(new.cities),
            "first_seen": to_db(now),
            "last_seen": to_db(now),
        }
    )
    warning_id: int = db.execute("select last_insert_rowid()").fetchone()[0]
    refs = [{"warning_id": warning_id, "sender": s, "identifier": i} for s, i in dict.fromkeys(new.references)]
    if refs:
        db.table("warning_references").insert_all(refs, ignore=True)
    return warning_id


def set_status(db: Database, ids: list[int] | tuple[int, ...], status: str) -> None:
    """Move rows to a status (superseded, cancelled, ended, expired...)."""
    for warning_id in ids:
        db.execute("update warnings set status = ? where id = ?", [status, warning_id])


def touch(db: Database, sender: str, identifier: str, version: str, now: datetime, parsed: str) -> None:
    """Record that an unchanged version was seen again, keeping its latest readings."""
    db.execute(
        "update warnings set last_seen = ?, parsed = ? where sender = ? and identifier = ? and version = ?",
        [to_db(now), parsed, sender, identifier, version],
    )


def expire_due(db: Database, now: datetime) -> list[int]:
    """Mark active rows whose expiry has passed as 'expired'; returns their ids."""
    ids = [r["id"] for r in db.query(
        f"select id from warnings where status = '{WarningStatus.ACTIVE}' and not ({IN_FORCE})", [to_db(now)]
    )]
    set_status(db, ids, WarningStatus.EXPIRED)
    return ids


def earlier_versions(db: Database, warning_id: int) -> list[int]:
    """Ids of every earlier version row of the same warning thread (same key or named by references)."""
    seen: set[int] = {warning_id}
    todo = [warning_id]
    while todo:
        current = todo.pop()
        sql = (
            "select w.id from warnings w join warnings c on c.id = ? "
            "where w.id < c.id and ((w.sender = c.sender and w.identifier = c.identifier) "
            "or exists (select 1 from warning_references r where r.warning_id = c.id "
            "and r.sender = w.sender and r.identifier = w.identifier))"
        )
        for row in db.query(sql, [current]):
            if row["id"] not in seen:
                seen.add(row["id"])
                todo.append(row["id"])
        # The supersedes link also counts: an Update of an identifier-changed Alert.
        row = db.execute("select supersedes from warnings where id = ?", [current]).fetchone()
        if row and row[0] is not None and row[0] not in seen:
            seen.add(row[0])
            todo.append(row[0])
    seen.discard(warning_id)
    return sorted(seen)


def warnings_in_force(db: Database, city_id: str, now: datetime) -> list[StoredWarning]:
    """Active, unexpired versions whose cities include city_id, newest first (for /status)."""
    sql = (
        f"select {_COLUMNS} from warnings where {IN_FORCE} and {LATEST} "
        "and exists (select 1 from json_each(coalesce(warnings.cities, '[]')) where json_each.value = ?) "
        "order by sent desc, id desc"
    )
    return [_row(r) for r in db.query(sql, [to_db(now), city_id])]


def warning_title(db: Database, warning_id: int) -> str | None:
    """A warning's headline, else its event, for naming it in a report; None if there is no such row."""
    stored = get_warning(db, warning_id)
    return (stored.headline or stored.event or None) if stored else None


def _parsed(text: str | None) -> dict[str, Any]:
    try:
        parsed = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _aware(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else None
