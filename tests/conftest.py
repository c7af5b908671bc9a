"""Shared fixtures: an in-memory store, a fixed clock, golden files, paths to fixtures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from subscribers.db import open_db

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/*.txt from the output")


@pytest.fixture
def db():
    """A migrated in-memory store."""
    database = open_db(memory=True)
    yield database
    database.close()


@pytest.fixture
def now() -> datetime:
    """A fixed moment: 25 Feb 2025 18:30 Bangkok time, inside the real TMD sample's window."""
    return datetime(2025, 2, 25, 11, 30, tzinfo=UTC)


@pytest.fixture
def fixture_path():
    """Path of a file under tests/fixtures/."""
    return lambda name: FIXTURES / name


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """Compare text with tests/golden/<name>.txt exactly; --update-golden rewrites it."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / f"{name}.txt"
        if request.config.getoption("--update-golden"):
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"no golden file {path}; run pytest --update-golden and review the diff"
        assert text == path.read_text(encoding="utf-8")

    return check


@pytest.fixture
def fake_tg():
    """A fake Telegram Bot API server on 127.0.0.1 (limits on); fails the test if an unknown method was called."""
    from bot.demo.fake.telegram import FakeTelegram

    fake = FakeTelegram().start()
    yield fake
    fake.stop()
    assert not fake.unknown_methods, f"the bot called methods the fake does not know: {fake.unknown_methods}"


@pytest.fixture
def vt():
    """Virtual monotonic time shared by the fake Bot API and the app's limiter (`vt.limiter(settings)`)."""
    from bot.demo.fake.virtual_time import VirtualTime

    return VirtualTime()


@pytest.fixture
def limited_tg(vt):
    """The fake Bot API with Telegram's limits on, counted on `vt`: the limiter's waits cost no real time.

    Fails the test if any call broke a limit (a 429 the fake chose, not a scripted one) or an unknown
    method was called: a handler whose replies are not paced as Telegram counts them fails here even
    though PTB would retry the 429.
    """
    from bot.demo.fake.telegram import FakeTelegram

    fake = FakeTelegram(clock=vt).start()
    yield fake
    fake.stop()
    assert not fake.unknown_methods, f"the bot called methods the fake does not know: {fake.unknown_methods}"
    assert not fake.limit_breaks, f"calls to these chats broke Telegram's limits: {fake.limit_breaks}"
