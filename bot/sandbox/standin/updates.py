"""Getting updates to the bot: long polling and webhook push."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from itertools import islice
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from .core import BotState, Core
from .models import ApiError, bad_request
from .params import Params

logger = logging.getLogger(__name__)

Execute = Callable[[str, str, Params], Awaitable[Any]]
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
# telegram-bot-api's Client.cpp (abort_long_poll, WebhookActor::start_up, do_set_webhook).
SET_WEBHOOK_CONFLICT = "Conflict: terminated by setWebhook request"
WEBHOOK_NEEDS_HTTPS = "bad webhook: An HTTPS URL must be provided for webhook"
WEBHOOK_PORTS = "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
WEBHOOK_URL_INVALID = "invalid webhook URL specified"
ALLOWED_WEBHOOK_PORTS = frozenset({80, 88, 443, 8443})
SET_WEBHOOK_INTERVAL = 1.0  # seconds between setWebhook calls with a URL, else 429


def _confirm(state: BotState, offset: int | None) -> None:
    """Forget updates before ``offset`` (negative: keep only the last ``-offset``)."""
    if offset is None:
        return
    updates = state.updates
    if offset < 0:
        while len(updates) > -offset:
            updates.popleft()
        return
    while updates and updates[0]["update_id"] < offset:
        updates.popleft()


def _end_open_poll(state: BotState, reason: str) -> None:
    """Make an open long poll of this bot end with a 409 ``reason``."""
    state.poll_generation += 1
    state.poll_end_reason = reason
    state.wakeup.set()


async def get_updates(core: Core, state: BotState, params: Params) -> Any:
    """getUpdates: held open up to ``timeout`` seconds until an update arrives."""
    if state.webhook_url:
        raise ApiError(409, WEBHOOK_CONFLICT)
    _confirm(state, params.integer("offset"))
    limit = min(max(params.integer("limit") or 100, 1), 100)
    timeout = params.number("timeout", 0.0)
    _end_open_poll(state, POLL_CONFLICT)  # an older poll of this bot ends with 409
    generation = state.poll_generation
    if not state.updates and timeout > 0:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        state.open_polls += 1
        core.notify()  # tests wait for an open poll instead of sleeping
        try:
            while not state.updates and not core.stopping and generation == state.poll_generation:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                state.wakeup.clear()
                try:
                    await asyncio.wait_for(state.wakeup.wait(), remaining)
                except TimeoutError:
                    break
        finally:
            state.open_polls -= 1
            core.notify()
    if generation != state.poll_generation:
        raise ApiError(409, state.poll_end_reason)
    if core.stopping:
        return []
    handed_out = list(islice(state.updates, limit))
    for update in handed_out:
        core.mark("handed_out", state.account.token, update_id=update.get("update_id"))
    return handed_out


def _check_webhook_url(core: Core, url: str) -> None:
    """Refuse what Telegram refuses: no HTTPS, or a port other than 80, 88, 443, 8443."""
    if "://" not in url:
        url = "https://" + url  # telegram-bot-api assumes HTTPS for a URL without a scheme
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise bad_request(WEBHOOK_URL_INVALID) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request(WEBHOOK_URL_INVALID)
    if core.allow_insecure_webhooks:
        return
    if parts.scheme != "https":
        raise bad_request(WEBHOOK_NEEDS_HTTPS)
    if (port or 443) not in ALLOWED_WEBHOOK_PORTS:
        raise bad_request(WEBHOOK_PORTS)


async def set_webhook(core: Core, state: BotState, params: Params) -> Any:
    """setWebhook: from now on updates are POSTed to ``url``.

    As in telegram-bot-api: a URL is accepted at most once a second per bot (else 429 with
    retry_after 1), and setting one ends an open long poll with 409 before the URL is checked.
    """
    url = params.string("url") or ""
    secret = params.string("secret_token")
    if url:
        now = core.now()
        if now < state.next_set_webhook_at:
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        state.next_set_webhook_at = now + SET_WEBHOOK_INTERVAL
        _end_open_poll(state, SET_WEBHOOK_CONFLICT)
        _check_webhook_url(core, url)
    if secret is not None and not SECRET_RE.match(secret):
        raise bad_request("secret token contains unallowed characters")
    if params.flag("drop_pending_updates"):
        state.updates.clear()
    state.webhook_url, state.webhook_secret = url, secret
    state.last_error_date = state.last_error_message = None
    state.wake()
    if url:
        core.ensure_pusher(state)
    return True


async def delete_webhook(core: Core, state: BotState, params: Params) -> Any:
    """deleteWebhook: back to getUpdates."""
    if params.flag("drop_pending_updates"):
        state.updates.clear()
    state.webhook_url, state.webhook_secret = "", None
    state.wake()
    return True


async def get_webhook_info(core: Core, state: BotState, params: Params) -> Any:
    """getWebhookInfo."""
    info: dict[str, Any] = {
        "url": state.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }
    if state.webhook_url:
        info["max_connections"] = 40
        info["ip_address"] = "127.0.0.1"
    if state.last_error_date is not None:
        info["last_error_date"] = state.last_error_date
        info["last_error_message"] = state.last_error_message
    return info


async def push_webhooks(
    core: Core, state: BotState, session: aiohttp.ClientSession, execute: Execute
) -> None:
    """POST each pending update to the bot's webhook, in order, retrying failures."""
    backoff = 0.05
    while not core.stopping:
        if not state.webhook_url or not state.updates:
            state.webhook_wakeup.clear()
            await state.webhook_wakeup.wait()
            continue
        update = state.updates[0]
        headers = {"Content-Type": "application/json"}
        if state.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = state.webhook_secret
        error = None
        reply = b""
        try:
            async with session.post(
                state.webhook_url, data=json.dumps(update), headers=headers
            ) as response:
                reply = await response.read()
                if response.status != 200:
                    error = f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            error = f"Connection failed: {exc.__class__.__name__}"
        if error is not None:
            state.last_error_date, state.last_error_message = int(core.now()), error
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)
            continue
        backoff = 0.05
        if state.updates and state.updates[0] is update:
            state.updates.popleft()
        await _run_reply(state, reply, execute)


async def _run_reply(state: BotState, reply: bytes, execute: Execute) -> None:
    """Execute a method the bot returned in its webhook answer, as Telegram does."""
    if not reply.startswith(b"{"):
        return
    try:
        body = json.loads(reply)
    except ValueError:
        return
    if isinstance(body, dict) and isinstance(body.get("method"), str):
        values = {key: value for key, value in body.items() if key != "method"}
        try:
            await execute(state.account.token, body["method"], Params(values))
        except ApiError as error:
            logger.debug("webhook reply %s failed: %s", body["method"], error.description)
