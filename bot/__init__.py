"""The Telegram bot, the scheduler, the CLI: the only package that joins alerts and subscribers."""
