"""How the store writes and reads times: ISO 8601 text in UTC, so text order is time order."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db(moment: datetime) -> str:
    """An aware datetime as stored: UTC, seconds precision or finer."""
    if moment.tzinfo is None:
        raise ValueError("store times must be timezone-aware")
    return moment.astimezone(UTC).isoformat()


def from_db(text: str | None) -> datetime | None:
    """A stored time back as an aware datetime (UTC), or None."""
    return datetime.fromisoformat(text) if text else None
