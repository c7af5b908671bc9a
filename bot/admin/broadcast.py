"""/broadcast: choose cities (or all), write the text, preview exactly what leaders get, confirm or cancel."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.warnings import PTBUserWarning
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.admin import texts
from bot.admin.gate import actor, admin_only
from bot.admin.notices import EmptyNoticeError, Notice, NoticeTooLongError, prepare, send
from bot.admin.progress import StatusWatch, watch
from bot.context import Context, data_of, message_of, query_of, text_of, user_data_of
from subscribers.notices import recipients_count
from subscribers.outbox import Kind

CHOOSE_CITIES, WRITE_TEXT, CONFIRM = range(3)
DRAFT_KEY = "broadcast_draft"
PREFIX = "bc:"


@dataclass
class Draft:
    """The broadcast being composed by one admin."""

    cities: list[str] = field(default_factory=list)
    everyone: bool = False
    notice: Notice | None = None

    def targets(self) -> list[str] | None:
        """City ids, or None for every city."""
        return None if self.everyone else list(self.cities)


def _draft(context: Context) -> Draft:
    draft = user_data_of(context).get(DRAFT_KEY)
    if not isinstance(draft, Draft):
        draft = user_data_of(context)[DRAFT_KEY] = Draft()
    return draft


def _city_names(context: Context) -> dict[str, str]:
    return {c.id: c.name_th for c in context.bot_data.settings.cities}


def _target_names(context: Context, draft: Draft) -> str:
    names = _city_names(context)
    targets = draft.targets()
    return texts.city_list(None if targets is None else [names.get(c, c) for c in targets])


def _keyboard(context: Context, draft: Draft) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if city.id in draft.cities else "") + city.name_th, callback_data=f"{PREFIX}city:{city.id}"
            )
        ]
        for city in context.bot_data.settings.cities
    ]
    rows.append([InlineKeyboardButton(texts.BROADCAST_ALL, callback_data=f"{PREFIX}all")])
    rows.append(
        [
            InlineKeyboardButton(texts.BROADCAST_NEXT, callback_data=f"{PREFIX}next"),
            InlineKeyboardButton(texts.CANCEL, callback_data=f"{PREFIX}cancel"),
        ]
    )
    return InlineKeyboardMarkup(rows)


@admin_only("broadcast", refused_result=ConversationHandler.END)
async def start(update: Update, context: Context) -> int:
    """Step 1: show the city buttons."""
    user_data_of(context)[DRAFT_KEY] = draft = Draft()
    await message_of(update).reply_text(texts.BROADCAST_CHOOSE, reply_markup=_keyboard(context, draft))
    return CHOOSE_CITIES


async def choose_city(update: Update, context: Context) -> int:
    """Toggle one city, or pick all (which goes straight to writing)."""
    query = query_of(update)
    draft = _draft(context)
    choice = data_of(query).removeprefix(PREFIX)
    if choice == "all":
        draft.everyone = True
        await query.answer()
        await query.edit_message_text(texts.BROADCAST_WRITE.format(cities=_target_names(context, draft)))
        return WRITE_TEXT
    city = choice.removeprefix("city:")
    if city in draft.cities:
        draft.cities.remove(city)
    elif city in _city_names(context):
        draft.cities.append(city)
    await query.answer()
    await query.edit_message_reply_markup(_keyboard(context, draft))
    return CHOOSE_CITIES


async def cities_chosen(update: Update, context: Context) -> int:
    """Step 2: ask for the text (at least one city must be chosen)."""
    query = query_of(update)
    draft = _draft(context)
    if not draft.cities:
        await query.answer(texts.BROADCAST_PICK_ONE, show_alert=True)
        return CHOOSE_CITIES
    await query.answer()
    await query.edit_message_text(texts.BROADCAST_WRITE.format(cities=_target_names(context, draft)))
    return WRITE_TEXT


async def text_written(update: Update, context: Context) -> None:
    """Step 3: preview exactly what leaders will receive, with send / cancel buttons."""
    draft = _draft(context)
    message = message_of(update)
    written = text_of(update)
    try:
        draft.notice = notice = prepare(written, draft.targets(), list(_city_names(context)))
    except NoticeTooLongError as exc:
        await message.reply_text(texts.BROADCAST_TOO_LONG.format(length=exc.length, limit=exc.limit))
        raise ApplicationHandlerStop(WRITE_TEXT) from None
    except EmptyNoticeError:
        # Telegram sends no blank messages; should one come, ask for the text again.
        await message.reply_text(texts.BROADCAST_WRITE.format(cities=_target_names(context, draft)))
        raise ApplicationHandlerStop(WRITE_TEXT) from None
    count = recipients_count(context.bot_data.db, notice.cities)
    await message.reply_text(
        texts.BROADCAST_PREVIEW.format(count=count, cities=_target_names(context, draft))
    )
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts.BROADCAST_SEND, callback_data=f"{PREFIX}send"),
                InlineKeyboardButton(texts.CANCEL, callback_data=f"{PREFIX}cancel"),
            ]
        ]
    )
    # Sent as the worker will send it (HTML), so the preview is exactly what leaders get.
    await message.reply_text(notice.message, reply_markup=buttons, parse_mode=ParseMode.HTML)
    # The text was for this conversation: the leaders' handlers (a later group) must not take it as a report.
    raise ApplicationHandlerStop(CONFIRM)


async def confirmed(update: Update, context: Context) -> int:
    """Step 4: enqueue the notice, post the status message and start the live counter."""
    query = query_of(update)
    data = context.bot_data
    draft = _draft(context)
    await query.answer()
    await query.edit_message_reply_markup(None)
    if draft.notice is None:  # no text written in this conversation: nothing to send
        return ConversationHandler.END
    notice_id, rows = send(data.db, draft.notice, actor(update), data.now())
    user_data_of(context).pop(DRAFT_KEY, None)
    if rows == 0:
        await message_of(update).reply_text(texts.BROADCAST_NOBODY.format(cities=_target_names(context, draft)))
        return ConversationHandler.END
    status_text = texts.PROGRESS.format(done=0, total=rows)
    status = await message_of(update).reply_text(status_text)
    assert context.job_queue is not None  # PTB's job-queue extra is a dependency
    watch(
        context.job_queue,
        StatusWatch(
            chat_id=status.chat_id,
            message_id=status.message_id,
            kind=Kind.NOTICE,
            ref_id=notice_id,
            last_text=status_text,
        ),
        data.settings.admin.progress_interval_seconds,
    )
    return ConversationHandler.END


async def cancel(update: Update, context: Context) -> None:
    """Cancel by button or /cancel: nothing is sent."""
    user_data_of(context).pop(DRAFT_KEY, None)
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.edit_message_reply_markup(None)
    await message_of(update).reply_text(texts.BROADCAST_CANCELLED)
    raise ApplicationHandlerStop(ConversationHandler.END)


def conversation() -> ConversationHandler:
    """The /broadcast conversation, with a /cancel fallback."""
    # Tracking per user (not per message) is what we want: the admin types the text between buttons.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)
        return _build()


def _build() -> ConversationHandler:
    return ConversationHandler(
        entry_points=[CommandHandler("broadcast", start)],
        states={
            CHOOSE_CITIES: [
                CallbackQueryHandler(choose_city, pattern=f"^{PREFIX}(city:|all$)"),
                CallbackQueryHandler(cities_chosen, pattern=f"^{PREFIX}next$"),
            ],
            WRITE_TEXT: [MessageHandler(filters.TEXT & ~filters.COMMAND, text_written)],
            CONFIRM: [CallbackQueryHandler(confirmed, pattern=f"^{PREFIX}send$")],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            CallbackQueryHandler(cancel, pattern=f"^{PREFIX}cancel$"),
        ],
        name="admin-broadcast",
    )
