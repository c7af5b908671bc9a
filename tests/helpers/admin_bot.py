"""Drive the admin handlers through the real PTB Application against the fake Bot API."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application

ADMIN = 900001  # fake_settings' admin id; a private chat id equals the user id
STRANGER = 555


async def command(app: Application, fake, user: int, text: str) -> None:
    """The user sends `text` (a /command with args) in their private chat; the app handles it."""
    update = fake.push_message(user, text, from_id=user)
    await app.process_update(Update.de_json(update, app.bot))


async def press(app: Application, fake, user: int, message_id: int, data: str) -> None:
    """The user presses a button with `data` on the bot's message."""
    update = fake.push_callback(user, message_id, data, from_id=user)
    await app.process_update(Update.de_json(update, app.bot))


async def run_job(app: Application, name: str) -> None:
    """Run the named job's callback once, now (no sleeping for the scheduler)."""
    (job,) = app.job_queue.get_jobs_by_name(name)
    await job.run(app)
