"""A fake Telegram Bot API on 127.0.0.1, for the test suite, the benchmarks and `floodbot demo`."""
