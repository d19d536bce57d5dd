"""Helpers for running several hsl-bot instances behind a round-robin load balancer."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiohttp import web

from tests.support import bot_env

WEBHOOK_SECRET = "fleet-secret_1"


# A port is chosen here and bound later by an instance's process. Chosen below Linux's ephemeral
# range (32768 and up), no client socket takes it meanwhile; each pytest-xdist worker has a
# thousand of its own, so two workers never choose the same one.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_PORTS = iter(range(20_000 + 1_000 * _WORKER, 21_000 + 1_000 * _WORKER))


def free_port() -> int:
    for port in _PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:  # in use by something else on the machine
                continue
            return port
    raise RuntimeError("this worker's thousand ports are used up")


@dataclass
class LoadBalancer:
    """Forwards each webhook POST to the next live backend, like nginx's upstream."""

    backends: list[str]
    port: int = field(default_factory=free_port)
    forwarded: dict[str, int] = field(default_factory=dict)
    handled_by: list[tuple[str, bytes]] = field(default_factory=list)  # (backend, update body)
    pinned: str | None = None  # when set, every update goes to this backend
    _runner: web.AppRunner | None = None
    _session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        turn = itertools.cycle(range(len(self.backends)))
        app = web.Application()

        async def forward(request: web.Request) -> web.Response:
            body = await request.read()
            headers = {
                k: v
                for k, v in request.headers.items()
                if k.lower() in ("content-type", "x-telegram-bot-api-secret-token")
            }
            last_error: Exception | None = None
            for _ in range(len(self.backends)):
                backend = self.pinned or self.backends[next(turn)]
                try:
                    assert self._session is not None
                    async with self._session.post(backend, data=body, headers=headers) as reply:
                        payload = await reply.read()
                        self.forwarded[backend] = self.forwarded.get(backend, 0) + 1
                        self.handled_by.append((backend, body))
                        return web.Response(
                            body=payload,
                            status=reply.status,
                            content_type=reply.content_type,
                        )
                except aiohttp.ClientConnectionError as exc:  # a dead backend: try the next
                    last_error = exc
            return web.Response(status=502, text=f"no backend: {last_error}")

        app.router.add_post("/webhook", forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()


def instance_env(
    db_dsn: str, standin: Any, data_dir: Path, lb: LoadBalancer, port: int, **extra: str
) -> dict[str, str]:
    webhook = {
        "WEBHOOK_URL": lb.url,
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "WEBHOOK_LISTEN": f"127.0.0.1:{port}",
        "LOG_FORMAT": "json",
    }
    return bot_env(db_dsn, standin.url, data_dir, **{**webhook, **extra})


@dataclass
class Instance:
    """One `hsl-bot run` process in webhook mode."""

    port: int
    process: asyncio.subprocess.Process
    log_path: Path | None = None

    def log(self) -> str:
        """What the instance has logged so far (JSON lines, LOG_FORMAT=json)."""
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    async def health(self, session: aiohttp.ClientSession) -> dict[str, Any] | None:
        try:
            async with session.get(f"http://127.0.0.1:{self.port}/healthz") as reply:
                data: dict[str, Any] = await reply.json()
                data["http_status"] = reply.status
                return data
        except (TimeoutError, aiohttp.ClientError):
            return None

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)

    async def terminate(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def start_instance(env: dict[str, str], port: int, cwd: Path) -> Instance:
    log_path = cwd / f"instance-{port}.log"
    log = log_path.open("ab")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=cwd,
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
    )
    return Instance(port, process, log_path)


async def wait_healthy(instance: Instance, timeout: float = 60) -> dict[str, Any]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            health = await instance.health(session)
            if health is not None and health["http_status"] == 200:
                return health
            await asyncio.sleep(0.2)
    raise TimeoutError(f"instance on port {instance.port} never became healthy")


@dataclass
class TcpProxy:
    """Forwards TCP to ``upstream`` (host and port, or a Unix socket's path); ``cut()`` drops
    every byte both ways until ``restore()``."""

    upstream: tuple[str, int] | str
    port: int = 0
    cut_off: bool = False
    _server: asyncio.Server | None = None
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if isinstance(self.upstream, str):
            up_reader, up_writer = await asyncio.open_unix_connection(self.upstream)
        else:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        self._writers += [writer, up_writer]
        await asyncio.gather(
            self._pump(reader, up_writer), self._pump(up_reader, writer), return_exceptions=True
        )

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                if not self.cut_off:  # cut off: the bytes vanish, nobody is told
                    writer.write(data)
                    await writer.drain()
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    def cut(self) -> None:
        self.cut_off = True

    def restore(self) -> None:
        self.cut_off = False

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in self._writers:
            with contextlib.suppress(Exception):
                writer.close()


def through(dsn: str, proxy: TcpProxy) -> str:
    """The DSN, reaching the server through ``proxy`` on 127.0.0.1 (TCP)."""
    parts = urlsplit(dsn)
    auth = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=f"{auth}127.0.0.1:{proxy.port}", query=""))


def upstream_of(dsn: str) -> tuple[str, int] | str:
    """Where a DSN's server listens: host and port, or the Unix socket (the embedded one)."""
    parts = urlsplit(dsn)
    query = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)
    if "host" in query and query["host"].startswith("/"):
        return f"{query['host']}/.s.PGSQL.{query.get('port', '5432')}"
    return (parts.hostname or "127.0.0.1", parts.port or 5432)
