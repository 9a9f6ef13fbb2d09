"""Plain, synchronous domain functions: what the bot does, independent of Telegram."""
