"""采购公示: completed purchases posted for all staff — one row per purchase line, by month and department.

The board is public to every member of staff (``everyone = True``): it is deliberately NOT limited by the data
scope. What keeps it safe to show is what it lists: only completed requests (已入库 / 已报销) and only the
posted columns (品名, 规格, 数量, 单价, 金额, 供应商, 经办人, 验收人, 日期, 申请单号, 申请部门) — no reasons,
budgets, approval opinions or anything else of the request.

The month filter is on the acceptance date (日期: the date of the passed 验收); without a month the board
lists every month, newest first. The same query feeds the page (paginated) and the Excel file (every row).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import request
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.features import export
from app.meta import clock
from models.org import Department, Staff
from models.purchasing import Acceptance, AcceptanceConclusion, PurchaseItem, PurchaseRequest, PurchaseStatus, Supplier

from .base import PostingPage

COMPLETED = (PurchaseStatus.stored, PurchaseStatus.reimbursed)
PAGE_SIZE = 50
MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")

# (key, Chinese header, export kind): the posted columns, in the page's and the file's order.
COLUMNS = (
    ("code", "申请单号", "text"),
    ("department", "申请部门", "text"),
    ("name", "品名", "text"),
    ("spec", "规格", "text"),
    ("quantity", "数量", "number"),
    ("unit_price", "单价", "money"),
    ("amount", "金额", "money"),
    ("supplier", "供应商", "text"),
    ("handler", "经办人", "text"),
    ("inspector", "验收人", "text"),
    ("accepted_on", "日期", "date"),
)


@dataclass(frozen=True)
class Filters:
    month: str = ""  # YYYY-MM, "" for every month
    department_id: int | None = None
    errors: tuple[str, ...] = ()

    def month_range(self) -> tuple[date, date] | None:
        if not self.month:
            return None
        year, month = (int(p) for p in self.month.split("-"))
        return date(year, month, 1), date(year + (month == 12), month % 12 + 1, 1)

    def args(self) -> dict:
        found = {}
        if self.month:
            found["month"] = self.month
        if self.department_id:
            found["department"] = self.department_id
        return found


def read_filters(args) -> Filters:
    """The month and department asked for; a value that cannot be used is dropped with a Chinese message."""
    month, errors = (args.get("month") or "").strip(), []
    if month and not MONTH.fullmatch(month):
        errors.append("月份格式应为 年-月，例如 2026-10，已显示全部月份")
        month = ""
    raw = (args.get("department") or "").strip()
    department_id = None
    if raw:
        if raw.isdigit() and db.session.get(Department, int(raw)) is not None:
            department_id = int(raw)
        else:
            errors.append("所选部门不存在，已显示全部部门")
    return Filters(month, department_id, tuple(errors))


def _passed_acceptance():
    """request id → its passed acceptance (the first, should there ever be two)."""
    return (select(Acceptance.request_id, func.min(Acceptance.id).label("acceptance_id"))
            .where(Acceptance.conclusion == AcceptanceConclusion.passed)
            .group_by(Acceptance.request_id).subquery())


def board_select(filters: Filters):
    """One row per line of a completed purchase request, with the posted columns only."""
    handler, applicant, inspector = aliased(Staff), aliased(Staff), aliased(Staff)
    passed = _passed_acceptance()
    stmt = (
        select(
            PurchaseRequest.code.label("code"),
            Department.name.label("department"),
            PurchaseItem.name.label("name"),
            PurchaseItem.spec.label("spec"),
            PurchaseItem.quantity.label("quantity"),
            PurchaseItem.unit_price.label("unit_price"),
            PurchaseItem.amount.label("amount"),
            Supplier.name.label("supplier"),
            func.coalesce(handler.name, applicant.name).label("handler"),  # 经办人; the applicant before one is set
            inspector.name.label("inspector"),
            Acceptance.accepted_on.label("accepted_on"),
        )
        .select_from(PurchaseItem)
        .join(PurchaseRequest, PurchaseItem.request_id == PurchaseRequest.id)
        .join(Department, PurchaseRequest.department_id == Department.id)
        .outerjoin(Supplier, PurchaseRequest.supplier_id == Supplier.id)
        .outerjoin(handler, PurchaseRequest.handler_id == handler.id)
        .outerjoin(applicant, PurchaseRequest.applicant_id == applicant.id)
        .outerjoin(passed, passed.c.request_id == PurchaseRequest.id)
        .outerjoin(Acceptance, Acceptance.id == passed.c.acceptance_id)
        .outerjoin(inspector, Acceptance.inspector_id == inspector.id)
        # Public to all staff, deliberately without app.scope: completed purchases only (see the module note).
        .where(*conditions(filters))
    )
    return stmt


def conditions(filters: Filters) -> list:
    found = [PurchaseRequest.status.in_(COMPLETED)]
    if filters.department_id:
        found.append(PurchaseRequest.department_id == filters.department_id)
    bounds = filters.month_range()
    if bounds is not None:
        found.append(and_(Acceptance.accepted_on >= bounds[0], Acceptance.accepted_on < bounds[1]))
    return found


def ordered(stmt):
    return stmt.order_by(Acceptance.accepted_on.desc().nulls_last(), PurchaseRequest.code.desc(),
                         PurchaseItem.id)


def summary(filters: Filters) -> tuple[int, Decimal]:
    """How many lines and their total amount."""
    inner = board_select(filters).subquery()
    count, total = db.session.execute(select(func.count(), func.coalesce(func.sum(inner.c.amount), 0))).one()
    return count, Decimal(total or 0).quantize(Decimal("0.01"))


def rows(filters: Filters, page: int | None = None) -> list:
    stmt = ordered(board_select(filters))
    if page is not None:
        stmt = stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    return list(db.session.execute(stmt))


def departments() -> list[Department]:
    """The departments that have completed purchases (the filter's choices)."""
    having = select(PurchaseRequest.department_id).where(PurchaseRequest.status.in_(COMPLETED)).distinct()
    return list(db.session.scalars(select(Department).where(Department.id.in_(having)).order_by(Department.code)))


class PurchaseBoardView(PostingPage):
    route_base = "/purchase-board"
    class_permission_name = "PurchaseBoard"
    menu_label = "采购公示"
    menu_category = "采购管理"

    @expose("/")
    @has_access
    def index(self):
        filters = read_filters(request.args)
        count, total = summary(filters)
        pages = max(1, -(-count // PAGE_SIZE))
        raw_page = (request.args.get("page") or "1").strip()
        page = min(int(raw_page), pages) if raw_page.isdigit() and int(raw_page) >= 1 else 1
        return self.render("views/purchase_board.html", filters=filters, rows=rows(filters, page), count=count,
                           total=total, page=page, pages=pages, page_size=PAGE_SIZE, departments=departments(),
                           columns=COLUMNS)

    @expose("/export.xlsx")
    @has_access
    def export_xlsx(self):
        """The rows the page shows for these filters (every page), with the Chinese headers."""
        filters = read_filters(request.args)
        columns = [export.Column(key, label, kind) for key, label, kind in COLUMNS]
        stmt = ordered(board_select(filters))

        def batches():
            batch = []
            for row in db.session.execute(stmt.execution_options(yield_per=export.BATCH_SIZE)):
                batch.append([column.value(getattr(row, column.name)) for column in columns])
                if len(batch) >= export.BATCH_SIZE:
                    yield batch
                    batch = []
            if batch:
                yield batch

        handle = export.write_xlsx(columns, batches(), "采购公示")
        suffix = filters.month or clock.today().strftime("%Y%m%d")
        return export.file_response(handle, export.filename("采购公示", "xlsx", suffix))
