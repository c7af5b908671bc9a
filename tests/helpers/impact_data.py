"""One seeded after-action store: a warning thread of two versions, deliveries, acks and survey answers."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from subscribers.acks import record_ack
from subscribers.leaders import Livelihood, upsert_leader
from subscribers.surveys import Action, Arrival, LossRange, answer_arrived, answer_loss, toggle_action
from tests.helpers.store import add_cities, add_sent_alert, add_warning


def seed_impact(db: Database, now: datetime) -> tuple[int, int]:
    """Leaders 1-2 fishing, 3 trade, 5 other (Bo Yang), 4 farming (Phatong); returns (v1, v2) of the warning."""
    add_cities(db, now)
    for chat_id, city, livelihood in [
        (1, "bo-yang", Livelihood.FISHING),
        (2, "bo-yang", Livelihood.FISHING),
        (3, "bo-yang", Livelihood.TRADE),
        (4, "phatong", Livelihood.FARMING),
        (5, "bo-yang", Livelihood.OTHER),
    ]:
        upsert_leader(db, chat_id, city, now, name=f"แกนนำ {chat_id}", livelihood=livelihood)
    v1 = add_warning(db, now, version="v1", status="superseded", cities=["bo-yang", "phatong"])
    v2 = add_warning(db, now + timedelta(hours=1), version="v2", status="ended", supersedes=v1, cities=["bo-yang"])
    for chat_id in (1, 2, 3, 4):
        add_sent_alert(db, v1, chat_id, 100 + chat_id, now)
    for chat_id in (1, 2):
        add_sent_alert(db, v2, chat_id, 200 + chat_id, now + timedelta(hours=1), kind="update")
    record_ack(db, v1, 1, now)
    record_ack(db, v2, 2, now + timedelta(hours=1))
    record_ack(db, v1, 4, now)
    later = now + timedelta(days=1)
    fishing = Livelihood.FISHING
    answer_arrived(db, v2, 1, fishing, Arrival.ON_TIME, later)
    toggle_action(db, v2, 1, fishing, Action.BOAT_ASHORE, later)
    toggle_action(db, v2, 1, fishing, Action.SECURE_GEAR, later)
    answer_loss(db, v2, 1, fishing, later, avoided=LossRange.FROM_5K_TO_20K, happened=LossRange.NONE)
    answer_arrived(db, v2, 2, fishing, Arrival.LATE, later)
    toggle_action(db, v2, 2, fishing, Action.NOTHING, later)
    answer_loss(db, v2, 2, fishing, later, avoided=LossRange.NONE, happened=LossRange.FROM_1K_TO_5K)
    answer_arrived(db, v2, 3, Livelihood.TRADE, Arrival.ON_TIME, later)
    toggle_action(db, v2, 3, Livelihood.TRADE, Action.RAISE_GOODS, later)
    answer_loss(db, v2, 3, Livelihood.TRADE, later, avoided=LossRange.OVER_20K)
    # Leader 5 never got it (no sent row) and says so: counted as answered, not as warned.
    answer_arrived(db, v2, 5, Livelihood.OTHER, Arrival.NOT_RECEIVED, later)
    return v1, v2
