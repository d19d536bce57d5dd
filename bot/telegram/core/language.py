"""Which language the bot speaks to each person, and the middleware that picks it per update.

With LANGUAGE set, everyone reads that language. Unset, each person reads their Telegram
client's language (``ru``/``uk``/``be`` → Russian, anything else → English). Admins' client
languages are remembered in the database (``admin_languages``), so what the bot sends on its
own — the daily digest, the command menu — reaches each admin in the language they use; an
admin the bot has never heard from gets Russian, the school's language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal
from zoneinfo import ZoneInfo

import asyncpg
from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from bot.db.queries import QUERIES
from bot.telegram.texts import Texts

Language = Literal["ru", "en"]
LANGUAGES: tuple[Language, ...] = ("ru", "en")
# Telegram clients whose people read Russian more easily than English.
RUSSIAN_READING = frozenset({"ru", "uk", "be"})
# What an admin who never wrote to the bot reads (the school teaches in Russian).
UNKNOWN_ADMIN: Language = "ru"
# Telegram language codes the command menu is set for, besides the default (no code).
MENU_LANGUAGE_CODES: tuple[str, ...] = ("", *sorted(RUSSIAN_READING))


def client_language(language_code: str | None) -> Language:
    """The language for a Telegram client's IETF tag ("ru", "uk", "pt-br", or none)."""
    base = (language_code or "").split("-")[0].strip().lower()
    return "ru" if base in RUSSIAN_READING else "en"


class Languages:
    """Each person's :class:`Texts`, and the admins' remembered client languages."""

    def __init__(self, pool: asyncpg.Pool, forced: Language | None, tz: ZoneInfo) -> None:
        self.pool = pool
        self.forced = forced
        self._texts = {language: Texts(language, tz) for language in LANGUAGES}

    def texts(self, language: Language) -> Texts:
        return self._texts[self.forced or language]

    @property
    def default(self) -> Texts:
        """For a reader the bot knows nothing about."""
        return self.texts(UNKNOWN_ADMIN)

    def for_client(self, language_code: str | None) -> Texts:
        """What a person whose client reports ``language_code`` reads."""
        return self.texts(client_language(language_code))

    async def remember(self, admin_id: int, language_code: str | None) -> None:
        """Keep the client language an admin wrote with (a write only when it changed)."""
        await self.pool.execute(
            *QUERIES.remember_admin_language(admin_id=admin_id, language_code=language_code)
        )

    async def for_admin(self, admin_id: int) -> Texts:
        """What an admin reads in messages the bot sends unasked (the digest)."""
        if self.forced:
            return self.texts(self.forced)
        row = await self.pool.fetchrow(*QUERIES.admin_language(admin_id=admin_id))
        return self.default if row is None else self.for_client(row["language_code"])


class Localize(BaseMiddleware):
    """Put the ``texts`` of the update's sender into the handler data (and remember admins').

    An outer middleware on updates, so filters, handlers and the error handler all see the
    same language; updates with no sender keep the dispatcher's default ``texts``.
    """

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is not None and not user.is_bot:
            languages: Languages = data["languages"]
            data["texts"] = languages.for_client(user.language_code)
            if user.id in data["admin_ids"]:
                await languages.remember(user.id, user.language_code)
        return await handler(event, data)
