"""``python -m bot`` is ``workshop-bot``."""

from bot.cli import main

raise SystemExit(main())
