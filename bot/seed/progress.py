"""A dependency-free progress bar for a terminal: one line on stderr, redrawn in place."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30
REDRAW_EVERY_S = 0.1


class ProgressBar:
    """``seeding events  [#####.....] 52% 520,000/1,000,000``; silent when disabled."""

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.label = ""
        self.total = 0
        self.done = 0
        self._drawn_at = 0.0
        self._drawn = ""
        self._open = False

    def start(self, label: str, total: int) -> None:
        """Begin a phase of ``total`` units."""
        self.finish()
        self.label, self.total, self.done = label, max(total, 0), 0
        self._open = True
        self._draw(force=True)

    def advance(self, units: int) -> None:
        self.done = min(self.total, self.done + units)
        self._draw(force=self.done == self.total)

    def status(self, text: str) -> None:
        """A phase without a count (e.g. rebuilding the users table)."""
        self.finish()
        if self.enabled:
            self.stream.write(f"\r{text}")
            self.stream.flush()
            self._open = True

    def finish(self) -> None:
        """End the current line."""
        if self._open and self.enabled:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()
        self._open = False
        self.label, self.total = "", 0

    def _draw(self, *, force: bool = False) -> None:
        if not self.enabled or not self.label:
            return
        moment = time.monotonic()
        if not force and moment - self._drawn_at < REDRAW_EVERY_S:
            return
        self._drawn_at = moment
        share = self.done / self.total if self.total else 1.0
        filled = int(share * WIDTH)
        line = (
            f"\r{self.label:<16}[{'#' * filled}{'.' * (WIDTH - filled)}] "
            f"{int(share * 100):3d}% {self.done:,}/{self.total:,}"
        )
        if line != self._drawn:
            self._drawn = line
            self.stream.write(line)
            self.stream.flush()
