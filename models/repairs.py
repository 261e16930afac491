"""报修: repair orders and their workflow, the materials used, and requests to move the promised deadline.

报修 → 受理/派工 → 接单 → 维修 → 完工 → 报修人验收 → 评价. Target: finished the same day; otherwise the
promised deadline; urgent jobs within 24 hours. An order past its deadline and still open is 逾期.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from flask import has_request_context
from flask_appbuilder.security.sqla.models import Role, User
from sqlalchemy import Index, and_, func, or_, select
from sqlalchemy.orm import object_session

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
    decimal,
    flag,
    key,
    long_text,
    moment,
    money,
    photo,
    pk,
    quick,
    relation,
    serial,
    stars,
    telephone,
    text,
)
from app.declare.workflow import Step, Workflow, person, role
from app.meta import clock
from models.assets import AssetDamage, AssetStatus, DamageCause
from models.store import short_of, stocked_items

CENT = Decimal("0.01")
URGENT_WITHIN = timedelta(hours=24)
END_OF_DAY = time(23, 59)


class RepairCategory(Choice):
    water = "水"
    electric = "电"
    carpentry = "木工"
    door_window = "门窗"
    network = "网络"
    equipment = "设备"
    other = "其他"


class Urgency(Choice):
    normal = "一般"
    urgent = "紧急"


class DamageOrigin(Choice):
    natural = "自然"
    human = "人为"


class RepairStatus(Choice):
    pending = "待受理"
    dispatched = "已派工"
    repairing = "维修中"
    waiting_parts = "挂起待料"
    to_check = "待验收"
    done = "已完成"
    rejected = "已驳回"
    cancelled = "已取消"


# Still to be done by someone in logistics: these can run late. 待验收 is finished (完工时间 says when);
# 已完成, 已驳回 and 已取消 are closed.
OPEN = (RepairStatus.pending, RepairStatus.dispatched, RepairStatus.repairing, RepairStatus.waiting_parts)
CLOSED = (RepairStatus.done, RepairStatus.rejected, RepairStatus.cancelled)


def default_promise(reported_at: datetime, urgency: Urgency | None) -> datetime:
    """Same day by 23:59; an urgent job within 24 hours of being reported."""
    if urgency == Urgency.urgent:
        return reported_at + URGENT_WITHIN
    return datetime.combine(reported_at.date(), END_OF_DAY)


def acting_staff(session):
    """The staff record of the user taking a workflow step (None outside a request, or with no staff record)."""
    from flask_login import current_user

    from models.org import Staff

    if not has_request_context() or not current_user.is_authenticated:
        return None
    return session.query(Staff).filter(Staff.user_id == current_user.id).one_or_none()


REPAIR_ROLES = ("维修工", "水电工")
COMPLAINT_STARS = 2  # a rating of at most this many stars with a written 评价 counts as 被投诉 (考核)


def finished_on_time(model):
    """Finished no later than the promised time (the SQL twin of ``not finished_late()``)."""
    return and_(model.finished_at.isnot(None), or_(model.promised_at.is_(None), model.finished_at <= model.promised_at))


def finished_late(model):
    """Finished after the promised time (the SQL twin of ``RepairOrder.finished_late``)."""
    return and_(model.finished_at.isnot(None), model.promised_at.isnot(None), model.finished_at > model.promised_at)


def complained(model):
    """Rated 1–2 stars with a written 评价: until the school has a complaint box, this is a complaint upheld."""
    return and_(model.rating <= COMPLAINT_STARS, func.length(func.trim(func.coalesce(model.feedback, ""))) > 0)


def _repair_workers(staff_model, order):
    """Who may be sent to do a repair: staff on duty whose login holds a repair role."""
    return and_(staff_model.on_duty.is_(True),
                staff_model.user.has(User.roles.any(Role.name.in_(REPAIR_ROLES))))


def _checkers(staff_model, order):
    """Who may sign off a repair: its reporter, or someone of the reporter's department."""
    reporter = order.reporter
    if reporter is None:
        return None
    return or_(staff_model.id == reporter.id, staff_model.department_id == reporter.department_id)


REPAIR_WORKFLOW = Workflow("status", [
    Step("dispatch", "受理派工", (RepairStatus.pending,), RepairStatus.dispatched, role("后勤主任"),
         fields=("worker", "promised_at"), required=("worker",), effect="on_dispatched"),
    Step("reject", "驳回", (RepairStatus.pending,), RepairStatus.rejected, role("后勤主任"),
         comment="驳回理由", style="danger", optional=True, confirm="确定驳回这张报修单吗？报修人会看到驳回理由。"),
    Step("accept", "接单", (RepairStatus.dispatched,), RepairStatus.repairing, person("worker"),
         effect="on_accepted"),
    Step("suspend", "挂起待料", (RepairStatus.repairing,), RepairStatus.waiting_parts, person("worker"),
         comment=True, style="warning", optional=True),
    Step("resume", "恢复维修", (RepairStatus.waiting_parts,), RepairStatus.repairing, person("worker")),
    Step("finish", "完工", (RepairStatus.repairing,), RepairStatus.to_check, person("worker"),
         fields=("work_record", "damage_cause"), required=("work_record",), effect="on_finished",
         style="success"),
    Step("check", "验收", (RepairStatus.to_check,), RepairStatus.done, person("reporter"),
         effect="on_checked", style="success"),
    # Not repaired to the reporter's satisfaction: back to the worker, with what is still wrong (返修).
    Step("rework", "返修", (RepairStatus.to_check,), RepairStatus.repairing, person("reporter"),
         comment="返修原因", style="warning", optional=True),
    Step("rate", "评价", (RepairStatus.done,), RepairStatus.done, person("reporter"),
         fields=("rating", "feedback"), required=("rating",), when=lambda order: order.rating is None,
         optional=True),
    Step("cancel", "取消", (RepairStatus.pending,), RepairStatus.cancelled, person("reporter"),
         style="default", optional=True, confirm="确定取消这张报修单吗？取消后不再安排维修。"),
], requester="reporter", started="reported_at")


class RepairOrder(Entity):
    __tablename__ = "repair_order"
    __table_args__ = (
        Index("ix_repair_order_status_promised_at", "status", "promised_at"),
        # the list's order and its tie-break: a page far down the list walks this index (app/fab/datamodel.py)
        Index("ix_repair_order_reported_at_id", "reported_at", "id"),
    )
    __admin__ = Admin(
        "报修单",
        menu="维修管理",
        icon="fa-wrench",
        menu_order=10,
        list=["code", "title", "category", "urgency", "place", "reporter", "worker",
              "reported_at", "promised_at", "status", "is_overdue"],
        search=["code", "title", "category", "urgency", "place", "reporter", "department", "worker",
                "reported_at", "finished_at", "status"],
        form=["title", "category", "urgency", "place", "location", "asset", "description",
              "reporter", "department", "phone", "reported_at", "photo", "check_result"],
        self_form=["title", "category", "urgency", "place", "location", "asset", "description", "phone", "photo",
                   "check_result"],
        show=["code", "title", "category", "urgency", "place", "location", "asset", "description",
              "reporter", "department", "phone", "reported_at", "photo", "check_result",
              "dispatcher", "worker", "dispatched_at", "accepted_at", "promised_at", "finished_at",
              "work_record", "damage_cause", "material_total", "checker", "checked_at", "rating", "feedback",
              "status", "is_overdue"],
        order=("reported_at", "desc"),
        lookup=["code", "title", "place"],
        summary=["place", "urgency", "reporter", "department", "promised_at", "worker"],
        overdue=lambda order: order.is_overdue(),
        urgent=lambda order: order.urgency == Urgency.urgent,
        start="我要报修",
        lines=[Lines("materials", ["item", "name", "unit", "quantity", "unit_price"], show=["amount"], min_rows=0,
                     steps=("finish",))],
        workflow=REPAIR_WORKFLOW,
        quick_filters=[
            quick("待受理", status=RepairStatus.pending),
            quick("已派工", status=RepairStatus.dispatched),
            quick("维修中", status=RepairStatus.repairing),
            quick("挂起待料", status=RepairStatus.waiting_parts),
            quick("待验收", status=RepairStatus.to_check),
            quick("逾期", where=lambda m: and_(m.status.in_(OPEN), m.promised_at < clock.now()),
                  remind=role("后勤主任")),  # told once a day while it stays overdue (消息通知)
            # 考核事实 (models/assessment_facts.py) count by these and link to them.
            quick("按时完工", where=lambda m: finished_on_time(m)),
            quick("超时完工", where=lambda m: finished_late(m)),
            quick("已评分", where=lambda m: m.rating.isnot(None)),
            quick("差评投诉", where=lambda m: complained(m)),
        ],
        scope=Scope(department="department", owner=("reporter", "worker")),
        lock=Lock(closed_in=CLOSED, message="报修单「{record}」{state}，不能再修改"),
    )
    id = pk()
    code = serial("报修单号", "BX")
    title = text("标题", 100, required=True)
    description = long_text("故障描述", required=True)
    category = choice(RepairCategory, "故障类别", required=True, default=RepairCategory.other)
    urgency = choice(Urgency, "紧急程度", required=True, default=Urgency.normal)
    place = text("地点", 100, help="如：教学楼 302 教室；也可在下方选择房间")
    location_id = key("location.id")
    location = relation("Location", "房间/场所")
    asset_id = key("asset.id")
    asset = relation("Asset", "相关资产")
    reporter_id = key("staff.id", required=True)
    reporter = relation("Staff", "报修人", prefill="current_staff", foreign_keys=[reporter_id])
    department_id = key("department.id", required=True)
    department = relation("Department", "报修部门", prefill="current_department")
    phone = telephone("联系电话")
    reported_at = moment("报修时间", required=True, prefill="now", index=True)
    photo = photo("照片")
    check_result_id = key("check_result.id")
    check_result = relation("CheckResult", "来源检查")
    dispatcher_id = key("staff.id")
    dispatcher = relation("Staff", "派工人", foreign_keys=[dispatcher_id])
    worker_id = key("staff.id")
    worker = relation("Staff", "维修人", foreign_keys=[worker_id],
                      qualify=Qualify(_repair_workers, "维修人须为在岗的维修工或水电工"))
    dispatched_at = moment("派工时间")
    accepted_at = moment("接单时间")
    promised_at = moment("承诺完成时间", help="不填则为报修当天 23:59；紧急报修为报修后 24 小时")
    finished_at = moment("完工时间")
    work_record = long_text("维修记录")
    damage_cause = choice(DamageOrigin, "损坏原因")
    checker_id = key("staff.id")
    checker = relation("Staff", "验收人", foreign_keys=[checker_id],
                       qualify=Qualify(_checkers, "验收人须为报修人本人或报修部门的人员"))
    checked_at = moment("验收时间")
    rating = stars("评分", help="1–5 星")
    feedback = long_text("评价")
    status = choice(RepairStatus, "状态", required=True, default=RepairStatus.pending, index=True)
    materials = relation("RepairMaterial", "维修耗材", back_populates="order",
                         cascade="all, delete-orphan", order_by="RepairMaterial.id")
    delays = relation("RepairDelay", "延期申请", back_populates="order", order_by="RepairDelay.id")

    def __str__(self) -> str:
        return f"{self.code or '报修'} {self.title or ''}".strip()

    # ------------------------------------------------------------------ derived
    @computed("是否逾期", fmt="bool")
    def is_overdue(self) -> bool:
        """Past the promised time and still open. Never stored: an order becomes overdue by the clock alone."""
        return bool(self.status in OPEN and self.promised_at is not None and self.promised_at < clock.now())

    @computed("超时完工", fmt="bool")
    def finished_late(self) -> bool:
        """Finished after the promised time (for 考核: repairs finished late)."""
        return bool(self.finished_at and self.promised_at and self.finished_at > self.promised_at)

    @computed("耗材合计", fmt="money")
    def material_total(self) -> Decimal:
        return sum((Decimal(m.amount or 0) for m in self.materials), Decimal("0.00"))

    def before_save(self) -> None:
        if self.status is None:
            self.status = RepairStatus.pending
        if self.urgency is None:
            self.urgency = Urgency.normal
        if self.reported_at is None:
            self.reported_at = clock.now().replace(second=0)
        if self.promised_at is None:
            self.promised_at = default_promise(self.reported_at, self.urgency)
        if not (self.place or "").strip() and self.location is not None:
            self.place = str(self.location)
        if not self.phone and self.reporter is not None and self.reporter.phone:
            self.phone = self.reporter.phone
        for material in self.materials:
            material.compute()
        self.asset_follows()

    def asset_follows(self) -> None:
        """An open repair shows its asset 维修中; once repaired (or closed) the asset is 在用 again, unless
        another repair of it is still open."""
        asset = self.asset
        if asset is None:
            return
        if self.status in OPEN and asset.status in (AssetStatus.in_use, AssetStatus.idle):
            asset.status = AssetStatus.repairing
        elif self.status not in OPEN and asset.status == AssetStatus.repairing:
            session = object_session(self) or object_session(asset)
            others = 0
            if session is not None and asset.id is not None:
                with session.no_autoflush:
                    others = session.scalar(select(func.count(RepairOrder.id)).where(
                        RepairOrder.asset_id == asset.id, RepairOrder.status.in_(OPEN),
                        RepairOrder.id != (self.id or -1)))
            if not others:
                asset.status = AssetStatus.in_use

    def validate(self) -> dict[str, str]:
        errors = {}
        if not (self.place or "").strip() and self.location is None and self.location_id is None:
            errors["place"] = "请填写地点或选择房间/场所"
        if self.rating is not None and not (1 <= self.rating <= 5):
            errors["rating"] = "评分须为 1 到 5 分"
        if self.reported_at is not None:
            if self.promised_at is not None and self.promised_at < self.reported_at:
                errors["promised_at"] = "承诺完成时间不能早于报修时间"
            if self.finished_at is not None and self.finished_at < self.reported_at:
                errors["finished_at"] = "完工时间不能早于报修时间"
        if self.checked_at is not None and self.finished_at is not None and self.checked_at < self.finished_at:
            errors["checked_at"] = "验收时间不能早于完工时间"
        return errors

    # ------------------------------------------------------------------ workflow effects
    def on_dispatched(self, session, actor=None) -> None:
        self.dispatcher = actor or acting_staff(session) or self.dispatcher
        self.dispatched_at = clock.now()

    def on_accepted(self, session, actor=None) -> None:
        self.accepted_at = clock.now()

    def on_finished(self, session, actor=None) -> AssetDamage | None:
        """完工: the time, and — for 人为 damage to a known asset — an AssetDamage record (先维修后赔偿)."""
        now = clock.now()
        self.finished_at = now
        self.draw_materials(session)
        if self.damage_cause != DamageOrigin.human or self.asset is None:
            return None
        liable = self.reporter.name if self.reporter is not None and self.reporter.name else "待查"
        damage = AssetDamage(
            asset=self.asset, damaged_on=now.date(), cause=DamageCause.human, liable=liable,
            compensation=Decimal("0"), settled=False,
            remark=f"报修单 {self.code or ''}「{self.title or ''}」维修中发现人为损坏，责任人待核实。",
        )
        session.add(damage)
        return damage

    def draw_materials(self, session) -> None:
        """耗材 chosen from the store leave it at 完工 (维修领用), at the store's cost; each line once."""
        from app.rules.write import Refused
        from models.store import MovementKind, StockMovement, book, lock_stock, short_of

        drawn = [m for m in self.materials if m.item is not None and not m.drawn]
        lock_stock(session, [m.item for m in drawn])
        short = {f"materials-{self.materials.index(m)}-quantity":
                 short_of(m.item)
                 for m in drawn if Decimal(m.quantity or 0) > Decimal(m.item.on_hand or 0)}
        if short:
            raise Refused("未办理：有的耗材仓库库存不足", short)
        for material in drawn:
            material.unit_price = material.item.unit_cost or Decimal("0")
            material.compute()
            movement = StockMovement(item=material.item, kind=MovementKind.repair, quantity=material.quantity,
                                     moved_on=clock.today(), repair_order=self, department=self.department,
                                     receiver=self.worker, handler=self.worker, remark=f"报修单 {self.code or ''}")
            book(session, movement)
            material.drawn = True

    def on_checked(self, session, actor=None) -> None:
        self.checker = actor or acting_staff(session) or self.reporter
        self.checked_at = clock.now()


class RepairMaterial(Entity):
    __tablename__ = "repair_material"
    __admin__ = Admin(
        "维修耗材",
        menu="维修管理",
        icon="fa-cubes",
        menu_order=20,
        list=["order", "name", "unit", "quantity", "unit_price", "amount"],
        search=["order", "name"],
        form=["order", "name", "unit", "quantity", "unit_price"],
        order=("id", "desc"),
        lookup=["name"],
        scope=Scope(department="order.department", owner=("order.worker", "order.reporter")),
    )
    id = pk()
    order_id = key("repair_order.id", required=True)
    order = relation("RepairOrder", "报修单", back_populates="materials")
    # No column defaults on line columns: an extra row left untouched on the form must stay blank to be dropped.
    item = relation("StockItem", "仓库物资", qualify=Qualify(stocked_items, "请选择仓库里有库存的物资"))
    item_id = key("stock_item.id")
    name = text("名称", 100, help="选了仓库物资可不填")
    unit = text("单位", 10)
    quantity = decimal("数量", 2, required=True)
    unit_price = money("单价", help="仓库物资按仓库的单位成本")
    amount = money("金额", help="数量 × 单价，自动计算")
    drawn = flag("已从仓库领用", default=False)

    def __str__(self) -> str:
        return self.name or ""

    def compute(self) -> None:
        if self.item is not None:
            self.name = self.name or self.item.name
            self.unit = self.unit or self.item.unit
            if not self.drawn:
                self.unit_price = self.item.unit_cost or Decimal("0")
        if self.quantity is not None and self.unit_price is not None:
            self.amount = (Decimal(self.quantity) * Decimal(self.unit_price)).quantize(CENT)

    def before_save(self) -> None:
        self.compute()

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.item is None and self.item_id is None:
            for name, label in (("name", "名称"), ("unit", "单位"), ("unit_price", "单价")):
                if getattr(self, name) in (None, ""):
                    errors[name] = f"请填写{label}，或选择仓库物资"
        if self.quantity is not None and self.quantity <= 0:
            errors["quantity"] = "数量须大于 0"
        elif self.item is not None and not self.drawn and self.quantity is not None \
                and Decimal(self.quantity) > Decimal(self.item.on_hand or 0):
            errors["quantity"] = short_of(self.item)
        if self.unit_price is not None and self.unit_price < 0:
            errors["unit_price"] = "单价不能为负数"
        return errors


class DelayStatus(Choice):
    pending = "待审批"
    approved = "已批准"
    rejected = "已驳回"
    returned = "退回修改"


# The worker asks, 后勤主任 approves, the order's promised time moves on approval (RepairDelay.apply).
DELAY_WORKFLOW = Workflow("status", requester="applicant", steps=(
    Step("approve", "延期审批", (DelayStatus.pending,), DelayStatus.approved, role("后勤主任"),
         not_by=("applicant",), reject_to=DelayStatus.rejected, return_to=DelayStatus.returned,
         effect="apply", style="success"),
    Step("resubmit", "修改后重新提交", (DelayStatus.returned,), DelayStatus.pending, person("applicant")),
))
OPEN_DELAY = (DelayStatus.pending, DelayStatus.returned)


class RepairDelay(Entity):
    __tablename__ = "repair_delay"
    __admin__ = Admin(
        "延期申请",
        menu="维修管理",
        icon="fa-clock-o",
        menu_order=30,
        list=["order", "applicant", "old_promised_at", "new_promised_at", "status"],
        search=["order", "applicant", "status"],
        form=["order", "applicant", "new_promised_at", "reason"],
        show=["order", "applicant", "old_promised_at", "new_promised_at", "reason", "status"],
        order=("id", "desc"),
        quick_filters=[quick("待审批", status=DelayStatus.pending)],
        summary=["order", "applicant", "old_promised_at", "new_promised_at", "reason"],
        scope=Scope(department="order.department", owner="applicant"),
        lock=Lock(open_in=OPEN_DELAY, message="该延期申请{state}，不能再修改"),
        workflow=DELAY_WORKFLOW,
        loads=["order"],
    )
    id = pk()
    order_id = key("repair_order.id", required=True)
    order = relation("RepairOrder", "报修单", back_populates="delays")
    applicant_id = key("staff.id", required=True)
    applicant = relation("Staff", "申请人", prefill="current_staff")
    old_promised_at = moment("原承诺时间")
    new_promised_at = moment("新承诺时间", required=True)
    reason = long_text("原因", required=True)
    status = choice(DelayStatus, "状态", required=True, default=DelayStatus.pending, index=True)

    def __str__(self) -> str:
        return f"{self.order} 延期"

    def before_save(self) -> None:
        if self.status is None:
            self.status = DelayStatus.pending
        if self.order is not None and self.status in OPEN_DELAY:
            # While pending it shows the promise it would replace; once decided it stays as it was.
            self.old_promised_at = self.order.promised_at

    def validate(self) -> dict[str, str]:
        errors = {}
        order = self.order
        if order is None or (self.status or DelayStatus.pending) not in OPEN_DELAY:
            return errors  # once decided, the order's time has moved on; nothing left to check
        if order.status in CLOSED or order.status == RepairStatus.to_check:
            errors["order"] = f"该报修单已「{order.status.value}」，不能再申请延期"
        elif any(d is not self and (self.id is None or d.id != self.id)
                 and (d.status or DelayStatus.pending) in OPEN_DELAY for d in order.delays):
            errors["order"] = "该报修单已有一条待审批的延期申请"
        current = order.promised_at
        if self.new_promised_at is not None and current is not None and self.new_promised_at <= current:
            errors["new_promised_at"] = f"新承诺时间须晚于当前承诺完成时间（{current:%Y-%m-%d %H:%M}）"
        return errors

    def apply(self, session) -> None:
        """Approval effect: the order's promised time becomes the new one."""
        if self.order is not None and self.new_promised_at is not None:
            self.order.promised_at = self.new_promised_at
