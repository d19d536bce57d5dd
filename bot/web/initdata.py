"""Telegram Mini App ``initData``: check it (every request) and sign it (sandbox, tests).

The algorithm is Telegram's (core.telegram.org/bots/webapps#validating-data-received-via-the-
mini-app): HMAC-SHA256 of the sorted ``key=value`` lines, keyed by HMAC-SHA256("WebAppData",
bot token). Checking is aiogram's ``safe_parse_webapp_init_data``; signing is its mirror, for
the sandbox's local link and the tests.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from aiogram.utils.web_app import WebAppInitData, safe_parse_webapp_init_data

MAX_AGE_S = 3600  # initData older than an hour is refused (replays included)
CLOCK_SKEW_S = 60  # an auth_date this far in the future still passes (clocks differ)


class Refused(Exception):
    """The request is not an admin's fresh, signed initData; ``status`` is 401 or 403."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Viewer:
    """The admin a request comes from, as Telegram vouched for them."""

    user_id: int
    first_name: str
    language_code: str | None


def check_init_data(
    raw: str | None,
    token: str,
    admin_ids: frozenset[int],
    *,
    now: float | None = None,
    max_age_s: int = MAX_AGE_S,
) -> Viewer:
    """The admin behind ``raw`` initData, or :class:`Refused` (401 bad, 403 not an admin)."""
    if not raw:
        raise Refused(401, "missing initData")
    try:
        data: WebAppInitData = safe_parse_webapp_init_data(token, raw)
    except (ValueError, TypeError):
        raise Refused(401, "bad initData signature") from None
    except Exception:  # pydantic refusing a signed but malformed field
        raise Refused(401, "malformed initData") from None
    moment = time.time() if now is None else now
    signed_at = data.auth_date.timestamp()
    if moment - signed_at > max_age_s or signed_at - moment > CLOCK_SKEW_S:
        raise Refused(401, "stale initData")
    if data.user is None:
        raise Refused(401, "initData without a user")
    if data.user.id not in admin_ids:
        raise Refused(403, "not an admin")
    return Viewer(data.user.id, data.user.first_name, data.user.language_code)


def sign_init_data(
    token: str,
    user: dict[str, Any],
    *,
    auth_date: int | None = None,
    query_id: str = "AAHsandbox",
) -> str:
    """initData for ``user`` signed with ``token``, as Telegram would hand it to the page."""
    fields = {
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
        "query_id": query_id,
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
    }
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


def signed_link(page: str, token: str, user: dict[str, Any]) -> str:
    """The page's address with freshly signed initData in the fragment, as Telegram opens a
    Mini App (for the sandbox: open it in a browser; valid for an hour)."""
    return f"{page}#tgWebAppData={quote(sign_init_data(token, user), safe='')}"
