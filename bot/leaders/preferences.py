"""`/settings`: the leader's livelihood and whether Minor warnings are wanted (inline buttons)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.leaders import texts
from bot.context import Context, data_of, message_of, query_of
from bot.leaders.common import active_leader
from subscribers.cities import city_name
from subscribers.leaders import Leader, Livelihood, get_leader, update_leader

PREFIX = "set:"


def settings_text(leader: Leader, city: str) -> str:
    """The leader's current settings in Thai."""
    return texts.SETTINGS.format(
        name=leader.name or "-",
        city=city,
        livelihood=texts.LIVELIHOODS[leader.livelihood],
        minor=texts.MINOR_ON if leader.minor_opt_in else texts.MINOR_OFF,
    )


def settings_keyboard(leader: Leader) -> InlineKeyboardMarkup:
    """One button per livelihood (the current one ticked) and the Minor switch."""
    buttons = [
        InlineKeyboardButton(("✓ " if value is leader.livelihood else "") + label, callback_data=f"{PREFIX}liv:{value}")
        for value, label in texts.LIVELIHOODS.items()
    ]
    minor = (
        InlineKeyboardButton(texts.MINOR_TURN_OFF, callback_data=f"{PREFIX}minor:off")
        if leader.minor_opt_in
        else InlineKeyboardButton(texts.MINOR_TURN_ON, callback_data=f"{PREFIX}minor:on")
    )
    return InlineKeyboardMarkup([buttons[:3], buttons[3:], [minor]])


async def show_settings(update: Update, context: Context) -> None:
    """`/settings`: show the settings with buttons to change them."""
    leader = await active_leader(update, context)
    if leader is None:
        return
    city = city_name(context.bot_data.db, leader.city_id)
    await message_of(update).reply_text(settings_text(leader, city), reply_markup=settings_keyboard(leader))


async def change_setting(update: Update, context: Context) -> None:
    """A settings button: save the change, confirm it, refresh the settings message."""
    leader = await active_leader(update, context)
    if leader is None:
        return
    data, query = context.bot_data, query_of(update)
    what, _, value = data_of(query).removeprefix(PREFIX).partition(":")
    if what == "liv" and value in set(Livelihood):
        update_leader(data.db, leader.chat_id, data.now(), livelihood=Livelihood(value))
        answer = texts.SAVED_LIVELIHOOD.format(livelihood=texts.LIVELIHOODS[Livelihood(value)])
    elif what == "minor" and value in ("on", "off"):
        update_leader(data.db, leader.chat_id, data.now(), minor_opt_in=value == "on")
        answer = texts.SAVED_MINOR_ON if value == "on" else texts.SAVED_MINOR_OFF
    else:
        # A button from an older version of the bot: just show the settings again.
        answer = None
    await query.answer(answer)
    leader = get_leader(data.db, leader.chat_id)
    assert leader is not None  # read back after the update above
    try:
        await query.edit_message_text(
            settings_text(leader, city_name(data.db, leader.city_id)), reply_markup=settings_keyboard(leader)
        )
    except BadRequest as exc:
        # Tapping the button that is already chosen leaves the message as it was.
        if "not modified" not in str(exc).lower():
            raise


def preference_handlers() -> list:
    """`/settings` and its buttons."""
    return [
        CommandHandler("settings", show_settings, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(change_setting, pattern=f"^{PREFIX}"),
    ]
