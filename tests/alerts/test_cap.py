"""CAP parsing: the real TMD sample with its quirks, its fixed form, indexes, and hostile input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.cap import parse_cap, parse_cap_date, parse_cap_index, parse_polygon, read_cap_index
from alerts.errors import ParseError
from alerts.lifecycle import fingerprint
from alerts.model import FEED_TEXT_MAX, MsgType, Scope, Severity, Status

BKK = timezone(timedelta(hours=7))
TMD = "tmd_cap_heavy_rain_TMD25680225051318_2.xml"


def load(fixture_path, name: str) -> bytes:
    return fixture_path(name).read_bytes()


@pytest.mark.parametrize("name", [TMD, "tmd_cap_fixed_form_constructed.xml"])
def test_tmd_sample_and_fixed_form_parse_to_the_same_warning(fixture_path, name):
    # TMD writes 2568 and lon,lat; a fixed feed (2025, lat,lon) must give the identical result.
    w = parse_cap(load(fixture_path, name), "tmd-cap")
    assert (w.sender, w.identifier) == ("TMD", "TMD25680225051318_2")
    assert w.event == "Heavy Rain" and w.severity is Severity.SEVERE
    assert w.status is Status.ACTUAL and w.msg_type is MsgType.ALERT
    assert w.sent == datetime(2025, 2, 25, 17, 13, tzinfo=BKK)
    assert w.effective == datetime(2025, 2, 25, 18, 0, tzinfo=BKK)
    assert w.expires == datetime(2025, 2, 26, 6, 0, tzinfo=BKK)
    assert w.language == "th-TH" and w.headline.startswith("พื้นที่เสี่ยงภัยฝนตกหนัก")
    area = w.areas[0]
    assert len(area.polygons) == 107
    assert area.polygons[0][0] == (9.311178, 99.968294)  # (lat, lon)
    for ring in area.polygons:
        assert all(5.5 <= lat <= 20.6 and 97 <= lon <= 106 for lat, lon in ring)
    assert ("ISO3166-2", "TH-90") in {(g.name, g.value) for g in area.geocodes}
    assert w.web == "https://www.tmd.go.th/forecast/daily"


def test_fixed_form_has_same_version_as_quirky_form(fixture_path):
    # Same content either way, so a TMD fix would not re-alarm leaders with a "new" version.
    a = parse_cap(load(fixture_path, TMD), "tmd-cap")
    b = parse_cap(load(fixture_path, "tmd_cap_fixed_form_constructed.xml"), "tmd-cap")
    assert a.version == b.version


def test_multilingual_update_with_all_clear(fixture_path):
    # Macao: no Thai block, so English is chosen; the all-clear arrives as an Update.
    w = parse_cap(load(fixture_path, "cap_example_macao_smg_update_multilang.xml"), "mo")
    assert w.language == "en-US"
    assert w.msg_type is MsgType.UPDATE and w.is_all_clear
    assert w.references[0].identifier == "SMG-Weather_MS_2025_006_03"
    # Outside Thailand: lat,lon kept as written.
    assert w.areas[0].polygons[0][0] == (22.0766, 113.5709)


def test_thai_info_preferred_over_first_block():
    doc = b"""<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier><sender>s</sender>
    <sent>2025-01-01T00:00:00+07:00</sent><status>Actual</status><msgType>Alert</msgType>
    <info><language>en-US</language><event>Flood</event></info>
    <info><language>th-TH</language><event>\xe0\xb8\x99\xe0\xb9\x89\xe0\xb8\xb3\xe0\xb8\x97\xe0\xb9\x88\xe0\xb8\xa7\xe0\xb8\xa1</event></info></alert>"""
    assert parse_cap(doc, "f").event == "น้ำท่วม"


def test_cancel_references_carry_gregorian_dates(fixture_path):
    w = parse_cap(load(fixture_path, "tmd_cap_cancel_constructed.xml"), "tmd-cap")
    assert w.msg_type is MsgType.CANCEL
    assert w.references[0].sent == datetime(2025, 2, 25, 17, 13, tzinfo=BKK)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2568-02-25T17:13:00+07:00", datetime(2025, 2, 25, 10, 13, tzinfo=UTC)),  # BE year
        ("2025-02-25T17:13:00+07:00", datetime(2025, 2, 25, 10, 13, tzinfo=UTC)),  # already CE
        ("2025-02-25T10:13:00Z", datetime(2025, 2, 25, 10, 13, tzinfo=UTC)),  # Z is not CAP but seen
    ],
)
def test_dates(text, expected):
    assert parse_cap_date(text) == expected


@pytest.mark.parametrize("text", ["2025-02-25T17:13:00", "yesterday", "2568-13-01T00:00:00+07:00"])
def test_bad_dates_raise_parse_error(text):
    # No offset means we cannot know the moment; never guess.
    with pytest.raises(ParseError):
        parse_cap_date(text)


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("100.5,7.1 100.6,7.1 100.6,7.2 100.5,7.1", (7.1, 100.5)),  # lon,lat in Thailand: swapped
        ("7.1,100.5 7.1,100.6 7.2,100.6 7.1,100.5", (7.1, 100.5)),  # lat,lon: kept
        ("-33.9,151.2 -33.8,151.2 -33.8,151.3 -33.9,151.2", (-33.9, 151.2)),  # elsewhere: kept
    ],
)
def test_polygon_order(text, first):
    assert parse_polygon(text)[0] == first


@pytest.mark.parametrize(
    "name",
    [
        "xml_billion_laughs.xml",  # entity bomb: refused, never expanded
        "xml_external_entity.xml",  # XXE: refused, file never read
        "tmd_cap_truncated.xml",  # cut mid-download
        "html_error_page.html",  # a proxy's error page served with 200
    ],
)
def test_hostile_and_broken_documents_raise_parse_error(fixture_path, name):
    with pytest.raises(ParseError):
        parse_cap(load(fixture_path, name), "f")
    with pytest.raises(ParseError):
        parse_cap_index(load(fixture_path, name))


def test_bomb_message_says_unsafe(fixture_path):
    with pytest.raises(ParseError, match="unsafe XML"):
        parse_cap(load(fixture_path, "xml_billion_laughs.xml"), "f")


@pytest.mark.parametrize("data", [b"", b"   \n", b"<alert/>", b"<rss/>"])
def test_empty_or_hollow_documents(data):
    # <alert/> has no sender/identifier: a ParseError, not a Warning with blanks.
    with pytest.raises(ParseError):
        parse_cap(data, "f")


def test_rss_index(fixture_path):
    items = parse_cap_index(load(fixture_path, "cap_feed_index_wmo_rss_au_bom.xml"))
    assert len(items) == 1
    assert items[0].link.endswith("02-dc6fc32e272f13d57f3fb683aa6bd3b8.xml")
    assert items[0].guid == "AusBoM-IDW20100-2026-01-01T05:01:02+00:00"
    assert items[0].updated == datetime(2026, 1, 1, 5, 9, 13, tzinfo=UTC)


def test_atom_index(fixture_path):
    items = parse_cap_index(load(fixture_path, "cap_index_atom_constructed.xml"))
    assert [i.link for i in items] == ["http://example.org/cap/1.xml", "http://example.org/cap/2.xml"]
    assert items[1].updated == datetime(2025, 2, 25, 18, 0, tzinfo=BKK)  # BE year in the index too


def test_empty_rss_channel_is_an_empty_index():
    assert parse_cap_index(b"<rss version='2.0'><channel><title>x</title></channel></rss>") == []


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_warning_or_parse_error(data):
    for parse in (lambda d: parse_cap(d, "f"), parse_cap_index):
        try:
            parse(data)
        except ParseError:
            pass


_CAP = (
    '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>{}</identifier><sender>{}</sender>'
    "<sent>{}</sent><status>{}</status><msgType>Alert</msgType><references>{}</references>"
    "<info><language>th-TH</language><event>e</event><severity>{}</severity><expires>{}</expires>"
    "<area><areaDesc>a</areaDesc><polygon>{}</polygon><circle>{}</circle></area></info></alert>"
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="0123456789-+:T,. AZSevreActual", max_size=30), min_size=9, max_size=9))
def test_structured_fuzz_gives_warning_or_parse_error(parts):
    # Valid XML, nonsense values: every field validator must turn into ParseError.
    from xml.sax.saxutils import escape

    doc = _CAP.format(*(escape(p) for p in parts)).encode()
    try:
        parse_cap(doc, "f")
    except ParseError:
        pass


def cap_doc(infos: str, *, scope: str = "Public") -> bytes:
    """A minimal CAP 1.2 alert around the given <info> blocks."""
    return f"""<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier><sender>s</sender>
    <sent>2025-01-01T00:00:00+07:00</sent><status>Actual</status><msgType>Alert</msgType><scope>{scope}</scope>
    {infos}</alert>""".encode()


SONGKHLA_BOX = "7.1,100.5 7.1,100.7 7.3,100.7 7.3,100.5 7.1,100.5"


# Broken geometry is dropped per polygon or circle with a note; the rest of the alert survives.
@pytest.mark.parametrize(
    ("geometry", "note"),
    [
        ("<polygon/>", "polygon 1 dropped"),  # IMS Israel: an empty element
        ("<polygon></polygon>", "polygon 1 dropped"),  # NWS: empty text
        ("<polygon>8.72977),-68.13409 8.7,-68.1 8.8,-68.2</polygon>", "bad polygon point"),  # GDACS
        ("<polygon>7.1,100.5 7.1,100.5 7.2,100.6 7.1,100.5</polygon>", "fewer than 3 distinct"),  # degenerate
        ("<circle>7.1,100.5</circle>", "circle 1 dropped"),  # no radius
        ("<circle>7.1,100.5 -3</circle>", "circle 1 dropped"),  # negative radius
    ],
)
def test_bad_geometry_is_dropped_with_a_note(geometry, note):
    w = parse_cap(cap_doc(f"""<info><event>Flood</event>
        <area><areaDesc>bad</areaDesc>{geometry}<geocode><valueName>ISO3166-2</valueName><value>TH-90</value></geocode></area>
        <area><areaDesc>good</areaDesc><polygon>{SONGKHLA_BOX}</polygon></area></info>"""), "f")
    assert len(w.notes) == 1 and note in w.notes[0] and "(bad)" in w.notes[0]
    assert w.areas[0].polygons == () and w.areas[0].circles == ()
    assert w.areas[0].geocodes[0].value == "TH-90"  # the bad area keeps its geocode
    assert len(w.areas[1].polygons) == 1


@pytest.mark.parametrize(
    "ring",
    [
        "7.1,100.5 7.1,100.7 7.3,100.6 7.1,100.5",  # a closed triangle (4 points, first = last)
        "7.1,100.5 7.1,100.7 7.3,100.6",  # written unclosed: still a shape, not dropped
    ],
)
def test_triangles_are_polygons(ring):
    assert len(set(parse_polygon(ring))) == 3


def test_every_info_block_in_the_chosen_language_is_kept():
    # CWA writes a 豪雨/Severe block and a 大雨/Moderate block with different townships.
    w = parse_cap(cap_doc("""
        <info><language>en-US</language><event>Heavy Rain</event><severity>Severe</severity>
          <expires>2025-01-01T12:00:00+07:00</expires><area><areaDesc>A</areaDesc></area></info>
        <info><language>zh-TW</language><event>豪雨</event></info>
        <info><language>en-US</language><event>Rain</event><severity>Moderate</severity>
          <expires>2025-01-02T12:00:00+07:00</expires><area><areaDesc>B</areaDesc></area></info>"""), "f")
    assert [b.event for b in w.blocks] == ["Heavy Rain", "Rain"]
    assert [b.areas[0].desc for b in w.blocks] == ["A", "B"]
    second = w.for_block(1)
    assert (second.event, second.severity, second.more_info) == ("Rain", Severity.MODERATE, ())
    # In force until the last block expires.
    assert w.last_expires == datetime(2025, 1, 2, 12, 0, tzinfo=BKK)


@pytest.mark.parametrize(("scope", "expected"), [("Public", Scope.PUBLIC), ("Private", Scope.PRIVATE),
                                                 ("Restricted", Scope.RESTRICTED)])
def test_scope_is_read(scope, expected):
    assert parse_cap(cap_doc("<info><event>Flood</event></info>", scope=scope), "f").scope is expected


# The stored version fingerprint of single-info alerts is pinned: a change in its format would give
# every warning in force a new version after an upgrade, and every leader would get it again.
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (TMD, "1a6363c5482947cc"),
        ("tmd_cap_update_constructed.xml", "1aad9905518470ac"),
        ("cap_example_macao_smg_update_multilang.xml", "e58864efc1f555ce"),  # one block per language
    ],
)
def test_version_fingerprint_format_is_pinned(fixture_path, name, expected):
    assert fingerprint(parse_cap(load(fixture_path, name), "tmd-cap")) == expected


ALERT_IN_CONTENT = """<content type="text/xml"><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>inside</identifier><sender>ec</sender><sent>2013-01-24T21:26:00-00:00</sent><status>Actual</status>
  <msgType>Alert</msgType><scope>Public</scope><info><event>rainfall</event></info></alert></content>"""


def test_atom_entries_fail_alone():
    feed = f"""<feed xmlns="http://www.w3.org/2005/Atom">
      <entry><id>a</id><title>no link, CAP inside</title><updated>2013-08-19T11:56:00-00:00</updated>
        {ALERT_IN_CONTENT}</entry>
      <entry><id>b</id><title>nothing to read</title></entry>
      <entry><id>c</id><link href="http://example.org/c.xml"/><updated>yesterday</updated></entry>
      <entry><id>d</id><link href="http://example.org/d.xml"/><alert><identifier>stub</identifier></alert></entry>
    </feed>""".encode()
    index = read_cap_index(feed)
    assert [i.guid for i in index.items] == ["a", "c", "d"]
    # Canada's NAAD feed: the CAP in <content> is parsed in place.
    assert parse_cap(index.items[0].embedded, "naad").identifier == "inside"
    # A bad date loses only the date (the item is still fetched); a link wins over NWS's stub <alert>.
    assert index.items[1].updated is None and index.items[1].link == "http://example.org/c.xml"
    assert index.items[2].embedded == b""
    assert index.skipped == ["Atom entry 2 (nothing to read) skipped: no <link href> and no CAP alert inside"]


def test_atom_entry_prefers_the_cap_link_then_alternate_then_any_href():
    # NWS-style entries list an HTML alternate before the CAP link; the CAP one must win.
    feed = b"""<feed xmlns="http://www.w3.org/2005/Atom">
      <entry><id>cap</id><link rel="alternate" type="text/html" href="http://example.org/page.html"/>
        <link rel="related" type="application/cap+xml" href="http://example.org/alert.cap"/></entry>
      <entry><id>alt</id><link rel="self" href="http://example.org/self"/>
        <link rel="alternate" href="http://example.org/alt.xml"/></entry>
      <entry><id>any</id><link rel="self" type="application/cap+xml"/><link rel="via" href="http://example.org/via.xml"/></entry>
    </feed>"""
    links = {i.guid: i.link for i in read_cap_index(feed).items}
    assert links == {
        "cap": "http://example.org/alert.cap",
        "alt": "http://example.org/alt.xml",
        "any": "http://example.org/via.xml",
    }


def test_rss_item_without_link_is_skipped_alone():
    feed = b"""<rss version="2.0"><channel>
      <item><title>lost</title><pubDate>Mon, 01 Jan 2026 05:00:00 +0000</pubDate></item>
      <item><link>http://example.org/2.xml</link><pubDate>not a date</pubDate></item></channel></rss>"""
    index = read_cap_index(feed)
    assert [(i.link, i.updated) for i in index.items] == [("http://example.org/2.xml", None)]
    assert index.skipped == ["RSS item 1 (lost) skipped: no <link> and no CAP alert inside"]


@pytest.mark.parametrize(
    ("tag", "field"),
    [
        ("description", lambda w: w.description),  # the long one: free text from the agency
        ("instruction", lambda w: w.instruction),  # read by rendering, clause by clause
        ("headline", lambda w: w.headline),
        ("areaDesc", lambda w: w.areas[0].desc),  # read by the text search of matching
    ],
)
def test_oversized_text_fields_are_cut_at_the_feed_text_limit(fixture_path, tag, field):
    sample = load(fixture_path, TMD)
    grown_text = "ฝนตกหนักถึงหนักมาก " * 20_000  # 380,000 characters
    grown = sample.decode().replace(f"<{tag}>", f"<{tag}>{grown_text}", 1).encode()
    normal, cut = parse_cap(sample, "tmd"), parse_cap(grown, "tmd")
    assert len(field(cut)) == FEED_TEXT_MAX and field(cut) == (grown_text + field(normal))[:FEED_TEXT_MAX]
    # Nothing else is lost: every other field, every polygon, reads as in the normal sample.
    dump = cut.model_dump()
    if tag == "areaDesc":
        dump["areas"][0]["desc"] = normal.areas[0].desc
    else:
        dump[tag] = getattr(normal, tag)
    assert dump == normal.model_dump()
