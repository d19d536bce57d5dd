"""Admin handlers of the analytics feature (thin: parse, call one service, render).

Split by responsibility: ``analytics_overview`` (/stats, /growth, /daily, /events),
``analytics_school`` (/courses, /lessons, /funnel, /retention, /leads) and
``analytics_people`` (/user, /schema, /export). Texts live in ``analytics_views``.
"""

from __future__ import annotations

from aiogram import Router

from bot.telegram import analytics_overview, analytics_people, analytics_school


def build_routers() -> list[Router]:
    """This feature's routers, each guarded by IsAdmin for messages and callbacks."""
    return [
        analytics_overview.build_router(),
        analytics_school.build_router(),
        analytics_people.build_router(),
    ]
