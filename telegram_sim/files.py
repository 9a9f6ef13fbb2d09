"""The files Telegram keeps: uploads, photo size sets, getFile and download paths.

A file the bot sent once can be sent again by file_id, and a file a user sent can be
fetched with getFile and downloaded, as in Telegram; everything lives in memory.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram_sim.calls import MethodHandler, UploadedFile
from telegram_sim.errors import ApiError, bad_request
from telegram_sim.images import check_photo, image_mime

if TYPE_CHECKING:
    from telegram_sim.server import FakeBotApi

_MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024


@dataclass
class StoredFile:
    """A file Telegram keeps: found by file_id via getFile, downloaded by file_path."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes = field(repr=False)
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None


class FileStore:
    """Every stored file by file_id and by download path, and the sizes of each photo.

    ``ids`` is the server's shared counter, so file ids and paths number like before.
    """

    def __init__(self, server: FakeBotApi, ids: Iterator[int]) -> None:
        self._server = server  # file ids carry the bot's id
        self._ids = ids
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._photo_sets: dict[str, list[dict[str, Any]]] = {}

    def handlers(self) -> dict[str, MethodHandler]:
        """The Bot API methods answered here."""
        return {"getFile": self._get_file}

    def by_path(self, file_path: str) -> StoredFile | None:
        """The stored file served at ``/file/bot<token>/<file_path>``."""
        return self._by_path.get(file_path)

    # ------------------------------------------------------------------ storing

    def store(
        self, data: bytes, kind: str, extension: str, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        """Keep bytes under a new file_id and download path."""
        n = next(self._ids)
        file_id = (
            base64.urlsafe_b64encode(f"{kind}:{n}:{self._server.bot_id}".encode())
            .decode()
            .rstrip("=")
        )
        unique = base64.urlsafe_b64encode(f"u{n}".encode()).decode().rstrip("=")
        folder = "photos" if kind == "photo" else f"{kind}s"
        stored = StoredFile(
            f"AgAC{file_id}",
            f"AQAD{unique}",
            kind,
            data,
            f"{folder}/file_{n}{extension}",
            file_name,
            mime_type,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def store_upload(self, upload: UploadedFile, kind: str, extension: str = "") -> StoredFile:
        """Keep an uploaded part as it came."""
        file_name = _real_file_name(upload)
        return self.store(upload.data, kind, extension, file_name, upload.content_type)

    def store_photo(self, data: bytes, validate: bool = True) -> list[dict[str, Any]]:
        """Keep a photo and return its PhotoSize list (thumbnails share the original bytes)."""
        width, height = check_photo(data) if validate else _safe_photo_size(data)
        extension = mimetypes.guess_extension(image_mime(data)) or ".jpg"
        sizes: list[dict[str, Any]] = []
        longest = max(width, height)
        targets = [t for t in (90, 320, 800, 1280) if t < longest] + [min(longest, 2560)]
        for target in targets:
            stored = self.store(data, "photo", extension, None, image_mime(data))
            scale = target / longest
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                    "file_size": len(data),
                }
            )
        for size in sizes:
            self._photo_sets[size["file_id"]] = sizes
        return sizes

    def store_document(self, data: bytes, file_name: str, mime_type: str | None) -> dict[str, Any]:
        """Keep a document and return its Document object."""
        if not mime_type or mime_type == "application/octet-stream":
            mime_type = (
                mimetypes.guess_type(file_name, strict=False)[0] or "application/octet-stream"
            )
        extension = ("." + file_name.rsplit(".", 1)[1]) if "." in file_name else ""
        stored = self.store(data, "document", extension, file_name, mime_type)
        return _document_json(stored)

    def store_sticker(self, data: bytes, emoji: str) -> dict[str, Any]:
        """Keep a sticker file and return a Sticker object."""
        stored = self.store(data, "sticker", ".webp", None, "image/webp")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(data),
        }

    # ------------------------------------------------------------------ sending

    def input_media(
        self, value: Any, field_name: str, files: dict[str, UploadedFile], kind: str
    ) -> tuple[StoredFile, dict[str, Any]]:
        """The photo or document a send names, and the Message field that shows it."""
        stored = self._input_file(value, field_name, files, kind)
        if kind == "photo":
            return stored, {"photo": self._photo_sets[stored.file_id]}
        return stored, {"document": _document_json(stored)}

    def _input_file(
        self, value: Any, field_name: str, files: dict[str, UploadedFile], kind: str
    ) -> StoredFile:
        """Resolve a file parameter: an upload part (by field name or attach://), or a file_id."""
        upload: UploadedFile | None = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
            if upload is None:
                raise bad_request(f'can\'t find attached file "{value}"')
        elif value is None:
            upload = files.get(field_name)
        if upload is None:
            if not isinstance(value, str):
                raise bad_request(f"there is no {field_name} in the request")
            if value.startswith(("http://", "https://")):
                raise bad_request("failed to get HTTP URL content")
            existing = self._by_id.get(value)
            if existing is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            if existing.kind != kind:
                raise bad_request("type of file mismatch")
            return existing
        if not upload.data:
            raise bad_request("file must be non-empty")
        if kind == "photo":
            sizes = self.store_photo(upload.data)
            largest = self._by_id[sizes[-1]["file_id"]]
            largest.file_name = _real_file_name(upload)
            return largest
        if kind == "document":
            document = self.store_document(upload.data, upload.file_name, upload.content_type)
            return self._by_id[document["file_id"]]
        return self.store_upload(upload, kind, mimetypes.guess_extension(upload.content_type) or "")

    def _get_file(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        stored = self._by_id.get(str(params["file_id"]))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.data) > _MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }


def _document_json(stored: StoredFile) -> dict[str, Any]:
    document: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return document


def _safe_photo_size(data: bytes) -> tuple[int, int]:
    try:
        return check_photo(data)
    except ApiError:
        return 800, 600


def _real_file_name(upload: UploadedFile) -> str | None:
    """The uploaded file's name for views and transcript, or None when it is only PTB's
    placeholder (the MIME type with "/" replaced by ".")."""
    placeholder = upload.file_name == upload.content_type.replace("/", ".")
    return None if placeholder else upload.file_name
