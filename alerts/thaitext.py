"""Thai text helpers for Telegram HTML: visible length and truncation that never splits a cluster."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import cache, lru_cache

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
    """Escape feed text for Telegram HTML, squeeze its whitespace and cut it to `limit` at a word boundary."""
    return escape_shortened(text, limit)


# --- Word-boundary shortening and a phone width model -------------------------------------------
# Thai has no spaces between words: PyThaiNLP's newmm (dictionary maximal matching over Thai
# character clusters) finds word boundaries offline, from a dictionary shipped in the package.

_DIGIT_END = re.compile(r"[0-9๐-๙.,:\-–]+")
_CONNECTIVES = frozenset({"และ", "หรือ", "ซึ่ง", "โดย", "ที่", "จาก", "กับ", "ของ", "ใน", "เพื่อ", "ส่วน", "แต่"})


# Words a cut must never split although PyThaiNLP's dictionary does not hold them: hazard names
# leaders act on, TMD's sea areas, and the first cities' names.
EXTRA_WORDS = frozenset({
    "น้ำป่าไหลหลาก", "น้ำท่วมฉับพลัน", "น้ำล้นตลิ่ง", "ดินโคลนถล่ม", "คลื่นพายุซัดฝั่ง", "ฝนตกหนักถึงหนักมาก",
    "อ่าวไทยตอนล่าง", "ทะเลอันดามันตอนล่าง", "ทะเลสาบสงขลา", "งดออกจากฝั่ง",
    "บ่อยาง", "พะตง", "ควนลัง", "ปาดังเบซาร์", "โตนดด้วน", "ละงู", "หาดใหญ่", "อู่ตะเภา",
})


@cache
def _tokenizer() -> Callable[[str], list[str]]:
    # Imported on first use: building newmm's dictionary trie takes about a second.
    from pythainlp.corpus import thai_words
    from pythainlp.tokenize import word_tokenize
    from pythainlp.util import Trie

    trie = Trie(set(thai_words()) | EXTRA_WORDS)
    return lambda text: word_tokenize(text, custom_dict=trie, engine="newmm", keep_whitespace=True)


def load_dictionary() -> None:
    """Build newmm's dictionary now (about a second, once per process), e.g. in a worker thread, so the
    first render on an event loop does not stall it."""
    _tokenizer()


def words(text: str) -> list[str]:
    """`text` split at Thai word boundaries and spaces (newmm); the pieces join back to `text`."""
    return list(_segment(text)) if text else []


@lru_cache(maxsize=4096)
def _segment(text: str) -> tuple[str, ...]:
    # Cached: a render measures the same lines (title, areas, times) at every agency-line length it tries,
    # and every leader of a city and livelihood shares them. Inputs are lines and cut heads, not whole feeds.
    pieces = _tokenizer()(text)
    if "".join(pieces) != text:  # never lose a character, whatever the segmenter does
        pieces = list(text)
    # A mark belongs to what it sits on, even on a non-Thai base the segmenter split it from.
    merged: list[str] = []
    for piece in pieces:
        if merged and piece[0] in _COMBINING:
            merged[-1] += piece
        else:
            merged.append(piece)
    return tuple(merged)


def shorten(text: str, limit: int) -> str:
    """Plain text cut at a word boundary to at most `limit` units, ending in "…" when cut.

    Never ends on a number (it would be separated from its unit: "คลื่นสูง 3…").
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    text = " ".join(text.split())
    if _units(text) <= limit:
        return text
    room = limit - _units(ELLIPSIS)
    kept: list[str] = []
    # Only the head can be kept: segment no more than it (plus a word's worth) of feed-sized text.
    for piece in words(text[: limit + 60]):
        size = _units(piece)
        if size > room:
            break
        kept.append(piece)
        room -= size
    # Never end on a number (cut from its unit) or on a connective that promises more ("…และ…").
    while kept and (kept[-1].isspace() or kept[-1] in _CONNECTIVES or _DIGIT_END.fullmatch(kept[-1])):
        kept.pop()
    out = "".join(kept).rstrip()
    return out + ELLIPSIS if out else ELLIPSIS


def escape_shortened(text: str, limit: int) -> str:
    """Feed text for Telegram HTML: whitespace squeezed, cut at a Thai word boundary, then escaped."""
    return html.escape(shorten(text, limit), quote=False)


# The phone: Telegram Android's default 16 px text at 360 px screen width leaves ~280 px of text in a
# bubble. Widths are in "cells", one Thai cluster or Latin letter; a space is half, an emoji two and a
# half; bold is 8 % wider. 34 cells fit (measured in Chromium with Noto Sans Thai); the model counts
# 31 so that a phone with a slightly larger font still fits.
PHONE_CELLS = 31.0
_BOLD = re.compile(r"<b>(.*?)</b>", re.DOTALL)


def _clusters(text: str) -> list[str]:
    out: list[str] = []
    for ch in text:
        if out and (ch in _COMBINING or ch == "\u200d" or 0xFE00 <= ord(ch) <= 0xFE0F or 0x1F3FB <= ord(ch) <= 0x1F3FF):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _cell(cluster: str) -> float:
    first = cluster[0]
    if first.isspace():
        return 0.5
    if ord(first) > 0x2000 and not ("\u0e00" <= first <= "\u0e7f") and first not in "…–—·":
        return 2.5  # emoji and symbols
    if first in ".,:;·'|!()":
        return 0.5
    return 1.0


def _width(text: str, bold: bool) -> float:
    return sum(_cell(c) for c in _clusters(text)) * (1.08 if bold else 1.0)


def phone_lines(message: str, cells: float = PHONE_CELLS) -> int:
    """How many lines a Telegram HTML message takes on a 360 px phone (grapheme clusters per line).

    Breaks only between words (spaces and newmm boundaries), as the phone does.
    """
    return sum(_line_count(line, cells) for line in message.split("\n"))


@lru_cache(maxsize=4096)
def _line_count(line: str, cells: float) -> int:
    # Cached: a render measures the same lines (title, areas, times) at every agency-line length it
    # tries, and every leader of a city shares them.
    # Runs of (text, bold) with tags removed and entities decoded.
    runs: list[tuple[str, bool]] = []
    pos = 0
    for m in _BOLD.finditer(line):
        runs.append((line[pos : m.start()], False))
        runs.append((m.group(1), True))
        pos = m.end()
    runs.append((line[pos:], False))
    used, count = 0.0, 1
    for text, bold in runs:
        for piece in words(html.unescape(_TAG.sub("", text))):
            width = _width(piece, bold)
            if piece.isspace():
                used += width
                continue
            if used + width > cells and used > 0:
                count += 1
                used = 0.0
            while width > cells:  # a word longer than a line breaks anywhere
                count += 1
                width -= cells
            used += width
    return count
