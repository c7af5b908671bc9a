"""The real `floodbot run` process against the fake Bot API and a loopback feed.

Sign-up through the bot, a clean SIGTERM, a restart that keeps the leader, then a feed change that
reaches the leader with a รับทราบ button, and the acknowledgement; an outage and a locked store mid fan-out.
"""

from __future__ import annotations

import signal
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import FIXTURES, ROOT
from tests.helpers.cli import ROOT as CLI_ROOT, floodbot_command, run_floodbot
from bot.demo.fake.telegram import FakeTelegram

BANGKOK = ZoneInfo("Asia/Bangkok")
LEADER = 5001


def current_alert(identifier: str) -> bytes:
    """The fixed-form TMD alert moved to now: the process runs on the real clock."""
    now = datetime.now(BANGKOK).replace(microsecond=0)
    text = (FIXTURES / "tmd_cap_fixed_form_constructed.xml").read_text(encoding="utf-8")
    for tag, moment in (
        ("sent", now - timedelta(minutes=10)),
        ("effective", now),
        ("expires", now + timedelta(hours=6)),
    ):
        start = text.index(f"<{tag}>") + len(tag) + 2
        end = text.index(f"</{tag}>")
        text = text[:start] + moment.isoformat() + text[end:]
    return text.replace("TMD25680225051318_2", identifier).encode()


def write_config(path: Path, fake: FakeTelegram, feed_url: str) -> None:
    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    cities = example[example.index("[[cities]]"):]
    path.write_text(
        f"""database = "floodbot.db"
[telegram]
token = "{fake.token}"
base_url = "{fake.base_url}"
base_file_url = "{fake.base_file_url}"
admin_chat_id = -100900
[polling]
interval_seconds = 30
[[feeds]]
name = "tmd-cap"
kind = "cap"
url = "{feed_url}"
{cities}""",
        encoding="utf-8",
    )


class Bot:
    """One `floodbot run` process."""

    def __init__(self, workdir: Path):
        import os

        env = {k: v for k, v in os.environ.items() if not k.startswith("FLOODBOT_")}
        env["PYTHONPATH"] = str(CLI_ROOT)
        self.log = (workdir / "run.log").open("a+", encoding="utf-8")
        self.proc = subprocess.Popen(
            [*floodbot_command(), "run", "--config", "config.toml"],
            cwd=workdir, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        finally:
            self.log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def fake():
    # Limits off: this test is about the process (delivery limits have their own tests); the fake's
    # strict 1 msg/s per chat would otherwise refuse a sign-up reply typed within a second.
    server = FakeTelegram(limits=False).start()
    yield server
    server.stop()


def texts(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [m.text for m in fake.messages(chat_id)]


def test_run_signup_restart_alert_ack(tmp_path, fake, httpserver):
    httpserver.expect_request("/cap").respond_with_data(b"", status=304)
    write_config(tmp_path / "config.toml", fake, httpserver.url_for("/cap"))
    init = run_floodbot("init", "--config", "config.toml", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    code = init.stdout.splitlines()[0].split("\t")[1]  # bo-yang's invite

    bot = Bot(tmp_path)
    try:
        fake.push_command(LEADER, "start", code)
        fake.wait_until(lambda: any("ยินดีต้อนรับ" in t for t in texts(fake, LEADER)), timeout=30)
        fake.push_message(LEADER, "สมชาย ใจดี")
        fake.wait_until(lambda: any("อาชีพ" in t for t in texts(fake, LEADER)), timeout=10)
        fake.push_message(LEADER, "ประมง")
        fake.wait_until(lambda: any("ลงทะเบียนเรียบร้อย" in t for t in texts(fake, LEADER)), timeout=10)
        # Every command is in the bot's menu: the leaders' in private chats, the admins' in the admin chat.
        menu = {c["command"] for c in fake.menus[("all_private_chats",)]}
        assert menu >= {"status", "report", "settings", "stop", "help"}
        assert {c["command"] for c in fake.menus[("chat", -100900)]} >= {"checkin", "survey", "drill"}
        assert bot.stop() == 0  # SIGTERM: a clean exit
    finally:
        bot.kill()

    # The feed now carries a warning in force for Songkhla; the restarted bot polls at start.
    httpserver.clear()
    httpserver.expect_request("/cap").respond_with_data(current_alert("RUN-TEST-1"), content_type="application/xml")
    bot = Bot(tmp_path)
    try:
        # "รุนแรง · ฝนตกหนัก" is the alert's first line (the sign-up text names ฝนตกหนัก too).
        fake.wait_until(lambda: any("รุนแรง · ฝนตกหนัก" in t for t in texts(fake, LEADER)), timeout=30)
        alert = next(m for m in fake.messages(LEADER) if "รุนแรง · ฝนตกหนัก" in m.text)
        assert alert.buttons()[0][0] == "รับทราบ"
        assert "เรือเล็ก" in alert.text  # the fishing advice: the livelihood survived the restart
        fake.push_callback(LEADER, alert.message_id, alert.buttons()[0][1])
        fake.wait_until(
            lambda: fake.message(LEADER, alert.message_id).buttons()[0][0].startswith("✅ รับทราบแล้ว"), timeout=10
        )
        before = len(texts(fake, LEADER))
        fake.push_command(LEADER, "status")
        fake.wait_until(lambda: len(texts(fake, LEADER)) > before, timeout=10)
        status = texts(fake, LEADER)[-1]
        assert "บ่อยาง" in status and "🟠 รุนแรง · ฝนตกหนัก" in status  # the alert's own Thai words
        assert bot.stop() == 0
    finally:
        bot.kill()
    log = (tmp_path / "run.log").read_text(encoding="utf-8")
    assert "poll: 1 new" in log and "fan-out:" in log
    assert fake.token not in log  # the token is never logged
    # The alert came once (and /status listed it once).
    assert sum("รุนแรง · ฝนตกหนัก" in t for t in texts(fake, LEADER)) == 2
    assert fake.unknown_methods == []


def wait_for_log(path: Path, text: str, timeout: float) -> None:
    """Poll the process log for `text` against a deadline."""
    import time

    deadline = time.monotonic() + timeout
    while text not in path.read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, f"{text!r} not logged before the deadline"
        time.sleep(0.05)


def site_with_leaders(tmp_path: Path, fake: FakeTelegram, feed_url: str, leaders: list[int]) -> None:
    """Config, `floodbot init` and bo-yang leaders for a process test."""
    from subscribers.db import open_db
    from subscribers.leaders import upsert_leader

    write_config(tmp_path / "config.toml", fake, feed_url)
    assert run_floodbot("init", "--config", "config.toml", cwd=tmp_path).returncode == 0
    db = open_db(tmp_path / "floodbot.db")
    with db.atomic():
        for chat in leaders:
            upsert_leader(db, chat, "bo-yang", datetime.now(ZoneInfo("UTC")), name=f"ผู้นำ {chat}")
    db.close()


def test_run_outage_mid_fan_out_then_recovery_and_a_bounded_stop(tmp_path, httpserver):
    # Why: 502s for a minute in the middle of a fan-out lost rows for good and the admins heard
    # nothing; SIGTERM drained the whole queue past systemd's TimeoutStopSec. Limits on.
    import time

    from subscribers import outbox
    from subscribers.db import open_db
    from subscribers.leaders import upsert_leader
    from subscribers.outbox import Kind, OutboxItem

    leaders = list(range(20_001, 20_121))
    httpserver.expect_request("/cap").respond_with_data(current_alert("RUN-OUTAGE-1"), content_type="application/xml")
    with FakeTelegram() as fake:
        site_with_leaders(tmp_path, fake, httpserver.url_for("/cap"), leaders)
        bot = Bot(tmp_path)
        try:
            got = lambda: {m.chat_id for m in fake.messages() if m.chat_id in leaders}  # noqa: E731
            fake.wait_until(lambda: len(got()) >= 15, timeout=30)
            fake.fail("bad_gateway", method=None, times=None)
            wait_for_log(tmp_path / "run.log", "Telegram unreachable", timeout=30)
            time.sleep(3)  # the outage lasts: drains probe, the queue is kept
            fake.clear_failures()
            fake.wait_until(lambda: len(got()) == len(leaders), timeout=60)
            admin = lambda: [m.text for m in fake.messages(-100900)]  # noqa: E731
            fake.wait_until(lambda: len(admin()) >= 2, timeout=20)
            sent = [m.chat_id for m in fake.messages() if m.chat_id in leaders]
            assert sorted(sent) == leaders  # every leader once: nothing lost, nothing twice
            assert "ส่งข้อความผ่าน Telegram ไม่ได้" in admin()[0] and "ส่งข้อความได้อีกครั้ง" in admin()[1]
            assert fake.http_429 == 0
            # A long fan-out (600 messages, 20 s at Telegram's rate), then SIGTERM in the middle of it.
            db = open_db(tmp_path / "floodbot.db")
            now = datetime.now(ZoneInfo("UTC"))
            many = list(range(30_001, 30_601))
            with db.atomic():
                for chat in many:
                    upsert_leader(db, chat, "bo-yang", now, name=f"ผู้นำ {chat}")
            outbox.enqueue(db, [OutboxItem(kind=Kind.NOTICE, ref_id=1, chat_id=c, text="ประกาศ") for c in many], now)
            fake.wait_until(lambda: sum(m.chat_id in many for m in fake.messages()) >= 60, timeout=30)
            started = time.monotonic()
            assert bot.stop() == 0
            assert time.monotonic() - started < 15  # the grace (10 s) and a margin, well under 60
            counts = outbox.counts(db)
            assert counts.get("pending", 0) + counts.get("sending", 0) > 0  # left for the next start
            assert counts.get("failed", 0) == 0 and counts.get("skipped", 0) == 0
            db.close()
        finally:
            bot.kill()
    assert len([t for t in admin() if "ส่งข้อความ" in t]) == 2


def store_errors(log: Path) -> int:
    """Drains the store's fault ended, as the process logged them."""
    return log.read_text(encoding="utf-8").count("store_error='OperationalError: database is locked'")


def test_run_store_locked_mid_fan_out_resumes_by_itself_and_stops_within_the_grace(tmp_path, httpserver):
    # Why: another process holding the database during a fan-out wedged delivery until a restart
    # (a leaked limiter ticket, a drain waiting forever, every later drain skipped), and SIGTERM hung.
    import sqlite3
    import time

    from subscribers import outbox
    from subscribers.db import open_db
    from subscribers.outbox import Kind, OutboxItem

    leaders = list(range(40_001, 40_121))
    httpserver.expect_request("/cap").respond_with_data(current_alert("RUN-LOCK-1"), content_type="application/xml")
    with FakeTelegram() as fake:
        site_with_leaders(tmp_path, fake, httpserver.url_for("/cap"), leaders)
        log = tmp_path / "run.log"
        bot = Bot(tmp_path)
        try:
            got = lambda: [m.chat_id for m in fake.messages() if m.chat_id in leaders]  # noqa: E731
            fake.wait_until(lambda: len(got()) >= 15, timeout=30)
            other = sqlite3.connect(tmp_path / "floodbot.db", isolation_level=None, timeout=10)
            other.execute("begin exclusive")  # another process holds the database
            try:
                # Held until three drains have met it (about 5 s): the job keeps running while locked.
                deadline = time.monotonic() + 60
                while store_errors(log) < 3:
                    assert time.monotonic() < deadline, "the fault did not reach three drains"
                    time.sleep(0.05)
                paused_at = len(got())
            finally:
                other.execute("commit")
                other.close()
            assert paused_at < len(leaders)  # the fault came mid fan-out
            fake.wait_until(lambda: len(got()) >= len(leaders), timeout=60)
            assert sorted(got()) == leaders  # every leader once, after the lock cleared, without a restart
            # A second message queued after the fault goes out without a restart.
            second = leaders[:20]
            db = open_db(tmp_path / "floodbot.db")
            outbox.enqueue(
                db, [OutboxItem(kind=Kind.NOTICE, ref_id=2, chat_id=c, text="ประกาศหลังเหตุขัดข้อง") for c in second],
                datetime.now(ZoneInfo("UTC")),
            )
            db.close()
            notice = lambda: [m.chat_id for m in fake.messages() if m.text == "ประกาศหลังเหตุขัดข้อง"]  # noqa: E731
            fake.wait_until(lambda: len(notice()) == len(second), timeout=30)
            assert sorted(notice()) == second and fake.http_429 == 0
            # SIGTERM while the database is locked again, mid fan-out: still a clean exit within the grace.
            db = open_db(tmp_path / "floodbot.db")
            outbox.enqueue(
                db, [OutboxItem(kind=Kind.NOTICE, ref_id=3, chat_id=c, text="ประกาศที่สาม") for c in leaders],
                datetime.now(ZoneInfo("UTC")),
            )
            db.close()
            fake.wait_until(lambda: sum(m.text == "ประกาศที่สาม" for m in fake.messages()) >= 10, timeout=30)
            before = store_errors(log)
            other = sqlite3.connect(tmp_path / "floodbot.db", isolation_level=None, timeout=10)
            other.execute("begin exclusive")
            try:
                deadline = time.monotonic() + 30
                while store_errors(log) == before:
                    assert time.monotonic() < deadline, "the drain did not meet the second lock"
                    time.sleep(0.05)
                started = time.monotonic()
                assert bot.stop() == 0
                stopped_in = time.monotonic() - started
            finally:
                other.execute("commit")
                other.close()
            assert stopped_in < 15  # the grace (10 s) and a margin, well under systemd's 60
        finally:
            bot.kill()
    text = log.read_text(encoding="utf-8")
    assert "database is locked" in text and "Traceback" not in text
