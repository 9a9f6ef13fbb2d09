"""Log lines for incidents: one JSON object per event (``LOG_FORMAT=json``, the default), or
the classic ``2025-01-01 10:00:00,123 INFO name: message key=value`` (``LOG_FORMAT=text``).

Everything goes through the standard library's ``logging`` (PTB, alembic and the bot all
log there); structlog's ``ProcessorFormatter`` renders each record, with the fields given
as ``extra=`` (``update_id``, ``handler``, ``outcome``…) as keys of their own. Routine work
writes nothing at INFO: APScheduler's two lines per job run, httpx's line per request and
tornado's access log are raised to WARNING. Secrets (the bot token, the database password,
the webhook secret) are replaced by ``<redacted>`` in every rendered line, whatever wrote it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import Any, TextIO

import structlog

# Loggers that speak at INFO about routine work, and the level they get.
QUIET_LOGGERS = {
    "apscheduler": logging.WARNING,  # "Running job …" / "Job … executed successfully", every tick
    "httpx": logging.WARNING,  # one line per Bot API request, the token in its URL
    "httpcore": logging.WARNING,
    "telegram": logging.WARNING,
    "telegram.ext.Application": logging.INFO,  # only "Application started" / stopping: start-up and shutdown
    "tornado.access": logging.WARNING,
    "alembic.runtime.plugins": logging.WARNING,
}
REDACTED = "<redacted>"


class _RedactingFormatter(structlog.stdlib.ProcessorFormatter):
    def __init__(self, secrets: Iterable[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in self.secrets:
            line = line.replace(secret, REDACTED)
        return line


def _text_timestamp(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    record = event.get("_record")
    if record is not None:
        event["timestamp"] = logging.Formatter().formatTime(record)  # 2025-01-01 10:00:00,123
    return event


def _text_line(_: Any, __: str, event: dict[str, Any]) -> str:
    """``<time> <LEVEL> <logger>: <message> key=value …`` and the traceback, if any."""
    head = f"{event.pop('timestamp', '')} {str(event.pop('level', '')).upper()} {event.pop('logger', '')}: "
    message = str(event.pop("event", ""))
    trace = event.pop("exception", None)
    fields = " ".join(f"{key}={value}" for key, value in event.items() if value is not None)
    line = head + message + (f" {fields}" if fields else "")
    return f"{line}\n{trace}" if trace else line


def configure_logging(
    level: int = logging.INFO, *, log_format: str = "json", secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> None:
    """Replace the root logger's handlers with one that writes ``log_format`` to ``stream``
    (stderr by default). Called again once the settings are known (the secrets, ``.env``)."""
    shared: list[Any] = [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
    ]
    if log_format == "text":
        shared.append(_text_timestamp)
        renderer: Any = _text_line
    else:
        shared.append(structlog.processors.TimeStamper(fmt="iso", utc=True))
        renderer = structlog.processors.JSONRenderer(ensure_ascii=False, default=str)
    formatter = _RedactingFormatter(
        secrets,
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name, quiet in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(quiet, level))
