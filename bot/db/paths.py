"""Where the project's SQL lives: the top-level sql/ folder, the only home of SQL."""

from pathlib import Path

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
