"""盘点: a count of the asset cards (by department, place, category or the whole school; 期初/期中/期末 spot
checks and the yearly full count) or of the store's items (仓库盘点).

Starting one writes a line per card (or item) the book expects, with its 账面地点 (or 账面数量); the count marks
lines found room by room (views/stocktake_scan.py), adds 盘盈 lines for what the book does not expect, and is
submitted by 财产保管员. Only when 后勤主任 approves do the results apply: 盘亏 cards read 盘亏, misplaced
cards move by an 调拨 row, found cards get their 上次盘点日期, store differences become movements. Closed
counts and their lines are locked.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import UniqueConstraint, or_, select

from app.declare import (
    Admin,
    Choice,
    Entity,
    Lines,
    Lock,
    Scope,
    choice,
    computed,
    day,
    decimal,
    flag,
    key,
    moment,
    pk,
    quick,
    relation,
    text,
)
from app.declare.workflow import Step, Workflow, role
from app.meta import clock
from models.assets import Asset, AssetCategory, AssetStatus, AssetTransfer


class StocktakeStatus(Choice):
    open = "进行中"
    submitted = "待审核"
    closed = "已完成"


class StocktakeKind(Choice):
    term_start = "期初抽查"
    term_middle = "期中抽查"
    term_end = "期末抽查"
    yearly = "年度全面盘点"
    store = "仓库盘点"


class StocktakeResult(Choice):
    normal = "正常"
    misplaced = "位置不符"
    missing = "盘亏"
    surplus = "盘盈"


# Cards a count expects to find: what is neither written off nor already missing.
COUNTED = (AssetStatus.in_use, AssetStatus.idle, AssetStatus.on_loan, AssetStatus.repairing)

# 财产保管员 counts and submits; 后勤主任 approves, and only then do the cards change (apply_results).
STOCKTAKE_WORKFLOW = Workflow("status", requester="handler", started="started_on", steps=(
    Step("submit", "提交审核", (StocktakeStatus.open,), StocktakeStatus.submitted, role("财产保管员"),
         confirm="提交后不能再扫码或修改盘点明细，确定提交审核吗？"),
    Step("approve", "审核盘点结果", (StocktakeStatus.submitted,), StocktakeStatus.closed, role("后勤主任"),
         return_to=StocktakeStatus.open, effect="apply_results", style="success"),
))


class Stocktake(Entity):
    __tablename__ = "stocktake"
    __admin__ = Admin(
        "盘点",
        menu="校产管理",
        icon="fa-check-square-o",
        menu_order=80,
        list=["name", "kind", "department", "location", "category", "started_on", "progress", "status"],
        search=["name", "kind", "department", "location", "category", "started_on", "status"],
        form=["name", "kind", "department", "location", "category", "started_on", "handler"],
        show=["name", "kind", "department", "location", "category", "started_on", "ended_on", "handler",
              "progress", "tally", "status"],
        order=("started_on", "desc"),
        quick_filters=[quick("进行中", status=StocktakeStatus.open), quick("待审核", status=StocktakeStatus.submitted)],
        scope=Scope(department="department", owner="handler"),
        lines=[Lines("lines", ["asset", "item", "book_location", "actual_location", "book_quantity",
                               "counted_quantity", "result", "remark"], entered=False)],
        lock=Lock(open_in=(StocktakeStatus.open,), message="盘点「{record}」{state}，不能再修改"),
        workflow=STOCKTAKE_WORKFLOW,
        summary=["kind", "department", "location", "progress"],
        start="开始盘点",
    )
    id = pk()
    name = text("名称", 60, required=True)
    kind = choice(StocktakeKind, "盘点类型", required=True, default=StocktakeKind.term_start)
    department_id = key("department.id")
    department = relation("Department", "盘点部门")
    location_id = key("location.id")
    location = relation("Location", "盘点地点")
    category_id = key("asset_category.id")
    category = relation("AssetCategory", "资产分类")
    started_on = day("开始日期", required=True, prefill="today")
    ended_on = day("结束日期")
    handler_id = key("staff.id")
    handler = relation("Staff", "盘点人", prefill="current_staff")
    status = choice(StocktakeStatus, "状态", required=True, default=StocktakeStatus.open, index=True)
    lines = relation("StocktakeLine", "盘点明细", back_populates="stocktake",
                     cascade="all, delete-orphan", order_by="StocktakeLine.id")

    def __str__(self) -> str:
        return self.name or "盘点"

    @property
    def is_store(self) -> bool:
        return self.kind == StocktakeKind.store

    @computed("进度")
    def progress(self) -> str:
        expected = [line for line in self.lines if line.expected]
        done = sum(1 for line in expected if line.counted())
        return f"已盘 {done} / 应盘 {len(expected)}"

    @computed("结果")
    def tally(self) -> str:
        counts: dict[str, int] = {}
        for line in self.lines:
            shown = line.outcome()
            name = str(getattr(shown, "value", shown))
            counts[name] = counts.get(name, 0) + 1
        order = [r.value for r in StocktakeResult] + ["未盘"]
        return "，".join(f"{name} {counts[name]}" for name in order if counts.get(name))

    def expected_lines(self, session) -> list:
        """One line per card (or, for 仓库盘点, per stocked item) the scope expects, with its book place or
        quantity: the 账面 the count is compared with."""
        if self.is_store:
            from models.store import StockItem

            items = session.scalars(select(StockItem).order_by(StockItem.place, StockItem.code)).all()
            return [StocktakeLine(item=i, book_quantity=i.on_hand, expected=True) for i in items]
        where = [Asset.status.in_(COUNTED)]
        if self.department is not None:
            where.append(Asset.department_id == self.department.id)
        if self.location is not None:
            where.append(Asset.location_id == self.location.id)
        if self.category is not None:
            where.append(or_(Asset.category_id == self.category.id,
                             Asset.category.has(AssetCategory.parent_id == self.category.id)))
        assets = session.scalars(select(Asset).where(*where).order_by(Asset.location_id, Asset.code)).all()
        return [StocktakeLine(asset=a, book_location=a.location, expected=True) for a in assets]

    def before_save(self) -> None:
        if self.id is None and not self.lines:
            from app.extensions import db

            with db.session.no_autoflush:
                self.lines = self.expected_lines(db.session)

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            errors["ended_on"] = "结束日期不能早于开始日期"
        if self.is_store and (self.department or self.location or self.category):
            errors["kind"] = "仓库盘点清点的是物资仓库的全部物资，不选部门、地点或资产分类"
        if self.id is None and not self.lines:
            errors["department"] = "所选范围内没有需要盘点的资产，请调整盘点部门、地点或分类"
        return errors

    def apply_results(self, session) -> None:
        """Approved: 盘亏 cards read 盘亏, misplaced cards move where they were found (an 调拨 row), every found
        card's 上次盘点日期 is set; for 仓库盘点 each difference becomes a 盘盈 or 盘亏 movement of the store."""
        self.ended_on = self.ended_on or clock.today()
        for line in self.lines:
            line.result = line.outcome(final=True)
            if self.is_store:
                self._correct_store(session, line)
                continue
            asset = line.asset
            if asset is None or not line.expected:
                continue  # 盘盈 stays for review
            if line.result == StocktakeResult.missing:
                asset.status = AssetStatus.missing
                continue
            asset.last_stocktake_on = self.ended_on
            if line.result == StocktakeResult.misplaced:
                transfer = AssetTransfer(asset=asset, to_department=asset.department, to_keeper=asset.keeper,
                                         to_location=line.actual_location, transferred_on=self.ended_on,
                                         reason=f"盘点「{self.name}」发现实际存放于{line.actual_location}，按实际地点更正")
                transfer.before_save()
                session.add(transfer)

    def _correct_store(self, session, line) -> None:
        from models.store import MovementKind, StockMovement, book

        if line.item is None or line.counted_quantity is None:
            return
        difference = Decimal(line.counted_quantity) - Decimal(line.book_quantity or 0)
        if not difference:
            return
        movement = StockMovement(item=line.item, kind=MovementKind.gain if difference > 0 else MovementKind.shortage,
                                 quantity=abs(difference), moved_on=self.ended_on, stocktake=self,
                                 remark=f"盘点「{self.name}」账实差异")
        book(session, movement)


class StocktakeLine(Entity):
    __tablename__ = "stocktake_line"
    __table_args__ = (UniqueConstraint("stocktake_id", "asset_id"),)
    __admin__ = Admin(
        "盘点明细",
        menu="校产管理",
        icon="fa-list",
        menu_order=90,
        list=["stocktake", "asset", "item", "book_location", "actual_location", "counted_quantity", "result",
              "checked_at"],
        search=["stocktake", "asset", "item", "book_location", "found", "result"],
        form=["stocktake", "asset", "book_location", "found", "actual_location", "remark"],
        order=("id", "desc"),
        quick_filters=[
            quick("盘亏", result=StocktakeResult.missing),
            quick("位置不符", result=StocktakeResult.misplaced),
            quick("盘盈", result=StocktakeResult.surplus),
        ],
        scope=Scope(department="stocktake.department", owner="stocktake.handler"),
        loads=["stocktake", "asset", "item"],
    )
    id = pk()
    stocktake_id = key("stocktake.id", required=True)
    stocktake = relation("Stocktake", "盘点", back_populates="lines")
    asset_id = key("asset.id")
    asset = relation("Asset", "资产")
    item_id = key("stock_item.id")
    item = relation("StockItem", "物资")
    expected = flag("账面应有", default=False)
    book_location_id = key("location.id")
    book_location = relation("Location", "账面地点", foreign_keys=[book_location_id])
    book_quantity = decimal("账面数量")
    found = flag("是否找到")
    actual_location_id = key("location.id")
    actual_location = relation("Location", "实际地点", foreign_keys=[actual_location_id])
    counted_quantity = decimal("实盘数量", min=0, max=10_000_000)
    checked_at = moment("盘点时间")
    result = choice(StocktakeResult, "结果")
    remark = text("备注", 200)

    def __str__(self) -> str:
        return f"{self.stocktake or ''} / {self.asset or self.item or self.remark or '（账外）'}"

    def counted(self) -> bool:
        return bool(self.found) or self.counted_quantity is not None

    def outcome(self, final: bool = False):
        """正常 / 位置不符 / 盘盈 once counted; 盘亏 when not found by the close (before it: "未盘")."""
        final = final or (self.stocktake is not None and self.stocktake.status not in (None, StocktakeStatus.open))
        if self.item is not None or self.book_quantity is not None:
            if self.counted_quantity is None:
                return "未盘" if not final else StocktakeResult.normal  # an item not counted keeps its book
            difference = Decimal(self.counted_quantity) - Decimal(self.book_quantity or 0)
            return (StocktakeResult.normal if not difference
                    else StocktakeResult.surplus if difference > 0 else StocktakeResult.missing)
        if not self.expected:
            return StocktakeResult.surplus
        if not self.found:
            return StocktakeResult.missing if final else "未盘"
        if self.actual_location is not None and self.book_location is not None \
                and self.actual_location != self.book_location:
            return StocktakeResult.misplaced
        return StocktakeResult.normal

    def before_save(self) -> None:
        shown = self.outcome()
        self.result = shown if isinstance(shown, StocktakeResult) else None
        if self.counted() and self.checked_at is None:
            self.checked_at = clock.now().replace(microsecond=0)
        elif not self.counted():
            self.checked_at = None

    def validate(self) -> dict[str, str]:
        if self.counted_quantity is not None and self.counted_quantity < 0:
            return {"counted_quantity": "实盘数量不能为负数"}
        return {}
