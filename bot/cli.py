"""`hsl-bot` / `python -m bot`: parse arguments, build Settings, call the app.

Heavy imports (aiogram, matplotlib) happen only inside the commands that need them, so
`hsl-bot db …` and `hsl-bot seed` start in a fraction of a second.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure_logging

EXIT_CONFIG = 2
EXIT_FAILURE = 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hsl-bot", description="Admin console bot for an online course school."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("run", help="run the bot (polling, or webhook when WEBHOOK_URL is set)")

    db = commands.add_parser("db", help="database migrations")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="apply pending migrations")
    upgrade.add_argument("--to", type=int, default=None, metavar="N", help="stop at version N")
    downgrade = db_commands.add_parser("downgrade", help="roll back to version N")
    downgrade.add_argument("--to", type=int, required=True, metavar="N")
    db_commands.add_parser("status", help="list applied and pending migrations")

    seed = commands.add_parser("seed", help="fill the database with realistic demo data")
    seed.add_argument("--users", type=_positive, default=3000, metavar="N")
    seed.add_argument("--events", type=_positive, default=60000, metavar="M")
    seed.add_argument("--days", type=_positive, default=120, metavar="D")
    seed.add_argument("--seed", type=int, default=1, metavar="S", help="random seed")
    seed.add_argument("--force", action="store_true", help="seed even if school data exists")

    sandbox = commands.add_parser(
        "sandbox", help="everything local: database, demo data, Telegram stand-in, terminal chat"
    )
    sandbox.add_argument("--script", type=Path, default=None, metavar="FILE")
    sandbox.add_argument(
        "--language",
        choices=("ru", "en"),
        default=None,
        help="your Telegram client's language in the sandbox (default: from the system's"
        " locale, LANG; a LANGUAGE setting makes the bot answer in one language anyway)",
    )
    sandbox.add_argument(
        "--verbose",
        action="store_true",
        help="show every log line in the terminal (by default they go to DATA_DIR/sandbox/)",
    )
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"hsl-bot: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings)
    command = _command(args)
    try:
        return asyncio.run(command(settings, args))
    except ConfigError as exc:
        print(f"hsl-bot: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # Expected operational failures carry a one-line message; anything else is a bug.
        from bot.errors import is_operational

        if is_operational(exc):
            print(f"hsl-bot: {exc}", file=sys.stderr)
            return EXIT_FAILURE
        logging.getLogger(__name__).exception("hsl-bot crashed")
        return EXIT_FAILURE


def _command(
    args: argparse.Namespace,
) -> Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]:
    if args.command == "db":
        from bot.commands import db_command

        return db_command
    if args.command == "seed":
        from bot.commands import seed_command

        return seed_command
    if args.command == "run":
        from bot.commands import run_command

        return run_command
    from bot.sandbox.terminal import sandbox_command

    return sandbox_command
