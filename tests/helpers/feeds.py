"""Building feed payloads and settings for poll tests against a loopback server."""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
# The six first cities of DESIGN.md, as in config.example.toml.
EXAMPLE_CITIES = [
    {"id": "bo-yang", "name_th": "บ่อยาง", "province_code": "90", "tambon_code": "900101", "lat": 7.198, "lon": 100.596},
    {"id": "phatong", "name_th": "พะตง", "province_code": "90", "tambon_code": "901118", "lat": 6.837, "lon": 100.558},
    {
        "id": "khuan-lang",
        "name_th": "ควนลัง",
        "province_code": "90",
        "tambon_code": "901102",
        "lat": 6.973,
        "lon": 100.421,
    },
    {
        "id": "padang-besar",
        "name_th": "ปาดังเบซาร์",
        "province_code": "90",
        "tambon_code": "901007",
        "lat": 6.740,
        "lon": 100.241,
    },
    {
        "id": "tanot-duan",
        "name_th": "โตนดด้วน",
        "province_code": "93",
        "tambon_code": "930509",
        "lat": 7.718,
        "lon": 100.036,
    },
    {
        "id": "la-ngu",
        "name_th": "กำแพง (ละงู)",
        "province_code": "91",
        "tambon_code": "910501",
        "lat": 6.933,
        "lon": 99.777,
    },
]


def fixture_bytes(name: str) -> bytes:
    """The bytes of tests/fixtures/<name>."""
    return (FIXTURES / name).read_bytes()


def rss(items: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 CAP index from (link, guid, pubDate) triples."""
    body = "".join(
        f"<item><title>{guid}</title><link>{link}</link><guid isPermaLink='false'>{guid}</guid>"
        f"<pubDate>{pub}</pubDate></item>"
        for link, guid, pub in items
    )
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>CAP</title>{body}</channel></rss>".encode()


def settings_for(feeds: list[dict], database: Path | str = "floodbot.db") -> Settings:
    """Settings with these feeds and the example cities (no Telegram needed)."""
    return Settings(database=Path(database), feeds=feeds, cities=EXAMPLE_CITIES)


def config_toml(feeds: list[tuple[str, str, str]], database: str = "floodbot.db") -> str:
    """A config.toml text with (name, kind, url) feeds and the example cities."""
    lines = [f'database = "{database}"', ""]
    for name, kind, url in feeds:
        lines += ["[[feeds]]", f'name = "{name}"', f'kind = "{kind}"', f'url = "{url}"', ""]
    for city in EXAMPLE_CITIES:
        lines.append("[[cities]]")
        for key, value in city.items():
            lines.append(f"{key} = {value!r}".replace("'", '"'))
        lines.append("")
    return "\n".join(lines)


def two_block_alert() -> bytes:
    """A CWA-like alert: a Moderate block for Songkhla and a Severe block for Phatthalung, one bad polygon."""
    info = """<info><language>en-US</language><event>{event}</event><urgency>Expected</urgency>
      <severity>{severity}</severity><certainty>Likely</certainty><expires>2025-02-26T06:00:00+07:00</expires>
      <headline>{event}</headline><area><areaDesc>{desc}</areaDesc>{extra}
      <geocode><valueName>ISO3166-2</valueName><value>{code}</value></geocode></area></info>"""
    return f"""<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>TWO-1</identifier><sender>TMD</sender>
      <sent>2025-02-25T17:00:00+07:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
      {info.format(event="Heavy Rain", severity="Moderate", desc="Songkhla", code="TH-90", extra="<polygon/>")}
      {info.format(event="Flash Flood", severity="Severe", desc="Phatthalung", code="TH-93", extra="")}
    </alert>""".encode()
