"""Settings: sensible defaults, one clear line and exit code 2 for bad values."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from bot.config import ConfigError, load_settings


def test_defaults_need_only_a_token() -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "123:abc"})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.api_url == "https://api.telegram.org"
    assert settings.bot_base_url == "https://api.telegram.org/bot"
    assert settings.file_base_url == "https://api.telegram.org/file/bot"
    assert settings.reminder_delays == (86_400, 259_200)
    assert settings.followup_delay == 28 * 86_400
    assert settings.timezone == "Africa/Casablanca"
    assert settings.organiser_ids == frozenset()
    assert (settings.quiet_hours.start.hour, settings.quiet_hours.end.hour) == (21, 9)
    assert (settings.dispatch_interval, settings.retry_backoff, settings.delivery_lease) == (30, 30, 120)


def test_values_are_parsed() -> None:
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": "123:abc",
            "TELEGRAM_API_URL": "http://127.0.0.1:8081/",
            "DATABASE_URL": "postgresql://u@h/db",
            "ORGANISER_IDS": " 12, 34 ,,",
            "REMINDER_DELAYS": "30s,15m,2h",
            "FOLLOWUP_DELAY": "4w",
            "TIMEZONE": "Africa/Tunis",
            "QUIET_HOURS": "22:30-07:00",
            "DISPATCH_INTERVAL": "5s",
            "RETRY_BACKOFF": "1m",
            "DELIVERY_LEASE": "10s",
        }
    )
    assert (settings.quiet_hours.start.minute, settings.quiet_hours.end.hour) == (30, 7)
    assert (settings.dispatch_interval, settings.retry_backoff, settings.delivery_lease) == (5, 60, 10)
    assert settings.schedule_policy.timezone == "Africa/Tunis"
    assert settings.bot_base_url == "http://127.0.0.1:8081/bot"
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.organiser_ids == frozenset({12, 34})
    assert settings.reminder_delays == (30, 900, 7200)
    assert settings.followup_delay == 4 * 7 * 86_400
    assert settings.is_organiser(12) and not settings.is_organiser(99)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TELEGRAM_BOT_TOKEN", "", "TELEGRAM_BOT_TOKEN is not set"),
        ("ORGANISER_IDS", "12,abc", "ORGANISER_IDS: 'abc'"),
        ("DATABASE_URL", "not a url", "DATABASE_URL"),
        ("DATABASE_URL", "mysql://x/y", "not supported"),
        ("REMINDER_DELAYS", "1d,soon", "REMINDER_DELAYS: 'soon' is not a duration"),
        ("FOLLOWUP_DELAY", "-1d", "FOLLOWUP_DELAY"),
        ("TIMEZONE", "Mars/Base", "TIMEZONE"),
        ("TELEGRAM_API_URL", "ftp://x", "TELEGRAM_API_URL"),
        ("QUIET_HOURS", "night", "QUIET_HOURS: 'night' is not a window such as 21:00-09:00"),
        ("DISPATCH_INTERVAL", "often", "DISPATCH_INTERVAL"),
        ("RETRY_BACKOFF", "0s", "RETRY_BACKOFF"),
        ("DELIVERY_LEASE", "x", "DELIVERY_LEASE"),
    ],
)
def test_bad_values_are_named(variable: str, value: str, message: str) -> None:
    environ = {"TELEGRAM_BOT_TOKEN": "123:abc", variable: value}
    with pytest.raises(ConfigError, match=message):
        load_settings(environ)


def test_cli_exits_2_with_one_line(tmp_path: pytest.TempPathFactory) -> None:
    env = {"PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": "123:abc", "ORGANISER_IDS": "x"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], env=env, capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "workshop-bot: ORGANISER_IDS: 'x' is not a Telegram user id; write numeric ids separated by commas, e.g. 12345,67890"
    ]
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
        cwd=tmp_path, timeout=60,
    )
    assert done.returncode == 2 and "TELEGRAM_BOT_TOKEN is not set" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unreachable_database_is_one_line_without_its_password(tmp_path: pytest.TempPathFactory) -> None:
    with socket.socket() as closed:  # a loopback port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = {"PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": "123:abc",
           "DATABASE_URL": f"postgresql+psycopg://bot:s3cret-pass@127.0.0.1:{port}/workshop"}
    done = subprocess.run([sys.executable, "-m", "bot", "migrate"], env=env, capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)
    assert done.returncode == 2
    lines = [line for line in done.stderr.strip().splitlines() if " INFO " not in line]
    assert len(lines) == 1 and lines[0].startswith(
        f"workshop-bot: cannot migrate the database (postgresql+psycopg://bot:***@127.0.0.1:{port}/workshop): ")
    assert "s3cret-pass" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("typed", "seconds"),
    [
        ("14d", 14 * 86_400), ("4w", 28 * 86_400), ("2h", 7200), ("30min", 1800),
        ("14j", 14 * 86_400), ("4sem", 28 * 86_400), ("14 jours", 14 * 86_400), ("1 semaine", 7 * 86_400),
        ("2 heures", 7200), ("30 min", 1800), ("3 jours et 2 heures", 3 * 86_400 + 7200),
        ("14 يوم", 14 * 86_400), ("14 يومًا", 14 * 86_400), ("3 أيام", 3 * 86_400), ("4 أسابيع", 28 * 86_400),
        ("أسبوع", 7 * 86_400), ("يومان", 2 * 86_400), ("ساعتان", 7200), ("30 دقيقة", 1800),
        ("٣ أيام", 3 * 86_400), ("يوم وساعتان", 86_400 + 7200),
    ],
)
def test_durations_in_french_and_arabic_too(typed: str, seconds: int) -> None:
    """One parser for the settings and /followup CODE 14j: number + unit word in fr and ar."""
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "123:abc", "FOLLOWUP_DELAY": typed,
                              "REMINDER_DELAYS": f"1d,{typed}"})
    assert settings.followup_delay == seconds
    assert settings.reminder_delays == (86_400, seconds)


@pytest.mark.parametrize("typed", ["14 bananes", "quatorze jours", "2 ساعتان", "يوم يوم؟", "jours 14", "off"])
def test_words_that_are_no_duration_are_refused(typed: str) -> None:
    with pytest.raises(ConfigError, match="FOLLOWUP_DELAY"):
        load_settings({"TELEGRAM_BOT_TOKEN": "123:abc", "FOLLOWUP_DELAY": typed})
