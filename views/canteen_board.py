"""食堂公示: the canteen's purchases of a day, posted for all staff the same day — one row per line of 进货单.

The board is public to every member of staff (``everyone = True``): it is deliberately NOT limited by the data
scope. 食堂每天所采购的物资数量、价格张榜公示，接受教职工质询 — the point of the posting is that a teacher, who may
not read the canteen's ledger itself, sees what was bought and at what price. What keeps it safe to show is what
it lists: only the posted columns (品名, 数量, 单位, 单价, 金额, 供应商, 验收人) — no delivery-note photo, remark,
document number or anything else of the ledger. 单位 is posted because a quantity means nothing without it.

One day at a time (default today, chosen with the Chinese date picker), with the day's total; the same query
feeds the page and the Excel file.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask import request
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import func, select

from app.extensions import db
from app.features import export
from app.meta import clock, formatting
from models.canteen import CanteenDelivery, CanteenDeliveryLine
from models.org import Staff
from models.purchasing import Supplier

from .base import PostingPage

# (key, Chinese header, export kind): the posted columns, in the page's and the file's order.
COLUMNS = (
    ("name", "品名", "text"),
    ("quantity", "数量", "number"),
    ("unit", "单位", "text"),
    ("unit_price", "单价", "money"),
    ("amount", "金额", "money"),
    ("supplier", "供应商", "text"),
    ("receiver", "验收人", "text"),
)


@dataclass(frozen=True)
class Filters:
    day: date
    errors: tuple[str, ...] = ()

    def args(self) -> dict:
        return {"day": self.day.isoformat()}


def read_filters(args) -> Filters:
    """The day asked for (default today); a value that cannot be used is replaced by today, said in Chinese."""
    today = clock.today()
    raw = (args.get("day") or "").strip()
    if not raw:
        return Filters(today)
    try:
        found = date.fromisoformat(raw[:10])
    except ValueError:
        return Filters(today, (f"日期格式应为 年-月-日，例如 {today:%Y-%m-%d}，已显示今天",))
    if not date(2000, 1, 1) <= found <= date(2100, 12, 31):
        return Filters(today, ("日期超出范围，已显示今天",))
    return Filters(found)


def board_select(filters: Filters):
    """One row per line of the day's deliveries, with the posted columns only."""
    return (
        select(
            CanteenDeliveryLine.name.label("name"),
            CanteenDeliveryLine.quantity.label("quantity"),
            CanteenDeliveryLine.unit.label("unit"),
            CanteenDeliveryLine.unit_price.label("unit_price"),
            CanteenDeliveryLine.amount.label("amount"),
            Supplier.name.label("supplier"),
            Staff.name.label("receiver"),
        )
        .select_from(CanteenDeliveryLine)
        .join(CanteenDelivery, CanteenDeliveryLine.delivery_id == CanteenDelivery.id)
        .outerjoin(Supplier, CanteenDelivery.supplier_id == Supplier.id)
        .outerjoin(Staff, CanteenDelivery.receiver_id == Staff.id)
        # Public to all staff, deliberately without app.scope: posted columns only (see the module note).
        .where(CanteenDelivery.delivered_on == filters.day)
        .order_by(CanteenDelivery.code, CanteenDelivery.id, CanteenDeliveryLine.id)
    )


def rows(filters: Filters) -> list:
    return list(db.session.execute(board_select(filters)))


def total(filters: Filters) -> Decimal:
    inner = board_select(filters).order_by(None).subquery()
    found = db.session.scalar(select(func.coalesce(func.sum(inner.c.amount), 0)))
    return Decimal(found or 0).quantize(Decimal("0.01"))


class CanteenBoardView(PostingPage):
    route_base = "/canteen-board"
    class_permission_name = "CanteenBoard"
    menu_label = "食堂公示"
    menu_category = "食堂管理"

    @expose("/")
    @has_access
    def index(self):
        filters = read_filters(request.args)
        found = rows(filters)
        return self.render("views/canteen_board.html", filters=filters, rows=found, total=total(filters),
                           columns=COLUMNS, number=formatting.quantity, today=clock.today(),
                           before=filters.day - timedelta(days=1), after=filters.day + timedelta(days=1))

    @expose("/export.xlsx")
    @has_access
    def export_xlsx(self):
        """The day's rows as the page shows them, and a last row with the day's total, under Chinese headers."""
        filters = read_filters(request.args)
        columns = [export.Column(key, label, kind) for key, label, kind in COLUMNS]
        batch = [[column.value(getattr(row, column.name)) for column in columns] for row in rows(filters)]
        batch.append([column.value({"name": "合计", "amount": total(filters)}.get(column.name)) for column in columns])
        handle = export.write_xlsx(columns, [batch], "食堂公示")
        return export.file_response(handle, export.filename("食堂公示", "xlsx", f"{filters.day:%Y%m%d}"))
