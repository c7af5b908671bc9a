"""The issue's "Done when": `floodbot poll --once --dry-run --json` over an RSS index of the whole corpus.

The corpus (../shared/cap-corpus) is served from 127.0.0.1; nothing is copied into the repository.
"""

from __future__ import annotations

import json
from email.utils import format_datetime
from datetime import UTC, datetime
from html import escape

from alerts.hazards import UNKNOWN_LABEL
from tests.alerts.test_hazards import CORPUS_EVENTS
from tests.helpers.cli import run_floodbot
from tests.helpers.corpus import alert_files, needs_corpus
from tests.helpers.feeds import config_toml

AT = "2025-02-25T18:30:00+07:00"
TMD_CITIES = ["bo-yang", "phatong", "khuan-lang", "padang-besar", "tanot-duan"]


def rss_index(httpserver) -> bytes:
    published = format_datetime(datetime(2025, 2, 25, 11, 0, tzinfo=UTC))
    items = "".join(
        f"<item><title>{escape(f.name)}</title><link>{escape(httpserver.url_for('/c/' + f.name))}</link>"
        f"<guid>{escape(f.name)}</guid><pubDate>{published}</pubDate></item>"
        for f in alert_files()
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>corpus</title>{items}</channel></rss>'.encode()


@needs_corpus
def test_dry_run_over_the_whole_corpus(tmp_path, httpserver):
    files = alert_files()
    for f in files:
        httpserver.expect_request("/c/" + f.name).respond_with_data(f.read_bytes(), content_type="application/xml")
    httpserver.expect_request("/index.rss").respond_with_data(rss_index(httpserver), content_type="application/rss+xml")
    config = config_toml([("corpus", "cap", httpserver.url_for("/index.rss"))])
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")

    result = run_floodbot("poll", "--once", "--dry-run", "--json", "--now", AT, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    # One line per alert: none lost, none silent (each unsent one says why).
    assert len(lines) == len(files) >= 153
    assert all(line["send"] or line["not_sent"] for line in lines)
    # Only the Thai alert reaches Thai cities, and exactly its five.
    reached = [(line["sender"], line["cities"]) for line in lines if line["cities"]]
    assert reached == [("TMD", TMD_CITIES)]
    # No wrong Thai hazard name: each event shows its checked class's label, unknown ones the neutral one.
    labels = {(language, event): label for language, event, _, label in CORPUS_EVENTS}
    for line in lines:
        if not line["event"]:
            continue
        label = labels[line["language"], line["event"]]
        # The first line of an alert or follow-up names the hazard; an unknown one the neutral label.
        first = next(t for t in line["text"].split("\n") if not t.startswith("🧪"))  # a drill's mark on top
        assert label in first, (line["event"], first)
        if label != UNKNOWN_LABEL:
            assert UNKNOWN_LABEL not in first, (line["event"], first)
