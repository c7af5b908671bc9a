"""The poll cycle: fetch, parse, store, match and fan out (no Telegram imports)."""
