"""Admin handlers of the broadcast feature (thin: parse, call one service, render)."""

from __future__ import annotations

from aiogram import Router

from bot.broadcast import BroadcastService
from bot.telegram import broadcast_compose, broadcast_manage
from bot.telegram.broadcast_reports import CardPresenter
from bot.telegram.texts import Texts


def attach_presenter(broadcasts: BroadcastService, texts: Texts) -> None:
    """Give the delivery engine its card and report rendering (texts live on this side)."""
    broadcasts.attach(CardPresenter(texts))


def build_routers() -> list[Router]:
    """This feature's routers, each guarded by IsAdmin for messages and callbacks.

    The compose flow comes first: its state handlers must see an admin's text before any
    feature's plain handlers do (commands are left to their own routers).
    """
    return [broadcast_compose.build_router(), broadcast_manage.build_router()]
