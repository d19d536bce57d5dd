"""/forget <id|@username>: a preview with Erase / Cancel, then the erasure in one transaction."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.privacy import PrivacyService, parse_target
from bot.telegram.console.views import usage_text
from bot.telegram.core.filters import admin_router
from bot.telegram.privacy.callbacks import ForgetAction
from bot.telegram.privacy.keyboards import confirm_keyboard
from bot.telegram.privacy.views import done_text, preview_text, several_text
from bot.telegram.texts import Texts, quote


async def forget_command(
    message: Message, command: CommandObject, privacy: PrivacyService, texts: Texts
) -> None:
    """/forget <id|@username>: what erasing would change, with buttons to confirm."""
    target = parse_target(command.args)
    if target is None:
        await message.answer(usage_text(texts, "forget"))
        return
    preview = await privacy.preview(target)
    if not preview.user_ids:
        await message.answer(texts("forget_not_found", username=quote(target)))
    elif len(preview.user_ids) > 1:
        await message.answer(several_text(texts, str(target), preview.user_ids))
    elif preview.erasure is None or not preview.erasure.total:
        await message.answer(texts("forget_nothing", user_id=preview.user_ids[0]))
    else:
        await message.answer(
            preview_text(texts, preview, preview.erasure),
            reply_markup=confirm_keyboard(texts, preview.erasure.user_id),
        )


async def confirm_pressed(
    query: CallbackQuery,
    callback_data: ForgetAction,
    message: Message,
    privacy: PrivacyService,
    texts: Texts,
) -> None:
    """Erase, and replace the preview (which shows the names) with the outcome."""
    erasure = await privacy.forget(query.from_user.id, callback_data.user_id)
    await message.edit_text(done_text(texts, erasure), reply_markup=None)


async def cancel_pressed(
    query: CallbackQuery, callback_data: ForgetAction, message: Message, texts: Texts
) -> None:
    await message.edit_text(
        texts("forget_cancelled", user_id=callback_data.user_id), reply_markup=None
    )


def build_router() -> Router:
    router = admin_router("privacy")
    router.message.register(forget_command, Command("forget"))
    router.callback_query.register(confirm_pressed, ForgetAction.filter(F.action == "confirm"))
    router.callback_query.register(cancel_pressed, ForgetAction.filter(F.action == "cancel"))
    return router
