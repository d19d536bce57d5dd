"""Installed from a wheel, hsl-bot works anywhere: the SQL travels inside the package.

The wheel is built from a copy of the sources, installed into a fresh venv outside the checkout
and run from a folder of its own, as `pip install hsl-bot-….whl` or pipx would leave it. The
venv borrows the already installed dependencies through a .pth file (no network, a few
seconds); `bot` itself comes only from the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import bot_env

ROOT = Path(__file__).resolve().parents[1]
# What the build reads: pyproject.toml names the readme, the packages and the sql/ mapping.
SOURCES = ("pyproject.toml", "README.md", "bot", "sql")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """A wheel of this checkout, installed alone into a fresh venv in a temporary folder."""
    base = tmp_path_factory.mktemp("install")
    # Building in a copy keeps build/ and *.egg-info out of the checkout.
    source = base / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            skip = shutil.ignore_patterns("__pycache__")
            shutil.copytree(ROOT / name, source / name, ignore=skip)
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = base / "dist"
    pip = [sys.executable, "-m", "pip"]
    run([*pip, "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist), str(source)])
    (wheel,) = dist.glob("hsl_bot-*.whl")

    venv = base / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    run([*pip, "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)])
    # The dependencies, borrowed: a .pth line only extends sys.path, so the editable finder
    # of this checkout in the test venv stays out.
    site = Path(
        run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).stdout.strip()
    )
    borrowed = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site / "zz_test_dependencies.pth").write_text("\n".join(borrowed) + "\n", encoding="utf-8")
    return Installed(wheel, venv)


def run(
    command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"[-3000:]
    return result


def test_the_wheel_ships_every_module_and_sql_file(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        shipped = set(wheel.namelist())
    modules = {path.relative_to(ROOT).as_posix() for path in (ROOT / "bot").rglob("*.py")}
    sql = {f"bot/{path.relative_to(ROOT).as_posix()}" for path in (ROOT / "sql").rglob("*.sql")}
    assert sql, "the scan found no SQL files"
    assert not sql - shipped, f"missing from the wheel: {sorted(sql - shipped)}"
    assert not modules - shipped, (
        f"missing from the wheel: {sorted(modules - shipped)}; "
        "add the package to [tool.setuptools] packages in pyproject.toml"
    )


def test_installed_wheel_migrates_and_runs_the_sandbox_from_anywhere(
    installed: Installed, empty_db_dsn: str, tmp_path: Path
) -> None:
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env = bot_env(empty_db_dsn, "http://127.0.0.1:9", tmp_path / "data", ADMIN_IDS="")
    env.pop("PYTHONPATH", None)
    env["PATH"] = f"{installed.bin}{os.pathsep}{env.get('PATH', '')}"

    where = run([str(installed.bin / "python"), "-c", "import bot; print(bot.__file__)"], cwd, env)
    assert Path(where.stdout.strip()).is_relative_to(installed.venv), where.stdout

    migrations = sorted((ROOT / "sql" / "migrations").glob("*.sql"))
    upgraded = run(["hsl-bot", "db", "upgrade"], cwd, env).stdout.splitlines()
    assert [line.split()[1] for line in upgraded] == [path.stem[:4] for path in migrations]
    status = run(["hsl-bot", "db", "status"], cwd, env).stdout.splitlines()
    assert [line.split()[0] for line in status] == ["applied"] * len(migrations)

    script = cwd / "demo.txt"
    script.write_text("/start\n/cancel\n", encoding="utf-8")
    chat = run(["hsl-bot", "sandbox", "--script", str(script)], cwd, env).stdout
    assert "you> /start" in chat and "bot> School admin console" in chat
    assert "bot> Nothing to cancel." in chat
