from datetime import timedelta

from alerts.lifecycle import KnownVersion, RowStatus, _in_force
from subscribers.timeutil import to_db
from subscribers.warnings import IN_FORCE, WarningStatus, warning_title, warnings_in_force
from tests.helpers.store import add_cities, add_warning


def test_in_force_for_city_newest_first(db, now):
    add_cities(db, now)
    hour = timedelta(hours=1)
    older = add_warning(db, identifier="old", cities=["bo-yang", "phatong"], sent=now - 3 * hour, expires=now + hour)
    newer = add_warning(db, identifier="new", cities=["bo-yang"], sent=now - hour, expires=None, headline="ฝนหนักมาก")
    # Not shown: expired, another city, cancelled, superseded by a newer active version.
    add_warning(db, identifier="gone", cities=["bo-yang"], sent=now - 5 * hour, expires=now - hour)
    add_warning(db, identifier="far", cities=["la-ngu"], sent=now, expires=now + hour)
    add_warning(db, identifier="off", cities=["bo-yang"], sent=now, expires=now + hour, status="cancelled")
    v1 = add_warning(db, identifier="v1", cities=["bo-yang"], sent=now - 2 * hour, expires=now + hour)
    v2 = add_warning(
        db,
        identifier="v2",
        cities=["bo-yang"],
        sent=now - 2 * hour + timedelta(minutes=1),
        expires=now + hour,
        supersedes=v1,
    )

    found = warnings_in_force(db, "bo-yang", now)
    assert [w.id for w in found] == [newer, v2, older]
    assert found[0].headline == "ฝนหนักมาก"
    assert found[0].starts == now - hour  # no onset: the validity starts when it was sent
    assert [w.id for w in warnings_in_force(db, "phatong", now)] == [older]
    assert warnings_in_force(db, "khuan-lang", now) == []
    assert warning_title(db, newer) == "ฝนหนักมาก"
    assert warning_title(db, older) == "ฝนตกหนัก"
    assert warning_title(db, 999) is None


def test_the_store_and_the_lifecycle_agree_on_in_force(db, now):
    # The SQL predicate (every store query) and alerts.lifecycle's in-memory check are one rule:
    # active, and no expiry or an expiry after now (at exactly now it is over).
    rows = []
    for status in WarningStatus:
        for expires in (
            None,
            now - timedelta(seconds=1),
            now,
            now + timedelta(microseconds=1),
            now + timedelta(days=1),
        ):
            warning_id = add_warning(db, now, identifier=f"{status}-{expires}", status=status, expires=expires)
            rows.append(KnownVersion(id=warning_id, version="v1", status=RowStatus(status), expires=expires))
    in_store = [r["id"] for r in db.query(f"select id from warnings where {IN_FORCE} order by id", [to_db(now)])]
    assert in_store == list(_in_force(tuple(rows), now))
    assert len(in_store) == 3  # active with no expiry, a microsecond left, a day left
