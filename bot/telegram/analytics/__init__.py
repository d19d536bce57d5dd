"""The analytics console: figures, charts, people and exports.

Handlers per area (``handlers.overview``: /stats /growth /daily /events; ``handlers.school``:
/courses /lessons /funnel /retention /leads; ``handlers.people``: /user /schema;
``handlers.export``: /export), texts in ``views`` (a spreadsheet's words in ``sheets``),
keyboards in ``keyboards``, callback data in ``callbacks``.
"""

from __future__ import annotations

from aiogram import Router

from bot.telegram.analytics.handlers import export, overview, people, school


def build_routers() -> list[Router]:
    """This feature's routers, each guarded for admins (``core.filters.admin_router``)."""
    return [
        overview.build_router(),
        school.build_router(),
        export.build_router(),
        people.build_router(),
    ]
