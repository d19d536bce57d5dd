"""After sending: live controls, /history with details, retry, delete, export; /scheduled."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.broadcast import BroadcastService
from bot.telegram.broadcast_reports import (
    delete_confirm_keyboard,
    detail_keyboard,
    detail_text,
    history_keyboard,
    history_text,
    scheduled_keyboard,
    scheduled_text,
    status_text,
)
from bot.telegram.broadcast_views import Control, HistoryAt
from bot.telegram.commands import ConsoleMenu
from bot.telegram.filters import IsAdmin
from bot.telegram.texts import Texts


async def show_history(message: Message, broadcasts: BroadcastService, texts: Texts) -> None:
    page = await broadcasts.history(0)
    await message.answer(history_text(texts, page), reply_markup=history_keyboard(texts, page))


async def history_from_menu(
    query: CallbackQuery, broadcasts: BroadcastService, texts: Texts
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await show_history(query.message, broadcasts, texts)


async def turn_page(
    query: CallbackQuery, callback_data: HistoryAt, broadcasts: BroadcastService, texts: Texts
) -> None:
    await query.answer()
    page = await broadcasts.history(callback_data.page)
    if isinstance(query.message, Message):
        await query.message.edit_text(
            history_text(texts, page), reply_markup=history_keyboard(texts, page)
        )


async def show_scheduled(message: Message, broadcasts: BroadcastService, texts: Texts) -> None:
    items = await broadcasts.scheduled()
    await message.answer(
        scheduled_text(texts, items), reply_markup=scheduled_keyboard(texts, items)
    )


async def control(
    query: CallbackQuery, callback_data: Control, broadcasts: BroadcastService, texts: Texts
) -> None:
    """Buttons on cards, reports, details and the schedule list."""
    bid, action, admin = callback_data.broadcast_id, callback_data.action, query.from_user.id
    message = query.message if isinstance(query.message, Message) else None
    if action == "pause":
        done = await broadcasts.pause(bid, admin)
        await _answer(query, broadcasts, texts, bid, done, "bc_paused")
    elif action == "resume":
        done = await broadcasts.resume(bid, admin)
        await _answer(query, broadcasts, texts, bid, done, "bc_resumed")
    elif action == "cancel":
        done = await broadcasts.cancel(bid, admin)
        await _answer(query, broadcasts, texts, bid, done, "bc_cancelled")
    elif action == "unschedule":
        done = await broadcasts.cancel_scheduled(bid, admin)
        await _answer(query, broadcasts, texts, bid, done, "bc_cancelled")
        if done and message is not None:
            items = await broadcasts.scheduled()
            await message.edit_text(
                scheduled_text(texts, items), reply_markup=scheduled_keyboard(texts, items)
            )
    elif action == "retry":
        retried = await broadcasts.retry_failed(bid, admin)
        key = "bc_retried" if retried else "bc_nothing_to_retry"
        await query.answer(texts(key, n=retried) if retried else texts(key), show_alert=True)
    elif action == "delete":
        await query.answer()
        if message is not None:
            await message.answer(
                texts("bc_delete_confirm", id=bid),
                reply_markup=delete_confirm_keyboard(texts, bid),
            )
    elif action == "delete_yes":
        done = await broadcasts.delete_for_everyone(bid, admin)
        await _answer(query, broadcasts, texts, bid, done, None)
        if done and message is not None:
            await message.edit_text(texts("bc_deleting", id=bid))
    elif action == "export":
        await query.answer()
        if message is not None:
            data = await broadcasts.export_csv(bid)
            await message.answer_document(
                BufferedInputFile(data, filename=f"broadcast_{bid}.csv"),
                caption=texts("bc_export_caption", id=bid),
            )
    elif action == "open":
        await query.answer()
        report = await broadcasts.report(bid)
        if message is not None:
            if report is None:
                await message.answer(texts("bc_not_found"))
            else:
                await message.answer(
                    detail_text(texts, report), reply_markup=detail_keyboard(texts, report)
                )


async def _answer(
    query: CallbackQuery,
    broadcasts: BroadcastService,
    texts: Texts,
    bid: int,
    done: bool,
    ok_key: str | None,
) -> None:
    if done:
        await query.answer(texts(ok_key) if ok_key else None)
        return
    broadcast = await broadcasts.get(bid)
    if broadcast is None:
        await query.answer(texts("bc_not_found"), show_alert=True)
    else:
        status = status_text(texts, broadcast.status)
        await query.answer(texts("bc_not_now", status=status), show_alert=True)


def build_router() -> Router:
    router = Router(name="broadcast-manage")
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(show_history, Command("history"))
    router.message.register(show_scheduled, Command("scheduled"))
    router.callback_query.register(history_from_menu, ConsoleMenu.filter(F.command == "history"))
    router.callback_query.register(turn_page, HistoryAt.filter())
    router.callback_query.register(control, Control.filter())
    return router
