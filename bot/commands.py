"""The `run`, `db` and `seed` commands; `db` and `seed` load no aiogram and no matplotlib."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.config import Settings
from bot.db.migrations import Migrator
from bot.db.pool import open_pool

logger = logging.getLogger(__name__)


async def run_command(settings: Settings, args: argparse.Namespace) -> int:
    """`hsl-bot run`: migrate, then poll (or serve the webhook) until SIGTERM/SIGINT."""
    from bot.app import build_app, check_tokens, poll
    from bot.webhook import serve_webhook

    settings.require_admins()
    _ = settings.console_token  # fail on a missing BOT_TOKEN before touching the database
    if settings.broadcast_bot_token is None:
        logger.warning(
            "BROADCAST_BOT_TOKEN is not set: broadcasts go out through the console bot, and "
            "only people who started the console bot can receive them. Set it to the token "
            "of the course bot the students use."
        )
    async with open_pool(settings.dsn, settings.data_dir) as pool:
        async with pool.acquire() as connection:
            await Migrator(connection).upgrade()
        app = build_app(settings, pool)
        try:
            await check_tokens(app)
            if settings.webhook_url:
                await serve_webhook(app)
            else:
                await poll(app, handle_signals=True)
        finally:
            await app.close()
    logger.info("hsl-bot stopped")
    return 0


async def db_command(settings: Settings, args: argparse.Namespace) -> int:
    async with open_pool(settings.dsn, settings.data_dir, max_size=2) as pool:
        async with pool.acquire() as connection:
            migrator = Migrator(connection)
            if args.db_command == "upgrade":
                applied = await migrator.upgrade(to=args.to)
                for migration in applied:
                    print(f"applied   {migration.version:04d} {migration.name}")
                if not applied:
                    print("database is up to date")
            elif args.db_command == "downgrade":
                undone = await migrator.downgrade(to=args.to)
                for migration in undone:
                    print(f"rolled back {migration.version:04d} {migration.name}")
                if not undone:
                    print(f"nothing above version {args.to} is applied")
            else:
                for state in await migrator.status():
                    when = (
                        state.applied_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
                        if state.applied_at
                        else ""
                    )
                    label = "applied" if state.applied else "pending"
                    print(f"{label:8} {state.version:04d} {state.name} {when}".rstrip())
    return 0


async def seed_command(settings: Settings, args: argparse.Namespace) -> int:
    from bot.seed import SchoolAlreadyHasData, SeedOptions, seed_school

    options = SeedOptions(users=args.users, events=args.events, days=args.days, seed=args.seed)
    async with open_pool(settings.dsn, settings.data_dir, max_size=2) as pool:
        async with pool.acquire() as connection:
            await Migrator(connection).upgrade()
            try:
                summary = await seed_school(
                    connection, options, force=args.force, progress=sys.stderr.isatty()
                )
            except SchoolAlreadyHasData as exc:
                print(f"hsl-bot: {exc}", file=sys.stderr)
                return 1
    print(summary.describe())
    return 0
