"""A wall clock tests set and move by hand, injected where the code would read the real one."""

from __future__ import annotations

from datetime import datetime, timedelta


class Clock:
    """A clock tests move by hand: `clock()` is its time, for `build_application(..., clock=)` and the worker."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(**delta)
