"""物资仓库: consumables (paper, toner, bulbs, 答题卡), their stock moved only by 出入库记录, and 领用单.

入库 (by hand, or from an accepted purchase's non-fixed lines at 验收入库) → 领用单 (申请 → 审批 → 发放, in
part when stock is short) → 退库 / 报损; a 仓库盘点 corrects the book to the count. 库存数量 is never typed:
each movement adds to or takes from it in the database, in the same transaction, and the database refuses
any write that would take it below zero, whoever races whom.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Index, event, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.declare import (
    Admin,
    Choice,
    Entity,
    Lines,
    Lock,
    Qualify,
    Scope,
    choice,
    computed,
    day,
    decimal,
    guard,
    key,
    long_text,
    money,
    pk,
    quick,
    relation,
    serial,
    text,
)
from app.declare.workflow import Step, Workflow, person, role
from app.meta import clock, formatting

CENT = Decimal("0.01")
ZERO = Decimal("0")
SHORT = "库存不足：该物资的库存已不够这次出库，请刷新页面查看现有库存"


class StockCategory(Choice):
    office = "办公用品"
    printing = "印刷耗材"
    cleaning = "清洁用品"
    electric = "水电材料"
    teaching = "教学用品"
    living = "生活用品"
    other = "其他"


class StockItem(Entity):
    __tablename__ = "stock_item"
    __table_args__ = (Index("ix_stock_item_school_code", "school_id", "code"),  # a school's list in its order
                      guard("on_hand >= 0", "on_hand_not_negative", SHORT))
    __admin__ = Admin(
        "物资",
        menu="物资仓库",
        icon="fa-cube",
        menu_order=10,
        list=["code", "name", "spec", "unit", "category", "on_hand", "safety_stock", "unit_cost", "place", "is_low"],
        search=["code", "name", "spec", "category", "place"],
        form=["name", "spec", "unit", "category", "safety_stock", "place", "remark", "school"],
        show=["code", "name", "spec", "unit", "category", "on_hand", "safety_stock", "unit_cost", "stock_value",
              "place", "is_low", "remark", "school"],
        order=("code", "asc"),
        lookup=["code", "name", "spec"],
        quick_filters=[quick("低于安全库存", where=lambda m: m.on_hand < m.safety_stock,
                             remind=role("财产保管员")),
                       quick("无库存", where=lambda m: m.on_hand <= 0)],
        scope=Scope(unit="school"),  # the school's catalogue: every role that may read it sees all of it
    )
    id = pk()
    code = serial("物资编码", "WZ")
    name = text("品名", 100, required=True, pinyin=True)
    spec = text("规格", 100)
    unit = text("单位", 10, required=True)
    category = choice(StockCategory, "类别", required=True, default=StockCategory.office, index=True)
    safety_stock = decimal("安全库存", min=0, max=10_000_000, default=ZERO,
                           help="库存低于此数时列入「低于安全库存」并在首页提醒")
    place = text("存放位置", 60)
    on_hand = decimal("库存数量", required=True, default=ZERO, help="由出入库记录自动计算，不能手工修改")
    unit_cost = money("单位成本", default=ZERO, help="移动加权平均，入库时自动计算")
    remark = long_text("备注")
    school_id = key("department.id", index=False)  # led by ix_stock_item_school_code
    school = relation("Department", "所属学校", help="区教育局下有多所学校时，记录属于哪一所；学校的人登记时自动为本校")

    def __str__(self) -> str:
        return " ".join(part for part in (self.name, self.spec) if part) or "物资"

    @computed("低于安全库存", fmt="bool")
    def is_low(self) -> bool:
        return Decimal(self.on_hand or 0) < Decimal(self.safety_stock or 0)

    @computed("库存金额", fmt="money")
    def stock_value(self) -> Decimal:
        return (Decimal(self.on_hand or 0) * Decimal(self.unit_cost or 0)).quantize(CENT)

    def validate(self) -> dict[str, str]:
        if self.safety_stock is not None and self.safety_stock < 0:
            return {"safety_stock": "安全库存不能为负数"}
        return {}


class MovementKind(Choice):
    receive = "入库"
    issue = "领用出库"
    give_back = "退库"
    loss = "报损"
    gain = "盘盈"
    shortage = "盘亏"
    repair = "维修领用"


INBOUND = (MovementKind.receive, MovementKind.give_back, MovementKind.gain)
# What 财产保管员 records by hand; 领用 goes through a 领用单, 盘盈/盘亏 through a 仓库盘点, 维修领用 through 完工.
BY_HAND = (MovementKind.receive, MovementKind.give_back, MovementKind.loss)


def stocked_items(item_model, record):
    """Items that hold stock, for what takes stock out."""
    return item_model.on_hand > 0


class StockMovement(Entity):
    __tablename__ = "stock_movement"
    __admin__ = Admin(
        "出入库记录",
        menu="物资仓库",
        icon="fa-exchange",
        menu_order=30,
        list=["code", "moved_on", "item", "kind", "quantity", "unit_price", "amount", "department", "receiver",
              "handler"],
        search=["code", "moved_on", "item", "kind", "department", "receiver", "requisition", "purchase_request"],
        form=["kind", "item", "quantity", "unit_price", "moved_on", "department", "receiver", "remark"],
        show=["code", "moved_on", "item", "kind", "quantity", "unit_price", "amount", "department", "receiver",
              "handler", "requisition", "purchase_request", "repair_order", "stocktake", "remark"],
        order=("id", "desc"),
        quick_filters=[quick("入库", kind=MovementKind.receive), quick("领用出库", kind=MovementKind.issue),
                       quick("退库", kind=MovementKind.give_back), quick("报损", kind=MovementKind.loss)],
        scope=Scope(department="department", owner="receiver"),
        # A movement is a fact of the ledger: corrected by another movement, never changed.
        lock=Lock(field="kind", closed_in=tuple(MovementKind),
                  message="出入库记录「{record}」已记账，不能修改；如有差错请另做退库、报损或入库更正"),
        loads=["item"],
    )
    id = pk()
    code = serial("单号", "KC")
    item_id = key("stock_item.id", required=True)
    item = relation("StockItem", "物资")
    kind = choice(MovementKind, "类型", required=True, default=MovementKind.receive, index=True)
    quantity = decimal("数量", required=True, min=Decimal("0.01"), max=10_000_000)
    unit_price = money("单价", help="入库填写进价；出库不填则按物资的单位成本")
    amount = money("金额", help="数量 × 单价，自动计算")
    moved_on = day("日期", required=True, prefill="today", index=True)
    department_id = key("department.id")
    department = relation("Department", "领用部门")
    receiver_id = key("staff.id")
    receiver = relation("Staff", "领用人/退库人", foreign_keys=[receiver_id])
    handler_id = key("staff.id")
    handler = relation("Staff", "经办人", prefill="current_staff", foreign_keys=[handler_id])
    requisition_id = key("requisition.id")
    requisition = relation("Requisition", "领用单", back_populates="movements")
    purchase_request_id = key("purchase_request.id")
    purchase_request = relation("PurchaseRequest", "来源采购单")
    repair_order_id = key("repair_order.id")
    repair_order = relation("RepairOrder", "报修单")
    stocktake_id = key("stocktake.id")
    stocktake = relation("Stocktake", "盘点")
    remark = text("备注", 200)

    def __str__(self) -> str:
        return f"{self.code or ''} {self.kind or ''} {self.item or ''}".strip()

    @property
    def delta(self) -> Decimal:
        """What this movement adds to (or, negative, takes from) its item's 库存数量."""
        quantity = Decimal(self.quantity or 0)
        return quantity if self.kind in INBOUND else -quantity

    def before_save(self) -> None:
        if self.id is not None or self.item is None:
            return
        if self.unit_price is None or self.kind not in INBOUND:
            self.unit_price = self.item.unit_cost or ZERO  # 出库 carries the item's cost
        if self.quantity is not None:
            self.amount = (Decimal(self.quantity) * Decimal(self.unit_price)).quantize(CENT)
        if self.kind in INBOUND and self.quantity:
            self.item.unit_cost = moving_average(self.item, Decimal(self.quantity), Decimal(self.unit_price))

    def delete_refusal(self) -> str | None:
        return "出入库记录已记账，不能删除；如有差错请另做退库、报损或入库更正"

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.quantity is not None and self.quantity <= 0:
            errors["quantity"] = "数量须大于 0"
        if self.unit_price is not None and self.unit_price < 0:
            errors["unit_price"] = "单价不能为负数"
        made_elsewhere = {MovementKind.gain: self.stocktake, MovementKind.shortage: self.stocktake,
                          MovementKind.repair: self.repair_order}
        if self.id is None and self.kind in made_elsewhere and made_elsewhere[self.kind] is None:
            errors["kind"] = "盘盈、盘亏由仓库盘点结束时生成，维修领用由报修单完工时生成，不能直接登记"
        if self.id is None and self.kind == MovementKind.issue and self.requisition is None:
            if self.department is None and self.receiver is None:
                errors["receiver"] = "领用出库须填写领用部门或领用人"
        if self.id is None and self.item is not None and self.quantity and self.kind not in INBOUND:
            have = Decimal(self.item.on_hand or 0)
            if Decimal(self.quantity) > have:
                errors["quantity"] = short_of(self.item)
        return errors


def moving_average(item: StockItem, quantity: Decimal, price: Decimal) -> Decimal:
    """移动加权平均: (现存 × 成本 + 入库数量 × 进价) ÷ (现存 + 入库数量)."""
    have = max(Decimal(item.on_hand or 0), ZERO)
    total = have + quantity
    if total <= 0:
        return price
    return ((have * Decimal(item.unit_cost or 0) + quantity * price) / total).quantize(CENT)


def short_of(item: StockItem) -> str:
    """What a movement taking more than ``item`` holds is told (its own rule, 发放 and 完工)."""
    return f"库存不足：{item} 现有 {formatting.quantity(item.on_hand or 0)} {item.unit or ''}"


@event.listens_for(StockMovement, "after_insert")
def _move_stock(mapper, connection, movement: StockMovement) -> None:
    """库存数量 follows the ledger in the same statement the database checks (on_hand_not_negative)."""
    table = StockItem.__table__
    now = connection.execute(update(table).where(table.c.id == movement.item_id)
                             .values(on_hand=table.c.on_hand + movement.delta).returning(table.c.on_hand)).scalar()
    if movement.item is not None:
        set_committed_value(movement.item, "on_hand", now)


def book(session, movement: StockMovement) -> StockMovement:
    """Add a movement a step makes (发放, 完工, 验收入库, 盘点结束) with its amount and its number."""
    from app.rules import numbering

    movement.before_save()
    session.add(movement)
    numbering.assign(session, movement)
    return movement


def lock_stock(session, items) -> None:
    """Hold the rows of ``items`` until commit (PostgreSQL), so what a step reads of their stock stays true."""
    ids = sorted({i.id for i in items if i is not None and i.id is not None})
    if ids:
        session.execute(select(StockItem.id).where(StockItem.id.in_(ids)).with_for_update())
        for item in items:
            if item is not None:
                session.refresh(item, ["on_hand"])


class RequisitionStatus(Choice):
    pending = "待审批"
    returned = "退回修改"
    approved = "待发放"
    partial = "部分发放"
    issued = "已发放"
    rejected = "已驳回"
    cancelled = "已取消"


REQUISITION_WORKFLOW = Workflow("status", requester="applicant", started="requested_on", steps=(
    Step("approve", "领用审批", (RequisitionStatus.pending,), RequisitionStatus.approved, role("后勤主任"),
         not_by=("applicant",), reject_to=RequisitionStatus.rejected, return_to=RequisitionStatus.returned,
         style="success"),
    Step("issue", "发放", (RequisitionStatus.approved, RequisitionStatus.partial), RequisitionStatus.issued,
         role("财产保管员"), effect="issue", style="success"),
    Step("resubmit", "修改后重新提交", (RequisitionStatus.returned,), RequisitionStatus.pending, person("applicant")),
    Step("cancel", "取消", (RequisitionStatus.pending, RequisitionStatus.returned), RequisitionStatus.cancelled,
         person("applicant"), optional=True, style="default", confirm="确定取消这张领用单吗？"),
))


class Requisition(Entity):
    __tablename__ = "requisition"
    __admin__ = Admin(
        "领用单",
        menu="物资仓库",
        icon="fa-hand-paper-o",
        menu_order=20,
        list=["code", "requested_on", "department", "applicant", "for_class", "responsible", "purpose", "status"],
        search=["code", "requested_on", "department", "applicant", "for_class", "responsible", "status"],
        form=["department", "applicant", "requested_on", "purpose", "for_class", "responsible"],
        self_form=["purpose", "for_class", "responsible"],
        show=["code", "requested_on", "department", "applicant", "purpose", "for_class", "responsible", "status",
              "issued_total"],
        order=("requested_on", "desc"),
        lookup=["code", "purpose"],
        summary=["department", "applicant", "purpose", "wanted"],
        start="领用物资",
        lines=[Lines("lines", ["item", "quantity"], show=["unit", "issued"])],
        quick_filters=[quick("待审批", status=RequisitionStatus.pending),
                       quick("待发放", status=RequisitionStatus.approved),
                       quick("部分发放", status=RequisitionStatus.partial)],
        scope=Scope(department="department", owner=("applicant", "responsible")),
        lock=Lock(open_in=(RequisitionStatus.pending, RequisitionStatus.returned),
                  message="领用单「{record}」{state}，不能再修改"),
        workflow=REQUISITION_WORKFLOW,
        loads=["lines.item"],
    )
    id = pk()
    code = serial("领用单号", "LY")
    department_id = key("department.id", required=True)
    department = relation("Department", "领用部门", prefill="current_department")
    applicant_id = key("staff.id", required=True)
    applicant = relation("Staff", "申请人", prefill="current_staff", foreign_keys=[applicant_id])
    requested_on = day("申请日期", required=True, prefill="today", index=True)
    purpose = text("用途", 200, required=True)
    for_class = text("使用班级/处室", 50, help="班级用品写明班级，例如「初二（3）班」")
    responsible_id = key("staff.id")
    # 班级或部门用品的保管责任人 (承包): the requisitions naming them are listed on their own page.
    responsible = relation("Staff", "承包责任人", foreign_keys=[responsible_id])
    status = choice(RequisitionStatus, "状态", required=True, default=RequisitionStatus.pending, index=True)
    lines = relation("RequisitionLine", "领用明细", back_populates="requisition",
                     cascade="all, delete-orphan", order_by="RequisitionLine.id")
    movements = relation("StockMovement", "出库记录", back_populates="requisition", viewonly=True)

    def __str__(self) -> str:
        return self.code or "领用单"

    @computed("申领物资")
    def wanted(self) -> str:
        return "、".join(f"{line.item} × {formatting.quantity(line.quantity or 0)}" for line in self.lines if line.item)

    def handed_out(self) -> str:
        return "、".join(f"{line.item} × {formatting.quantity(line.issued)}{line.unit()}"
                        for line in self.lines if line.item and line.issued)

    @computed("已发放金额", fmt="money")
    def issued_total(self) -> Decimal:
        return sum((Decimal(m.amount or 0) for m in self.movements), Decimal("0.00"))

    def before_save(self) -> None:
        if self.status is None:
            self.status = RequisitionStatus.pending

    def validate(self) -> dict[str, str]:
        if not self.lines:
            return {"lines": "请至少填写一行领用物资"}
        chosen = [line.item_id or id(line.item) for line in self.lines if line.item is not None]
        if len(chosen) != len(set(chosen)):
            return {"lines": "同一物资请只填一行"}
        return {}

    def issue(self, session) -> None:
        """发放: each line gets what remains wanted, as far as the store holds it; what the store lacks stays
        awaiting (部分发放) and is issued by the next 发放 once stock arrives."""
        from models.repairs import acting_staff

        lock_stock(session, [line.item for line in self.lines])
        handler = acting_staff(session)
        given = False
        for line in self.lines:
            give = min(line.remaining(), Decimal(line.item.on_hand or 0)) if line.item is not None else ZERO
            if give <= 0:
                continue
            movement = StockMovement(
                item=line.item, kind=MovementKind.issue, quantity=give, moved_on=clock.today(), requisition=self,
                department=self.department, receiver=self.responsible or self.applicant, handler=handler,
                remark=f"领用单 {self.code}" + (f"（{self.for_class}）" if self.for_class else ""))
            book(session, movement)
            line.issued = Decimal(line.issued or 0) + give
            given = True
        if not given:
            from app.rules.write import Refused

            raise Refused("未发放：所领物资目前都没有库存，请入库后再发放", {"lines": "所领物资目前都没有库存"})
        if any(line.remaining() > 0 for line in self.lines):
            self.status = RequisitionStatus.partial


class RequisitionLine(Entity):
    __tablename__ = "requisition_line"
    __admin__ = Admin(
        "领用明细",
        menu="物资仓库",
        icon="fa-list",
        menu_order=40,
        list=["requisition", "item", "quantity", "issued"],
        search=["requisition", "item"],
        form=["requisition", "item", "quantity"],
        order=("id", "desc"),
        scope=Scope(department="requisition.department", owner=("requisition.applicant", "requisition.responsible")),
        loads=["item"],
    )
    id = pk()
    requisition_id = key("requisition.id", required=True)
    requisition = relation("Requisition", "领用单", back_populates="lines")
    item_id = key("stock_item.id")
    item = relation("StockItem", "物资", qualify=Qualify(stocked_items, "请选择有库存的物资"))
    quantity = decimal("数量", min=Decimal("0.01"), max=1_000_000)
    issued = decimal("已发放", help="发放时自动记录")

    def __str__(self) -> str:
        return f"{self.item or ''} × {formatting.quantity(self.quantity or 0)}"

    @computed("单位")
    def unit(self) -> str:
        return self.item.unit if self.item is not None else ""

    def remaining(self) -> Decimal:
        return max(Decimal(self.quantity or 0) - Decimal(self.issued or 0), ZERO)

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.item is None and self.item_id is None:
            errors["item"] = "请选择物资"
        if self.quantity is None:
            errors["quantity"] = "请填写数量"
        elif self.quantity <= 0:
            errors["quantity"] = "数量须大于 0"
        return errors
