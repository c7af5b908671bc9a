"""Admin queries at a season's scale: 12 cities x 20 leaders, N warnings each sent to everyone.

Prints the time of /stats, /leaders, a broadcast fan-out, a drill report and the exports.
Run: python bench/admin.py [warnings]   (default 100: 24,000 outbox rows)
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from subscribers import drills, exports, notices, stats
from subscribers.db import open_db
from subscribers.timeutil import to_db

CITIES = 12
LEADERS_PER_CITY = 20


def timed(label: str, fn):
    """Run `fn`, print its wall time under `label`, return its result."""
    start = time.perf_counter()
    result = fn()
    print(f"{label:<34} {1000 * (time.perf_counter() - start):8.1f} ms")
    return result


def main(warnings: int) -> None:
    """Seed a season of `warnings` and print the time of each admin query."""
    rng = random.Random(7)
    now = datetime(2025, 2, 25, 11, 30, tzinfo=UTC)
    db = open_db(memory=True)
    with db.atomic():
        for c in range(CITIES):
            db["cities"].insert({"id": f"c{c}", "name_th": f"เมือง{c}", "province_code": "90",
                                 "tambon_code": "900101", "lat": 7.0, "lon": 100.5})
            for i in range(LEADERS_PER_CITY):
                db["leaders"].insert({"chat_id": c * 100 + i, "name": f"L{c}-{i}", "city_id": f"c{c}",
                                      "role": "leader", "active": 1, "joined_at": to_db(now)})
        chats = [row["chat_id"] for row in db.query("select chat_id from leaders")]
        for w in range(warnings):
            wid = db["warnings"].insert({"feed": "f", "sender": "s", "identifier": f"w{w}", "version": "1",
                                         "status": "active", "event": "ฝนตกหนัก", "sent": to_db(now),
                                         "parsed": "{}", "first_seen": to_db(now)}).last_pk
            db["outbox"].insert_all(
                {"kind": "alert", "ref_id": wid, "chat_id": ch, "priority": 1, "status": "sent", "attempts": 1,
                 "created_at": to_db(now + timedelta(minutes=w)), "sent_at": to_db(now + timedelta(minutes=w))}
                for ch in chats
            )
            db["acknowledgements"].insert_all(
                {"warning_id": wid, "chat_id": ch, "acked_at": to_db(now + timedelta(minutes=w + rng.random() * 30))}
                for ch in chats if rng.random() < 0.7
            )
    print(f"{CITIES * LEADERS_PER_CITY} leaders, {warnings} warnings, {db['outbox'].count} outbox rows")
    timed("/stats (20 newest warnings)", lambda: stats.delivery_stats(db))
    timed("/leaders (all)", lambda: stats.leaders_overview(db))
    notice_id, _ = timed("broadcast fan-out to all", lambda: notices.create_notice(db, "x", None, "b", now))
    timed("broadcast progress count", lambda: notices.progress(db, "notice", notice_id))
    drill, _ = drills.start_drill(db, None, "d", "{}", {(f"c{c}", "other"): "ซ้อม" for c in range(CITIES)},
                                  "b", now, timedelta(minutes=30))
    timed("drill results", lambda: drills.results(db, drill))
    text = timed("export deliveries (csv)", lambda: exports.export(db, "deliveries"))
    print(f"  {len(text.encode()) / 1e6:.1f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
