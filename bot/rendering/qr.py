"""The join QR code as a PNG, large and with a quiet zone, ready for a slide."""

from __future__ import annotations

from io import BytesIO

import segno


def qr_png(link: str, *, scale: int = 12) -> bytes:
    buffer = BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def join_link(bot_username: str, join_code: str) -> str:
    return f"https://t.me/{bot_username}?start={join_code}"
