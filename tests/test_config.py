"""Configuration: bad values stop `hsl-bot` with one line naming the variable; good ones parse."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from datetime import time as clock
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings

# Nothing listens on port 1: a command that got past configuration fails fast with exit 1.
UNREACHABLE_DSN = "postgresql://u:secret@127.0.0.1:1/x"
SETTINGS_VARIABLES = [name.upper() for name in Settings.model_fields]


def run_cli(
    cwd: Path, *args: str, env: dict[str, str] | None = None, python_flags: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` in ``cwd`` with only ``env`` (plus PATH) in its environment."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **(env or {})}
    return subprocess.run(
        [sys.executable, *python_flags, "-m", "bot", *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=30,
    )


def assert_one_line_naming(stderr: str, variable: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert variable in lines[0]
    assert "Traceback" not in stderr


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No hsl-bot variable in the environment and no .env in the working directory."""
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ADMIN_IDS", "1,abc"),
        ("ADMIN_IDS", "12;34"),
        ("DATABASE_URL", "mysql://x"),
        ("DATABASE_URL", "not a url"),
        ("DATABASE_URL", "postgresql://u@host:port/db"),
        ("TIMEZONE", "Mars/Olympus"),
        ("DIGEST_TIME", "25:99"),
        ("DIGEST_TIME", "9am"),
        ("BROADCAST_RATE", "0"),
        ("BROADCAST_RATE", "-3"),
        ("BROADCAST_RATE", "nan"),
        ("BROADCAST_RATE", "fast"),
        ("LANGUAGE", "de"),
    ],
)
def test_bad_variable_stops_with_one_line_naming_it(
    tmp_path: Path, variable: str, value: str
) -> None:
    env = {"DATABASE_URL": UNREACHABLE_DSN, "ADMIN_IDS": "1", variable: value}
    result = run_cli(tmp_path, "db", "status", env=env)
    assert result.returncode == 2, result.stderr
    assert_one_line_naming(result.stderr, variable)
    assert result.stdout == ""


def test_unknown_timezone_stops_with_one_line(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "db", "status", env={"TIMEZONE": "Mars/Olympus"})
    assert result.returncode == 2
    assert_one_line_naming(result.stderr, "TIMEZONE")
    assert "Mars/Olympus" in result.stderr
    assert not (tmp_path / "data").exists(), "no embedded server may start on bad config"


def test_bad_value_in_dot_env_stops_with_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ADMIN_IDS=1\nTIMEZONE=Mars/Olympus\n")
    result = run_cli(tmp_path, "db", "status", env={"DATABASE_URL": UNREACHABLE_DSN})
    assert result.returncode == 2
    assert_one_line_naming(result.stderr, "TIMEZONE")


def test_no_admins_is_a_config_error_naming_admin_ids(clean_environment: Path) -> None:
    settings = load_settings()
    assert settings.admin_ids == ()
    with pytest.raises(ConfigError, match=r"^ADMIN_IDS") as caught:
        settings.require_admins()
    assert "\n" not in str(caught.value)


def test_run_without_admins_exits_2_with_one_line(tmp_path: Path) -> None:
    if importlib.util.find_spec("bot.app") is None:
        pytest.skip("bot/app.py (`hsl-bot run`) is not written yet")
    env = {"BOT_TOKEN": "123:abc", "DATABASE_URL": UNREACHABLE_DSN}
    result = run_cli(tmp_path, "run", env=env)
    assert result.returncode == 2, result.stderr
    assert_one_line_naming(result.stderr, "ADMIN_IDS")


def test_admin_ids_are_trimmed_and_deduplicated(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADMIN_IDS", "1, 2,2")
    assert load_settings().admin_ids == (1, 2)


def test_defaults_follow_the_spec(clean_environment: Path) -> None:
    settings = load_settings()
    assert settings.bot_token is None
    assert settings.admin_ids == ()
    assert settings.dsn is None
    assert settings.data_dir == Path("./data")
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.redis_url is None
    assert settings.timezone == "Europe/Moscow"
    assert settings.tz.key == "Europe/Moscow"
    assert settings.language is None  # each admin's own Telegram language
    assert settings.digest_at == clock(9, 0)
    assert settings.broadcast_rate == 25
    assert settings.webhook_url is None
    assert settings.webhook_secret is None
    assert settings.log_level == "INFO"
    assert settings.log_format == "text"
    with pytest.raises(ConfigError, match="BOT_TOKEN"):
        _ = settings.console_token


def test_broadcast_token_defaults_to_bot_token(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "1:console")
    assert load_settings().sender_token == "1:console"
    monkeypatch.setenv("BROADCAST_BOT_TOKEN", "2:course")
    settings = load_settings()
    assert (settings.console_token, settings.sender_token) == ("1:console", "2:course")


def test_empty_digest_time_disables_the_digest(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIGEST_TIME", "")
    assert load_settings().digest_at is None
    monkeypatch.setenv("DIGEST_TIME", "7:05")
    assert load_settings().digest_at == clock(7, 5)


def test_empty_data_dir_means_the_default(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_DIR", "")
    assert load_settings().data_dir == Path("./data")


def test_dot_env_in_working_directory_is_read_and_environment_wins(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_environment / ".env").write_text(
        "# like config.example.env\nADMIN_IDS=5,6\nTIMEZONE=Asia/Tokyo\nLANGUAGE=en\n"
        "DATABASE_URL=postgresql://bot:pw@db.example:6543/school\n",
        encoding="utf-8",
    )
    settings = load_settings()
    assert settings.admin_ids == (5, 6)
    assert settings.timezone == "Asia/Tokyo"
    assert settings.language == "en"
    assert settings.dsn == "postgresql://bot:pw@db.example:6543/school"
    assert "pw" not in repr(settings)

    monkeypatch.setenv("LANGUAGE", "ru")
    assert load_settings().language == "ru"


@pytest.mark.parametrize(
    "dsn",
    [UNREACHABLE_DSN, "postgresql://u@127.0.0.1:1/x?password=secret&sslmode=disable"],
)
def test_unreachable_database_fails_with_one_line_without_the_password(
    tmp_path: Path, dsn: str
) -> None:
    result = run_cli(tmp_path, "db", "status", env={"DATABASE_URL": dsn})
    assert result.returncode == 1
    assert_one_line_naming(result.stderr, "127.0.0.1")
    assert "secret" not in result.stderr + result.stdout


HEAVY = ("aiogram", "matplotlib")


@pytest.mark.parametrize(
    "args",
    [("db", "status"), ("db", "upgrade"), ("seed", "--users", "5")],
    ids=["db-status", "db-upgrade", "seed"],
)
def test_db_and_seed_commands_do_not_import_aiogram_or_matplotlib(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    if args[0] == "seed" and importlib.util.find_spec("bot.seed") is None:
        pytest.skip("bot/seed.py is not written yet")
    result = run_cli(
        tmp_path, *args, env={"DATABASE_URL": UNREACHABLE_DSN}, python_flags=("-X", "importtime")
    )
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "bot.commands" in imported
    if args[0] == "seed":
        assert "bot.seed" in imported
    assert not {name for name in imported if name.split(".")[0] in HEAVY}


def test_cli_modules_import_without_aiogram_or_matplotlib() -> None:
    modules = ["bot.cli", "bot.commands", "bot.errors", "bot.db.pool", "bot.db.migrations"]
    if importlib.util.find_spec("bot.seed") is not None:
        modules.append("bot.seed")
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert result.stdout.strip() == "[]"
