"""Hostile or stale input: edits never re-run anything, every button press is answered, and the bot
leaves groups that someone other than an admin added it to (telling the admin chat).
"""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, ChatMemberHandler, MessageHandler, filters

from bot.leaders import texts
from bot.context import Context, message_of, query_of
from bot.leaders.preferences import PREFIX as SETTINGS_PREFIX
from bot.leaders.report import DEPTH_PREFIX

log = logging.getLogger(__name__)

# Checked before every other group: an edit must not reach a CommandHandler (they accept edits).
EDIT_GROUP = -1
STALE_BUTTON = "ปุ่มนี้ใช้ไม่ได้แล้ว"
LEFT_GROUP = "ออกจากกลุ่ม {title} ({chat_id}) แล้ว: ผู้เพิ่มบอท ({user}) ไม่ใช่ผู้ดูแลระบบ"
# The leaders' buttons are answered by their own handlers in a later group.
_LEADER_BUTTONS = re.compile(f"^({re.escape(SETTINGS_PREFIX)}|{re.escape(DEPTH_PREFIX)})")


async def edited_message(update: Update, context: Context) -> None:
    """An edited message: never acted on again; in a private chat, ask for a new message."""
    if message_of(update).chat.type == ChatType.PRIVATE:
        await message_of(update).reply_text(texts.EDITED)
    raise ApplicationHandlerStop


def edit_guard() -> MessageHandler:
    """Stops every edited message (a live location's updates excepted: they are not edits of text)."""
    return MessageHandler(filters.UpdateType.EDITED_MESSAGE & ~filters.LOCATION, edited_message)


async def unknown_button(update: Update, context: Context) -> None:
    """A press no handler took (forged data, a button of an ended conversation): answer so the spinner stops."""
    query = query_of(update)
    log.info("button: unknown or stale data %r from user %s", (query.data or "")[:64], query.from_user.id)
    await query.answer(STALE_BUTTON)


def unknown_button_handler() -> CallbackQueryHandler:
    """Last in group 0: every press that is neither a group-0 button nor a leader's button."""
    return CallbackQueryHandler(unknown_button, pattern=lambda data: not _LEADER_BUTTONS.match(str(data)))


async def added_to_group(update: Update, context: Context) -> None:
    """The bot was added to a group or channel: stay only if an admin did it (or it is the admin chat)."""
    change = update.my_chat_member
    assert change is not None  # a ChatMemberHandler for MY_CHAT_MEMBER runs for nothing else
    settings = context.bot_data.settings
    joined = change.new_chat_member.status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)
    was_in = change.old_chat_member.status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)
    chat = change.chat
    if chat.type == ChatType.PRIVATE or not joined or was_in:
        return
    if change.from_user.id in settings.telegram.admin_ids or chat.id == settings.telegram.admin_chat_id:
        log.info("groups: added to %s (%s) by admin %s", chat.title, chat.id, change.from_user.id)
        return
    log.warning("groups: added to %s (%s) by %s, not an admin: leaving", chat.title, chat.id, change.from_user.id)
    await context.bot.leave_chat(chat.id)
    if settings.telegram.admin_chat_id is not None:
        who = f"@{change.from_user.username}" if change.from_user.username else str(change.from_user.id)
        try:
            await context.bot.send_message(
                settings.telegram.admin_chat_id, LEFT_GROUP.format(title=chat.title or "-", chat_id=chat.id, user=who)
            )
        except TelegramError as exc:
            log.warning("groups: could not tell the admin chat: %s", exc)


def membership_handler() -> ChatMemberHandler:
    """Watches the bot's own membership changes."""
    return ChatMemberHandler(added_to_group, ChatMemberHandler.MY_CHAT_MEMBER)
