"""How a benchmark reports a target, shared by the benchmark scripts in this folder.

Every target ends as one line, exactly ``target <name>: <measured> (goal <goal>) met|missed``,
optionally followed by `` — <reason>``. A target is met only when its figure meets the goal
*and* the work it measures was verified as done: a caller that found a problem (not every
message delivered, a wrong answer, a dead process…) passes it as ``problem`` and the target is
missed with that reason, whatever the figure says.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal
from typing import Any


def problems(*found: str | None) -> str | None:
    """The problems found, joined with "; " (None when there are none)."""
    text = "; ".join(p for p in found if p)
    return text or None


@dataclass
class Targets:
    """The target lines of one benchmark run, printed as they are decided."""

    lines: list[str] = field(default_factory=list)
    echo: bool = True

    def report(
        self, name: str, measured: str, goal: str, met: bool, problem: str | None = None
    ) -> bool:
        """Record one target; missed when ``met`` is false or ``problem`` names one."""
        ok = met and not problem
        line = f"target {name}: {measured} (goal {goal}) {'met' if ok else 'missed'}"
        if problem:
            line += f" — {problem}"
        self.lines.append(line)
        if self.echo:
            print(line, flush=True)
        return ok


def first_difference(ours: Any, expected: Any, path: str = "") -> str | None:
    """Where two answers (dataclasses, tuples, lists, scalars) first differ, or None.

    Reported as ``path: ours ≠ expected``, e.g. ``days[3].new_users: 12 ≠ 13``; numbers
    compare by value (a Decimal 5 equals an int 5).
    """
    here = path or "answer"
    if is_dataclass(ours) and is_dataclass(expected) and not isinstance(ours, type):
        if type(ours) is not type(expected):
            return f"{here}: {type(ours).__name__} ≠ {type(expected).__name__}"
        for f in fields(ours):
            found = first_difference(
                getattr(ours, f.name), getattr(expected, f.name), f"{path}.{f.name}".lstrip(".")
            )
            if found:
                return found
        return None
    if isinstance(ours, tuple | list) and isinstance(expected, tuple | list):
        for index, (a, b) in enumerate(zip(ours, expected, strict=False)):
            found = first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        if len(ours) != len(expected):
            return f"{here}: {len(ours)} items ≠ {len(expected)}"
        return None
    if ours != expected:
        return f"{here}: {_short(ours)} ≠ {_short(expected)}"
    return None


def _short(value: Any, limit: int = 60) -> str:
    text = str(value) if isinstance(value, Decimal) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
