"""月度水电报表 as an Excel file for 财务: title, Chinese headers, one row per meter, household subtotals,
then 水费合计 / 电费合计 / 总计 (computed here from the meter rows, equal to a SUM over them)."""
from __future__ import annotations

import tempfile
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from app.features.export import display_width, xlsx_value
from app.meta import clock
from models.utilities import REPORT_COLUMNS, MeterType

HEADERS = {"unit_price": "单价（元）", "amount": "金额（元）"}
FORMATS = {"unit_price": "0.0000", "previous": "#,##0.00", "current": "#,##0.00", "usage": "#,##0.00",
           "amount": "#,##0.00"}
FLAGS = ("payroll_deduction", "replaced", "abnormal")
WIDTHS = {"household": 22, "location": 18, "resident": 12, "meter_no": 14, "payment_status": 10}
ZERO = Decimal("0")

THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
SUBTOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
TOTAL_FILL = PatternFill("solid", fgColor="FFF2CC")


def title_of(month: str) -> str:
    year, number = month.split("-")
    return f"{year}年{int(number)}月 水电费月报表"


def totals(rows: list[dict]) -> dict[str, Decimal]:
    """水/电 usage and amount over the meter rows of a ``monthly_report``."""
    found = {"water_usage": ZERO, "water_amount": ZERO, "electricity_usage": ZERO, "electricity_amount": ZERO}
    for row in rows:
        if row["kind"] != "meter":
            continue
        kind = "water" if row["meter_type"] == MeterType.water.value else "electricity"
        found[f"{kind}_usage"] += Decimal(row["usage"] or 0)
        found[f"{kind}_amount"] += Decimal(row["amount"] or 0)
    found["amount"] = found["water_amount"] + found["electricity_amount"]
    return found


def report_workbook(month: str, rows: list[dict]):
    """The workbook in a temporary file at position 0 (a month has at most a few thousand meters)."""
    keys = [key for key, _ in REPORT_COLUMNS]
    labels = [HEADERS.get(key, label) for key, label in REPORT_COLUMNS]
    width = len(keys)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{month} 水电费"

    sheet.append([title_of(month)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 28
    grand = next((r for r in rows if r["kind"] == "total"), {"households": 0, "meters": 0})
    sheet.append([f"制表日期：{clock.today().isoformat()}　共 {grand['households']} 户，{grand['meters']} 块表"])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    sheet.append(labels)
    for cell in sheet[3]:
        cell.font, cell.fill, cell.border = BOLD, HEADER_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    amount_col = keys.index("amount") + 1
    usage_col = keys.index("usage") + 1
    for row in rows:
        if row["kind"] == "meter":
            values = [("是" if row[k] else "否") if k in FLAGS else row[k] for k in keys]
            sheet.append([xlsx_value(v) for v in values])
            style = None
        elif row["kind"] == "household":
            line = [None] * width
            line[0] = xlsx_value(row["household"])
            line[amount_col - 1] = row["amount"]
            sheet.append(line)
            style = SUBTOTAL_FILL
        else:
            continue
        _style_row(sheet, keys, style)

    found = totals(rows)
    for label, usage, amount in (
        ("水费合计（吨）", found["water_usage"], found["water_amount"]),
        ("电费合计（度）", found["electricity_usage"], found["electricity_amount"]),
        ("总计", None, found["amount"]),
    ):
        line = [None] * width
        line[0], line[usage_col - 1], line[amount_col - 1] = label, usage, amount
        sheet.append(line)
        _style_row(sheet, keys, TOTAL_FILL)
        for cell in sheet[sheet.max_row]:
            cell.font = BOLD

    for index, (key, label) in enumerate(zip(keys, labels), 1):
        sheet.column_dimensions[get_column_letter(index)].width = max(WIDTHS.get(key, 0), display_width(label) + 4)
    sheet.freeze_panes = "B4"
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    target = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(target)
    target.seek(0)
    return target


def _style_row(sheet, keys: list[str], fill) -> None:
    for cell, key in zip(sheet[sheet.max_row], keys):
        cell.border = BORDER
        if key in FORMATS:
            cell.number_format = FORMATS[key]
        if fill is not None:
            cell.fill = fill
