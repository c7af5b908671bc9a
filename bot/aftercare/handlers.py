"""The aftercare handlers and the triage job: `register_aftercare(app)` is the one call `build_application`
makes."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.aftercare import admin, asking, commands, leader, survey


def register_aftercare(app: Application) -> None:
    """Add the handlers (group 0, each stops the update once handled) and the named triage job."""
    for handler in leader.need_help_handlers(app.bot_data):
        app.add_handler(handler)
    app.add_handler(CallbackQueryHandler(survey.survey_pressed, pattern=survey.PATTERN))
    app.add_handler(CallbackQueryHandler(admin.help_pressed, pattern=admin.HELP_PATTERN))
    app.add_handler(CommandHandler("help_requests", admin.help_requests_command))
    app.add_handler(CommandHandler("impact", admin.impact_command))
    app.add_handler(CommandHandler("checkin", commands.checkin_command))
    app.add_handler(CommandHandler("survey", commands.survey_command))
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            admin.triage_job, interval=admin.TRIAGE_SECONDS, first=admin.TRIAGE_SECONDS, name=admin.TRIAGE_JOB
        )
        app.job_queue.run_repeating(
            asking.start_job, interval=asking.CHECK_SECONDS, first=asking.CHECK_SECONDS, name=asking.JOB_NAME,
            job_kwargs={"max_instances": 1, "coalesce": True},
        )
