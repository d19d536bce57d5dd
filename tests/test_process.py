"""`hsl-bot run` and `hsl-bot sandbox` as real processes."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from tests.support import ADMIN_ID, CONSOLE_TOKEN, bot_env

HSL_BOT = [sys.executable, "-m", "bot"]


async def test_sigterm_shuts_down_cleanly_within_five_seconds(
    standin: Any, db_dsn: str, tmp_path: Path
) -> None:
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
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), timeout=10)
        elapsed = time.monotonic() - started
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = (await process.stdout.read()).decode() if process.stdout else ""
    assert code == 0, output
    assert elapsed < 5, f"took {elapsed:.1f} s"
    assert "Traceback" not in output
    assert "hsl-bot stopped" in output


async def test_run_without_admins_stops_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("ADMIN_IDS",)}
    env.update(BOT_TOKEN=CONSOLE_TOKEN, ADMIN_IDS="", DATA_DIR=str(tmp_path))
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
    env = {k: v for k, v in os.environ.items()}
    env.update(
        DATABASE_URL=db_dsn,
        DATA_DIR=str(tmp_path),
        LANGUAGE="en",
        LOG_LEVEL="WARNING",
        ADMIN_IDS="",
        BOT_TOKEN="",
        DIGEST_TIME="",
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
    text = stdout.decode()
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert "demo data" in text  # the empty database was seeded first
    assert "you> /start" in text and "bot> School admin console" in text
    assert "[1] School at a glance" in text
    assert "/cancel — Leave the current action" in text
    assert "bot> Nothing to cancel." in text
    assert "a comment line" not in text
