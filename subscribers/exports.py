"""Exports for operators and the evaluation team: field reports, deliveries, drills, check-ins, audit log.

CSV is UTF-8 with a BOM so Excel shows Thai; GeoJSON is a FeatureCollection of report points (QGIS, uMap).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlite_utils import Database

from subscribers.checkins import checkin_rows
from subscribers.outbox import Kind
from subscribers.reports import latest_reports
from subscribers.sql import in_list

BOM = "\ufeff"
KINDS = ("reports", "deliveries", "drills", "checkins", "audit")


class ExportError(Exception):
    """The export cannot be made in the asked form."""


def _report_rows(db: Database) -> Iterator[dict[str, Any]]:
    livelihoods = {r["chat_id"]: r["livelihood"] for r in db.query("select chat_id, livelihood from leaders")}
    for r in latest_reports(db):
        yield {
            "id": r.id,
            "created_at": r.created_at.isoformat(),
            "city_id": r.city_id,
            "chat_id": r.chat_id,
            "leader_name": r.leader_name,
            "livelihood": livelihoods.get(r.chat_id),
            "warning_id": r.warning_id,
            "depth": str(r.depth) if r.depth else None,
            "lat": r.lat,
            "lon": r.lon,
            "text": r.text,
            "photos": " ".join(r.photos),
        }


def _rows(db: Database, kind: str) -> Iterable[dict[str, Any]]:
    if kind == "reports":
        return _report_rows(db)
    if kind == "deliveries":
        return db.query(
            "select o.id, o.kind, o.ref_id, o.chat_id, l.city_id, o.status, o.attempts, o.created_at, o.sent_at,"
            " o.last_error, a.acked_at from outbox o left join leaders l on l.chat_id = o.chat_id"
            " left join acknowledgements a on a.warning_id = o.ref_id and a.chat_id = o.chat_id"
            f" and o.kind in ({in_list((Kind.ALERT, Kind.UPDATE, Kind.CANCEL, Kind.REMINDER, Kind.DRILL))})"
            " order by o.id"
        )
    if kind == "drills":
        return db.query(
            "select d.id as drill_id, d.started_at, d.created_by, r.city_id, r.chat_id, r.name, r.sent_at,"
            " r.acked_at, r.seconds_to_ack from drills d join drill_results r on r.drill_id = d.id"
            " order by d.id, r.city_id, r.chat_id"
        )
    if kind == "checkins":
        return checkin_rows(db)
    if kind == "audit":
        return db.query("select id, at, actor, action, allowed, detail from audit_log order by id")
    raise ExportError(f"unknown export {kind!r}; choose one of {', '.join(KINDS)}")


COLUMNS = {
    "reports": [
        "id", "created_at", "city_id", "chat_id", "leader_name", "livelihood", "warning_id", "depth", "lat", "lon",
        "text", "photos",
    ],
    "deliveries": [
        "id", "kind", "ref_id", "chat_id", "city_id", "status", "attempts", "created_at", "sent_at", "last_error",
        "acked_at",
    ],
    "drills": ["drill_id", "started_at", "created_by", "city_id", "chat_id", "name", "sent_at", "acked_at",
               "seconds_to_ack"],
    "checkins": [
        "round_id", "warning_id", "round_started_at", "drill", "city_id", "chat_id", "leader_name", "answer",
        "answered_at", "answers", "help_request_id", "help_status", "lat", "lon", "location_source", "people", "need",
        "taken_by", "taken_at", "done_by", "done_at",
    ],
    "audit": ["id", "at", "actor", "action", "allowed", "detail"],
}


# Columns holding a stored time (UTC ISO text): exports show them in the configured zone.
TIME_COLUMNS = {"created_at", "sent_at", "acked_at", "at", "started_at"}


def mask_code(code: str) -> str:
    """An invite code as the audit export shows it: enough to tell codes apart, not enough to join."""
    return code[:2] + "•" * max(4, len(code) - 2)


def _masked_audit(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        row = dict(row)
        try:
            detail = json.loads(row["detail"] or "{}")
        except ValueError:
            detail = None
        if isinstance(detail, dict) and isinstance(detail.get("code"), str):
            detail["code"] = mask_code(detail["code"])
            row["detail"] = json.dumps(detail, ensure_ascii=False)
        yield row


def export_rows(db: Database, kind: str, tz: tzinfo = UTC) -> list[dict[str, Any]]:
    """One export's rows in column order: times as aware datetimes in `tz`, invite codes masked."""
    if kind not in KINDS:
        raise ExportError(f"unknown export {kind!r}; choose one of {', '.join(KINDS)}")
    rows = _rows(db, kind)
    if kind == "audit":
        rows = _masked_audit(rows)
    result = []
    for row in rows:
        out = {}
        for column in COLUMNS[kind]:
            value = row.get(column)
            if column in TIME_COLUMNS and isinstance(value, str) and value:
                value = datetime.fromisoformat(value).astimezone(tz).replace(microsecond=0)
            elif column in TIME_COLUMNS and isinstance(value, datetime):
                value = value.astimezone(tz).replace(microsecond=0)
            out[column] = value
        result.append(out)
    return result


def export_csv(db: Database, kind: str, tz: tzinfo = UTC) -> str:
    """The table as CSV text, starting with a BOM (write it encoded as UTF-8); times ISO 8601 in `tz`."""
    rows = [
        {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}
        for row in export_rows(db, kind, tz)
    ]
    out = io.StringIO()
    out.write(BOM)
    writer = csv.DictWriter(out, fieldnames=COLUMNS[kind], extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def export_geojson(db: Database, kind: str = "reports") -> str:
    """Field reports with a location as a GeoJSON FeatureCollection (lon, lat order, WGS 84)."""
    if kind != "reports":
        raise ExportError("only reports have locations; use --format csv")
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
            "properties": {k: v for k, v in row.items() if k not in ("lat", "lon")},
        }
        for row in _report_rows(db)
        if row["lat"] is not None and row["lon"] is not None
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1)


def export(db: Database, kind: str, fmt: str = "csv", tz: tzinfo = UTC) -> str:
    """One export as text: `fmt` is csv or geojson (xlsx is made by the bot package, which has the labels)."""
    if kind not in KINDS:
        raise ExportError(f"unknown export {kind!r}; choose one of {', '.join(KINDS)}")
    if fmt == "csv":
        return export_csv(db, kind, tz)
    if fmt == "geojson":
        return export_geojson(db, kind)
    raise ExportError(f"unknown format {fmt!r}; choose csv or geojson")
