"""Phrases of /forget: erasing a person's personal data on request."""

from __future__ import annotations

CATALOG: dict[str, dict[str, str]] = {
    "cmd_forget": {
        "ru": "Удалить персональные данные человека",
        "en": "Erase a person's personal data",
    },
    "usage_forget": {
        "ru": "/forget &lt;id | @username&gt;",
        "en": "/forget &lt;id | @username&gt;",
    },
    "forget_not_found": {
        "ru": "Никто с именем пользователя @{username} не найден. Укажите id: /forget &lt;id&gt;",
        "en": "Nobody with the username @{username} was found. Give the id: /forget &lt;id&gt;",
    },
    "forget_several": {
        "ru": "Имя @{username} использовали {people}: {ids}.\n"
        "Укажите id нужного: /forget &lt;id&gt;",
        "en": "{people} have used @{username}: {ids}.\n"
        "Give the id of the one you mean: /forget &lt;id&gt;",
    },
    "forget_nothing": {
        "ru": "Для id <code>{user_id}</code> не хранится ни имён, ни username, ни e-mail: "
        "удалять нечего.",
        "en": "No names, usernames or e-mails are stored for id <code>{user_id}</code>: "
        "nothing to erase.",
    },
    "forget_title": {
        "ru": "<b>Удалить персональные данные?</b>",
        "en": "<b>Erase this person's personal data?</b>",
    },
    "forget_who": {
        "ru": "id <code>{user_id}</code>{names}",
        "en": "id <code>{user_id}</code>{names}",
    },
    "forget_will_change": {
        "ru": "Имена, username и e-mail станут пустыми, из событий уйдут личные поля. "
        "Затронутые строки:",
        "en": "Names, usernames and e-mails become empty, personal fields leave the events. "
        "Rows affected:",
    },
    "forget_row": {"ru": "• {table}: {n}", "en": "• {table}: {n}"},
    "forget_keeps": {
        "ru": "Id, даты, статусы и вся статистика останутся прежними. Отменить удаление нельзя.",
        "en": "Ids, dates, statuses and every figure stay as they are. This cannot be undone.",
    },
    "forget_confirm_button": {"ru": "🗑 Удалить данные", "en": "🗑 Erase"},
    "forget_cancel_button": {"ru": "Отмена", "en": "Cancel"},
    "forget_done": {
        "ru": "✅ Персональные данные id <code>{user_id}</code> удалены.",
        "en": "✅ Personal data of id <code>{user_id}</code> erased.",
    },
    "forget_done_audit": {
        "ru": "Статистика не изменилась. В журнал действий записано, кто и когда удалил "
        "(без самих данных).",
        "en": "Every figure is unchanged. The audit log records who erased it and when "
        "(without the data).",
    },
    "forget_already": {
        "ru": "Персональных данных id <code>{user_id}</code> уже нет: ничего не изменено.",
        "en": "The personal data of id <code>{user_id}</code> is already gone: nothing changed.",
    },
    "forget_cancelled": {
        "ru": "Отменено: данные id <code>{user_id}</code> не тронуты.",
        "en": "Cancelled: nothing was changed for id <code>{user_id}</code>.",
    },
    # tables, as an admin reads them
    "forget_table_bookings": {"ru": "бронирования", "en": "bookings"},
    "forget_table_free_lesson_registrations": {
        "ru": "записи на бесплатные уроки",
        "en": "free-lesson registrations",
    },
    "forget_table_events": {"ru": "события", "en": "events"},
    "forget_table_users": {"ru": "карточка пользователя", "en": "user record"},
    "forget_table_message_recipients": {
        "ru": "получатели рассылок",
        "en": "broadcast recipients",
    },
    "forget_table_fsm_state": {"ru": "состояние диалогов", "en": "conversation state"},
    "forget_table_audit_log": {"ru": "журнал действий", "en": "audit log"},
}
