"""盘点报告: one stocktake's results on A4 — counts by result and by department, the missing cards with their
责任人, the misplaced and the surplus — and every line exported to Excel. Reached from the stocktake's detail
page with its read permission; the stocktake must be within the reader's scope (app/features/prints.py)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask import url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access

from app.features import export
from app.meta import clock, formatting
from models.stocktake import Stocktake, StocktakeLine, StocktakeResult

from .printing import SchoolPrint, Signature, name_of

UNCOUNTED = "未盘"
RESULTS = [r.value for r in StocktakeResult] + [UNCOUNTED]
COLUMNS = [("code", "编号", "text"), ("name", "名称", "text"), ("department", "使用部门", "text"),
           ("keeper", "责任人", "text"), ("book", "账面地点/数量", "text"), ("actual", "实际地点/数量", "text"),
           ("result", "结果", "text"), ("checked_at", "盘点时间", "datetime"), ("remark", "备注", "text")]


@dataclass
class Row:
    code: str
    name: str
    department: str
    keeper: str
    book: str
    actual: str
    result: str
    checked_at: object
    remark: str


def row(line: StocktakeLine) -> Row:
    result = line.outcome(final=line.stocktake.status.name == "closed") if line.result is None else line.result
    result = str(getattr(result, "value", result))
    if line.item is not None:
        unit = line.item.unit or ""
        counted = "" if line.counted_quantity is None else f"{formatting.quantity(line.counted_quantity)} {unit}"
        return Row(line.item.code or "", str(line.item), "物资仓库", "", f"{formatting.quantity(line.book_quantity or 0)} {unit}",
                   counted, result, line.checked_at, line.remark or "")
    asset = line.asset
    return Row(asset.code if asset else "", asset.name if asset else (line.remark or "账外物品"),
               str(asset.department or "") if asset else "", str(asset.keeper or "") if asset else "",
               str(line.book_location or ""), str(line.actual_location or "") if line.found else "",
               result, line.checked_at, line.remark or "" if asset else "")


def tally(rows: list[Row]) -> tuple[list[str], list[tuple[str, list[int], int]], list[int]]:
    """(results present, per department: counts by result and total, totals by result)."""
    present = [r for r in RESULTS if any(x.result == r for x in rows)]
    by_department: dict[str, Counter] = {}
    for x in rows:
        by_department.setdefault(x.department or "（未登记部门）", Counter())[x.result] += 1
    table = [(name, [counts[r] for r in present], sum(counts.values())) for name, counts in sorted(by_department.items())]
    totals = [sum(1 for x in rows if x.result == r) for r in present]
    return present, table, totals


class StocktakeReportPrint(SchoolPrint):
    route_base = "/print/stocktake-report"
    class_permission_name = "Stocktake"
    method_permission_name = {"record": "read", "export_xlsx": "read"}
    link_label = "盘点报告"

    def _rows(self, stocktake: Stocktake) -> list[Row]:
        return [row(line) for line in stocktake.lines]

    @expose("/<int:pk>")
    @has_access
    def record(self, pk):
        stocktake = self.record_or_404(pk)
        rows = self._rows(stocktake)
        present, table, totals = tally(rows)
        pick = {name: [x for x in rows if x.result == name] for name in RESULTS}
        return self.sheet("views/print_stocktake_report.html", stocktake, title=f"盘点报告 {stocktake}",
                          stocktake=stocktake, results=present, table=table, totals=totals, count=len(rows),
                          missing=pick[StocktakeResult.missing.value], misplaced=pick[StocktakeResult.misplaced.value],
                          surplus=pick[StocktakeResult.surplus.value], uncounted=len(pick[UNCOUNTED]),
                          day=formatting.day, moment=formatting.moment,
                          signatures=[Signature("盘点人", name_of(stocktake.handler), date=formatting.day(stocktake.ended_on)),
                                      Signature("后勤主任")],
                          excel_url=url_for(".export_xlsx", pk=stocktake.id))

    @expose("/<int:pk>/export.xlsx")
    @has_access
    def export_xlsx(self, pk):
        stocktake = self.record_or_404(pk)
        columns = [export.Column(key, label, kind) for key, label, kind in COLUMNS]
        batch = [[column.value(getattr(x, column.name)) for column in columns] for x in self._rows(stocktake)]
        handle = export.write_xlsx(columns, [batch], "盘点明细")
        return export.file_response(handle, export.filename(f"盘点报告-{stocktake.name}", "xlsx",
                                                            clock.today().strftime("%Y%m%d")))
