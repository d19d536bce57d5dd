"""The admin command list: the menu Telegram shows admins, /help, and the console buttons.

Listed in the order admins should see them; the description of ``name`` is the text
``cmd_<name>``. A test checks that this list and the commands the admin routers answer agree.
"""

from __future__ import annotations

ADMIN_COMMANDS: list[str] = [
    "start",
    "stats",
    "growth",
    "daily",
    "courses",
    "events",
    "lessons",
    "funnel",
    "retention",
    "leads",
    "user",
    "schema",
    "export",
    "broadcast",
    "history",
    "scheduled",
    "digest",
    "forget",
    "help",
    "cancel",
]

# Commands one tap away on the console keyboard (/start), two per row on a phone.
CONSOLE_BUTTONS: list[str] = [
    "stats",
    "growth",
    "daily",
    "courses",
    "funnel",
    "leads",
    "broadcast",
    "history",
    "digest",
    "help",
]

PUBLIC_COMMANDS: list[str] = ["start"]
