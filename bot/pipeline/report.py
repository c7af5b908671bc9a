"""What one poll saw, as `floodbot poll` prints it: one item per warning read, and the feed failures."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from alerts.lifecycle import PollStatus, Reason
from alerts.matching import CityMatch
from alerts.model import Warning

BANGKOK = ZoneInfo("Asia/Bangkok")


class FeedFailure(BaseModel):
    """One feed problem: the feed name and what went wrong."""

    feed: str
    error: str


class PollItem(BaseModel):
    """One warning as a poll saw it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    feed: str
    warning: Warning
    status: PollStatus
    reason: Reason
    warning_id: int | None = None
    cities: list[str] = Field(default_factory=list)
    # Why each city matched (geocode, polygon, circle or text), for admins.
    matches: list[CityMatch] = Field(default_factory=list)
    text: str = ""
    # True when leaders should get this version (a Cancel/all-clear/Update as a reply).
    send: bool = False
    # Why leaders get nothing from this version (None when they do): every warning read is shown.
    not_sent: str | None = None
    # How many leaders of each city this version is queued for (a dry run: would be), cities in
    # configured order; counts only, never chat ids or names: poll output gets pasted in chats.
    recipients: dict[str, int] = Field(default_factory=dict)
    # The zone `to_json` writes times in (the configured timezone).
    tz: Any = Field(default=BANGKOK, exclude=True)

    def block_for(self, city_id: str) -> int:
        """The info block that reached this city (0 when the city was not matched)."""
        return next((m.block for m in self.matches if m.city_id == city_id), 0)

    def warning_for(self, city_id: str) -> Warning:
        """The warning as that city's leaders get it: the most severe info block covering the city."""
        return self.warning.for_block(self.block_for(city_id))

    @property
    def shown_block(self) -> int:
        """The block `event`, `severity` and `text` show: the most severe one that reached a city."""
        if not self.matches:
            return 0
        blocks = self.warning.blocks
        return min((m.block for m in self.matches), key=lambda b: (-blocks[b].severity.rank, b))

    def to_json(self) -> dict[str, Any]:
        """The DESIGN.md `poll --json` object (times ISO 8601 in the configured zone)."""
        w = self.warning.for_block(self.shown_block)

        def when(moment: datetime | None) -> str | None:
            return moment.astimezone(self.tz).isoformat() if moment else None

        return {
            "feed": self.feed,
            "id": w.identifier,
            "sender": w.sender,
            "status": str(self.status),
            "reason": str(self.reason),
            "msg_type": str(w.msg_type),
            "cap_status": str(w.status),
            "event": w.event,
            "language": w.language,
            "severity": str(w.severity),
            "urgency": str(w.urgency),
            "certainty": str(w.certainty),
            "sent": when(w.sent),
            "expires": when(w.expires),
            "headline": w.headline,
            "cities": self.cities,
            "matched_by": {m.city_id: f"{m.reason}: {m.detail}" for m in self.matches},
            # Which <info> block reached each city (0 = the first), and every block in the chosen language.
            "info_block": {m.city_id: m.block for m in self.matches},
            "blocks": [
                {"event": b.event, "severity": str(b.severity), "urgency": str(b.urgency), "expires": when(b.expires),
                 "cities": [m.city_id for m in self.matches if m.block == i]}
                for i, b in enumerate(self.warning.blocks)
            ],
            "scope": str(self.warning.scope),
            # Geometry the parser dropped (an empty or unreadable polygon or circle).
            "notes": list(self.warning.notes),
            "send": self.send,
            "not_sent": self.not_sent,
            "warning_id": self.warning_id,
            "text": self.text,
            "recipients": self.recipients,
        }

    def summary_line(self) -> str:
        """One readable line for `floodbot poll` without --json."""
        data = self.to_json()
        cities = ",".join(self.cities) or "-"
        return (
            f"{data['status']:<9} {self.feed} {self.warning.sender}/{data['id']} {data['event']} {data['severity']}"
            f" sent {data['sent']} expires {data['expires'] or '-'} cities {cities}"
            + (f" · not sent: {self.not_sent}" if self.not_sent else "")
            + (f" · recipients {sum(self.recipients.values())}" if self.recipients else "")
        )


class PollReport(BaseModel):
    """Everything one poll saw: warnings and feed failures."""

    items: list[PollItem] = Field(default_factory=list)
    failures: list[FeedFailure] = Field(default_factory=list)
    # Outbox rows this poll added (0 for a dry run, whose rows are rolled back).
    queued: int = 0
