"""Migrations: a fresh database, an upgrade from every earlier version, and a no-op re-run."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlite_utils import Database

from subscribers import outbox
from subscribers.db import migrate, open_db, schema_version
from subscribers.migrations import migrations

TABLES = {
    "cities", "leaders", "invites", "warnings", "notices", "outbox",
    "acknowledgements", "field_reports", "feed_health", "audit_log",
}


def schema(db: Database) -> list[tuple[str, str]]:
    return sorted((row["name"], row["sql"] or "") for row in db.query("select name, sql from sqlite_master"))


def test_fresh_file_database(tmp_path):
    db = open_db(tmp_path / "f.db", create=True)
    assert TABLES <= set(db.table_names())
    assert db.journal_mode == "wal"
    assert db.execute("pragma foreign_keys").fetchone()[0] == 1
    assert schema_version(db) == len(migrations.pending(Database(memory=True)))
    db.close()


def test_reopening_changes_nothing(tmp_path):
    path = tmp_path / "f.db"
    db = open_db(path, create=True)
    before = schema(db)
    version = schema_version(db)
    db.close()
    db = open_db(path)
    assert migrate(db) == []
    assert schema(db) == before and schema_version(db) == version


def test_upgrade_from_every_earlier_version_keeps_data(tmp_path):
    names = [m.name for m in migrations.pending(Database(memory=True))]
    fresh = schema(open_db(tmp_path / "fresh.db", create=True))
    for index, name in enumerate(names[1:], start=1):
        path = tmp_path / f"old{index}.db"
        old = Database(path)
        migrations.apply(old, stop_before=name)
        old["cities"].insert(
            {"id": "bo-yang", "name_th": "บ่อยาง", "province_code": "90", "tambon_code": "900101",
             "lat": 7.198, "lon": 100.596}
        )
        old.close()
        db = open_db(path)
        assert schema_version(db) == len(names)
        assert schema(db) == fresh
        assert db["cities"].get("bo-yang")["name_th"] == "บ่อยาง"
        db.close()


def test_foreign_keys_are_enforced(db):
    import sqlite3

    import pytest

    with pytest.raises(sqlite3.IntegrityError):
        db["leaders"].insert({"chat_id": 1, "city_id": "nowhere", "joined_at": "2025-01-01T00:00:00+00:00"})


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    import pytest

    from subscribers.db import StoreError

    path = tmp_path / "notes.db"
    path.write_text("shopping list: rice, fish sauce, rope, torch batteries\n" * 20, encoding="utf-8")
    with pytest.raises(StoreError, match=r"cannot open .*notes\.db: file is not a database"):
        open_db(path)


def test_dropping_outbox_clear_buttons_keeps_every_row(tmp_path):
    path = tmp_path / "m009.db"
    old = Database(path)
    migrations.apply(old, stop_before="m010_drop_outbox_clear_buttons")
    old["outbox"].insert_all(
        {
            "kind": kind,
            "ref_id": 7,
            "chat_id": 100 + i,
            "priority": i,
            "status": status,
            "attempts": i,
            "text": f"ข้อความ {i}",
            "created_at": "2025-02-25T11:30:00+00:00",
            "message_id": 500 + i if status == "sent" else None,
            "clear_buttons": i % 2,
        }
        for i, (kind, status) in enumerate([("alert", "sent"), ("cancel", "pending"), ("reminder", "failed")])
    )
    before = [{k: v for k, v in row.items() if k != "clear_buttons"} for row in old["outbox"].rows_where(order_by="id")]
    old.close()
    db = open_db(path)
    assert "clear_buttons" not in db["outbox"].columns_dict
    assert list(db["outbox"].rows_where(order_by="id")) == before
    assert [(r.kind, r.status, r.message_id) for r in outbox.rows(db)] == [
        ("alert", "sent", 500), ("cancel", "pending", None), ("reminder", "failed", None)
    ]
    # The unique index still makes enqueuing idempotent.
    item = outbox.OutboxItem(kind="alert", ref_id=7, chat_id=100, text="again")
    assert outbox.enqueue(db, [item], datetime(2025, 2, 25, 12, tzinfo=UTC)) == 0
    db.close()
