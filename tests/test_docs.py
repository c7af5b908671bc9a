"""Every `floodbot` command and every chat command the bot answers appears in the README.

As sqlite-utils' tests/test_docs.py does for its CLI: the lists come from the code (the argparse parser and the
handlers of the built Application), so a command added without a README line fails here.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler

from bot.app import build_application
from bot.cli import build_parser
from bot.settings import Settings, TelegramSettings
from subscribers.db import open_db

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def cli_commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def cli_cases() -> list[tuple[str, str]]:
    """(command, choice of its positional argument or ""), e.g. ("export", "audit")."""
    cases = []
    for name, sub in sorted(cli_commands().items()):
        cases.append((name, ""))
        for action in sub._actions:
            if not action.option_strings and action.choices:
                cases += [(name, str(choice)) for choice in action.choices]
    return cases


def _commands(handler: BaseHandler) -> set[str]:
    if isinstance(handler, CommandHandler):
        return set(handler.commands)
    if isinstance(handler, ConversationHandler):
        inner = [*handler.entry_points, *handler.fallbacks, *(h for hs in handler.states.values() for h in hs)]
        return set().union(*(_commands(h) for h in inner))
    return set()


def chat_commands() -> set[str]:
    """Every /command a handler of the built Application answers, leaders' and admins' alike."""
    settings = Settings(telegram=TelegramSettings(token="123456:ABCdef", base_url="http://127.0.0.1:9/bot"))
    db = open_db(memory=True)
    try:
        app = build_application(settings, db)
    finally:
        db.close()
    return set().union(*(_commands(h) for handlers in app.handlers.values() for h in handlers))


@pytest.mark.parametrize(("name", "choice"), cli_cases())
def test_cli_command_in_readme(name, choice):
    # A choice must sit in the same code span as its command: `floodbot export reports\|deliveries ...`.
    pattern = rf"`floodbot {name}\b" + (rf"[^`]*\b{choice}\b" if choice else "")
    shown = f"floodbot {name} {choice}".strip()
    assert re.search(pattern, README), f"README.md does not show `{shown}`"


def test_chat_commands_found():
    # The walk reaches inside conversations and both handler groups; without these it reads nothing.
    assert {"start", "report", "cancel", "broadcast", "stats", "impact"} <= chat_commands()


@pytest.mark.parametrize("command", sorted(chat_commands()))
def test_chat_command_in_readme(command):
    assert re.search(rf"`/{command}\b", README), f"README.md does not show `/{command}`"


def test_readme_test_command_is_what_ci_runs():
    # A newcomer runs what CI runs: the README's test command is .ci/run's last line, word for word.
    root = Path(__file__).parent.parent
    ci_command = (root / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    shown = re.search(r"Run the tests.*?\n\n    ([^\n]+)\n", README, re.S)
    assert shown and shown.group(1) == ci_command
