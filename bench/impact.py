"""The impact report at a season's scale: 12 cities x 20 leaders, N warning threads (two versions each)
in one month, every version sent to everyone, 60% of leaders answering the survey.

Prints the time of the month's report and of each output format.
Run: python bench/impact.py [threads]   (default 60: 28,800 outbox rows, ~8,600 survey answers)
"""

from __future__ import annotations

import io
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.admin import CITIES, LEADERS_PER_CITY, timed  # the same season's scale and timer
from bot.admin.impact_report import render_csv, render_markdown, scope_for, write_png, write_xlsx
from subscribers import impact
from subscribers.db import open_db
from subscribers.leaders import Livelihood
from subscribers.surveys import RANGES, Arrival, choices
from subscribers.timeutil import to_db



def seed(db, threads: int, rng: random.Random, now: datetime) -> None:
    """Cities, leaders, warning threads, sent rows, acks and survey answers, written directly."""
    livelihoods = list(Livelihood)
    with db.atomic():
        for c in range(CITIES):
            db["cities"].insert({"id": f"c{c:02}", "name_th": f"เมือง{c}", "province_code": "90",
                                 "tambon_code": "900101", "lat": 7.0, "lon": 100.0})
            for n in range(LEADERS_PER_CITY):
                db["leaders"].insert({"chat_id": c * 100 + n, "name": f"แกนนำ {n}", "city_id": f"c{c:02}",
                                      "livelihood": str(rng.choice(livelihoods)), "role": "leader", "active": 1,
                                      "joined_at": to_db(now)})
        leaders = [(r["chat_id"], r["livelihood"]) for r in db.query("select chat_id, livelihood from leaders")]
        for t in range(threads):
            sent = now + timedelta(hours=t)
            ids = []
            for v in range(2):
                ids.append(db["warnings"].insert({
                    "feed": "tmd", "sender": "tmd", "identifier": f"W{t}", "version": f"v{v}", "status": "ended",
                    "event": "Heavy Rain", "severity": "Severe", "sent": to_db(sent), "parsed": "{}",
                    "first_seen": to_db(sent), "supersedes": ids[0] if ids else None}).last_pk)
            for v, warning_id in enumerate(ids):
                db["outbox"].insert_all(
                    [{"kind": "update" if v else "alert", "ref_id": warning_id, "chat_id": chat, "priority": 1,
                      "status": "sent", "attempts": 1, "created_at": to_db(sent), "sent_at": to_db(sent)}
                     for chat, _ in leaders])
            db["acknowledgements"].insert_all(
                [{"warning_id": ids[0], "chat_id": chat, "acked_at": to_db(sent)} for chat, _ in leaders
                 if rng.random() < 0.8])
            answers = []
            for chat, livelihood in leaders:
                if rng.random() < 0.6:
                    acts = rng.sample(list(choices(Livelihood(livelihood))), 2)
                    answers.append({"warning_id": ids[1], "chat_id": chat, "livelihood": livelihood,
                                    "arrived": str(rng.choice(list(Arrival))),
                                    "actions": "[" + ", ".join(f'"{a}"' for a in acts) + "]",
                                    "loss_avoided": str(rng.choice(RANGES)), "loss_happened": str(rng.choice(RANGES)),
                                    "answered_at": to_db(sent), "updated_at": to_db(sent)})
            db["survey_answers"].insert_all(answers)


def main(threads: int) -> None:
    """Seed a month of `threads` warnings and print the time of the report and its formats."""
    now = datetime(2025, 11, 1, tzinfo=UTC)
    db = open_db(memory=True)
    seed(db, threads, random.Random(7), now)
    outbox, answers = db["outbox"].count, db["survey_answers"].count
    print(f"{CITIES * LEADERS_PER_CITY} leaders, {threads} threads, {outbox} outbox rows, {answers} survey answers")
    scope = timed("scope (month)", lambda: scope_for(db, ZoneInfo("Asia/Bangkok"), None, "2025-11", now))
    report = timed("impact_report (month)", lambda: impact.impact_report(db, scope.warning_ids))
    timed("markdown", lambda: render_markdown(db, report, scope.title))
    timed("csv", lambda: render_csv(db, report))
    with TemporaryDirectory() as folder:
        timed("xlsx", lambda: write_xlsx(db, report, scope.title, Path(folder) / "impact.xlsx"))
    timed("png (first, loads matplotlib)", lambda: write_png(report, scope.title, io.BytesIO()))
    timed("png", lambda: write_png(report, scope.title, io.BytesIO()))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
