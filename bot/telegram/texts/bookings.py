"""Phrases of the booking desk in the chat: a booking's card, its changes, before → after."""

from __future__ import annotations

CATALOG: dict[str, dict[str, str]] = {
    # the /user card's button, and a person with several bookings
    "desk_manage_button": {"ru": "🛠 Изменить бронь", "en": "🛠 Manage booking"},
    "desk_no_bookings": {
        "ru": "У пользователя <code>{user_id}</code> нет броней.",
        "en": "User <code>{user_id}</code> has no bookings.",
    },
    "desk_pick_booking": {
        "ru": "{name}: {bookings}. Какую изменить?",
        "en": "{name}: {bookings}. Which one?",
    },
    "desk_booking_button": {
        "ru": "#{id} · {course} · {stream} · {status}",
        "en": "#{id} · {course} · {stream} · {status}",
    },
    # a booking's card
    "desk_title": {"ru": "<b>Бронь #{id}</b> · {course}", "en": "<b>Booking #{id}</b> · {course}"},
    "desk_person": {
        "ru": "{name} · id <code>{user_id}</code>",
        "en": "{name} · id <code>{user_id}</code>",
    },
    "desk_stream": {"ru": "Поток: {stream}", "en": "Stream: {stream}"},
    "desk_status": {"ru": "Статус: {status}", "en": "Status: {status}"},
    "desk_code": {"ru": "Реферальный код: {code}", "en": "Referral code: {code}"},
    "desk_discount": {"ru": "Скидка: {discount}", "en": "Discount: {discount}"},
    "desk_created": {"ru": "Создана: {when}", "en": "Booked: {when}"},
    "desk_no_code": {"ru": "нет", "en": "none"},
    "desk_percent": {"ru": "{n}\u00a0%", "en": "{n}%"},
    # the card's buttons
    "desk_move_button": {"ru": "🔀 Перенести в другой поток", "en": "🔀 Move to another stream"},
    "desk_status_button": {"ru": "🏷 Изменить статус", "en": "🏷 Set status"},
    "desk_code_button": {"ru": "🎟 Реферальный код", "en": "🎟 Referral code"},
    "desk_discount_button": {"ru": "💯 Скидка", "en": "💯 Discount"},
    "desk_back_button": {"ru": "← Назад", "en": "← Back"},
    "desk_confirm_button": {"ru": "✅ Подтвердить", "en": "✅ Confirm"},
    "desk_cancel_button": {"ru": "✖ Отмена", "en": "✖ Cancel"},
    # choosing
    "desk_pick_stream": {
        "ru": "В какой поток курса перенести бронь?",
        "en": "Move the booking to which stream of the course?",
    },
    "desk_pick_status": {"ru": "Какой статус поставить?", "en": "Which status?"},
    "desk_no_other_stream": {
        "ru": "У этого курса нет другого потока, куда можно перенести бронь.",
        "en": "This course has no other stream to move the booking to.",
    },
    "desk_cancelled_not_moved": {
        "ru": "Отменённую бронь не переносят: сначала измените её статус.",
        "en": "A cancelled booking is not moved: change its status first.",
    },
    "desk_stream_gone": {
        "ru": "Этого потока у курса больше нет: выберите снова.",
        "en": "The course no longer has that stream: choose again.",
    },
    # typing a code or a discount
    "desk_ask_code": {
        "ru": "Пришлите новый реферальный код брони #{id} (сейчас: {code}), до {max} символов. "
        "«-» — убрать код. /cancel — оставить как есть.",
        "en": "Send the new referral code of booking #{id} (now: {code}), up to {max} "
        "characters. “-” removes the code. /cancel keeps it as it is.",
    },
    "desk_ask_discount": {
        "ru": "Пришлите скидку брони #{id} в процентах: целое число от 0 до {max} "
        "(сейчас: {discount}). /cancel — оставить как есть.",
        "en": "Send the discount of booking #{id} in per cent: a whole number from 0 to {max} "
        "(now: {discount}). /cancel keeps it as it is.",
    },
    "desk_bad_discount": {
        "ru": "«{text}» — не скидка: нужно целое число от 0 до {max}. "
        "Пришлите ещё раз или /cancel.",
        "en": "“{text}” is not a discount: send a whole number from 0 to {max}, or /cancel.",
    },
    "desk_bad_code_long": {
        "ru": "Код длиннее {max} символов ({n}). Пришлите короче или /cancel.",
        "en": "The code is longer than {max} characters ({n}). Send a shorter one, or /cancel.",
    },
    "desk_bad_code_lines": {
        "ru": "Код — одна строка. Пришлите ещё раз или /cancel.",
        "en": "A code is one line. Send it again, or /cancel.",
    },
    "desk_same_value": {
        "ru": "Сейчас уже так. Пришлите другое значение или /cancel.",
        "en": "That is already the value. Send another one, or /cancel.",
    },
    "desk_send_text": {
        "ru": "Пришлите значение текстом или /cancel.",
        "en": "Send the value as text, or /cancel.",
    },
    # before → after
    "desk_preview_title": {
        "ru": "<b>Изменить бронь #{id}?</b> · {course}",
        "en": "<b>Change booking #{id}?</b> · {course}",
    },
    "desk_change_course_stream": {
        "ru": "Поток: {before} → {after}",
        "en": "Stream: {before} → {after}",
    },
    "desk_change_confirmed": {
        "ru": "Статус: {before} → {after}",
        "en": "Status: {before} → {after}",
    },
    "desk_change_referral_code": {
        "ru": "Реферальный код: {before} → {after}",
        "en": "Referral code: {before} → {after}",
    },
    "desk_change_discount_percent": {
        "ru": "Скидка: {before} → {after}",
        "en": "Discount: {before} → {after}",
    },
    "desk_note_approved": {
        "ru": "Оплата будет записана как подтверждённая вами: она войдёт в оплаты, "
        "сводку и воронку.",
        "en": "The payment is recorded as approved by you: it counts in payments, "
        "the overview and the funnel.",
    },
    "desk_note_cancelled": {
        "ru": "Бронь перестанет считаться активной.",
        "en": "The booking no longer counts as active.",
    },
    # outcomes
    "desk_saved": {"ru": "✅ Сохранено.", "en": "✅ Saved."},
    "desk_stale": {
        "ru": "⚠️ Не изменено: бронь изменилась после того, как её показали. Сейчас она такая:",
        "en": "⚠️ Not changed: the booking changed after it was shown. This is it now:",
    },
    "desk_gone": {
        "ru": "Брони #{id} больше нет.",
        "en": "Booking #{id} no longer exists.",
    },
    "desk_expired": {
        "ru": "Это подтверждение устарело: откройте карточку брони заново.",
        "en": "This confirmation is out of date: open the booking's card again.",
    },
}
