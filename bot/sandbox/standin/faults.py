"""Injected faults: what a flaky network, Telegram's proxies and its flood control do to a bot.

Two ways to switch them on, both per method name (case-insensitive): rates (``set_faults``,
each matching request rolls the dice) and planned faults (``inject_fault``: the next ``count``
matching requests get exactly this fault). Every fault served is counted in ``served`` by kind.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

FaultKind = Literal[
    "server_error",  # a 5xx with Telegram's JSON body; nothing was delivered
    "server_error_after_delivery",  # the same, but the message was delivered (or edit applied)
    "proxy_error",  # a 502/504 with an HTML body from the proxy in front of Telegram
    "proxy_error_after_delivery",  # the same, after Telegram did the work
    "lost_response",  # the work is done, then the connection is cut
    "retry_after",  # 429 with parameters.retry_after, on any method
    "download_error",  # a file download answers with an HTTP error
]
# Counted in ``served`` too, but switched on elsewhere: "latency" (set_faults) and
# "unauthorized" (a request with a revoked token).
BEFORE_KINDS = frozenset({"server_error", "proxy_error", "retry_after"})
AFTER_KINDS = frozenset(
    {"server_error_after_delivery", "proxy_error_after_delivery", "lost_response"}
)
KINDS = BEFORE_KINDS | AFTER_KINDS | {"download_error"}

# Methods that deliver a message: the default target of faults and latency.
SEND_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument", "sendvideo", "copymessage"})
ALL_METHODS = "*"  # every method but getUpdates (a poll loop would eat the faults at random)

SERVER_ERRORS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
DEFAULT_STATUS = {
    "server_error": 502,
    "server_error_after_delivery": 502,
    "proxy_error": 502,
    "proxy_error_after_delivery": 504,
    "download_error": 502,
}
DEFAULT_RETRY_AFTER = 30

Methods = str | Iterable[str] | None


def method_set(methods: Methods) -> frozenset[str] | None:
    """Normalise a methods argument: None → the send methods, "*" → every method (None)."""
    if methods is None:
        return SEND_METHODS
    if methods == ALL_METHODS:
        return None
    if isinstance(methods, str):
        methods = [methods]
    return frozenset(method.lower() for method in methods)


def applies(methods: frozenset[str] | None, method: str) -> bool:
    """Tell whether a fault for ``methods`` hits a request to ``method`` (lower case)."""
    if methods is None:
        return method != "getupdates"
    return method in methods


def proxy_page(status: int) -> str:
    """Return the HTML error page nginx answers with (what a proxy in front of Telegram sends)."""
    title = f"{status} {SERVER_ERRORS.get(status, 'Error')}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    )


@dataclass
class PlannedFault:
    """A fault for the next ``remaining`` matching requests."""

    kind: str
    remaining: int
    methods: frozenset[str] | None
    status: int = 0
    retry_after: int = DEFAULT_RETRY_AFTER
    token: str | None = None
    chat_id: int | None = None

    def matches(self, method: str, token: str, chat_id: int | None) -> bool:
        """Tell whether this fault hits a request."""
        return (
            applies(self.methods, method)
            and (self.token is None or self.token == token)
            and (self.chat_id is None or self.chat_id == chat_id)
        )


@dataclass
class Faults:
    """The faults switched on now, and how many of each kind were served."""

    error_rate: float = 0.0  # share of requests answered with a 5xx, nothing done
    error_status: int = 502
    error_after_delivery_rate: float = 0.0  # done, then answered with a 5xx
    proxy_error_rate: float = 0.0  # answered by the proxy: 502 with an HTML body, nothing done
    drop_after_delivery_rate: float = 0.0  # done, then the connection is cut
    latency: float = 0.0  # seconds before a request is processed
    methods: frozenset[str] | None = SEND_METHODS  # what the rates and the latency apply to
    rng: random.Random = field(default_factory=random.Random)
    planned: list[PlannedFault] = field(default_factory=list)
    served: Counter[str] = field(default_factory=Counter)
    delayed_now: int = 0  # requests held by latency right now
    _release: asyncio.Event | None = None

    def plan(
        self,
        kind: str,
        *,
        count: int,
        methods: Methods,
        status: int | None,
        retry_after: int,
        token: str | None,
        chat_id: int | None,
    ) -> None:
        """Make the next ``count`` matching requests get this fault."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {sorted(KINDS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        code = status if status is not None else DEFAULT_STATUS.get(kind, 0)
        if kind in ("server_error", "server_error_after_delivery") and code not in SERVER_ERRORS:
            raise ValueError(f"a server error is one of {sorted(SERVER_ERRORS)}, not {code}")
        if kind.startswith("proxy_error") and code not in (502, 504):
            raise ValueError(f"a proxy answers 502 or 504, not {code}")
        if kind == "download_error" and code < 400:
            raise ValueError(f"a failed download has an HTTP error status, not {code}")
        if kind == "retry_after" and retry_after < 1:
            raise ValueError("retry_after is at least 1 second")
        targets = None if kind == "download_error" else method_set(methods)
        self.planned.append(PlannedFault(kind, count, targets, code, retry_after, token, chat_id))

    def take(
        self, phase: Literal["before", "after"], method: str, token: str, chat_id: int | None
    ) -> PlannedFault | None:
        """Return the fault this request gets in this phase (and count it), if any."""
        kinds = BEFORE_KINDS if phase == "before" else AFTER_KINDS
        for planned in self.planned:
            if planned.kind in kinds and planned.matches(method, token, chat_id):
                return self._serve(planned)
        if not applies(self.methods, method):
            return None
        if phase == "before":
            rates = (
                ("proxy_error", self.proxy_error_rate, 502),
                ("server_error", self.error_rate, self.error_status),
            )
        else:
            rates = (
                ("lost_response", self.drop_after_delivery_rate, 0),
                ("server_error_after_delivery", self.error_after_delivery_rate, self.error_status),
            )
        for kind, rate, status in rates:
            if rate > 0 and self.rng.random() < rate:
                self.served[kind] += 1
                return PlannedFault(kind, 0, None, status)
        return None

    def take_download(self, token: str) -> PlannedFault | None:
        """Return the fault a file download of this bot gets (and count it), if any."""
        for planned in self.planned:
            if planned.kind == "download_error" and planned.token in (None, token):
                return self._serve(planned)
        return None

    def _serve(self, planned: PlannedFault) -> PlannedFault:
        planned.remaining -= 1
        if planned.remaining == 0:
            self.planned.remove(planned)
        self.served[planned.kind] += 1
        return planned

    async def delay(self, method: str, notify: Callable[[], None]) -> None:
        """Hold a request for the configured latency, if it applies to this method.

        ``release_delayed`` lets every held request go at once (the network heals).
        """
        if self.latency <= 0 or not applies(self.methods, method):
            return
        if self._release is None:
            self._release = asyncio.Event()
        release = self._release
        self.served["latency"] += 1
        self.delayed_now += 1
        notify()
        try:
            await asyncio.wait_for(release.wait(), self.latency)
        except TimeoutError:
            pass
        finally:
            self.delayed_now -= 1
            notify()

    def release_delayed(self) -> None:
        """Let every request held by latency go on now."""
        if self._release is not None:
            self._release.set()
            self._release = None
