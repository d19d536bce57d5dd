"""Telegram's HTML parse mode, checked the moment an admin's text arrives.

Telegram answers a broken tag with "Bad Request: can't parse entities: …" in English and a
byte offset; this finds the same mistakes first and names the place as the admin sees it (a
line). It follows Telegram's rules (tdlib's ``parse_html``): the tags it allows, ``&`` and
``<`` that start no tag, every start tag closed by its own end tag, inner tags first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
ProblemKind = Literal[
    "unclosed", "stray_end", "mismatch", "unsupported", "broken_tag", "bare_lt", "attribute"
]
# a tag's name, then attributes: name, name=value, name="value" or name='value'
_ATTRIBUTES = re.compile(
    r"""\s*(?:[^\s=>/"']+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9.-]*))?\s*)*"""
)


@dataclass(frozen=True)
class HtmlProblem:
    """What is wrong, with which tag, on which line (from 1)."""

    kind: ProblemKind
    line: int
    tag: str = ""
    other: str = ""  # the end tag found instead, for "mismatch"


def html_problem(text: str) -> HtmlProblem | None:
    """The first thing Telegram would refuse in ``text`` as HTML; None when it parses."""
    stack: list[tuple[str, int]] = []
    i = 0
    size = len(text)
    while True:
        i = text.find("<", i)
        if i < 0:
            break
        line = text.count("\n", 0, i) + 1
        end = text.find(">", i)
        if i + 1 >= size or not (text[i + 1].isalpha() or text[i + 1] == "/"):
            return HtmlProblem("bare_lt", line)
        if end < 0:
            return HtmlProblem("broken_tag", line)
        inside = text[i + 1 : end]
        if inside.startswith("/"):
            name = inside[1:].strip().lower()
            if not stack:
                return HtmlProblem("stray_end", line, name)
            opened, _ = stack.pop()
            if name and name != opened:
                return HtmlProblem("mismatch", line, opened, name)
        else:
            match = re.match(r"[^\s>]+", inside)
            name = match.group().lower() if match else ""
            if name not in ALLOWED_TAGS:
                return HtmlProblem("unsupported", line, name)
            rest = inside[len(name) :]
            attributes = _ATTRIBUTES.fullmatch(rest)
            if attributes is None or (name == "span" and "tg-spoiler" not in rest):
                return HtmlProblem("attribute", line, name)
            stack.append((name, line))
        i = end + 1
    if stack:
        name, line = stack[-1]
        return HtmlProblem("unclosed", line, name)
    return None
