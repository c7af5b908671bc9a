"""`floodbot demo`: the whole flow offline, with no token, on TMD's real CAP warning of 25 Feb 2025.

It starts the fake Bot API and a feed server on 127.0.0.1, a temporary database, signs up two
leaders per configured city through the real bot, polls once, delivers with Telegram's limits,
shows an acknowledgement and a field report reaching the admin chat, then a check-in with a help
request taken and done, the after-action survey and the impact report with its chart (bot.demo.aftercare).
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

from telegram import Update

from alerts.fetch import make_session
from bot.app import build_application
from bot.delivery.worker import deliver_due
from bot.demo.aftercare import StormDemo, plain
from bot.leaders.report import DEPTH_PREFIX
from bot.demo.fake.telegram import FakeTelegram
from bot.leaders.texts import LIVELIHOODS
from bot.pipeline.cycle import poll_cycle
from bot.settings import FeedSettings, Settings, TelegramSettings
from bot.cli.init import init_store
from subscribers.db import open_db
from subscribers.leaders import active_leaders

# The moment the demo replays: half an hour into the real warning's validity.
DEMO_NOW = datetime.fromisoformat("2025-02-25T18:30:00+07:00")
SAMPLE = "tmd_cap_heavy_rain_TMD25680225051318_2.xml"
ADMIN_USER = 900001
ADMIN_CHAT = -100900
# (name, livelihood button) for the two demo leaders of each city.
KNEE = DEPTH_PREFIX + "knee"
DEMO_PEOPLE = [("สมชาย", "ประมง"), ("มาลี", "เกษตร"), ("อารีย์", "รับจ้าง"), ("บุญมี", "ค้าขาย")]


class _Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class FeedServer:
    """Serves one body at /cap on 127.0.0.1 from a daemon thread (the demo's only feed; the poll bench's too)."""

    def __init__(self, body: bytes):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's name
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/cap"

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def demo_settings(base: Settings, fake: FakeTelegram, feed_url: str, database: Path) -> Settings:
    """The configured cities and timezone, everything else pointed at the demo's loopback servers."""
    return base.model_copy(
        update={
            "database": database,
            "telegram": TelegramSettings(
                token=fake.token,
                base_url=fake.base_url,
                base_file_url=fake.base_file_url,
                bot_username="floodbot_demo_bot",
                admin_ids=[ADMIN_USER],
                admin_chat_id=ADMIN_CHAT,
            ),
            "feeds": [FeedSettings(name="tmd-cap", kind="cap", url=feed_url)],
            "notices": [],
        }
    )


async def _run(base: Settings, out: Callable[[str], None]) -> int:
    started = time.monotonic()
    sample = resources.files("bot").joinpath("data", SAMPLE).read_bytes()
    with tempfile.TemporaryDirectory(prefix="floodbot-demo-") as tmp, FeedServer(sample) as feeds:
        fake = FakeTelegram(limits=False).start()
        try:
            settings = demo_settings(base, fake, feeds.url, Path(tmp) / "demo.db")
            clock = _Clock(DEMO_NOW)
            invites = {row.city_id: row.code for row in init_store(settings, DEMO_NOW)}
            db = open_db(settings.database)
            app = build_application(settings, db, clock)
            names = {c.id: c.name_th for c in settings.cities}

            async def send(update: dict) -> None:
                await app.process_update(Update.de_json(update, app.bot))

            def last_text(chat_id: int) -> str:
                return plain(fake.messages(chat_id)[-1].text)

            async with app:
                out("floodbot demo: the whole flow offline (loopback only, no token)")
                out(f"Replaying TMD's real CAP warning at {DEMO_NOW:%Y-%m-%d %H:%M} Bangkok time.\n")

                out(f"1. Leaders join by invitation ({2 * len(settings.cities)} leaders, two per city)")
                chat_id = 7000
                for index, city in enumerate(settings.cities):
                    for name, livelihood in (DEMO_PEOPLE[index % 4], DEMO_PEOPLE[(index + 1) % 4]):
                        chat_id += 1
                        await send(fake.push_command(chat_id, "start", invites[city.id]))
                        welcome = last_text(chat_id)
                        await send(fake.push_message(chat_id, name))
                        await send(fake.push_message(chat_id, livelihood))
                        if chat_id == 7001:
                            out(f"   {name} taps the invite link of {city.name_th} (/start {invites[city.id]})")
                            out(f"   bot: {welcome.splitlines()[0]}")
                            out(f"   {name}: {name} · {livelihood}")
                            out(f"   bot: {last_text(chat_id).splitlines()[0]}")
                leaders = active_leaders(db)
                out(f"   ... {len(leaders)} leaders registered.\n")

                out("2. One poll of the feed")
                fake.limits = True  # from here on, Telegram's limits as the real service applies them
                with make_session(retries=0) as session:
                    report = await poll_cycle(settings, db, clock(), session=session)
                for item in report.items:
                    why = ", ".join(f"{names.get(m.city_id, m.city_id)} ({m.reason} {m.detail})" for m in item.matches)
                    out(f"   {item.feed}: {item.status} · {item.warning.event} · {item.warning.severity}")
                    out(f"   covers: {why or 'none of the configured cities'}")
                out(f"   {report.queued} messages queued.\n")

                out("3. Delivery (30 messages/s overall, 1 per second per chat, as Telegram allows)")
                stats = await deliver_due(app.bot, db, settings, clock)
                sent = {m.chat_id: m for m in fake.messages() if m.chat_id > 7000 and m.buttons()}
                first = True
                for leader in leaders:
                    message = sent.get(leader.chat_id)
                    who = f"{leader.name} ({names[leader.city_id]} · {LIVELIHOODS[leader.livelihood]})"
                    if message is None:
                        out(f"   not sent to {who}: the warning does not cover {names[leader.city_id]}")
                    elif first:
                        out(f"   -> {who} gets:")
                        out("\n".join("      | " + line for line in plain(message.text).splitlines()))
                        out(f"      [ {message.buttons()[0][0]} ]")
                        first = False
                    else:
                        advice = next((line for line in plain(message.text).splitlines() if line.startswith("👉")), "")
                        out(f"   -> {who}: {plain(message.text).splitlines()[0]} {advice}")
                out(f"   delivered {stats.sent}, failed {stats.failed}, 429s from Telegram {fake.http_429}.\n")

                out("4. Acknowledgement")
                leader = next(x for x in leaders if x.chat_id in sent)
                message = sent[leader.chat_id]
                clock.now += timedelta(minutes=2)
                fake.limits = False  # a leader's taps and replies come seconds apart in real life
                ack = message.buttons()[0][1]
                assert ack is not None  # the alert's รับทราบ button carries its callback data
                await send(fake.push_callback(leader.chat_id, message.message_id, ack))
                button = fake.message(leader.chat_id, message.message_id).buttons()
                out(f"   {leader.name} taps รับทราบ; the button now reads: {button[0][0]}\n")

                out("5. A field report from the same leader")
                clock.now += timedelta(minutes=5)
                await send(fake.push_command(leader.chat_id, "report"))
                await send(fake.push_message(leader.chat_id, "น้ำเริ่มท่วมถนนหน้าโรงเรียน รถเล็กผ่านไม่ได้"))
                await send(fake.push_location(leader.chat_id, 7.1975, 100.5953))
                prompt = fake.messages(leader.chat_id)[-1]
                depth, data = next((label, data) for label, data in prompt.buttons() if data == KNEE)
                await send(fake.push_callback(leader.chat_id, prompt.message_id, data))
                out(f"   {leader.name}: /report, a text, a location pin, then the depth button {depth}")
                out(f"   bot: {last_text(leader.chat_id)}")
                admin = [plain(m.text) for m in fake.messages(ADMIN_CHAT)]
                out("   admin chat receives:")
                out("\n".join("      | " + line for line in (admin[-1] if admin else "(nothing)").splitlines()))
                out("")

                storm = StormDemo(app, fake, db, settings, clock, send, out, (ADMIN_USER, ADMIN_CHAT))
                await storm.checkin([x for x in leaders if x.chat_id in sent], leader)
                expires = report.items[0].warning.expires
                assert expires is not None  # the sample warning has an expiry
                with make_session(retries=0) as session:
                    warning_id = await storm.survey(session, expires)
                await storm.impact(warning_id)
            db.close()
        finally:
            fake.stop()
    out(f"\nDone in {time.monotonic() - started:.1f} s. The temporary database was removed.")
    return 0


def run_demo(base: Settings, out: Callable[[str], None] = print) -> int:
    """Run the demo, printing the transcript with `out`; returns the exit status."""
    return asyncio.run(_run(base, out))
