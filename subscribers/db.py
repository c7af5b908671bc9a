"""Opening the store: the one place that sets WAL, foreign keys and applies migrations.

Only `floodbot init` creates a database (`create=True`): every other command opening a missing or
uninitialised file stops with `StoreSetupError`, so a moved or deleted database never comes back
silently empty. New files are created 0600; SQLite gives the WAL and SHM files the same mode.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from subscribers.migrations import migrations

# Owner read and write only: the database holds leaders' chat ids, names and field reports.
PRIVATE_FILE_MODE = 0o600


class StoreError(Exception):
    """The database cannot be opened or upgraded."""


class StoreSetupError(StoreError):
    """The database is missing, uninitialised or read-only: the operator must act (run init, fix a path)."""


def open_db(path: Path | str | None = None, *, memory: bool = False, create: bool = False) -> Database:
    """Open and migrate the database; only `create=True` (init, tests) may create it; `memory=True` for tests."""
    if memory:
        db = Database(memory=True)
    else:
        assert path is not None
        db = _open_file(Path(path), create)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 5000")
    try:
        migrate(db)
        if not memory:
            _check_writable(db)
    except sqlite3.OperationalError as exc:
        db.close()
        raise _access_error(Path(path or ":memory:"), exc) from exc
    return db


def require_database(path: Path) -> None:
    """Raise `StoreSetupError` unless a database file is at `path` (checked before anything is created)."""
    if not Path(path).exists():
        raise StoreSetupError(f"database: no database at {Path(path).absolute()}; create it with `floodbot init`")


def _open_file(path: Path, create: bool) -> Database:
    if not path.exists():
        if not create:
            require_database(path)
        if not path.parent.is_dir():
            raise StoreSetupError(f"database: folder {path.parent} does not exist")
        create_private_file(path)
    try:
        db = Database(path)
        if not create and not migrations.applied(db):
            db.close()
            raise StoreSetupError(f"database: {path} is not initialised; run `floodbot init` first")
        # WAL lets the CLI read while the bot writes; it must be set outside a transaction.
        db.enable_wal()
    except sqlite3.OperationalError as exc:
        raise _access_error(path, exc) from exc
    except (sqlite3.Error, OSError) as exc:  # not a database, disk full...
        raise StoreError(f"database: cannot open {path}: {exc}") from exc
    return db


def _access_error(path: Path, exc: sqlite3.OperationalError) -> StoreError:
    text = str(exc)
    if "readonly" in text or "unable to open" in text:
        # The file or its folder is not writable by this user (the WAL and SHM files live beside it).
        return StoreSetupError(
            f"database: {path} is not writable by this user ({text}); it and its folder must be writable"
            " (under systemd: StateDirectory=floodbot, database in /var/lib/floodbot)"
        )
    return StoreError(f"database: cannot open {path}: {text}")


def _check_writable(db: Database) -> None:
    # Rewriting user_version is the smallest real write: a read-only file fails here, at start,
    # instead of at the first sign-up.
    version = db.execute("PRAGMA user_version").fetchone()[0]
    db.execute(f"PRAGMA user_version = {int(version)}")


def create_private_file(path: Path) -> None:
    """Create an empty file readable only by its owner (fails if it exists)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    os.close(fd)


def migrate(db: Database) -> list[str]:
    """Apply pending migrations; returns their names (empty when the schema is current)."""
    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    return pending


def schema_version(db: Database) -> int:
    """How many migrations this database has applied."""
    return len(migrations.applied(db))


def pending_migrations(db: Database) -> list[str]:
    """Names of the migrations this database still lacks (read-only: for `floodbot check`)."""
    return [m.name for m in migrations.pending(db)]
