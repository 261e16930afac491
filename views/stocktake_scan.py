"""扫码盘点: a stocktake counted room by room on a phone, from its detail page.

The rooms page shows found / expected per room; a room's page takes scans — the phone camera reading an asset
label's QR code (app/static/vendor/jsqr), a USB scanner or a typed 资产编号 — or a tap on an asset of the room's
list. Each scan is one ``StocktakeLine`` written through the one write path (``write.save``): the stocktake's
lock (only 进行中 may be counted), the line's references within the user's scope, its rules, the audit row.
An asset of this count found in another room is 位置不符 with the room it was found in; a code that names no
asset the user may reach, or an asset outside the count, is 盘盈 for review. A 仓库盘点 lists the store's
items with their 实盘数量 instead, saved together (``write.save_all``).
"""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_wtf import FlaskForm

from app.extensions import db
from app.features.prints import PrintPage
from app.meta import formatting
from app.rules import read, write
from models.assets import Asset, Location
from models.stocktake import Stocktake, StocktakeLine, StocktakeResult, StocktakeStatus

from .base import TEMPLATES

NOWHERE = 0  # the "room" of cards with no 存放地点 on the book
SHOW_URL = re.compile(r"/show/(\d+)/?(?:[?#].*)?$")  # an asset label's QR code: the address of its page


class ScanForm(FlaskForm):
    """Carries only the CSRF token."""


@dataclass
class Room:
    id: int
    name: str
    expected: int = 0
    found: int = 0
    lines: list = field(default_factory=list)  # expected here
    extra: list = field(default_factory=list)  # found here, expected elsewhere or not at all

    @property
    def done(self) -> bool:
        return self.expected > 0 and self.found >= self.expected


def rooms_of(stocktake: Stocktake) -> "OrderedDict[int, Room]":
    """The rooms of the count in order, each with its expected lines and the lines found in it."""
    rooms: OrderedDict[int, Room] = OrderedDict()

    def room(location) -> Room:
        key = location.id if location is not None else NOWHERE
        if key not in rooms:
            rooms[key] = Room(key, str(location) if location is not None else "未登记地点")
        return rooms[key]

    for line in sorted(stocktake.lines, key=lambda l: (str(l.book_location or "~"), l.id or 0)):
        if line.expected:
            home = room(line.book_location)
            home.expected += 1
            home.lines.append(line)
            if line.found:
                home.found += 1
    for line in stocktake.lines:
        if line.found and (not line.expected or line.actual_location != line.book_location):
            room(line.actual_location).extra.append(line)
    return rooms


def progress(stocktake: Stocktake) -> dict:
    expected = [l for l in stocktake.lines if l.expected]
    return {"found": sum(1 for l in expected if l.found), "expected": len(expected),
            "surplus": sum(1 for l in stocktake.lines if not l.expected)}


def line_state(line: StocktakeLine) -> str:
    shown = line.outcome()
    return str(getattr(shown, "value", shown))


class StocktakeScanView(PrintPage):
    route_base = "/stocktake-scan"
    class_permission_name = "Stocktake"
    method_permission_name = {"record": "read", "room": "read", "scan": "edit", "tap": "edit", "count": "edit"}
    template_folder = TEMPLATES
    link_label = "扫码盘点"
    link_icon = "fa-qrcode"
    new_window = False

    def _stocktake(self, pk: int) -> Stocktake:
        return self.record_or_404(pk)

    def _may_count(self, stocktake: Stocktake) -> bool:
        return (stocktake.status == StocktakeStatus.open
                and self.appbuilder.sm.has_access("can_edit", "StocktakeLine"))

    @expose("/<int:pk>")
    @has_access
    def record(self, pk):
        stocktake = self._stocktake(pk)
        back = url_for(f"{self.model_view().endpoint}.show", pk=pk)
        if stocktake.is_store:
            return self._count_page(stocktake)
        return self.render("views/stocktake_rooms.html", title=f"盘点：{stocktake}", stocktake=stocktake,
                           rooms=list(rooms_of(stocktake).values()), progress=progress(stocktake), back_url=back)

    @expose("/<int:pk>/room/<int:room_id>")
    @has_access
    def room(self, pk, room_id):
        stocktake = self._stocktake(pk)
        here = rooms_of(stocktake).get(room_id)
        if here is None:
            abort(404)
        return self.render("views/stocktake_room.html", title=here.name, stocktake=stocktake, room=here,
                           progress=progress(stocktake), may_count=self._may_count(stocktake), form=ScanForm(),
                           state=line_state, day=formatting.day)

    def _count_page(self, stocktake: Stocktake, typed: dict | None = None, errors: dict | None = None):
        lines = sorted((l for l in stocktake.lines if l.item is not None), key=lambda l: (l.item.place or "", l.id))
        typed = typed or {l.id: formatting.quantity(l.counted_quantity) for l in lines if l.counted_quantity is not None}
        return self.render("views/stocktake_count.html", title=f"盘点：{stocktake}", stocktake=stocktake,
                           lines=lines, may_count=self._may_count(stocktake), form=ScanForm(), typed=typed,
                           errors=errors or {}, number=formatting.quantity,
                           back_url=url_for(f"{self.model_view().endpoint}.show", pk=stocktake.id))

    # ------------------------------------------------------------------ counting
    def _answer(self, stocktake: Stocktake, room_id: int, message: str, level: str, line: StocktakeLine | None = None):
        if request.accept_mimetypes.best == "application/json":
            here = rooms_of(stocktake).get(room_id)
            body = {"ok": level != "danger", "message": message, "level": level, "progress": progress(stocktake),
                    "room": {"found": here.found, "expected": here.expected} if here else None}
            if line is not None:
                body["line"] = {"id": line.id, "label": str(line.asset or line.remark or "账外物品"),
                                "state": line_state(line), "found": bool(line.found),
                                "book": str(line.book_location or "")}
            return jsonify(body), (200 if level != "danger" else 400)
        flash(message, level)
        return redirect(url_for(".room", pk=stocktake.id, room_id=room_id))

    def _posted(self, pk: int):
        stocktake = self._stocktake(pk)
        room_id = request.form.get("room", type=int)
        if room_id is None or room_id < 0:
            abort(400)
        location = read.one(db.session, Location, room_id) if room_id != NOWHERE else None
        if room_id != NOWHERE and location is None:
            abort(404)
        if not ScanForm().validate_on_submit():
            return stocktake, room_id, location, "页面已过期，请刷新后再扫"
        if not self._may_count(stocktake):
            return stocktake, room_id, location, f"盘点「{stocktake}」{stocktake.status.value}，不能再扫码"
        return stocktake, room_id, location, None

    def _save(self, stocktake, room_id, line: StocktakeLine, message: str):
        try:
            write.save(db.session, line)
        except write.Refused as refused:
            problem = "；".join(dict.fromkeys(refused.errors.values())) or refused.message
            db.session.rollback()
            return self._answer(stocktake, room_id, problem, "danger")
        odd = line.result in (StocktakeResult.misplaced, StocktakeResult.surplus)
        return self._answer(stocktake, room_id, message, "warning" if odd else "success", line)

    @expose("/<int:pk>/scan", methods=["POST"])
    @has_access
    def scan(self, pk):
        stocktake, room_id, location, problem = self._posted(pk)
        if problem:
            return self._answer(stocktake, room_id, problem, "danger")
        code = (request.form.get("code") or "").strip()[:200]
        if not code:
            return self._answer(stocktake, room_id, "请扫描资产标签或输入资产编号", "danger")
        asset = self._asset(code)
        line = next((l for l in stocktake.lines if asset is not None and l.asset_id == asset.id), None)
        if line is None:
            line = StocktakeLine(stocktake=stocktake, asset=asset, expected=False,
                                 book_location=asset.location if asset is not None else None,
                                 remark=None if asset is not None else f"编码 {code}（账外或不在您的范围内）")
        elif line.found and line.actual_location_id == (location.id if location else None):
            return self._answer(stocktake, room_id, f"{line.asset} 已盘点过", "info", line)
        line.found = True
        line.actual_location = location
        line.checked_at = None
        return self._save(stocktake, room_id, line, self._said(line, asset, location))

    @staticmethod
    def _said(line: StocktakeLine, asset, location) -> str:
        line.before_save()
        if asset is None:
            return f"盘盈：{line.remark}，已记录待核实"
        if not line.expected:
            return f"盘盈：{asset} 不在本次盘点范围内，已记录待核实"
        if line.outcome() == StocktakeResult.misplaced:
            return f"位置不符：{asset} 账面在 {line.book_location}，已记为在{location or '未登记地点'}找到"
        return f"找到：{asset}"

    def _asset(self, code: str) -> Asset | None:
        """The asset a scan names — its label's QR code (its page's address) or its 资产编号 — within scope."""
        matched = SHOW_URL.search(code)
        if matched:
            return read.one(db.session, Asset, int(matched.group(1)))
        return db.session.scalars(read.select(Asset, Asset.code == code)).first()

    @expose("/<int:pk>/tap/<int:line_id>", methods=["POST"])
    @has_access
    def tap(self, pk, line_id):
        """A tap on an asset of the room's list: found here; a second tap takes it back."""
        stocktake, room_id, location, problem = self._posted(pk)
        if problem:
            return self._answer(stocktake, room_id, problem, "danger")
        line = next((l for l in stocktake.lines if l.id == line_id), None)
        if line is None:
            abort(404)
        if line.found:
            line.found, line.actual_location = False, None
            return self._save(stocktake, room_id, line, f"已撤销：{line.asset or line.remark}")
        line.found, line.actual_location = True, location
        return self._save(stocktake, room_id, line, self._said(line, line.asset, location))

    @expose("/<int:pk>/count", methods=["POST"])
    @has_access
    def count(self, pk):
        """仓库盘点: every 实盘数量 typed, saved together."""
        stocktake = self._stocktake(pk)
        back = redirect(url_for(".record", pk=pk))
        if not ScanForm().validate_on_submit() or not self._may_count(stocktake):
            flash("未保存：页面已过期，或该盘点已不能修改", "danger")
            return back
        changed, typed, errors = [], {}, {}
        for line in stocktake.lines:
            raw = (request.form.get(f"counted-{line.id}") or "").strip()[:30]
            if not raw:
                continue
            typed[line.id] = raw
            try:
                value = Decimal(raw)
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite() or value < 0 or value > 10_000_000:
                errors[line.id] = "请填写不小于 0 的数字"
                continue
            line.counted_quantity = value
            changed.append(line)
        if errors:
            db.session.rollback()
            flash("未保存：有的实盘数量不是有效的数字，见标红的行", "danger")
            return self._count_page(self._stocktake(pk), typed, errors)
        try:
            write.save_all(db.session, changed)
        except write.Refused as refused:
            flash("；".join(dict.fromkeys(refused.errors.values())) or refused.message, "danger")
            return back
        flash(f"已保存 {len(changed)} 种物资的实盘数量", "success")
        return back

