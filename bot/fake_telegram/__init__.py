"""A local fake Telegram Bot API for tests and the offline demo.

The bot keeps its real HTTP stack and talks to ``FakeBotApi`` on loopback; simulated
people (``FakeUser``) and groups (``FakeGroup``) produce the updates and see what the
bot sent. See ``server`` for the API side and ``client`` for the user side.
"""

from bot.fake_telegram.client import (
    BotMessage,
    Button,
    CallbackAnswer,
    CallbackQueryRecord,
    FakeChat,
    FakeGroup,
    FakeUser,
    TranscriptEntry,
    format_transcript,
    tiny_png,
)
from bot.fake_telegram.server import ApiCall, FakeBotApi, StoredFile, UploadedFile
from bot.fake_telegram.spec import ApiError, ApiSpec, load_spec

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
