from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.leaders import texts

BANGKOK = ZoneInfo("Asia/Bangkok")


def test_validity_open_ended():
    start = datetime(2025, 2, 25, 11, 30, tzinfo=UTC)
    assert texts.validity(start, None, start, BANGKOK) == "มีผลตั้งแต่ 25 ก.พ. 68 เวลา 18.30 น. (ยังไม่กำหนดสิ้นสุด)"


def test_validity_says_until_and_a_start_only_when_it_is_ahead():
    start = datetime(2025, 2, 25, 11, 0, tzinfo=UTC)  # 18.00 in Bangkok
    end = datetime(2025, 2, 25, 23, 0, tzinfo=UTC)  # 06.00 the next day
    assert texts.validity(start, end, start, BANGKOK) == "ถึง 26 ก.พ. 68 เวลา 06.00 น."
    earlier = datetime(2025, 2, 25, 9, 0, tzinfo=UTC)
    assert texts.validity(start, end, earlier, BANGKOK) == "ถึง 26 ก.พ. 68 เวลา 06.00 น. (เริ่ม 25 ก.พ. 18.00 น.)"


def test_every_menu_command_is_in_help_and_has_a_short_description():
    for command, description in texts.COMMANDS:
        # Telegram limits a command description to 256 characters.
        assert 3 <= len(description) <= 256
        assert command == "start" or f"/{command}" in texts.HELP


def test_leader_texts_do_not_promise_the_ack_button_on_every_alert():
    # Only Severe-or-above alerts and drills carry รับทราบ: each line that asks for it says which ones.
    for text in (texts.HELP, texts.SIGNED_UP):
        asks = [line for line in text.splitlines() if "รับทราบ" in line]
        assert asks and all("ที่มีปุ่ม" in line or "รุนแรงขึ้นไป" in line for line in asks), asks
