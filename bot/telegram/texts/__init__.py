"""Every string the bot writes, in Russian and English, as pure functions of data.

Each feature keeps its phrases in its own catalog module (``console``, ``analytics``, …) as
``{key: {"ru": ..., "en": ...}}``; :class:`Texts` merges them and formats with named fields.
Values that come from users must be passed through :func:`quote` before they reach a template.
"""

from __future__ import annotations

import html
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

from bot.telegram.texts import (
    analytics,
    bookings,
    broadcast,
    console,
    delivery,
    digest,
    names,
    plurals,
    privacy,
)

CATALOGS: list[dict[str, dict[str, str]]] = [
    console.CATALOG,
    analytics.CATALOG,
    broadcast.CATALOG,
    delivery.CATALOG,
    digest.CATALOG,
    privacy.CATALOG,
    bookings.CATALOG,
]


def _merged() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for catalog in CATALOGS:
        for key, variants in catalog.items():
            if key in merged:
                raise ValueError(f"text key {key!r} is defined twice")
            if set(variants) != {"ru", "en"}:
                raise ValueError(f"text key {key!r} needs both ru and en")
            merged[key] = variants
    return merged


def quote(value: object) -> str:
    """HTML-escape user-provided text for Telegram's HTML parse mode."""
    return html.escape("" if value is None else str(value), quote=False)


class Texts:
    """Phrases in one language, and dates in one timezone."""

    def __init__(self, language: str, tz: ZoneInfo) -> None:
        self.language = language
        self.tz = tz
        self._catalog = _merged()

    def __call__(self, key: str, **fields: Any) -> str:
        template = self._catalog[key][self.language]
        return template.format(**fields) if fields else template

    def has(self, key: str) -> bool:
        return key in self._catalog

    def number(self, value: float | int) -> str:
        """A number in the admin's locale ("1 234,5" in Russian, "1,234.5" in English).

        Russian groups with a no-break space, so a figure never wraps across lines on a phone.
        """
        if isinstance(value, float) and not value.is_integer():
            return format_decimal(value, format="#,##0.0", locale=self.language)
        return format_decimal(int(value), format="#,##0", locale=self.language)

    def percent(self, part: float, whole: float) -> str:
        """``part`` of ``whole`` with one decimal, as the locale writes it ("43,0 %", "43.0%")."""
        if not whole:
            return "—"
        figure = format_decimal(100 * part / whole, format="0.0", locale=self.language)
        return f"{figure}\u00a0%" if self.language == "ru" else f"{figure}%"

    def plural(self, key: str, n: float) -> str:
        """The word of :data:`plurals.NOUNS` ``key`` that goes with ``n`` ("брони" for 4)."""
        return plurals.word(key, self.language, n)

    def code_name(self, kind: names.CodeKind, code: str | None) -> str:
        """A school code as people say it: ``8th_stream`` → "8-й поток", event types as verbs."""
        return names.code_name(kind, code, self.language)

    def count(self, n: float, key: str) -> str:
        """``n`` and its noun, in the right form: "4 брони", "21 получатель", "1 recipient"."""
        return f"{self.number(n)} {self.plural(key, n)}"

    def when(self, moment: datetime | None) -> str:
        """A timestamp in the configured timezone."""
        if moment is None:
            return "—"
        return moment.astimezone(self.tz).strftime("%d.%m.%Y %H:%M")

    def day(self, value: date | None) -> str:
        return "—" if value is None else value.strftime("%d.%m.%Y")

    def signed(self, value: int) -> str:
        return f"+{value}" if value > 0 else str(value)
