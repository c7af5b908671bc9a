"""The leaders' handlers in the order they are checked: `register_leader_handlers(app)` is the one call
`build_application` makes."""

from __future__ import annotations

from telegram.ext import Application

from bot.leaders.account import account_handlers
from bot.leaders.errors import on_error
from bot.leaders.guards import EDIT_GROUP, edit_guard, membership_handler
from bot.leaders.menu import add_menu_to_post_init
from bot.leaders.preferences import preference_handlers
from bot.leaders.report import report_handlers
from bot.leaders.signup import signup_conversation
from bot.leaders.status import status_handlers
from bot.leaders.unexpected import early_handlers, late_handlers


# The leaders' handlers live in their own group, after group 0: other features (delivery's ack
# button, admin commands) keep group 0 to themselves, and a group-0 handler that fully answers an
# update can raise ApplicationHandlerStop so these fallbacks do not answer it too.
LEADER_GROUP = 1


def register_leader_handlers(app: Application) -> None:
    """Add the leader handlers (in the order they must be checked), the error handler and the menu."""
    settings = app.bot_data.settings
    handlers = [
        *early_handlers(settings),
        signup_conversation(),
        *status_handlers(),
        *preference_handlers(),
        *account_handlers(),
        # Reports take photos, pins and free text, so they come after every command.
        *report_handlers(),
        *late_handlers(settings),
    ]
    app.add_handlers(handlers, group=LEADER_GROUP)
    app.add_handler(edit_guard(), group=EDIT_GROUP)
    app.add_handler(membership_handler(), group=LEADER_GROUP)
    app.add_error_handler(on_error)
    add_menu_to_post_init(app)
