"""Inline keyboards from the (label, callback data) rows that bot.aftercare.texts defines."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.aftercare.texts import Button


def inline_markup(rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    """An inline keyboard, or None when there are no buttons (an edit then removes the old ones)."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )
