"""Phrases about reaching people: which bot sends, who it cannot reach, why delivery paused."""

from __future__ import annotations

CATALOG: dict[str, dict[str, str]] = {
    "bc_problem_token_refused": {
        "ru": "⏸ Рассылка #{id} на паузе: Telegram не принял токен бота рассылки "
        "(BROADCAST_BOT_TOKEN отозван или неверен). Получатели ждут, никто не помечен как "
        "неудачный. Замените токен, перезапустите бота и нажмите «Продолжить».",
        "en": "⏸ Broadcast #{id} is paused: Telegram refused the broadcast bot's token "
        "(BROADCAST_BOT_TOKEN revoked or wrong). Recipients are kept waiting, none is marked "
        "failed. Replace the token, restart the bot and press Resume.",
    },
    "bc_problem_download_failed": {
        "ru": "⏸ Рассылка #{id} на паузе: не удалось получить файл для бота рассылки "
        "(попыток: {attempts}). Получатели ждут. Нажмите «Продолжить», чтобы попробовать "
        "снова, или «Стоп».",
        "en": "⏸ Broadcast #{id} is paused: the file could not be fetched for the broadcast "
        "bot ({attempts} attempts). Recipients are kept waiting. Press Resume to try again, "
        "or Stop.",
    },
}
