"""The school's own data as admins may change it, written as the course bot writes it.

Plain async services (no aiogram): the chat (``bot.telegram.bookings``) and the Mini App
(``bot.web``) call :class:`BookingDesk`.
"""

from bot.school.bookings import (
    CARD_BOOKINGS,
    MAX_CODE_CHARS,
    MAX_DISCOUNT,
    Booking,
    BookingDesk,
    Change,
    Invalid,
    Stale,
    State,
    clean_code,
    version,
)

__all__ = [
    "CARD_BOOKINGS",
    "MAX_CODE_CHARS",
    "MAX_DISCOUNT",
    "Booking",
    "BookingDesk",
    "Change",
    "Invalid",
    "Stale",
    "State",
    "clean_code",
    "version",
]
