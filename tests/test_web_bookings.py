"""The booking desk on the page: move, set status, referral code and discount — before → after,
one transaction writing the booking, the course bot's events and audit_log; a stale card and a
stranger are refused; /stats, /courses and /funnel follow."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from bot.school import State
from tests.support import ADMIN_ID
from tests.test_web import (  # noqa: F401  (the fixtures, by their functions' names)
    STRANGER_ID,
    Web,
    init_data,
    services_fixture,
    webapp_fixture,
)


async def a_booking(pool: asyncpg.Pool, status: int) -> asyncpg.Record:
    row = await pool.fetchrow(
        "SELECT id, user_id, course_id, course_stream, confirmed, referral_code, "
        "coalesce(discount_percent, 0) AS discount_percent FROM bookings "
        "WHERE confirmed = $1 ORDER BY id LIMIT 1",
        status,
    )
    assert row is not None
    return row


def state_of(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "course_stream": row["course_stream"],
        "confirmed": row["confirmed"],
        "referral_code": row["referral_code"],
        "discount_percent": row["discount_percent"],
    }


async def edit(webapp: Web, row: asyncpg.Record, raw: str | None = None, **wanted: Any) -> Any:
    body = {"expected": state_of(row), "set": wanted}
    kwargs = {"raw": raw} if raw is not None else {}
    return await webapp.post(f"/api/bookings/{row['id']}", json=body, **kwargs)


async def current(pool: asyncpg.Pool, booking_id: int) -> asyncpg.Record:
    row = await pool.fetchrow(
        "SELECT id, user_id, course_id, course_stream, confirmed, referral_code, "
        "coalesce(discount_percent, 0) AS discount_percent FROM bookings WHERE id = $1",
        booking_id,
    )
    assert row is not None
    return row


async def test_confirming_a_booking_writes_the_course_bots_events_and_moves_the_figures(
    webapp: Web,
) -> None:
    school = webapp.services.school
    row = await a_booking(webapp.pool, 1)
    stats_before = await school.stats()
    funnel_before = dict((await school.funnel(365)).steps)
    events_before = await webapp.pool.fetchval("SELECT max(id) FROM events")

    response = await edit(webapp, row, confirmed=2)
    assert response.status == 200, await response.text()
    assert (await response.json())["booking"]["state"]["confirmed"] == 2

    assert (await current(webapp.pool, row["id"]))["confirmed"] == 2
    written = await webapp.pool.fetch(
        "SELECT user_id, event_type, details FROM events WHERE id > $1 ORDER BY id",
        events_before,
    )
    assert [(e["user_id"], e["event_type"]) for e in written] == [
        (row["user_id"], "booking_status_changed"),
        (row["user_id"], "payment_approved"),
    ]
    assert written[0]["details"]["from"] == 1 and written[0]["details"]["to"] == 2
    assert written[1]["details"]["approved_by"] == ADMIN_ID
    audit = await webapp.pool.fetchrow(
        "SELECT admin_id, details FROM audit_log WHERE action = 'booking_edit'"
    )
    assert audit["admin_id"] == ADMIN_ID
    assert audit["details"]["before"]["confirmed"] == 1
    assert audit["details"]["after"]["confirmed"] == 2

    stats_after = await school.stats()
    assert stats_after.confirmed.total == stats_before.confirmed.total + 1
    assert stats_after.active_bookings.total == stats_before.active_bookings.total
    assert dict(stats_after.statuses)[1].total == dict(stats_before.statuses)[1].total - 1
    funnel_after = dict((await school.funnel(365)).steps)
    assert funnel_after["confirmed"] >= funnel_before["confirmed"]
    # the page shows what the chat shows
    shown = await webapp.json("/api/overview")
    assert shown["stats"]["confirmed"]["total"] == stats_after.confirmed.total


async def test_cancelling_moves_the_booking_out_of_the_active_count(webapp: Web) -> None:
    school = webapp.services.school
    row = await a_booking(webapp.pool, 0)
    before = await school.stats()
    streams_before = {(s.course_id, s.stream): s for s in await school.streams()}
    response = await edit(webapp, row, confirmed=-1)
    assert response.status == 200
    after = await school.stats()
    assert after.active_bookings.total == before.active_bookings.total - 1
    stream = {(s.course_id, s.stream): s for s in await school.streams()}[
        (row["course_id"], row["course_stream"])
    ]
    was = streams_before[(row["course_id"], row["course_stream"])]
    assert stream.count(-1) == was.count(-1) + 1 and stream.count(0) == was.count(0) - 1


async def test_moving_to_another_stream_of_the_course(webapp: Web) -> None:
    row = await a_booking(webapp.pool, 0)
    others = [
        s.stream
        for s in await webapp.services.school.streams()
        if s.course_id == row["course_id"] and s.stream != row["course_stream"]
    ]
    response = await edit(webapp, row, course_stream=others[0])
    assert response.status == 200, await response.text()
    assert (await current(webapp.pool, row["id"]))["course_stream"] == others[0]
    # no stream of the course: refused, nothing written
    refused = await edit(webapp, await current(webapp.pool, row["id"]), course_stream="99th_x")
    assert refused.status == 400
    assert (await current(webapp.pool, row["id"]))["course_stream"] == others[0]


async def test_referral_code_and_discount(webapp: Web) -> None:
    row = await a_booking(webapp.pool, 0)
    response = await edit(webapp, row, referral_code="FRIEND10", discount_percent=10)
    assert response.status == 200
    now = await current(webapp.pool, row["id"])
    assert now["referral_code"] == "FRIEND10" and now["discount_percent"] == 10
    for bad in (101, -1):
        refused = await edit(webapp, now, discount_percent=bad)
        assert refused.status == 400
    assert (await current(webapp.pool, row["id"]))["discount_percent"] == 10


async def test_a_stale_card_is_refused_with_the_current_values(webapp: Web) -> None:
    row = await a_booking(webapp.pool, 0)
    await webapp.pool.execute("UPDATE bookings SET confirmed = 1 WHERE id = $1", row["id"])
    response = await edit(webapp, row, confirmed=2)
    assert response.status == 409
    answer = await response.json()
    assert answer["error"] == "stale" and answer["now"]["state"]["confirmed"] == 1
    assert (await current(webapp.pool, row["id"]))["confirmed"] == 1


async def test_two_admins_pressing_at_once_change_it_once(webapp: Web) -> None:
    row = await a_booking(webapp.pool, 1)
    first, second = await asyncio.gather(
        edit(webapp, row, confirmed=2), edit(webapp, row, confirmed=-1)
    )
    assert sorted([first.status, second.status]) == [200, 409]
    approvals = await webapp.pool.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'booking_edit'"
    )
    assert approvals == 1


async def test_a_strangers_forged_press_changes_nothing(webapp: Web) -> None:
    row = await a_booking(webapp.pool, 1)
    response = await edit(webapp, row, init_data(STRANGER_ID), confirmed=2)
    assert response.status == 403
    assert (await current(webapp.pool, row["id"]))["confirmed"] == 1
    assert "id" not in await response.text()


async def test_the_persons_card_offers_the_bookings_for_editing(webapp: Web) -> None:
    row = await a_booking(webapp.pool, 0)
    card = await webapp.json(f"/api/people/{row['user_id']}")
    shown = [b for b in card["manage"]["bookings"] if b["id"] == row["id"]]
    assert shown and State(**shown[0]["state"]) == State(**state_of(row))
    assert [s["value"] for s in card["manage"]["statuses"]] == [0, 1, 2, -1]
    assert row["course_stream"] in [
        s["stream"] for s in card["manage"]["streams"][str(row["course_id"])]
    ]
