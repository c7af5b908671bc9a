"""Read-only figures for admins: delivery per warning and city, and the leaders overview."""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any, cast

from pydantic import BaseModel
from sqlite_utils import Database

from subscribers.outbox import BUTTON_SEVERITIES, Kind
from subscribers.timeutil import from_db

# Outbox kinds that carry a warning (ref_id is the warning id).
WARNING_KINDS = (Kind.ALERT, Kind.UPDATE, Kind.CANCEL, Kind.REMINDER)


class DeliveryStat(BaseModel):
    warning_id: int
    event: str
    sent_on: datetime | None
    city_id: str
    sent: int
    failed: int
    pending: int
    acknowledged: int
    median_ack_seconds: float | None
    # False when the warning never asked for รับทราบ (below Severe) and nobody pressed it: /stats shows no
    # "รับทราบ 0" that would read as neglect.
    asks_ack: bool = True


class LeaderRow(BaseModel):
    chat_id: int
    name: str
    city_id: str
    livelihood: str
    active: bool
    last_ack: datetime | None


def delivery_stats(db: Database, limit_warnings: int = 20) -> list[DeliveryStat]:
    """Per warning (newest first, at most `limit_warnings`) and city: sent, failed, acked, median ack time."""
    marks = ", ".join("?" for _ in WARNING_KINDS)
    warning_ids = [
        row["ref_id"]
        for row in db.query(
            f"select ref_id, max(created_at) as at from outbox where kind in ({marks})"
            " group by ref_id order by at desc limit ?",
            [*WARNING_KINDS, limit_warnings],
        )
    ]
    result = []
    for warning_id in warning_ids:
        warning = next(iter(db.query("select event, sent, severity from warnings where id = ?", [warning_id])), None)
        # One row per leader: the first message of the warning (alert before update/reminder).
        rows = db.query(
            f"select l.city_id, o.chat_id, min(o.sent_at) as sent_at,"
            f" max(o.status = 'sent') as sent, max(o.status = 'failed') as failed,"
            f" max(o.status in ('pending', 'sending')) as pending, a.acked_at"
            f" from outbox o join leaders l on l.chat_id = o.chat_id"
            f" left join acknowledgements a on a.warning_id = o.ref_id and a.chat_id = o.chat_id"
            f" where o.ref_id = ? and o.kind in ({marks}) group by o.chat_id order by l.city_id",
            [warning_id, *WARNING_KINDS],
        )
        by_city: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_city.setdefault(row["city_id"], []).append(row)
        for city_id, leaders in sorted(by_city.items()):
            times = [
                (cast(datetime, from_db(r["acked_at"])) - cast(datetime, from_db(r["sent_at"]))).total_seconds()
                for r in leaders
                if r["acked_at"] and r["sent_at"]
            ]
            result.append(
                DeliveryStat(
                    warning_id=warning_id,
                    event=(warning or {}).get("event") or "",
                    sent_on=from_db((warning or {}).get("sent")),
                    city_id=city_id,
                    sent=sum(1 for r in leaders if r["sent"]),
                    failed=sum(1 for r in leaders if r["failed"] and not r["sent"]),
                    pending=sum(1 for r in leaders if r["pending"] and not r["sent"]),
                    acknowledged=sum(1 for r in leaders if r["acked_at"]),
                    median_ack_seconds=statistics.median(times) if times else None,
                    asks_ack=(warning or {}).get("severity") in BUTTON_SEVERITIES
                    or any(r["acked_at"] for r in leaders),
                )
            )
    return result


def leaders_overview(db: Database, city_id: str | None = None) -> list[LeaderRow]:
    """Every registered leader (active or not) of one city or all, with their last acknowledgement."""
    where, params = ("where l.city_id = ?", [city_id]) if city_id else ("", [])
    rows = db.query(
        "select l.chat_id, l.name, l.city_id, l.livelihood, l.active, max(a.acked_at) as last_ack"
        f" from leaders l left join acknowledgements a on a.chat_id = l.chat_id {where}"
        " group by l.chat_id order by l.city_id, l.active desc, l.name",
        params,
    )
    return [
        LeaderRow(
            chat_id=row["chat_id"],
            name=row["name"] or "",
            city_id=row["city_id"],
            livelihood=row["livelihood"] or "other",
            active=bool(row["active"]),
            last_ack=from_db(row["last_ack"]),
        )
        for row in rows
    ]
