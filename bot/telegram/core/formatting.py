"""Fitting text into what Telegram and a phone screen allow (pure functions)."""

from __future__ import annotations

import html
import re

from bot.limits import MAX_TEXT_CHARS
from bot.telegram.texts import quote

BUTTON_LABEL_CHARS = 60  # longer labels are cut: a phone shows about this much
QUOTE_CHARS = 100  # an admin's own input quoted back in a reply: one line, at most this long
# Only the tags Telegram's HTML knows: text written elsewhere (the school's old dashboard wrote
# message_history too) may hold "<до встречи>", which is words, not a tag.
_TAG = re.compile(
    r"</?(?:b|strong|i|em|u|ins|s|strike|del|span|tg-spoiler|a|tg-emoji|code|pre|blockquote)"
    r"(?:\s[^>]*)?>",
    re.IGNORECASE,
)


def plain(html_text: str) -> str:
    """What a reader sees of HTML text: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", html_text))


def shown_length(html_text: str) -> int:
    """The length Telegram limits (4096 for a text, 1024 for a caption): of the text after
    entity parsing, in Unicode code points (tdlib's utf8_length), not UTF-16 units."""
    return len(plain(html_text))


def excerpt(text: str, length: int) -> str:
    """A one-line, HTML-quoted excerpt of ``text``, at most ``length`` characters."""
    flat = " ".join(text.split())
    return quote(flat if len(flat) <= length else flat[: length - 1] + "…")


def quoted_input(text: str) -> str:
    """What an admin typed, quoted back in a reply: one line, HTML-quoted, cut with "…" so
    that no input can push a reply past Telegram's limit."""
    return excerpt(text, QUOTE_CHARS)


def button_label(text: str) -> str:
    """Plain text for an inline button (no HTML there), cut to fit a phone."""
    return " ".join(text.split())[:BUTTON_LABEL_CHARS]


def fit(lines: list[str], limit: int = MAX_TEXT_CHARS) -> list[str]:
    """Split lines into messages of at most ``limit`` characters (never inside a line).

    Counting the HTML source is safe: tags and entities only ever shrink when Telegram parses.
    """
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = line if len(line) <= limit else line[: limit - 1] + "…"
        if current and size + len(line) + 1 > limit:
            chunks.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        chunks.append("\n".join(current))
    return chunks
