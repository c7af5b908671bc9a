"""The impact report as the evaluation team reads it: Markdown, CSV, XLSX and a PNG chart.

`subscribers.impact` computes; this module names the scope (a warning thread or a month, Bangkok
time), writes Thai labels and files. The chart uses Noto Sans Thai from the `fontpkg-noto-sans-thai`
wheel, so it renders on a fresh machine with no system fonts.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import BinaryIO, cast
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlite_utils import Database

from alerts.render import event_label, thai_datetime
from bot.aftercare import texts as t
from subscribers.cities import city_name
from subscribers.impact import ALL, ImpactError, ImpactReport, ImpactRow, impact_report, warnings_between
from subscribers.surveys import Action, Arrival
from subscribers.warnings import WarningStatus, get_warning

FORMATS = ("md", "csv", "xlsx", "png")
BINARY_FORMATS = ("xlsx", "png")
BOM = "\ufeff"
FONT_FAMILY = "Noto Sans Thai"
# Noto Sans Thai has Thai and digits but not all Latin punctuation: matplotlib falls back glyph by glyph
# to DejaVu Sans, which ships inside matplotlib itself.
FALLBACK_FAMILY = "DejaVu Sans"

MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)
TITLE_WARNING = "ผลการแจ้งเตือน: ประกาศ #{id} {event} (ส่ง {sent})"
# A drill's report is practice: its title says so, on the chart too (months leave drills out).
TITLE_DRILL = "ผลการซ้อม (ไม่ใช่เหตุการณ์จริง): ประกาศ #{id} {event} (ส่ง {sent})"
TITLE_MONTH = "ผลการแจ้งเตือน: เดือน{month} {year}"
HONEST_NOTE = "ตัวเลขนับจากคำตอบที่ได้รับจริงเท่านั้น (n = จำนวนคำตอบ) ไม่ได้ประมาณแทนผู้ที่ไม่ได้ตอบ"
NO_DATA = "ยังไม่มีข้อมูลการส่งหรือคำตอบในช่วงนี้"
CHART_ACTIONS = "สิ่งที่แกนนำทำหลังได้รับเตือน (คน)"
CHART_LOSS = "ความเสียหายที่เลี่ยงได้ (บาท รวมช่วงต่ำ–สูง)"


class ImpactScope(BaseModel):
    """What the report covers: a title in Thai and the warning ids."""

    title: str
    warning_ids: list[int]


# (key, Thai header): CSV uses the keys (like `floodbot export`), XLSX and Markdown the headers.
COLUMNS = (
    ("city_id", "รหัสพื้นที่"),
    ("city", "พื้นที่"),
    ("livelihood", "อาชีพ"),
    ("warned", "ได้รับเตือน"),
    ("acknowledged", "กดรับทราบ"),
    ("answered", "ตอบแบบสอบถาม"),
    ("arrival_n", "ตอบเรื่องเวลา (n)"),
    ("on_time", "ทันเวลา"),
    ("late", "ช้าไป"),
    ("not_received", "ไม่ได้รับ"),
    ("actions_n", "ตอบเรื่องสิ่งที่ทำ (n)"),
    ("acted", "ลงมือทำ"),
    ("acted_percent", "ลงมือทำ (%)"),
    ("actions", "สิ่งที่ทำ"),
    ("avoided_n", "ตอบเรื่องความเสียหายที่เลี่ยงได้ (n)"),
    ("avoided_low", "เลี่ยงได้ รวมต่ำสุด (บาท)"),
    ("avoided_high", "เลี่ยงได้ รวมสูงสุด (บาท)"),
    ("avoided_open", "ตอบ > 20,000 (คน)"),
    ("avoided_median", "เลี่ยงได้ ค่ากลาง (บาท)"),
    ("happened_n", "ตอบเรื่องความเสียหายที่เกิดขึ้น (n)"),
    ("happened_low", "เสียหาย รวมต่ำสุด (บาท)"),
    ("happened_high", "เสียหาย รวมสูงสุด (บาท)"),
    ("happened_open", "ตอบ > 20,000 (คน)"),
    ("happened_median", "เสียหาย ค่ากลาง (บาท)"),
)


def parse_month(text: str) -> tuple[int, int]:
    """'2025-11' → (2025, 11); ImpactError otherwise."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ImpactError(f"month {text!r} is not YYYY-MM, e.g. 2025-11")
    return int(match.group(1)), int(match.group(2))


def scope_for(db: Database, tz: ZoneInfo, warning_id: int | None, month: str | None, now: datetime) -> ImpactScope:
    """A warning thread, or a calendar month in the configured zone (default: this month)."""
    if warning_id is not None:
        stored = get_warning(db, warning_id)
        if stored is None:
            raise ImpactError(f"no warning {warning_id}")
        template = TITLE_DRILL if stored.status == WarningStatus.EXERCISE else TITLE_WARNING
        title = template.format(id=warning_id, event=event_label(stored.event), sent=thai_datetime(stored.sent, tz))
        return ImpactScope(title=title, warning_ids=[warning_id])
    local = now.astimezone(tz)
    year, number = parse_month(month) if month else (local.year, local.month)
    start = datetime(year, number, 1, tzinfo=tz)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=tz)
    title = TITLE_MONTH.format(month=MONTHS[number - 1], year=year + 543)
    return ImpactScope(title=title, warning_ids=warnings_between(db, start, end))


def _actions(row: ImpactRow) -> str:
    return ", ".join(f"{t.ACTIONS[a]} {n}" for a, n in row.actions.items() if n) or t.NO_ANSWER


def table_rows(db: Database, report: ImpactReport) -> list[dict]:
    """One dict per city × livelihood, then the total, keyed as COLUMNS."""
    out = []
    for row in [*report.rows, report.total]:
        out.append(
            {
                "city_id": row.city_id,
                "city": t.ALL_CITIES if row.city_id == ALL else city_name(db, row.city_id),
                "livelihood": t.livelihood_label(row.livelihood),
                "warned": row.warned,
                "acknowledged": row.acknowledged,
                "answered": row.answered,
                "arrival_n": row.arrival_n,
                "on_time": row.arrival[Arrival.ON_TIME],
                "late": row.arrival[Arrival.LATE],
                "not_received": row.arrival[Arrival.NOT_RECEIVED],
                "actions_n": row.actions_n,
                "acted": row.acted,
                "acted_percent": round(100 * row.acted_share) if row.acted_share is not None else None,
                "actions": _actions(row),
                "avoided_n": row.loss_avoided.n,
                "avoided_low": row.loss_avoided.low if row.loss_avoided.n else None,
                "avoided_high": row.loss_avoided.high if row.loss_avoided.n else None,
                "avoided_open": row.loss_avoided.open_ended,
                "avoided_median": t.median(row.loss_avoided),
                "happened_n": row.loss_happened.n,
                "happened_low": row.loss_happened.low if row.loss_happened.n else None,
                "happened_high": row.loss_happened.high if row.loss_happened.n else None,
                "happened_open": row.loss_happened.open_ended,
                "happened_median": t.median(row.loss_happened),
            }
        )
    return out


def render_markdown(db: Database, report: ImpactReport, title: str) -> str:
    """A Markdown page: title, the honesty note, one table row per city × livelihood and the total."""
    lines = [f"# {title}", "", HONEST_NOTE, ""]
    if not report.rows:
        return "\n".join([*lines, NO_DATA, ""])
    header = ("พื้นที่", "อาชีพ", "ได้รับเตือน", "รับทราบ", "ตอบ", "ทันเวลา", "ลงมือทำ", "สิ่งที่ทำ",
              "เลี่ยงความเสียหายได้", "ค่ากลาง", "ยังเสียหาย", "ค่ากลาง")
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row, cells in zip([*report.rows, report.total], table_rows(db, report), strict=True):
        values = (
            cells["city"], cells["livelihood"], row.warned, row.acknowledged, row.answered,
            t.share(row.arrival[Arrival.ON_TIME], row.arrival_n), t.share(row.acted, row.actions_n),
            cells["actions"], t.range_sum(row.loss_avoided), t.median(row.loss_avoided),
            t.range_sum(row.loss_happened), t.median(row.loss_happened),
        )
        lines.append("| " + " | ".join(str(v) for v in values) + " |")
    return "\n".join(lines) + "\n"


def render_csv(db: Database, report: ImpactReport) -> str:
    """CSV (UTF-8 with a BOM, so Excel shows Thai), one row per city × livelihood plus the total."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.DictWriter(out, fieldnames=[key for key, _ in COLUMNS], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(table_rows(db, report))
    return out.getvalue()


def write_xlsx(db: Database, report: ImpactReport, title: str, path: Path) -> None:
    """An Excel workbook: the title, the honesty note, Thai headers, one row per city × livelihood."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    sheet = cast(Worksheet, book.active)  # a new workbook's one sheet (the stubs allow None or a chartsheet)
    sheet.title = "ผลการแจ้งเตือน"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([HONEST_NOTE])
    sheet.append([header for _, header in COLUMNS])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in table_rows(db, report):
        sheet.append([row[key] for key, _ in COLUMNS])
    sheet.freeze_panes = "D4"
    book.save(path)


@cache
def thai_font():
    """Noto Sans Thai registered with matplotlib from the fontpkg wheel (its files, not a system font)."""
    import fontpkg
    from matplotlib import font_manager

    family = fontpkg.family(FONT_FAMILY)
    for font in family.files:
        font_manager.fontManager.addfont(str(font.path))
    return font_manager.FontProperties(family=[family.name, FALLBACK_FAMILY])


def write_png(report: ImpactReport, title: str, path: Path | BinaryIO) -> None:
    """A chart per livelihood (all cities): actions taken, and the loss avoided as a low–high bar, with n."""
    from matplotlib.figure import Figure

    font = thai_font()
    rows = report.livelihoods
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(11, 1.6 + 0.9 * max(len(rows), 1)), dpi=120)
    fig.suptitle(title, fontproperties=font, fontsize=13)
    left, right = fig.subplots(1, 2)
    positions = list(range(len(rows)))
    starts = [0] * len(rows)
    for index, action in enumerate(Action):
        counts = [r.actions[action] for r in rows]
        if not any(counts):
            continue
        left.barh(positions, counts, left=starts, label=t.ACTIONS[action], color=f"C{index}")
        starts = [s + c for s, c in zip(starts, counts, strict=True)]
    left.set_title(CHART_ACTIONS, fontproperties=font)
    if any(starts):
        left.legend(prop=font, fontsize=8, loc="lower right")
    # n of each panel is the answers to its own question.
    labels = [f"{t.livelihood_label(r.livelihood)}\n(n={r.actions_n})" for r in rows]
    left.set_yticks(positions, labels, fontproperties=font)
    right.set_yticks(positions, [t.livelihood_label(r.livelihood) for r in rows], fontproperties=font)
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    for axis in (left, right):
        axis.invert_yaxis()
    lows = [r.loss_avoided.low for r in rows]
    highs = [r.loss_avoided.high for r in rows]
    right.barh(positions, [high - low for low, high in zip(lows, highs, strict=True)], left=lows, color="C2", alpha=0.6)
    right.scatter(lows, positions, color="C2", marker="|", s=200)
    for pos, row in zip(positions, rows, strict=True):
        right.annotate(
            t.range_sum(row.loss_avoided), (row.loss_avoided.high, pos), xytext=(4, 0), textcoords="offset points",
            va="center", fontproperties=font, fontsize=8,
        )
    right.set_title(CHART_LOSS, fontproperties=font)
    right.set_xlim(0, max(highs or [0]) * 1.6 or 1)
    right.xaxis.set_major_formatter(lambda value, _: f"{value:,.0f}")
    fig.text(0.01, 0.01, HONEST_NOTE, fontproperties=font, fontsize=8)
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    fig.savefig(path, format="png")


def make_report(db: Database, scope: ImpactScope, fmt: str, output: Path | None) -> str | None:
    """Compute and render; md/csv return their text when there is no output file, xlsx/png need one."""
    if fmt not in FORMATS:
        raise ImpactError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt in BINARY_FORMATS and output is None:
        raise ImpactError(f"--format {fmt} writes a file; add --output FILE")
    report = impact_report(db, scope.warning_ids)
    if fmt == "xlsx":
        assert output is not None  # checked above for the binary formats
        write_xlsx(db, report, scope.title, output)
        return None
    if fmt == "png":
        assert output is not None  # checked above for the binary formats
        write_png(report, scope.title, output)
        return None
    text = render_markdown(db, report, scope.title) if fmt == "md" else render_csv(db, report)
    if output is None:
        return text
    output.write_text(text, encoding="utf-8", newline="")
    return None
