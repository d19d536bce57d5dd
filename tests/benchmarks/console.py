"""What an admin feels: the real `hsl-bot run` process against the stand-in over HTTP.

Run: ``.venv/bin/python tests/benchmarks/console.py [--scale small] [--runs N]``
(TEST_DATABASE_URL's server if set, else the embedded server). A scratch database
``bench_console_…`` is seeded with `hsl-bot seed`'s generator — 100k users / 1M events over
180 days, or 10k / 100k with ``--scale small`` — and dropped afterwards.

The Telegram stand-in runs in this process with its marks on (``StandIn.marks``): it records
when an update is queued for the bot (the admin's message or button press is available to
getUpdates) and when each request of the bot arrives, body read. For every console command and
button, RUNS times: the time from the update being queued to the first reply request of the bot
in the admin's chat (sendMessage, sendPhoto, sendDocument, editMessage…; answerCallbackQuery only
where the button's answer is that toast). Between runs the bot is left to finish (no request
for QUIET seconds), so runs never overlap. p50 and p95 are printed, and one target line each:
text answers p50 ≤ 25 ms, chart answers ≤ 200 ms, the CSV export of 7 days of events ≤ 2 s.

Also `hsl-bot run` start-up, from spawning the process to its first getUpdates reaching the
stand-in (median of STARTS), against ``python -c "import aiogram"`` measured in the same run
(goal: at most 1 s more), and `hsl-bot db status` (median of STARTS runs, goal ≤ 0.5 s).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import asyncpg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.db.embedded import EmbeddedPostgres  # noqa: E402
from bot.db.migrations import Migrator  # noqa: E402
from bot.sandbox.standin import Mark, SentMessage, StandIn  # noqa: E402
from bot.seed import SeedOptions, seed_school  # noqa: E402
from tests.benchmarks.targets import Targets, problems  # noqa: E402
from tests.support import ADMIN_ID, CONSOLE_TOKEN, bot_env, with_database  # noqa: E402

SCALES = {"1m": (100_000, 1_000_000), "small": (10_000, 100_000)}
DAYS = 180
RUNS = 30
STARTS = 3
QUIET = 0.05  # seconds without a request from the bot: it has finished with the update
REPLY_TIMEOUT = 60.0
GOALS_MS = {"text": 25.0, "chart": 200.0, "csv": 2000.0, "xlsx": 2000.0}
GOAL_STARTUP_EXTRA_S = 1.0
GOAL_DB_STATUS_S = 0.5
# Requests that put an answer in the admin's chat.
ANSWERS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "editmessagetext",
        "editmessagemedia",
        "editmessagecaption",
        "editmessagereplymarkup",
    }
)
EXPECTED = {
    "text": ANSWERS - {"sendphoto", "senddocument", "editmessagemedia"},
    "chart": frozenset({"sendphoto", "editmessagemedia"}),
    "csv": frozenset({"senddocument"}),
    "xlsx": frozenset({"senddocument"}),
}
HSL_BOT = [str(Path(sys.executable).with_name("hsl-bot"))]
if not Path(HSL_BOT[0]).exists():
    HSL_BOT = [sys.executable, "-m", "bot"]

Kind = Literal["text", "chart", "csv", "xlsx"]


@dataclass
class Case:
    """One command or button: how to make the update, what its answer is."""

    name: str
    kind: Kind
    act: Callable[[], Awaitable[Any]]  # queue the admin's update
    replies: frozenset[str] = ANSWERS  # requests that count as the first reply
    then: str | None = None  # a later request to wait for before the next run
    reset: Callable[[], Awaitable[Any]] | None = None  # after each run, untimed
    skip: str | None = None  # why this case cannot be measured on this data
    samples: list[float] = field(default_factory=list)
    found: list[str] = field(default_factory=list)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Console:
    """The admin's side: send, press, and time the bot's answers through the stand-in's marks."""

    def __init__(self, standin: StandIn, log: Path) -> None:
        self.standin = standin
        self.log = log
        self.log_seen = 0

    @property
    def marks(self) -> list[Mark]:
        assert self.standin.marks is not None
        return self.standin.marks

    async def send(self, text: str) -> None:
        await self.standin.send_message(ADMIN_ID, text, token=CONSOLE_TOKEN)

    async def press(self, message: SentMessage, data: str) -> None:
        await self.standin.press_button(ADMIN_ID, message.message_id, data, token=CONSOLE_TOKEN)

    async def reply_to(self, text: str) -> SentMessage:
        """Send ``text`` and return the bot's last answer once it is done (untimed)."""
        after = self.standin.cursor()
        await self.send(text)
        await self.standin.wait_for(
            lambda: any(m.seq > after for m in self.standin.transcript(ADMIN_ID)),
            timeout=REPLY_TIMEOUT,
        )
        await self.quiet()
        found = [m for m in self.standin.transcript(ADMIN_ID)[::-1] if m.seq > after]
        if not found:
            raise RuntimeError(f"no answer to {text!r}")
        return found[0]

    def current(self, message: SentMessage) -> SentMessage:
        """The message as it is now (after edits)."""
        now = self.standin.find_message(CONSOLE_TOKEN, ADMIN_ID, message.message_id)
        assert now is not None, f"message {message.message_id} is gone"
        return now

    async def quiet(self) -> None:
        """Wait until the bot has sent no request but getUpdates for QUIET seconds."""
        while True:
            await asyncio.sleep(QUIET / 2)
            last = next((m for m in reversed(self.marks) if m.what != "getupdates"), None)
            if last is None or time.perf_counter() - last.at >= QUIET:
                return

    def new_log_lines(self) -> list[str]:
        text = self.log.read_text(errors="replace")
        lines, self.log_seen = text[self.log_seen :].splitlines(), len(text)
        return [line for line in lines if "ERROR" in line or "Traceback" in line]

    async def time_case(self, case: Case, runs: int) -> None:
        if case.skip:
            return
        self.new_log_lines()
        for _ in range(runs):
            start = len(self.marks)
            await case.act()
            queued = next(m for m in self.marks[start:] if m.what == "queued")

            def first_reply(after: int = start, wanted: frozenset[str] = case.replies) -> Any:
                return next(
                    (
                        m
                        for m in itertools.islice(self.marks, after, None)
                        if m.what in wanted and m.token == CONSOLE_TOKEN
                    ),
                    None,
                )

            try:
                reply: Mark = await self.standin.wait_for(first_reply, timeout=REPLY_TIMEOUT)
                if case.then:
                    await self.standin.wait_for(
                        lambda s=start: first_reply(s, frozenset({case.then})),
                        timeout=REPLY_TIMEOUT,
                    )
            except TimeoutError:
                case.found.append(f"no answer within {REPLY_TIMEOUT:.0f} s")
                break
            case.samples.append((reply.at - queued.at) * 1000)
            if reply.what in ANSWERS and reply.what not in EXPECTED[case.kind]:
                case.found.append(f"answered with {reply.what}, not a {case.kind} answer")
            await self.quiet()
            if case.reset is not None:
                await case.reset()
                await self.quiet()
        errors = self.new_log_lines()
        if errors:
            case.found.append(f"{len(errors)} error lines in the bot's log: {errors[0][:120]}")


async def cases(console: Console, db_dsn: str) -> list[Case]:
    """Every console command and the buttons of the console and of its answers."""
    conn = await asyncpg.connect(db_dsn)
    try:
        someone = await conn.fetchrow(
            "SELECT user_id, username FROM users WHERE username IS NOT NULL"
            " ORDER BY user_id LIMIT 1"
        )
    finally:
        await conn.close()
    assert someone is not None
    user_id, username = someone["user_id"], someone["username"]

    def say(text: str) -> Callable[[], Awaitable[Any]]:
        return lambda: console.send(text)

    cancel = say("/cancel")
    menu = await console.reply_to("/start")
    growth = await console.reply_to("/growth")
    courses = await console.reply_to("/courses")
    leads = await console.reply_to("/leads")

    def press(message: SentMessage, prefix: str) -> Callable[[], Awaitable[Any]]:
        """Press the first button of ``message`` (as it is now) whose data starts so."""

        async def act() -> None:
            now = console.current(message)
            data = next(d for row in now.buttons for _, d in row if d and d.startswith(prefix))
            await console.press(now, data)

        return act

    windows = itertools.cycle(["growth:7", "growth:90", "growth:365", "growth:0"])

    async def other_window() -> None:
        await console.press(console.current(growth), next(windows))

    async def other_courses_page() -> None:
        now = console.current(courses)
        turns = [d for row in now.buttons for _, d in row if d and d.startswith("courses:")]
        await console.press(now, turns[0])

    stream = await open_stream(console, courses)

    async def other_stream_page() -> None:
        now = console.current(stream)
        turns = [d for row in now.buttons for _, d in row if d and d.startswith("streampage:")]
        await console.press(now, turns[0])

    table = [
        Case("/start", "text", say("/start")),
        Case("/help", "text", say("/help")),
        Case("/cancel", "text", say("/cancel")),
        Case("/stats", "text", say("/stats")),
        Case("/growth", "chart", say("/growth")),
        Case("/growth all", "chart", say("/growth all")),
        Case("/daily", "text", say("/daily")),
        Case("/daily 30", "chart", say("/daily 30")),
        Case("/courses", "text", say("/courses")),
        Case("/events", "chart", say("/events")),
        Case("/lessons", "text", say("/lessons")),
        Case("/funnel", "chart", say("/funnel")),
        Case("/retention", "chart", say("/retention")),
        Case("/leads", "text", say("/leads")),
        Case("/user id", "text", say(f"/user {user_id}")),
        Case("/user @name", "text", say(f"/user @{username}")),
        Case("/schema", "text", say("/schema")),
        Case("/export events 7 csv", "csv", say("/export events 7 csv")),
        Case("/export events 7 (xlsx)", "xlsx", say("/export events 7")),
        Case("/broadcast", "text", say("/broadcast"), reset=cancel),
        Case("/history", "text", say("/history")),
        Case("/scheduled", "text", say("/scheduled")),
        Case("/digest (settings)", "text", say("/digest")),
        Case("/digest now", "text", say("/digest now"), then="sendphoto"),
        Case("/forget id", "text", say(f"/forget {user_id}")),
    ]
    for command in ("stats", "daily", "courses", "leads", "history", "help"):
        table.append(Case(f"button {command}", "text", press(menu, f"menu:{command}")))
    for command in ("growth", "funnel"):
        table.append(Case(f"button {command}", "chart", press(menu, f"menu:{command}")))
    table += [
        Case("button broadcast", "text", press(menu, "menu:broadcast"), reset=cancel),
        Case(
            "button digest",
            "text",
            press(menu, "menu:digest"),
            replies=ANSWERS | {"answercallbackquery"},
        ),
        Case("button growth window", "chart", other_window),
        Case(
            "button courses page",
            "text",
            other_courses_page,
            skip=None
            if has_button(courses, "courses:")
            else "/courses has one page here: no ◀ ▶ to press",
        ),
        Case("button stream", "text", press(courses, "stream:")),
        Case("button stream page", "text", other_stream_page),
        Case("button lead's card", "text", press(leads, "usercard:")),
    ]
    return table


def has_button(message: SentMessage, prefix: str) -> bool:
    return any(d and d.startswith(prefix) for row in message.buttons for _, d in row)


async def open_stream(console: Console, courses: SentMessage) -> SentMessage:
    """A stream's people with a next page (the first stream of /courses that has one)."""
    streams = [d for row in courses.buttons for _, d in row if d and d.startswith("stream:")]
    for data in streams:
        after = console.standin.cursor()
        await console.press(console.current(courses), data)
        await console.standin.wait_for(
            lambda a=after: any(m.seq > a for m in console.standin.transcript(ADMIN_ID)),
            timeout=REPLY_TIMEOUT,
        )
        await console.quiet()
        answers = [m for m in console.standin.transcript(ADMIN_ID) if m.seq > after]
        if any(
            d and d.startswith("streampage:") for m in answers for row in m.buttons for _, d in row
        ):
            return answers[-1]
    raise RuntimeError("no stream on /courses' first page has a second page of people")


@dataclass
class Bot:
    process: asyncio.subprocess.Process
    log: Path


async def start_bot(standin: StandIn, env: dict[str, str], log: Path) -> tuple[Bot, float]:
    """Spawn `hsl-bot run`; return it and seconds until its first getUpdates arrived."""
    assert standin.marks is not None
    start = len(standin.marks)
    with log.open("ab") as sink:
        spawned = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *HSL_BOT, "run", env=env, cwd=env["DATA_DIR"], stdout=sink, stderr=sink
        )
    marks = standin.marks

    def polled() -> Mark | None:
        return next(
            (
                m
                for m in itertools.islice(marks, start, None)
                if m.what == "getupdates" and m.token == CONSOLE_TOKEN
            ),
            None,
        )

    try:
        first: Mark = await standin.wait_for(
            lambda: polled() or process.returncode is not None, timeout=120
        )
    except TimeoutError:
        process.kill()
        raise
    if process.returncode is not None:
        raise RuntimeError(f"hsl-bot run exited with {process.returncode}: see {log}")
    return Bot(process, log), first.at - spawned


async def stop_bot(bot: Bot) -> None:
    if bot.process.returncode is None:
        bot.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(bot.process.wait(), timeout=60)
        except TimeoutError:
            bot.process.kill()
            await bot.process.wait()


async def wall(*argv: str, env: dict[str, str] | None = None) -> float:
    """Seconds a command takes, spawn to exit (it must succeed)."""
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *argv, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await process.communicate()
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {stderr.decode()[-500:]}")
    return elapsed


@dataclass
class Startup:
    run_s: list[float]
    import_aiogram_s: list[float]
    db_status_s: list[float]


async def measure(server_dsn: str, scale: str, runs: int) -> tuple[Startup, list[Case]]:
    users, events = SCALES[scale]
    name = f"bench_console_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    standin = StandIn(rate_limit=None, chat_burst=None)
    bot: Bot | None = None
    try:
        db_dsn = with_database(server_dsn, name)
        conn = await asyncpg.connect(db_dsn)
        try:
            await Migrator(conn).upgrade()
            started = time.perf_counter()
            options = SeedOptions(users=users, events=events, days=DAYS, seed=1)
            summary = await seed_school(conn, options)
            print(
                f"seeded {summary.describe()} in {time.perf_counter() - started:.0f} s",
                flush=True,
            )
            await conn.execute("VACUUM ANALYZE")
        finally:
            await conn.close()

        await standin.start()
        standin.add_bot(CONSOLE_TOKEN, "hsl_console_bot")
        standin.create_user(ADMIN_ID, first_name="Admin", username=f"admin{ADMIN_ID}")
        standin.marks = []
        data_dir = Path(tempfile.mkdtemp(prefix="bench-console-"))
        env = bot_env(db_dsn, standin.url, data_dir)
        log = data_dir / "hsl-bot.log"

        print("\n== start-up ==", flush=True)
        startup = Startup([], [], [])
        for attempt in range(STARTS):
            startup.import_aiogram_s.append(await wall(sys.executable, "-c", "import aiogram"))
            startup.db_status_s.append(await wall(*HSL_BOT, "db", "status", env=env))
            bot, seconds = await start_bot(standin, env, log)
            startup.run_s.append(seconds)
            print(
                f"  import aiogram {startup.import_aiogram_s[-1]:.2f} s,"
                f" hsl-bot run → first getUpdates {seconds:.2f} s,"
                f" hsl-bot db status {startup.db_status_s[-1]:.2f} s",
                flush=True,
            )
            if attempt < STARTS - 1:
                await stop_bot(bot)

        print(f"\n== answers ({runs} runs each; ms from update queued to first reply) ==")
        console = Console(standin, log)
        await console.reply_to("/start")  # the first update after start-up warms nothing up
        table = await cases(console, db_dsn)
        print(f"  {'case':<24}{'kind':<7}{'p50':>8}{'p95':>8}{'max':>8}", flush=True)
        for case in table:
            await console.time_case(case, runs)
            if case.skip:
                print(f"  {case.name:<24}{case.kind:<7} not measured: {case.skip}", flush=True)
            elif case.samples:
                print(
                    f"  {case.name:<24}{case.kind:<7}{statistics.median(case.samples):8.1f}"
                    f"{percentile(case.samples, 0.95):8.1f}{max(case.samples):8.1f}"
                    + (f"  {'; '.join(case.found)}" if case.found else ""),
                    flush=True,
                )
            else:
                print(f"  {case.name:<24}{case.kind:<7} {'; '.join(case.found)}", flush=True)
        if bot.process.returncode is not None:
            for case in table:
                case.found.append(f"hsl-bot run exited with {bot.process.returncode}")
        return startup, table
    finally:
        if bot is not None:
            await stop_bot(bot)
        await standin.stop()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def report(targets: Targets, startup: Startup, table: list[Case]) -> None:
    for case in table:
        if case.skip:
            continue  # printed with the figures, why it was not measured
        goal = GOALS_MS[case.kind]
        if case.samples:
            p50, p95 = statistics.median(case.samples), percentile(case.samples, 0.95)
            measured, met = f"p50 {p50:.1f} ms (p95 {p95:.1f} ms)", p50 <= goal
        else:
            measured, met = "no answer", False
        targets.report(
            f"{case.kind} answer {case.name}",
            measured,
            f"p50 ≤ {goal:.0f} ms",
            met,
            problems(*case.found),
        )
    run_s = statistics.median(startup.run_s)
    aiogram_s = statistics.median(startup.import_aiogram_s)
    targets.report(
        "hsl-bot run start-up to first getUpdates",
        f"{run_s:.2f} s (import aiogram {aiogram_s:.2f} s, +{run_s - aiogram_s:.2f} s)",
        f"≤ import aiogram + {GOAL_STARTUP_EXTRA_S:.0f} s",
        run_s - aiogram_s <= GOAL_STARTUP_EXTRA_S,
    )
    status_s = statistics.median(startup.db_status_s)
    targets.report(
        "hsl-bot db status",
        f"{status_s:.2f} s",
        f"≤ {GOAL_DB_STATUS_S} s",
        status_s <= GOAL_DB_STATUS_S,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="1m")
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    server: EmbeddedPostgres | None = None
    server_dsn = os.environ.get("TEST_DATABASE_URL")
    if not server_dsn:
        server = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="hsl-bench-pg-")), port=55435)
        server_dsn = server.start().dsn("postgres")
    try:
        startup, table = asyncio.run(measure(server_dsn, args.scale, args.runs))
    finally:
        if server is not None:
            server.destroy()
    print("\n== targets ==")
    targets = Targets(echo=False)
    report(targets, startup, table)
    print("\n".join(targets.lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
