"""`floodbot demo` (`run.py`, `aftercare.py`) and the fake Telegram Bot API it, the tests and the benchmarks
use (`fake/`)."""
