"""Settings: the example file, each bad key, environment overrides, secrets never shown."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pytest

from bot.ops.redact import RedactingFilter
from bot.settings import ConfigError, load_settings
from tests.conftest import ROOT

EXAMPLE = (ROOT / "config.example.toml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_for(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text))
    return info.value.problems


def test_example_loads_as_is(tmp_path):
    settings = load_settings(write(tmp_path, EXAMPLE))
    assert [c.id for c in settings.cities] == [
        "bo-yang", "phatong", "khuan-lang", "padang-besar", "tanot-duan", "la-ngu",
    ]
    assert settings.feeds[0].kind == "cap" and settings.feeds[0].url == "https://www.tmd.go.th/api/xml/CAP"
    assert settings.feeds[0].enabled
    assert settings.timezone == "Asia/Bangkok"
    assert settings.telegram.token is None  # init needs no token
    # A relative database path is relative to the config file, not the working directory.
    assert settings.database == tmp_path / "floodbot.db"


def test_every_city_converts_to_the_alerts_model(tmp_path):
    settings = load_settings(write(tmp_path, EXAMPLE))
    city = settings.cities[0].to_city()
    assert (city.id, city.province_code, city.district_code) == ("bo-yang", "90", "9001")


def replace_once(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# (why, old text, new text, the key the error must name)
BAD_KEYS = [
    ("province codes are two digits", 'province_code = "90"', 'province_code = "9"', "cities[0].province_code"),
    ("tambon codes are six digits", 'tambon_code = "900101"', 'tambon_code = "90010"', "cities[0].tambon_code"),
    ("a tambon lies in its province", 'tambon_code = "900101"', 'tambon_code = "930101"', "cities[0]"),
    ("city ids are slugs", 'id = "bo-yang"', 'id = "Bo Yang"', "cities[0].id"),
    ("city ids are unique", 'id = "phatong"', 'id = "bo-yang"', "cities: duplicate city id 'bo-yang'"),
    ("latitude inside Thailand", "lat = 7.198", "lat = 1.3", "cities[0].lat"),
    ("longitude inside Thailand", "lon = 100.596", "lon = 120.9", "cities[0].lon"),
    ("feed kinds come from the known set", 'kind = "cap"', 'kind = "rss"', "feeds[0].kind"),
    ("feed URLs parse", 'url = "https://www.tmd.go.th/api/xml/CAP"', 'url = "tmd.go.th/CAP"', "feeds[0].url"),
    ("polling is not abusive", "interval_seconds = 300", "interval_seconds = 10", "polling.interval_seconds"),
    ("a typo is not silently ignored",
     "interval_seconds = 300", "intervall_seconds = 300", "polling.intervall_seconds"),
    ("the timezone exists", 'timezone = "Asia/Bangkok"', 'timezone = "Asia/Bangkokk"', "timezone"),
    ("the base URL is a URL",
     'base_url = "https://api.telegram.org/bot"', 'base_url = "localhost"', "telegram.base_url"),
    ("admin ids are numbers", "admin_ids = []", 'admin_ids = ["boss"]', "telegram.admin_ids[0]"),
    ("severity floors are CAP severities",
     'lon = 100.596\n', 'lon = 100.596\nmin_severity = "Big"\n', "cities[0].min_severity"),
]


@pytest.mark.parametrize("why, old, new, key", BAD_KEYS, ids=[case[0] for case in BAD_KEYS])
def test_bad_key_is_named(tmp_path, why, old, new, key):
    problems = problems_for(tmp_path, replace_once(EXAMPLE, old, new))
    assert any(p.startswith(key) for p in problems), problems


def test_problem_line_says_what_is_wrong(tmp_path):
    problems = problems_for(tmp_path, replace_once(EXAMPLE, "lon = 100.596", "lon = 120.9"))
    assert problems == ["cities[0].lon: must be inside Thailand (97.3 to 105.7)"]


def test_several_problems_one_line_each(tmp_path):
    text = replace_once(EXAMPLE, 'province_code = "93"', 'province_code = "9x"')
    text = replace_once(text, "interval_seconds = 300", "interval_seconds = 5")
    problems = problems_for(tmp_path, text)
    assert len(problems) == 2
    assert all("\n" not in p for p in problems)
    assert {p.split(":")[0] for p in problems} == {"cities[4].province_code", "polling.interval_seconds"}


def test_missing_file_says_where_it_looked(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path / "nope.toml")
    assert str(tmp_path / "nope.toml") in info.value.problems[0]


def test_default_and_env_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FLOODBOT_CONFIG", raising=False)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "config.toml" in info.value.problems[0] and "default" in info.value.problems[0]
    other = tmp_path / "elsewhere.toml"
    other.write_text(EXAMPLE, encoding="utf-8")
    monkeypatch.setenv("FLOODBOT_CONFIG", str(other))
    assert len(load_settings().cities) == 6


def test_invalid_toml_is_one_clear_line(tmp_path):
    problems = problems_for(tmp_path, "database = \n")
    assert len(problems) == 1 and "not valid TOML" in problems[0]


def test_environment_overrides_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("FLOODBOT_TELEGRAM__TOKEN", "123:from-env")
    monkeypatch.setenv("FLOODBOT_POLLING__INTERVAL_SECONDS", "120")
    monkeypatch.setenv("FLOODBOT_TIMEZONE", "Asia/Ho_Chi_Minh")
    settings = load_settings(write(tmp_path, EXAMPLE))
    assert settings.telegram.token.get_secret_value() == "123:from-env"
    assert settings.polling.interval_seconds == 120
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    # Nested overrides merge with the file's section instead of replacing it.
    assert settings.telegram.bot_username == "floodbot_th_bot"


def test_bad_environment_value_names_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("FLOODBOT_POLLING__INTERVAL_SECONDS", "5")
    assert problems_for(tmp_path, EXAMPLE)[0].startswith("polling.interval_seconds")


def test_secrets_never_shown(tmp_path, monkeypatch, caplog):
    secret = "987654:SECRET-token-value"
    url = 'url = "https://www.tmd.go.th/api/xml/CAP"'
    text = replace_once(EXAMPLE, url, url + '\nkey = "FEEDKEY-123"')
    monkeypatch.setenv("FLOODBOT_TELEGRAM__TOKEN", secret)
    settings = load_settings(write(tmp_path, text))
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("floodbot.test").info("settings: %s %r", settings, settings)
    shown = repr(settings) + str(settings) + settings.model_dump_json() + caplog.text
    assert secret not in shown and "FEEDKEY-123" not in shown
    assert settings.feeds[0].key.get_secret_value() == "FEEDKEY-123"


def test_credentials_written_into_a_feed_url_are_masked(tmp_path, caplog):
    # An operator may paste the key into the URL rather than `key`: it must be masked all the same.
    url = 'url = "https://www.tmd.go.th/api/xml/CAP"'
    keyed = 'url = "https://user:PASS-w0rd@api.example.org/cap?format=xml&apikey=K3Y%2Fsecret&uid=42"'
    settings = load_settings(write(tmp_path, replace_once(EXAMPLE, url, keyed)))
    assert {"PASS-w0rd", "K3Y/secret", "K3Y%2Fsecret"} <= set(settings.secrets())
    assert "xml" not in settings.secrets() and "42" not in settings.secrets()
    handler = logging.StreamHandler(io.StringIO())
    handler.addFilter(RedactingFilter(settings.secrets()))
    logger = logging.getLogger("floodbot.test.url")
    logger.addHandler(handler)
    try:
        logger.warning("poll: feed tmd-cap: %s: 503", settings.feeds[0].url)
    finally:
        logger.removeHandler(handler)
    line = handler.stream.getvalue()
    assert "PASS-w0rd" not in line and "K3Y" not in line
    assert "api.example.org/cap?format=xml&apikey=[REDACTED]&uid=42" in line


def test_boundary_file_is_resolved_and_checked(tmp_path):
    (tmp_path / "b.geojson").write_text('{"type": "Polygon", "coordinates": []}', encoding="utf-8")
    text = replace_once(EXAMPLE, "lon = 100.596\n", 'lon = 100.596\nboundary = "b.geojson"\n')
    settings = load_settings(write(tmp_path, text))
    assert settings.cities[0].boundary == tmp_path / "b.geojson"
    assert settings.cities[0].to_city().boundary_geojson.startswith("{")
    missing = replace_once(EXAMPLE, "lon = 100.596\n", 'lon = 100.596\nboundary = "none.geojson"\n')
    assert re.match(r"cities\[0\]\.boundary: no file at ", problems_for(tmp_path, missing)[0])
