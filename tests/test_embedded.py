"""The embedded server: initialised once, reused across restarts and crashes, stopped by the last
process that uses it, and never loosening permissions of directories it does not own."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from bot.db.embedded import ROOT_FALLBACK, SYSTEM_USER, EmbeddedPostgres
from bot.db.migrations import load_migrations

# Distinct from the session fixture's 55432. The server listens only on a socket inside its own
# data dir, so ports matter little, but distinct ones keep any clash out of the question.
PORTS = iter(range(55501, 55600))

HOLDER = """
import sys
from pathlib import Path
from bot.db.embedded import EmbeddedPostgres

server = EmbeddedPostgres(Path(sys.argv[1]), port=int(sys.argv[2]))
server.start()
print("ready", flush=True)
sys.stdin.readline()
server.stop()
print("left", flush=True)
"""


def postmasters(pgdata: Path) -> list[int]:
    """Pids of postmaster processes serving ``pgdata`` (its children rename themselves)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"/postgres") and str(pgdata).encode() in argv:
            found.append(int(entry.name))
    return found


def pid_file_pid(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def wait_until(condition: object, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return bool(condition())  # type: ignore[operator]


class Holder:
    """A separate process holding the embedded server until told to leave (or killed)."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(data_dir), str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "ready"

    def leave(self) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("leave\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == "left"
        assert self.process.wait(timeout=30) == 0

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A DATA_DIR below a directory any user may enter; every trace removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="hsl-emb-"))
    base.chmod(0o755)  # our own fresh directory, not a parent of anything else
    directory = base / "data"
    yield directory
    cleanup(directory)
    shutil.rmtree(base, ignore_errors=True)


def cleanup(directory: Path) -> None:
    """Stop any server this test left behind and remove a cluster kept outside DATA_DIR."""
    server = EmbeddedPostgres(directory)
    for pid in postmasters(server.pgdata):
        os.kill(pid, signal.SIGQUIT)  # immediate shutdown of a server this test started
        wait_until(lambda pid=pid: not Path(f"/proc/{pid}").exists())
    if server.pgdata.is_relative_to(ROOT_FALLBACK):
        shutil.rmtree(server.pgdata, ignore_errors=True)


async def select_one(dsn: str) -> int:
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        return await connection.fetchval("SELECT 1")
    finally:
        await connection.close()


async def test_first_start_initialises_a_cluster_that_accepts_connections(
    data_dir: Path,
) -> None:
    server = EmbeddedPostgres(data_dir, port=next(PORTS))
    running = server.start()
    try:
        assert (server.pgdata / "PG_VERSION").exists()
        assert await select_one(running.dsn()) == 1
        assert len(postmasters(server.pgdata)) == 1
    finally:
        server.stop()
    assert postmasters(server.pgdata) == []


async def test_restart_reuses_the_data_and_is_fast(data_dir: Path) -> None:
    port = next(PORTS)
    server = EmbeddedPostgres(data_dir, port=port)
    dsn = server.start().dsn()
    connection = await asyncpg.connect(dsn)
    await connection.execute("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('привет')")
    await connection.close()
    server.stop()
    assert postmasters(server.pgdata) == []
    initialised = (server.pgdata / "PG_VERSION").stat().st_mtime_ns

    again = EmbeddedPostgres(data_dir, port=port)
    dsn = again.start().dsn()
    try:
        connection = await asyncpg.connect(dsn)
        assert await connection.fetchval("SELECT note FROM kept") == "привет"
        await connection.close()
    finally:
        again.stop()
    assert (again.pgdata / "PG_VERSION").stat().st_mtime_ns == initialised, "initdb ran again"


async def test_server_left_by_a_killed_process_is_reused_then_stopped_by_the_last_holder(
    data_dir: Path,
) -> None:
    port = next(PORTS)
    crashed = Holder(data_dir, port)
    server = EmbeddedPostgres(data_dir, port=port)
    orphan = pid_file_pid(server.pgdata)
    assert postmasters(server.pgdata) == [orphan]
    crashed.kill()
    assert postmasters(server.pgdata) == [orphan], "the server outlives the killed process"

    dsn = server.start().dsn()
    try:
        assert postmasters(server.pgdata) == [orphan], "reused, not a second postmaster"
        assert await select_one(dsn) == 1
    finally:
        server.stop()
    assert wait_until(lambda: postmasters(server.pgdata) == [])
    assert not (server.pgdata / "postmaster.pid").exists()
    assert (data_dir / "pg.holders").read_text().split() == []


async def test_first_holder_leaving_keeps_the_server_for_the_second(data_dir: Path) -> None:
    port = next(PORTS)
    first = Holder(data_dir, port)
    second = EmbeddedPostgres(data_dir, port=port)
    dsn = second.start().dsn()
    try:
        postmaster = postmasters(second.pgdata)
        assert len(postmaster) == 1
        connection = await asyncpg.connect(dsn)
        first.leave()
        assert postmasters(second.pgdata) == postmaster
        assert await connection.fetchval("SELECT 2") == 2
        await connection.close()
        assert await select_one(dsn) == 1
    finally:
        second.stop()
    assert postmasters(second.pgdata) == []


async def test_second_process_leaving_keeps_the_server_for_the_first(data_dir: Path) -> None:
    port = next(PORTS)
    first = EmbeddedPostgres(data_dir, port=port)
    dsn = first.start().dsn()
    try:
        Holder(data_dir, port).leave()
        assert len(postmasters(first.pgdata)) == 1
        assert await select_one(dsn) == 1
    finally:
        first.stop()
    assert postmasters(first.pgdata) == []


def modes(paths: list[Path]) -> dict[Path, int]:
    return {path: path.stat().st_mode for path in paths if path.exists()}


@pytest.mark.skipif(os.geteuid() != 0, reason="the run-as-root behaviour needs root")
@pytest.mark.parametrize("parent_mode", [0o700, 0o755], ids=["closed-parent", "open-parent"])
async def test_as_root_server_runs_as_system_user_and_parent_permissions_are_untouched(
    parent_mode: int,
) -> None:
    parent = Path(tempfile.mkdtemp(prefix="hsl-emb-perm-"))
    os.chmod(parent, parent_mode)  # our own fresh directory
    directory = parent / "data"
    ancestors = [parent, *parent.parents, ROOT_FALLBACK, *ROOT_FALLBACK.parents]
    before = modes(ancestors)
    try:
        server = EmbeddedPostgres(directory, port=next(PORTS))
        dsn = server.start().dsn()
        try:
            assert await select_one(dsn) == 1
            (postmaster,) = postmasters(server.pgdata)
            assert os.stat(f"/proc/{postmaster}").st_uid == pwd.getpwnam(SYSTEM_USER).pw_uid
            after = modes(ancestors)
            assert {p: m for p, m in after.items() if p in before} == before
        finally:
            server.stop()
    finally:
        cleanup(directory)
        shutil.rmtree(parent, ignore_errors=True)


def test_db_upgrade_without_database_url_uses_embedded_server_and_leaves_none_running(
    data_dir: Path,
) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATA_DIR": str(data_dir)}
    cwd = data_dir.parent

    def hsl_bot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    pgdata = EmbeddedPostgres(data_dir).pgdata
    upgrade = hsl_bot("db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    versions = [m.version for m in load_migrations()]
    assert upgrade.stdout.count("applied") == len(versions)
    assert postmasters(pgdata) == []
    assert not (pgdata / "postmaster.pid").exists()

    status = hsl_bot("db", "status")
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert len(lines) == len(versions)
    assert all(line.startswith("applied") for line in lines)
    assert postmasters(pgdata) == []
