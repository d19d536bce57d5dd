"""Analytics answers → HTML texts and chart labels (pure functions of data)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from babel.numbers import format_decimal

from bot.analytics import STUDENTS_PER_PAGE
from bot.analytics.models import (
    DAILY_SERIES,
    FUNNEL_STEPS,
    Change,
    Daily,
    Funnel,
    Growth,
    LastBroadcast,
    Leads,
    Lesson,
    Retention,
    Stats,
    Stream,
    StudentsPage,
    Table,
    TopEvents,
    UserCard,
    Window,
)
from bot.charts import Labels
from bot.telegram.core import paging
from bot.telegram.core.formatting import excerpt, plain
from bot.telegram.core.paging import Page
from bot.telegram.texts import Texts, quote

EXCERPT_CHARS = 40  # a broadcast's text in one line of a list
NAME_CHARS = 100  # a stream's name, wherever it is shown
COURSES_PER_PAGE = 15  # streams on one page of /courses, each with its button


def person(texts: Texts, user_id: int, first_name: str | None, username: str | None) -> str:
    """A person's name as admins recognise it: first name, @username, else the id."""
    parts = [quote(first_name)] if first_name else []
    if username:
        parts.append("@" + quote(username))
    return " ".join(parts) or texts("person_no_name", id=user_id)


def status_name(texts: Texts, status: int | None) -> str:
    if status is None:
        return texts("status_viewer")
    key = f"status_{status}"
    return texts(key) if texts.has(key) else texts("status_other", status=status)


def course_name(texts: Texts, course_id: int | None) -> str:
    if not course_id:
        return texts("course_none")
    key = f"course_{course_id}"
    return texts(key) if texts.has(key) else texts("course_other", course=course_id)


def stream_name(texts: Texts, stream: str | None) -> str:
    """A stream as people call it ("8-й поток"), quoted and cut to a sane length (the school
    may write anything there)."""
    return (
        excerpt(texts.code_name("stream", stream), NAME_CHARS) if stream else texts("stream_none")
    )


def period(texts: Texts, window: Window) -> str:
    """ "last 30 days", "all time (since 02.09.2026)", or "last 365 days (data since
    02.09.2026)" when the school is younger than the window (the chart starts there)."""
    if window.days is None:
        return texts("period_all", first=texts.day(window.first_day))
    days = texts.count(window.days, "day")
    if window.data_since is not None:
        return texts("period_days_since", days=days, first=texts.day(window.data_since))
    return texts("period_days", days=days)


def capped_note(texts: Texts, window: Window) -> list[str]:
    if window.capped_from is None:
        return []
    return [
        texts(
            "capped",
            days=texts.count(window.days or 0, "day"),
            asked=texts.number(window.capped_from),
        )
    ]


def _change(texts: Texts, label: str, change: Change) -> str:
    """``label: total`` and what changed, saying only what did: "(today +1, 7 days +5)",
    "(7 days +2)", or nothing when nothing moved in a week."""
    return f"{label}: <b>{texts.number(change.total)}</b>{_moved(texts, change)}"


def moved(texts: Texts, change: Change) -> str:
    """What changed, saying only what did: "today +1, 7 days +5", "7 days +2", or "" when
    nothing moved in a week (the page says it the same way)."""
    parts = []
    if change.today:
        parts.append(texts("change_today", n=texts.signed(change.today)))
    if change.week:
        parts.append(texts("change_week", n=texts.signed(change.week)))
    return ", ".join(parts)


def _moved(texts: Texts, change: Change) -> str:
    detail = moved(texts, change)
    return f" ({detail})" if detail else ""


def reach_known(stats: Stats) -> bool:
    """Whether anything is known of who the course bot cannot reach: broadcasts find it out,
    so before any was sent a zero would claim knowledge the bot does not have."""
    return stats.last_broadcast is not None or bool(
        stats.blocked.total or stats.never_started or stats.deactivated
    )


def reach_parts(stats: Stats) -> list[tuple[str, int]]:
    """What /stats says of who the course bot cannot reach: (text key, count) — those who
    blocked it always, the never-started and deleted accounts only when there are any."""
    return [("stats_reach_blocked", stats.blocked.total)] + [
        (key, n)
        for key, n in (
            ("stats_reach_never_started", stats.never_started),
            ("stats_reach_deactivated", stats.deactivated),
        )
        if n
    ]


def _reach_line(texts: Texts, stats: Stats) -> str | None:
    """Who the course bot cannot reach, as broadcasts found out (see :func:`reach_known`).

    Totals only: a broadcast finds out today that someone blocked the bot at some unknown
    earlier time, so "today +12" would date the finding, not the blocking."""
    if not reach_known(stats):
        return None
    parts = [texts(key, n=f"<b>{texts.number(n)}</b>") for key, n in reach_parts(stats)]
    return texts("stats_reach") + " " + " · ".join(parts)


def stats_text(texts: Texts, stats: Stats) -> str:
    reach = _reach_line(texts, stats)
    lines = [
        texts("stats_title"),
        "",
        _change(texts, texts("stats_users"), stats.users),
        _change(texts, texts("stats_registrations"), stats.registrations),
        texts("stats_statuses"),
        *(_change(texts, "  • " + status_name(texts, s), c) for s, c in stats.statuses),
        *([reach] if reach else []),
        "",
    ]
    last = stats.last_broadcast
    if last is None:
        lines.append(texts("stats_no_broadcast"))
    else:
        lines.append(
            texts(
                "stats_last_broadcast",
                when=texts.when(last.sent_at),
                text=excerpt(plain(last.text), EXCERPT_CHARS),
                outcome=last_broadcast_outcome(texts, last),
            )
        )
    return "\n".join(lines)


def last_broadcast_outcome(texts: Texts, last: LastBroadcast) -> str:
    """Where the last broadcast stands and what reached people: "delivered 380 of 380",
    "cancelled: delivered 22 of 380, 358 not sent", "deleted for everyone (it had reached 22
    of 380)" — the copies deleted since count as delivered, they were read before."""
    figures = {
        "delivered": texts.number(last.delivered),
        "total": texts.number(last.recipients),
        "cancelled": texts.number(last.cancelled),
    }
    status = last.status
    if status in ("deleting", "deleted") and last.cancelled:
        status += "_cancelled"
    elif status == "cancelled" and not last.cancelled:
        status = "cancelled_all_sent"
    key = f"stats_last_{status}"
    return texts(key if texts.has(key) else "stats_last_done", **figures)


def growth_caption(texts: Texts, growth: Growth, *, until_now: bool = False) -> str:
    """The figures under the growth chart; ``until_now``: today's are so far."""
    caption = texts(
        "growth_caption",
        period=period(texts, growth.window),
        new=texts.number(growth.new_users),
        total=texts.number(growth.total),
    )
    today = []
    if until_now and growth.days:
        today = [texts("growth_today_so_far", n=texts.number(growth.days[-1].new_users))]
    return "\n".join([caption, *today, *capped_note(texts, growth.window)])


def growth_labels(texts: Texts, *, until_now: bool = False) -> Labels:
    """The growth chart's words; ``until_now``: its last day is today, still going."""
    return Labels(
        title=texts("growth_title"),
        empty=texts("no_data"),
        series=(texts("growth_new"), texts("growth_total"), texts("growth_context")),
        partial=texts("partial_today") if until_now else "",
        number=texts.number,
    )


def growth_numbers(texts: Texts, growth: Growth) -> list[str]:
    """Each day's new users as the locale writes them (shown on the bars when few)."""
    return [texts.number(d.new_users) for d in growth.days]


def daily_table(texts: Texts, daily: Daily) -> str:
    """A monospace table, one line per day (fits a phone up to 14 days); today's day, still
    going, is starred and explained under the table."""
    rows = [texts("daily_header")]
    for r in daily.rows:
        day = r.day.strftime("%d.%m") + ("*" if r.day == daily.window.today else "")
        rows.append(
            f"{day:<6}{r.new_users:>6}{r.bookings:>5}{r.events:>7}"
            f"{r.registrations:>5}{r.confirmations:>5}"
        )
    return "\n".join(
        [
            texts("daily_title", period=period(texts, daily.window)),
            "<pre>" + quote("\n".join(rows)) + "</pre>",
            texts("daily_legend"),
            texts("daily_today_note"),
            *capped_note(texts, daily.window),
        ]
    )


def daily_caption(texts: Texts, daily: Daily) -> str:
    totals = {
        name: texts.number(sum(getattr(r, name) for r in daily.rows)) for name in DAILY_SERIES
    }
    return "\n".join(
        [
            texts("daily_title", period=period(texts, daily.window)),
            texts("daily_totals", **totals),
            texts("daily_chart_today_note"),
            *capped_note(texts, daily.window),
        ]
    )


def daily_labels(texts: Texts) -> Labels:
    """The daily chart's words: /daily always ends today, so today is marked unfinished."""
    return Labels(
        title=texts("daily_chart_title"),
        empty=texts("no_data"),
        series=tuple(texts(f"series_{name}") for name in DAILY_SERIES),
        partial=texts("partial_today"),
        number=texts.number,
    )


def events_text(texts: Texts, top: TopEvents) -> str:
    lines = [texts("events_title", period=period(texts, top.window))]
    if not top.rows:
        lines.append(texts("no_data"))
    for n, row in enumerate(top.rows, 1):
        lines.append(
            f"{n}. {quote(texts.code_name('event', row.event_type))} — "
            f"<b>{texts.number(row.count)}</b> "
            f"({texts.percent(row.count, top.total)})"
        )
    if top.rows:
        lines.append(texts("events_total", total=texts.number(top.total)))
    return "\n".join([*lines, *capped_note(texts, top.window)])


def courses_text(texts: Texts, streams: Sequence[Stream], page: int = 0, pages: int = 1) -> str:
    """A page of /courses: each stream's bookings by status, under its course's name."""
    if not streams:
        return "\n".join([texts("courses_title"), "", texts("courses_empty")])
    title = texts("courses_title")
    if pages > 1:
        title += " · " + texts("list_page", page=page + 1, pages=pages)
    lines = [title]
    course: int | None = -1
    for stream in streams:
        if stream.course_id != course:
            course = stream.course_id
            lines += ["", f"<b>{course_name(texts, course)}</b>"]
        lines.append(
            texts(
                "courses_stream",
                stream=stream_name(texts, stream.stream),
                current=texts("courses_current") if stream.current else "",
                total=texts.count(stream.total, "booking"),
                conversion=texts.percent(stream.count(2), stream.total),
            )
        )
        lines.append(
            "   "
            + " · ".join(f"{status_name(texts, s)} {texts.number(n)}" for s, n in stream.counts)
        )
    return "\n".join([*lines, "", texts("courses_hint")])


def courses_page(texts: Texts, streams: Sequence[Stream], number: int) -> Page[Stream]:
    """Page ``number`` of the streams: as many as one message holds, with their buttons."""
    widest = paging.WIDEST_PAGE_NUMBER
    return paging.page(
        streams, number, COURSES_PER_PAGE, lambda chunk: courses_text(texts, chunk, widest, widest)
    )


def students_text(texts: Texts, page: StudentsPage) -> str:
    """One of a stream's two lists, saying which: who booked it (with each one's status,
    the most recently active first) or who viewed the programme without booking it."""
    stream = page.stream
    lines = [
        texts(
            "students_title",
            course=course_name(texts, stream.course_id),
            stream=stream_name(texts, stream.stream),
        ),
        texts(
            "students_viewers_heading" if page.viewers else "students_bookers_heading",
            people=texts.count(page.total, "person"),
            page=page.page + 1,
            pages=page.pages,
        ),
    ]
    if not page.students:
        lines.append(texts("students_no_viewers" if page.viewers else "students_empty"))
    start = page.page * STUDENTS_PER_PAGE
    for n, s in enumerate(page.students, start + 1):
        name = person(texts, s.user_id, s.first_name, s.username)
        if page.viewers:
            row = texts("students_viewer_row", n=n, name=name, viewed=texts.when(s.viewed_at))
        else:
            row = texts(
                "students_row",
                n=n,
                name=name,
                status=status_name(texts, s.status),
                seen=texts.when(s.last_seen_at),
            )
        lines.append(row)
    return "\n".join(lines)


def lessons_text(
    texts: Texts, lessons: tuple[Lesson, ...], first: str, today: date | None = None
) -> str:
    """Each lesson's sign-ups, attendance and bookings after; a lesson still ahead says so
    (nobody can have come yet), and today's counts are so far."""
    if not lessons:
        return texts("lessons_empty", first=first)
    lines = [texts("lessons_title", first=first)]
    for lesson in lessons:
        head = texts(
            "lessons_head",
            date=texts.day(lesson.lesson_date),
            lesson=quote(texts.code_name("lesson", lesson.lesson_type or None)),
            registered=texts.number(lesson.registered),
        )
        if today is not None and lesson.lesson_date > today:
            lines.append(head + texts("lessons_upcoming"))
            continue
        row = texts(
            "lessons_outcome",
            attended=texts.number(lesson.attended),
            attended_share=texts.percent(lesson.attended, lesson.registered),
            booked=texts.number(lesson.booked),
            booked_share=texts.percent(lesson.booked, lesson.registered),
        )
        today_note = texts("lessons_today") if lesson.lesson_date == today else ""
        lines.append(head + row + today_note)
    return "\n".join(lines)


def funnel_text(texts: Texts, funnel: Funnel) -> str:
    lines = [texts("funnel_title", period=period(texts, funnel.window))]
    previous: int | None = None
    for n, (step, users) in enumerate(funnel.steps, 1):
        conversion = (
            ""
            if previous is None
            else texts("funnel_conversion", share=texts.percent(users, previous))
        )
        lines.append(
            texts(
                "funnel_row",
                n=n,
                step=texts(f"funnel_{step}"),
                users=texts.number(users),
                conversion=conversion,
            )
        )
        previous = users
    return "\n".join([*lines, texts("funnel_note"), *capped_note(texts, funnel.window)])


def funnel_notes(texts: Texts, funnel: Funnel) -> list[str]:
    notes = []
    previous: int | None = None
    for _, users in funnel.steps:
        share = "" if previous is None else f" · {texts.percent(users, previous)}"
        notes.append(texts.number(users) + share)
        previous = users
    return notes


def funnel_labels(texts: Texts) -> Labels:
    return Labels(
        title=texts("funnel_chart_title"),
        empty=texts("no_data"),
        series=tuple(texts(f"funnel_{step}") for step in FUNNEL_STEPS),
        number=texts.number,
    )


RETENTION_WEEKS_SHOWN = (1, 2, 3, 4)


def retention_caption(texts: Texts, retention: Retention) -> str:
    """Each cohort's weeks 1–4; the week still going (each cohort's last) says "so far"."""
    lines = [texts("retention_title", weeks=texts.count(len(retention.cohorts), "week"))]
    for cohort in retention.cohorts:
        week = texts.day(cohort.week)
        if cohort.size == 0:
            lines.append(texts("retention_empty_row", week=week))
            continue
        current = len(cohort.active) - 1
        shares = [
            texts(
                "retention_share_so_far" if n == current else "retention_share",
                n=n,
                share=texts.percent(cohort.active[n], cohort.size),
            )
            for n in RETENTION_WEEKS_SHOWN
            if n < len(cohort.active)
        ]
        lines.append(
            texts(
                "retention_row",
                week=week,
                size=texts.count(cohort.size, "person"),
                shares=" · ".join(shares) or texts("retention_first_week"),
            )
        )
    return "\n".join([*lines, texts("retention_so_far_note")])


def retention_labels(texts: Texts) -> Labels:
    return Labels(
        title=texts("retention_chart_title"),
        empty=texts("no_data"),
        x=texts("retention_x"),
        y=texts("retention_y"),
        partial=texts("partial_week"),
    )


def leads_text(texts: Texts, leads: Leads) -> str:
    tiers = dict(leads.tiers)
    lines = [
        texts("leads_title", since=texts.day(leads.since)),
        "",
        texts("leads_hot", n=texts.number(tiers.get("hot", 0))),
        texts("leads_warm", n=texts.number(tiers.get("warm", 0))),
        texts("leads_cool", n=texts.number(tiers.get("cool", 0))),
    ]
    if leads.hot:
        lines += ["", texts("leads_top")]
        for n, lead in enumerate(leads.hot, 1):
            lines.append(
                texts(
                    "leads_row",
                    n=n,
                    name=person(texts, lead.user_id, lead.first_name, lead.username),
                    events=texts.count(lead.events, "event"),
                    days=texts.count(lead.days, "day"),
                )
            )
    if leads.as_of is not None:
        # the scores are a snapshot kept at most a minute old: say how old
        lines += ["", texts("leads_as_of", time=texts.when(leads.as_of)[-5:])]
    return "\n".join(lines)


def user_card_lines(texts: Texts, card: UserCard) -> list[str]:
    """A person's card: who, when seen, reachability, bookings, lessons, events, broadcasts."""
    user = card.user
    named = bool(user.first_name or user.username)
    lines = [
        texts(
            "user_title" if named else "user_title_nameless",
            name=person(texts, user.user_id, user.first_name, user.username),
            user_id=user.user_id,
        ),
        texts(
            "user_seen", first=texts.when(user.first_seen_at), last=texts.when(user.last_seen_at)
        ),
        *reachability_lines(texts, card),
    ]
    sections = [
        (texts("user_bookings"), _card_bookings(texts, card)),
        (texts("user_lessons"), _card_lessons(texts, card)),
        (
            texts("user_events", shown=len(card.events), total=card.events_total),
            _card_events(texts, card),
        ),
        (texts("user_broadcasts"), _card_broadcasts(texts, card)),
    ]
    for title, rows in sections:
        lines += ["", title, *(rows or [texts("user_none")])]
    return lines


UNREACHABLE_KEYS = {
    "blocked": "user_unreachable_blocked",
    "never started": "user_unreachable_never_started",
    "deactivated": "user_unreachable_deactivated",
}


def reachability_lines(texts: Texts, card: UserCard) -> list[str]:
    """Which bots cannot reach this person and why; whether broadcasts reach them now.

    Only what broadcasts found out: with nothing recorded against the bot broadcasts go out
    with, the card says so only when a broadcast reached them (before any did, nobody knows),
    or what the last one found when an admin has included them again since."""
    if not card.unreachable:
        return _nothing_recorded(texts, card)
    lines = [
        texts(
            UNREACHABLE_KEYS.get(u.reason, "user_unreachable_blocked"),
            bot=texts(f"user_bot_{u.bot}"),
            when=texts.when(u.since),
        )
        for u in card.unreachable
    ]
    broadcast_rows = [u for u in card.unreachable if u.bot in ("broadcast", "both")]
    if broadcast_rows and card.broadcast_reachable:
        lines.append(texts("user_reachable_again"))
    return lines


def _nothing_recorded(texts: Texts, card: UserCard) -> list[str]:
    bot = texts(f"user_bot_{card.sender}")
    if card.last_outcome is None:
        return []
    if card.last_outcome == "sent":
        return [texts("user_not_known_blocked", bot=bot)]
    key = "user_included_after_" + card.last_outcome.replace(" ", "_")
    if not texts.has(key):
        return []  # a failure that says nothing of blocking (a server error, ...)
    return [texts(key, bot=bot, when=texts.when(card.last_outcome_at))]


def _card_bookings(texts: Texts, card: UserCard) -> list[str]:
    return [
        texts(
            "user_booking",
            course=course_name(texts, b.course_id),
            stream=stream_name(texts, b.stream),
            status=status_name(texts, b.status),
            when=texts.when(b.created_at),
        )
        for b in card.bookings
    ]


def _card_lessons(texts: Texts, card: UserCard) -> list[str]:
    return [
        texts(
            "user_lesson",
            lesson=quote(texts.code_name("lesson", r.lesson_type or None)),
            date=texts.day(r.lesson_date),
            when=texts.when(r.registered_at),
        )
        for r in card.registrations
    ]


def _card_events(texts: Texts, card: UserCard) -> list[str]:
    return [
        texts(
            "user_event",
            when=texts.when(e.created_at),
            event=quote(texts.code_name("event", e.event_type)),
        )
        for e in card.events
    ]


def _card_broadcasts(texts: Texts, card: UserCard) -> list[str]:
    return [
        texts(
            "user_broadcast",
            when=texts.when(b.sent_at),
            text=excerpt(plain(b.text), EXCERPT_CHARS),
            status=delivery(texts, b.outcome, b.failure_reason),
        )
        for b in card.broadcasts
    ]


def delivery(texts: Texts, outcome: str | None, reason: str | None) -> str:
    """What became of one recipient's copy: delivered, cancelled (a cancel stopped it before
    it was sent: not a failure), or not delivered and why."""
    word = texts(f"delivery_{outcome}") if texts.has(f"delivery_{outcome}") else quote(outcome)
    if outcome != "failed" or not reason:
        return word
    key = "bc_reason_" + reason.replace(" ", "_")
    return f"{word}: {texts(key) if texts.has(key) else quote(reason)}"


FILE_UNITS = ("B", "KB", "MB", "GB")


def file_size(texts: Texts, size: float) -> str:
    """Bytes as people read them, in their locale: 512 B, 3.4 MB; 512 Б, 3,4 МБ."""
    for unit in FILE_UNITS:
        if size < 1024 or unit == FILE_UNITS[-1]:
            figure = format_decimal(
                size, format="#,##0" if unit == "B" else "#,##0.0", locale=texts.language
            )
            return f"{figure} {texts(f'size_{unit}')}"
        size /= 1024
    return str(size)


def schema_lines(texts: Texts, tables: tuple[Table, ...]) -> list[str]:
    """Every table with its row count, size, columns and indexes."""
    lines = [texts("schema_title", n=texts.count(len(tables), "table"))]
    for table in tables:
        rows = texts.count(table.rows, "row")
        lines += [
            "",
            texts(
                "schema_table",
                name=quote(table.name),
                rows=texts("schema_estimate", rows=rows) if table.estimated else rows,
                size=file_size(texts, table.bytes),
            ),
            texts(
                "schema_columns",
                columns=", ".join(
                    f"{quote(c.name)} <i>{quote(c.type)}</i>" for c in table.columns
                ),
            ),
            texts(
                "schema_indexes",
                indexes="; ".join(
                    f"{quote(i.name)} {quote(i.definition)}" + (" UNIQUE" if i.unique else "")
                    for i in table.indexes
                ),
            )
            if table.indexes
            else texts("schema_no_indexes"),
        ]
    return lines


def export_caption(texts: Texts, kind: str, fmt: str, rows: int, window: Window, tz: str) -> str:
    """An export's caption: what it holds, and how to get the other format."""
    lines = [
        texts(
            "export_caption",
            kind=texts(f"export_kind_{kind}"),
            rows=texts.count(rows, "row"),
            period=period(texts, window) if window.days else texts("period_everything"),
        ),
        *capped_note(texts, window),
    ]
    if fmt == "csv":
        lines.append(texts("export_hint_csv", tz=quote(tz)))
    else:
        days = f" {window.days}" if window.days else ""
        lines.append(texts("export_hint_xlsx", kind=kind, days=days))
    return "\n".join(lines)
