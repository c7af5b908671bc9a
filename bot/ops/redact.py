"""Secrets never reach a terminal or the journal: a logging filter that rewrites every record.

A filter on a logger only sees records logged on that very logger, not those propagated from
`telegram.ext` or `httpx`; so the filter goes on every handler of the root logger, where all
records end up, whatever their level.
"""

from __future__ import annotations

import logging

MASK = "[REDACTED]"


def redact(text: str, secrets: list[str]) -> str:
    """`text` with every secret (and a bot token's secret half) replaced by the mask."""
    for secret in _variants(secrets):
        text = text.replace(secret, MASK)
    return text


def _variants(secrets: list[str]) -> list[str]:
    found: list[str] = []
    for secret in secrets:
        found.append(secret)
        # A bot token is "<bot id>:<secret>"; the secret half alone is enough to take the bot over.
        _, sep, tail = secret.partition(":")
        if sep and len(tail) >= 8:
            found.append(tail)
    # Longest first, so the whole token is masked before its half.
    return sorted({s for s in found if s}, key=len, reverse=True)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message and traceback with the secrets masked."""

    def __init__(self, secrets: list[str]):
        super().__init__("")
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keep the record; mask secrets in its message, arguments and exception text."""
        if not self.secrets:
            return True
        message = record.getMessage()
        record.msg, record.args = redact(message, self.secrets), None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text, self.secrets)
            # The formatter prints exc_text; without exc_info it cannot format the raw exception again.
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def install(secrets: list[str]) -> None:
    """Put the redacting filter on every handler of the root logger (replacing an earlier one)."""
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(RedactingFilter(secrets))
