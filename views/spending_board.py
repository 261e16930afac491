"""支出公示: a month's reimbursements (报销) posted for all staff, summed by department and budget subject, with
the month's total; exported to Excel as shown.

Like 采购公示 the posting is public to every member of staff (``everyone = True``) and deliberately NOT limited by
the data scope; what keeps it safe is what it shows: per 部门 and 经费科目 only the number of invoices and their sum
— no invoice numbers, cashiers or reasons. A reimbursement of a request that names no budget is shown under
「未指定预算」. The month is that of the 报销日期; without one chosen, last month (the posting's usual month).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import request
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import func, select

from app.extensions import db
from app.features import export
from app.meta import clock
from models.org import Department
from models.purchasing import Budget, PurchaseRequest, Reimbursement

from .base import PostingPage
from .months import month_choices, month_label

MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
UNASSIGNED = "未指定预算"
COLUMNS = [export.Column("department", "部门", "text"), export.Column("subject", "经费科目", "text"),
           export.Column("count", "报销笔数", "number"), export.Column("amount", "报销金额", "money")]


def last_month() -> str:
    today = clock.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year}-{month:02d}"


def chosen_month(args) -> tuple[str, str | None]:
    month = (args.get("month") or "").strip()
    if not month:
        return last_month(), None
    if MONTH.fullmatch(month):
        return month, None
    return last_month(), "月份格式应为 年-月，例如 2026-10，已显示上月"


def bounds(month: str) -> tuple[date, date]:
    year, number = (int(p) for p in month.split("-"))
    return date(year, number, 1), date(year + (number == 12), number % 12 + 1, 1)


@dataclass(frozen=True)
class Row:
    department: str
    subject: str
    count: int
    amount: Decimal


def rows(month: str) -> list[Row]:
    """Per department and subject, the month's reimbursements: how many and their sum."""
    first, after = bounds(month)
    subject = func.coalesce(Budget.subject, UNASSIGNED)
    stmt = (
        select(Department.code, Department.name, subject.label("subject"), func.count(Reimbursement.id),
               func.sum(Reimbursement.amount))
        .select_from(Reimbursement)
        .join(PurchaseRequest, Reimbursement.request_id == PurchaseRequest.id)
        .join(Department, PurchaseRequest.department_id == Department.id)
        .outerjoin(Budget, PurchaseRequest.budget_id == Budget.id)
        # Public to all staff, deliberately without the data scope: sums only (see the module note).
        .where(Reimbursement.reimbursed_on >= first, Reimbursement.reimbursed_on < after)
        .group_by(Department.code, Department.name, subject)
        .order_by(Department.code, Department.name, subject)
    )
    return [Row(name, subject, count, Decimal(amount or 0).quantize(Decimal("0.01")))
            for _, name, subject, count, amount in db.session.execute(stmt)]


def totals(found: list[Row]) -> tuple[int, Decimal]:
    return sum(r.count for r in found), sum((r.amount for r in found), Decimal("0.00"))


class SpendingBoardView(PostingPage):
    route_base = "/spending-board"
    class_permission_name = "SpendingBoard"
    menu_label = "支出公示"
    menu_category = "采购管理"

    @expose("/")
    @has_access
    def index(self):
        month, error = chosen_month(request.args)
        found = rows(month)
        count, total = totals(found)
        return self.render("views/spending_board.html", month=month, month_name=month_label(month),
                           months=month_choices(month), error=error, rows=found, count=count, total=total,
                           title=f"支出公示（{month_label(month)}）")

    @expose("/export.xlsx")
    @has_access
    def export_xlsx(self):
        month, _ = chosen_month(request.args)
        found = rows(month)
        count, total = totals(found)
        lines = [[r.department, r.subject, r.count, r.amount] for r in found] + [["合计", "", count, total]]
        handle = export.write_xlsx(COLUMNS, [lines], f"支出公示{month}")
        return export.file_response(handle, f"支出公示-{month_label(month)}.xlsx")
