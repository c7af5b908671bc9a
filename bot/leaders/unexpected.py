"""Anything the other handlers do not take: a short helpful Thai answer, never silence."""

from __future__ import annotations

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import MessageHandler, filters

from bot.leaders import texts
from bot.context import Context, chat_id_of, message_of, text_of
from bot.leaders.signup import livelihood_from_label
from bot.settings import Settings
from subscribers.leaders import get_leader, update_leader


async def plain_text(update: Update, context: Context) -> None:
    """Text outside a report: finish an interrupted sign-up, or point at /report and /help."""
    data, chat_id = context.bot_data, chat_id_of(update)
    leader = get_leader(data.db, chat_id)
    livelihood = livelihood_from_label(text_of(update))
    if leader is None:
        reply, markup = texts.NOT_A_LEADER, None
    elif not leader.active:
        reply, markup = texts.INACTIVE, None
    elif not leader.name:
        reply, markup = texts.RESUME_SIGNUP, None
    elif livelihood is not None:
        # A livelihood button tapped after a restart ended the sign-up conversation.
        update_leader(data.db, chat_id, data.now(), livelihood=livelihood)
        reply = texts.SAVED_LIVELIHOOD.format(livelihood=texts.LIVELIHOODS[livelihood])
        markup = ReplyKeyboardRemove()
    else:
        reply, markup = texts.TEXT_NO_REPORT, None
    await message_of(update).reply_text(reply, reply_markup=markup)


async def group_chat(update: Update, context: Context) -> None:
    """A command in a group: the leaders' bot lives in private chats."""
    await message_of(update).reply_text(texts.GROUP_ONLY_PRIVATE)


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have."""
    await message_of(update).reply_text(texts.UNKNOWN_COMMAND)


async def other_message(update: Update, context: Context) -> None:
    """Stickers, voice, files, contacts...: say what the bot can read."""
    await message_of(update).reply_text(texts.UNEXPECTED)


def early_handlers(settings: Settings) -> list:
    """Checked first among the leaders' handlers: commands in groups other than the admin chat.

    Edited messages never get here: `guards.edit_guard` stops them before every group.
    """
    groups = filters.ChatType.GROUPS & filters.COMMAND & ~filters.UpdateType.EDITED_MESSAGE
    if settings.telegram.admin_chat_id is not None:
        # Admin commands in the admin chat belong to the admin handlers.
        groups &= ~filters.Chat(settings.telegram.admin_chat_id)
    return [MessageHandler(groups, group_chat)]


def late_handlers(settings: Settings) -> list:
    """Checked after everything else in private chats: unknown commands, then any other message."""
    private = filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED_MESSAGE
    commands = private & filters.COMMAND
    if settings.telegram.admin_ids:
        # Admin commands (another module) may be registered after these; leave admins' commands to them.
        commands &= ~filters.User(settings.telegram.admin_ids)
    return [MessageHandler(commands, unknown_command), MessageHandler(private & ~filters.COMMAND, other_message)]
