"""The hazard classification contract: every event lands in a class, unknown ones in UNKNOWN."""

import pytest

from alerts.hazards import UNKNOWN_LABEL, Hazard, classify_event


@pytest.mark.parametrize(
    ("event", "hazard"),
    [
        ("ฝนตกหนัก", Hazard.HEAVY_RAIN),  # TMD's own Thai event word
        ("Flash Flood", Hazard.HEAVY_RAIN),  # advice for a flash flood is the heavy-rain class's
        ("Volcano", Hazard.UNKNOWN),  # nothing floodbot advises on
    ],
)
def test_classify_event(event: str, hazard: Hazard) -> None:
    assert classify_event(event).hazard is hazard


def test_unknown_event_has_neutral_label() -> None:
    unknown = classify_event("Volcano")
    assert unknown.label_th == UNKNOWN_LABEL
    assert not unknown.known
