"""From a poll's decision to the Thai text a leader gets: the one place that picks the message kind."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from alerts.lifecycle import PollStatus
from alerts.matching import CityMatch
from alerts.model import City, Status, Warning
from alerts.places import place_words
from alerts.render import MessageKind, render_alert, sea_areas

# The livelihood whose text `poll --json` shows (it carries no livelihood-specific advice line).
DEFAULT_LIVELIHOOD = "other"


def message_kind(warning: Warning, status: PollStatus) -> MessageKind | None:
    """What the message says about the warning; None when nothing is to be said (expired, unchanged)."""
    if status is PollStatus.CANCELLED:
        return MessageKind.CANCEL
    if warning.status is Status.EXERCISE and status in (PollStatus.NEW, PollStatus.UPDATED):
        return MessageKind.DRILL
    if status is PollStatus.NEW:
        return MessageKind.ALL_CLEAR if warning.is_all_clear else MessageKind.NEW
    if status is PollStatus.UPDATED:
        return MessageKind.ALL_CLEAR if warning.is_all_clear else MessageKind.UPDATE
    return None


def matched_cities(matches: Sequence[CityMatch], cities: Sequence[City]) -> list[City]:
    """The cities of these matches, in configured order."""
    wanted = {m.city_id for m in matches}
    return [c for c in cities if c.id in wanted]


def render_for(
    warning: Warning,
    kind: MessageKind,
    cities: Sequence[City],
    livelihood: str,
    tz: ZoneInfo,
    own: City | None = None,
    previous: Warning | None = None,
) -> str:
    """The Telegram HTML text for a leader of `own` (one of `cities`) with this livelihood.

    The agency's sentence is picked for the leader's own province and sea (all covered ones
    when there is no own city); `previous` is the version the leader had, for an update.
    """
    provinces = list(dict.fromkeys(c.province_code for c in ([own] if own else cities)))
    return render_alert(
        warning,
        kind=kind,
        city_names=[c.name_th for c in cities],
        livelihood=livelihood,
        tz=tz,
        places=place_words(provinces) + sea_areas(provinces),
        own_city=own.name_th if own else None,
        previous=previous,
    )


def preview_text(warning: Warning, status: PollStatus, cities: Sequence[City], tz: ZoneInfo) -> str:
    """The text `poll --json` shows: what a leader would get, or the previous kind's text when nothing is sent."""
    kind = message_kind(warning, status)
    if kind is None:
        kind = MessageKind.DRILL if warning.status is Status.EXERCISE else MessageKind.NEW
    return render_for(warning, kind, cities, DEFAULT_LIVELIHOOD, tz)
