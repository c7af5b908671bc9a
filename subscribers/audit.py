"""The audit log: every admin action and every refusal."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from subscribers.timeutil import to_db


def record(db: Database, now: datetime, actor: str, action: str, allowed: bool = True, **detail: Any) -> None:
    """Append one entry; `detail` is kept as JSON."""
    db.table("audit_log").insert(
        {
            "at": to_db(now),
            "actor": actor,
            "action": action,
            "allowed": int(allowed),
            "detail": json.dumps(detail, ensure_ascii=False, default=str),
        }
    )
