from datetime import timedelta

from subscribers.invite_failures import failures_since, locked_until, prune_failures, record_failure

WINDOW = timedelta(minutes=15)


def test_locked_after_limit_and_free_when_oldest_ages_out(db, now):
    for minute in range(5):
        assert locked_until(db, 42, now + timedelta(minutes=minute), 5, WINDOW) is None
        record_failure(db, 42, now + timedelta(minutes=minute))
    # Fifth failure at +4 min: the first (at +0) leaves the window at +15 min.
    assert locked_until(db, 42, now + timedelta(minutes=5), 5, WINDOW) == now + WINDOW
    assert locked_until(db, 42, now + WINDOW + timedelta(seconds=1), 5, WINDOW) is None


def test_counter_is_per_chat(db, now):
    for _ in range(5):
        record_failure(db, 1, now)
    assert locked_until(db, 1, now, 5, WINDOW) is not None
    assert locked_until(db, 2, now, 5, WINDOW) is None


def test_prune_forgets_old_failures(db, now):
    record_failure(db, 1, now - timedelta(days=2))
    record_failure(db, 1, now)
    assert prune_failures(db, now - timedelta(days=1)) == 1
    assert failures_since(db, 1, now - timedelta(days=3)) == [now]
