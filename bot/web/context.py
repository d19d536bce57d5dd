"""What every route needs, kept on the sub-application under :data:`CONTEXT`."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.school import BookingDesk
from bot.telegram.core.language import Language, Languages
from bot.telegram.texts import Texts
from bot.web.broadcasts import BroadcastPages
from bot.web.data import Dashboard
from bot.web.initdata import Viewer

if TYPE_CHECKING:
    from bot.services import Services


class Context:
    """The services, who may come in, and the texts in each language."""

    def __init__(
        self,
        services: Services,
        token: str,
        admin_ids: frozenset[int],
        language: Language | None,
        tz: ZoneInfo,
    ) -> None:
        self.services = services
        self.token = token
        self.admin_ids = admin_ids
        self.dashboard = Dashboard(services.school)
        self.broadcast_pages = BroadcastPages(services.broadcasts)
        self.bookings = BookingDesk(services.school)
        self.languages = Languages(services.school.pool, language, tz)

    def texts_for(self, viewer: Viewer) -> Texts:
        """The chat's rule: LANGUAGE if set, else the viewer's Telegram language."""
        return self.languages.for_client(viewer.language_code)


CONTEXT = web.AppKey("context", Context)
VIEWER = web.RequestKey("viewer", Viewer)  # the admin a request comes from


def context_of(request: web.Request) -> Context:
    return request.app[CONTEXT]


def viewer_of(request: web.Request) -> Viewer:
    return request[VIEWER]


def texts_of(request: web.Request) -> Texts:
    return context_of(request).texts_for(viewer_of(request))
