"""The sub-application: routes, the authentication middleware, static files, serving.

Every route but the page shell, its static assets and /healthz needs an admin's fresh,
signed ``initData`` (header ``Authorization: tma <initData>``), checked on every request: no
session, no cookie. Refusals carry no data: 401 for missing, forged, foreign or stale
initData, 403 for a signed non-admin (written to audit_log, as the chat notes denied presses).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.health import Health
from bot.telegram.core.language import Language
from bot.web import routes
from bot.web.context import CONTEXT, VIEWER, Context
from bot.web.initdata import Refused, check_init_data

if TYPE_CHECKING:
    from bot.services import Services

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
OPEN_ROUTES = frozenset({"index", "static", "healthz"})
AUTH_SCHEME = "tma "
DEFAULT_PREFIX = "/app"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def init_data_of(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith(AUTH_SCHEME):
        return header[len(AUTH_SCHEME) :].strip()
    return request.headers.get("X-Telegram-Init-Data")


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Let open routes through; anything else only with an admin's fresh initData."""
    route = request.match_info.route
    if route.name in OPEN_ROUTES:
        return await handler(request)
    context = request.app[CONTEXT]
    try:
        viewer = check_init_data(init_data_of(request), context.token, context.admin_ids)
    except Refused as refused:
        if refused.status == 403:
            await note_denied(context, request)
        return web.json_response({"error": refused.reason}, status=refused.status)
    request[VIEWER] = viewer
    return await handler(request)


async def note_denied(context: Context, request: web.Request) -> None:
    """A signed non-admin reached for data: note it for the admins, like a denied press."""
    from aiogram.utils.web_app import parse_webapp_init_data

    data = parse_webapp_init_data(init_data_of(request) or "")
    if data.user is not None:
        await context.services.records.audit(
            data.user.id, "denied_web", path=request.path, method=request.method
        )


def webapp_prefix(webapp_url: str) -> str:
    """Where the Mini App lives on the server: WEBAPP_URL's path, or /app when it has none."""
    path = urlsplit(webapp_url).path.rstrip("/")
    return path or DEFAULT_PREFIX


def build_webapp(
    services: Services,
    token: str,
    admin_ids: frozenset[int] | tuple[int, ...],
    language: Language | None,
    tz: ZoneInfo,
) -> web.Application:
    """The Mini App as an aiohttp application, to mount at :func:`webapp_prefix` (or serve)."""
    sub = web.Application(middlewares=[authenticate])
    sub[CONTEXT] = Context(services, token, frozenset(admin_ids), language, tz)
    sub.on_response_prepare.append(secure_headers)

    async def index(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC_DIR / "index.html", headers=routes.NO_STORE)

    sub.router.add_get("/", index, name="index")
    sub.router.add_static("/static/", STATIC_DIR, name="static")
    routes.register(sub.router)
    return sub


# Only our own scripts and styles (no CDN, no inline script); Telegram Web shows the page in a
# frame, so framing stays allowed.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'"
)


async def secure_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")


def standalone(
    sub: web.Application, prefix: str, services: Services, health: Health | None = None
) -> web.Application:
    """A root application for polling mode: /healthz (the running app's report; without one,
    whether the database answers) and the Mini App under ``prefix``."""
    root = web.Application()
    health = health or Health(services.school.pool)
    root.router.add_get("/healthz", health.handle, name="healthz")

    async def to_app(request: web.Request) -> web.Response:
        raise web.HTTPFound(prefix + "/")

    root.router.add_get(prefix, to_app)
    root.add_subapp(prefix, sub)
    return root


async def serve_webapp(root: web.Application, listen: str) -> web.AppRunner:
    """Start serving ``root`` on ``host:port``; the caller cleans the runner up."""
    host, _, port = listen.rpartition(":")
    runner = web.AppRunner(root, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, host or "0.0.0.0", int(port)).start()
    logger.info("Mini App listening on %s", listen)
    return runner
