"""Exports as Excel workbooks (openpyxl): Thai headers and labels, Bangkok Buddhist-era times, photo links.

LibreOffice ignores a CSV's BOM when it converts, so Thai turns to mojibake; a workbook carries its
encoding. Photos are downloaded beside the workbook (a Bot API file link would carry the bot token).
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet
from telegram import Bot
from telegram.error import TelegramError

from alerts.render import thai_datetime
from bot.aftercare import texts as checkin_texts
from bot.leaders import texts
from subscribers.exports import COLUMNS

HEADERS = {
    "id": "ลำดับ", "created_at": "เวลา", "city_id": "เมือง", "chat_id": "แชท", "leader_name": "ชื่อแกนนำ",
    "livelihood": "อาชีพ", "warning_id": "คำเตือน", "depth": "ระดับน้ำ", "lat": "ละติจูด", "lon": "ลองจิจูด",
    "text": "ข้อความ", "photos": "รูป", "kind": "ประเภท", "ref_id": "อ้างอิง", "status": "สถานะ",
    "attempts": "ครั้งที่ส่ง", "sent_at": "เวลาส่ง", "last_error": "ข้อผิดพลาด", "acked_at": "เวลารับทราบ",
    "drill_id": "การซ้อม", "started_at": "เริ่มซ้อม", "created_by": "ผู้สั่ง", "name": "ชื่อ",
    "seconds_to_ack": "วินาทีถึงรับทราบ", "at": "เวลา", "actor": "ผู้ใช้", "action": "การกระทำ",
    "allowed": "อนุญาต", "detail": "รายละเอียด",
    # export checkins: one row per leader asked per round.
    "round_id": "รอบเช็กความปลอดภัย", "round_started_at": "เริ่มรอบ", "drill": "ซ้อม",
    "answer": "คำตอบล่าสุด", "answered_at": "เวลาตอบ", "answers": "คำตอบทั้งหมด",
    "help_request_id": "คำขอความช่วยเหลือ", "help_status": "สถานะคำขอ", "location_source": "ที่มาของตำแหน่ง",
    "people": "จำนวนคน", "need": "สิ่งที่ต้องการ", "taken_by": "ผู้รับเรื่อง", "taken_at": "เวลารับเรื่อง",
    "done_by": "ผู้ช่วยเหลือ", "done_at": "เวลาช่วยเหลือเสร็จ",
}
NOTES_TITLE = "อ่านก่อน"
NOTE_TIMES = "เวลาทั้งหมดเป็นเวลาประเทศไทย ปี พ.ศ."
NOTE_PHOTOS_SAVED = "รูปถ่ายบันทึกไว้ในโฟลเดอร์ {folder} ข้างไฟล์นี้ คลิกที่ลิงก์ในคอลัมน์รูปเพื่อเปิด"
NOTE_PHOTOS_IDS = "รูปถ่ายแสดงเป็นรหัสไฟล์ Telegram (ไม่มีโทเคนบอท): ดูรูปด้วยคำสั่ง /reports ในแชทผู้ดูแล"
NOTE_CODES = "รหัสเชิญในบันทึกการใช้งานถูกปิดบังบางส่วน"
YES, NO = "ใช่", "ไม่"


def workbook(
    kind: str, rows: list[dict], tz: ZoneInfo, photo_links: Mapping[str, str] | None = None, photo_folder: str = ""
) -> bytes:
    """The export as .xlsx bytes: one sheet of rows with Thai headers and labels, one sheet of notes."""
    book = Workbook()
    sheet = cast(Worksheet, book.active)  # a new workbook's one sheet (the stubs allow None or a chartsheet)
    sheet.title = kind
    columns = COLUMNS[kind]
    photo_count = max((len(str(r.get("photos") or "").split()) for r in rows), default=0)
    shown = [c for c in columns if c != "photos"]
    sheet.append([HEADERS.get(c, c) for c in shown] + [f"{HEADERS['photos']} {n + 1}" for n in range(photo_count)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values = [_cell(column, row[column], tz) for column in shown]
        photos = str(row.get("photos") or "").split()
        sheet.append(values + [photo_links.get(p, p) if photo_links else p for p in photos])
        if photo_links:
            for n, photo in enumerate(photos):
                cell = sheet.cell(row=sheet.max_row, column=len(shown) + n + 1)
                if photo in photo_links:
                    cell.hyperlink, cell.style = photo_links[photo], "Hyperlink"
    notes = book.create_sheet(NOTES_TITLE)
    notes.append([NOTE_TIMES])
    if "photos" in columns:
        notes.append([NOTE_PHOTOS_SAVED.format(folder=photo_folder) if photo_links else NOTE_PHOTOS_IDS])
    if kind == "audit":
        notes.append([NOTE_CODES])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(column: str, value: Any, tz: ZoneInfo) -> object:
    if isinstance(value, datetime):
        return thai_datetime(value, tz)
    if column == "depth" and value:
        return texts.DEPTHS.get(value, value)
    if column == "livelihood" and value:
        return texts.LIVELIHOODS.get(value, value)
    if column in ("allowed", "drill") and value is not None:
        return YES if value else NO
    if column == "answer" and value:
        return checkin_texts.ANSWERS.get(value, value)
    if column == "help_status" and value:
        return checkin_texts.HELP_STATUS.get(value, value)
    return value


async def download_photos(bot: Bot, rows: list[dict], folder: Path) -> dict[str, str]:
    """Save every report photo into `folder` (0700, files 0600); file id -> path relative to the workbook."""
    links: dict[str, str] = {}
    folder.mkdir(mode=0o700, exist_ok=True)
    for row in rows:
        for n, file_id in enumerate(str(row.get("photos") or "").split(), start=1):
            target = folder / f"report-{row['id']}-{n}.jpg"
            try:
                file = await bot.get_file(file_id)
                await file.download_to_drive(target)
            except TelegramError:
                continue  # an expired or unknown file id keeps its id in the cell
            os.chmod(target, 0o600)
            links[file_id] = f"{folder.name}/{target.name}"
    return links
