"""One-line errors with exit 2, never a silent new database, private files, and no token in any output."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from bot.cli.instance import instance_lock
from bot.settings import load_settings
from bot.cli.init import init_store
from bot.demo.fake.telegram import FakeTelegram
from subscribers.db import open_db
from tests.helpers.admin_data import seed_leaders
from tests.helpers.cli import ROOT, run_floodbot

BAD_TOKEN = "123456789:AAwrongwrongwrongwrongwrongwrongwrong"


def one_line(result: subprocess.CompletedProcess) -> str:
    """The one error line; `run` may log its start lines (timestamped) before it, nothing else."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if not line[:4].isdigit()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("floodbot: ")
    return lines[0]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """The example config in a folder, no database yet."""
    shutil.copy(ROOT / "config.example.toml", tmp_path / "config.toml")
    return tmp_path


@pytest.fixture
def ready(site: Path, now) -> Path:
    """The example config, init done (in-process: the subprocess is tested elsewhere), two leaders in bo-yang."""
    init_store(load_settings(site / "config.toml"), now)
    db = open_db(site / "floodbot.db")
    seed_leaders(db, now, {"bo-yang": [11, 12]})
    db.close()
    return site


# Every command but init, on a missing database: exit 2, one line pointing at init, no file created.
MISSING_DB_CASES = [
    ("run",),
    ("poll", "--once"),
    ("broadcast", "--all", "--text", "ทดสอบ"),
    ("export", "reports"),
    ("invite", "bo-yang"),
    ("backup", "copy.db"),
]


@pytest.mark.parametrize("args", MISSING_DB_CASES, ids=[a[0] for a in MISSING_DB_CASES])
def test_missing_database_is_one_line_and_never_created(site, args):
    result = run_floodbot(*args, cwd=site, env={"FLOODBOT_TELEGRAM__TOKEN": BAD_TOKEN})
    assert result.returncode == 2
    assert "floodbot init" in one_line(result)
    assert sorted(p.name for p in site.iterdir()) == ["config.toml"]


def test_uninitialised_database_is_refused(site):
    # A moved database replaced by an empty file (or a typo naming another SQLite file) is not "0 leaders".
    (site / "floodbot.db").touch()
    result = run_floodbot("poll", "--once", cwd=site)
    assert result.returncode == 2 and "not initialised" in one_line(result)
    assert (site / "floodbot.db").stat().st_size == 0


def test_init_makes_private_files_and_wal(ready):
    # After init and writes, the database and its WAL and SHM files are the owner's only.
    db = open_db(ready / "floodbot.db")
    db.execute("insert into audit_log (at, actor, action) values ('2025-01-01T00:00:00+00:00', 't', 'x')")
    for name in ("floodbot.db", "floodbot.db-wal", "floodbot.db-shm"):
        assert stat.S_IMODE((ready / name).stat().st_mode) == 0o600, name
    db.close()


def test_run_refuses_a_second_instance_naming_the_first(ready):
    with instance_lock(ready / "floodbot.db"):
        result = run_floodbot("run", cwd=ready, env={"FLOODBOT_TELEGRAM__TOKEN": BAD_TOKEN})
    assert result.returncode == 2
    line = one_line(result)
    import os

    assert f"pid {os.getpid()}" in line and "another floodbot run" in line


def test_admin_ids_from_env_not_json(ready):
    result = run_floodbot("poll", "--once", "--dry-run", cwd=ready, env={"FLOODBOT_TELEGRAM__ADMIN_IDS": "1,2"})
    assert result.returncode == 2
    assert "FLOODBOT_TELEGRAM__ADMIN_IDS" in one_line(result) and "[123, 456]" in result.stderr


def test_empty_token_broadcast_queues_nothing(ready):
    result = run_floodbot("broadcast", "--all", "--text", "ทดสอบ", cwd=ready, env={"FLOODBOT_TELEGRAM__TOKEN": ""})
    assert result.returncode == 2 and "telegram.token: is empty" in one_line(result)
    db = open_db(ready / "floodbot.db")
    assert db["outbox"].count == 0  # a retry with the right token will not send it twice
    db.close()


@pytest.fixture
def fake():
    server = FakeTelegram(limits=False).start()
    yield server
    server.stop()


@pytest.mark.parametrize("command", [("run",), ("broadcast", "--all", "--text", "ทดสอบ")], ids=["run", "broadcast"])
def test_rejected_token_is_one_line_without_the_token(ready, fake, command):
    env = {"FLOODBOT_TELEGRAM__TOKEN": BAD_TOKEN, "FLOODBOT_TELEGRAM__BASE_URL": fake.base_url}
    result = run_floodbot(*command, cwd=ready, env=env)
    assert result.returncode == 2
    assert "rejected the token" in one_line(result)
    assert BAD_TOKEN not in result.stderr + result.stdout
    assert BAD_TOKEN.split(":")[1] not in result.stderr + result.stdout
    db = open_db(ready / "floodbot.db")
    assert db["outbox"].count == 0
    db.close()


def test_base_url_typo_answering_404_does_not_print_the_valid_token(ready, fake, httpserver):
    # A base_url typo reaches some other server that answers 404; PTB calls that InvalidToken too.
    import re

    httpserver.expect_request(re.compile(r"/wrong/.*")).respond_with_data("Not Found", status=404)
    env = {"FLOODBOT_TELEGRAM__TOKEN": fake.token, "FLOODBOT_TELEGRAM__BASE_URL": httpserver.url_for("/wrong/bot")}
    result = run_floodbot("run", cwd=ready, env=env, timeout=60)
    # PTB logs the unparseable 404 page (with its traceback) before the one line that says what to do.
    assert result.returncode == 2 and "rejected the token" in result.stderr.strip().splitlines()[-1]
    assert fake.token.split(":")[1] not in result.stderr + result.stdout


def test_export_to_a_missing_folder(ready):
    result = run_floodbot("export", "reports", "--output", "/missing/dir/x.csv", cwd=ready)
    assert result.returncode == 2
    assert "cannot write /missing/dir/x.csv" in one_line(result)


def test_export_file_is_private(ready):
    result = run_floodbot("export", "deliveries", "--output", "d.csv", cwd=ready)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE((ready / "d.csv").stat().st_mode) == 0o600


def test_read_only_database_is_one_line(ready):
    # Root ignores file modes, so make the file immutable instead (skips where chattr is not allowed).
    path = ready / "floodbot.db"
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        result = run_floodbot("poll", "--once", cwd=ready)
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    assert result.returncode == 2
    assert "is not writable" in one_line(result)


def test_version():
    result = run_floodbot("--version", cwd=ROOT)
    from importlib.metadata import version

    assert result.returncode == 0 and result.stdout.strip() == f"floodbot {version('floodbot')}"


def test_check_writes_nothing_and_reports_problems(ready):
    db_path = ready / "floodbot.db"
    before = {p.name: p.read_bytes() for p in ready.iterdir() if p.is_file()}
    result = run_floodbot("check", cwd=ready)
    assert result.returncode == 0, result.stderr
    assert "database: " in result.stdout and "ok (schema" in result.stdout
    # The database is unchanged (a read-only SQLite reader may leave its empty -wal/-shm index, 0600).
    assert db_path.read_bytes() == before["floodbot.db"]
    assert {p.name for p in ready.iterdir()} <= {*before, "floodbot.db-wal", "floodbot.db-shm"}
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in ready.glob("floodbot.db*"))
    # A city added to the config but not yet synced by init: check names it, exit 2.
    config = ready / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[[cities]]\nid = "hat-yai"\nname_th = "หาดใหญ่"\nprovince_code = "90"\ntambon_code = "901101"\n'
        + "lat = 7.006\nlon = 100.468\n",
        encoding="utf-8",
    )
    result = run_floodbot("check", cwd=ready)
    assert result.returncode == 2 and "hat-yai" in one_line(result) and "floodbot init" in result.stderr
    assert db_path.read_bytes() == before["floodbot.db"]


def test_init_retires_removed_cities_and_invite_refuses_them(ready):
    config = ready / "config.toml"
    text = config.read_text(encoding="utf-8")
    start = text.index('[[cities]]\nid = "bo-yang"')
    end = text.index("[[cities]]", start + 1)
    config.write_text(text[:start] + text[end:], encoding="utf-8")
    result = run_floodbot("init", cwd=ready)
    assert result.returncode == 0, result.stderr
    assert "bo-yang" not in result.stdout
    assert "city bo-yang is no longer in the config: 1 invites revoked; its 2 active leaders" in result.stderr
    db = open_db(ready / "floodbot.db")
    assert [r["revoked"] for r in db.query("select revoked from invites where city_id = 'bo-yang'")] == [1]
    db.close()
    refused = run_floodbot("invite", "bo-yang", cwd=ready)
    assert refused.returncode == 2 and "unknown city 'bo-yang'" in one_line(refused)
    # Said once: a second init has nothing left to revoke but still names the leaders.
    again = run_floodbot("init", cwd=ready)
    assert "0 invites revoked; its 2 active leaders" in again.stderr


def test_health_listener_on_a_busy_port_is_one_line(ready):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {"FLOODBOT_TELEGRAM__TOKEN": BAD_TOKEN, "FLOODBOT_MONITORING__LISTEN": f"127.0.0.1:{port}"}
        result = run_floodbot("run", cwd=ready, env=env)
    assert result.returncode == 2
    assert f"monitoring.listen: cannot listen on 127.0.0.1:{port}" in one_line(result)


def test_health_listener_must_be_loopback(ready):
    result = run_floodbot("check", cwd=ready, env={"FLOODBOT_MONITORING__LISTEN": "0.0.0.0:9464"})
    assert result.returncode == 2 and "monitoring.listen: must be a loopback address" in one_line(result)
