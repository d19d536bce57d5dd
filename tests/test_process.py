"""`hsl-bot run` and `hsl-bot sandbox` as real processes."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any

import asyncpg

from bot.db.migrations import Migrator
from tests.support import ADMIN_ID, bot_env

HSL_BOT = [sys.executable, "-m", "bot"]


async def test_sigterm_shuts_down_cleanly(standin: Any, db_dsn: str, tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        *HSL_BOT,
        "run",
        env=bot_env(db_dsn, standin.url, tmp_path, LOG_LEVEL="INFO"),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await standin.send_message(ADMIN_ID, "/start")
        reply = await standin.wait_for_message(ADMIN_ID, timeout=60)
        assert "School admin console" in reply.plain_text
        process.send_signal(signal.SIGTERM)
        # a generous bound only so a hang fails instead of blocking the suite
        code = await asyncio.wait_for(process.wait(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = (await process.stdout.read()).decode() if process.stdout else ""
    assert code == 0, output
    assert "Traceback" not in output
    assert "hsl-bot stopped" in output
    # no BROADCAST_BOT_TOKEN: one clear warning that students must have started this bot
    warnings = [line for line in output.splitlines() if "BROADCAST_BOT_TOKEN is not set" in line]
    assert len(warnings) == 1 and "WARNING" in warnings[0]


async def test_run_without_admins_stops_with_one_line(tmp_path: Path) -> None:
    # no database and no Telegram are reached: the check comes first
    env = bot_env("postgresql://127.0.0.1:9/none", "http://127.0.0.1:9", tmp_path, ADMIN_IDS="")
    process = await asyncio.create_subprocess_exec(
        *HSL_BOT, "run", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await process.communicate()
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2
    assert len(lines) == 1 and "ADMIN_IDS" in lines[0]


async def test_sandbox_script_prints_the_transcript(db_dsn: str, tmp_path: Path) -> None:
    script = tmp_path / "demo.txt"
    script.write_text("# a comment line is skipped\n/start\n/help\n/cancel\n", encoding="utf-8")
    # the sandbox runs its own stand-in: TELEGRAM_API_URL is replaced by its address
    env = bot_env(db_dsn, "http://127.0.0.1:9", tmp_path, ADMIN_IDS="", BOT_TOKEN="")
    process = await asyncio.create_subprocess_exec(
        *HSL_BOT,
        "sandbox",
        "--script",
        str(script),
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=180)
    text = stdout.decode()
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert "demo data" in text  # the empty database was seeded first
    assert "you> /start" in text and "bot> School admin console" in text
    assert "[1] School at a glance" in text
    assert "/cancel — Leave the current action" in text
    assert "bot> Nothing to cancel." in text
    assert "a comment line" not in text


async def test_run_applies_pending_migrations_and_logs_json_lines(
    standin: Any, empty_db_dsn: str, tmp_path: Path
) -> None:
    """README: `hsl-bot run` applies pending migrations; LOG_FORMAT=json is one object a line."""
    env = bot_env(empty_db_dsn, standin.url, tmp_path, LOG_FORMAT="json", LOG_LEVEL="INFO")
    process = await asyncio.create_subprocess_exec(
        *HSL_BOT,
        "run",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await standin.send_message(ADMIN_ID, "/start")
        reply = await standin.wait_for_message(ADMIN_ID, timeout=60)
        assert "School admin console" in reply.plain_text
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = (await process.stdout.read()).decode() if process.stdout else ""
    assert code == 0, output
    connection = await asyncpg.connect(empty_db_dsn)
    try:
        states = await Migrator(connection).status()
    finally:
        await connection.close()
    assert states and all(state.applied_at is not None for state in states)
    lines = [line for line in output.splitlines() if line.strip()]
    assert any("hsl-bot stopped" in line for line in lines)
    for line in lines:
        entry = json.loads(line)  # every line, not just most of them
        assert {"ts", "level", "logger", "message"} <= entry.keys(), line


async def test_db_upgrade_to_a_version_then_the_rest(empty_db_dsn: str, tmp_path: Path) -> None:
    """README: `hsl-bot db upgrade [--to N]`."""
    env = bot_env(empty_db_dsn, "http://127.0.0.1:9", tmp_path)

    async def db(*args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            *HSL_BOT,
            "db",
            *args,
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode == 0, err.decode()
        return out.decode()

    connection = await asyncpg.connect(empty_db_dsn)
    try:
        versions = [state.version for state in await Migrator(connection).status()]
    finally:
        await connection.close()
    assert len(versions) >= 3
    upgraded = await db("upgrade", "--to", str(versions[1]))
    assert [line.split()[1] for line in upgraded.splitlines()] == [
        f"{v:04d}" for v in versions[:2]
    ]
    status = await db("status")
    labels = [line.split()[0] for line in status.splitlines()]
    assert labels == ["applied"] * 2 + ["pending"] * (len(versions) - 2)
    rest = await db("upgrade")
    assert [line.split()[1] for line in rest.splitlines()] == [f"{v:04d}" for v in versions[2:]]
    assert "up to date" in await db("upgrade")


async def test_sandbox_replays_lines_from_a_pipe(db_dsn: str, tmp_path: Path) -> None:
    """README: `--script` (or a pipe) replays lines and prints the transcript."""
    env = bot_env(db_dsn, "http://127.0.0.1:9", tmp_path, ADMIN_IDS="", BOT_TOKEN="")
    process = await asyncio.create_subprocess_exec(
        *HSL_BOT,
        "sandbox",
        env=env,
        cwd=tmp_path,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(b"/start\n1\n"), timeout=180)
    text = stdout.decode()
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert "you> /start" in text and "bot> School admin console" in text
    assert "you> 1" in text and "School at a glance" in text.split("you> 1", 1)[1]


async def test_a_refused_broadcast_token_stops_start_up_with_one_line(
    standin: Any, db_dsn: str, tmp_path: Path
) -> None:
    """The course bot's token is checked with getMe before anything runs (exit 2)."""
    revoked = "2000009:course-bot-token-that-was-revoked-in-botfather"
    standin.add_bot(revoked, "course_bot")
    standin.revoke_token(revoked)
    env = bot_env(db_dsn, standin.url, tmp_path, BROADCAST_BOT_TOKEN=revoked)
    process = await asyncio.create_subprocess_exec(
        *HSL_BOT, "run", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2, lines
    assert len(lines) == 1 and "BROADCAST_BOT_TOKEN" in lines[0] and "refused" in lines[0]
    assert revoked not in lines[0]


async def test_sandbox_keeps_log_lines_out_of_the_chat(db_dsn: str, tmp_path: Path) -> None:
    """The terminal is the chat: log lines go to DATA_DIR/sandbox/hsl-bot.log."""
    script = tmp_path / "s.txt"
    script.write_text("/start\n", encoding="utf-8")
    env = bot_env(
        db_dsn, "http://127.0.0.1:9", tmp_path, ADMIN_IDS="", BOT_TOKEN="", LOG_LEVEL="INFO"
    )
    process = await asyncio.create_subprocess_exec(
        *HSL_BOT,
        "sandbox",
        "--script",
        str(script),
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=180)
    shown = stdout.decode() + stderr.decode()
    assert process.returncode == 0, shown[-2000:]
    assert "bot> School admin console" in shown
    assert " INFO " not in shown, shown
    log = (tmp_path / "sandbox" / "hsl-bot.log").read_text(encoding="utf-8")
    assert "elected leader" in log and " INFO " in log
