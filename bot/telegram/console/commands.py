"""The admin command list: the menu Telegram shows admins, /help, and the console buttons.

Listed in the order admins should see them; the description of ``name`` is the text
``cmd_<name>``. A test checks that this list and the commands the admin routers answer agree.
"""

from __future__ import annotations

from bot.analytics.export import EXPORT_KINDS

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

# The menu's second page ("More…"): every other command, so the menu reaches them all.
MORE_BUTTONS: list[str] = [c for c in ADMIN_COMMANDS if c not in CONSOLE_BUTTONS and c != "start"]

# Commands that take arguments: one example each, shown by /help next to the syntax (the
# syntax itself is the feature's usage line, the text ``usage_<name>``, in both languages).
EXAMPLES: dict[str, str] = {
    "growth": "/growth 90",
    "daily": "/daily 14",
    "events": "/events 20 7",
    "funnel": "/funnel 30",
    "user": "/user @anna",
    "export": "/export bookings 30",
    "digest": "/digest 08:30",
    "forget": "/forget 4214380735",
}

# Menu buttons of commands that need an argument ask for it instead of answering a usage
# line: /user and /forget for a typed one (console/handlers.py: ASKED), these offer a button
# per choice (labelled ``<name>_kind_<choice>``).
MENU_CHOICES: dict[str, tuple[str, ...]] = {"export": EXPORT_KINDS}

PUBLIC_COMMANDS: list[str] = ["start"]
