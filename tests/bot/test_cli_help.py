"""Every command has help, and every command takes --config (sqlite-utils' test_docs idea)."""

from __future__ import annotations

import argparse

import pytest

from bot.cli import build_parser


def commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", sorted(commands()))
def test_command_has_help_and_config(name, capsys):
    sub = commands()[name]
    assert sub.description, f"floodbot {name} has no description"
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([name, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--config" in out


def test_design_commands_all_exist():
    assert {"init", "run", "poll", "demo", "invite", "broadcast", "export"} <= set(commands())
