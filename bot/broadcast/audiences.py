"""Who a broadcast reaches: the size of an audience, and recipients an admin pasted."""

from __future__ import annotations

import asyncpg

from bot.broadcast.compose import split_recipients
from bot.broadcast.models import Audience, AudienceSize, Reach, Recipients
from bot.db.queries import QUERIES


async def audience_size(pool: asyncpg.Pool, audience: Audience, reach: Reach) -> AudienceSize:
    """Recipients after deduplication, and who the sending bot cannot reach, by reason."""
    row = await pool.fetchrow(
        *QUERIES.broadcast_audience_summary(**audience.query_args(), **reach.query_args())
    )
    assert row is not None
    left_out = row["blocked"] + row["never_started"] + row["deactivated"]
    return AudienceSize(
        recipients=row["users"] - left_out,
        blocked=row["blocked"],
        duplicates=row["source_rows"] - row["users"],
        never_started=row["never_started"],
        deactivated=row["deactivated"],
    )


async def resolve_recipients(pool: asyncpg.Pool, text: str) -> Recipients:
    """Ids and @usernames pasted by an admin: keep the known ones, list the rest."""
    pasted = split_recipients(text)
    known = {
        r["user_id"] for r in await pool.fetch(*QUERIES.broadcast_known_ids(ids=list(pasted.ids)))
    }
    by_name = {
        r["username"]: r["user_id"]
        for r in await pool.fetch(*QUERIES.broadcast_ids_by_username(names=list(pasted.usernames)))
    }
    found: list[int] = []
    unknown: list[str] = list(pasted.invalid)
    for token in pasted.tokens:
        if token in pasted.invalid:
            continue
        if token.isdigit():
            if int(token) in known:
                found.append(int(token))
            else:
                unknown.append(token)
            continue
        user_id = by_name.get(token.lstrip("@").lower())
        if user_id is None:
            unknown.append(token)
        else:
            found.append(user_id)
    return Recipients(tuple(found), tuple(unknown), len(found) - len(set(found)))
