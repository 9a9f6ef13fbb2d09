"""The fake Bot API must refuse what Telegram refuses, in Telegram's words.

Every test talks to the server through python-telegram-bot's real network stack
(``telegram.Bot`` / ``telegram.ext.Application`` with a different base_url), so a
passing test means PTB raises the same exception it would against api.telegram.org.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    Update,
)
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from telegram_sim import FakeBotApi, FakeUser, format_transcript, load_spec, tiny_png
from telegram_sim import spec as spec_module


@pytest.fixture
async def bot(server: FakeBotApi) -> AsyncIterator[Bot]:
    async with _bot_for(server) as real_bot:
        yield real_bot


def _bot_for(server: FakeBotApi, token: str | None = None) -> Bot:
    return Bot(
        token or server.token,
        base_url=f"{server.url}/bot",
        base_file_url=f"{server.url}/file/bot",
    )


@asynccontextmanager
async def running_app(
    server: FakeBotApi, *handlers: BaseHandler[Any, Any, Any]
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """A real Application polling the fake server, stopped cleanly afterwards."""
    app = (
        ApplicationBuilder()
        .token(server.token)
        .base_url(f"{server.url}/bot")
        .base_file_url(f"{server.url}/file/bot")
        .build()
    )
    for handler in handlers:
        app.add_handler(handler)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


# Seconds to wait for something that must happen: only a failing test waits that long, so
# it is generous enough for the busiest CI machine.
EVENT_TIMEOUT = 30.0


async def settle(server: FakeBotApi, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Every injected update fetched by the updater and processed by the application."""
    await server.wait_consumed(timeout=EVENT_TIMEOUT)
    await asyncio.wait_for(app.update_queue.join(), EVENT_TIMEOUT)


async def until(condition: Callable[[], bool], what: str) -> None:
    """Let the event loop run (the fake server with it) until ``condition`` holds."""
    deadline = time.monotonic() + EVENT_TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {EVENT_TIMEOUT:.0f}s waiting until {what}"
        await asyncio.sleep(0.01)


async def started_user(
    server: FakeBotApi, bot: Bot, user_id: int = 1001, name: str = "Amina"
) -> FakeUser:
    """A user who has written to the bot (so their chat exists), with the update consumed."""
    person = server.user(user_id, name)
    await person.send("/start")
    await bot.get_updates(timeout=0)
    return person


def _keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in pairs]]
    )


# ----------------------------------------------------------------- errors as Telegram words them


async def test_get_me_describes_the_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "WorkshopTestBot", True)


async def test_too_long_text_is_refused(server: FakeBotApi, bot: Bot) -> None:
    await started_user(server, bot)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(1001, "x" * 4097)
    # the limit counts what the user sees: markup does not count
    sent = await bot.send_message(1001, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert sent.text == "x" * 4096
    assert server.calls[-2].status == 400
    assert server.calls[-2].response == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: message is too long",
    }


async def test_callback_data_over_64_bytes_is_refused(server: FakeBotApi, bot: Bot) -> None:
    await started_user(server, bot)
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(
            1001, "Pick", reply_markup=_keyboard(("too long", "é" * 32 + "x"))
        )  # 65 bytes
    await bot.send_message(1001, "Pick", reply_markup=_keyboard(("fits", "é" * 32)))  # 64 bytes


async def test_bad_button_url_is_refused(server: FakeBotApi, bot: Bot) -> None:
    await started_user(server, bot)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("site", url="http://localhost:8000/x")]])
    with pytest.raises(BadRequest, match="Button_url_invalid"):
        await bot.send_message(1001, "Open", reply_markup=markup)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("1 < 2", 'unsupported start tag "" at byte offset 2'),
        ("<b>bold", 'find end tag corresponding to start tag "b"'),
        ("<b>x</i>", "unmatched end tag"),
        ("<br>line", 'unsupported start tag "br"'),
    ],
)
async def test_bad_html_is_refused(server: FakeBotApi, bot: Bot, text: str, error: str) -> None:
    await started_user(server, bot)
    with pytest.raises(BadRequest, match="Can't parse entities") as caught:
        await bot.send_message(1001, text, parse_mode="HTML")
    assert error in caught.value.message


async def test_html_is_stored_as_the_plain_text_the_user_sees(server: FakeBotApi, bot: Bot) -> None:
    amina = await started_user(server, bot)
    sent = await bot.send_message(1001, "<b>Q&amp;A</b> for R&D <i>now</i>", parse_mode="HTML")
    assert amina.last.text == sent.text == "Q&A for R&D now"
    assert [e.type for e in sent.entities] == ["bold", "italic"]


async def test_missing_required_field_is_refused(server: FakeBotApi, bot: Bot) -> None:
    await started_user(server, bot)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot._post("sendMessage", {"chat_id": 1001})
    with pytest.raises(BadRequest, match="Chat_id is empty"):
        await bot._post("sendMessage", {"text": "hi"})
    with pytest.raises(BadRequest, match="Callback_query_id is required"):
        await bot._post("answerCallbackQuery", {"text": "hi"})
    with pytest.raises(BadRequest, match='Field "message_id" must be a valid number'):
        await bot._post("deleteMessage", {"chat_id": 1001, "message_id": "abc"})


async def test_edit_not_modified_and_missing_message(server: FakeBotApi, bot: Bot) -> None:
    amina = await started_user(server, bot)
    keyboard = _keyboard(("1", "q:1"), ("2", "q:2"))
    sent = await bot.send_message(1001, "Question 1", reply_markup=keyboard)
    with pytest.raises(BadRequest, match="Message is not modified: specified new message content"):
        await bot.edit_message_text("Question 1", 1001, sent.message_id, reply_markup=keyboard)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("Question 2", 1001, sent.message_id + 50)
    # editing the text without reply_markup removes the keyboard, as in Telegram
    edited = await bot.edit_message_text("Thanks", 1001, sent.message_id)
    assert isinstance(edited, type(sent)) and edited.reply_markup is None
    assert (amina.last.text, amina.last.buttons, amina.last.edited, amina.last.history) == (
        "Thanks",
        [],
        True,
        ["Question 1"],
    )
    await bot.delete_message(1001, sent.message_id)
    assert amina.messages[-1].deleted
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(1001, sent.message_id)


async def test_unknown_chat_is_not_found(server: FakeBotApi, bot: Bot) -> None:
    server.user(2002, "Silent")  # exists, but never wrote to the bot
    for chat_id in (2002, 999999):
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(chat_id, "hello")


async def test_blocked_user_gives_forbidden(server: FakeBotApi, bot: Bot) -> None:
    amina = await started_user(server, bot)
    sent = await bot.send_message(1001, "before")
    await amina.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(1001, "after")
    with pytest.raises(Forbidden):
        await bot.edit_message_text("edited", 1001, sent.message_id)
    await amina.unblock()
    await bot.send_message(1001, "welcome back")
    updates = await bot.get_updates(offset=2)
    statuses = [u.my_chat_member.new_chat_member.status for u in updates if u.my_chat_member]
    assert statuses == ["kicked", "member"]


async def test_injected_429_raises_retry_after(
    server: FakeBotApi, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22 deprecates the int form of retry_after
    await started_user(server, bot)
    server.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(1001, "hi")
    assert caught.value.retry_after == dt.timedelta(seconds=7)
    assert server.calls[-1].response["parameters"] == {"retry_after": 7}
    await bot.send_message(1001, "hi")  # only the next call failed


async def test_unknown_method_and_wrong_token(server: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy")
    assert server.calls[-1].status == 404
    stranger = _bot_for(server, token="999:WRONG")
    try:
        with pytest.raises(InvalidToken, match="rejected by the server"):
            await stranger.initialize()
    finally:
        await stranger.shutdown()
    assert server.calls[-1].status == 401


async def test_unimplemented_getter_fails_loudly(bot: Bot) -> None:
    with pytest.raises(NetworkError, match="does not model getStarTransactions"):
        await bot._post("getStarTransactions")


# --------------------------------------------------------------------------- files


async def test_photo_upload_get_file_download_round_trip(server: FakeBotApi, bot: Bot) -> None:
    amina = await started_user(server, bot)
    png = tiny_png(40, 30)
    sent = await bot.send_photo(
        1001, png, caption="<b>Results</b>", parse_mode="HTML", filename="chart.png"
    )
    assert sent.caption == "Results" and sent.photo[-1].width == 40
    file = await bot.get_file(sent.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == png
    assert (amina.last.kind, amina.last.text, amina.last.file_bytes, amina.last.file_name) == (
        "photo",
        "Results",
        png,
        "chart.png",
    )
    again = await bot.send_photo(1001, sent.photo[-1].file_id)  # resending by file_id
    assert again.photo[-1].file_id == sent.photo[-1].file_id
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(1001, b"not an image")


async def test_document_upload_get_file_download_round_trip(server: FakeBotApi, bot: Bot) -> None:
    amina = await started_user(server, bot)
    data = b"name,score\nAmina,5\n"
    sent = await bot.send_document(1001, data, filename="results.csv", caption="x" * 1024)
    assert sent.document is not None
    assert (sent.document.file_name, sent.document.mime_type, sent.document.file_size) == (
        "results.csv",
        "text/csv",
        len(data),
    )
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == data
    assert amina.last.kind == "document" and amina.last.file_bytes == data
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_document(1001, data, filename="results.csv", caption="x" * 1025)
    with pytest.raises(BadRequest, match="Type of file mismatch"):
        await bot.send_photo(1001, sent.document.file_id)


async def test_media_group_and_user_document(server: FakeBotApi, bot: Bot) -> None:
    amina = await started_user(server, bot)
    album = await bot.send_media_group(
        1001, [InputMediaPhoto(tiny_png()), InputMediaPhoto(tiny_png(8, 8), caption="two")]
    )
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
    with pytest.raises(BadRequest, match="Wrong number of media"):
        await bot._post(
            "sendMediaGroup", {"chat_id": 1001, "media": [InputMediaDocument("AgACnope")]}
        )
    await amina.send_document("answers.txt", b"hello", "text/plain")
    (update,) = await bot.get_updates(offset=2)
    assert update.message is not None and update.message.document is not None
    received = await (await bot.get_file(update.message.document.file_id)).download_as_bytearray()
    assert bytes(received) == b"hello"


# --------------------------------------------------------------------------- a running Application


async def test_user_message_reaches_a_running_application(server: FakeBotApi) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None
        await message.reply_text(f"{user.language_code}: {(message.text or '').upper()}")

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"started with {context.args}")

    amina = server.user(1001, "Amina", language_code="ar")
    async with running_app(
        server,
        CommandHandler("start", start),
        MessageHandler(filters.TEXT & ~filters.COMMAND, echo),
    ) as app:
        await amina.send("/start abc")
        await amina.send("hello")
        await settle(server, app)
        assert [m.text for m in amina.new_messages()] == ["started with ['abc']", "ar: HELLO"]
        await amina.send(f"/start@{server.bot_username} xyz")
        await settle(server, app)
        assert [m.text for m in amina.new_messages()] == ["started with ['xyz']"]
    assert server.pending_updates == []


async def test_tap_reaches_callback_handler_and_answer_is_recorded(server: FakeBotApi) -> None:
    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            "Question 1/13", reply_markup=_keyboard(*((str(n), f"q1:{n}") for n in range(1, 6)))
        )

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        await query.answer(f"noted {query.data}")
        await query.edit_message_text(f"Q1 → {(query.data or '').split(':')[1]}")

    amina = server.user(1001, "Amina")
    async with running_app(
        server, CommandHandler("start", ask), CallbackQueryHandler(answer)
    ) as app:
        await amina.send("/start")
        await settle(server, app)
        assert amina.last.button_labels == ["1", "2", "3", "4", "5"]
        with pytest.raises(AssertionError, match=r"available: \['1', '2', '3', '4', '5'\]"):
            await amina.tap("9")
        query_id = await amina.tap("4")
        await settle(server, app)
    assert [(a.text, a.show_alert) for a in amina.callback_answers] == [("noted q1:4", False)]
    assert server.callback_queries[query_id].answer is not None
    assert (amina.last.text, amina.last.buttons, amina.last.edited) == ("Q1 → 4", [], True)
    with pytest.raises(AssertionError, match="no bot message with an inline keyboard"):
        await amina.tap("4")
    transcript = format_transcript(server.transcript)
    assert "👤 Amina → /start" in transcript
    assert "🤖 → Amina: Question 1/13 [1] [2] [3] [4] [5]" in transcript
    assert "👆 Amina taps «4»" in transcript
    assert "✏️ edited → Amina: Q1 → 4" in transcript


async def test_answer_callback_query_rules(server: FakeBotApi, bot: Bot) -> None:
    amina = await started_user(server, bot)
    await bot.send_message(1001, "Pick", reply_markup=_keyboard(("Yes", "y")))
    query_id = await amina.tap("Yes")
    with pytest.raises(BadRequest, match="Message_too_long"):
        await bot.answer_callback_query(query_id, "x" * 201)
    await bot.answer_callback_query(query_id, "ok", show_alert=True)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id, "again")
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("12345")
    assert amina.callback_answers[0].show_alert is True


async def test_block_reaches_chat_member_handler(server: FakeBotApi) -> None:
    seen: list[str] = []

    async def member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.my_chat_member is not None
        seen.append(update.my_chat_member.new_chat_member.status)

    amina = server.user(1001, "Amina")
    async with running_app(
        server, ChatMemberHandler(member, ChatMemberHandler.MY_CHAT_MEMBER)
    ) as app:
        await amina.send("hi")
        await amina.block()
        await settle(server, app)
    assert seen == ["kicked"]


# --------------------------------------------------------------------------- long polling


# A long poll that would hold the request this long: were it answered by its own timeout
# rather than by the event under test, the test would time out (EVENT_TIMEOUT) first.
LONG_POLL = 120


async def test_stop_releases_a_pending_long_poll_promptly(server: FakeBotApi) -> None:
    async with _bot_for(server) as polling_bot:
        poll = asyncio.create_task(polling_bot.get_updates(timeout=LONG_POLL))
        await until(lambda: server.long_polls_waiting == 1, "the long poll waits at the server")
        await asyncio.wait_for(server.stop(), EVENT_TIMEOUT)
        assert server.long_polls_waiting == 0
        assert await asyncio.wait_for(poll, EVENT_TIMEOUT) == ()  # answered empty, not after 120 s


async def test_long_poll_returns_as_soon_as_an_update_arrives(server: FakeBotApi, bot: Bot) -> None:
    amina = server.user(1001, "Amina")
    poll = asyncio.create_task(bot.get_updates(timeout=LONG_POLL))
    await until(lambda: server.long_polls_waiting == 1, "the long poll waits at the server")
    await amina.send("ping")
    updates = await asyncio.wait_for(poll, EVENT_TIMEOUT)  # released by the update, not after 120 s
    assert [u.message.text for u in updates if u.message] == ["ping"]
    assert server.pending_updates != []  # delivered but not confirmed yet
    await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert server.pending_updates == [] and server.confirmed_offset == updates[-1].update_id + 1
    await server.wait_consumed(timeout=EVENT_TIMEOUT)


async def test_wait_consumed_explains_a_timeout(server: FakeBotApi) -> None:
    await server.user(1001, "Amina").send("anyone?")
    with pytest.raises(TimeoutError, match="no getUpdates call ever reached the server"):
        await server.wait_consumed(timeout=0.05)  # short, safely: nobody polls, it can only time out


# --------------------------------------------------------------- other clients, groups, settings


async def test_json_body_is_accepted_like_form_data(server: FakeBotApi, bot: Bot) -> None:
    await started_user(server, bot)
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    async with httpx.AsyncClient(base_url=f"{server.url}/bot{server.token}") as client:
        ok = await client.post(
            "/sendMessage", json={"chat_id": 1001, "text": "json", "reply_markup": markup}
        )
        bad = await client.post(
            "/sendMessage", json={"chat_id": "1001", "text": "", "disable_notification": "maybe"}
        )
        wrong_case = await client.get("/GETME")
    assert ok.status_code == 200 and ok.json()["result"]["reply_markup"] == markup
    assert (bad.status_code, bad.json()["description"]) == (
        400,
        'Bad Request: field "disable_notification" must be a valid Boolean',
    )
    assert wrong_case.json()["result"]["username"] == server.bot_username
    assert server.calls[-3].params == {"chat_id": 1001, "text": "json", "reply_markup": markup}


async def test_group_chat_edits_stickers_and_stale_taps(server: FakeBotApi) -> None:
    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        if message.sticker:
            await message.reply_text(f"nice {message.sticker.emoji}")
        elif update.edited_message:
            await message.reply_text(f"you changed it to {message.text}")
        else:
            await message.reply_text(
                f"{message.chat.type}: {message.text}", reply_markup=_keyboard(("ok", "ok"))
            )

    async def stale(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("This button has expired", show_alert=True)

    amina = server.user(1001, "Amina")
    team = server.group(-100200, "Rabat cohort")
    async with running_app(
        server, MessageHandler(filters.ALL, reply), CallbackQueryHandler(stale)
    ) as app:
        await amina.send_in(team, "hello team")
        first = await amina.send("typo")
        await amina.edit(first, "fixed")
        await amina.send_sticker("🎉")
        await settle(server, app)
        assert [m.text for m in team.messages] == ["group: hello team"]
        assert [m.text for m in amina.new_messages()] == [
            "private: typo",
            "you changed it to fixed",
            "nice 🎉",
        ]
        await amina.tap_data(amina.messages[0].message_id, "v0:gone")
        await amina.tap("ok", team.last)
        await settle(server, app)
    assert [(a.chat_id, a.data, a.show_alert) for a in amina.callback_answers] == [
        (1001, "v0:gone", True),
        (-100200, "ok", True),
    ]
    assert [a.data for a in team.callback_answers] == ["ok"]
    assert "👤 Amina @ Rabat cohort → hello team" in format_transcript(server.transcript)


async def test_commands_per_scope_and_language(server: FakeBotApi, bot: Bot) -> None:
    await bot.set_my_commands([("start", "Commencer")], language_code="fr")
    await bot.set_my_commands([("start", "Start"), ("help", "Help")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert [c.description for c in await bot.get_my_commands(language_code="fr")] == ["Commencer"]
    assert server.commands(language_code="fr") == [{"command": "start", "description": "Commencer"}]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Start", "uppercase is refused")])


async def test_calls_are_timestamped_for_pacing_checks(server: FakeBotApi, bot: Bot) -> None:
    await started_user(server, bot)
    for n in range(3):
        await bot.send_message(1001, f"message {n}")
    sends = server.calls_to(1001)
    assert [c.params["text"] for c in sends] == ["message 0", "message 1", "message 2"]
    assert all(b.timestamp >= a.timestamp for a, b in itertools.pairwise(sends))


def test_spec_is_found_and_the_packaged_copy_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    packaged = Path(spec_module.__file__).with_name("botapi-methods.json")
    found = load_spec()
    assert found.lookup("sendmessage") is not None and found.lookup("sendTelepathy") is None
    assert (load_spec(packaged).version, load_spec(packaged).methods.keys()) == (
        found.version,
        found.methods.keys(),
    )
    monkeypatch.setenv("BOTAPI_METHODS_JSON", str(packaged))
    assert spec_module.find_spec_file() == packaged
    monkeypatch.setenv("BOTAPI_METHODS_JSON", str(packaged.with_name("missing.json")))
    with pytest.raises(FileNotFoundError):
        spec_module.find_spec_file()
