"""Where the project's SQL lives, read through importlib.resources.

The repository keeps it in the top-level sql/ folder, the only home of SQL; pyproject.toml
ships that folder inside the package as bot/sql, so an installed wheel (pip, pipx) carries it
wherever it goes. A source checkout (an editable install, the tests) has no bot/sql: there
the folder beside bot/ is the one.
"""

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def _sql_dir() -> Traversable:
    packaged = files("bot") / "sql"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "sql"


def sql_files(directory: Traversable) -> list[Traversable]:
    """The .sql files of one folder, by name."""
    found = [entry for entry in directory.iterdir() if entry.name.endswith(".sql")]
    return sorted(found, key=lambda entry: entry.name)


SQL_DIR = _sql_dir()
