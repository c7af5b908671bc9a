from datetime import timedelta

import pytest

from subscribers import reports
from subscribers.leaders import upsert_leader
from subscribers.reports import Depth, ReportTooLongError, TooManyPhotosError
from tests.helpers.store import add_cities, add_sent_alert, add_warning

CHAT = 1001


@pytest.fixture
def leader(db, now):
    add_cities(db, now)
    return upsert_leader(db, CHAT, "bo-yang", now, name="สมชาย")


def test_draft_round_trip_and_expiry(db, now, leader):
    draft = reports.start_draft(db, CHAT, now)
    reports.add_text(draft, "น้ำขึ้น")
    reports.save_draft(db, draft, now)
    assert reports.get_draft(db, CHAT, now + timedelta(minutes=5), timedelta(hours=2)).text == "น้ำขึ้น"
    # An old draft is ignored so tomorrow's message starts a new report.
    assert reports.get_draft(db, CHAT, now + timedelta(hours=3), timedelta(hours=2)) is None


def test_text_cap_counts_characters_and_changes_nothing_on_overflow(db, now, leader):
    draft = reports.start_draft(db, CHAT, now)
    reports.add_text(draft, "ก" * 1990)
    with pytest.raises(ReportTooLongError) as caught:
        reports.add_text(draft, "ข" * 20)
    assert caught.value.length == 1990 + 1 + 20
    assert draft.text == "ก" * 1990
    reports.add_text(draft, "ข" * 9)  # newline + 9 = exactly 2,000
    assert len(draft.text) == reports.MAX_TEXT


def test_album_is_acknowledged_once(db, now, leader):
    draft = reports.start_draft(db, CHAT, now)
    # Telegram sends an album as one message per photo sharing a media_group_id.
    assert reports.add_photo(draft, "p1", "album-1") is True
    assert reports.add_photo(draft, "p2", "album-1") is False
    assert reports.add_photo(draft, "p3", "album-1") is False
    assert reports.add_photo(draft, "single", None) is True
    assert draft.photos == ["p1", "p2", "p3", "single"]


def test_photo_limit(db, now, leader):
    draft = reports.start_draft(db, CHAT, now)
    for i in range(reports.MAX_PHOTOS):
        reports.add_photo(draft, f"p{i}", "g")
    with pytest.raises(TooManyPhotosError):
        reports.add_photo(draft, "one-more", "g")


def test_finish_numbers_report_and_drops_draft(db, now, leader):
    warning_id = add_warning(db, identifier="w1", cities=["bo-yang"], sent=now, expires=now + timedelta(hours=6))
    draft = reports.start_draft(db, CHAT, now, warning_id)
    reports.add_text(draft, "น้ำท่วมถนน")
    reports.add_photo(draft, "p1", "album-9")
    reports.add_photo(draft, "p2", "album-9")
    draft.lat, draft.lon = 7.2, 100.6
    first = reports.finish_report(db, draft, "bo-yang", Depth.KNEE, now)
    assert first.model_dump(exclude={"id", "created_at"}) == {
        "chat_id": CHAT,
        "city_id": "bo-yang",
        "warning_id": warning_id,
        "text": "น้ำท่วมถนน",
        "depth": Depth.KNEE,
        "lat": 7.2,
        "lon": 100.6,
        "photos": ["p1", "p2"],
        "media_group_id": "album-9",
    }
    assert reports.get_draft(db, CHAT, now, timedelta(hours=2)) is None
    second = reports.finish_report(db, reports.start_draft(db, CHAT, now), "bo-yang", None, now)
    assert second.id == first.id + 1
    assert second.depth is None


@pytest.mark.parametrize(
    ("kind", "message_id", "linked"),
    [
        ("alert", 77, True),  # a reply to the alert itself
        ("update", 77, True),  # updates are sent as replies and carry the same warning
        ("reminder", 77, True),  # "not acknowledged yet" reminders answer the same warning
        ("notice", 77, False),  # a broadcast notice is not a warning
        ("alert", 78, False),  # some other message in the chat
    ],
)
def test_warning_for_message(db, now, leader, kind, message_id, linked):
    warning_id = add_warning(db, identifier="w1", cities=["bo-yang"], sent=now, expires=None)
    add_sent_alert(db, warning_id, CHAT, 77, now, kind=kind)
    assert reports.warning_for_message(db, CHAT, message_id) == (warning_id if linked else None)
    # The same message id in another chat is another message.
    assert reports.warning_for_message(db, CHAT + 1, 77) is None
