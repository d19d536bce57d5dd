"""Helpers for running several hsl-bot instances behind a round-robin load balancer."""

from __future__ import annotations

import asyncio
import itertools
import signal
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from tests.support import bot_env

WEBHOOK_SECRET = "fleet-secret_1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LoadBalancer:
    """Forwards each webhook POST to the next live backend, like nginx's upstream."""

    backends: list[str]
    port: int = field(default_factory=free_port)
    forwarded: dict[str, int] = field(default_factory=dict)
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
                backend = self.backends[next(turn)]
                try:
                    assert self._session is not None
                    async with self._session.post(backend, data=body, headers=headers) as reply:
                        payload = await reply.read()
                        self.forwarded[backend] = self.forwarded.get(backend, 0) + 1
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
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return Instance(port, process)


async def wait_healthy(instance: Instance, timeout: float = 60) -> dict[str, Any]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            health = await instance.health(session)
            if health is not None and health["http_status"] == 200:
                return health
            await asyncio.sleep(0.2)
    raise TimeoutError(f"instance on port {instance.port} never became healthy")
