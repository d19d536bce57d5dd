"""Named SQL queries loaded once from sql/queries/*.sql (aiosql's file format).

A file holds blocks that start with ``-- name: query_name``; the block's SQL uses ``:param``
placeholders. ``QUERIES.query_name(param=value)`` returns ``(sql, *args)`` with positional
``$n`` placeholders, ready for asyncpg: ``await conn.fetch(*QUERIES.stats(day=today))``.
Python never builds SQL text itself; values always travel as bound parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import Any

from bot.db.paths import SQL_DIR, sql_files

_NAME = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)
# Quoted strings, dollar-quoted bodies and :: casts pass through untouched.
_TOKEN = re.compile(
    r"(?P<quoted>'(?:[^']|'')*'|\$\$.*?\$\$|\"[^\"]*\")|(?P<cast>::)|(?<!:):(?P<param>[a-z_]\w*)",
    re.DOTALL | re.IGNORECASE,
)


@dataclass(frozen=True)
class Query:
    """One named query with its parameters in positional order."""

    name: str
    sql: str
    params: tuple[str, ...]

    def __call__(self, **values: Any) -> tuple[Any, ...]:
        missing = set(self.params) - values.keys()
        extra = values.keys() - set(self.params)
        if missing or extra:
            raise TypeError(
                f"query {self.name}: missing {sorted(missing)}, unexpected {sorted(extra)}"
            )
        return (self.sql, *(values[name] for name in self.params))


def _compile(name: str, text: str) -> Query:
    params: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        param = match.group("param")
        if param is None:
            return match.group(0)
        if param not in params:
            params.append(param)
        return f"${params.index(param) + 1}"

    return Query(name, _TOKEN.sub(substitute, text).strip().rstrip(";"), tuple(params))


def parse_queries(text: str) -> dict[str, Query]:
    """Split one file's text into named queries."""
    queries = {}
    matches = list(_NAME.finditer(text))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        body = "\n".join(
            line
            for line in text[match.end() : end].splitlines()
            if not line.lstrip().startswith("--")
        )
        queries[match.group(1)] = _compile(match.group(1), body)
    return queries


class Queries:
    """All named queries, as attributes."""

    def __init__(self, directory: Traversable) -> None:
        self._queries: dict[str, Query] = {}
        for path in sql_files(directory):
            for name, query in parse_queries(path.read_text(encoding="utf-8")).items():
                if name in self._queries:
                    raise ValueError(f"query {name} is defined twice ({path.name})")
                self._queries[name] = query

    def __getattr__(self, name: str) -> Query:
        try:
            return self._queries[name]
        except KeyError:
            raise AttributeError(f"no query named {name!r} in sql/queries") from None

    def __contains__(self, name: str) -> bool:
        return name in self._queries


QUERIES = Queries(SQL_DIR / "queries")
