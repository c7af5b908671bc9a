"""`floodbot backup FILE`: SQLite's online backup API, safe while the bot writes, then a check of the copy.

Python's sqlite3 module carries the backup API, so no sqlite3 command-line tool is needed on the server.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from subscribers.db import create_private_file, require_database


class BackupError(Exception):
    """The backup could not be made or does not check out."""


def backup(source: Path | str, target: Path | str) -> int:
    """Copy the database at `source` to `target` (0600, replaced atomically); returns the leaders in the copy."""
    source, target = Path(source), Path(target)
    require_database(source)
    if not target.parent.is_dir():
        raise BackupError(f"folder {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        create_private_file(partial)
        # Read-only on the live file: the backup never writes to the bot's database.
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in dst.execute("select name from sqlite_master where type = 'table'")}
            if check != "ok" or "leaders" not in tables:
                raise BackupError(f"the copy of {source} does not check out ({check}); is it a floodbot database?")
            leaders: int = dst.execute("select count(*) from leaders").fetchone()[0]
            # A backup is one self-contained file: no WAL beside it.
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
            src.close()
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        raise BackupError(f"cannot copy {source} to {target}: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return leaders
