"""Phrases of the daily digest."""

CATALOG: dict[str, dict[str, str]] = {
    "cmd_digest": {"ru": "Ежедневная сводка", "en": "Daily digest"},
}
