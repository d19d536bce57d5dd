"""The HTTP side: routes, method table, faults and Telegram's response envelopes."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from . import messages, misc, updates
from .core import BotState, Core
from .faults import SERVER_ERRORS, PlannedFault, proxy_page
from .models import ApiError
from .params import Params, read_params

logger = logging.getLogger(__name__)

Method = Callable[[Core, BotState, Params], Awaitable[Any]]

METHODS: dict[str, Method] = {
    "getme": misc.get_me,
    "logout": misc.answer_true,
    "close": misc.answer_true,
    "getupdates": updates.get_updates,
    "setwebhook": updates.set_webhook,
    "deletewebhook": updates.delete_webhook,
    "getwebhookinfo": updates.get_webhook_info,
    "sendmessage": messages.send_message,
    "sendphoto": messages.send_photo,
    "senddocument": messages.send_document,
    "sendvideo": messages.send_video,
    "copymessage": messages.copy_message,
    "editmessagetext": messages.edit_message_text,
    "editmessagecaption": messages.edit_message_caption,
    "editmessagereplymarkup": messages.edit_message_reply_markup,
    "editmessagemedia": messages.edit_message_media,
    "deletemessage": messages.delete_message,
    "deletemessages": messages.delete_messages,
    "answercallbackquery": misc.answer_callback_query,
    "setmycommands": misc.set_my_commands,
    "getmycommands": misc.get_my_commands,
    "deletemycommands": misc.delete_my_commands,
    "sendchataction": misc.send_chat_action,
    "getfile": misc.get_file,
    "setchatmenubutton": misc.set_chat_menu_button,
    "getchatmenubutton": misc.get_chat_menu_button,
}
MAX_BODY = 60 * 1024 * 1024
_JSON = "application/json"
UNAUTHORIZED = ApiError(401, "Unauthorized")


def _json_response(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(status=status, body=json.dumps(body).encode(), content_type=_JSON)


def _fault_response(fault: PlannedFault) -> web.Response:
    """Answer like the fault: Telegram's 5xx or 429 JSON, or the proxy's HTML page."""
    if fault.kind == "retry_after":
        seconds = fault.retry_after
        error = ApiError(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)
        return _json_response(429, error.body())
    if fault.kind.startswith("server_error"):
        return _json_response(
            fault.status, ApiError(fault.status, SERVER_ERRORS[fault.status]).body()
        )
    return web.Response(
        status=fault.status, text=proxy_page(fault.status), content_type="text/html"
    )


def _chat_of(params: Params) -> int | None:
    try:
        return int(params.raw("chat_id"))
    except (TypeError, ValueError):
        return None


class Server:
    """Serve the Bot API for a Core over real HTTP."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.app = web.Application(client_max_size=MAX_BODY)
        self.app.router.add_route("*", "/bot{token}/{method}", self.handle_method)
        self.app.router.add_route("GET", "/file/bot{token}/{path:.+}", self.handle_file)
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self, host: str, port: int) -> None:
        """Listen on host:port (0 picks a free port); ``url`` tells where."""
        self.runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.2)
        await self.runner.setup()
        site = web.TCPSite(self.runner, host, port)
        await site.start()
        bound_port = self.runner.addresses[0][1]
        self.url = f"http://{host}:{bound_port}"

    async def stop(self) -> None:
        """Stop listening; open long polls have already been released by the Core."""
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    async def execute(self, token: str, method: str, params: Params) -> Any:
        """Run one Bot API method for a bot and return its result (or raise ApiError)."""
        if token in self.core.revoked_tokens:
            raise UNAUTHORIZED
        handler = METHODS.get(method.lower())
        state = self.core.bot(token)
        if handler is None:
            raise ApiError(404, "Not Found")
        return await handler(self.core, state, params)

    async def handle_method(self, request: web.Request) -> web.StreamResponse:
        """Answer ``/bot<token>/<method>`` with Telegram's envelope (or an injected fault)."""
        response = await self._answer(request)
        if response is not None and response.status == 429:
            self.core.too_many_requests_served += 1
            method = request.match_info.get("method", "").lower()
            self.core.too_many_requests_by_method[method] += 1
        if response is None:  # a lost response: the client sees a broken connection
            self._cut(request)
            return web.Response(status=500)
        return response

    async def _answer(self, request: web.Request) -> web.Response | None:
        core, faults = self.core, self.core.faults
        name = request.match_info["method"].lower()
        token = request.match_info["token"]
        try:
            if token in core.revoked_tokens:
                faults.served["unauthorized"] += 1
                raise UNAUTHORIZED
            state = core.bot(token)
            handler = METHODS.get(name)
            if handler is None:
                raise ApiError(404, "Not Found")
            params = await read_params(request)
            chat_id = _chat_of(params)
            core.mark(name, token, chat_id=chat_id)
            await faults.delay(name, core.notify)
            fault = faults.take("before", name, token, chat_id)
            if fault is not None:
                return _fault_response(fault)
            result = await handler(core, state, params)
        except ApiError as error:
            return _json_response(error.code, error.body())
        fault = faults.take("after", name, token, chat_id)
        if fault is not None:
            return None if fault.kind == "lost_response" else _fault_response(fault)
        return _json_response(200, {"ok": True, "result": result})

    @staticmethod
    def _cut(request: web.Request) -> None:
        """Lose the response: the work is done, the client sees a broken connection."""
        transport = request.transport
        if transport is not None:
            transport.abort()

    async def handle_file(self, request: web.Request) -> web.StreamResponse:
        """Serve ``/file/bot<token>/<file_path>`` for files that belong to that bot."""
        token = request.match_info["token"]
        stored = self.core.files_by_path.get(request.match_info["path"])
        if (
            token not in self.core.bots
            or token in self.core.revoked_tokens
            or stored is None
            or stored.token != token
        ):
            return _json_response(
                404, {"ok": False, "error_code": 404, "description": "Not Found"}
            )
        fault = self.core.faults.take_download(token)
        if fault is not None:
            return _fault_response(fault)
        content_type = stored.mime_type or (
            "image/jpeg" if stored.kind == "photo" else "application/octet-stream"
        )
        return web.Response(body=stored.data, content_type=content_type)
