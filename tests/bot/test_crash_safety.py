"""kill -9 in the middle of a fan-out, then a restart: everyone gets the message, duplicates ≤ rows in flight."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from subscribers import outbox
from subscribers.db import open_db
from subscribers.outbox import Kind, OutboxItem, Priority
from bot.demo.fake.telegram import FakeTelegram
from tests.helpers.store import add_leaders, add_warning

ROOT = Path(__file__).resolve().parent.parent.parent
LEADERS = 120


def start_drain(db_path: Path, fake: FakeTelegram) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.drain_outbox", str(db_path), fake.base_url, fake.token],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_kill_9_mid_fan_out_then_restart(tmp_path):
    now = datetime.now(UTC)
    db_path = tmp_path / "floodbot.db"
    db = open_db(db_path, create=True)
    chats = add_leaders(db, list(range(10_001, 10_001 + LEADERS)), now)
    w = add_warning(db, now)
    outbox.enqueue(
        db,
        [OutboxItem(kind=Kind.ALERT, ref_id=w, chat_id=c, text="เตือน", priority=Priority.SEVERE) for c in chats],
        now,
    )
    db.close()
    with FakeTelegram() as fake:
        # Slow answers keep several requests in flight at any moment, as on a real network.
        fake.slow(0.3, method="sendMessage", times=None)
        first = start_drain(db_path, fake)
        try:
            fake.wait_until(lambda: len(fake.messages()) >= 40, timeout=60)
        finally:
            first.send_signal(signal.SIGKILL)
            first.communicate(timeout=30)
        assert first.returncode == -signal.SIGKILL
        check = open_db(db_path)
        in_flight = len(outbox.rows(check, status="sending"))
        check.close()
        assert 0 < len(fake.messages()) < LEADERS
        second = start_drain(db_path, fake)
        out, err = second.communicate(timeout=120)
        assert second.returncode == 0, err
        fake.wait_until(lambda: len({m.chat_id for m in fake.messages()}) == LEADERS, timeout=10)
        per_chat = Counter(m.chat_id for m in fake.messages())
    assert set(per_chat) == set(chats)  # every leader has the message
    duplicates = sum(n - 1 for n in per_chat.values())
    assert duplicates <= in_flight, (duplicates, in_flight)
    assert f"recovered={in_flight}" in out
    final = open_db(db_path)
    assert {r.status for r in outbox.rows(final)} == {"sent"}
