"""``workshop-bot run | migrate | demo`` (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from bot.config import ConfigError, Settings, load_settings, parse_log_format, require_webhook_secret
from bot.logs import configure_logging

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.telegram_bot.startup import StartupFailure

EXIT_UNREACHABLE = 1  # the Bot API cannot be reached (network, DNS, TELEGRAM_API_URL): try again later
EXIT_CONFIG = 2  # a setting is missing or wrong (the token is rejected, the database cannot be migrated…)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workshop-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="apply migrations and run the bot (long polling by default)")
    run.add_argument("--webhook-url", help="public HTTPS address Telegram should post updates to")
    run.add_argument("--listen", default="0.0.0.0", help="webhook mode: address to listen on")
    run.add_argument("--port", type=int, default=8443, help="webhook mode: port to listen on")
    run.add_argument("--url-path", default="", help="webhook mode: path of the webhook on this server")
    sub.add_parser("migrate", help="apply the database migrations and exit")
    demo = sub.add_parser("demo", help="run a whole simulated workshop offline, no token needed")
    demo.add_argument("--out", default="demo-output", help="folder for the transcript (default: demo-output)")
    demo.add_argument("--participants", type=int, default=20, help="simulated participants (default: 20)")
    demo.add_argument("--seed", type=int, default=7, help="random seed of the simulated answers")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # The demo prints a conversation: only problems should interrupt it.
    level = logging.WARNING if args.command == "demo" else logging.INFO
    try:
        configure_logging(level, log_format=parse_log_format(os.environ.get("LOG_FORMAT", "json")))
        if args.command == "demo":
            from bot.simulation.demo import run_demo

            return run_demo(out_dir=args.out, participants=args.participants, seed=args.seed)
        settings = load_settings(require_token=args.command == "run")
        # again: LOG_FORMAT may come from .env, and now the secrets to keep out of every line are known
        configure_logging(level, log_format=settings.log_format, secrets=settings.secrets)
        if args.command == "run" and args.webhook_url:
            require_webhook_secret(settings)
    except ConfigError as error:
        print(f"workshop-bot: {error}", file=sys.stderr)
        return EXIT_CONFIG

    from bot.storage.engine import database_answers, make_engine, make_session_factory
    from bot.storage.migrations import upgrade_to_head

    engine = make_engine(settings.database_url)
    try:
        upgrade_to_head(engine)
    except Exception as error:  # noqa: BLE001 (unreachable server, wrong credentials…)
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]  # the driver's own words
        where = engine.url.render_as_string(hide_password=True)
        print(f"workshop-bot: cannot migrate the database ({where}): {reason}", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "migrate":
        print("workshop-bot: database is up to date")
        return 0

    from bot.storage.single_process import AlreadyRunning, hold_single_process_lock
    from bot.telegram_bot.application import build_application

    try:
        lock = hold_single_process_lock(settings.database_url)  # noqa: F841  (held until exit)
    except AlreadyRunning as error:
        print(f"workshop-bot: {error}", file=sys.stderr)
        return EXIT_CONFIG

    session_factory = make_session_factory(engine)
    application = build_application(settings, session_factory)
    return _serve(application, settings, args, lambda: database_answers(session_factory))


def _serve(application: Application[Any, Any, Any, Any, Any, Any], settings: Settings, args: argparse.Namespace,
           database_answers: Callable[[], bool]) -> int:
    """Check the token with getMe, then poll or serve the webhook until stopped.

    A failure at start (token rejected, Bot API unreachable, webhook refused, port taken)
    prints one line and returns its exit code; PTB's own traceback of it is not printed.
    """
    from telegram.error import TelegramError

    from bot.telegram_bot.application import ALLOWED_UPDATES
    from bot.telegram_bot.startup import (
        bootstrap_errors_reported_by_caller,
        check_bot_api,
        describe_failure,
    )

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # run_polling / run_webhook take the current loop: the same one
    failure = loop.run_until_complete(check_bot_api(application, settings))
    if failure is not None:
        loop.close()
        asyncio.set_event_loop(None)
        return _failed(failure)
    try:
        with bootstrap_errors_reported_by_caller():
            if args.webhook_url:
                from bot.telegram_bot.webhook import serve_webhook

                loop.run_until_complete(serve_webhook(
                    application, listen=args.listen, port=args.port, url_path=args.url_path,
                    webhook_url=args.webhook_url, secret=settings.webhook_secret,
                    allowed_updates=ALLOWED_UPDATES, database_answers=database_answers,
                ))
            else:
                application.run_polling(allowed_updates=ALLOWED_UPDATES)
    except TelegramError as error:
        # the one Bot API call left that can stop the start: PTB's bootstrap of the updater
        return _failed(describe_failure(error, settings, "setWebhook" if args.webhook_url else "deleteWebhook"))
    except OSError as error:  # the webhook's port: taken, or not ours to bind
        if not args.webhook_url:
            raise
        print(f"workshop-bot: cannot listen on {args.listen}:{args.port} for the webhook: {error.strerror or error}",
              file=sys.stderr)
        return EXIT_CONFIG
    return 0


def _failed(failure: StartupFailure) -> int:
    print(f"workshop-bot: {failure.line}", file=sys.stderr)
    return EXIT_CONFIG if failure.settings_problem else EXIT_UNREACHABLE


if __name__ == "__main__":
    raise SystemExit(main())
