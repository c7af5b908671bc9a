"""The second half of `floodbot demo`: during and after the storm.

A check-in after the Severe warning (one leader asks for help, the admin chat takes the request and marks
it done, the others answer safe), then the warning expires, the leaders who got it answer the
after-action survey, and the impact report is shown with its chart written as a PNG file.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path

from requests import Session
from sqlite_utils import Database
from telegram.ext import Application

from bot.aftercare import texts as t
from bot.aftercare.admin import refresh_triage
from bot.aftercare.asking import start_due
from bot.delivery.worker import deliver_due
from bot.admin.impact_report import make_report, scope_for
from bot.pipeline.cycle import poll_cycle
from bot.settings import Settings
from bot.demo.fake.records import SentMessage
from bot.demo.fake.telegram import FakeTelegram
from subscribers.checkins import Answer
from subscribers.impact import impact_report
from subscribers.leaders import Leader
from subscribers.surveys import Arrival, LossRange, choices

# Where the chart goes: the system's temporary directory, kept after the demo so it can be opened.
CHART_NAME = "floodbot-demo-impact.png"
# (arrived, loss avoided, loss anyway) of the leaders who answer the survey, in turn.
SURVEY_ANSWERS = [
    (Arrival.ON_TIME, LossRange.FROM_5K_TO_20K, LossRange.UNDER_1K),
    (Arrival.ON_TIME, LossRange.FROM_1K_TO_5K, LossRange.NONE),
    (Arrival.LATE, LossRange.UNDER_1K, LossRange.FROM_1K_TO_5K),
    (Arrival.ON_TIME, LossRange.OVER_20K, LossRange.UNDER_1K),
]


def plain(html: str | None) -> str:
    """Telegram HTML as terminal text (a message without text, e.g. a photo, as an empty line)."""
    return unescape(re.sub(r"<[^>]+>", "", html or ""))


def _indent(text: str | None) -> str:
    return "\n".join("      | " + line for line in plain(text).splitlines())


def _data(button: str | None) -> str:
    """A button's callback data ("" for a URL button, which has none)."""
    return button or ""


class StormDemo:
    """Steps 6 to 8 of the demo, on the application, fake Bot API and store of the first half."""

    def __init__(
        self,
        app: Application,
        fake: FakeTelegram,
        db: Database,
        settings: Settings,
        clock,
        send: Callable[[dict], Awaitable[None]],
        out: Callable[[str], None],
        admin: tuple[int, int],
    ):
        self.app, self.fake, self.db, self.settings, self.clock = app, fake, db, settings, clock
        self.send, self.out = send, out
        self.admin_user, self.admin_chat = admin

    def _last(self, chat_id: int, prefix: str) -> SentMessage | None:
        """The chat's latest message with a button whose data starts with `prefix`."""
        found = [m for m in self.fake.messages(chat_id) if any(_data(d).startswith(prefix) for _, d in m.buttons())]
        return found[-1] if found else None

    def _latest(self, chat_id: int, prefix: str) -> SentMessage:
        """As `_last`, for a message the demo's step has just caused."""
        message = self._last(chat_id, prefix)
        assert message is not None, (chat_id, prefix)
        return message

    async def _admin_press(self, message_id: int, data: str) -> None:
        await self.send(self.fake.push_callback(self.admin_chat, message_id, data, from_id=self.admin_user))

    async def checkin(self, leaders: list[Leader], helper: Leader) -> None:
        """6: the check-in after the Severe warning, one help request taken and done in the admin chat."""
        out, fake = self.out, self.fake
        out("6. Check-in after the Severe warning (the named job aftercare-start, through the outbox)")
        self.clock.now += timedelta(minutes=30)
        started, _, _ = start_due(self.db, self.settings, self.clock())
        fake.limits = True
        stats = await deliver_due(self.app.bot, self.db, self.settings, self.clock)
        fake.limits = False
        asked = [leader for leader in leaders if self._last(leader.chat_id, "ci:") is not None]
        question = self._latest(helper.chat_id, "ci:")
        out(f"   {started} check-in started; {stats.sent} leaders asked. {helper.name} gets:")
        out(_indent(question.text))
        out("      " + "  ".join(f"[ {label} ]" for label, _ in question.buttons()))
        await self.send(fake.push_callback(helper.chat_id, question.message_id, _data(question.buttons()[1][1])))
        await self.send(fake.push_location(helper.chat_id, 7.1975, 100.5953))
        await self.send(fake.push_message(helper.chat_id, "5"))
        await self.send(fake.push_message(helper.chat_id, "ผู้ป่วยติดเตียง/ผู้สูงอายุ"))
        out(f"   {helper.name}: 🆘 ต้องการความช่วยเหลือ, a location pin, 5 people, ผู้ป่วยติดเตียง/ผู้สูงอายุ")
        out(f"   bot: {plain(fake.messages(helper.chat_id)[-1].text).splitlines()[0]}")
        card = self._latest(self.admin_chat, "hr:")
        out("   admin chat receives the request:")
        out(_indent(card.text))
        for label, button in list(card.buttons()):
            data = _data(button)
            if data.endswith(":take"):
                await self._admin_press(card.message_id, data)
                out(f"   an admin taps [ {label} ]; {helper.name} is told: "
                    f"{plain(fake.messages(helper.chat_id)[-1].text)}")
        card_buttons = fake.message(self.admin_chat, card.message_id).buttons()
        done = next(_data(d) for _, d in card_buttons if _data(d).endswith(":done"))
        await self._admin_press(card.message_id, done)
        card_lines = plain(fake.message(self.admin_chat, card.message_id).text).splitlines()
        status = [line for line in card_lines if "สถานะ" in line]
        out(f"   then [ {t.DONE} ]: the card now reads '{status[0]}', no buttons left")
        presses = []
        for leader in asked:
            if leader.chat_id != helper.chat_id:
                message = self._latest(leader.chat_id, "ci:")
                round_id = int(_data(message.buttons()[0][1]).split(":")[1])
                safe = t.checkin_data(round_id, Answer.SAFE)
                presses.append(fake.push_callback(leader.chat_id, message.message_id, safe))
        # Leaders in different chats answer at the same time, as they would.
        await asyncio.gather(*(self.send(press) for press in presses))
        await refresh_triage(self.app.bot, self.app.bot_data)
        summary = next(m for m in fake.messages(self.admin_chat) if "เช็กความปลอดภัย #" in (m.text or ""))
        city = plain(summary.text).split("· ")[1].splitlines()[0]
        out(f"   the others answer ✅ ปลอดภัย; the admin chat's live summary of {city}:")
        out(_indent(summary.text) + "\n")

    async def survey(self, session: Session, expires: datetime) -> int:
        """7: the warning expires; the leaders who got it answer the after-action survey. Returns the warning id."""
        out, fake = self.out, self.fake
        out("7. The warning expires: the after-action survey")
        self.clock.now = expires + timedelta(minutes=10)
        report = await poll_cycle(self.settings, self.db, self.clock(), session=session)
        warning_id = report.items[0].warning_id if report.items else None
        start_due(self.db, self.settings, self.clock())
        fake.limits = True
        stats = await deliver_due(self.app.bot, self.db, self.settings, self.clock)
        fake.limits = False
        surveyed = [
            m for m in fake.messages() if m.chat_id > 0 and any(_data(d).startswith("sv:") for _, d in m.buttons())
        ]
        warning_id = warning_id or int(_data(surveyed[0].buttons()[0][1]).split(":")[1])
        out(f"   {stats.sent} leaders who got the warning are asked. The first one reads:")
        out(_indent(surveyed[0].text))
        out("      " + "  ".join(f"[ {label} ]" for label, _ in surveyed[0].buttons()))
        async def answer(message, arrived: Arrival, action, avoided: LossRange, happened: LossRange) -> None:
            for question, value in (
                ("arr", arrived),
                ("act", action),
                ("next", "-"),
                ("avd", avoided),
                ("hap", happened),
            ):
                data = t.survey_data(warning_id, question, value)
                await self.send(fake.push_callback(message.chat_id, message.message_id, data))

        answers = []
        for message, (arrived, avoided, happened) in zip(surveyed, SURVEY_ANSWERS, strict=False):
            leader = self.db.table("leaders").get(message.chat_id)
            action = choices(leader["livelihood"])[0]
            answers.append(answer(message, arrived, action, avoided, happened))
            out(f"   {leader['name']}: {t.ARRIVAL[arrived]} · {t.ACTIONS[action]} · "
                f"เลี่ยงได้ {t.LOSS[avoided]} · เสียหาย {t.LOSS[happened]}")
        await asyncio.gather(*answers)  # four leaders in four chats, at the same time
        done = sum(1 for m in surveyed if fake.message(m.chat_id, m.message_id).text == t.SURVEY_THANKS)
        out(f"   {done} of {len(surveyed)} answered; the others count as not answered (never estimated).\n")
        return warning_id

    async def impact(self, warning_id: int) -> Path:
        """8: /impact in the admin chat (summary and chart), and the chart as a PNG file."""
        out, fake = self.out, self.fake
        out(f"8. The impact report (/impact {warning_id} in the admin chat; floodbot report impact on the shell)")
        await self.send(fake.push_command(self.admin_chat, "impact", str(warning_id), from_id=self.admin_user))
        summary, photo = fake.messages(self.admin_chat)[-2:]
        out(_indent(summary.text))
        out(f"   the admin chat also receives the chart as a photo ({photo.method})")
        scope = scope_for(self.db, self.settings.tz, warning_id, None, self.clock())
        path = Path(tempfile.gettempdir()) / CHART_NAME
        make_report(self.db, scope, "png", path)
        report = impact_report(self.db, scope.warning_ids)
        out(f"   chart of actions and avoided loss by livelihood (n={report.total.answered}) written to {path}")
        return path
