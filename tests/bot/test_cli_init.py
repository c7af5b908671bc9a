"""`floodbot init` end to end through the console script, in a temporary directory."""

from __future__ import annotations

import re
import shutil

from tests.conftest import ROOT
from tests.helpers.cli import run_floodbot

LINE = re.compile(r"^([a-z-]+)\t([a-z0-9]{10})\thttps://t\.me/floodbot_th_bot\?start=\2$")


def test_init_creates_the_database_and_prints_an_invite_per_city(tmp_path):
    shutil.copy(ROOT / "config.example.toml", tmp_path)
    first = run_floodbot("init", "--config", "config.example.toml", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert [LINE.match(line).group(1) for line in lines] == [
        "bo-yang", "phatong", "khuan-lang", "padang-besar", "tanot-duan", "la-ngu",
    ]
    assert (tmp_path / "floodbot.db").exists()
    # Running init again migrates nothing and keeps the invites that are still usable.
    again = run_floodbot("init", "--config", "config.example.toml", cwd=tmp_path)
    assert again.returncode == 0 and again.stdout == first.stdout


def test_init_reads_floodbot_config(tmp_path):
    shutil.copy(ROOT / "config.example.toml", tmp_path / "site.toml")
    result = run_floodbot("init", cwd=tmp_path, env={"FLOODBOT_CONFIG": str(tmp_path / "site.toml")})
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 6


def test_bad_province_code_exits_2_naming_the_key(tmp_path):
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    padded = text.replace('province_code = "93"', 'province_code = "093"')
    (tmp_path / "config.toml").write_text(padded, encoding="utf-8")
    result = run_floodbot("init", cwd=tmp_path)
    assert result.returncode == 2
    assert "cities[4].province_code: must be two digits" in result.stderr
    assert not (tmp_path / "floodbot.db").exists()


def test_missing_config_exits_2_saying_where(tmp_path):
    result = run_floodbot("init", cwd=tmp_path)
    assert result.returncode == 2
    assert str(tmp_path / "config.toml") in result.stderr


def test_unknown_command_exits_2(tmp_path):
    result = run_floodbot("frobnicate", cwd=tmp_path)
    assert result.returncode == 2 and "invalid choice" in result.stderr
