"""Flood warnings: feeds, parsing, lifecycle, matching and Thai rendering (no Telegram here)."""
