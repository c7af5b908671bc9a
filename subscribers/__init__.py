"""The SQLite store: cities, leaders, invites, warnings, outbox, reports, feed health, audit."""
