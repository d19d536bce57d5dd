"""Admin handlers of the digest feature (thin: parse, call one service, render)."""

from __future__ import annotations

from aiogram import Router


def build_routers() -> list[Router]:
    """This feature's routers, each guarded by IsAdmin for messages and callbacks."""
    return []
