"""Phrases of the broadcast flow, history and schedule."""

CATALOG: dict[str, dict[str, str]] = {
    "cmd_broadcast": {"ru": "Новая рассылка", "en": "New broadcast"},
    "cmd_history": {"ru": "История рассылок", "en": "Broadcast history"},
    "cmd_scheduled": {"ru": "Запланированные рассылки", "en": "Scheduled broadcasts"},
}
