"""Pure helpers of composing: URL buttons, pasted recipient lists, visible length."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TAG = re.compile(r"<[^>]*>")
_URL = re.compile(r"^(https?://[^\s/$.?#][^\s]*|tg://\S+)$", re.IGNORECASE)
_USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{1,31})$")
_ID = re.compile(r"^\d{1,19}$")
BUTTON_LABEL_LIMIT = 64


@dataclass(frozen=True)
class ParsedButtons:
    buttons: tuple[tuple[str, str], ...]
    bad_lines: tuple[str, ...]


def parse_buttons(text: str) -> ParsedButtons:
    """Read ``Label | https://…`` lines, one button per line; report the lines that aren't."""
    buttons: list[tuple[str, str]] = []
    bad: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        label, sep, url = line.rpartition("|")
        label, url = label.strip(), url.strip()
        if not sep or not label or len(label) > BUTTON_LABEL_LIMIT or not _URL.match(url):
            bad.append(line)
            continue
        buttons.append((label, url))
    return ParsedButtons(tuple(buttons), tuple(bad))


@dataclass(frozen=True)
class PastedList:
    """A pasted list split into numeric ids and @usernames (lower-cased), in order."""

    ids: tuple[int, ...]
    usernames: tuple[str, ...]
    invalid: tuple[str, ...]
    tokens: tuple[str, ...]


def split_recipients(text: str) -> PastedList:
    """Split on spaces, commas, semicolons and new lines; t.me links count as usernames."""
    ids: list[int] = []
    names: list[str] = []
    invalid: list[str] = []
    tokens: list[str] = []
    for token in re.split(r"[\s,;]+", text.strip()):
        if not token:
            continue
        token = re.sub(r"^(https?://)?t\.me/", "@", token)
        tokens.append(token)
        if _ID.match(token):
            ids.append(int(token))
            continue
        match = _USERNAME.match(token)
        if match:
            names.append(match.group(1).lower())
        else:
            invalid.append(token)
    return PastedList(tuple(ids), tuple(names), tuple(invalid), tuple(tokens))
