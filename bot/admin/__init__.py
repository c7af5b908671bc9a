"""Admin tools in the chat: invites, leaders, broadcasts, drills, reports, stats, feed health, notices,
and the exports (XLSX, the impact report) the chat and the shell share. `handlers.py` wires them."""
