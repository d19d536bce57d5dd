"""Uploads, file ids and image sizes."""

from __future__ import annotations

import hashlib
import mimetypes
import struct
from typing import Any

from .core import Core
from .models import StoredFile, bad_request
from .params import Params, Upload

WRONG_FILE = "wrong file identifier/HTTP URL specified"


def image_size(data: bytes) -> tuple[int, int]:
    """Read width and height from a PNG or JPEG header; (0, 0) when unknown."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return 0, 0


def _jpeg_size(data: bytes) -> tuple[int, int]:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return 0, 0
        marker = data[i + 1]
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + length
    return 0, 0


def store_upload(core: Core, token: str, kind: str, upload: Upload) -> StoredFile:
    """Keep an uploaded file for this bot."""
    return store_bytes(
        core, token, kind, upload.data, file_name=upload.filename, mime_type=upload.content_type
    )


def store_bytes(
    core: Core,
    token: str,
    kind: str,
    data: bytes,
    *,
    file_name: str | None = None,
    mime_type: str | None = None,
) -> StoredFile:
    """Keep file bytes for this bot, with the metadata Telegram would derive."""
    width, height = image_size(data) if kind in ("photo", "video") else (0, 0)
    if kind != "photo" and file_name:
        guessed = mimetypes.guess_type(file_name)[0]
        if guessed and (not mime_type or mime_type == "application/octet-stream"):
            mime_type = guessed
    elif kind == "photo":
        file_name, mime_type = None, None
    unique = hashlib.blake2b(data, digest_size=8).hexdigest()
    return core.store_file(
        token,
        kind,
        data,
        file_name=file_name,
        mime_type=mime_type,
        width=width,
        height=height,
        unique=unique,
    )


def resolve_media(core: Core, token: str, params: Params, field: str, kind: str) -> StoredFile:
    """Turn a media parameter (upload, attach://, file_id) into a file this bot may send."""
    upload = params.uploads.get(field)
    if upload is not None:
        return store_upload(core, token, kind, upload)
    value = params.raw(field)
    if value is None or value == "":
        raise bad_request(f"there is no {kind} in the request")
    return resolve_reference(core, token, params, value, kind)


def resolve_reference(core: Core, token: str, params: Params, value: Any, kind: str) -> StoredFile:
    """Resolve ``attach://name``, a file_id or a URL."""
    upload = params.upload(value)
    if upload is not None:
        return store_upload(core, token, kind, upload)
    if not isinstance(value, str):
        raise bad_request(WRONG_FILE)
    if value.startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")
    stored = core.files.get(value)
    if stored is None or stored.token != token:
        raise bad_request(WRONG_FILE)
    if stored.kind != kind and "photo" in (stored.kind, kind):
        raise bad_request("type of file mismatch")
    return stored


def photo_sizes(stored: StoredFile) -> list[dict[str, Any]]:
    """Return the ``photo`` field of a message: a list of PhotoSize objects."""
    return [stored.describe()]
