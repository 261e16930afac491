"""库存台账: the store's book for a period — per item 期初, 收入, 发出, 结存 (收发存汇总) — and, for one item, every
movement with its running balance (明细账); both exported to Excel with their Chinese headers.

Figures are SQL sums over 出入库记录 within the reader's scope (``read.criteria``), never the stored 库存数量, so
the book shows what the ledger says; the two agree (tests/test_store.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import request
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import case, func, select

from app.extensions import db
from app.features import export
from app.meta import clock, formatting
from app.rules import read
from models.store import INBOUND, StockItem, StockMovement

from .base import SchoolPage

ZERO = Decimal("0")
SUMMARY = [("code", "物资编码", "text"), ("name", "品名规格", "text"), ("unit", "单位", "text"),
           ("opening", "期初数量", "number"), ("received", "收入数量", "number"), ("received_amount", "收入金额", "money"),
           ("issued", "发出数量", "number"), ("issued_amount", "发出金额", "money"), ("closing", "结存数量", "number")]
DETAIL = [("moved_on", "日期", "date"), ("code", "单号", "text"), ("kind", "类型", "text"),
          ("received", "收入", "number"), ("issued", "发出", "number"), ("balance", "结存", "number"),
          ("unit_price", "单价", "money"), ("amount", "金额", "money"), ("party", "领用部门/人", "text"),
          ("remark", "备注", "text")]


@dataclass
class Period:
    start: date
    end: date
    item_id: int | None
    errors: list[str]

    def args(self) -> dict:
        found = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.item_id:
            found["item"] = self.item_id
        return found


def _day(text: str | None, default: date, errors: list[str], label: str) -> date:
    if not text:
        return default
    try:
        found = date.fromisoformat(text.strip()[:10])
    except ValueError:
        errors.append(f"{label}不是有效的日期，已按 {default:%Y-%m-%d} 查询")
        return default
    if not date(1900, 1, 1) <= found <= date(2100, 12, 31):
        errors.append(f"{label}超出范围，已按 {default:%Y-%m-%d} 查询")
        return default
    return found


def read_period(args) -> Period:
    errors: list[str] = []
    today = clock.today()
    start = _day(args.get("start"), today.replace(day=1), errors, "开始日期")
    end = _day(args.get("end"), today, errors, "结束日期")
    if end < start:
        errors.append("结束日期早于开始日期，已对调")
        start, end = end, start
    raw = (args.get("item") or "").strip()
    item_id = int(raw) if raw.isdigit() and 0 < int(raw) <= read.ID_LIMIT else None
    return Period(start, end, item_id, errors)


def _signed():
    return case((StockMovement.kind.in_(INBOUND), StockMovement.quantity), else_=-StockMovement.quantity)


def summary(period: Period) -> list[dict]:
    """收发存汇总: per item with any stock or movement, 期初 (before start), 收入 and 发出 within, 结存."""
    inbound = StockMovement.kind.in_(INBOUND)
    within = StockMovement.moved_on.between(period.start, period.end)
    sums = (select(StockMovement.item_id,
                   func.sum(case((StockMovement.moved_on < period.start, _signed()), else_=0)).label("opening"),
                   func.sum(case((within & inbound, StockMovement.quantity), else_=0)).label("received"),
                   func.sum(case((within & inbound, StockMovement.amount), else_=0)).label("received_amount"),
                   func.sum(case((within & ~inbound, StockMovement.quantity), else_=0)).label("issued"),
                   func.sum(case((within & ~inbound, StockMovement.amount), else_=0)).label("issued_amount"))
            .where(StockMovement.moved_on <= period.end, *read.criteria(StockMovement))
            .group_by(StockMovement.item_id).subquery())
    stmt = (select(StockItem.code, StockItem.name, StockItem.spec, StockItem.unit, sums)
            .join(sums, sums.c.item_id == StockItem.id).where(*read.criteria(StockItem)).order_by(StockItem.code))
    rows = []
    for row in db.session.execute(stmt):
        opening, received, issued = (Decimal(row.opening or 0), Decimal(row.received or 0), Decimal(row.issued or 0))
        rows.append({"code": row.code, "name": " ".join(p for p in (row.name, row.spec) if p), "unit": row.unit,
                     "opening": opening, "received": received, "received_amount": Decimal(row.received_amount or 0),
                     "issued": issued, "issued_amount": Decimal(row.issued_amount or 0),
                     "closing": opening + received - issued, "item_id": row.item_id})
    return rows


def detail(period: Period) -> tuple[StockItem | None, Decimal, list[dict]]:
    """明细账 of one item: 期初 and each movement of the period with the balance after it."""
    item = read.one(db.session, StockItem, period.item_id) if period.item_id else None
    if item is None:
        return None, ZERO, []
    opening = db.session.scalar(select(func.coalesce(func.sum(_signed()), 0)).where(
        StockMovement.item_id == item.id, StockMovement.moved_on < period.start, *read.criteria(StockMovement)))
    balance = Decimal(opening or 0)
    rows = []
    moves = db.session.scalars(select(StockMovement).where(
        StockMovement.item_id == item.id, StockMovement.moved_on.between(period.start, period.end),
        *read.criteria(StockMovement)).order_by(StockMovement.moved_on, StockMovement.id))
    for move in moves:
        balance += move.delta
        inbound = move.kind in INBOUND
        rows.append({"moved_on": move.moved_on, "code": move.code or "", "kind": move.kind.value,
                     "received": move.quantity if inbound else None, "issued": None if inbound else move.quantity,
                     "balance": balance, "unit_price": move.unit_price, "amount": move.amount,
                     "party": " ".join(str(p) for p in (move.department, move.receiver) if p is not None),
                     "remark": move.remark or ""})
    return item, Decimal(opening or 0), rows


def items() -> list[tuple[int, str]]:
    found = db.session.execute(select(StockItem.id, StockItem.name, StockItem.spec)
                               .where(*read.criteria(StockItem)).order_by(StockItem.name))
    return [(i, " ".join(p for p in (name, spec) if p)) for i, name, spec in found]


class StockLedgerView(SchoolPage):
    route_base = "/stock-ledger"
    default_view = "index"
    class_permission_name = "StockLedger"
    method_permission_name = {"index": "read", "export_xlsx": "read"}
    menu_label = "库存台账"
    menu_category = "物资仓库"
    menu_icon = "fa-book"

    @expose("/")
    @has_access
    def index(self):
        period = read_period(request.args)
        item, opening, moves = detail(period)
        return self.render("views/stock_ledger.html", period=period, item=item, opening=opening, moves=moves,
                           rows=[] if item is not None else summary(period), items=items(),
                           number=formatting.quantity, money=formatting.money)

    @expose("/export.xlsx")
    @has_access
    def export_xlsx(self):
        period = read_period(request.args)
        item, opening, moves = detail(period)
        if item is not None:
            columns = [export.Column(*c) for c in DETAIL]
            first = {"moved_on": period.start, "kind": "期初结存", "balance": opening}
            batch = [[c.value(row.get(c.name)) for c in columns] for row in [first, *moves]]
            title = f"库存明细账-{item.name}"
        else:
            columns = [export.Column(*c) for c in SUMMARY]
            batch = [[c.value(row.get(c.name)) for c in columns] for row in summary(period)]
            title = "收发存汇总"
        handle = export.write_xlsx(columns, [batch], title[:31])
        return export.file_response(handle, export.filename(title, "xlsx", f"{period.start:%Y%m%d}-{period.end:%Y%m%d}"))
