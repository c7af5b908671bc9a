"""`floodbot check`: what an operator can verify before a start, without writing or contacting anything.

The config has already been validated by `load_settings` (cities cross-checked with their provinces);
this adds the database (present, initialised, schema current, private, writable folder) and the rest.
"""

from __future__ import annotations

import os
import sqlite3
import stat

from sqlite_utils import Database

from bot.settings import Settings
from subscribers.db import pending_migrations, schema_version


def check(settings: Settings) -> tuple[list[str], list[str]]:
    """(problems, notes): problems make `check` exit 2; notes say what was found fine."""
    problems: list[str] = []
    notes = [
        f"config: ok ({len(settings.cities)} cities, {sum(f.enabled for f in settings.feeds)} feeds enabled,"
        f" polling every {settings.polling.interval_seconds} s)"
    ]
    for feed in settings.feeds:
        if feed.enabled and not feed.url.startswith("https://") and not _loopback(feed.url):
            notes.append(f"feeds: {feed.name}: {feed.url.split('?')[0]} is plain http (no TLS)")
    if settings.telegram.token is None:
        notes.append("telegram.token: not set (needed by `floodbot run`; set FLOODBOT_TELEGRAM__TOKEN)")
    if not settings.telegram.admin_ids:
        notes.append("telegram.admin_ids: empty (nobody can use the admin commands)")
    if settings.telegram.admin_chat_id is None:
        notes.append("telegram.admin_chat_id: not set (field reports, escalations and feed health go nowhere)")
    listen = settings.monitoring.listen
    notes.append(f"monitoring: {'/healthz and /metrics on ' + listen if listen else 'no HTTP listener'}")
    db_problems, db_notes = _check_database(settings)
    return problems + db_problems, notes + db_notes


def _loopback(url: str) -> bool:
    return url.startswith(("http://127.", "http://localhost", "http://[::1]"))


def _check_database(settings: Settings) -> tuple[list[str], list[str]]:
    path = settings.database
    if not path.exists():
        return [f"database: no database at {path}; create it with `floodbot init`"], []
    problems, notes = [], []
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        notes.append(f"database: {path} is mode {mode:04o}; `chmod 600 {path}` keeps leaders' data private")
    if not os.access(path.parent, os.W_OK) or not os.access(path, os.W_OK):
        problems.append(f"database: {path} or its folder is not writable by this user")
    try:
        # mode=ro: check never creates, migrates or writes anything.
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            db = Database(conn)
            applied, pending = schema_version(db), pending_migrations(db)
            cities = {r["id"] for r in db.query("select id from cities")} if applied else set()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return [*problems, f"database: cannot read {path}: {exc}"], notes
    if not applied:
        problems.append(f"database: {path} is not initialised; run `floodbot init` first")
        return problems, notes
    if pending:
        problems.append(f"database: schema {applied}, {len(pending)} migrations pending; run `floodbot init`")
    else:
        notes.append(f"database: {path} ok (schema {applied})")
    configured = {c.id for c in settings.cities}
    missing = sorted(configured - cities)
    if missing:
        problems.append(
            f"database: cities {', '.join(missing)} are configured but not in the database; run `floodbot init`"
        )
    removed = sorted(cities - configured)
    if removed:
        notes.append(
            f"database: cities {', '.join(removed)} are no longer configured; `floodbot init` revokes their invites"
        )
    return problems, notes
