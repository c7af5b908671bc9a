"""Opening the store: the one place that sets WAL, foreign keys and applies migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from subscribers.migrations import migrations


class StoreError(Exception):
    """The database cannot be opened or upgraded."""


def open_db(path: Path | str | None = None, *, memory: bool = False) -> Database:
    """Open (creating if needed) and migrate the database; `memory=True` for tests."""
    if memory:
        db = Database(memory=True)
    else:
        assert path is not None
        path = Path(path)
        if not path.parent.is_dir():
            raise StoreError(f"database: folder {path.parent} does not exist")
        try:
            db = Database(path)
            # WAL lets the CLI read while the bot writes; it must be set outside a transaction.
            db.enable_wal()
        except (sqlite3.Error, OSError) as exc:  # not a database, no permission, disk full...
            raise StoreError(f"database: cannot open {path}: {exc}") from exc
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 5000")
    migrate(db)
    return db


def migrate(db: Database) -> list[str]:
    """Apply pending migrations; returns their names (empty when the schema is current)."""
    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    return pending


def schema_version(db: Database) -> int:
    """How many migrations this database has applied."""
    return len(migrations.applied(db))
