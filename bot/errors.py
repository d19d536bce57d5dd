"""Failures an operator can act on: shown as one line, never as a traceback."""

from __future__ import annotations


def is_operational(exc: BaseException) -> bool:
    """Whether ``exc`` is an expected failure with a message fit for one line."""
    from bot.db.embedded import EmbeddedServerError
    from bot.db.migrations import MigrationError
    from bot.db.pool import DatabaseUnavailable

    return isinstance(exc, DatabaseUnavailable | EmbeddedServerError | MigrationError)
