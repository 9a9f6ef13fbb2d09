"""Thin Telegram handlers: updates in, domain calls, rendered messages out."""
