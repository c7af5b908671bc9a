"""The admin commands and jobs: `register_admin_handlers(app)` is the one call `build_application` makes."""

from __future__ import annotations

from telegram.ext import Application, CommandHandler

from bot.admin import broadcast, drill, health, recurring
from bot.admin.texts import ADMIN_MENU
from bot.admin.invite import invite_command
from bot.admin.reports import reports_command
from bot.admin.roster import leaders_command
from bot.admin.stats import stats_command

# Every admin command (the admins' menu, the refusal test); check-in, survey and impact live in bot/aftercare.
COMMANDS = tuple(command for command, _ in ADMIN_MENU)


def register_admin_handlers(app: Application) -> None:
    """Add the admin commands, the /broadcast conversation and the admin jobs (named) to the app."""
    app.add_handler(CommandHandler("invite", invite_command))
    app.add_handler(CommandHandler("leaders", leaders_command))
    app.add_handler(broadcast.conversation())
    app.add_handler(CommandHandler("drill", drill.drill_command))
    app.add_handler(CommandHandler("reports", reports_command))
    app.add_handler(CommandHandler("stats", stats_command))
    app.add_handler(CommandHandler("health", health.health_command))
    app.add_handler(CommandHandler("notices", recurring.notices_command))
    settings = app.bot_data.settings
    jobs = app.job_queue
    if jobs is None:  # PTB without the job-queue extra: the commands still work
        return
    every = drill.CHECK_SECONDS
    jobs.run_repeating(drill.drill_report_job, interval=every, first=every, name=drill.JOB_NAME)
    jobs.run_repeating(
        health.health_job, interval=settings.admin.health_check_seconds, first=10, name=health.JOB_NAME
    )
    if settings.notices:
        jobs.run_repeating(
            recurring.recurring_job, interval=recurring.CHECK_SECONDS, first=5, name=recurring.JOB_NAME
        )
