"""Virtual time shared by the limiter and the fake: waits cost nothing, yet a reply that is not paced fails."""

from __future__ import annotations

import time

from telegram.ext import ExtBot

from bot.delivery.ptb_limiter import SharedRateLimiter
from bot.delivery.ratelimit import RateLimiter
from bot.demo.fake.telegram import fake_settings

CHAT = 4242
GROUP = -100777


async def test_paced_replies_take_no_real_time_and_break_no_limit(limited_tg, vt):
    limiter = vt.limiter(fake_settings(limited_tg))
    started, virtual = time.monotonic(), vt()
    async with ExtBot(limited_tg.token, base_url=limited_tg.base_url, rate_limiter=SharedRateLimiter(limiter)) as bot:
        for i in range(8):
            await bot.send_message(CHAT, f"reply {i}")
        for i in range(22):  # past the group's 20 a minute
            await bot.send_message(GROUP, f"post {i}")
    assert len(limited_tg.messages()) == 30 and limited_tg.limit_breaks == []
    # Eight to one chat (a burst of three, then 1/s) and 22 to a group (the last two a minute later).
    assert vt() - virtual >= 60 and time.monotonic() - started < 10


async def test_a_reply_that_skips_per_chat_pacing_is_seen_by_the_fake(limited_tg, vt):
    # Why: the handler tests assert no limit was broken; this shows the check can fail. A limiter that
    # does not pace per chat sends too fast for the fake on the same clock (the 429 is retried).
    unpaced = RateLimiter(30, 0.0, clock=vt, sleep=vt.sleep)
    async with ExtBot(limited_tg.token, base_url=limited_tg.base_url, rate_limiter=SharedRateLimiter(unpaced)) as bot:
        for i in range(5):
            await bot.send_message(CHAT, f"reply {i}")
    assert limited_tg.limit_breaks  # the fixture would fail the test; clear it, this one is expected
    assert [m.text for m in limited_tg.messages(CHAT)] == [f"reply {i}" for i in range(5)]
    limited_tg.limit_breaks.clear()
