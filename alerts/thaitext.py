"""Thai text helpers for Telegram HTML: visible length and truncation that never splits a cluster."""

from __future__ import annotations

import html
import re

ELLIPSIS = "…"
# Telegram's limit on a message's text after entity parsing, in UTF-16 code units.
TELEGRAM_LIMIT = 4096

# Thai marks that belong to the consonant before them: MAI HAN-AKAT, SARA AM, the above/below
# vowels, PHINTHU, and MAITAIKHU..YAMAKKAN (tone marks, THANTHAKHAT, NIKHAHIT).
_COMBINING = frozenset(chr(c) for c in (0x0E31, *range(0x0E33, 0x0E3B), *range(0x0E47, 0x0E4F)))
# Leading vowels (เ แ โ ใ ไ) are written before their consonant: never end on one.
_LEADING = frozenset(chr(c) for c in range(0x0E40, 0x0E45))
_TOKEN = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);|.", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
# Cut at a space if one is this close to the limit: Thai separates phrases with spaces.
_WORD_SLACK = 0.4


def _units(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts (an emoji outside the BMP counts two)."""
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def visible_length(message: str) -> int:
    """Length of a Telegram HTML message as Telegram counts it: tags removed, entities decoded."""
    return _units(html.unescape(_TAG.sub("", message)))


def truncate_html(escaped: str, limit: int) -> str:
    """Shorten escaped text (entities, no tags) to `limit` visible units, ending in "…" when cut.

    Never splits an HTML entity or a Thai cluster (a consonant and its vowel and tone marks).
    """
    if "<" in escaped or ">" in escaped:
        raise ValueError("truncate_html takes escaped text without tags; escape it first")
    if limit < 1:
        raise ValueError("limit must be at least 1")
    tokens = _TOKEN.findall(escaped)
    sizes = [_units(html.unescape(t)) for t in tokens]
    if sum(sizes) <= limit:
        return escaped
    room, cut = limit - _units(ELLIPSIS), 0
    while cut < len(tokens) and sizes[cut] <= room:
        room -= sizes[cut]
        cut += 1
    # The first dropped token must not be a mark of the last kept consonant.
    while cut > 0 and tokens[cut] in _COMBINING:
        cut -= 1
    while cut > 0 and tokens[cut - 1] in _LEADING:
        cut -= 1
    space = max((i for i in range(cut) if tokens[i].isspace()), default=-1)
    if space >= cut * (1 - _WORD_SLACK):
        cut = space
    # Trailing spaces go, and so does a leading vowel they uncover (เ, แ, โ, ใ, ไ belong to what follows).
    while cut > 0 and (tokens[cut - 1].isspace() or tokens[cut - 1] in _LEADING):
        cut -= 1
    return "".join(tokens[:cut]) + ELLIPSIS


def escape_truncated(text: str, limit: int) -> str:
    """Escape feed text for Telegram HTML, squeeze its whitespace and truncate it to `limit`."""
    return truncate_html(html.escape(" ".join(text.split()), quote=False), limit)
