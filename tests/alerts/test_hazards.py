"""The hazard vocabulary: every event lands in its class or in UNKNOWN, never in another hazard's."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from alerts.hazards import UNKNOWN_LABEL, Hazard, classify_event

# Hand-checked: every distinct (language, event) of ../shared/cap-corpus with the class it belongs to
# (tests/alerts/test_corpus.py checks the list is complete). UNKNOWN where floodbot has no class, or
# where the agency's word is too general to name a hazard (降雨 "rainfall", "weather", a green
# "warning for rain"); a term outside the block's language is not read (IMS writes FLOOD in he-IL).
CORPUS_EVENTS = [
    ('de-DE', 'HITZE', Hazard.HEAT, 'อากาศร้อนจัด'),
    ('fr-FR', 'CANICULE', Hazard.HEAT, 'อากาศร้อนจัด'),
    ('zh-TW', '高溫', Hazard.HEAT, 'อากาศร้อนจัด'),
    ('en-GB', 'FLOOD', Hazard.HEAVY_RAIN, 'น้ำท่วม'),
    ('en-US', 'Flash Flood Watch', Hazard.HEAVY_RAIN, 'น้ำท่วมฉับพลัน'),  # urban flash floods are not น้ำป่า
    ('en-US', 'Flood Warning', Hazard.HEAVY_RAIN, 'น้ำท่วม'),
    ('fr', 'Fortes pluies et vents violents', Hazard.HEAVY_RAIN, 'ฝนตกหนัก'),
    ('id', 'Hujan Lebat dan Petir', Hazard.HEAVY_RAIN, 'ฝนตกหนัก'),
    ('th-TH', 'Heavy Rain', Hazard.HEAVY_RAIN, 'ฝนตกหนัก'),
    ('en', 'Falling rocks, landslide', Hazard.LANDSLIDE, 'ดินถล่ม'),
    ('zh-TW', '土石流', Hazard.LANDSLIDE, 'ดินถล่ม'),
    ('zh-tw', '河川高水位', Hazard.RIVER, 'ระดับน้ำ'),
    ('de-DE', 'Gewitterwarnung', Hazard.STORM, 'พายุฝนฟ้าคะนอง'),
    ('de-DE', 'STARKES GEWITTER', Hazard.STORM, 'พายุฝนฟ้าคะนอง'),
    ('de-DE', 'VORABINFORMATION SCHWERES GEWITTER', Hazard.STORM, 'พายุฝนฟ้าคะนอง'),
    ('en-AU', 'Thunderstorm', Hazard.STORM, 'พายุฝนฟ้าคะนอง'),
    ('en-CA', 'thunderstorm', Hazard.STORM, 'พายุฝนฟ้าคะนอง'),
    ('en-GB', 'Moderate thunderstorm warning', Hazard.STORM, 'พายุฝนฟ้าคะนอง'),
    ('en-GB', 'Thunderstorm yellow', Hazard.STORM, 'พายุฝนฟ้าคะนอง'),
    ('en-GB', 'Thunderstormwarning', Hazard.STORM, 'พายุฝนฟ้าคะนอง'),
    ('en-US', 'Severe Thunderstorm Warning', Hazard.STORM, 'พายุฝนฟ้าคะนอง'),
    ('en-US', 'Tropical Cyclone', Hazard.STORM, 'พายุหมุนเขตร้อน'),
    ('en-US', 'Tropical Cyclone Alert', Hazard.STORM, 'พายุหมุนเขตร้อน'),
    ('en-US', 'thunder', Hazard.STORM, 'พายุฝนฟ้าคะนอง'),
    ('es-419', 'Aviso de Ciclón Tropical en el Pacífico', Hazard.STORM, 'พายุหมุนเขตร้อน'),
    ('fr-CA', 'orages', Hazard.STORM, 'พายุฝนฟ้าคะนอง'),
    ('fr-FR', 'Vigilance jaune orages', Hazard.STORM, 'พายุฝนฟ้าคะนอง'),
    ('sr', 'Грмљавина Умерен ниво', Hazard.STORM, 'พายุฝนฟ้าคะนอง'),
    ('sr-Latn', 'Grmljavina Umeren nivo', Hazard.STORM, 'พายุฝนฟ้าคะนอง'),
    ('zh-CN', '雷电', Hazard.STORM, 'พายุฝนฟ้าคะนอง'),
    ('zh-TW', '雷雨', Hazard.STORM, 'พายุฝนฟ้าคะนอง'),
    ('zh-TW', '颱風', Hazard.STORM, 'พายุไต้ฝุ่น'),
    ('EN', 'Incêndios rurais – Povoamento florestal', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('PT', 'Incêndios rurais – Povoamento florestal', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('Zh-TW', '市話通訊中斷', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('Zh-TW', '行動電話中斷', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('ar', 'Gefahrendurchsage', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('de', 'Gefahrendurchsage', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('de-DE', 'FROST', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('de-DE', 'Grüne Warnung fur Regen', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('de-LS', 'Gefahrendurchsage', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en', 'Cap Test Event', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en', 'Gefahrendurchsage', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en', 'Other incident', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-AU', 'Fire', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-CA', 'EMOC Activation [...] Incident', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-CA', 'MacArthur-Reedman - Stage 2 Water Restrictions', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-CA', 'Test Message', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-CA', 'extreme cold', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-CA', 'snowfall', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-CA', 'weather', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-GB', 'Green warning for rain', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-US', 'Administrative Message/Follow up Statement', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-US', 'Blizzard Warning', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-US', 'Civil Emergency Message', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-US', 'Earthquake', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-US', 'Forest Fires', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-US', 'Freezing rain, icing', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-US', 'Local Area Emergency', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-US', 'Required Monthly Test', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-US', 'Special Weather Statement', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-US', 'Tsunami Cancellation', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-US', 'Tsunami Information', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('en-US', 'Tsunami Warning', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('es', 'Gefahrendurchsage', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('fr', 'Gefahrendurchsage', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('fr', 'Rain/Wet Spell', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('fr', 'Thunderstorms/Squall lines', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('fr-BE', 'Avertissement verte de pluie', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('fr-CA', 'Message test', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('fr-CA', 'froid extrême', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('fr-CA', 'grains', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('fr-CA', 'météo', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('fr-CA', 'neige', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('he-IL', 'FLOOD', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('nl-BE', 'Groene waarschuwing voor regen', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('pl', 'Gefahrendurchsage', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('ru', 'Gefahrendurchsage', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('sv-SE', 'News', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('tr', 'Gefahrendurchsage', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('zh-TW', '停班停課', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('zh-TW', '地震', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('zh-TW', '海嘯', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('zh-TW', '海洋污染', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('zh-TW', '濃霧', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('zh-TW', '空氣品質', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('zh-TW', '結構火災', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('zh-TW', '血液庫存', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('zh-TW', '道路封閉', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('zh-TW', '鐵路事故', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('zh-TW', '開放臨時停車', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('zh-TW', '開放路邊停車', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('zh-TW', '防空', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('zh-TW', '降雨', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('zh-tw', '傳染病', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('zh-tw', '水庫放流', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('zh-tw', '水庫洩洪', Hazard.UNKNOWN, 'ประกาศเตือนภัย'),
    ('de-DE', 'STURMBÖEN', Hazard.WIND_WAVES, 'ลมแรง'),
    ('de-DE', 'WINDBÖEN', Hazard.WIND_WAVES, 'ลมแรง'),
    ('en', 'SMALL CRAFT CAUTION', Hazard.WIND_WAVES, 'คลื่นลมแรง'),
    ('en', 'Strong Winds', Hazard.WIND_WAVES, 'ลมแรง'),
    ('en-CA', 'squall', Hazard.WIND_WAVES, 'ลมแรง'),
    ('en-GB', 'Gale', Hazard.WIND_WAVES, 'ลมแรง'),
    ('en-GB', 'Small Craft', Hazard.WIND_WAVES, 'คลื่นลมแรง'),
    ('en-US', 'High Wind Watch', Hazard.WIND_WAVES, 'ลมแรง'),
    ('en-US', 'STRONG MONSOON SIGNAL', Hazard.WIND_WAVES, 'ลมแรง'),
    ('en-US', 'Small Craft Advisory', Hazard.WIND_WAVES, 'คลื่นลมแรง'),
    ('en-US', 'Weather Warning: Wind', Hazard.WIND_WAVES, 'ลมแรง'),
    ('en-US', 'Wind Advisory', Hazard.WIND_WAVES, 'ลมแรง'),
    ('is-IS', 'Veðurviðvörun: Vindur', Hazard.WIND_WAVES, 'ลมแรง'),
    ('no', 'Kuling', Hazard.WIND_WAVES, 'ลมแรง'),
    ('pt-BR', 'Ventos Costeiros', Hazard.WIND_WAVES, 'ลมแรง'),
    ('pt-PT', 'VENTOS FORTES DE MONÇÃO', Hazard.WIND_WAVES, 'ลมแรง'),
    ('ru', 'Ветер', Hazard.WIND_WAVES, 'ลมแรง'),
    ('zh-mo', '強烈季候風信號', Hazard.WIND_WAVES, 'ลมแรง'),
]

# Cases the issue named, and Thai feeds' own words.
NAMED = [
    ("Freezing rain, icing", "en-US", Hazard.UNKNOWN),  # not heavy rain
    ("Green warning for rain (no special attention necessary)", "en-GB", Hazard.UNKNOWN),
    ("Training", "en", Hazard.UNKNOWN),  # contains "rain", is no rain
    ("Storm Surge Warning", "en-US", Hazard.STORM_SURGE),  # not พายุ
    ("Ice Storm Warning", "en-US", Hazard.UNKNOWN),  # no boats ashore for ice
    ("Dust Storm Warning", "en-US", Hazard.UNKNOWN),
    ("Wind Chill Advisory", "en-US", Hazard.UNKNOWN),  # "wind" inside a cold warning
    ("Strong wind", "en", Hazard.WIND_WAVES),  # named ลมแรง (below), not คลื่นลมแรง
    ("River overflowing bank", "th-TH", Hazard.RIVER),  # ThaiWater's own states
    ("River level high", "th-TH", Hazard.RIVER),
    ("ฝนตกหนักถึงหนักมาก", "th-TH", Hazard.HEAVY_RAIN),  # TMD's Thai event words
    ("ฝนฟ้าคะนองและลมกระโชกแรง", "th-TH", Hazard.STORM),
    ("คลื่นลมแรง", "th-TH", Hazard.WIND_WAVES),
    ("พายุโซนร้อน", "th-TH", Hazard.STORM),
    ("น้ำท่วมฉับพลัน น้ำป่าไหลหลาก", "th-TH", Hazard.HEAVY_RAIN),
    ("(TEST) Heavy to very heavy rain over the South No. 9", "th-TH", Hazard.HEAVY_RAIN),  # TMD news title
    ("Flash Flood", "th-TH", Hazard.HEAVY_RAIN),  # advice for a flash flood is the heavy-rain class's
    ("Heavy Rain", "fr", Hazard.UNKNOWN),  # English terms are read in English and Thai blocks only
    ("Summer storms over upper Thailand", "th-TH", Hazard.STORM),  # TMD's พายุฤดูร้อน in English
    ("Hot weather", "th-TH", Hazard.HEAT),
    ("Volcano", "th-TH", Hazard.UNKNOWN),
]


@pytest.mark.parametrize(("language", "event", "hazard", "label"), CORPUS_EVENTS)
def test_corpus_events_land_in_their_class(language, event, hazard, label):
    found = classify_event(event, language)
    assert (found.hazard, found.label_th) == (hazard, label)


@pytest.mark.parametrize(("event", "language", "hazard"), NAMED)
def test_named_events(event, language, hazard):
    assert classify_event(event, language).hazard is hazard


@pytest.mark.parametrize(("event", "label"), [("Strong wind", "ลมแรง"), ("High waves", "คลื่นลมแรง"),
                                              ("River overflowing bank", "น้ำล้นตลิ่ง"), ("Typhoon", "พายุไต้ฝุ่น")])
def test_labels_name_the_event_itself(event, label):
    assert classify_event(event, "en").label_th == label


def test_unknown_event_has_neutral_label() -> None:
    unknown = classify_event("Volcano")
    assert unknown.label_th == UNKNOWN_LABEL
    assert not unknown.known


def test_vocabulary_file_is_sound():
    # Every hazard advice is written for has a class; every class names a hazard, a label and terms.
    classes = tomllib.loads((resources.files("alerts") / "data" / "hazards.toml").read_text(encoding="utf-8"))["class"]
    assert {Hazard(c["hazard"]) for c in classes} == set(Hazard)
    assert all(c["th"] and c["key"] and any(c["terms"].values()) for c in classes)
    terms = [(lang, t.casefold()) for c in classes for lang, ts in c["terms"].items() for t in ts]
    assert len(terms) == len(set(terms)), "a term listed twice would depend on file order alone"
