"""打印: A4 forms to print, sign and file — 报修单, 采购申请单 (with its approval signatures), 验收单 — and
资产标签 (asset labels with a QR code of the asset's page), for one asset or for what the asset list selects.

Each page prints records of one model and is opened with that model's read permission (app/features/prints.py);
a record outside the user's data scope is a 404, as on its detail page.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Iterable

import segno
from flask import current_app, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access

from app.extensions import db
from app.features.prints import PrintPage
from app.meta import clock, formatting, introspect
from app.meta.rmb import capital_amount
from app.rules.history import history

from .base import TEMPLATES, SchoolPage

LABELS_PER_SHEET = 24  # 3 × 8 on an A4 sheet
LABELS_MAX = 500  # labels printed at most at once


@dataclass(frozen=True)
class Field:
    label: str
    value: str
    wide: bool = False  # a long text: the whole width of the form


@dataclass(frozen=True)
class Signature:
    role: str  # 环节 / 签字栏
    name: str = ""
    decision: str = ""
    comment: str = ""
    date: str = ""


def fields(record: Any, names: Iterable[str], wide: Iterable[str] = ()) -> list[Field]:
    """The Chinese label and the displayed value of each named field of ``record``."""
    model, wide = type(record), set(wide)
    found = []
    for name in names:
        value = getattr(record, name)
        value = value() if callable(value) else value
        shown = formatting.text_formatter(introspect.display_format(model, name))(value)
        found.append(Field(introspect.label(model, name), str(shown), name in wide))
    return found


def name_of(person: Any) -> str:
    return str(getattr(person, "name", "") or "") if person is not None else ""


def money_total(values: Iterable[Any]) -> Decimal:
    return sum((Decimal(v or 0) for v in values), Decimal("0.00"))


def item_rows(items: Iterable[Any]) -> list[dict]:
    """采购明细 as printed: 品名 规格 单位 数量 单价 金额."""
    return [{"name": i.name or "", "spec": i.spec or "", "unit": i.unit or "", "quantity": i.quantity,
             "unit_price": formatting.money(i.unit_price), "amount": formatting.money(i.amount)} for i in items]


def school_name() -> str:
    config = current_app.config
    return config.get("SCHOOL_NAME") or config.get("APP_NAME") or ""


def asset_url(asset_id: int) -> str:
    """The absolute address of an asset's detail page, for its QR code: PUBLIC_BASE_URL when configured
    (the address phones reach the system by), else the address this page was asked for."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")
    return base + url_for("AssetView.show", pk=asset_id)


@lru_cache(maxsize=4096)
def qr_svg(text: str) -> str:
    """An inline SVG QR code (error correction M, a two-module quiet zone), sized by CSS."""
    return segno.make(text, error="m").svg_inline(border=2, omitsize=True, svgclass="qr", lineclass=None)


class SchoolPrint(PrintPage, SchoolPage):
    template_folder = TEMPLATES

    def sheet(self, template: str, record: Any = None, **kwargs):
        back = url_for(f"{self.model_view().endpoint}.show", pk=record.id) if record is not None else None
        kwargs.setdefault("back_url", back)
        return self.render(template, school=school_name(), printed_at=formatting.moment(clock.now()), **kwargs)


class RepairOrderPrint(SchoolPrint):
    route_base = "/print/repair-order"
    class_permission_name = "RepairOrder"
    method_permission_name = {"record": "read"}
    link_label = "打印报修单"

    @expose("/<int:pk>")
    @has_access
    def record(self, pk):
        order = self.record_or_404(pk)
        shown = [n for n in order.__admin__.show if n not in ("photo", "material_total", "is_overdue")]
        materials = [{"name": m.name or "", "unit": m.unit or "", "quantity": m.quantity,
                      "unit_price": formatting.money(m.unit_price), "amount": formatting.money(m.amount)}
                     for m in order.materials]
        total = order.material_total()
        signatures = [
            Signature("报修人", name_of(order.reporter), date=formatting.day(order.reported_at)),
            Signature("维修人", name_of(order.worker), date=formatting.day(order.finished_at)),
            Signature("验收人", name_of(order.checker), date=formatting.day(order.checked_at)),
        ]
        return self.sheet("views/print_repair_order.html", order, title=f"报修单 {order.code or ''}".strip(),
                          order=order, fields=fields(order, shown, wide=("description", "work_record", "feedback")),
                          materials=materials, total=formatting.money(total), total_words=capital_amount(total),
                          signatures=signatures)


# Signature rows a request's form always has: shown empty, to sign by hand, unless an approval step
# logged in the workflow history stands for them (its 环节 names them).
LEADING_SIGNATURES = (("申请人", ("申请人", "提交")), ("部门负责人", ("部门",)))


def approval_signatures(record: Any, applicant: Any = None, applied_on: Any = None) -> list[Signature]:
    """One row per step of the record's workflow history, in order, after the 申请人 and 部门负责人 rows
    when no step of the history stands for them."""
    rows = history(db.session, record)
    signed = [Signature(row.step_label or "", row.actor_name or "", row.decision or "", row.comment or "",
                        formatting.day(row.created_at)) for row in rows]
    leading = []
    for role, words in LEADING_SIGNATURES:
        if any(word in (row.step_label or "") for row in rows for word in words):
            continue
        if role == "申请人":
            leading.append(Signature(role, name_of(applicant), date=formatting.day(applied_on)))
        else:
            leading.append(Signature(role))
    return leading + signed


class PurchaseRequestPrint(SchoolPrint):
    route_base = "/print/purchase-request"
    class_permission_name = "PurchaseRequest"
    method_permission_name = {"record": "read"}
    link_label = "打印采购申请单"

    @expose("/<int:pk>")
    @has_access
    def record(self, pk):
        req = self.record_or_404(pk)
        header = fields(req, ["code", "requested_on", "department", "applicant", "fund_source", "budget",
                              "method", "supplier", "status", "reason"], wide=("reason",))
        total = money_total(i.amount for i in req.items)
        return self.sheet("views/print_purchase_request.html", req, title=f"采购申请单 {req.code or ''}".strip(),
                          request_=req, fields=header, items=item_rows(req.items), total=formatting.money(total),
                          total_words=capital_amount(total),
                          signatures=approval_signatures(req, req.applicant, req.requested_on))


class AcceptancePrint(SchoolPrint):
    route_base = "/print/acceptance"
    class_permission_name = "Acceptance"
    method_permission_name = {"record": "read"}
    link_label = "打印验收单"

    @expose("/<int:pk>")
    @has_access
    def record(self, pk):
        acceptance = self.record_or_404(pk)
        req = acceptance.request
        header = [Field("采购申请单号", req.code or ""), Field("申请部门", str(req.department or "")),
                  Field("申请人", name_of(req.applicant)), Field("供应商", str(req.supplier or "")),
                  Field("采购方式", formatting.plain(req.method)), Field("申请日期", formatting.day(req.requested_on))]
        header += fields(acceptance, ["inspector", "accepted_on", "conclusion", "note"], wide=("note",))
        total = money_total(i.amount for i in req.items)
        signatures = [Signature("验收人", name_of(acceptance.inspector), date=formatting.day(acceptance.accepted_on)),
                      Signature("保管员"), Signature("经办人", name_of(req.applicant))]
        return self.sheet("views/print_acceptance.html", acceptance, title=f"验收单 {req.code or ''}".strip(),
                          acceptance=acceptance, fields=header, items=item_rows(req.items),
                          total=formatting.money(total), total_words=capital_amount(total), signatures=signatures)


def asset_label(asset: Any) -> dict:
    url = asset_url(asset.id)
    return {"code": asset.code or "", "name": asset.name or "", "spec": asset.spec or "",
            "department": str(asset.department or ""), "location": str(asset.location or ""),
            "purchased_on": formatting.day(asset.purchased_on), "url": url, "qr": qr_svg(url)}


class AssetLabelPrint(SchoolPrint):
    route_base = "/print/asset-labels"
    class_permission_name = "Asset"
    method_permission_name = {"record": "read", "listed_labels": "read"}
    link_label = "打印标签"
    list_method = "listed_labels"
    list_label = "打印标签"

    def labels(self, assets: list, **kwargs):
        labels = [asset_label(a) for a in assets]
        sheets = [labels[i:i + LABELS_PER_SHEET] for i in range(0, len(labels), LABELS_PER_SHEET)]
        return self.sheet("views/print_asset_labels.html", title="资产标签", sheets=sheets, count=len(labels),
                          **kwargs)

    @expose("/<int:pk>")
    @has_access
    def record(self, pk):
        asset = self.record_or_404(pk)
        return self.labels([asset], back_url=url_for(f"{self.model_view().endpoint}.show", pk=asset.id))

    @expose("/")
    @has_access
    def listed_labels(self):
        total, assets = self.listed(LABELS_MAX)
        notice = None
        if total > LABELS_MAX:
            notice = (f"符合当前筛选条件的资产共 {total} 件，本页只打印前 {LABELS_MAX} 件。"
                      f"请在资产列表中缩小筛选范围后分批打印。")
        elif not assets:
            notice = "没有符合当前筛选条件的资产，请返回资产列表修改筛选条件。"
        query = request.query_string.decode("utf-8", "replace")
        back = url_for(f"{self.model_view().endpoint}.list") + (f"?{query}" if query else "")
        return self.labels(assets, notice=notice, total=total, back_url=back)


PRINTS = [RepairOrderPrint, PurchaseRequestPrint, AcceptancePrint, AssetLabelPrint]
