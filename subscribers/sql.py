"""SQL text built from the store's enums, so a status or kind is spelled once (in its StrEnum)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


def in_list(values: Iterable[StrEnum]) -> str:
    """`'a', 'b'` for `x in (...)`: only for the store's own enum values, never for input."""
    return ", ".join(f"'{value}'" for value in values)
