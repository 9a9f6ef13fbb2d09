"""A local fake Telegram Bot API for tests and the offline demo.

The bot keeps its real HTTP stack and talks to ``FakeBotApi`` on loopback; simulated
people (``FakeUser``) and groups (``FakeGroup``) produce the updates and see what the
bot sent. See ``server`` for the API side and ``client`` for the user side.
"""

from bot.fake_telegram.calls import ApiCall, UploadedFile
from bot.fake_telegram.client import FakeChat, FakeGroup, FakeUser
from bot.fake_telegram.errors import ApiError
from bot.fake_telegram.files import StoredFile
from bot.fake_telegram.images import tiny_png
from bot.fake_telegram.server import FakeBotApi
from bot.fake_telegram.spec import ApiSpec, load_spec
from bot.fake_telegram.transcript import TranscriptEntry, format_transcript
from bot.fake_telegram.views import BotMessage, Button, CallbackAnswer, CallbackQueryRecord

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
