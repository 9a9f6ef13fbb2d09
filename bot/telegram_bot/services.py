"""What every handler can reach: settings, the session factory and the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import Application

from bot.config import Settings
from bot.storage.engine import DbSession

if TYPE_CHECKING:
    from bot.telegram_bot.outbox import Outbox

SERVICES_KEY = "workshop_bot.services"


@dataclass
class Services:
    settings: Settings
    session_factory: Callable[[], DbSession]
    outbox: Outbox


def services_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    services = application.bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    return services
