"""Analytics benchmark: every command's queries at two scales, against the naive formulation.

Run: ``.venv/bin/python tests/benchmarks/analytics.py`` (TEST_DATABASE_URL's server if set, else
the embedded server). ``--scale 10m`` adds a third scale, 1M users / 10M events (its seed takes
several minutes; its naive formulations run once, for the check, and are not timed); ``--only
COMMAND`` (repeatable) measures only those commands, without chart renders or inserts unless
``--only inserts`` is given — for development, the targets then cover what was measured.
For 10k users / 100k events and 100k users / 1M events (seeded with
`hsl-bot seed`'s generator over the same number of days) it prints, per command, warm p50 and
p95 over 20 runs of the service call behind it (all its queries), and beside it the naive
formulation the old dashboard used (naive.py): the answer recomputed on every request from the
school's raw tables, never reading the users table or the analytics_* rollups.

The naive formulations run on a copy of the seeded database (CREATE DATABASE … TEMPLATE) in
which every non-unique index on the school's three tables is dropped — all of them hsl-bot's
(hsl_*, idx_events_*); the primary keys and the school's own unique constraint stay. Nothing
else is removed: the copy keeps hsl-bot's triggers, the users table and the rollup tables, but
the naive formulations read none of them and nothing writes to the copy, so they play no part.

No figure counts for a wrong answer: before a command is timed, its answer is compared with
the naive formulation's answer on the same data (the /schema report with the catalog of its
own database), and a command whose answer differs misses all its targets, with the first
difference as the reason.

Then chart render times (each checked to be a PNG), and single-row autocommit ``INSERT INTO
events`` latency on our events table — the school's table as hsl-bot leaves it, with our
triggers (users window, analytics queue) and indexes — against a bare copy of the school's
tables made from the school's own DDL (migration 0001's up part, in a schema of its own:
primary key and defaults only, no hsl-bot trigger and no hsl_* index) holding the same events,
side by side in one run: alternating repetitions, median of their medians. The rows those
inserts queued are then applied to the rollups (migration 0090) and the time it took is
printed per row: the work the insert no longer does, done in batches. Every command's time
above includes the look at the queue every answer takes first (empty there). Ends with one
line per target.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.analytics import SchoolAnalytics  # noqa: E402
from bot.analytics.queue import apply_queue  # noqa: E402
from bot.db.embedded import EmbeddedPostgres  # noqa: E402
from bot.db.migrations import Migrator, load_migrations  # noqa: E402
from bot.db.pool import create_pool  # noqa: E402
from bot.db.queries import QUERIES  # noqa: E402
from bot.seed import SeedOptions, seed_school  # noqa: E402
from tests.benchmarks.charts import render_times, report_render  # noqa: E402
from tests.benchmarks.naive import Naive, card_figures, check_schema, stats_figures  # noqa: E402
from tests.benchmarks.targets import Targets, first_difference, problems  # noqa: E402
from tests.support import with_database  # noqa: E402

SCALES = [(10_000, 100_000), (100_000, 1_000_000)]
SCALE_10M = (1_000_000, 10_000_000)  # behind --scale 10m
DAYS = 180
# The same fragment at every scale, so the 1M/100k ratio is the growth of one search: the start
# of a common name (Андрей, Александра, … transliterated), ~1 % of the seeded people.
USER_TEXT = "andr"
RUNS = 20
INSERTS = 1000
INSERT_REPS = 5
BARE = "school_bare"  # the schema of the bare copy of the school's tables
TZ = "Europe/Moscow"
GOAL_MS = 10.0
GOAL_MS_10M = 20.0
GOAL_SPEEDUP = 10.0
GOAL_GROWTH = 2.0
GOAL_INSERT = 1.3
# Commands whose naive formulation is timed too (the others' is run once, for the check).
TIMED_NAIVE = ("stats", "growth", "daily", "events", "courses", "retention")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def timed(call: Callable[[], Awaitable[Any]], runs: int = RUNS) -> tuple[float, float]:
    """Warm p50 and p95 in milliseconds."""
    await call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), percentile(samples, 0.95)


@dataclass(frozen=True)
class Command:
    """A console command: the service call behind it and what its answer must equal."""

    ours: Callable[[], Awaitable[Any]]
    naive: Callable[[], Awaitable[Any]] | None = None  # the same answer, naive.py's way
    project: Callable[[Any], Any] | None = None  # the part of our answer naive.py gives
    check: Callable[[Any], Awaitable[str | None]] | None = None  # where no formulation fits

    async def difference(self, answer: Any) -> str | None:
        """Where ``answer`` differs from the reference, or None."""
        if self.check is not None:
            return await self.check(answer)
        assert self.naive is not None
        if self.project is not None:
            answer = self.project(answer)
        return first_difference(answer, await self.naive())


def commands(
    school: SchoolAnalytics, naive: Naive, ours_pool: asyncpg.Pool, user_id: int, username: str
) -> dict[str, Command]:
    async def students() -> Any:
        streams = await school.streams()
        current = next(s for s in streams if s.current)
        return await school.students(current.key, 0)

    async def schema_check(answer: Any) -> str | None:
        return await check_schema(ours_pool, answer)

    return {
        "stats": Command(school.stats, naive.stats, project=stats_figures),
        "growth": Command(lambda: school.growth(30), lambda: naive.growth(30)),
        "growth all": Command(lambda: school.growth(None), lambda: naive.growth(None)),
        "daily": Command(lambda: school.daily(7), lambda: naive.daily(7)),
        "daily 90": Command(lambda: school.daily(90), lambda: naive.daily(90)),
        "events": Command(lambda: school.top_events(10, 30), lambda: naive.top_events(10, 30)),
        "courses": Command(school.streams, naive.streams),
        "courses students": Command(students, naive.current_students),
        "lessons": Command(school.lessons, naive.lessons),
        "funnel": Command(lambda: school.funnel(30), lambda: naive.funnel(30)),
        "retention": Command(school.retention, naive.retention),
        # the scores are a snapshot: their age (as_of) is ours alone
        "leads": Command(school.leads, naive.leads, project=lambda a: replace(a, as_of=None)),
        "user @name": Command(
            lambda: school.find_users("@" + username), lambda: naive.find_users("@" + username)
        ),
        "user text": Command(
            lambda: school.find_users(USER_TEXT), lambda: naive.find_users(USER_TEXT)
        ),
        "user card": Command(
            lambda: school.user_card(user_id),
            lambda: naive.user_card(user_id),
            project=card_figures,
        ),
        "schema": Command(school.schema, check=schema_check),
    }


async def prepare(
    server_dsn: str, users: int, events: int, created: list[str]
) -> tuple[str, str, float]:
    """A seeded database, its naive copy (the school's tables without secondary indexes) and
    the seconds the seed took.

    Each database's name goes into ``created`` as soon as it exists, for the clean-up.
    """
    admin = await asyncpg.connect(server_dsn)
    name = f"hsl_bench_{events}_{uuid.uuid4().hex[:6]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    created.append(name)
    conn = await asyncpg.connect(with_database(server_dsn, name))
    await Migrator(conn).upgrade()
    started = time.perf_counter()
    summary = await seed_school(conn, SeedOptions(users=users, events=events, days=DAYS, seed=1))
    seed_s = time.perf_counter() - started
    print(f"  seeded {summary.describe()} in {seed_s:.0f} s", flush=True)
    await conn.execute("VACUUM ANALYZE")
    await conn.close()
    naive = f"{name}_naive"
    await admin.execute(f'CREATE DATABASE "{naive}" TEMPLATE "{name}"')
    created.append(naive)
    await admin.close()
    conn = await asyncpg.connect(with_database(server_dsn, naive))
    indexes = await conn.fetch(
        "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " JOIN pg_class t ON t.oid = x.indrelid WHERE NOT x.indisprimary"
        " AND t.relname IN ('bookings', 'events', 'free_lesson_registrations')"
        " AND NOT x.indisunique"
    )
    for row in indexes:
        await conn.execute(f'DROP INDEX "{row["relname"]}"')
    print(f"  naive copy: dropped {', '.join(sorted(r['relname'] for r in indexes))}", flush=True)
    await conn.execute("VACUUM ANALYZE")
    await conn.close()
    return name, naive, seed_s


@dataclass
class Scale:
    db: str
    naive_db: str
    seed_s: float
    ours: dict[str, tuple[float, float]] = field(default_factory=dict)
    naive: dict[str, tuple[float, float]] = field(default_factory=dict)
    wrong: dict[str, str] = field(default_factory=dict)  # command → first difference
    render: dict[str, tuple[float, str | None]] = field(default_factory=dict)


async def measure_scale(
    server_dsn: str,
    users: int,
    events: int,
    created: list[str],
    only: frozenset[str] = frozenset(),
) -> Scale:
    """Check and time every command (those in ``only`` when given) at one scale."""
    print(f"\n== {users:,} users / {events:,} events ==", flush=True)
    name, naive_name, seed_s = await prepare(server_dsn, users, events, created)
    result = Scale(name, naive_name, seed_s)
    pool = await create_pool(with_database(server_dsn, name), max_size=4)
    naive_pool = await create_pool(with_database(server_dsn, naive_name), max_size=2)
    try:
        school = SchoolAnalytics(pool, ZoneInfo(TZ))
        await school.prepare()
        naive = Naive(naive_pool, ZoneInfo(TZ))
        someone = await pool.fetchrow(
            "SELECT user_id, username FROM users WHERE username IS NOT NULL"
            " ORDER BY user_id LIMIT 1"
        )
        assert someone is not None
        table = commands(school, naive, pool, someone["user_id"], someone["username"])
        if only:
            table = {command: spec for command, spec in table.items() if command in only}
        for command, spec in table.items():
            difference = await spec.difference(await spec.ours())  # checked, then timed
            if difference:
                result.wrong[command] = difference
            result.ours[command] = await timed(spec.ours)
        for command in TIMED_NAIVE:
            if command not in table or events > SCALES[-1][1]:
                continue  # not asked for, or too slow to time at 10M (checked once above)
            reference = table[command].naive
            assert reference is not None
            runs = RUNS if events <= 100_000 else 10
            result.naive[command] = await timed(reference, runs=runs)
        print(f"  {'command':<18}{'p50 ms':>9}{'p95 ms':>9}{'naive p50':>11}{'ratio':>8}  answer")
        for command, (p50, p95) in result.ours.items():
            base = result.naive.get(command)
            naive_text = f"{base[0]:>11.1f}{base[0] / p50:>7.0f}×" if base else f"{'—':>11}{'':>8}"
            verdict = f"differs: {result.wrong[command]}" if command in result.wrong else "same"
            print(f"  {command:<18}{p50:>9.2f}{p95:>9.2f}{naive_text}  {verdict}", flush=True)
        if not only:
            result.render = await render_times(school)
    finally:
        await pool.close()
        await naive_pool.close()
    return result


@dataclass
class Inserts:
    ours_ms: float
    bare_ms: float
    ours_setup: str
    problem: str | None


async def bare_copy(conn: asyncpg.Connection) -> None:
    """The school's tables exactly as its own DDL makes them, in schema BARE, with our events.

    Migration 0001's up part is the school's DDL (CREATE TABLE IF NOT EXISTS …); run with
    BARE alone on the search path it creates BARE.bookings, BARE.events and
    BARE.free_lesson_registrations and nothing else.
    """
    school_ddl = next(m for m in load_migrations() if m.version == 1).up
    await conn.execute(f"CREATE SCHEMA {BARE}")
    await conn.execute(f"SET search_path TO {BARE}")
    try:
        await conn.execute(school_ddl)
    finally:
        await conn.execute("RESET search_path")
    await conn.execute(
        f"INSERT INTO {BARE}.events (id, user_id, event_type, details, created_at)"
        " SELECT id, user_id, event_type, details, created_at FROM public.events"
    )
    await conn.execute(
        f"SELECT setval(pg_get_serial_sequence('{BARE}.events', 'id'),"
        f" (SELECT max(id) FROM {BARE}.events))"
    )
    await conn.execute(f"VACUUM ANALYZE {BARE}.events")


async def machinery(conn: asyncpg.Connection, table: str) -> tuple[list[str], list[str]]:
    """The user triggers and the indexes on ``table``."""
    triggers = await conn.fetch(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal"
        " ORDER BY 1",
        table,
    )
    indexes = await conn.fetch(
        "SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = $1::regclass"
        " ORDER BY 1",
        table,
    )
    return [r["tgname"] for r in triggers], [r["name"] for r in indexes]


async def insert_latency(dsn: str) -> Inserts:
    """p50 of single-row autocommit INSERT INTO events: ours against the bare school table."""
    conn = await asyncpg.connect(dsn)
    try:
        started = time.perf_counter()
        await bare_copy(conn)
        print(f"  bare copy of the school's tables made in {time.perf_counter() - started:.0f} s")
        ours_triggers, ours_indexes = await machinery(conn, "public.events")
        bare_triggers, bare_indexes = await machinery(conn, f"{BARE}.events")
        print(f"  ours: triggers {ours_triggers}, indexes {ours_indexes}")
        print(f"  bare: triggers {bare_triggers}, indexes {bare_indexes}")
        found = []
        if bare_triggers or len(bare_indexes) != 1:
            found.append(f"the bare copy is not bare: {bare_triggers} {bare_indexes}")
        users = [r[0] for r in await conn.fetch("SELECT DISTINCT user_id FROM events LIMIT 500")]
        types = ["start_command", "view_program", "lesson_link_clicked", "unknown_callback"]
        tables = {"ours": "public.events", "bare": f"{BARE}.events"}
        before = {
            side: await conn.fetchval(f"SELECT max(id) FROM {table}")
            for side, table in tables.items()
        }
        statements = {
            side: await conn.prepare(
                f"INSERT INTO {table} (user_id, event_type, created_at) VALUES ($1, $2, now())"
            )
            for side, table in tables.items()
        }

        async def sample(statement: asyncpg.prepared_stmt.PreparedStatement) -> float:
            samples = []
            for n in range(INSERTS):
                started = time.perf_counter()
                await statement.fetch(users[n % len(users)], types[n % len(types)])
                samples.append((time.perf_counter() - started) * 1000)
            return statistics.median(samples)

        medians: dict[str, list[float]] = {"ours": [], "bare": []}
        for side in ("ours", "bare"):  # warm both
            await sample(statements[side])
        for rep in range(INSERT_REPS):
            for side in ("ours", "bare") if rep % 2 == 0 else ("bare", "ours"):
                medians[side].append(await sample(statements[side]))
        for side, table in tables.items():
            added = await conn.fetchval(
                f"SELECT count(*) FROM {table} WHERE id > $1", before[side]
            )
            if added != INSERTS * (INSERT_REPS + 1):
                found.append(f"{added} rows in {table}, {INSERTS * (INSERT_REPS + 1)} inserted")
        if not await conn.fetchval(*QUERIES.analytics_in_sync()):
            found.append("the rollups and the queue no longer add up to the events")
        queued = await conn.fetchval(*QUERIES.analytics_queue_length())
        started = time.perf_counter()
        applied = await apply_queue(conn)
        apply_ms = (time.perf_counter() - started) * 1000
        print(
            f"  the {queued} queued rows applied to the rollups in {apply_ms:.0f} ms"
            f" ({apply_ms * 1000 / max(applied, 1):.0f} µs per row)",
            flush=True,
        )
        if applied != queued or not await conn.fetchval(*QUERIES.analytics_in_sync()):
            found.append("the rollups no longer add up to the events after applying the queue")
        ours_ms, bare_ms = statistics.median(medians["ours"]), statistics.median(medians["bare"])
        print(
            f"  INSERT INTO events p50 per repetition: ours"
            f" {', '.join(f'{m:.3f}' for m in medians['ours'])} ms;"
            f" bare {', '.join(f'{m:.3f}' for m in medians['bare'])} ms",
            flush=True,
        )
        setup = f"{len(ours_triggers)} triggers, {len(ours_indexes)} indexes"
        return Inserts(ours_ms, bare_ms, setup, problems(*found))
    finally:
        await conn.close()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        choices=["10m"],
        action="append",
        default=[],
        help="also measure 1M users / 10M events (not in the default run)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="COMMAND",
        help="measure only this command (repeatable; 'inserts' for the insert latency)",
    )
    return parser.parse_args(argv)


async def main(argv: list[str]) -> int:
    args = parse_args(argv)
    only = frozenset(args.only)
    configured = os.environ.get("TEST_DATABASE_URL")
    server: EmbeddedPostgres | None = None
    if configured:
        server_dsn = configured
    else:
        server = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="hsl-bench-pg-")), port=55433)
        server_dsn = server.start().dsn("postgres")
    created: list[str] = []
    huge: Scale | None = None
    inserts: Inserts | None = None
    commands_only = only - {"inserts"}
    try:
        small = await measure_scale(server_dsn, *SCALES[0], created, commands_only)
        big = await measure_scale(server_dsn, *SCALES[1], created, commands_only)
        if not only or "inserts" in only:
            print("\n== single-row inserts (1M-event database) ==", flush=True)
            inserts = await insert_latency(with_database(server_dsn, big.db))
        if "10m" in args.scale:
            admin = await asyncpg.connect(server_dsn)
            for name in created:  # room on disk for the biggest scale
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
            huge = await measure_scale(server_dsn, *SCALE_10M, created, commands_only)
    finally:
        admin = await asyncpg.connect(server_dsn)
        for name in created:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        if server is not None:
            server.destroy()  # scratch cluster: removed, wherever it was kept

    print("\n== targets ==")
    targets = Targets(echo=False)

    def differs(command: str, *scales: tuple[str, Scale]) -> str | None:
        """Why ``command``'s figures do not count: its answer was wrong at these scales."""
        return problems(
            *(
                f"answer differs from naive at {label}: {scale.wrong[command]}"
                for label, scale in scales
                if command in scale.wrong
            )
        )

    for command, (p50, _) in big.ours.items():
        targets.report(
            f"{command} p50 at 1M",
            f"{p50:.1f} ms",
            f"≤ {GOAL_MS:.0f} ms",
            p50 <= GOAL_MS,
            differs(command, ("1M", big)),
        )
    for command in ("stats", "growth"):
        if command not in big.naive:
            continue
        speedup = big.naive[command][0] / big.ours[command][0]
        targets.report(
            f"{command} vs naive at 1M",
            f"{speedup:.0f}×",
            f"≥ {GOAL_SPEEDUP:.0f}×",
            speedup >= GOAL_SPEEDUP,
            differs(command, ("1M", big)),
        )
    for command, (p50, _) in big.ours.items():
        ratio = p50 / small.ours[command][0]
        targets.report(
            f"{command} 1M/100k",
            f"{ratio:.2f}×",
            f"≤ {GOAL_GROWTH:.0f}×",
            ratio <= GOAL_GROWTH,
            differs(command, ("100k", small), ("1M", big)),
        )
    if huge is not None:
        for command, (p50, _) in huge.ours.items():
            targets.report(
                f"{command} p50 at 10M",
                f"{p50:.1f} ms",
                f"≤ {GOAL_MS_10M:.0f} ms",
                p50 <= GOAL_MS_10M,
                differs(command, ("10M", huge)),
            )
        targets.report("seed of 1M users / 10M events", f"{huge.seed_s:.0f} s", "reported", True)
    report_render(targets, big.render)  # every chart kind, goal in charts.py
    if inserts is not None:
        ratio = inserts.ours_ms / inserts.bare_ms
        targets.report(
            "insert latency ours/bare school table",
            f"{ratio:.2f}× ({inserts.ours_ms:.3f} vs {inserts.bare_ms:.3f} ms,"
            f" {inserts.ours_setup} vs primary key only)",
            f"≤ {GOAL_INSERT}×",
            ratio <= GOAL_INSERT,
            inserts.problem,
        )
    print("\n".join(targets.lines))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
