"""``workshop-bot run | migrate | demo`` (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.config import ConfigError, load_settings

EXIT_CONFIG = 2


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
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    try:
        if args.command == "demo":
            from bot.simulation.demo import run_demo

            return run_demo(out_dir=args.out, participants=args.participants, seed=args.seed)
        settings = load_settings(require_token=args.command == "run")
    except ConfigError as error:
        print(f"workshop-bot: {error}", file=sys.stderr)
        return EXIT_CONFIG

    from bot.storage.engine import make_engine, make_session_factory
    from bot.storage.migrations import upgrade_to_head

    engine = make_engine(settings.database_url)
    try:
        upgrade_to_head(engine)
    except Exception as error:  # unreachable server, wrong credentials…
        print(f"workshop-bot: cannot migrate the database ({settings.database_url}): {error}", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "migrate":
        print("workshop-bot: database is up to date")
        return 0

    from bot.storage.single_process import AlreadyRunning, hold_single_process_lock
    from bot.telegram_bot.application import ALLOWED_UPDATES, build_application

    try:
        lock = hold_single_process_lock(settings.database_url)  # noqa: F841  (held until exit)
    except AlreadyRunning as error:
        print(f"workshop-bot: {error}", file=sys.stderr)
        return EXIT_CONFIG

    application = build_application(settings, make_session_factory(engine))
    if args.webhook_url:
        application.run_webhook(
            listen=args.listen,
            port=args.port,
            webhook_url=args.webhook_url,
            allowed_updates=ALLOWED_UPDATES,
            secret_token=settings.webhook_secret or None,
            url_path=args.url_path,
        )
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
