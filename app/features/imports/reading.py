"""Reading an uploaded .xlsx or .csv file safely into a header and numbered rows, within the size and row limits.

An .xlsx is a zip archive: before anything parses it, the sizes its members declare are checked (``unpacked``).
Python's zipfile never inflates a member beyond its declared size (it stops there and fails the CRC), so
the declared sizes bound what openpyxl can be made to read: a small "zip bomb" whose shared strings expand
to gigabytes is refused with a Chinese message, not parsed until the worker runs out of memory."""
from __future__ import annotations

import csv
import io
import logging
import zipfile
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from flask import current_app

from app.features.imports.cells import _blank

log = logging.getLogger(__name__)

MAX_ROWS = 50_000
MAX_COLUMNS = 200
DEFAULT_MAX_MB = 10
# What an .xlsx may unpack to (config IMPORT_MAX_UNCOMPRESSED_MB, IMPORT_MAX_SHARED_STRINGS_MB,
# IMPORT_MAX_COMPRESSION_RATIO). The worksheet is streamed (read-only mode); the shared strings are the one part
# openpyxl holds whole in memory, several times its size. Excel's own files unpack to 5–30 times their size.
DEFAULT_MAX_UNCOMPRESSED_MB = 100
DEFAULT_MAX_SHARED_STRINGS_MB = 30
DEFAULT_MAX_RATIO = 200
RATIO_CHECKED_FROM = 1024 * 1024  # small parts (styles, theme) may compress well; their size is harmless
SHARED_STRINGS = "xl/sharedstrings.xml"

NOT_A_FILE = "只能导入 Excel 文件（.xlsx）或逗号分隔文件（.csv）"
OLD_EXCEL = "不能读取旧版 Excel 文件（.xls），请在 Excel 中“另存为” .xlsx 后再上传"
BROKEN_EXCEL = "无法读取该 Excel 文件：文件已损坏或不是 .xlsx 格式"
BAD_ENCODING = "无法识别该 .csv 文件的编码，请在 Excel 中“另存为” UTF-8 编码的逗号分隔文件（.csv）后再上传"
EMPTY = "文件中没有数据：第 1 行应为列名，从第 2 行起每行一条记录"
TOO_BIG_UNPACKED = ("该 Excel 文件解压后超过 {mb:g} MB，无法导入：请删去多余的工作表、图片和空白格式，"
                    "或把文件拆开分批导入")
ABSURD_RATIO = ("该 Excel 文件内容异常：解压后是文件本身的数百倍以上，不像是 Excel 保存的文件，无法导入。"
                "请在 Excel 中打开后重新“另存为” .xlsx 再上传")


class Refused(Exception):
    """The file as a whole cannot be read (its type, size, encoding); the message is for the user."""


@dataclass
class Sheet:
    headers: list[Any]
    rows: list[tuple[int, list[Any]]]  # (row number as the spreadsheet shows it, cell values)


def extension_of(filename: str | None) -> str:
    name = (filename or "").strip().lower()
    return name.rsplit(".", 1)[-1] if "." in name else ""


def read(data: bytes, ext: str) -> Sheet:
    """The first sheet of an .xlsx (or the CSV) as a header and numbered rows; Refused if unreadable."""
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise Refused(OLD_EXCEL)
    if ext == "xlsx" or data[:4] == b"PK\x03\x04":
        if data[:4] != b"PK\x03\x04":
            raise Refused(BROKEN_EXCEL)
        unpacked(data)
        return _read_xlsx(data)
    if ext == "csv":
        return _read_csv(data)
    if ext == "xls":
        raise Refused(OLD_EXCEL)
    raise Refused(NOT_A_FILE)


def _split(lines: Iterable[tuple[int, Sequence[Any]]]) -> Sheet:
    """The first non-blank row is the header; blank rows are skipped; at most MAX_ROWS rows."""
    headers: list[Any] | None = None
    rows: list[tuple[int, list[Any]]] = []
    for number, values in lines:
        values = list(values[:MAX_COLUMNS])
        if all(_blank(v) for v in values):
            continue
        if headers is None:
            headers = values
            continue
        rows.append((number, values))
        if len(rows) > MAX_ROWS:
            raise Refused(f"一次最多导入 {MAX_ROWS} 行，请把文件拆开分批导入")
    if headers is None:
        raise Refused(EMPTY)
    return Sheet(headers, rows)


def _config(name: str, default: float) -> float:
    return float(current_app.config.get(name, default)) if current_app else float(default)


def unpacked(data: bytes) -> int:
    """The bytes an .xlsx declares it unpacks to, after refusing (before any parsing) an archive that unpacks
    to more than the caps allow — in all, or in its shared strings — or whose parts are compressed absurdly
    well (a zip bomb: a few hundred KB expanding to gigabytes)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, NotImplementedError, OSError, EOFError):
        log.info("unreadable zip archive", exc_info=True)
        raise Refused(BROKEN_EXCEL)
    total_cap = _config("IMPORT_MAX_UNCOMPRESSED_MB", DEFAULT_MAX_UNCOMPRESSED_MB)
    strings_cap = min(total_cap, _config("IMPORT_MAX_SHARED_STRINGS_MB", DEFAULT_MAX_SHARED_STRINGS_MB))
    max_ratio = _config("IMPORT_MAX_COMPRESSION_RATIO", DEFAULT_MAX_RATIO)
    total = 0
    for member in members:
        size = max(member.file_size, 0)
        total += size
        if member.filename.lower() == SHARED_STRINGS and size > strings_cap * 1024 * 1024:
            log.warning("xlsx refused: shared strings unpack to %d bytes", size)
            raise Refused(TOO_BIG_UNPACKED.format(mb=strings_cap))
        if size >= RATIO_CHECKED_FROM and size > max_ratio * max(member.compress_size, 1):
            log.warning("xlsx refused: %s unpacks %d → %d bytes", member.filename, member.compress_size, size)
            raise Refused(ABSURD_RATIO)
    if total > total_cap * 1024 * 1024:
        log.warning("xlsx refused: unpacks to %d bytes", total)
        raise Refused(TOO_BIG_UNPACKED.format(mb=total_cap))
    if total >= RATIO_CHECKED_FROM and total > max_ratio * len(data):
        log.warning("xlsx refused: %d bytes unpack to %d", len(data), total)
        raise Refused(ABSURD_RATIO)
    return total


def _read_xlsx(data: bytes) -> Sheet:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a zip that is no workbook, a damaged file: openpyxl raises many kinds
        log.info("unreadable workbook", exc_info=True)
        raise Refused(BROKEN_EXCEL)
    try:
        if not book.worksheets:
            raise Refused(EMPTY)
        sheet = book.worksheets[0]
        return _split(enumerate(_xlsx_rows(sheet), start=1))
    except Refused:
        raise
    except Exception:
        log.info("unreadable worksheet", exc_info=True)
        raise Refused(BROKEN_EXCEL)
    finally:
        book.close()


def _xlsx_rows(sheet) -> Iterable[tuple]:
    """Every row of a read-only sheet, as wide as its header (plus some): the size the file states is not
    trusted (another program may write a stale one, which would cut rows off) and never computed (that
    would read the whole sheet twice)."""
    width = MAX_COLUMNS
    for row in sheet.iter_rows(min_row=1, max_row=MAX_ROWS + 100, max_col=MAX_COLUMNS, values_only=True):
        if any(not _blank(v) for v in row):
            width = min(MAX_COLUMNS, max(i for i, v in enumerate(row) if not _blank(v)) + 1 + 20)
            break
    yield from sheet.iter_rows(min_row=1, max_row=MAX_ROWS + 100, max_col=width, values_only=True)


def _read_csv(data: bytes) -> Sheet:
    if b"\x00" in data[:4096]:
        raise Refused(BAD_ENCODING)
    for encoding in ("utf-8-sig", "gb18030"):  # Excel's 「CSV UTF-8」, else its Chinese default
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Refused(BAD_ENCODING)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return _split(((reader.line_num, row) for row in reader))
    except csv.Error:
        raise Refused("无法读取该 .csv 文件：格式有误（引号不配对等），请在 Excel 中重新“另存为” .csv 文件")


def max_mb() -> float:
    return float(current_app.config.get("IMPORT_MAX_MB", DEFAULT_MAX_MB))


def max_bytes() -> int:
    return int(max_mb() * 1024 * 1024)
