"""Phrases of the analytics console."""

CATALOG: dict[str, dict[str, str]] = {
    "cmd_stats": {"ru": "Сводка по школе", "en": "School at a glance"},
    "cmd_growth": {"ru": "График роста пользователей", "en": "User growth chart"},
    "cmd_daily": {"ru": "По дням", "en": "Day by day"},
    "cmd_courses": {"ru": "Курсы и потоки", "en": "Courses and streams"},
    "cmd_events": {"ru": "Топ событий", "en": "Top events"},
    "cmd_lessons": {"ru": "Бесплатные уроки", "en": "Free lessons"},
    "cmd_funnel": {"ru": "Воронка", "en": "Funnel"},
    "cmd_retention": {"ru": "Удержание по когортам", "en": "Cohort retention"},
    "cmd_leads": {"ru": "Горячие лиды", "en": "Hot leads"},
    "cmd_user": {"ru": "Карточка пользователя", "en": "User card"},
    "cmd_schema": {"ru": "Отчёт о базе данных", "en": "Database report"},
    "cmd_export": {"ru": "Выгрузка в Excel или CSV", "en": "Export to Excel or CSV"},
    # usage lines
    "usage_growth": {"ru": "/growth [дней|all]", "en": "/growth [days|all]"},
    "usage_daily": {"ru": "/daily [дней|all]", "en": "/daily [days|all]"},
    "usage_events": {"ru": "/events [сколько] [дней]", "en": "/events [how many] [days]"},
    "usage_funnel": {"ru": "/funnel [дней]", "en": "/funnel [days]"},
    "usage_user": {
        "ru": "/user &lt;id | @username | имя&gt;",
        "en": "/user &lt;id | @username | name&gt;",
    },
    "usage_export": {
        "ru": "/export users|bookings|registrations|events [дней] [csv]",
        "en": "/export users|bookings|registrations|events [days] [csv]",
    },
    "capped": {
        "ru": "<i>Окно ограничено: не больше {days} (запрошено {asked}).</i>",
        "en": "<i>The window is capped at {days} ({asked} asked).</i>",
    },
    # shared words
    "period_days": {"ru": "за {days}", "en": "last {days}"},
    "period_everything": {"ru": "за всё время", "en": "all time"},
    "period_all": {"ru": "за всё время (с {first})", "en": "all time (since {first})"},
    "period_days_since": {
        "ru": "за {days} (данные — с {first})",
        "en": "last {days} (data since {first})",
    },
    "change_today": {"ru": "сегодня {n}", "en": "today {n}"},
    "change_week": {"ru": "за 7 дней {n}", "en": "7 days {n}"},
    "no_data": {"ru": "Нет данных за этот период", "en": "No data for this period"},
    "status_0": {"ru": "создана, ждёт оплаты", "en": "created, awaiting payment"},
    "status_1": {"ru": "чек загружен, на проверке", "en": "payment proof uploaded"},
    "status_2": {"ru": "подтверждена (оплачена)", "en": "confirmed (paid)"},
    "status_-1": {"ru": "отменена", "en": "cancelled"},
    "status_other": {"ru": "статус {status}", "en": "status {status}"},
    "status_viewer": {
        "ru": "смотрел программу, без брони",
        "en": "viewed the programme, no booking",
    },
    "course_1": {"ru": "Вайб кодинг", "en": "Vibe coding"},
    "course_2": {"ru": "Вайб кодинг EXTRA", "en": "Vibe coding EXTRA"},
    "course_other": {"ru": "Курс {course}", "en": "Course {course}"},
    "course_none": {"ru": "Без курса", "en": "No course"},
    "stream_none": {"ru": "без потока", "en": "no stream"},
    # /stats
    "stats_title": {"ru": "<b>Сводка по школе</b>", "en": "<b>School at a glance</b>"},
    "stats_users": {"ru": "Пользователи", "en": "Users"},
    "stats_statuses": {"ru": "Брони по статусам:", "en": "Bookings by status:"},
    "stats_registrations": {"ru": "Записи на бесплатные уроки", "en": "Free-lesson sign-ups"},
    "stats_reach": {
        "ru": "Бот курса, по итогам рассылок:",
        "en": "Course bot, as broadcasts found:",
    },
    "stats_reach_blocked": {"ru": "заблокировали {n}", "en": "{n} blocked it"},
    "stats_reach_never_started": {"ru": "не запускали {n}", "en": "{n} never started it"},
    "stats_reach_deactivated": {"ru": "удалили аккаунт {n}", "en": "{n} deleted the account"},
    "stats_last_broadcast": {
        "ru": "Последняя рассылка: {when} — «{text}» — {outcome}",
        "en": "Last broadcast: {when} — “{text}” — {outcome}",
    },
    # what became of it (status of message_history; deleted copies count as delivered)
    "stats_last_done": {
        "ru": "доставлено {delivered} из {total}",
        "en": "delivered {delivered} of {total}",
    },
    "stats_last_sending": {
        "ru": "идёт отправка: пока доставлено {delivered} из {total}",
        "en": "sending: delivered {delivered} of {total} so far",
    },
    "stats_last_paused": {
        "ru": "на паузе: доставлено {delivered} из {total}",
        "en": "paused: delivered {delivered} of {total}",
    },
    "stats_last_cancelled": {
        "ru": "отменена: доставлено {delivered} из {total}, {cancelled} не отправлено",
        "en": "cancelled: delivered {delivered} of {total}, {cancelled} not sent",
    },
    "stats_last_cancelled_all_sent": {
        "ru": "отменена: доставлено {delivered} из {total}",
        "en": "cancelled: delivered {delivered} of {total}",
    },
    "stats_last_deleting": {
        "ru": "удаляется у всех (была доставлена {delivered} из {total})",
        "en": "being deleted for everyone (it had reached {delivered} of {total})",
    },
    "stats_last_deleted": {
        "ru": "удалена у всех (была доставлена {delivered} из {total})",
        "en": "deleted for everyone (it had reached {delivered} of {total})",
    },
    "stats_last_deleting_cancelled": {
        "ru": "отменена и удаляется у всех (была доставлена {delivered} из {total}, "
        "{cancelled} не отправлено)",
        "en": "cancelled, being deleted for everyone (it had reached {delivered} of {total}, "
        "{cancelled} not sent)",
    },
    "stats_last_deleted_cancelled": {
        "ru": "отменена и удалена у всех (была доставлена {delivered} из {total}, "
        "{cancelled} не отправлено)",
        "en": "cancelled, then deleted for everyone (it had reached {delivered} of {total}, "
        "{cancelled} not sent)",
    },
    "stats_no_broadcast": {"ru": "Рассылок ещё не было.", "en": "No broadcasts yet."},
    # unfinished periods, in charts and texts
    "partial_today": {"ru": "сегодня — пока", "en": "today so far"},
    "partial_week": {
        "ru": "неделя ещё идёт — не закрашена",
        "en": "week still in progress — not coloured",
    },
    # /growth
    "growth_title": {"ru": "Рост пользователей", "en": "User growth"},
    "growth_caption": {
        "ru": "<b>Рост пользователей</b> · {period}\nНовых за период: <b>{new}</b> · "
        "всего: <b>{total}</b>",
        "en": "<b>User growth</b> · {period}\nNew in the period: <b>{new}</b> · "
        "total: <b>{total}</b>",
    },
    "growth_new": {"ru": "Новые за день", "en": "New per day"},
    "growth_total": {"ru": "Всего (правая ось)", "en": "Total (right axis)"},
    "growth_all": {"ru": "Всё", "en": "All"},
    "growth_context": {"ru": "дни до периода", "en": "days before the period"},
    "growth_today_so_far": {
        "ru": "Сегодня — пока {n}",
        "en": "Today so far: {n}",
    },
    # /daily
    "daily_title": {"ru": "<b>По дням</b> · {period}", "en": "<b>Day by day</b> · {period}"},
    "daily_chart_title": {"ru": "Активность по дням", "en": "Activity per day"},
    "daily_header": {
        "ru": "день   новые брони событ  рег  опл",
        "en": "day      new book events  reg paid",
    },
    "daily_legend": {
        "ru": "новые — первые появления, брони — созданные брони, рег — записи на уроки, "
        "опл — подтверждённые оплаты.",
        "en": "new — first appearances, book — bookings made, reg — free-lesson sign-ups, "
        "paid — payments confirmed.",
    },
    "daily_today_note": {
        "ru": "* сегодня — пока, день не закончился.",
        "en": "* today so far: the day isn't over.",
    },
    "daily_chart_today_note": {
        "ru": "Сегодняшние столбики заштрихованы: день не закончился.",
        "en": "Today's bars are hatched: the day isn't over.",
    },
    "daily_totals": {
        "ru": "За период: новых {new_users}, броней {bookings}, событий {events}, "
        "записей {registrations}, оплат {confirmations}",
        "en": "In the period: {new_users} new, {bookings} bookings, {events} events, "
        "{registrations} sign-ups, {confirmations} payments",
    },
    "series_new_users": {"ru": "Новые", "en": "New users"},
    "series_bookings": {"ru": "Брони", "en": "Bookings"},
    "series_events": {"ru": "События", "en": "Events"},
    "series_registrations": {"ru": "Записи на уроки", "en": "Sign-ups"},
    "series_confirmations": {"ru": "Оплаты", "en": "Payments"},
    # /events
    "events_title": {"ru": "<b>Топ событий</b> · {period}", "en": "<b>Top events</b> · {period}"},
    "events_chart_title": {"ru": "Топ событий", "en": "Top events"},
    "events_total": {"ru": "Всего событий: {total}", "en": "Events in total: {total}"},
    # /courses
    "courses_title": {"ru": "<b>Курсы и потоки</b>", "en": "<b>Courses and streams</b>"},
    "courses_empty": {"ru": "Броней пока нет.", "en": "No bookings yet."},
    "courses_stream": {
        "ru": "{stream}{current}: {total} — конверсия в оплату {conversion}",
        "en": "{stream}{current}: {total} — conversion to paid {conversion}",
    },
    "courses_current": {"ru": " (текущий)", "en": " (current)"},
    "courses_hint": {
        "ru": "Кнопка потока — кто его забронировал; у текущего — и кто смотрел программу.",
        "en": "A stream's button lists who booked it; a current one's, also who viewed"
        " the programme.",
    },
    "person_no_name": {"ru": "id {id}", "en": "id {id}"},
    "students_title": {"ru": "<b>{course} · {stream}</b>", "en": "<b>{course} · {stream}</b>"},
    "students_bookers_heading": {
        "ru": "Забронировали: {people}, сначала недавно активные · стр. {page}/{pages}",
        "en": "Booked it: {people}, most recently active first · page {page}/{pages}",
    },
    "students_viewers_heading": {
        "ru": "Смотрели программу с открытия потока, но не забронировали: {people},"
        " сначала недавние · стр. {page}/{pages}",
        "en": "Viewed the programme since the stream opened but didn't book: {people},"
        " latest first · page {page}/{pages}",
    },
    "students_show_viewers": {
        "ru": "👀 Смотрели программу без брони ({n})",
        "en": "👀 Viewed the programme, no booking ({n})",
    },
    "students_show_bookers": {
        "ru": "🎓 Забронировавшие поток ({n})",
        "en": "🎓 Those who booked it ({n})",
    },
    "students_row": {
        "ru": "{n}. {name} — {status} — был(а) {seen}",
        "en": "{n}. {name} — {status} — last active {seen}",
    },
    "students_viewer_row": {
        "ru": "{n}. {name} — смотрел(а) программу {viewed}",
        "en": "{n}. {name} — viewed the programme {viewed}",
    },
    "students_no_viewers": {
        "ru": "Никто не смотрел программу без брони.",
        "en": "Nobody viewed the programme without booking.",
    },
    "students_empty": {"ru": "В этом потоке никого нет.", "en": "Nobody in this stream."},
    "stream_gone": {
        "ru": "Этого потока больше нет в данных.",
        "en": "This stream is no longer in the data.",
    },
    # ◀ ▶ under every paged list (people, /courses, /history, /scheduled, audience menus)
    "prev_page": {"ru": "◀ Предыдущая", "en": "◀ Previous"},
    "next_page": {"ru": "Следующая ▶", "en": "Next ▶"},
    "list_page": {"ru": "стр. {page} из {pages}", "en": "page {page} of {pages}"},
    # /lessons
    "lessons_title": {
        "ru": "<b>Бесплатные уроки</b> (с {first})",
        "en": "<b>Free lessons</b> (from {first})",
    },
    "lessons_empty": {
        "ru": "Записей на уроки с {first} нет.",
        "en": "No free-lesson sign-ups since {first}.",
    },
    "lessons_head": {
        "ru": "<b>{date} · {lesson}</b>: записались {registered}",
        "en": "<b>{date} · {lesson}</b>: signed up {registered}",
    },
    "lessons_outcome": {
        "ru": " · пришли {attended} ({attended_share}) · потом забронировали {booked}"
        " ({booked_share})",
        "en": " · attended {attended} ({attended_share}) · booked later {booked} ({booked_share})",
    },
    "lessons_upcoming": {"ru": " · урок впереди", "en": " · still to come"},
    "lessons_today": {"ru": " · урок сегодня, пока", "en": " · today, so far"},
    # /funnel
    "funnel_title": {"ru": "<b>Воронка</b> · {period}", "en": "<b>Funnel</b> · {period}"},
    "funnel_chart_title": {"ru": "Воронка", "en": "Funnel"},
    "funnel_note": {
        "ru": "<i>Шаг засчитан, если в окне пройдены и все предыдущие.</i>",
        "en": "<i>A step counts users who also reached every earlier step in the window.</i>",
    },
    "funnel_started": {"ru": "Нажали /start", "en": "Pressed /start"},
    "funnel_viewed": {"ru": "Смотрели программу", "en": "Viewed the programme"},
    "funnel_booked": {"ru": "Создали бронь", "en": "Made a booking"},
    "funnel_paid": {"ru": "Загрузили чек", "en": "Uploaded payment proof"},
    "funnel_confirmed": {"ru": "Оплата подтверждена", "en": "Payment confirmed"},
    "funnel_row": {
        "ru": "{n}. {step}: <b>{users}</b>{conversion}",
        "en": "{n}. {step}: <b>{users}</b>{conversion}",
    },
    "funnel_conversion": {"ru": " ({share} от предыдущего)", "en": " ({share} of the previous)"},
    # /retention
    "retention_title": {
        "ru": "<b>Удержание по недельным когортам</b> ({weeks})",
        "en": "<b>Retention by weekly cohort</b> ({weeks})",
    },
    "retention_chart_title": {
        "ru": "Доля когорты с событиями, %",
        "en": "Share of the cohort with any event, %",
    },
    "retention_x": {"ru": "недель с первого появления", "en": "weeks since first appearance"},
    "retention_y": {"ru": "когорта · размер", "en": "cohort · size"},
    "retention_row": {
        "ru": "{week} — {size}: {shares}",
        "en": "{week} — {size}: {shares}",
    },
    "retention_share": {"ru": "н{n} {share}", "en": "w{n} {share}"},
    "retention_share_so_far": {"ru": "н{n} пока {share}", "en": "w{n} so far {share}"},
    "retention_first_week": {"ru": "первая неделя идёт", "en": "first week in progress"},
    "retention_so_far_note": {
        "ru": "<i>«пока» — неделя ещё идёт, доля вырастет; на графике такие клетки "
        "заштрихованы.</i>",
        "en": "<i>“so far”: the week isn't over and the share will grow; the chart hatches "
        "those cells.</i>",
    },
    "retention_empty_row": {"ru": "{week} — никого", "en": "{week} — nobody"},
    # /leads
    "leads_title": {
        "ru": "<b>Лиды</b> — без оплаты, события с {since}",
        "en": "<b>Leads</b> — not paying, events since {since}",
    },
    "leads_hot": {
        "ru": "🔥 Горячие (≥ 20 событий за ≥ 5 дней): <b>{n}</b>",
        "en": "🔥 Hot (≥ 20 events on ≥ 5 days): <b>{n}</b>",
    },
    "leads_warm": {
        "ru": "Тёплые (≥ 10 событий за ≥ 3 дня): <b>{n}</b>",
        "en": "Warm (≥ 10 events on ≥ 3 days): <b>{n}</b>",
    },
    "leads_cool": {
        "ru": "Прохладные (≥ 5 событий): <b>{n}</b>",
        "en": "Cool (≥ 5 events): <b>{n}</b>",
    },
    "leads_top": {"ru": "Самые горячие:", "en": "Hottest leads:"},
    "leads_as_of": {"ru": "<i>По данным на {time}</i>", "en": "<i>As of {time}</i>"},
    "leads_row": {
        "ru": "{n}. {name} — {events} за {days}",
        "en": "{n}. {name} — {events} on {days}",
    },
    # /user
    "user_not_found": {
        "ru": "Пользователь «{query}» не найден.",
        "en": "User “{query}” not found.",
    },
    "user_matches": {
        "ru": "Нашлось несколько пользователей ({n}), выберите:",
        "en": "Several users match ({n}); pick one:",
    },
    "user_matches_more": {
        "ru": "Подходят больше {n} пользователей — вот первые {n}, недавно активные."
        " Уточните запрос, если нужного нет:",
        "en": "More than {n} users match — here are the first {n}, most recently active."
        " Refine the query if the one you want isn't here:",
    },
    "user_title": {
        "ru": "<b>{name}</b> · id <code>{user_id}</code>",
        "en": "<b>{name}</b> · id <code>{user_id}</code>",
    },
    "user_title_nameless": {
        "ru": "<b>Без имени</b> · id <code>{user_id}</code>",
        "en": "<b>No name</b> · id <code>{user_id}</code>",
    },
    "user_seen": {
        "ru": "Впервые: {first} · последний раз: {last}",
        "en": "First seen: {first} · last seen: {last}",
    },
    "user_unreachable_blocked": {
        "ru": "⛔ Заблокировал(а) {bot} (выяснилось {when})",
        "en": "⛔ Blocked the {bot} (found out on {when})",
    },
    "user_unreachable_never_started": {
        "ru": "🚫 Не запускал(а) {bot} (выяснилось {when})",
        "en": "🚫 Never started the {bot} (found out on {when})",
    },
    "user_unreachable_deactivated": {
        "ru": "🗑 Удалил(а) аккаунт Telegram (выяснилось {when})",
        "en": "🗑 Deleted their Telegram account (found out on {when})",
    },
    "user_not_known_blocked": {
        "ru": "Рассылки {bot} доходили: о блокировке не известно.",
        "en": "Broadcasts from the {bot} have reached them: not known to have blocked it.",
    },
    "user_included_after_blocked": {
        "ru": "↩️ Рассылка выяснила, что заблокировал(а) {bot} ({when}); с тех пор снова"
        " в рассылках.",
        "en": "↩️ A broadcast found they had blocked the {bot} ({when}); included in"
        " broadcasts again since.",
    },
    "user_included_after_never_started": {
        "ru": "↩️ Рассылка выяснила, что не запускал(а) {bot} ({when}); с тех пор снова"
        " в рассылках.",
        "en": "↩️ A broadcast found they had never started the {bot} ({when}); included in"
        " broadcasts again since.",
    },
    "user_included_after_deactivated": {
        "ru": "↩️ Рассылка выяснила, что аккаунт Telegram удалён ({when}); с тех пор снова"
        " в рассылках.",
        "en": "↩️ A broadcast found their Telegram account deleted ({when}); included in"
        " broadcasts again since.",
    },
    "user_reachable_again": {
        "ru": "✅ С тех пор снова пользуется ботом курса: рассылки до него доходят.",
        "en": "✅ Active with the course bot since: broadcasts reach them again.",
    },
    "user_bot_both": {"ru": "бота", "en": "bot"},
    "user_bot_broadcast": {"ru": "бота курса", "en": "course bot"},
    "user_bot_console": {"ru": "бота консоли", "en": "console bot"},
    "user_bot_other": {"ru": "прежнего бота", "en": "earlier bot"},
    "user_include_button": {
        "ru": "↩️ Снова включать в рассылки",
        "en": "↩️ Include in broadcasts again",
    },
    "user_included": {
        "ru": "Снова в рассылках: {name}.",
        "en": "Included in broadcasts again: {name}.",
    },
    "user_bookings": {"ru": "<b>Брони</b>:", "en": "<b>Bookings</b>:"},
    "user_booking": {
        "ru": "• {course} · {stream} — {status} — {when}",
        "en": "• {course} · {stream} — {status} — {when}",
    },
    "user_lessons": {"ru": "<b>Бесплатные уроки</b>:", "en": "<b>Free lessons</b>:"},
    "user_lesson": {
        "ru": "• {lesson} на {date} (записался(-ась) {when})",
        "en": "• {lesson} on {date} (signed up {when})",
    },
    "user_events": {
        "ru": "<b>Последние события</b> ({shown} из {total}):",
        "en": "<b>Recent events</b> ({shown} of {total}):",
    },
    "user_event": {"ru": "• {when} {event}", "en": "• {when} {event}"},
    "user_broadcasts": {"ru": "<b>Рассылки</b>:", "en": "<b>Broadcasts</b>:"},
    "user_broadcast": {
        "ru": "• {when} — «{text}» — {status}",
        "en": "• {when} — “{text}” — {status}",
    },
    "user_none": {"ru": "• нет", "en": "• none"},
    "user_message_button": {"ru": "✉️ Написать пользователю", "en": "✉️ Message this user"},
    "delivery_pending": {"ru": "в очереди", "en": "pending"},
    "delivery_sent": {"ru": "доставлено", "en": "delivered"},
    "delivery_failed": {"ru": "не доставлено", "en": "failed"},
    "delivery_deleted": {
        "ru": "доставлено, потом удалено у всех",
        "en": "delivered, then deleted for everyone",
    },
    "delivery_cancelled": {"ru": "отменено, не отправлялось", "en": "cancelled, not sent"},
    # /schema
    "schema_title": {
        "ru": "<b>База данных</b>: {n}",
        "en": "<b>Database</b>: {n}",
    },
    "schema_table": {
        "ru": "<b>{name}</b> — {rows}, {size}",
        "en": "<b>{name}</b> — {rows}, {size}",
    },
    "schema_estimate": {"ru": "≈{rows}", "en": "≈{rows}"},
    "size_B": {"ru": "Б", "en": "B"},
    "size_KB": {"ru": "КБ", "en": "KB"},
    "size_MB": {"ru": "МБ", "en": "MB"},
    "size_GB": {"ru": "ГБ", "en": "GB"},
    "schema_columns": {"ru": "колонки: {columns}", "en": "columns: {columns}"},
    "schema_indexes": {"ru": "индексы: {indexes}", "en": "indexes: {indexes}"},
    "schema_no_indexes": {"ru": "индексов нет", "en": "no indexes"},
    # /export
    "export_caption": {
        "ru": "<b>{kind}</b>: {rows} · {period}",
        "en": "<b>{kind}</b>: {rows} · {period}",
    },
    "export_hint_xlsx": {
        "ru": "Для программ — CSV: <code>/export {kind}{days} csv</code>",
        "en": "For programs, CSV: <code>/export {kind}{days} csv</code>",
    },
    "export_hint_csv": {
        "ru": "CSV для программ: значения как в базе, время местное ({tz}) со смещением от UTC.",
        "en": "CSV for programs: values as stored, times local ({tz}) with their UTC offset.",
    },
    "export_too_big": {
        "ru": "Файл больше {mb} МБ — Telegram его не примет. Сузьте окно, например: "
        "/export {kind} 30",
        "en": "The file is over {mb} MB, more than Telegram accepts. Narrow the window, e.g. "
        "/export {kind} 30",
    },
    "export_kind_users": {"ru": "Пользователи", "en": "Users"},
    "export_kind_bookings": {"ru": "Брони", "en": "Bookings"},
    "export_kind_registrations": {"ru": "Записи на уроки", "en": "Lesson sign-ups"},
    "export_kind_events": {"ru": "События", "en": "Events"},
    "export_yes": {"ru": "да", "en": "yes"},
    "export_no": {"ru": "нет", "en": "no"},
    "export_status_created": {"ru": "создана", "en": "created"},
    "export_status_uploaded": {"ru": "загружена оплата", "en": "payment uploaded"},
    "export_status_confirmed": {"ru": "подтверждена", "en": "confirmed"},
    "export_status_cancelled": {"ru": "отменена", "en": "cancelled"},
    "export_col_id": {"ru": "№", "en": "No."},
    "export_col_user_id": {"ru": "ID пользователя", "en": "User ID"},
    "export_col_username": {"ru": "Username", "en": "Username"},
    "export_col_first_name": {"ru": "Имя", "en": "First name"},
    "export_col_first_seen": {"ru": "Впервые", "en": "First seen"},
    "export_col_last_seen": {"ru": "Последний раз", "en": "Last seen"},
    "export_col_blocked": {
        "ru": "Бот курса недоступен (по рассылкам)",
        "en": "Course bot can't reach (as broadcasts found)",
    },
    # why the course bot cannot reach someone; empty when nothing is known against it
    "export_reach_blocked": {"ru": "заблокировал(а) бота", "en": "blocked the bot"},
    "export_reach_never_started": {"ru": "не запускал(а) бота", "en": "never started the bot"},
    "export_reach_deactivated": {"ru": "аккаунт удалён", "en": "account deleted"},
    "export_col_course_id": {"ru": "Курс", "en": "Course"},
    "export_col_course_stream": {"ru": "Поток", "en": "Stream"},
    "export_col_confirmed": {"ru": "Статус", "en": "Status"},
    "export_col_created_at": {"ru": "Создано", "en": "Created"},
    "export_col_referral_code": {"ru": "Реферальный код", "en": "Referral code"},
    "export_col_discount_percent": {"ru": "Скидка, %", "en": "Discount, %"},
    "export_col_email": {"ru": "Email", "en": "Email"},
    "export_col_lesson_type": {"ru": "Урок", "en": "Lesson"},
    "export_col_lesson_date": {"ru": "Дата урока", "en": "Lesson date"},
    "export_col_registered_at": {"ru": "Записался(-ась)", "en": "Signed up"},
    "export_col_notification_sent": {"ru": "Напоминание отправлено", "en": "Reminder sent"},
    "export_col_event_type": {"ru": "Событие", "en": "Event"},
    "export_col_details": {"ru": "Подробности", "en": "Details"},
    # keys of events.details, as the XLSX names them
    "export_detail_course_id": {"ru": "курс", "en": "course"},
    "export_detail_course_stream": {"ru": "поток", "en": "stream"},
    "export_detail_lesson_type": {"ru": "урок", "en": "lesson"},
    "export_detail_lesson_date": {"ru": "дата урока", "en": "lesson date"},
    "export_detail_code": {"ru": "код", "en": "code"},
    "export_detail_start_param": {"ru": "метка /start", "en": "/start parameter"},
    "export_detail_data": {"ru": "кнопка", "en": "button"},
    "export_detail_from": {"ru": "было", "en": "from"},
    "export_detail_to": {"ru": "стало", "en": "to"},
}
