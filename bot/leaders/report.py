"""Field reports: `/report`, a reply to an alert, a photo, an album or a pin, finished by a depth button."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.leaders import drafts, texts
from bot.context import Context, chat_id_of, data_of, message_of, query_of
from bot.leaders.common import active_leader
from bot.leaders.forward import forward_report
from bot.leaders.unexpected import plain_text
from bot.leaders.drafts import ReportPart
from subscribers.reports import MAX_TEXT, Depth, ReportTooLongError, TooManyPhotosError

DEPTH_PREFIX = "depth:"
DEPTH_SKIP = "skip"


def depth_keyboard() -> InlineKeyboardMarkup:
    """The six depths (three per row) and a button to send without one."""
    buttons = [InlineKeyboardButton(label, callback_data=DEPTH_PREFIX + depth) for depth, label in texts.DEPTHS.items()]
    skip = InlineKeyboardButton(texts.DEPTH_SKIP, callback_data=DEPTH_PREFIX + DEPTH_SKIP)
    return InlineKeyboardMarkup([buttons[:3], buttons[3:], [skip]])


def _reply_to(message: Message) -> int | None:
    return message.reply_to_message.message_id if message.reply_to_message else None


async def report_command(update: Update, context: Context) -> None:
    """`/report`: start a fresh report (linked to the alert when it replies to one)."""
    if await active_leader(update, context) is None:
        return
    data, message = context.bot_data, message_of(update)
    draft = drafts.start_report(data.db, chat_id_of(update), data.now(), _reply_to(message))
    about = " " + texts.REPORT_ABOUT if draft.warning_id else ""
    await message.reply_text(texts.REPORT_START.format(about=about), reply_markup=depth_keyboard())


async def add_photo(update: Update, context: Context) -> None:
    """A photo (or one photo of an album) with its caption."""
    message = message_of(update)
    part = ReportPart(
        text=message.caption or "",
        photo=message.photo[-1].file_id,  # the largest size
        media_group_id=message.media_group_id,
        reply_to=_reply_to(message),
    )
    await _add(update, context, part)


async def add_location(update: Update, context: Context) -> None:
    """A location pin."""
    message = message_of(update)
    location = message.location
    assert location is not None  # the handler's filter is filters.LOCATION
    part = ReportPart(lat=location.latitude, lon=location.longitude, reply_to=_reply_to(message))
    await _add(update, context, part)


async def add_text(update: Update, context: Context) -> None:
    """Text joins the open report, or starts one when it replies to an alert; otherwise a hint."""
    data, message, chat_id = context.bot_data, message_of(update), chat_id_of(update)
    if drafts.open_draft(data.db, chat_id, data.now()) or drafts.replies_to_alert(
        data.db, chat_id, _reply_to(message)
    ):
        await _add(update, context, ReportPart(text=message.text, reply_to=_reply_to(message)))
        return
    await plain_text(update, context)


async def _add(update: Update, context: Context, part: ReportPart) -> None:
    if await active_leader(update, context) is None:
        return
    data, message = context.bot_data, message_of(update)
    try:
        added = drafts.add_part(data.db, chat_id_of(update), part, data.now())
    except ReportTooLongError as exc:
        await message.reply_text(texts.REPORT_TOO_LONG.format(length=exc.length, limit=MAX_TEXT))
        return
    except TooManyPhotosError:
        await message.reply_text(texts.REPORT_TOO_MANY_PHOTOS, reply_markup=depth_keyboard())
        return
    if added.acknowledge:
        parts = drafts.parts_summary(added.draft)
        await message.reply_text(texts.REPORT_GOT.format(parts=parts), reply_markup=depth_keyboard())


async def choose_depth(update: Update, context: Context) -> None:
    """A depth button: store the report, confirm its number, forward it to the admin chat."""
    query = query_of(update)
    leader = await active_leader(update, context)
    if leader is None:
        return
    data = context.bot_data
    choice = data_of(query).removeprefix(DEPTH_PREFIX)
    if choice != DEPTH_SKIP and choice not in set(Depth):
        await query.answer()  # a button from an older version of the bot
        return
    depth = None if choice == DEPTH_SKIP else Depth(choice)
    draft = drafts.open_draft(data.db, leader.chat_id, data.now())
    if draft is None or drafts.is_empty(draft):
        await query.answer(texts.REPORT_NO_DRAFT if draft is None else texts.REPORT_EMPTY, show_alert=True)
        return
    report = drafts.finish(data.db, leader, depth, data.now())
    assert report is not None  # the draft is open (checked above)
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    await message_of(update).reply_text(texts.REPORT_SENT.format(number=report.id))
    await forward_report(context, report.id)


def report_handlers() -> list:
    """The report handlers, private chats only; text comes last so commands and sign-up win."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("report", report_command, filters=private),
        MessageHandler(private & filters.PHOTO, add_photo),
        MessageHandler(private & filters.LOCATION, add_location),
        CallbackQueryHandler(choose_depth, pattern=f"^{DEPTH_PREFIX}"),
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, add_text),
    ]
