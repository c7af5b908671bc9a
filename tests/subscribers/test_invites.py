"""Invites: codes expire, have a use limit, and count each use once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from subscribers import invites
from subscribers.cities import sync_cities
from alerts.model import City

CITY = City(id="bo-yang", name_th="บ่อยาง", province_code="90", tambon_code="900101", lat=7.198, lon=100.596)


@pytest.fixture
def city_db(db, now):
    sync_cities(db, [CITY], now)
    return db


def test_codes_are_url_safe_and_unambiguous():
    codes = {invites.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(re.fullmatch(r"[a-km-np-z2-9]{10}", code) for code in codes)


def test_a_code_is_used_up(city_db, now):
    invite = invites.create_invite(city_db, "bo-yang", now, timedelta(days=1), max_uses=2)
    assert invites.use_invite(city_db, invite.code, now).uses == 1
    assert invites.use_invite(city_db, invite.code, now).uses == 2
    assert invites.use_invite(city_db, invite.code, now) is None  # the limit holds
    assert invites.get_invite(city_db, invite.code).uses == 2


def test_a_code_expires(city_db, now):
    invite = invites.create_invite(city_db, "bo-yang", now, timedelta(days=1), max_uses=5)
    assert invites.current_invite(city_db, "bo-yang", now + timedelta(hours=23)) == invite
    later = now + timedelta(days=1)
    assert invites.use_invite(city_db, invite.code, later) is None
    assert invites.current_invite(city_db, "bo-yang", later) is None
    assert not invites.get_invite(city_db, invite.code).usable(later)


def test_unknown_code_and_city(city_db, now):
    assert invites.use_invite(city_db, "nosuchcode", now) is None
    with pytest.raises(invites.UnknownCityError):
        invites.create_invite(city_db, "atlantis", now, timedelta(days=1), max_uses=1)
