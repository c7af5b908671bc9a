"""The bot's command menu (setMyCommands), set once at start-up."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats
from telegram.ext import Application

from bot import texts


def menu_commands() -> list[BotCommand]:
    """Every leader command with its Thai description."""
    return [BotCommand(command, description) for command, description in texts.COMMANDS]


async def set_menu(bot: Bot) -> None:
    """Show the leader commands in private chats' menu."""
    await bot.set_my_commands(menu_commands(), scope=BotCommandScopeAllPrivateChats())


def add_menu_to_post_init(app: Application) -> None:
    """Set the menu in post_init, after whatever post_init the Application already has."""
    previous = app.post_init

    async def post_init(application: Application) -> None:
        if previous is not None:
            await previous(application)
        await set_menu(application.bot)

    app.post_init = post_init
