"""After sending: live controls, /history with details, retry, delete, export; /scheduled.

One handler per button action. Actions that may be refused (the broadcast moved on) answer
the press after trying, with what happened; the rest answer at once.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.broadcast import BroadcastService
from bot.telegram.broadcast.callbacks import Control, HistoryAt, ScheduledAt
from bot.telegram.broadcast.keyboards import (
    delete_confirm_keyboard,
    detail_keyboard,
    history_keyboard,
    retry_confirm_keyboard,
    scheduled_keyboard,
    stop_confirm_keyboard,
    unschedule_confirm_keyboard,
)
from bot.telegram.broadcast.views import (
    audience_label,
    detail_text,
    excerpt_of,
    history_text,
    scheduled_page,
    scheduled_page_of,
    scheduled_text,
    status_text,
)
from bot.telegram.console.callbacks import ConsoleMenu
from bot.telegram.core.filters import admin_router
from bot.telegram.core.middlewares import ANSWER_AFTER
from bot.telegram.core.replies import edit_in_place, no_arguments
from bot.telegram.texts import Texts


async def explain_refusal(
    callback_answer: CallbackAnswer, broadcasts: BroadcastService, texts: Texts, bid: int
) -> None:
    """The broadcast is gone, or its status does not allow the action: say which."""
    broadcast = await broadcasts.get(bid)
    if broadcast is None:
        callback_answer.text = texts("bc_not_found")
    else:
        callback_answer.text = texts("bc_not_now", status=status_text(texts, broadcast.status))
    callback_answer.show_alert = True


# lists ------------------------------------------------------------------------------------


async def history_command(
    message: Message, command: CommandObject, broadcasts: BroadcastService, texts: Texts
) -> None:
    """/history: past broadcasts, newest first."""
    if await no_arguments(message, command, texts):
        await show_history(message, broadcasts, texts)


async def show_history(message: Message, broadcasts: BroadcastService, texts: Texts) -> None:
    """Page one of the past broadcasts, newest first."""
    page = await broadcasts.history(0)
    await message.answer(history_text(texts, page), reply_markup=history_keyboard(texts, page))


async def history_from_menu(
    query: CallbackQuery, message: Message, broadcasts: BroadcastService, texts: Texts
) -> None:
    """The menu's History button."""
    await show_history(message, broadcasts, texts)


async def turn_page(
    query: CallbackQuery,
    callback_data: HistoryAt,
    message: Message,
    broadcasts: BroadcastService,
    texts: Texts,
) -> None:
    """◀ ▶ in /history, in place."""
    page = await broadcasts.history(callback_data.page)
    await edit_in_place(message, history_text(texts, page), history_keyboard(texts, page))


async def scheduled_command(
    message: Message, command: CommandObject, broadcasts: BroadcastService, texts: Texts
) -> None:
    """/scheduled: broadcasts waiting for their time, a page at a time."""
    if await no_arguments(message, command, texts):
        await message.answer(**await scheduled_screen(broadcasts, texts, 0))


async def scheduled_screen(
    broadcasts: BroadcastService, texts: Texts, number: int
) -> dict[str, Any]:
    """Page ``number`` of /scheduled as the list is now: text and keyboard of the message."""
    items = await broadcasts.scheduled()
    page = scheduled_page(texts, items, number)
    return {
        "text": scheduled_text(texts, page.items, page.number, page.count),
        "reply_markup": scheduled_keyboard(texts, page),
    }


async def turn_scheduled_page(
    query: CallbackQuery,
    callback_data: ScheduledAt,
    message: Message,
    broadcasts: BroadcastService,
    texts: Texts,
) -> None:
    """◀ ▶ in /scheduled, in place."""
    await edit_in_place(message, **await scheduled_screen(broadcasts, texts, callback_data.page))


# one broadcast's buttons ------------------------------------------------------------------


async def pause(
    query: CallbackQuery,
    callback_data: Control,
    broadcasts: BroadcastService,
    texts: Texts,
    callback_answer: CallbackAnswer,
) -> None:
    """Pause: stop handing out sends; nothing pending is lost."""
    bid = callback_data.broadcast_id
    if await broadcasts.pause(bid, query.from_user.id):
        callback_answer.text = texts("bc_paused")
    else:
        await explain_refusal(callback_answer, broadcasts, texts, bid)


async def resume(
    query: CallbackQuery,
    callback_data: Control,
    broadcasts: BroadcastService,
    texts: Texts,
    callback_answer: CallbackAnswer,
) -> None:
    """Resume a paused broadcast."""
    bid = callback_data.broadcast_id
    if await broadcasts.resume(bid, query.from_user.id):
        callback_answer.text = texts("bc_resumed")
    else:
        await explain_refusal(callback_answer, broadcasts, texts, bid)


async def ask_to_stop(
    query: CallbackQuery,
    callback_data: Control,
    message: Message,
    broadcasts: BroadcastService,
    texts: Texts,
    callback_answer: CallbackAnswer,
) -> None:
    """Cancel on the card: ask first, saying how many would not get it."""
    bid = callback_data.broadcast_id
    report = await broadcasts.report(bid)
    if report is None or report.broadcast.status not in ("sending", "paused"):
        await explain_refusal(callback_answer, broadcasts, texts, bid)
        return
    pending = texts.count(report.counts.pending, "recipient")
    paused = report.broadcast.status == "paused"
    await message.answer(
        texts("bc_stop_confirm_paused" if paused else "bc_stop_confirm", id=bid, pending=pending),
        reply_markup=stop_confirm_keyboard(texts, bid, paused=paused),
    )


async def stop(
    query: CallbackQuery,
    callback_data: Control,
    message: Message,
    broadcasts: BroadcastService,
    texts: Texts,
    callback_answer: CallbackAnswer,
) -> None:
    """Confirmed: the pending recipients are cancelled; the question becomes the answer."""
    bid = callback_data.broadcast_id
    if not await broadcasts.cancel(bid, query.from_user.id):
        await explain_refusal(callback_answer, broadcasts, texts, bid)
        return
    callback_answer.text = texts("bc_cancelled")
    await message.edit_text(texts("bc_stopped", id=bid))


async def keep_sending(
    query: CallbackQuery,
    callback_data: Control,
    message: Message,
    broadcasts: BroadcastService,
    texts: Texts,
) -> None:
    """No: the broadcast goes on (or stays paused); the question says so."""
    bid = callback_data.broadcast_id
    broadcast = await broadcasts.get(bid)
    paused = broadcast is not None and broadcast.status == "paused"
    await message.edit_text(texts("bc_stop_kept_paused" if paused else "bc_stop_kept", id=bid))


async def ask_to_unschedule(
    query: CallbackQuery,
    callback_data: Control,
    message: Message,
    broadcasts: BroadcastService,
    texts: Texts,
    callback_answer: CallbackAnswer,
) -> None:
    """Cancel #N in /scheduled: the list's message asks first (Yes, or Back to the list)."""
    bid = callback_data.broadcast_id
    broadcast = await broadcasts.get(bid)
    if broadcast is None or broadcast.status != "scheduled":
        await explain_refusal(callback_answer, broadcasts, texts, bid)
        return
    await edit_in_place(
        message,
        texts(
            "bc_unschedule_confirm",
            id=bid,
            when=texts.when(broadcast.scheduled_at),
            audience=audience_label(texts, broadcast.audience),
            preview=excerpt_of(broadcast.message_text),
        ),
        unschedule_confirm_keyboard(texts, bid),
    )


async def back_to_scheduled(
    query: CallbackQuery,
    callback_data: Control,
    message: Message,
    broadcasts: BroadcastService,
    texts: Texts,
) -> None:
    """Back from the question: the page of /scheduled that shows the broadcast."""
    number = scheduled_page_of(texts, await broadcasts.scheduled(), callback_data.broadcast_id)
    await edit_in_place(message, **await scheduled_screen(broadcasts, texts, number))


async def unschedule(
    query: CallbackQuery,
    callback_data: Control,
    message: Message,
    broadcasts: BroadcastService,
    texts: Texts,
    callback_answer: CallbackAnswer,
) -> None:
    """Confirmed: cancel a scheduled broadcast, and show its page of the list without it."""
    bid = callback_data.broadcast_id
    number = scheduled_page_of(texts, await broadcasts.scheduled(), bid)
    if not await broadcasts.cancel_scheduled(bid, query.from_user.id):
        await explain_refusal(callback_answer, broadcasts, texts, bid)
        return
    callback_answer.text = texts("bc_unscheduled", id=bid)
    await message.edit_text(**await scheduled_screen(broadcasts, texts, number))


async def ask_to_retry(
    query: CallbackQuery,
    callback_data: Control,
    message: Message,
    broadcasts: BroadcastService,
    texts: Texts,
    callback_answer: CallbackAnswer,
) -> None:
    """Retry failed: ask first, saying how many may already have the message."""
    bid = callback_data.broadcast_id
    retriable, unknown = await broadcasts.retry_summary(bid)
    if not retriable:
        callback_answer.text = texts("bc_nothing_to_retry")
        callback_answer.show_alert = True
        return
    question = texts("bc_retry_confirm", id=bid, n=texts.number(retriable))
    if unknown:
        question += texts("bc_retry_unknown", n=texts.number(unknown))
    await message.answer(question, reply_markup=retry_confirm_keyboard(texts, bid))


async def retry_failed(
    query: CallbackQuery,
    callback_data: Control,
    message: Message,
    broadcasts: BroadcastService,
    texts: Texts,
    callback_answer: CallbackAnswer,
) -> None:
    """Confirmed: send again to those it failed for; the question becomes the outcome."""
    retried = await broadcasts.retry_failed(callback_data.broadcast_id, query.from_user.id)
    if not retried:
        callback_answer.text = texts("bc_nothing_to_retry")
        callback_answer.show_alert = True
        return
    await message.edit_text(texts("bc_retried", n=texts.number(retried)))


async def ask_to_delete(
    query: CallbackQuery, callback_data: Control, message: Message, texts: Texts
) -> None:
    """Delete for everyone: ask first."""
    bid = callback_data.broadcast_id
    await message.answer(
        texts("bc_delete_confirm", id=bid), reply_markup=delete_confirm_keyboard(texts, bid)
    )


async def delete_for_everyone(
    query: CallbackQuery,
    callback_data: Control,
    message: Message,
    broadcasts: BroadcastService,
    texts: Texts,
    callback_answer: CallbackAnswer,
) -> None:
    """Confirmed: delete every copy; a report follows when done."""
    bid = callback_data.broadcast_id
    if not await broadcasts.delete_for_everyone(bid, query.from_user.id):
        await explain_refusal(callback_answer, broadcasts, texts, bid)
        return
    await message.edit_text(texts("bc_deleting", id=bid))


async def export_recipients(
    query: CallbackQuery,
    callback_data: Control,
    message: Message,
    broadcasts: BroadcastService,
    texts: Texts,
) -> None:
    """Every recipient with their status, as CSV."""
    bid = callback_data.broadcast_id
    data = await broadcasts.export_csv(bid)
    await message.answer_document(
        BufferedInputFile(data, filename=f"broadcast_{bid}.csv"),
        caption=texts("bc_export_caption", id=bid),
    )


async def open_details(
    query: CallbackQuery,
    callback_data: Control,
    message: Message,
    broadcasts: BroadcastService,
    texts: Texts,
) -> None:
    """A broadcast's details and what can be done with it."""
    report = await broadcasts.report(callback_data.broadcast_id)
    if report is None:
        await message.answer(texts("bc_not_found"))
        return
    retriable = 0
    if report.counts.failed and report.broadcast.status in ("done", "cancelled"):
        retriable, _ = await broadcasts.retry_summary(report.broadcast.id)
    await message.answer(
        detail_text(texts, report), reply_markup=detail_keyboard(texts, report, retriable)
    )


def build_router() -> Router:
    router = admin_router("broadcast-manage")
    router.message.register(history_command, Command("history"))
    router.message.register(scheduled_command, Command("scheduled"))
    router.callback_query.register(history_from_menu, ConsoleMenu.filter(F.command == "history"))
    router.callback_query.register(turn_page, HistoryAt.filter())
    router.callback_query.register(turn_scheduled_page, ScheduledAt.filter())
    for handler, action, flags in (
        (pause, "pause", ANSWER_AFTER),
        (resume, "resume", ANSWER_AFTER),
        (ask_to_stop, "cancel", ANSWER_AFTER),
        (stop, "cancel_yes", ANSWER_AFTER),
        (keep_sending, "cancel_no", None),
        (ask_to_unschedule, "unschedule", ANSWER_AFTER),
        (unschedule, "unschedule_yes", ANSWER_AFTER),
        (back_to_scheduled, "scheduled_back", None),
        (ask_to_retry, "retry", ANSWER_AFTER),
        (retry_failed, "retry_yes", ANSWER_AFTER),
        (delete_for_everyone, "delete_yes", ANSWER_AFTER),
        (ask_to_delete, "delete", None),
        (export_recipients, "export", None),
        (open_details, "open", None),
    ):
        router.callback_query.register(handler, Control.filter(F.action == action), flags=flags)
    return router
