"""What every handler can reach: settings, the session factory, the outbox and the dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import Application

from bot.config import Settings
from bot.domain.workshops import new_join_code
from bot.storage.engine import DbSession

if TYPE_CHECKING:
    from bot.telegram_bot.dispatcher import Dispatcher
    from bot.telegram_bot.outbox import Outbox

SERVICES_KEY = "workshop_bot.services"


@dataclass
class Services:
    settings: Settings
    session_factory: Callable[[], DbSession]
    outbox: Outbox
    dispatcher: Dispatcher
    join_codes: Callable[[], str] = new_join_code  # seeded by the demo, random otherwise


def services_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    services = application.bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    return services
