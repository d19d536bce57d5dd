"""Bot tokens never leave the process: not in a log line, an error text or an audit row.

A token is the bot's password, and it travels inside Bot API and file URLs, which end up in
exception texts (aiohttp puts the URL in its errors). Everything written out passes here.
"""

from __future__ import annotations

import re

# "<bot id>:<secret>"; ids are 5+ digits, secrets 30+ URL-safe characters (35 in practice).
TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
MASK = "<bot token>"


def redact(text: str) -> str:
    """``text`` with anything shaped like a bot token replaced."""
    return TOKEN.sub(MASK, text)
