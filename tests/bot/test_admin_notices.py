"""The one notice action (bot.admin.notices) and its two callers: the chat's /broadcast and `floodbot broadcast`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.admin import notices
from bot.admin.notices import EmptyNoticeError, NoticeCityError, NoticeError, NoticeTooLongError, prepare, send
from bot.app import build_application
from bot.cli.shell import shell_broadcast
from bot.demo.fake.telegram import fake_settings
from subscribers.db import open_db
from subscribers.notices import Progress
from tests.helpers.admin_bot import ADMIN, command, press
from tests.helpers.admin_data import seed_admin_store
from tests.helpers.clock import Clock
from tests.helpers.store import CITIES

KNOWN = [c.id for c in CITIES]


@pytest.mark.parametrize(
    ("text", "cities", "error"),
    [
        ("", None, EmptyNoticeError),  # nothing to say
        ("  \n ", ["bo-yang"], EmptyNoticeError),  # only spaces would send the bare header
        ("ก" * 3901, None, NoticeTooLongError),  # one past the limit: the header must fit in 4096
        ("ประชุม", ["bo-yang", "atlantis"], NoticeCityError),  # not a configured city
        ("ประชุม", ["all"], NoticeCityError),  # "all" is the caller's spelling of None, not an id
        ("ประชุม", [], NoticeError),  # no city at all would reach nobody
    ],
)
def test_prepare_refuses(text, cities, error):
    with pytest.raises(error):
        prepare(text, cities, KNOWN)


def test_prepare_renders_what_leaders_get_and_dedups_cities():
    notice = prepare(" น้ำ < 1 ม. ", ["phatong", "bo-yang", "phatong"], KNOWN)
    assert notice.message == "<b>📢 ประกาศ</b>\nน้ำ &lt; 1 ม."
    assert notice.cities == ["phatong", "bo-yang"]
    # The limit itself is allowed; the too-long error says by how much.
    assert prepare("ก" * 3900, None, KNOWN).cities is None
    with pytest.raises(NoticeTooLongError) as exc:
        prepare("ก" * 4000, None, KNOWN)
    assert (exc.value.length, exc.value.limit) == (4000, 3900)


def test_send_records_audits_and_queues_in_one_transaction(db, now, monkeypatch):
    seed_admin_store(db, now)
    notice_id, rows = send(db, prepare("ประชุม", ["bo-yang"], KNOWN), "42", now)
    assert rows == 3  # 11, 12, 13 active; 14 inactive
    (entry,) = db.query("select actor, action, detail from audit_log")
    assert entry == {
        "actor": "42", "action": "broadcast",
        "detail": f'{{"notice_id": {notice_id}, "cities": ["bo-yang"], "recipients": 3}}',
    }

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    # The audit write fails after the notice and its rows were written: none of them stays.
    monkeypatch.setattr(notices.audit, "record", broken)
    with pytest.raises(RuntimeError):
        send(db, prepare("อีกครั้ง", None, KNOWN), "42", now)
    assert (db["notices"].count, db["outbox"].count, db["audit_log"].count) == (1, 3, 1)


@pytest.fixture
async def chat_app(limited_tg, db, now, vt):
    seed_admin_store(db, now)
    settings = fake_settings(limited_tg, cities=CITIES)
    application = build_application(settings, db, Clock(now), limiter=vt.limiter(settings))
    async with application:
        yield application


def _rows(db, sql: str, drop: tuple[str, ...]) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in drop} for row in db.query(sql)]


async def test_chat_and_shell_store_the_same_notice(chat_app, limited_tg, db, now, tmp_path: Path):
    fake = limited_tg
    await command(chat_app, fake, ADMIN, "/broadcast")
    (menu,) = fake.messages(ADMIN)
    await press(chat_app, fake, ADMIN, menu.message_id, "bc:city:phatong")
    await press(chat_app, fake, ADMIN, menu.message_id, "bc:city:bo-yang")
    await press(chat_app, fake, ADMIN, menu.message_id, "bc:next")
    await command(chat_app, fake, ADMIN, "ประชุมด่วน <คืนนี้> 19:00 น.")
    await press(chat_app, fake, ADMIN, fake.messages(ADMIN)[-1].message_id, "bc:send")

    # The shell, on its own copy of the same store, with no token (queue only), at the same time.
    path = tmp_path / "floodbot.db"
    shell_db = open_db(path, create=True)
    seed_admin_store(shell_db, now)
    shell_db.close()
    settings = fake_settings(fake, cities=CITIES, database=path)
    settings = settings.model_copy(update={"telegram": settings.telegram.model_copy(update={"token": None})})
    text = "ประชุมด่วน <คืนนี้> 19:00 น."
    notice_id, progress, sent = shell_broadcast(settings, ["phatong", "bo-yang"], text, lambda: now)
    assert (notice_id, progress.total, sent) == (1, 5, False)

    shell_db = open_db(path)
    try:
        outbox = "select * from outbox order by chat_id"
        assert _rows(db, outbox, ("id",)) == _rows(shell_db, outbox, ("id",))
        assert sorted(r["chat_id"] for r in db.query(outbox)) == [11, 12, 13, 21, 22]
        assert {r["text"] for r in db.query(outbox)} == {"<b>📢 ประกาศ</b>\nประชุมด่วน &lt;คืนนี้&gt; 19:00 น."}
        stored = "select * from notices"
        assert _rows(db, stored, ("created_by",)) == _rows(shell_db, stored, ("created_by",))
        audit = "select * from audit_log where action = 'broadcast'"
        assert _rows(db, audit, ("id", "actor")) == _rows(shell_db, audit, ("id", "actor"))
        # Only who did it differs: the admin's Telegram id, or the shell.
        actors = [r["actor"] for r in db.query(audit)] + [r["actor"] for r in shell_db.query(audit)]
        assert actors == [str(ADMIN), "shell"]
        assert [r["created_by"] for r in db.query("select created_by from notices")] == [str(ADMIN)]
        assert [r["created_by"] for r in shell_db.query("select created_by from notices")] == ["shell"]
    finally:
        shell_db.close()


def test_shell_broadcast_opens_one_bot(fake_tg, now, tmp_path: Path):
    path = tmp_path / "floodbot.db"
    db = open_db(path, create=True)
    seed_admin_store(db, now)
    db.close()
    settings = fake_settings(fake_tg, cities=CITIES, database=path)
    shown: list[Progress] = []
    notice_id, progress, sent = shell_broadcast(settings, ["phatong"], "ประชุม", lambda: now, shown.append)
    assert sent and (progress.delivered, progress.total) == (2, 2)
    assert sorted(m.chat_id for m in fake_tg.messages()) == [21, 22]
    # The token check and the delivery share one Bot: Telegram hears getMe once.
    assert len(fake_tg.method_calls("getMe")) == 1
    assert shown[-1] == progress
