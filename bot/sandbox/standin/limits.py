"""Flood limits: 429 with retry_after above a bot's overall rate or a burst to one chat."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from .models import ApiError

WINDOW = 1.0  # seconds; both limits are sliding windows of this width
_SWEEP_EVERY = 4096  # checks between sweeps of idle per-chat windows


class RateLimiter:
    """Telegram's flood control: messages per second per bot, and bursts to one chat."""

    def __init__(
        self,
        rate_limit: float | None = 30.0,
        chat_burst: int | None = 5,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate_limit = rate_limit
        self.chat_burst = chat_burst
        self._clock = clock
        self._per_bot: dict[str, deque[float]] = {}
        self._per_chat: dict[tuple[str, int], deque[float]] = {}
        self._checks = 0

    def configure(self, rate_limit: float | None, chat_burst: int | None) -> None:
        """Change both limits; None or 0 switches a limit off."""
        self.rate_limit = rate_limit or None
        self.chat_burst = chat_burst or None

    def admit(self, token: str, chat_id: int) -> None:
        """Count one message to ``chat_id`` or raise a 429 ApiError (nothing is counted then)."""
        if self.rate_limit is None and self.chat_burst is None:
            return
        now = self._clock()
        horizon = now - WINDOW
        bot_window = chat_window = None
        if self.rate_limit is not None:
            bot_window = self._window(self._per_bot, token, horizon)
            self._refuse_if_full(bot_window, max(1, int(self.rate_limit * WINDOW)), now)
        if self.chat_burst is not None:
            chat_window = self._window(self._per_chat, (token, chat_id), horizon)
            self._refuse_if_full(chat_window, self.chat_burst, now)
        if bot_window is not None:
            bot_window.append(now)
        if chat_window is not None:
            chat_window.append(now)
        self._checks += 1
        if self._checks % _SWEEP_EVERY == 0:
            self._sweep(horizon)

    @staticmethod
    def _window(windows: dict[Any, deque[float]], key: object, horizon: float) -> deque[float]:
        window: deque[float] | None = windows.get(key)
        if window is None:
            window = windows[key] = deque()
        while window and window[0] <= horizon:
            window.popleft()
        return window

    def _refuse_if_full(self, window: deque[float], capacity: int, now: float) -> None:
        if len(window) < capacity:
            return
        retry_after = max(1, math.ceil(window[0] + WINDOW - now))
        raise ApiError(
            429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
        )

    def _sweep(self, horizon: float) -> None:
        idle = [
            key for key, window in self._per_chat.items() if not window or window[-1] <= horizon
        ]
        for key in idle:
            del self._per_chat[key]
