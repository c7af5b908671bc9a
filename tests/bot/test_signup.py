from datetime import timedelta

import pytest

from bot.leaders.joining import MAX_WRONG_CODES, WRONG_CODE_WINDOW, JoinOutcome, join
from subscribers import invites
from subscribers.leaders import deactivate, get_leader, update_leader
from tests.helpers.store import add_cities

CHAT = 555


@pytest.fixture
def seeded(db, now):
    add_cities(db, now)
    return db


def _invite(db, now, city="bo-yang", days=30, max_uses=40):
    return invites.create_invite(db, city, now, timedelta(days=days), max_uses).code


def test_good_code_joins_and_counts_a_use(seeded, now):
    code = _invite(seeded, now)
    result = join(seeded, CHAT, code, now)
    assert result.outcome is JoinOutcome.JOINED and result.needs_name
    assert get_leader(seeded, CHAT).city_id == "bo-yang"
    assert invites.get_invite(seeded, code).uses == 1


@pytest.mark.parametrize(
    ("make_code", "outcome"),
    [
        (lambda db, now: _invite(db, now - timedelta(days=31), days=30), JoinOutcome.EXPIRED),  # past its expiry
        (lambda db, now: _invite(db, now, max_uses=0), JoinOutcome.USED_UP),  # no uses left
        (lambda db, now: "nosuchcode", JoinOutcome.WRONG),  # never issued
        (lambda db, now: "bad code; drop", JoinOutcome.WRONG),  # not even a start parameter
        (lambda db, now: None, JoinOutcome.NO_CODE),  # plain /start from a stranger
    ],
)
def test_refusals_store_no_leader(seeded, now, make_code, outcome):
    result = join(seeded, CHAT, make_code(seeded, now), now)
    assert result.outcome is outcome
    assert get_leader(seeded, CHAT) is None


def test_revoked_code_reads_as_expired(seeded, now):
    code = _invite(seeded, now)
    seeded.execute("update invites set revoked = 1 where code = ?", [code])
    assert join(seeded, CHAT, code, now).outcome is JoinOutcome.EXPIRED


def test_guessing_limit_blocks_even_a_good_code(seeded, now):
    good = _invite(seeded, now)
    lefts = [join(seeded, CHAT, f"guess{i}", now).tries_left for i in range(MAX_WRONG_CODES - 1)]
    assert lefts == [4, 3, 2, 1]
    last = join(seeded, CHAT, "guess-last", now)
    assert last.outcome is JoinOutcome.LOCKED and last.wait_minutes == 15
    # While locked, the right code is not even looked at.
    locked = join(seeded, CHAT, good, now + timedelta(minutes=5))
    assert (locked.outcome, locked.wait_minutes) == (JoinOutcome.LOCKED, 10)
    assert invites.get_invite(seeded, good).uses == 0
    # Another chat is not affected, and the locked chat may try again after the window.
    assert join(seeded, CHAT + 1, good, now).outcome is JoinOutcome.JOINED
    assert join(seeded, CHAT, good, now + timedelta(minutes=16)).outcome is JoinOutcome.JOINED


@pytest.mark.parametrize(
    "gap",
    [
        # A patient guesser, one code every 3 minutes: the fifth comes 12 minutes after the first.
        timedelta(minutes=3),
        # The slowest guesser the limit must still stop: the fifth a second before the first leaves the window.
        (WRONG_CODE_WINDOW - timedelta(seconds=1)) / (MAX_WRONG_CODES - 1),
    ],
)
def test_guesses_spread_over_the_window_still_lock(seeded, now, gap):
    # Pruning old wrong codes must never forget one still inside the window (all at one instant hides that).
    good = _invite(seeded, now)
    times = [now + i * gap for i in range(MAX_WRONG_CODES)]
    lefts = [join(seeded, CHAT, f"guess{i}", at).tries_left for i, at in enumerate(times[:-1])]
    assert lefts == list(range(MAX_WRONG_CODES - 1, 0, -1))
    assert join(seeded, CHAT, "guess-last", times[-1]).outcome is JoinOutcome.LOCKED
    locked = join(seeded, CHAT, good, times[-1] + timedelta(milliseconds=500))
    assert locked.outcome is JoinOutcome.LOCKED and invites.get_invite(seeded, good).uses == 0
    # Free again once the first guess has left the window, and not before.
    assert join(seeded, CHAT, good, now + WRONG_CODE_WINDOW).outcome is JoinOutcome.JOINED


def test_stop_then_plain_start_reactivates_keeping_choices(seeded, now):
    join(seeded, CHAT, _invite(seeded, now), now)
    update_leader(seeded, CHAT, now, name="สมศรี", livelihood="fishing")
    deactivate(seeded, CHAT, "stop", now)
    result = join(seeded, CHAT, None, now)
    assert result.outcome is JoinOutcome.REACTIVATED and not result.needs_name
    leader = get_leader(seeded, CHAT)
    assert (leader.active, leader.name, leader.livelihood) == (True, "สมศรี", "fishing")
    assert join(seeded, CHAT, None, now).outcome is JoinOutcome.ALREADY_ACTIVE


def test_new_city_code_moves_leader(seeded, now):
    join(seeded, CHAT, _invite(seeded, now), now)
    update_leader(seeded, CHAT, now, name="สมศรี", livelihood="trade")
    result = join(seeded, CHAT, _invite(seeded, now, city="phatong"), now)
    assert result.outcome is JoinOutcome.MOVED
    leader = get_leader(seeded, CHAT)
    assert (leader.city_id, leader.livelihood) == ("phatong", "trade")
