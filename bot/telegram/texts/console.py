"""Phrases of the console skeleton: menu, help, cancel, errors, the public side."""

CATALOG: dict[str, dict[str, str]] = {
    "console_title": {
        "ru": "<b>Админ-консоль школы</b>\nВыберите раздел или команду из меню.",
        "en": "<b>School admin console</b>\nPick a section or a command from the menu.",
    },
    "help_title": {"ru": "<b>Команды</b>", "en": "<b>Commands</b>"},
    "help_example": {
        "ru": "    <code>{syntax}</code> · например <code>{example}</code>",
        "en": "    <code>{syntax}</code> · e.g. <code>{example}</code>",
    },
    "menu_more": {"ru": "Ещё…", "en": "More…"},
    "menu_back": {"ru": "◀ Назад", "en": "◀ Back"},
    # the Mini App's button, under /start and as each admin's chat menu button (WEBAPP_URL)
    "menu_dashboard": {"ru": "📊 Открыть панель", "en": "📊 Open dashboard"},
    "cancelled": {"ru": "Отменено. Вы в главном меню.", "en": "Cancelled. Back to the menu."},
    "nothing_to_cancel": {
        "ru": "Нечего отменять.",
        "en": "Nothing to cancel.",
    },
    "admin_unknown": {
        "ru": "Не понял. Список команд — /help.",
        "en": "I didn't get that. See /help for the commands.",
    },
    "apology": {
        "ru": "Что-то пошло не так — мы уже записали ошибку. Попробуйте ещё раз чуть позже.",
        "en": "Something went wrong — the error has been logged. Please try again shortly.",
    },
    "public_welcome": {
        "ru": "Здравствуйте! Это служебный бот школы. Чтобы записаться на курс, "
        "воспользуйтесь ботом курса.",
        "en": "Hello! This is the school's service bot. To join a course, "
        "please use the course bot.",
    },
    "public_unknown": {
        "ru": "Этот бот не принимает сообщения.",
        "en": "This bot doesn't take messages.",
    },
    # menu buttons of commands that need an argument ask for it
    "ask_user": {
        "ru": "Кого показать? Пришлите id, @username или имя — например <code>@anna</code>. "
        "Отмена: /cancel",
        "en": "Whose card? Send an id, @username or a name — e.g. <code>@anna</code>. "
        "To leave: /cancel",
    },
    "ask_forget": {
        "ru": "Чьи персональные данные удалить? Пришлите id или @username — например "
        "<code>4214380735</code>. Сначала покажу, что будет удалено. Отмена: /cancel",
        "en": "Whose personal data should be erased? Send an id or @username — e.g. "
        "<code>4214380735</code>. You will see what would be erased first. To leave: /cancel",
    },
    "ask_forget_again": {
        "ru": "Это не id и не @username. Пришлите число (id) или @username, или /cancel.",
        "en": "That is neither an id nor a @username. Send a number (the id) or a @username, "
        "or /cancel.",
    },
    "ask_as_text": {
        "ru": "Пришлите это текстом, или /cancel.",
        "en": "Please send it as text, or /cancel.",
    },
    "ask_export": {
        "ru": "Какую таблицу выгрузить? Пришлю файл Excel со всеми строками.\n"
        "Меньше дней или CSV — командой, например <code>/export bookings 30 csv</code>",
        "en": "Which table? You will get an Excel file with all its rows.\n"
        "For fewer days or CSV, type e.g. <code>/export bookings 30 csv</code>",
    },
    "usage_no_args": {
        "ru": "/{command} — без аргументов: просто <code>/{command}</code>",
        "en": "/{command} takes no arguments: just <code>/{command}</code>",
    },
    "usage": {"ru": "Использование: {usage}", "en": "Usage: {usage}"},
    "usage_with_example": {
        "ru": "Использование: {usage}\nНапример: {example}",
        "en": "Usage: {usage}\nFor example: {example}",
    },
    # command menu descriptions
    "cmd_start": {"ru": "Главное меню", "en": "Main menu"},
    "cmd_help": {"ru": "Список команд", "en": "List of commands"},
    "cmd_cancel": {"ru": "Выйти из текущего действия", "en": "Leave the current action"},
}
