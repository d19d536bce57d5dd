"""The JSON API: thin handlers that parse, call the dashboard or the booking desk, answer."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.school import Stale
from bot.web import texts as web_texts
from bot.web.bookings import change_from_json, editable, shown
from bot.web.context import context_of, texts_of, viewer_of
from bot.web.data import RECIPIENT_STATES, parse_days, parse_list

CONTROL_ACTIONS = ("pause", "resume", "cancel")
NO_STORE = {"Cache-Control": "no-store"}  # every answer is an admin's figures, as of now


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(
        data,
        status=status,
        dumps=lambda v: json.dumps(v, ensure_ascii=False, default=str),
        headers=NO_STORE,
    )


def _int(request: web.Request, name: str, default: int = 0) -> int:
    raw = request.query.get(name) or request.match_info.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise web.HTTPBadRequest(text=f"{name} must be a number") from None


def _days(request: web.Request, default: int | None) -> int | None:
    try:
        return parse_days(request.query.get("days"), default)
    except ValueError:
        raise web.HTTPBadRequest(text="days must be one of 7, 30, 90, 365, all") from None


NOT_FOUND = {"error": "not found"}


async def me(request: web.Request) -> web.Response:
    """Who is looking, and the page's words in their language."""
    viewer = viewer_of(request)
    texts = texts_of(request)
    await context_of(request).services.records.audit(viewer.user_id, "web_open")
    return _json(
        {
            "user_id": viewer.user_id,
            "first_name": viewer.first_name,
            "language": texts.language,
            "texts": web_texts.catalog(texts.language),
        }
    )


async def overview(request: web.Request) -> web.Response:
    return _json(await context_of(request).dashboard.overview(texts_of(request)))


async def growth(request: web.Request) -> web.Response:
    return _json(await context_of(request).dashboard.growth(_days(request, 30)))


async def daily(request: web.Request) -> web.Response:
    return _json(await context_of(request).dashboard.daily(_days(request, 30) or 365))


async def streams(request: web.Request) -> web.Response:
    return _json(await context_of(request).dashboard.streams(texts_of(request)))


def _viewers(request: web.Request) -> bool:
    """``list``: a stream's bookers (the default) or its programme viewers."""
    try:
        return parse_list(request.query.get("list"))
    except ValueError:
        raise web.HTTPBadRequest(text="list must be bookers or viewers") from None


async def students(request: web.Request) -> web.Response:
    """One page of a stream's bookers or (``list=viewers``) its programme viewers."""
    found = await context_of(request).dashboard.students(
        texts_of(request),
        request.match_info["key"],
        _int(request, "page"),
        viewers=_viewers(request),
    )
    return _json(found if found is not None else NOT_FOUND, 200 if found is not None else 404)


async def funnel(request: web.Request) -> web.Response:
    return _json(
        await context_of(request).dashboard.funnel(texts_of(request), _days(request, 30) or 365)
    )


async def retention(request: web.Request) -> web.Response:
    return _json(await context_of(request).dashboard.retention())


async def leads(request: web.Request) -> web.Response:
    return _json(await context_of(request).dashboard.leads())


async def people(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()
    if not query:
        return _json({"query": "", "people": [], "more": ""})
    return _json(await context_of(request).dashboard.find_people(texts_of(request), query[:100]))


async def person(request: web.Request) -> web.Response:
    context = context_of(request)
    user_id = _int(request, "user_id")
    card = await context.dashboard.person(texts_of(request), user_id)
    if card is None:
        return _json(NOT_FOUND, 404)
    card["manage"] = await editable(context.bookings, texts_of(request), user_id)
    return _json(card)


async def history(request: web.Request) -> web.Response:
    return _json(
        await context_of(request).broadcast_pages.history(texts_of(request), _int(request, "page"))
    )


async def broadcast(request: web.Request) -> web.Response:
    found = await context_of(request).broadcast_pages.broadcast(
        texts_of(request), _int(request, "bid")
    )
    return _json(found if found is not None else NOT_FOUND, 200 if found is not None else 404)


async def recipients(request: web.Request) -> web.Response:
    status = request.query.get("status") or None
    if status is not None and status not in RECIPIENT_STATES:
        raise web.HTTPBadRequest(text="unknown status")
    found = await context_of(request).broadcast_pages.recipients(
        texts_of(request),
        _int(request, "bid"),
        status,
        request.query.get("q", "")[:100],
        _int(request, "page"),
    )
    return _json(found)


async def recipients_csv(request: web.Request) -> web.Response:
    """The chat's export, as a download; written to audit_log like other actions."""
    context = context_of(request)
    bid = _int(request, "bid")
    if await context.services.broadcasts.get(bid) is None:
        return _json(NOT_FOUND, 404)
    found = await context.services.broadcasts.recipients_csv(bid)
    admin_id = viewer_of(request).user_id
    await context.services.records.audit(admin_id, "web_export", broadcast_id=bid)
    headers = {
        "Content-Disposition": f'attachment; filename="broadcast_{bid}.csv"',
        **NO_STORE,
        "Vary": "Accept-Encoding",
    }
    if found.gzipped and _accepts_gzip(request):  # a stored file, sent as stored
        body = found.data
        headers["Content-Encoding"] = "gzip"
    else:
        body = await found.plain()
    return web.Response(body=body, content_type="text/csv", charset="utf-8", headers=headers)


def _accepts_gzip(request: web.Request) -> bool:
    """Whether Accept-Encoding takes gzip (every browser's does): a gzip entry decides, else
    "*"; either refused with q=0."""
    qualities: dict[str, float] = {}
    for coding in request.headers.get("Accept-Encoding", "").split(","):
        name, _, params = coding.strip().partition(";")
        quality = params.strip().lower().removeprefix("q=").strip()
        qualities.setdefault(name.strip().lower(), 1.0 if quality == "" else _float(quality))
    return qualities.get("gzip", qualities.get("*", 0.0)) > 0


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


async def control(request: web.Request) -> web.Response:
    """Pause/Resume/Cancel: the control card's calls; refused with the current status."""
    context = context_of(request)
    bid = _int(request, "bid")
    action = request.match_info["action"]
    if action not in CONTROL_ACTIONS:
        return _json(NOT_FOUND, 404)
    done = await context.broadcast_pages.control(bid, action, viewer_of(request).user_id)
    shown = await context.broadcast_pages.broadcast(texts_of(request), bid)
    if shown is None:
        return _json(NOT_FOUND, 404)
    return _json({"done": done, **shown}, 200 if done else 409)


async def edit_booking(request: web.Request) -> web.Response:
    """Change one booking after the admin saw before → after: refused when it moved on."""
    context = context_of(request)
    try:
        change = change_from_json(_int(request, "booking_id"), await request.json())
    except (ValueError, TypeError, KeyError):
        return _json({"error": "invalid"}, 400)
    texts = texts_of(request)
    try:
        after = await context.bookings.apply(change, viewer_of(request).user_id, "web")
    except ValueError as refused:  # bot.school.Invalid: a value the course bot never writes
        return _json({"error": "invalid", "why": str(refused)}, 400)
    except Stale as stale:
        return _json({"error": "stale", "now": shown(texts, stale.now)}, 409)
    if after is None:
        return _json(NOT_FOUND, 404)
    return _json({"done": True, "booking": shown(texts, after)})


def register(router: web.UrlDispatcher) -> None:
    """Every API route (each one behind the authentication middleware)."""
    router.add_get("/api/me", me, name="me")
    router.add_get("/api/overview", overview, name="overview")
    router.add_get("/api/growth", growth, name="growth")
    router.add_get("/api/daily", daily, name="daily")
    router.add_get("/api/streams", streams, name="streams")
    router.add_get("/api/streams/{key}", students, name="students")
    router.add_get("/api/funnel", funnel, name="funnel")
    router.add_get("/api/retention", retention, name="retention")
    router.add_get("/api/leads", leads, name="leads")
    router.add_get("/api/people", people, name="people")
    router.add_get("/api/people/{user_id}", person, name="person")
    router.add_get("/api/broadcasts", history, name="history")
    router.add_get("/api/broadcasts/{bid}", broadcast, name="broadcast")
    router.add_get("/api/broadcasts/{bid}/recipients", recipients, name="recipients")
    router.add_get("/api/broadcasts/{bid}/csv", recipients_csv, name="recipients_csv")
    router.add_post("/api/broadcasts/{bid}/{action}", control, name="control")
    router.add_post("/api/bookings/{booking_id}", edit_booking, name="edit_booking")
