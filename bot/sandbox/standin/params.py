"""Method parameters from a query string, a JSON body, a form or a multipart body."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .models import ApiError, bad_request


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    data: bytes
    content_type: str | None


class Params:
    """Typed access to one request's parameters, with Telegram's error answers."""

    __slots__ = ("uploads", "values")

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload] | None = None) -> None:
        self.values = values
        self.uploads = uploads or {}

    def raw(self, name: str) -> Any:
        """Return the value as sent (or None)."""
        return self.values.get(name)

    def string(self, name: str, *, required: bool = False) -> str | None:
        """Return a string parameter."""
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, *, required: bool = False) -> int | None:
        """Return an integer parameter."""
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value))
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def number(self, name: str, default: float) -> float:
        """Return a number parameter."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        """Return a boolean parameter (``true``/``1`` in forms)."""
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def nested(self, name: str) -> Any:
        """Return a nested object, decoding it when it arrived as a JSON string."""
        value = self.values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def upload(self, reference: Any) -> Upload | None:
        """Return the uploaded part a value refers to (``attach://name`` or the part itself)."""
        if isinstance(reference, str) and reference.startswith("attach://"):
            upload = self.uploads.get(reference[len("attach://") :])
            if upload is None:
                raise bad_request("wrong HTTP URL specified")
            return upload
        return None


async def read_params(request: web.Request) -> Params:
    """Collect parameters from the query string and the body, whatever its encoding."""
    values: dict[str, Any] = dict(request.query) if request.query_string else {}
    uploads: dict[str, Upload] = {}
    if request.method != "POST" or not request.body_exists:
        return Params(values, uploads)
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON request body") from None
        if isinstance(body, dict):
            values.update(body)
        return Params(values, uploads)
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            uploads[key] = Upload(value.filename, value.file.read(), value.content_type)
        else:
            values[key] = value
    return Params(values, uploads)
