"""Settings read from the environment (and an optional ``.env`` file).

Everything an operator can set lives here, parsed once at start-up. A bad value stops the
bot with one readable line (``ConfigError``), never a traceback halfway through a workshop.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.domain.durations import parse_duration_text
from bot.domain.quiet_hours import QuietHours, parse_quiet_hours
from bot.domain.schedule import SchedulePolicy

DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_DATABASE_FILE = "workshop-bot.sqlite3"
WEBHOOK_SECRET_MIN = 32  # characters; Telegram takes 1–256 of A-Z a-z 0-9 _ -
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
LOG_FORMATS = ("json", "text")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable and the fix."""


@dataclass(frozen=True)
class Settings:
    token: str
    api_url: str = DEFAULT_API_URL
    database_url: str = f"sqlite:///{DEFAULT_DATABASE_FILE}"
    organiser_ids: frozenset[int] = field(default_factory=frozenset)
    reminder_delays: tuple[int, ...] = (86_400, 3 * 86_400)  # seconds
    followup_delay: int = 28 * 86_400  # seconds
    timezone: str = "Africa/Casablanca"
    quiet_hours: QuietHours = QuietHours()
    dispatch_interval: float = 30.0  # seconds between looks at the schedule (it also wakes on time)
    retry_backoff: float = 30.0  # seconds before the first retry of a failed send; doubles after
    delivery_lease: float = 120.0  # seconds a claimed reminder stays one process's (then retaken)
    webhook_secret: str = ""  # checked on every webhook call (X-Telegram-Bot-Api-Secret-Token)
    # Privacy (/privacy): participant data of a workshop is deleted this long after its
    # follow-up survey (or its close); who runs the bot and its CNDP / INPDP reference.
    retention: int = 365 * 86_400  # seconds
    operator_name: str = ""
    data_protection_declaration: str = ""
    log_format: str = "json"  # one JSON object per line; "text" for people reading a terminal

    @property
    def schedule_policy(self) -> SchedulePolicy:
        return SchedulePolicy(
            reminder_delays=self.reminder_delays, followup_delay=self.followup_delay,
            timezone=self.timezone, quiet_hours=self.quiet_hours,
        )

    @property
    def bot_base_url(self) -> str:
        """What PTB calls ``base_url``: methods are posted to ``<this><token>/<method>``."""
        return f"{self.api_url}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.api_url}/file/bot"

    @property
    def secrets(self) -> tuple[str, ...]:
        """What no log line may show: the token, the database password, the webhook secret."""
        password = make_url(self.database_url).password
        return tuple(s for s in (self.token, str(password or ""), self.webhook_secret) if s)

    def is_organiser(self, user_id: int) -> bool:
        return user_id in self.organiser_ids


def parse_duration(value: str, *, variable: str) -> int:
    """``"1d"``, ``"3d"``, ``"30s"``, ``"15m"``, ``"2h"``, ``"4w"`` → seconds (> 0); French and
    Arabic too (``"14j"``, ``"4sem"``, ``"14 يوم"``), as ``/followup CODE 14j``."""
    seconds = parse_duration_text(value.strip())
    if seconds is None or seconds <= 0:
        raise ConfigError(
            f"{variable}: {value!r} is not a duration; write e.g. 30s, 15m, 2h, 1d or 4w "
            "(or 14j, 4sem, 14 يوم)"
        )
    return int(seconds)


def _parse_ids(value: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ConfigError(
                f"ORGANISER_IDS: {part!r} is not a Telegram user id; "
                "write numeric ids separated by commas, e.g. 12345,67890"
            )
        ids.add(int(part))
    return frozenset(ids)


def _parse_database_url(value: str) -> str:
    try:
        url = make_url(value)
    except ArgumentError:
        raise ConfigError(
            f"DATABASE_URL: {value!r} is not a database URL; write e.g. "
            "sqlite:///workshop-bot.sqlite3 or postgresql+psycopg://user@host/dbname"
        ) from None
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(f"DATABASE_URL: {backend!r} is not supported; use sqlite or postgresql")
    if backend == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3, not psycopg2
    return url.render_as_string(hide_password=False)


def _parse_api_url(value: str) -> str:
    value = value.strip().rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"TELEGRAM_API_URL: {value!r} must start with http:// or https://")
    return value


def _parse_webhook_secret(value: str) -> str:
    if value and not _WEBHOOK_SECRET.fullmatch(value):
        raise ConfigError("WEBHOOK_SECRET: Telegram accepts only A-Z, a-z, 0-9, _ and - (1 to 256 characters)")
    return value


def require_webhook_secret(settings: Settings) -> None:
    """Webhook mode refuses to start without a long secret: anyone reaching the port could
    otherwise post updates "from" an organiser and receive the exports."""
    if len(settings.webhook_secret) < WEBHOOK_SECRET_MIN:
        state = "is not set" if not settings.webhook_secret else f"has {len(settings.webhook_secret)} characters"
        raise ConfigError(
            f"WEBHOOK_SECRET {state}: webhook mode needs at least {WEBHOOK_SECRET_MIN} characters of "
            "A-Z a-z 0-9 _ -; make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )


def parse_log_format(value: str) -> str:
    value = value.strip().lower() or "json"
    if value not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT: {value!r} is not json or text")
    return value


def _parse_quiet(value: str) -> QuietHours:
    try:
        return parse_quiet_hours(value)
    except ValueError:
        raise ConfigError(f"QUIET_HOURS: {value!r} is not a window such as 21:00-09:00 (or off)") from None


def _parse_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE: {value!r} is not a time zone such as Africa/Casablanca") from None
    return value


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    require_token: bool = True,
    dotenv: Path | None = Path(".env"),
) -> Settings:
    """Build ``Settings`` from ``environ`` (default: ``os.environ`` plus ``.env``)."""
    if environ is None:
        if dotenv is not None and dotenv.is_file():
            from dotenv import load_dotenv

            load_dotenv(dotenv, override=False)
        environ = os.environ

    token = environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if require_token and not token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and run "
            "TELEGRAM_BOT_TOKEN=<token> workshop-bot run"
        )
    if token and (":" not in token or any(c.isspace() for c in token)):
        raise ConfigError("TELEGRAM_BOT_TOKEN: this does not look like a token from @BotFather")

    delays = environ.get("REMINDER_DELAYS", "1d,3d")
    reminder_delays = tuple(
        parse_duration(part, variable="REMINDER_DELAYS") for part in delays.split(",") if part.strip()
    )
    return Settings(
        token=token,
        api_url=_parse_api_url(environ.get("TELEGRAM_API_URL", DEFAULT_API_URL)),
        database_url=_parse_database_url(
            environ.get("DATABASE_URL", "").strip() or f"sqlite:///{DEFAULT_DATABASE_FILE}"
        ),
        organiser_ids=_parse_ids(environ.get("ORGANISER_IDS", "")),
        reminder_delays=reminder_delays,
        followup_delay=parse_duration(environ.get("FOLLOWUP_DELAY", "28d"), variable="FOLLOWUP_DELAY"),
        timezone=_parse_timezone(environ.get("TIMEZONE", "Africa/Casablanca")),
        quiet_hours=_parse_quiet(environ.get("QUIET_HOURS", "21:00-09:00")),
        webhook_secret=_parse_webhook_secret(environ.get("WEBHOOK_SECRET", "").strip()),
        log_format=parse_log_format(environ.get("LOG_FORMAT", "json")),
        delivery_lease=parse_duration(environ.get("DELIVERY_LEASE", "2m"), variable="DELIVERY_LEASE"),
        retry_backoff=parse_duration(environ.get("RETRY_BACKOFF", "30s"), variable="RETRY_BACKOFF"),
        dispatch_interval=parse_duration(environ.get("DISPATCH_INTERVAL", "30s"), variable="DISPATCH_INTERVAL"),
        retention=parse_duration(environ.get("RETENTION", "365d"), variable="RETENTION"),
        operator_name=" ".join(environ.get("OPERATOR_NAME", "").split())[:200],
        data_protection_declaration=" ".join(environ.get("DATA_PROTECTION_DECLARATION", "").split())[:200],
    )
