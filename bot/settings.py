"""Settings: one TOML file, overridden by `FLOODBOT_*` environment variables.

`load_settings(path)` is the only code that reads the file or the environment.
"""

from __future__ import annotations

import csv
import functools
import os
import re
from importlib import resources
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

from alerts.model import City, Severity

DEFAULT_CONFIG = Path("config.toml")
ENV_CONFIG = "FLOODBOT_CONFIG"
FEED_KINDS = ("cap", "tmd-warning-news", "thaiwater-waterlevel")

# A generous box around Thailand (Satun's islands to Mae Sai, the Andaman to Ubon).
THAI_LAT = (5.5, 20.6)
THAI_LON = (97.3, 105.7)

# Province boxes are coarse (alerts/data/province_bounds.csv): allow about 25 km beyond them.
PROVINCE_MARGIN = 0.25

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TOKEN = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{1,200}")


class ConfigError(Exception):
    """The configuration cannot be used; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


@functools.cache
def province_bounds() -> dict[str, tuple[float, float, float, float]]:
    """Province code -> (south, west, north, east), from alerts/data/province_bounds.csv."""
    text = resources.files("alerts").joinpath("data", "province_bounds.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {r["code"]: (float(r["south"]), float(r["west"]), float(r["north"]), float(r["east"])) for r in rows}


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// URL")
    return value


def _check_slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError("must be lowercase letters, digits and single hyphens, e.g. 'bo-yang'")
    return value


class TelegramSettings(_Section):
    token: SecretStr | None = None
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    # The bot's @username, without @: invite links are https://t.me/<bot_username>?start=<code>.
    bot_username: str = "floodbot"
    admin_ids: list[int] = Field(default_factory=list)
    admin_chat_id: int | None = None

    _url = field_validator("base_url", "base_file_url")(_check_url)

    @field_validator("token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        # The message never repeats the value: a token must not reach the terminal or the journal.
        if value is not None and not _TOKEN.fullmatch(value.get_secret_value()):
            if not value.get_secret_value().strip():
                raise ValueError("is empty; set FLOODBOT_TELEGRAM__TOKEN to the token from @BotFather (or unset it)")
            raise ValueError("is not a bot token (digits, a colon, then letters, as @BotFather gives it)")
        return value

    @field_validator("bot_username")
    @classmethod
    def _username(cls, value: str) -> str:
        value = value.removeprefix("@")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", value):
            raise ValueError("must be a Telegram username: 4-32 letters, digits or _")
        return value


class PollingSettings(_Section):
    interval_seconds: int = Field(default=300, ge=30)
    timeout_seconds: float = Field(default=20.0, gt=0, le=120)
    max_bytes: int = Field(default=5_000_000, ge=10_000)
    # A feed is unhealthy after this many failures in a row.
    max_failures: int = Field(default=3, ge=1)


# Query parameters that carry a credential when an operator writes the key into a feed's URL
# (`...?apikey=…`, `&access_token=…`, `&sig=…`), rather than in `key`.
_CREDENTIAL_PARAM = re.compile(r"key|token|secret|pass|auth|sig", re.IGNORECASE)


def url_credentials(url: str) -> list[str]:
    """Secrets inside a URL: the password of `user:password@host` and credential-named query values."""
    parts = urlsplit(url)
    found = [parts.password] if parts.password else []
    found += [value for name, value in parse_qsl(parts.query) if _CREDENTIAL_PARAM.search(name) and len(value) >= 4]
    # Also as they appear percent-encoded in the URL itself (a log line quotes the URL as written); the
    # redaction filter orders every secret longest first.
    return list(dict.fromkeys(v for s in found for v in (s, quote(s, safe=""))))


class FeedSettings(_Section):
    name: str
    kind: Literal["cap", "tmd-warning-news", "thaiwater-waterlevel"]
    url: str
    key: SecretStr | None = None
    enabled: bool = True
    # Unhealthy when the content has not changed for this long (0 = never stale).
    stale_after_minutes: int = Field(default=0, ge=0)
    # thaiwater-waterlevel only: the HAII situation level that raises a warning (4: above 70 % of bank).
    min_situation_level: int = Field(default=4, ge=2, le=5)

    _name = field_validator("name")(_check_slug)
    _url = field_validator("url")(_check_url)


class CitySettings(_Section):
    id: str
    name_th: str = Field(min_length=1)
    province_code: str
    tambon_code: str
    lat: float
    lon: float
    boundary: Path | None = None
    min_severity: Severity = Severity.MODERATE
    # The amphoe (district) name in Thai: text-only warnings that name the district match it.
    district_th: str | None = None

    _id = field_validator("id")(_check_slug)

    @field_validator("province_code")
    @classmethod
    def _province(cls, value: str) -> str:
        if not re.fullmatch(r"\d{2}", value):
            raise ValueError("must be two digits, e.g. '90' for Songkhla")
        return value

    @field_validator("tambon_code")
    @classmethod
    def _tambon(cls, value: str) -> str:
        if not re.fullmatch(r"\d{6}", value):
            raise ValueError("must be six digits, e.g. '900101'")
        return value

    @field_validator("lat")
    @classmethod
    def _lat(cls, value: float) -> float:
        if not THAI_LAT[0] <= value <= THAI_LAT[1]:
            raise ValueError(f"must be inside Thailand ({THAI_LAT[0]} to {THAI_LAT[1]})")
        return value

    @field_validator("lon")
    @classmethod
    def _lon(cls, value: float) -> float:
        if not THAI_LON[0] <= value <= THAI_LON[1]:
            raise ValueError(f"must be inside Thailand ({THAI_LON[0]} to {THAI_LON[1]})")
        return value

    @model_validator(mode="after")
    def _tambon_in_province(self) -> CitySettings:
        if not self.tambon_code.startswith(self.province_code):
            raise ValueError(
                f"tambon_code {self.tambon_code} must start with province_code {self.province_code}"
            )
        bounds = province_bounds()
        if self.province_code not in bounds:
            raise ValueError(
                f"province_code {self.province_code} is not a Thai province code (see alerts/data/provinces.csv)"
            )
        south, west, north, east = bounds[self.province_code]
        m = PROVINCE_MARGIN
        if not (south - m <= self.lat <= north + m and west - m <= self.lon <= east + m):
            # A wrong province code or pasted coordinates would send this city another province's warnings.
            raise ValueError(
                f"lat/lon {self.lat}, {self.lon} is outside province {self.province_code}"
                f" ({south}-{north} N, {west}-{east} E): check the coordinates and province_code"
            )
        return self

    def to_city(self) -> City:
        """The `alerts` view of this city (boundary text read from its file)."""
        boundary = self.boundary.read_text(encoding="utf-8") if self.boundary else None
        return City(
            id=self.id,
            name_th=self.name_th,
            province_code=self.province_code,
            tambon_code=self.tambon_code,
            lat=self.lat,
            lon=self.lon,
            min_severity=self.min_severity,
            district_th=self.district_th,
            boundary_geojson=boundary,
        )


class InviteSettings(_Section):
    valid_days: int = Field(default=30, ge=1, le=365)
    max_uses: int = Field(default=40, ge=1)


class DeliverySettings(_Section):
    rate_per_second: float = Field(default=30.0, gt=0)
    per_chat_interval_seconds: float = Field(default=1.0, ge=0)
    # Only errors that look permanent but are not a refusal (not 403/400) are bounded by this; network
    # errors, timeouts, 5xx and 429 are retried for as long as the warning is in force.
    max_attempts: int = Field(default=6, ge=1)
    remind_after_minutes: int = Field(default=15, ge=1)
    escalate_after_minutes: int = Field(default=30, ge=1)
    # Notices and drills have no expiry of their own: after this long undelivered, they are skipped.
    notice_lifetime_hours: float = Field(default=24.0, gt=0)
    # On SIGTERM, sends in flight get this long to finish; everything else stays queued for the next start.
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=45)
    # Bot API request timeouts: a slow but successful answer must not be resent (see README).
    connect_timeout_seconds: float = Field(default=10.0, gt=0)
    read_timeout_seconds: float = Field(default=30.0, gt=0)


class AdminSettings(_Section):
    # A drill's report (who acknowledged, how fast) is posted this many minutes after it is sent.
    drill_report_after_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # Who runs the network, in Thai: drills are signed "<this> (ซ้อมแผน)" so leaders know who sent them.
    sender_name: str = Field(default="มูลนิธิชุมชนสงขลา", min_length=1, max_length=60)
    # The broadcast status message is edited at most this often (Telegram limits edits too).
    progress_interval_seconds: float = Field(default=3.0, ge=1.0, le=60.0)
    # How often feed health is checked for changes to push to the admin chat.
    health_check_seconds: int = Field(default=60, ge=10)
    # A recurring notice missed by more than this (the bot was down) is skipped, not sent late.
    notice_grace_minutes: int = Field(default=60, ge=1)


class CheckinSettings(_Section):
    # A leader who has not answered a check-in this many minutes after it was sent counts as unknown.
    unknown_after_minutes: int = Field(default=60, ge=5, le=24 * 60)
class MonitoringSettings(_Section):
    """The optional HTTP listener for /healthz and /metrics, and when polling or delivery count as stalled."""

    # host:port on a loopback address, e.g. "127.0.0.1:9464"; unset = no listener.
    listen: str | None = None
    # /healthz fails when no poll has finished for this long (0 = three polling intervals plus two minutes).
    poll_stall_seconds: int = Field(default=0, ge=0)
    # ...or when the delivery worker has not finished a pass, or a due message has waited, this long.
    delivery_stall_seconds: int = Field(default=300, ge=30)

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host, sep, port = value.rpartition(":")
        if not sep or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be host:port, e.g. '127.0.0.1:9464'")
        if host.strip("[]") not in ("localhost",) and not _is_loopback(host.strip("[]")):
            raise ValueError("must be a loopback address (127.0.0.1, ::1 or localhost); put a proxy in front")
        return value

    def address(self) -> tuple[str, int] | None:
        """(host, port) to listen on, or None when the listener is off."""
        if self.listen is None:
            return None
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]"), int(port)


def _is_loopback(host: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NoticeSettings(_Section):
    """A recurring notice: a 5-field cron schedule in the configured timezone, the cities, the Thai text."""

    name: str
    cron: str
    cities: list[str] = Field(default_factory=lambda: ["all"], min_length=1)
    # The limit of every admin notice (bot.admin.texts.NOTICE_MAX_TEXT, pinned by a test).
    text: str = Field(min_length=1, max_length=3900)

    _name = field_validator("name")(_check_slug)

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        if len(value.split()) != 5:
            raise ValueError("must have 5 fields: minute hour day month weekday, e.g. '0 9 5 * *'")
        try:
            CronTrigger.from_crontab(value, timezone="UTC")
        except ValueError as exc:
            raise ValueError(f"not a valid cron schedule: {exc}") from None
        return value


class Settings(BaseSettings):
    """Everything floodbot reads from config.toml and the environment."""

    model_config = SettingsConfigDict(
        env_prefix="FLOODBOT_", env_nested_delimiter="__", extra="forbid", nested_model_default_partial_update=True
    )

    database: Path = Path("floodbot.db")
    timezone: str = "Asia/Bangkok"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    polling: PollingSettings = Field(default_factory=PollingSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    invites: InviteSettings = Field(default_factory=InviteSettings)
    feeds: list[FeedSettings] = Field(default_factory=list)
    cities: list[CitySettings] = Field(default_factory=list)
    admin: AdminSettings = Field(default_factory=AdminSettings)
    monitoring: MonitoringSettings = Field(default_factory=MonitoringSettings)
    notices: list[NoticeSettings] = Field(default_factory=list)
    checkins: CheckinSettings = Field(default_factory=CheckinSettings)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}, e.g. 'Asia/Bangkok'") from None
        return value

    @field_validator("feeds")
    @classmethod
    def _unique_feeds(cls, feeds: list[FeedSettings]) -> list[FeedSettings]:
        _no_duplicates([f.name for f in feeds], "feed name")
        return feeds

    @field_validator("cities")
    @classmethod
    def _unique_cities(cls, cities: list[CitySettings]) -> list[CitySettings]:
        _no_duplicates([c.id for c in cities], "city id")
        return cities

    @model_validator(mode="after")
    def _notices_known(self) -> Settings:
        _no_duplicates([n.name for n in self.notices], "notice name")
        known = {c.id for c in self.cities}
        for i, notice in enumerate(self.notices):
            unknown = [c for c in notice.cities if c != "all" and c not in known]
            if unknown:
                raise ValueError(f"notices[{i}].cities: unknown city {unknown[0]!r} (use city ids or [\"all\"])")
        return self

    @property
    def tz(self) -> ZoneInfo:
        """The configured timezone."""
        return ZoneInfo(self.timezone)

    def secrets(self) -> list[str]:
        """Every secret value (bot token, feed keys, credentials written into feed URLs), for redaction
        from logs and error lines."""
        values = [self.telegram.token] + [f.key for f in self.feeds]
        found = [v.get_secret_value() for v in values if v is not None and v.get_secret_value()]
        return found + [c for f in self.feeds for c in url_credentials(f.url)]

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment overrides the TOML file, which arrives as init data."""
        return (env_settings, init_settings)


def _no_duplicates(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what} {value!r}")
        seen.add(value)


def config_path(path: Path | str | None) -> Path:
    """Where the config is: the given path, else $FLOODBOT_CONFIG, else ./config.toml."""
    if path:
        return Path(path)
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG])
    return DEFAULT_CONFIG


def load_settings(path: Path | str | None = None) -> Settings:
    """Read and validate the config file and the environment, or raise `ConfigError`."""
    where = config_path(path)
    try:
        data: dict[str, Any] = tomllib.loads(where.read_text(encoding="utf-8"))
    except FileNotFoundError:
        how = "--config" if path else (f"${ENV_CONFIG}" if os.environ.get(ENV_CONFIG) else "the default")
        raise ConfigError(
            [f"config: no file at {where.resolve()} (from {how}); copy config.example.toml there or pass --config"]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"config: cannot read {where}: {exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"config: {where} is not valid TOML: {exc}"]) from None
    # FLOODBOT_CONFIG names the file, it is not a setting.
    saved = os.environ.pop(ENV_CONFIG, None)
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise ConfigError([_problem(err) for err in exc.errors()]) from None
    except SettingsError as exc:
        raise ConfigError([_env_problem(exc)]) from None
    finally:
        if saved is not None:
            os.environ[ENV_CONFIG] = saved
    return _resolve_paths(settings, where.parent)


def _resolve_paths(settings: Settings, base: Path) -> Settings:
    """Relative paths in the file are relative to the file, so systemd and cron agree."""
    database = settings.database if settings.database.is_absolute() else base / settings.database
    cities = [
        c.model_copy(update={"boundary": base / c.boundary})
        if c.boundary and not c.boundary.is_absolute()
        else c
        for c in settings.cities
    ]
    problems = [
        f"cities[{i}].boundary: no file at {c.boundary}"
        for i, c in enumerate(cities)
        if c.boundary and not c.boundary.is_file()
    ]
    if problems:
        raise ConfigError(problems)
    return settings.model_copy(update={"database": database, "cities": cities})


def _env_problem(exc: SettingsError) -> str:
    """pydantic-settings cannot decode a list from the environment: name the variable, never its value."""
    import json

    match = re.search(r'field "(\w+)"', str(exc))
    prefix = f"FLOODBOT_{match.group(1).upper() if match else ''}"
    # Only list-valued keys are decoded as JSON; a plain string (a token, a URL) is never the culprit.
    names = sorted(k for k in os.environ if k.upper().startswith(prefix) and k.upper() != ENV_CONFIG
                   and not _TOKEN.fullmatch(os.environ[k]) and "://" not in os.environ[k])
    for name in names:
        try:
            json.loads(os.environ[name])
        except ValueError:
            return f"{name}: a list must be written as JSON, e.g. {name}='[123, 456]'"
    return f"{', '.join(names) or prefix}: cannot be read from the environment ({exc})"


def _problem(error: Any) -> str:
    """One line: the key as `cities[2].province_code`, then what is wrong."""
    key = ""
    for part in error["loc"]:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key (check the spelling against config.example.toml)"
    return f"{key or 'config'}: {message}"
