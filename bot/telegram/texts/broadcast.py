"""Phrases of the broadcast flow, history and schedule."""

CATALOG: dict[str, dict[str, str]] = {
    "cmd_broadcast": {"ru": "Новая рассылка", "en": "New broadcast"},
    "cmd_history": {"ru": "История рассылок", "en": "Broadcast history"},
    "cmd_scheduled": {"ru": "Запланированные рассылки", "en": "Scheduled broadcasts"},
    # audience step
    "bc_choose_audience": {
        "ru": "<b>Новая рассылка</b>\nКому отправить? (/cancel — выйти)\n"
        "«Ждут оплаты» — есть открытая бронь: создана или загружен чек\n"
        "«Все, кроме оплативших» — все, у кого нет оплаченной брони (и кто только нажал /start)",
        "en": "<b>New broadcast</b>\nWho should get it? (/cancel to leave)\n"
        "“Awaiting payment” — has an open booking: created, or payment proof uploaded\n"
        "“Everyone but the paid” — everyone without a paid booking (even if they only pressed "
        "/start)",
    },
    "bc_students_menu": {
        "ru": "<b>Новая рассылка</b> · студенты потока\n"
        "🎓 — студенты потока: оплатили этот курс и поток. Сначала новые потоки.",
        "en": "<b>New broadcast</b> · students of a stream\n"
        "🎓 — a stream's students: paid for that course and stream. Newest streams first.",
    },
    "bc_booked_menu": {
        "ru": "<b>Новая рассылка</b> · записавшиеся на поток\n"
        "📝 — записались на этот курс и поток: любая бронь, кроме отменённой. "
        "Сначала новые потоки.",
        "en": "<b>New broadcast</b> · booked a stream\n"
        "📝 — booked that course and stream: any booking but a cancelled one. "
        "Newest streams first.",
    },
    "bc_lessons_menu": {
        "ru": "<b>Новая рассылка</b> · участники бесплатных уроков\n"
        "📅 — записавшиеся на предстоящий урок в этот день (в скобках — сколько их)",
        "en": "<b>New broadcast</b> · free-lesson sign-ups\n"
        "📅 — signed up for an upcoming lesson on that day (how many, in brackets)",
    },
    "bc_btn_everyone": {"ru": "Все пользователи", "en": "Everyone"},
    "bc_btn_students_menu": {"ru": "Студенты потока…", "en": "Students of a stream…"},
    "bc_btn_stream": {"ru": "🎓 {stream} · {course}", "en": "🎓 {stream} · {course}"},
    "bc_btn_booked_menu": {"ru": "Записавшиеся на поток…", "en": "Booked a stream…"},
    "bc_btn_booked": {"ru": "📝 {stream} · {course}", "en": "📝 {stream} · {course}"},
    "bc_btn_awaiting": {"ru": "Ждут оплаты", "en": "Awaiting payment"},
    "bc_btn_all_but_paid": {"ru": "Все, кроме оплативших", "en": "Everyone but the paid"},
    "bc_btn_lessons_menu": {"ru": "Участники бесплатных уроков…", "en": "Free-lesson sign-ups…"},
    "bc_btn_lessons_all": {"ru": "Все бесплатные уроки", "en": "All free lessons"},
    "bc_btn_lesson": {"ru": "Урок: {lesson}", "en": "Lesson: {lesson}"},
    "bc_btn_lesson_day": {"ru": "📅 {day} · {lesson} ({n})", "en": "📅 {day} · {lesson} ({n})"},
    "bc_btn_individual": {"ru": "Отдельные получатели", "en": "Individual recipients"},
    "bc_btn_back": {"ru": "« Назад", "en": "« Back"},
    "bc_paste_recipients": {
        "ru": "Пришлите id и/или @username получателей (через пробел, запятую или с новой "
        "строки).",
        "en": "Paste the recipients' ids and/or @usernames (separated by spaces, commas or "
        "new lines).",
    },
    "bc_unknown_recipients": {
        "ru": "Не найдены и пропущены ({n}): {items}",
        "en": "Not found, left out ({n}): {items}",
    },
    "bc_no_recipients": {
        "ru": "Никого из списка не нашлось. Пришлите другой список или /cancel.",
        "en": "Nobody on that list was found. Paste another list or /cancel.",
    },
    "bc_audience_summary": {
        "ru": "Аудитория: <b>{audience}</b>\nПолучателей: <b>{recipients}</b> · исключено "
        "заблокировавших: {blocked}{others} · дубликатов убрано: {duplicates}",
        "en": "Audience: <b>{audience}</b>\nRecipients: <b>{recipients}</b> · excluded as "
        "blocked: {blocked}{others} · duplicates removed: {duplicates}",
    },
    "bc_file_too_big": {
        "ru": "Файл больше {mb} МБ: бот консоли не может передать его боту курса (Telegram "
        "отдаёт ботам файлы до {mb} МБ). Пришлите файл поменьше или ссылку на него.",
        "en": "This file is over {mb} MB: the console bot can't pass it on to the course bot "
        "(Telegram lets bots fetch files up to {mb} MB). Send a smaller file, or a link to it.",
    },
    "bc_excluded_never_started": {
        "ru": " · не запускали бота: {n}",
        "en": " · never started the bot: {n}",
    },
    "bc_excluded_deactivated": {
        "ru": " · удалили аккаунт: {n}",
        "en": " · deleted accounts: {n}",
    },
    "bc_one_bot_note": {
        "ru": "ℹ️ Рассылки уходят через этого бота: получат только те, кто его запускал. "
        "Чтобы писать студентам, укажите в BROADCAST_BOT_TOKEN токен бота курса.",
        "en": "ℹ️ Broadcasts go out through this bot: only people who started it can get them. "
        "To reach your students, set BROADCAST_BOT_TOKEN to the course bot's token.",
    },
    "bc_audience_empty": {
        "ru": "В этой аудитории некому отправить. Выберите другую.",
        "en": "Nobody in this audience can receive it. Pick another one.",
    },
    # message step
    "bc_write_message": {
        "ru": "Пришлите сообщение: текст (HTML-разметка Telegram) или одно фото / видео / "
        "документ с подписью.",
        "en": "Send the message: text (Telegram HTML formatting), or one photo / video / "
        "document with a caption.",
    },
    "bc_unsupported": {
        "ru": "Нужен текст или одно фото / видео / документ с подписью.",
        "en": "I need text, or one photo / video / document with a caption.",
    },
    "bc_album": {
        "ru": "Альбомы не поддерживаются — пришлите один файл.",
        "en": "Albums aren't supported — send a single file.",
    },
    "bc_too_long": {
        "ru": "Слишком длинно: {length} при лимите {limit}. Сократите и пришлите снова.",
        "en": "Too long: {length}, the limit is {limit}. Shorten it and send again.",
    },
    "bc_ask_buttons": {
        "ru": "Добавить кнопки-ссылки? Пришлите строки вида <code>Текст | https://…</code> "
        "(одна кнопка на строку) или нажмите «Без кнопок».",
        "en": "Add URL buttons? Send lines like <code>Label | https://…</code> (one button "
        "per line), or press “No buttons”.",
    },
    "bc_btn_no_buttons": {"ru": "Без кнопок", "en": "No buttons"},
    "bc_btn_keep_buttons": {"ru": "Оставить кнопки", "en": "Keep the buttons"},
    "bc_current_buttons": {
        "ru": "\nСейчас под сообщением:\n{buttons}\n«Оставить кнопки» — сохранить их.",
        "en": "\nUnder the message now:\n{buttons}\n“Keep the buttons” keeps them.",
    },
    "bc_button_line": {"ru": "• {label} — {url}", "en": "• {label} — {url}"},
    "bc_bad_buttons": {
        "ru": "Не понял строки (нужно <code>Текст | https://…</code>):\n{lines}",
        "en": "These lines aren't <code>Label | https://…</code>:\n{lines}",
    },
    "bc_html_error": {
        "ru": "Telegram не принял сообщение: <code>{error}</code>\nИсправьте и пришлите снова.",
        "en": "Telegram refused the message: <code>{error}</code>\nFix it and send it again.",
    },
    "bc_html_problem_media": {
        "ru": "Ошибка в разметке подписи: {problem}.\nПришлите исправленную подпись текстом — "
        "файл останется. Вот она, чтобы скопировать:",
        "en": "The caption's formatting is broken: {problem}.\nSend the corrected caption as "
        "text — the file is kept. Here it is to copy:",
    },
    "bc_html_error_media": {
        "ru": "Telegram не принял подпись: <code>{error}</code>\nПришлите исправленную подпись "
        "текстом — файл останется.",
        "en": "Telegram refused the caption: <code>{error}</code>\nSend the corrected caption "
        "as text — the file is kept.",
    },
    "bc_too_long_media": {
        "ru": "Слишком длинная подпись: {length} при лимите {limit}. Пришлите подпись короче "
        "текстом — файл останется.",
        "en": "Too long a caption: {length}, the limit is {limit}. Send a shorter caption as "
        "text — the file is kept.",
    },
    "bc_empty_text": {
        "ru": "В сообщении нет текста (после разметки ничего не осталось) — Telegram такое не "
        "отправит. Пришлите текст или файл с подписью.",
        "en": "There is no text in that message (nothing is left after the formatting) — "
        "Telegram won't send it. Send some text, or a file with a caption.",
    },
    "bc_button_label_too_long": {
        "ru": "Надпись на кнопке слишком длинная: {length} при лимите {limit}. Сократите её:"
        "\n{lines}",
        "en": "A button label is too long: {length}, the limit is {limit}. Shorten it:\n{lines}",
    },
    "bc_hint_audience": {
        "ru": "Сейчас нужно выбрать аудиторию — кнопками выше. /cancel — выйти.",
        "en": "Pick the audience with the buttons above. /cancel to leave.",
    },
    "bc_hint_buttons": {
        "ru": "Нужны строки вида <code>Текст | https://…</code> (одна кнопка на строку) или "
        "кнопка «Без кнопок» выше.",
        "en": "I need lines like <code>Label | https://…</code> (one button per line), or the "
        "“No buttons” button above.",
    },
    "bc_hint_preview": {
        "ru": "Рассылка ждёт решения — кнопки под предпросмотром выше: «Отправить», "
        "«Запланировать», «Тест мне», «Изменить» (чтобы поменять текст) или «Отмена».",
        "en": "The broadcast is waiting for your choice — the buttons under the preview above: "
        "“Send now”, “Schedule”, “Test to me”, “Edit” (to change the text) or “Cancel”.",
    },
    "bc_html_problem": {
        "ru": "Ошибка в разметке: {problem}.\nИсправьте и пришлите текст снова — вот он, "
        "чтобы скопировать:",
        "en": "The formatting is broken: {problem}.\nFix it and send the text again — here it "
        "is to copy:",
    },
    "bc_html_unclosed": {
        "ru": "незакрытый тег &lt;{tag}&gt; в строке {line}",
        "en": "unclosed tag &lt;{tag}&gt; on line {line}",
    },
    "bc_html_stray_end": {
        "ru": "закрывающий тег &lt;/{tag}&gt; без открывающего в строке {line}",
        "en": "closing tag &lt;/{tag}&gt; without an opening one on line {line}",
    },
    "bc_html_mismatch": {
        "ru": "тег &lt;{tag}&gt; закрыт как &lt;/{other}&gt; в строке {line}",
        "en": "tag &lt;{tag}&gt; is closed as &lt;/{other}&gt; on line {line}",
    },
    "bc_html_unsupported": {
        "ru": "Telegram не знает тег &lt;{tag}&gt; (строка {line}); можно: b, i, u, s, a, "
        "code, pre, blockquote, tg-spoiler",
        "en": "Telegram has no tag &lt;{tag}&gt; (line {line}); allowed: b, i, u, s, a, code, "
        "pre, blockquote, tg-spoiler",
    },
    "bc_html_broken_tag": {
        "ru": "тег без «&gt;» в строке {line}",
        "en": "a tag without “&gt;” on line {line}",
    },
    "bc_html_bare_lt": {
        "ru": "символ «&lt;» в строке {line} — напишите его как <code>&amp;lt;</code>",
        "en": "a “&lt;” on line {line} — write it as <code>&amp;lt;</code>",
    },
    "bc_html_attribute": {
        "ru": "неверный атрибут тега &lt;{tag}&gt; в строке {line} (нужно, например, "
        '<code>&lt;a href="https://…"&gt;</code>)',
        "en": "a bad attribute of tag &lt;{tag}&gt; on line {line} (e.g. "
        '<code>&lt;a href="https://…"&gt;</code>)',
    },
    "bc_current_text": {
        "ru": "Сейчас текст такой (нажмите, чтобы скопировать) — пришлите исправленный:",
        "en": "The text now (tap to copy) — send the corrected one:",
    },
    "bc_current_text_long": {
        "ru": "Текст слишком длинный, чтобы показать его для копирования: возьмите его из "
        "предпросмотра выше.",
        "en": "The text is too long to show for copying: take it from the preview above.",
    },
    # preview card
    "bc_preview_title": {
        "ru": "<b>Предпросмотр</b> — выше сообщение так, как его увидят получатели.",
        "en": "<b>Preview</b> — above is the message exactly as recipients will see it.",
    },
    "bc_eta": {
        "ru": "Время отправки: {eta} при {rate} сообщ./с",
        "en": "Sending time: {eta} at {rate} msg/s",
    },
    "bc_less_than_second": {"ru": "меньше секунды", "en": "less than a second"},
    "bc_btn_send": {"ru": "🚀 Отправить {n}", "en": "🚀 Send now to {n}"},
    "bc_btn_schedule": {"ru": "🕒 Запланировать", "en": "🕒 Schedule"},
    "bc_btn_test": {"ru": "Тест мне", "en": "Test to me"},
    "bc_btn_edit": {"ru": "Изменить", "en": "Edit"},
    "bc_btn_cancel": {"ru": "Отмена", "en": "Cancel"},
    "bc_test_sent": {
        "ru": "Тестовое сообщение отправлено вам ботом рассылки.",
        "en": "The test message was sent to you by the broadcast bot.",
    },
    "bc_test_sent_chat": {
        "ru": "✅ Тест отправлен вам{bot}. Рассылка ещё не ушла — кнопки в карточке выше.",
        "en": "✅ Test sent to you{bot}. The broadcast hasn't gone out — the buttons are on the "
        "card above.",
    },
    "bc_test_by_bot": {
        "ru": " ботом курса (@{bot}): смотрите чат с ним",
        "en": " by the course bot (@{bot}): see your chat with it",
    },
    "bc_test_failed": {
        "ru": "Бот рассылки не смог написать вам: {error}. Откройте его и нажмите «Старт».",
        "en": "The broadcast bot couldn't write to you: {error}. Open it and press Start.",
    },
    "bc_draft_cancelled": {"ru": "Рассылка отменена.", "en": "Broadcast discarded."},
    "bc_draft_gone": {
        "ru": "Этот черновик уже закрыт. Начните заново: /broadcast",
        "en": "This draft is closed. Start again: /broadcast",
    },
    "bc_already": {
        "ru": "Уже создана: рассылка #{id} ({status}). Вторая не создаётся.",
        "en": "Already created: broadcast #{id} ({status}). No second one is made.",
    },
    "bc_started": {
        "ru": "Рассылка #{id} запущена: {recipients} (исключено заблокировавших: "
        "{blocked}{others} · дубликатов: {duplicates}). Ход — в карточке ниже.",
        "en": "Broadcast #{id} started: {recipients} (excluded as blocked: "
        "{blocked}{others} · duplicates: {duplicates}). Progress is on the card below.",
    },
    # schedule
    "bc_ask_time": {
        "ru": "Когда отправить? Время — {tz}. Выберите или пришлите, например: "
        "<code>{example}</code>, <code>19:00</code> (сегодня, а если прошло — завтра), "
        "<code>завтра 10:00</code>, <code>через час</code>.",
        "en": "When should it go out? Times are in {tz}. Pick one or send e.g. "
        "<code>{example}</code>, <code>19:00</code> (today, or tomorrow if it has passed), "
        "<code>tomorrow 10:00</code>, <code>in an hour</code>.",
    },
    "bc_btn_in_hour": {"ru": "Через час", "en": "In an hour"},
    "bc_btn_at": {"ru": "{when}", "en": "{when}"},
    "bc_bad_time": {
        "ru": "Не понял время. Пришлите время текстом или выберите кнопку выше. Можно так: "
        "<code>{example}</code>, <code>19:00</code>, <code>завтра 10:00</code>, "
        "<code>через час</code>, <code>2026-12-01 10:00</code>.",
        "en": "I couldn't read that time. Send a time as text, or pick a button above. Any of: "
        "<code>{example}</code>, <code>19:00</code>, <code>tomorrow 10:00</code>, "
        "<code>in an hour</code>, <code>2026-12-01 10:00</code>.",
    },
    "bc_time_past": {
        "ru": "Это время уже прошло ({when}). Выберите будущее.",
        "en": "That time has passed ({when}). Pick a future one.",
    },
    "bc_scheduled_ok": {
        "ru": "Рассылка #{id} запланирована на {when}. Список — /scheduled",
        "en": "Broadcast #{id} is scheduled for {when}. See /scheduled",
    },
    "bc_scheduled_title": {"ru": "<b>Запланированные рассылки</b>", "en": "<b>Scheduled</b>"},
    "bc_scheduled_none": {"ru": "Запланированных рассылок нет.", "en": "Nothing is scheduled."},
    "bc_scheduled_item": {
        "ru": "#{id} · {when} · {audience}\n{preview}",
        "en": "#{id} · {when} · {audience}\n{preview}",
    },
    "bc_btn_unschedule": {"ru": "Отменить #{id}", "en": "Cancel #{id}"},
    "bc_btn_edit_scheduled": {"ru": "Изменить #{id}", "en": "Edit #{id}"},
    "bc_unschedule_confirm": {
        "ru": "Отменить рассылку #{id}, запланированную на {when}? Её никто не получит.\n"
        "{audience}\n{preview}",
        "en": "Cancel broadcast #{id}, scheduled for {when}? Nobody will get it.\n"
        "{audience}\n{preview}",
    },
    "bc_btn_unschedule_yes": {"ru": "Да, отменить #{id}", "en": "Yes, cancel #{id}"},
    "bc_edit_scheduled": {
        "ru": "Рассылка #{id} уйдёт {when}. Пришлите новый текст (или файл с подписью); "
        "кнопки-ссылки останутся. /cancel — оставить как есть.",
        "en": "Broadcast #{id} goes out {when}. Send the new text (or a file with a caption); "
        "the URL buttons stay. /cancel leaves it as it is.",
    },
    "bc_edited_scheduled": {
        "ru": "✅ Рассылка #{id} изменена; уйдёт {when}. Список — /scheduled",
        "en": "✅ Broadcast #{id} is updated; it goes out {when}. See /scheduled",
    },
    "bc_edit_too_late": {
        "ru": "Рассылка #{id} уже не запланирована (началась или отменена) — изменить нельзя.",
        "en": "Broadcast #{id} is no longer scheduled (it started or was cancelled): it can't "
        "be edited.",
    },
    "bc_unscheduled": {"ru": "Рассылка #{id} отменена.", "en": "Broadcast #{id} cancelled."},
    # live card and report
    "bc_card": {
        "ru": "📣 <b>Рассылка #{id}</b> — {status}\n{audience}\n{bar} {percent}\n"
        "Отправлено: {sent} · ошибок: {failed} · в очереди: {pending}{cancelled}\n{tail}",
        "en": "📣 <b>Broadcast #{id}</b> — {status}\n{audience}\n{bar} {percent}\n"
        "Sent: {sent} · failed: {failed} · pending: {pending}{cancelled}\n{tail}",
    },
    "bc_card_live": {
        "ru": "Скорость: {rate} сообщ./с · осталось: ~{eta}",
        "en": "Rate: {rate} msg/s · time left: ~{eta}",
    },
    "bc_card_paused": {
        "ru": "На паузе: ничего не отправляется",
        "en": "Paused: nothing is being sent",
    },
    "bc_card_final": {
        "ru": "Длительность: {duration} · в среднем {rate} сообщ./с",
        "en": "Duration: {duration} · average {rate} msg/s",
    },
    "bc_card_delivered": {"ru": " доставлено", "en": " delivered"},
    "bc_card_cancelled": {"ru": " · отменено: {n}", "en": " · cancelled: {n}"},
    "bc_outcome_all": {"ru": "доставлена всем", "en": "delivered to everyone"},
    "bc_outcome_partly": {"ru": "доставлена не всем", "en": "delivered to some"},
    "bc_outcome_none": {"ru": "не доставлена никому", "en": "delivered to nobody"},
    "bc_outcome_empty": {"ru": "получателей не было", "en": "there was nobody to send to"},
    "bc_stop_confirm": {
        "ru": "Отменить рассылку #{id}? Ещё не отправлено: {pending} — они её не получат. "
        "Уже доставленное останется.",
        "en": "Cancel broadcast #{id}? Not sent yet: {pending} — they won't get it. What was "
        "delivered stays.",
    },
    "bc_btn_stop_yes": {"ru": "Да, отменить рассылку", "en": "Yes, cancel the broadcast"},
    "bc_stop_confirm_paused": {
        "ru": "Отменить рассылку #{id} (она на паузе)? Ещё не отправлено: {pending} — они её "
        "не получат. Уже доставленное останется.",
        "en": "Cancel broadcast #{id} (it is paused)? Not sent yet: {pending} — they won't get "
        "it. What was delivered stays.",
    },
    "bc_btn_stop_no": {"ru": "Нет, пусть идёт", "en": "No, keep sending"},
    "bc_btn_stop_no_paused": {
        "ru": "Нет, оставить на паузе",
        "en": "No, keep it paused",
    },
    "bc_stop_kept": {
        "ru": "Рассылка #{id} продолжается.",
        "en": "Broadcast #{id} goes on.",
    },
    "bc_stop_kept_paused": {
        "ru": "Рассылка #{id} остаётся на паузе: «▶️ Продолжить» в её карточке.",
        "en": "Broadcast #{id} stays paused: “▶️ Resume” is on its card.",
    },
    "bc_stopped": {
        "ru": "Рассылка #{id} отменена; итог придёт отдельным сообщением.",
        "en": "Broadcast #{id} is cancelled; the outcome follows in a message.",
    },
    "bc_btn_pause": {"ru": "⏸ Пауза", "en": "⏸ Pause"},
    "bc_btn_resume": {"ru": "▶️ Продолжить", "en": "▶️ Resume"},
    "bc_btn_stop": {"ru": "⏹ Отменить", "en": "⏹ Cancel"},
    "bc_btn_details": {"ru": "Подробнее", "en": "Details"},
    "bc_report_all": {
        "ru": "✅ <b>Рассылка #{id} завершена: доставлено всем</b>\nДоставлено: {sent} из {total}",
        "en": "✅ <b>Broadcast #{id} finished: delivered to everyone</b>\n"
        "Delivered: {sent} of {total}",
    },
    "bc_report_partly": {
        "ru": "⚠️ <b>Рассылка #{id} завершена: доставлено не всем</b>\n"
        "Доставлено: {sent} из {total}",
        "en": "⚠️ <b>Broadcast #{id} finished: delivered to some</b>\nDelivered: {sent} of {total}",
    },
    "bc_report_none": {
        "ru": "❌ <b>Рассылка #{id} завершена: не доставлена никому</b>\n"
        "Доставлено: {sent} из {total}",
        "en": "❌ <b>Broadcast #{id} finished: delivered to nobody</b>\n"
        "Delivered: {sent} of {total}",
    },
    "bc_report_empty": {
        "ru": "❌ <b>Рассылка #{id} завершена: получателей не было</b>\n"
        "Доставлено: {sent} из {total}",
        "en": "❌ <b>Broadcast #{id} finished: there was nobody to send to</b>\n"
        "Delivered: {sent} of {total}",
    },
    "bc_report_cancelled": {
        "ru": "⏹ <b>Рассылка #{id} отменена</b>\nДоставлено: {sent} из {total} · отменено: "
        "{cancelled}",
        "en": "⏹ <b>Broadcast #{id} cancelled</b>\nDelivered: {sent} of {total} · cancelled: "
        "{cancelled}",
    },
    "bc_report_failed": {
        "ru": "\nНе доставлено: {failed}{reasons}",
        "en": "\nNot delivered: {failed}{reasons}",
    },
    "bc_report_blocked": {
        "ru": "\nЗаблокировали бота или удалили аккаунт: {blocked}",
        "en": "\nBlocked the bot or deleted the account: {blocked}",
    },
    "bc_report_left_out": {
        "ru": "\nИсключено до отправки (бот не может им написать): {n}{reasons}",
        "en": "\nLeft out before sending (the bot can't reach them): {n}{reasons}",
    },
    "bc_paused_part": {"ru": " (из них на паузе {paused})", "en": " (of which paused {paused})"},
    "bc_report_duration": {
        "ru": "\nДлительность: {duration} · в среднем {rate} сообщ./с",
        "en": "\nDuration: {duration} · average {rate} msg/s",
    },
    "bc_report_retry_duration": {
        "ru": "\nДлительность повтора: {duration} · в среднем {rate} сообщ./с",
        "en": "\nRetry took: {duration} · average {rate} msg/s",
    },
    "bc_delete_report": {
        "ru": "🗑 <b>Рассылка #{id}: удаление завершено</b>\nУдалено: {deleted}\n"
        "Не удалось удалить: {failed}{reasons}",
        "en": "🗑 <b>Broadcast #{id}: deletion finished</b>\nDeleted: {deleted}\n"
        "Could not delete: {failed}{reasons}",
    },
    "bc_reason_line": {"ru": "\n  • {reason}: {n}", "en": "\n  • {reason}: {n}"},
    # statuses
    "bc_status_scheduled": {"ru": "запланирована", "en": "scheduled"},
    "bc_status_sending": {"ru": "отправляется", "en": "sending"},
    "bc_status_paused": {"ru": "на паузе", "en": "paused"},
    "bc_status_cancelled": {"ru": "отменена", "en": "cancelled"},
    "bc_status_done": {"ru": "завершена", "en": "finished"},
    "bc_status_deleting": {"ru": "удаляется", "en": "deleting"},
    "bc_status_deleted": {"ru": "удалена у всех", "en": "deleted"},
    # failure reasons
    "bc_reason_blocked": {"ru": "заблокировали бота", "en": "blocked the bot"},
    "bc_reason_deactivated": {"ru": "аккаунт удалён", "en": "account deleted"},
    "bc_reason_chat_not_found": {"ru": "чат не найден", "en": "chat not found"},
    "bc_reason_outcome_unknown": {
        "ru": "результат неизвестен (сбой во время отправки)",
        "en": "outcome unknown (interrupted mid-send)",
    },
    "bc_reason_cancelled": {"ru": "отменено", "en": "cancelled"},
    "bc_reason_server_error": {"ru": "ошибка сервера Telegram", "en": "Telegram server error"},
    "bc_reason_flood_limit": {"ru": "лимит Telegram", "en": "Telegram flood limit"},
    "bc_reason_too_old": {"ru": "старше 48 часов", "en": "older than 48 hours"},
    "bc_reason_never_started": {"ru": "не запускали бота", "en": "never started the bot"},
    "bc_reason_network": {"ru": "сбой сети", "en": "network failure"},
    # audiences
    "bc_aud_everyone": {"ru": "все пользователи", "en": "everyone"},
    "bc_aud_stream": {
        "ru": "студенты — {stream} · {course}",
        "en": "students of {stream} · {course}",
    },
    "bc_aud_booked": {
        "ru": "записавшиеся на {stream} · {course}",
        "en": "booked {stream} · {course}",
    },
    "bc_aud_awaiting": {
        "ru": "ждут оплаты (открытая бронь)",
        "en": "awaiting payment (an open booking)",
    },
    "bc_aud_all_but_paid": {"ru": "все, кроме оплативших", "en": "everyone but the paid"},
    "bc_aud_unpaid": {"ru": "все, кроме оплативших", "en": "everyone but the paid"},
    "bc_aud_any_course": {"ru": "все курсы", "en": "every course"},
    "bc_aud_lessons_all": {
        "ru": "записавшиеся на бесплатные уроки",
        "en": "free-lesson registrants",
    },
    "bc_aud_lessons": {"ru": "записавшиеся на {lesson}", "en": "registrants of {lesson}"},
    "bc_aud_lesson_day": {
        "ru": "записавшиеся на {lesson} · {day}",
        "en": "registrants of {lesson} on {day}",
    },
    "bc_aud_individual": {"ru": "отдельные получатели ({n})", "en": "individual recipients ({n})"},
    "bc_aud_unknown": {"ru": "—", "en": "—"},
    # history
    "bc_history_title": {
        "ru": "<b>История рассылок</b> (стр. {page} из {pages})",
        "en": "<b>Broadcast history</b> (page {page} of {pages})",
    },
    "bc_history_none": {"ru": "Рассылок ещё не было.", "en": "No broadcasts yet."},
    "bc_history_item": {
        "ru": "#{id} · {when} · {author} · {audience} · {sent}/{total} · {status}\n   {preview}",
        "en": "#{id} · {when} · {author} · {audience} · {sent}/{total} · {status}\n   {preview}",
    },
    "bc_history_item_unsent": {
        "ru": "#{id} · запланирована на {when} · {author} · {audience} · {status} до "
        "отправки\n   {preview}",
        "en": "#{id} · scheduled for {when} · {author} · {audience} · {status} before "
        "sending\n   {preview}",
    },
    "bc_author_id": {"ru": "id {id}", "en": "id {id}"},
    "bc_btn_open": {"ru": "#{id}", "en": "#{id}"},
    "bc_detail": {
        "ru": "<b>Рассылка #{id}</b> — {status}\nСоздана: {when} · автор: {author}\n"
        "Аудитория: {audience}\nПолучателей: {total} (исключено заблокировавших: {blocked}"
        "{others} · "
        "дубликатов: {duplicates})\nДоставлено: {sent} · ошибок: {failed}{cancelled} · "
        "удалено: {deleted} "
        "· в очереди: {pending}{reasons}{delete_errors}\n\n{preview}",
        "en": "<b>Broadcast #{id}</b> — {status}\nCreated: {when} · author: {author}\n"
        "Audience: {audience}\nRecipients: {total} (excluded as blocked: {blocked}{others} · "
        "duplicates: {duplicates})\nSent: {sent} · failed: {failed}{cancelled} · "
        "deleted: {deleted} "
        "· pending: {pending}{reasons}{delete_errors}\n\n{preview}",
    },
    "bc_detail_reasons": {"ru": "\nПричины ошибок:", "en": "\nFailure reasons:"},
    "bc_detail_delete_errors": {"ru": "\nНе удалено:", "en": "\nNot deleted:"},
    "bc_btn_retry": {"ru": "🔁 Повторить неудачные", "en": "🔁 Retry failed"},
    "bc_btn_delete": {"ru": "🗑 Удалить у всех", "en": "🗑 Delete for everyone"},
    "bc_btn_delete_yes": {"ru": "Да, удалить у всех", "en": "Yes, delete for everyone"},
    "bc_btn_export": {"ru": "📄 Экспорт CSV", "en": "📄 Export CSV"},
    "bc_delete_confirm": {
        "ru": "Удалить рассылку #{id} у всех получателей? Сообщения старше 48 часов Telegram "
        "удалить не даст.",
        "en": "Delete broadcast #{id} for every recipient? Telegram won't delete messages "
        "older than 48 hours.",
    },
    "bc_deleting": {
        "ru": "Удаляю рассылку #{id} у получателей; пришлю отчёт.",
        "en": "Deleting broadcast #{id} for its recipients; a report will follow.",
    },
    "bc_retried": {
        "ru": "Снова в очереди: {n}. Ход — в карточке рассылки.",
        "en": "Queued again: {n}. Progress is on the broadcast's card.",
    },
    "bc_nothing_to_retry": {"ru": "Повторять нечего.", "en": "Nothing to retry."},
    "bc_not_found": {"ru": "Рассылка не найдена.", "en": "Broadcast not found."},
    "bc_paused": {"ru": "Пауза.", "en": "Paused."},
    "bc_resumed": {"ru": "Продолжаю.", "en": "Resumed."},
    "bc_cancelled": {"ru": "Рассылка отменена.", "en": "Broadcast cancelled."},
    "bc_not_now": {
        "ru": "Сейчас это недоступно (рассылка: {status}).",
        "en": "Not possible now (the broadcast is {status}).",
    },
    "bc_export_caption": {
        "ru": "Получатели рассылки #{id}",
        "en": "Recipients of broadcast #{id}",
    },
    # issue #13 §5: lists, stale buttons, a confirmed retry
    "bc_choice_gone": {
        "ru": "Этого потока или урока больше нет в данных школы — список изменился. "
        "Выберите снова.",
        "en": "That stream or lesson is no longer in the school's data — the list has changed. "
        "Pick again.",
    },
    "bc_preview_stale": {
        "ru": "Этот предпросмотр устарел: сообщение после него изменено. Пользуйтесь последним "
        "предпросмотром.",
        "en": "This preview is out of date: the message was edited after it. Use the latest "
        "preview.",
    },
    "bc_retry_confirm": {
        "ru": "Повторить рассылку #{id}? Получателей, кому она уйдёт снова: {n}.",
        "en": "Retry broadcast #{id}? Recipients it goes to again: {n}.",
    },
    "bc_retry_unknown": {
        "ru": "\nИз них с неизвестным результатом: {n} — сообщение у них, возможно, уже есть, "
        "и они получат его второй раз.",
        "en": "\nOf them, outcome unknown: {n} — they may already have the message and would "
        "get it a second time.",
    },
    "bc_btn_retry_yes": {"ru": "Да, повторить", "en": "Yes, retry"},
}
