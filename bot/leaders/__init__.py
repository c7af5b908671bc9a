"""The leaders' bot in private chat: joining, /status, reports, acks, /settings, /stop, /help, and their texts.

`bot.leaders.handlers.register_leader_handlers(app)` is the one call `build_application` makes.
"""
