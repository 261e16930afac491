"""预算执行情况: for a year, per department and budget subject, what was committed each month (12 columns), the
预算金额, 已用, 余额 and 执行率 — and per department a 「未指定预算」 row for the requests that name no budget (the
old ones), shown once as such instead of being charged to every subject. Exported to Excel as shown.

已用 is what ``Budget.used`` counts: the requests linked to the budget from approval on (COMMITTED); a month is the
month of the request's 申请日期. Budgets are read within the reader's data scope (``read.criteria(Budget)``), the
unassigned requests within that of PurchaseRequest — a department's roles see their own department only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import request
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import extract, func, select

from app.extensions import db
from app.features import export
from app.meta import clock
from app.rules import read
from models.org import Department
from models.purchasing import COMMITTED, Budget, PurchaseRequest

from .base import SchoolPage

ZERO = Decimal("0.00")
UNASSIGNED = "未指定预算"
MONTHS = tuple(range(1, 13))


@dataclass
class Line:
    """One row of the report: a budget subject, a department's unassigned spending, or the total."""

    department: str
    subject: str
    amount: Decimal | None  # None: no budget (未指定预算)
    months: list[Decimal] = field(default_factory=lambda: [ZERO] * 12)
    used: Decimal = ZERO
    kind: str = "budget"  # budget | unassigned | total

    @property
    def remaining(self) -> Decimal | None:
        return None if self.amount is None else self.amount - self.used

    @property
    def rate(self) -> str:
        return f"{self.used / self.amount:.1%}" if self.amount else ""


def chosen_year(args) -> tuple[int, str | None]:
    raw = (args.get("year") or "").strip()
    if not raw:
        return clock.today().year, None
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw), None
    return clock.today().year, "年度应为四位年份，例如 2026，已显示本年度"


def years() -> list[int]:
    """The years with budgets the reader may see, and this year."""
    found = set(db.session.scalars(read.select(Budget, columns=(Budget.year,)).distinct()))
    return sorted(found | {clock.today().year}, reverse=True)


def _month(column):
    return extract("month", column)


def report(year: int) -> list[Line]:
    """The budget lines of ``year`` within scope, each department's unassigned line after its own, and a total."""
    budgets = db.session.execute(
        read.select(Budget, Budget.year == year, columns=(Budget.id, Budget.subject, Budget.amount,
                                                           Department.name, Department.code))
        .select_from(Budget).join(Department, Budget.department_id == Department.id)
        .order_by(Department.code, Department.name, Budget.subject)).all()
    ids = [row.id for row in budgets]
    used = dict(db.session.execute(
        select(PurchaseRequest.budget_id, func.sum(PurchaseRequest.total))
        .where(PurchaseRequest.budget_id.in_(ids), PurchaseRequest.status.in_(COMMITTED))
        .group_by(PurchaseRequest.budget_id)).all()) if ids else {}
    first, after = date(year, 1, 1), date(year + 1, 1, 1)
    in_year = (PurchaseRequest.requested_on >= first, PurchaseRequest.requested_on < after,
               PurchaseRequest.status.in_(COMMITTED))
    by_month = db.session.execute(
        select(PurchaseRequest.budget_id, _month(PurchaseRequest.requested_on), func.sum(PurchaseRequest.total))
        .where(PurchaseRequest.budget_id.in_(ids), *in_year)
        .group_by(PurchaseRequest.budget_id, _month(PurchaseRequest.requested_on))).all() if ids else []
    unassigned = db.session.execute(
        read.select(PurchaseRequest, PurchaseRequest.budget_id.is_(None), *in_year,
                    columns=(Department.name, Department.code, _month(PurchaseRequest.requested_on),
                             func.sum(PurchaseRequest.total)))
        .select_from(PurchaseRequest).join(Department, PurchaseRequest.department_id == Department.id)
        .group_by(Department.name, Department.code, _month(PurchaseRequest.requested_on))).all()

    lines: dict[tuple, Line] = {}
    order: dict[int, tuple] = {}
    for row in budgets:
        line = Line(row.name, row.subject, _money(row.amount), used=_money(used.get(row.id)))
        lines[(row.code, row.name, 0, row.subject, row.id)] = line
        order[row.id] = (row.code, row.name, 0, row.subject, row.id)
    for budget_id, month, spent in by_month:
        lines[order[budget_id]].months[int(month) - 1] += _money(spent)
    for name, code, month, spent in unassigned:
        key = (code, name, 1, UNASSIGNED, 0)
        line = lines.setdefault(key, Line(name, UNASSIGNED, None, kind="unassigned"))
        line.months[int(month) - 1] += _money(spent)
        line.used += _money(spent)
    found = [lines[key] for key in sorted(lines, key=lambda k: (k[0] or "", k[1], k[2], k[3]))]
    if found:
        total = Line("合计", "", sum((line.amount or ZERO for line in found), ZERO), kind="total")
        for line in found:
            total.used += line.used
            total.months = [a + b for a, b in zip(total.months, line.months)]
        found.append(total)
    return found


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


COLUMNS = ([export.Column("department", "部门", "text"), export.Column("subject", "科目", "text")]
           + [export.Column(f"m{m}", f"{m}月", "money") for m in MONTHS]
           + [export.Column("amount", "预算金额", "money"), export.Column("used", "已用", "money"),
              export.Column("remaining", "余额", "money"), export.Column("rate", "执行率", "text")])


def cells(line: Line) -> list:
    return ([line.department, line.subject] + list(line.months)
            + [line.amount, line.used, line.remaining, line.rate])


class BudgetReportView(SchoolPage):
    route_base = "/budget-report"
    default_view = "index"
    class_permission_name = "BudgetReport"
    method_permission_name = {"index": "read", "export_xlsx": "read"}
    menu_label = "预算执行情况"
    menu_category = "采购管理"
    menu_icon = "fa-bar-chart"

    @expose("/")
    @has_access
    def index(self):
        year, error = chosen_year(request.args)
        return self.render("views/budget_report.html", year=year, years=years(), error=error, lines=report(year),
                           months=MONTHS, title=f"预算执行情况（{year}年）")

    @expose("/export.xlsx")
    @has_access
    def export_xlsx(self):
        year, _ = chosen_year(request.args)
        handle = export.write_xlsx(COLUMNS, [[cells(line) for line in report(year)]], f"预算执行情况{year}年")
        return export.file_response(handle, f"预算执行情况-{year}年.xlsx")
