"""The embedded server: initialised once, reused across restarts and crashes, stopped by the last
process that uses it, never loosening permissions of directories it does not own, private to
its own user (and root), and never following a symbolic link planted where its files go."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from bot.db.embedded import (
    MAX_SOCKET_DIR,
    ROOT_FALLBACK,
    SYSTEM_USER,
    EmbeddedPostgres,
    EmbeddedServerError,
)
from bot.db.migrations import load_migrations

# Distinct from the session fixture's 55432. The server listens only on a socket in a directory
# of its own, so ports matter little, but distinct ones keep any clash out of the question.
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


@pytest.fixture
def deep_data_dir(data_dir: Path) -> Iterator[Path]:
    """A DATA_DIR so deep that a socket inside its cluster would not fit a Unix socket path."""
    directory = data_dir.parent / ("deep-" + "d" * 60) / "data"
    assert len(str(directory / "pg" / "run")) > MAX_SOCKET_DIR
    yield directory
    cleanup(directory)


def cleanup(directory: Path) -> None:
    """Stop any server this test left behind and remove a cluster kept outside DATA_DIR."""
    server = EmbeddedPostgres(directory)
    socket_dir = socket_dir_of(server.pgdata)
    for pid in postmasters(server.pgdata):
        os.kill(pid, signal.SIGQUIT)  # immediate shutdown of a server this test started
        wait_until(lambda pid=pid: not Path(f"/proc/{pid}").exists())
    if socket_dir is not None and socket_dir.name.startswith("hsl-pg-"):
        shutil.rmtree(socket_dir, ignore_errors=True)
    if server.pgdata.is_relative_to(ROOT_FALLBACK) and not server.pgdata.is_symlink():
        shutil.rmtree(server.pgdata, ignore_errors=True)


def socket_dir_of(pgdata: Path) -> Path | None:
    """The socket directory a running server recorded in its postmaster.pid."""
    try:
        return Path((pgdata / "postmaster.pid").read_text().splitlines()[4])
    except (OSError, IndexError):
        return None


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


def process_groups(pid: int) -> set[int]:
    """Every group id a process holds: real, effective, saved, filesystem and supplementary."""
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return {int(gid) for gid in status["Gid"].split() + status["Groups"].split()}


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
            account = pwd.getpwnam(SYSTEM_USER)
            assert os.stat(f"/proc/{postmaster}").st_uid == account.pw_uid
            # Its own group only: not root's group 0 nor root's supplementary groups.
            assert process_groups(postmaster) == {account.pw_gid}
            after = modes(ancestors)
            assert {p: m for p, m in after.items() if p in before} == before
        finally:
            server.stop()
    finally:
        cleanup(directory)
        shutil.rmtree(parent, ignore_errors=True)


def hsl_bot(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `hsl-bot ARGS` without DATABASE_URL, on the embedded server in ``data_dir``."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=data_dir.parent,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_db_upgrade_without_database_url_uses_embedded_server_and_leaves_none_running(
    data_dir: Path,
) -> None:
    pgdata = EmbeddedPostgres(data_dir).pgdata
    upgrade = hsl_bot(data_dir, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    versions = [m.version for m in load_migrations()]
    assert upgrade.stdout.count("applied") == len(versions)
    assert postmasters(pgdata) == []
    assert not (pgdata / "postmaster.pid").exists()

    status = hsl_bot(data_dir, "db", "status")
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert len(lines) == len(versions)
    assert all(line.startswith("applied") for line in lines)
    assert postmasters(pgdata) == []


# --- private: other local users cannot connect -----------------------------------------------


def psql_select_one(
    server: EmbeddedPostgres, host: str, port: int, user: pwd.struct_passwd | None = None
) -> subprocess.CompletedProcess[str]:
    """Try `SELECT 1` with the server's own psql as ``user`` (default: this process's user)."""
    switch: dict[str, object] = {}
    if user is not None:
        switch = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    command = ["-X", "-w", "-At", "-h", host, "-p", str(port), "-U", "postgres", "-d", "postgres"]
    return subprocess.run(
        [str(server.bin_dir / "psql"), *command, "-c", "SELECT 1"],
        capture_output=True,
        text=True,
        cwd="/",
        env={"PATH": os.defpath, "LC_ALL": "C", "PGCONNECT_TIMEOUT": "10"},
        timeout=60,
        **switch,  # type: ignore[arg-type]
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="acting as another local user needs root")
@pytest.mark.parametrize("where", ["socket-in-cluster", "socket-in-temp-dir"])
def test_another_local_user_cannot_connect(
    data_dir: Path, deep_data_dir: Path, where: str
) -> None:
    directory = data_dir if where == "socket-in-cluster" else deep_data_dir
    port = next(PORTS)
    server = EmbeddedPostgres(directory, port=port)
    running = server.start()
    try:
        assert running.socket_dir.is_relative_to(server.pgdata) == (where == "socket-in-cluster")
        own = psql_select_one(server, str(running.socket_dir), running.port)
        assert (own.returncode, own.stdout.strip()) == (0, "1"), own.stderr  # the probe works

        nobody = pwd.getpwnam("nobody")
        for host in (str(running.socket_dir), "localhost"):  # the socket, and TCP if it is open
            other = psql_select_one(server, host, running.port, user=nobody)
            assert other.stdout.strip() != "1", f"nobody connected through {host}"
            # psql ran and libpq failed to connect (exit 2), not a loader or usage error.
            assert other.returncode == 2, other.stderr
            assert "connection to server" in other.stderr, other.stderr
    finally:
        server.stop()


async def test_holders_of_a_deep_data_dir_share_a_private_socket_dir_the_last_removes(
    deep_data_dir: Path,
) -> None:
    port = next(PORTS)
    first = Holder(deep_data_dir, port)
    second = EmbeddedPostgres(deep_data_dir, port=port)
    running = second.start()
    socket_dir = running.socket_dir
    try:
        assert socket_dir.parent == Path(tempfile.gettempdir())
        assert socket_dir.name.startswith("hsl-pg-")
        assert stat.S_IMODE(socket_dir.lstat().st_mode) == 0o700
        assert socket_dir.lstat().st_uid == second.pgdata.stat().st_uid  # the server's user
        assert await select_one(running.dsn()) == 1  # found through the first's server
        first.leave()
        assert await select_one(running.dsn()) == 1
    finally:
        second.stop()
    assert postmasters(second.pgdata) == []
    assert not socket_dir.exists(), "the last holder removes the socket directory"


# --- planted symbolic links are refused ------------------------------------------------------


def plant_symlink(link: Path, victim: Path, *, directory: bool) -> None:
    """Make ``victim`` (a file, or a directory with a file) and point ``link`` at it."""
    if directory:
        victim.mkdir(parents=True)
        (victim / "keep").write_text("precious\n")
    else:
        victim.parent.mkdir(parents=True, exist_ok=True)
        victim.write_text("precious\n")
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(victim)


def snapshot(victim: Path) -> tuple[int, int, int, object]:
    """Owner, group, mode and content (or listing) of ``victim``."""
    info = victim.lstat()
    content = (
        sorted((p.name, p.read_text()) for p in victim.iterdir())
        if victim.is_dir()
        else victim.read_text()
    )
    return info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode), content


@pytest.mark.parametrize("entry", ["pg", "pg.holders", "pg.lock"])
def test_symlink_planted_in_data_dir_is_refused_and_its_target_untouched(
    data_dir: Path, entry: str
) -> None:
    victim = data_dir.parent / "victims" / entry
    plant_symlink(data_dir / entry, victim, directory=entry == "pg")
    before = snapshot(victim)
    server = EmbeddedPostgres(data_dir, port=next(PORTS))
    with pytest.raises(EmbeddedServerError, match=f"{data_dir / entry} is a symbolic link"):
        server.start()
    assert snapshot(victim) == before
    assert postmasters(server.pgdata) == []


def test_symlink_planted_as_socket_directory_is_refused_and_its_target_untouched(
    data_dir: Path,
) -> None:
    server = EmbeddedPostgres(data_dir, port=next(PORTS))
    socket_dir = server.start().socket_dir
    server.stop()
    assert socket_dir == server.pgdata / "run"
    socket_dir.rmdir()
    victim = data_dir.parent / "victims" / "run"
    plant_symlink(socket_dir, victim, directory=True)
    before = snapshot(victim)
    with pytest.raises(EmbeddedServerError, match=f"{socket_dir} is a symbolic link"):
        server.start()
    assert snapshot(victim) == before
    assert postmasters(server.pgdata) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="the run-as-root behaviour needs root")
def test_as_root_symlink_planted_where_the_kept_aside_cluster_goes_is_refused() -> None:
    parent = Path(tempfile.mkdtemp(prefix="hsl-emb-closed-"))  # 0700: cluster goes aside
    server = EmbeddedPostgres(parent / "data", port=next(PORTS))
    assert server.pgdata.parent == ROOT_FALLBACK
    victim = parent / "victim"
    ROOT_FALLBACK.mkdir(parents=True, exist_ok=True)
    plant_symlink(server.pgdata, victim, directory=True)
    try:
        before = snapshot(victim)
        with pytest.raises(EmbeddedServerError, match=f"{server.pgdata} is a symbolic link"):
            server.start()
        assert snapshot(victim) == before
        assert postmasters(server.pgdata) == []
    finally:
        server.pgdata.unlink()
        cleanup(parent / "data")
        shutil.rmtree(parent, ignore_errors=True)


def test_cli_reports_a_planted_symlink_in_one_line(data_dir: Path) -> None:
    victim = data_dir.parent / "victims" / "pg.holders"
    plant_symlink(data_dir / "pg.holders", victim, directory=False)
    status = hsl_bot(data_dir, "db", "status")
    assert status.returncode == 1
    (line,) = status.stderr.strip().splitlines()
    assert line.startswith(f"hsl-bot: {data_dir / 'pg.holders'} is a symbolic link"), line
    assert victim.read_text() == "precious\n"
