"""`floodbot demo` through the console script: the newcomer's first command."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.conftest import ROOT
from tests.helpers.cli import run_floodbot


def test_demo_shows_the_whole_flow(tmp_path):
    shutil.copy(ROOT / "config.example.toml", tmp_path)
    result = run_floodbot("demo", "--config", "config.example.toml", cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "12 leaders registered" in out
    assert "tmd-cap: new · Heavy Rain · Severe" in out
    assert "โตนดด้วน (geocode TH-93)" in out
    # Satun's two leaders are outside the warning; the other ten got it, without a single 429.
    assert out.count("not sent to") == 2 and "delivered 10, failed 0, 429s from Telegram 0." in out
    assert "ถึง 26 ก.พ. 68 เวลา 06.00 น." in out  # the alert itself, as a leader reads it
    assert "✅ รับทราบแล้ว 18.32 น." in out
    assert "ได้รับรายงานหมายเลข 1 แล้ว" in out and "ระดับน้ำ: เข่า" in out
    # During the storm: a check-in, one help request taken and marked done in the admin chat.
    assert "1 check-in started; 10 leaders asked." in out
    assert "คำขอความช่วยเหลือ #1 · บ่อยาง" in out and "👥 จำนวนคน: 5 คน" in out
    assert "the card now reads 'สถานะ: 🟢 ช่วยเหลือแล้ว โดย" in out
    assert "✅ ปลอดภัย 1 · 🆘 ต้องการความช่วยเหลือ 1" in out
    # After it: the survey to the ten who got the warning, four answers, the report with n, and the chart.
    assert "10 leaders who got the warning are asked." in out and "4 of 10 answered" in out
    assert "ได้รับเตือน 10 · รับทราบ 1 · ตอบ 4" in out and "(n=4)" in out
    assert "receives the chart as a photo (sendPhoto)" in out
    chart = Path(re.search(r"written to (\S+\.png)", out).group(1))
    assert chart.read_bytes().startswith(b"\x89PNG")
    chart.unlink()
    # Nothing is left behind: no database next to the config.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.example.toml"]
