"""The README's production setup, run for real: the config changes and the unit's layout (state
directory 0700, UMask=0077, token in the environment), `floodbot run` against the fake Bot API with
the health listener, a second instance refused, and the README's backup and restore lines.

Only systemd itself is simulated: the same environment, working directory and umask are given to
the process directly.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import stat
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.demo.fake.telegram import FakeTelegram
from subscribers.db import open_db
from tests.bot.test_run_process import current_alert
from tests.helpers.cli import ROOT, floodbot_command

README = (ROOT / "README.md").read_text(encoding="utf-8")
LEADER = 7001


def readme_block(after: str, lang: str) -> str:
    """The first fenced block of `lang` after the text `after` in the README."""
    start = README.index(after)
    match = re.compile(rf"```{lang}\n(.*?)```", re.S).search(README, start)
    assert match, f"no ```{lang} block after {after!r}"
    return match.group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Site:
    """/etc/floodbot and /var/lib/floodbot of the README, under a temporary folder."""

    def __init__(self, root: Path, fake: FakeTelegram, feed_url: str):
        self.etc = root / "etc-floodbot"
        self.state = root / "var-lib-floodbot"
        self.etc.mkdir()
        self.state.mkdir(mode=0o700)  # StateDirectory=floodbot, StateDirectoryMode=0700
        self.port = free_port()
        self.config = self.etc / "config.toml"
        self.config.write_text(self._config(fake, feed_url), encoding="utf-8")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("FLOODBOT_")}
        self.env.update(
            PYTHONPATH=str(ROOT),
            FLOODBOT_CONFIG=str(self.config),  # Environment=FLOODBOT_CONFIG=/etc/floodbot/config.toml
            FLOODBOT_TELEGRAM__TOKEN=fake.token,  # EnvironmentFile=/etc/floodbot/token.env
        )

    def _config(self, fake: FakeTelegram, feed_url: str) -> str:
        text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
        changes = readme_block("change two things from the example", "toml")
        database = re.search(r'^database = ".*"$', changes, re.M).group(0)
        listen = re.search(r'^listen = "127\.0\.0\.1:\d+"$', changes, re.M).group(0)
        text = re.sub(r'^database = ".*"$', self.local(database), text, count=1, flags=re.M)
        text = text.replace('# listen = "127.0.0.1:9464"', re.sub(r":\d+", f":{self.port}", listen))
        # What a test must change: Telegram and the feed are local fakes, DEBUG proves the token stays out.
        text = text.replace('log_level = "INFO"', 'log_level = "DEBUG"')
        text = text.replace('base_url = "https://api.telegram.org/bot"', f'base_url = "{fake.base_url}"')
        text = text.replace(
            'base_file_url = "https://api.telegram.org/file/bot"', f'base_file_url = "{fake.base_file_url}"'
        )
        text = text.replace("# admin_chat_id = -1001234567890", "admin_chat_id = -100900")
        text = text.replace('url = "https://www.tmd.go.th/api/xml/CAP"', f'url = "{feed_url}"')
        return text

    def local(self, text: str) -> str:
        """README paths and commands mapped onto this site."""
        return (
            text.replace("/var/lib/floodbot", str(self.state))
            .replace("/etc/floodbot/config.toml", str(self.config))
            .replace("/opt/floodbot/.venv/bin/floodbot", " ".join(floodbot_command()))
        )

    def floodbot(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*floodbot_command(), *args], cwd=self.state, env=self.env, capture_output=True, text=True,
            timeout=60, umask=0o077,  # UMask=0077
        )

    def shell(self, line: str) -> subprocess.CompletedProcess:
        """Run a README shell line here: systemd and sudo are the only parts left out."""
        line = self.local(line).replace("sudo -u floodbot ", "").replace("-o floodbot -g floodbot ", "")
        return subprocess.run(
            ["bash", "-euc", line], cwd=self.state, env=self.env, capture_output=True, text=True, timeout=60,
            umask=0o077,
        )

    def start(self) -> subprocess.Popen:
        self.log = (self.state.parent / "journal.log").open("a+", encoding="utf-8")
        return subprocess.Popen(
            [*floodbot_command(), "run"], cwd=self.state, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
            umask=0o077,
        )

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except OSError:
            return 0, ""


def until(condition, timeout: float = 30.0) -> None:
    """Poll a condition against a deadline (the process runs on the real clock)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def metric(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text, or None."""
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = rf"^{re.escape(name)}{re.escape('{' + want + '}') if want else ''} (\S+)$"
    match = re.search(pattern, text, re.M)
    return float(match.group(1)) if match else None


@pytest.fixture
def fake():
    server = FakeTelegram(limits=False).start()
    yield server
    server.stop()


def test_readme_production_setup(tmp_path, fake, httpserver):
    httpserver.expect_request("/cap").respond_with_data(current_alert("PROD-TEST-1"), content_type="application/xml")
    site = Site(tmp_path, fake, httpserver.url_for("/cap"))
    assert site.floodbot("check").returncode == 2  # no database yet: check says so, and creates nothing
    assert list(site.state.iterdir()) == []
    init = site.floodbot("init")
    assert init.returncode == 0, init.stderr
    code = init.stdout.splitlines()[0].split("\t")[1]
    check = site.floodbot("check")
    assert check.returncode == 0, check.stderr

    bot = site.start()
    try:
        until(lambda: site.get("/healthz")[0] == 200)
        fake.push_command(LEADER, "start", code)
        fake.wait_until(lambda: any("ยินดีต้อนรับ" in m.text for m in fake.messages(LEADER)), timeout=30)
        fake.push_message(LEADER, "สมศรี")
        fake.wait_until(lambda: len(fake.messages(LEADER)) >= 2, timeout=10)
        fake.push_message(LEADER, "เกษตร")
        fake.wait_until(lambda: any("ลงทะเบียนเรียบร้อย" in m.text for m in fake.messages(LEADER)), timeout=10)

        # /metrics: Prometheus text from the live process, store figures included, once a poll and a
        # delivery pass have finished (the alert in force reaches the new leader).
        until(lambda: metric(site.get("/metrics")[1], "floodbot_messages_total", outcome="sent") == 1)
        status, text = site.get("/metrics")
        assert status == 200
        assert metric(text, "floodbot_outbox_rows", status="sent") == 1
        assert metric(text, "floodbot_outbox_oldest_pending_age_seconds") == 0
        assert metric(text, "floodbot_leaders", city="bo-yang", state="active") == 1
        assert metric(text, "floodbot_feed_last_success_timestamp_seconds", feed="tmd-cap") > 0
        assert metric(text, "floodbot_last_poll_timestamp_seconds") > 0
        assert metric(text, "floodbot_last_drain_timestamp_seconds") > 0
        assert metric(text, "floodbot_polls_total") >= 1
        assert metric(text, "floodbot_outbox_rows", status="pending") is not None
        assert metric(text, "floodbot_messages_total", outcome="rate_limited") == 0
        assert metric(text, "floodbot_healthy") == 1
        assert all(n.startswith("floodbot_") for n in re.findall(r"^# TYPE (\S+)", text, re.M))
        assert site.get("/healthz") == (200, "ok\n")
        assert site.get("/nothing")[0] == 404

        # A second instance on the same database is refused, naming the first.
        second = site.floodbot("run")
        assert second.returncode == 2 and f"pid {bot.pid}" in second.stderr

        # The README's backup line, against the live database.
        backup_line = next(
            line for line in readme_block("copy it while the bot runs", "sh").splitlines() if "floodbot backup" in line
        )
        done = site.shell(backup_line)
        assert done.returncode == 0, done.stderr
        [copy] = site.state.glob("backup-*.db")
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
        saved = open_db(copy)
        assert [r["name"] for r in saved.query("select name from leaders")] == ["สมศรี"]
        saved.close()

        bot.send_signal(signal.SIGTERM)
        assert bot.wait(timeout=30) == 0
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()
        site.log.close()

    # The README's restore, with the backup under the name the procedure uses; then check passes.
    copy.rename(site.state / "backup-2025-02-25.db")
    lost = open_db(site.state / "floodbot.db")
    lost.execute("update leaders set name = ?", ["ถูกแก้ผิด"])  # a mistake the backup predates
    lost.close()
    for line in readme_block("**Restore**", "sh").splitlines():
        if line.startswith("systemctl"):
            continue  # the service is stopped above and not started again here
        done = site.shell(line)
        assert done.returncode == 0, (line, done.stderr)
    restored = open_db(site.state / "floodbot.db")
    assert [r["name"] for r in restored.query("select name from leaders")] == ["สมศรี"]
    restored.close()

    journal = (tmp_path / "journal.log").read_text(encoding="utf-8")
    assert "monitoring: /healthz and /metrics on" in journal
    assert f"signup: chat {LEADER} joined city bo-yang" in journal
    assert f"signup: chat {LEADER} finished sign-up in bo-yang (farming)" in journal
    # The example's bot_username is not the fake's bot: said once, at start.
    assert journal.count("telegram.bot_username is 'floodbot_th_bot' but the token belongs to @floodbot_test_bot") == 1
    assert re.search(r"poll: 1 new; 1 warnings in force \(1 Severe\)", journal)
    assert fake.token not in journal and fake.token.split(":")[1] not in journal  # at DEBUG
    for path in site.state.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
