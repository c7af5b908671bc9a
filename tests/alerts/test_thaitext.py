"""Truncation that never splits a Thai cluster or an HTML entity, and Telegram's length count."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from alerts.thaitext import ELLIPSIS, escape_truncated, truncate_html, visible_length

COMBINING = {chr(c) for c in (0x0E31, *range(0x0E33, 0x0E3B), *range(0x0E47, 0x0E4F))}
LEADING = {chr(c) for c in range(0x0E40, 0x0E45)}
# Consonants, every combining mark, leading vowels, spaces, and the characters html.escape rewrites.
ALPHABET = "กขคงนมยรลวสหอ" + "".join(sorted(COMBINING)) + "".join(sorted(LEADING)) + "  &<>\"'ab🌧\n"


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet=ALPHABET, max_size=300), limit=st.integers(min_value=1, max_value=120))
# Found by hypothesis: cutting back to a space uncovered a leading vowel standing alone before it.
@example(text="<<<<เ <<", limit=7)
def test_truncation_properties(text, limit):
    escaped = html.escape(text, quote=False)
    out = truncate_html(escaped, limit)
    if visible_length(escaped) <= limit:
        assert out == escaped
        return
    assert visible_length(out) <= limit
    assert out.endswith(ELLIPSIS)
    body = out[: -len(ELLIPSIS)]
    # A prefix of the escaped text that ends on a whole entity...
    assert escaped.startswith(body)
    assert not re.search(r"&[#A-Za-z0-9]*$", body)
    # ...and, unescaped, a prefix of the text cut between clusters.
    shown = html.unescape(body)
    assert text.startswith(shown)
    rest = text[len(shown) :]
    if shown:  # an empty cut splits nothing, even before a stray mark at the very start
        assert rest[:1] not in COMBINING
    assert shown[-1:] not in LEADING


# Hand-picked cuts: why each is where it is.
@pytest.mark.parametrize(
    ("escaped", "limit", "expected"),
    [
        ("ที่นี่", 3, "…"),  # ที่ is one cluster of 3 code points: never ท alone
        ("ที่นี่", 4, "ที่…"),
        ("น้ำท่วม", 3, "…"),  # น้ำ is น + ้ + ำ: nothing fits before the cut
        ("เมือง", 2, "…"),  # never end on a leading vowel
        ("a &amp; b", 4, "a &amp;…"),  # the entity counts one
        ("a &amp; b", 5, "a &amp; b"),
        ("&amp;&amp;&amp;&amp;", 3, "&amp;&amp;…"),  # and is never split
        ("ฝนตกหนัก มาก", 11, "ฝนตกหนัก…"),  # prefer a near space (Thai separates phrases)
        ("สั้น", 10, "สั้น"),
    ],
)
def test_truncation_cases(escaped, limit, expected):
    assert truncate_html(escaped, limit) == expected


def test_truncate_refuses_tags():
    with pytest.raises(ValueError, match="escape"):
        truncate_html("<b>x</b>", 3)


def test_escape_truncated_squeezes_whitespace_and_escapes():
    assert escape_truncated("  a <b>\n\n c  ", 50) == "a &lt;b&gt; c"


# Telegram counts characters after parsing, in UTF-16 units: tags are free, entities count one.
@pytest.mark.parametrize(
    ("message", "length"),
    [
        ("<b>ฝน</b>", 2),
        ("a &amp; b", 5),
        ('<a href="https://x">ลิงก์</a>', 5),
        ("🌧", 2),
    ],
)
def test_visible_length(message, length):
    assert visible_length(message) == length
