"""The booking desk's texts: a booking's card, before → after, outcomes (pure functions).

Names come from the analytics views (the names /courses and /user print); the school's free
text (names, streams, referral codes, what an admin typed) passes through ``quote``.
"""

from __future__ import annotations

from dataclasses import fields

from bot.analytics.models import CANCELLED, CONFIRMED
from bot.school import Booking, State
from bot.telegram.analytics.views import course_name, person, status_name, stream_name
from bot.telegram.core.formatting import button_label, plain, quoted_input
from bot.telegram.texts import Texts, quote


def value_text(texts: Texts, field: str, state: State) -> str:
    """One of a state's values as the card shows it (HTML)."""
    if field == "course_stream":
        return stream_name(texts, state.course_stream)
    if field == "confirmed":
        return status_name(texts, state.confirmed)
    if field == "referral_code":
        code = state.referral_code
        return f"<code>{quote(code)}</code>" if code else texts("desk_no_code")
    return percent(texts, state.discount_percent)


def percent(texts: Texts, n: int) -> str:
    return texts("desk_percent", n=n)


def card_lines(texts: Texts, booking: Booking) -> list[str]:
    """Which booking, whose, and the four values an admin can change."""
    state = booking.state
    return [
        texts("desk_title", id=booking.id, course=course_name(texts, booking.course_id)),
        texts(
            "desk_person",
            name=person(texts, booking.user_id, booking.first_name, booking.username),
            user_id=booking.user_id,
        ),
        texts("desk_stream", stream=value_text(texts, "course_stream", state)),
        texts("desk_status", status=value_text(texts, "confirmed", state)),
        texts("desk_code", code=value_text(texts, "referral_code", state)),
        texts("desk_discount", discount=value_text(texts, "discount_percent", state)),
        texts("desk_created", when=texts.when(booking.created_at)),
    ]


def card_text(texts: Texts, booking: Booking, *notes: str) -> str:
    """The card, after a line or two about what just happened (saved, refused…)."""
    head = [*notes, ""] if notes else []
    return "\n".join([*head, *card_lines(texts, booking)])


def asking_text(texts: Texts, booking: Booking, question_key: str) -> str:
    """The card with a question under it (which stream? which status?)."""
    return "\n".join([*card_lines(texts, booking), "", texts(question_key)])


def preview_text(texts: Texts, booking: Booking, wanted: State) -> str:
    """Before → after for every value that changes, and what the change means for figures."""
    before = booking.state
    lines = [
        texts("desk_preview_title", id=booking.id, course=course_name(texts, booking.course_id)),
        texts(
            "desk_person",
            name=person(texts, booking.user_id, booking.first_name, booking.username),
            user_id=booking.user_id,
        ),
        "",
    ]
    for field in (f.name for f in fields(State)):
        if getattr(before, field) != getattr(wanted, field):
            lines.append(
                texts(
                    f"desk_change_{field}",
                    before=value_text(texts, field, before),
                    after=value_text(texts, field, wanted),
                )
            )
    if wanted.confirmed != before.confirmed and wanted.confirmed == CONFIRMED:
        lines += ["", texts("desk_note_approved")]
    elif wanted.confirmed != before.confirmed and wanted.confirmed == CANCELLED:
        lines += ["", texts("desk_note_cancelled")]
    return "\n".join(lines)


def choice_text(texts: Texts, name: str, bookings: tuple[Booking, ...]) -> str:
    return texts("desk_pick_booking", name=name, bookings=texts.count(len(bookings), "booking"))


def booking_label(texts: Texts, booking: Booking) -> str:
    """A booking as a button shows it (plain text)."""
    return button_label(
        texts(
            "desk_booking_button",
            id=booking.id,
            course=plain(course_name(texts, booking.course_id)),
            stream=plain(stream_name(texts, booking.state.course_stream)),
            status=plain(status_name(texts, booking.state.confirmed)),
        )
    )


def bad_discount_text(texts: Texts, typed: str, most: int) -> str:
    return texts("desk_bad_discount", text=quoted_input(typed), max=most)
