"""A local fake Telegram Bot API for tests and the offline demo.

The bot keeps its real HTTP stack and talks to ``FakeBotApi`` on loopback; simulated
people (``FakeUser``) and groups (``FakeGroup``) produce the updates and see what the
bot sent. See ``server`` for the API side and ``client`` for the user side.
"""

from telegram_sim.calls import ApiCall, UploadedFile
from telegram_sim.client import FakeChat, FakeGroup, FakeUser
from telegram_sim.errors import ApiError
from telegram_sim.files import StoredFile
from telegram_sim.images import tiny_png
from telegram_sim.server import FakeBotApi
from telegram_sim.spec import ApiSpec, load_spec
from telegram_sim.transcript import TranscriptEntry, format_transcript
from telegram_sim.views import BotMessage, Button, CallbackAnswer, CallbackQueryRecord

__all__ = [
    "ApiCall",
    "ApiError",
    "ApiSpec",
    "BotMessage",
    "Button",
    "CallbackAnswer",
    "CallbackQueryRecord",
    "FakeBotApi",
    "FakeChat",
    "FakeGroup",
    "FakeUser",
    "StoredFile",
    "TranscriptEntry",
    "UploadedFile",
    "format_transcript",
    "load_spec",
    "tiny_png",
]
