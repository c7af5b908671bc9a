"""The bot's command menu (setMyCommands), set once at start-up."""

from __future__ import annotations

from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.ext import Application

from bot.leaders import texts
from bot.admin.texts import ADMIN_MENU


def menu_commands() -> list[BotCommand]:
    """Every leader command with its Thai description."""
    return [BotCommand(command, description) for command, description in texts.COMMANDS]


def admin_menu_commands() -> list[BotCommand]:
    """Every admin command with its Thai description."""
    return [BotCommand(command, description) for command, description in ADMIN_MENU]


async def set_menu(bot: Bot, admin_chats: Iterable[int] = ()) -> None:
    """Show the leader commands in private chats' menu, and the admin commands in the admins' chats."""
    await bot.set_my_commands(menu_commands(), scope=BotCommandScopeAllPrivateChats())
    for chat_id in admin_chats:
        await bot.set_my_commands(admin_menu_commands(), scope=BotCommandScopeChat(chat_id))


def add_menu_to_post_init(app: Application) -> None:
    """Set the menu in post_init, after whatever post_init the Application already has."""
    previous = app.post_init

    async def post_init(application: Application) -> None:
        if previous is not None:
            await previous(application)
        telegram = application.bot_data.settings.telegram
        # An admin's private chat id is their user id; the admin chat is the coordinators' group.
        admin_chats = [*([telegram.admin_chat_id] if telegram.admin_chat_id is not None else []), *telegram.admin_ids]
        await set_menu(application.bot, admin_chats)

    app.post_init = post_init
