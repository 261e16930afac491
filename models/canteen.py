"""师生食堂: the daily purchase ledger (食堂进货台账) and the food samples kept 48 hours (留样记录).

One 进货单 per delivery: 日期, 供应商, 验收人, a photo of the delivery note, and its lines (品名, 规格, 单位, 数量,
单价, 金额 = 数量 × 单价, 类别); the 合计 is the sum of its lines. The canteen's department enters its own records
(data scope: department); the day's lines are posted for every member of staff on 食堂公示
(views/canteen_board.py). The daily food-safety checks (晨检, 餐具消毒, 五防) are 检查计划 of kind 食品安全
(models/routines.py); 留样 is a record of its own because of its rule: a sample is kept at least 48 hours after
it was taken, and destroying it earlier is refused.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import UniqueConstraint, and_, func, select
from sqlalchemy.orm import object_session

from app.declare import (
    Admin,
    Choice,
    Entity,
    Lines,
    Scope,
    choice,
    computed,
    day,
    decimal,
    integer,
    key,
    long_text,
    moment,
    money,
    photo,
    pk,
    quick,
    relation,
    serial,
    text,
)
from app.meta import clock

MENU = "食堂管理"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
KEEP_HOURS = 48  # 留样 is kept at least 48 hours
MIN_GRAMS = 125  # each dish at least 125 g


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def _later_than_now(moment_: datetime | None) -> bool:
    return moment_ is not None and moment_ > clock.now().replace(second=59, microsecond=999999)


class FoodCategory(Choice):
    vegetable = "蔬菜"
    meat = "肉禽蛋"
    seafood = "水产"
    grain = "粮油"
    soy = "豆制品"
    seasoning = "调料"
    fruit = "水果"
    other = "其他"


class Meal(Choice):
    breakfast = "早餐"
    lunch = "午餐"
    dinner = "晚餐"


class CanteenDelivery(Entity):
    __tablename__ = "canteen_delivery"
    __admin__ = Admin(
        "食堂进货",
        menu=MENU,
        icon="fa-truck",
        menu_order=10,
        list=["code", "delivered_on", "supplier", "receiver", "total", "department"],
        search=["code", "delivered_on", "supplier", "receiver", "department"],
        form=["delivered_on", "supplier", "receiver", "department", "note_photo", "remark"],
        self_form=["delivered_on", "supplier", "receiver", "note_photo", "remark"],
        show=["code", "delivered_on", "supplier", "receiver", "department", "total", "note_photo", "remark"],
        order=("delivered_on", "desc"),
        lookup=["code"],
        summary=["delivered_on", "supplier", "total"],
        start="登记进货",
        lines=[Lines("lines", ["name", "spec", "unit", "quantity", "unit_price", "category"], show=["amount"])],
        quick_filters=[
            quick("今日", where=lambda m: m.delivered_on == clock.today()),
            quick("本月", where=lambda m: m.delivered_on >= clock.today().replace(day=1)),
        ],
        scope=Scope(department="department", owner="receiver"),
    )
    id = pk()
    code = serial("进货单号", "JH")
    delivered_on = day("进货日期", required=True, prefill="today", index=True)
    supplier_id = key("supplier.id", required=True)
    supplier = relation("Supplier", "供应商")
    receiver_id = key("staff.id", required=True)
    receiver = relation("Staff", "验收人", prefill="current_staff")
    department_id = key("department.id", required=True)
    department = relation("Department", "部门", prefill="current_department")
    note_photo = photo("送货单照片", help="拍下供应商的送货单（有签字的一联）")
    remark = long_text("备注")
    total = money("合计金额", help="各行金额之和，自动计算")
    lines = relation("CanteenDeliveryLine", "进货明细", back_populates="delivery", cascade="all, delete-orphan",
                     order_by="CanteenDeliveryLine.id")

    def __str__(self) -> str:
        return self.code or f"进货单（{self.supplier or ''}）"

    def refresh_total(self) -> None:
        for line in self.lines:
            line.compute()
        self.total = sum((_money(line.amount) for line in self.lines), ZERO)

    def before_save(self) -> None:
        self.refresh_total()

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.delivered_on is not None and self.delivered_on > clock.today():
            errors["delivered_on"] = "进货日期不能晚于今天"
        if not self.lines:
            errors["lines"] = "请至少填写一行进货明细"
        return errors


class CanteenDeliveryLine(Entity):
    __tablename__ = "canteen_delivery_line"
    __admin__ = Admin(
        "进货明细",
        menu=MENU,
        icon="fa-list-ul",
        menu_order=20,
        list=["delivery", "name", "spec", "unit", "quantity", "unit_price", "amount", "category"],
        search=["delivery", "name", "category"],
        form=["delivery", "name", "spec", "unit", "quantity", "unit_price", "category"],
        order=("id", "desc"),
        lookup=["name", "spec"],
        quick_filters=[quick(c.value, category=c) for c in (FoodCategory.vegetable, FoodCategory.meat,
                                                              FoodCategory.grain)],
        scope=Scope(department="delivery.department", owner="delivery.receiver"),
    )
    id = pk()
    delivery_id = key("canteen_delivery.id", required=True)
    delivery = relation("CanteenDelivery", "进货单", back_populates="lines")
    # No column defaults on line columns: an extra row left untouched on the form must stay blank to be dropped.
    name = text("品名", 100, required=True)
    spec = text("规格", 100)
    unit = text("单位", 10, required=True)
    quantity = decimal("数量", 2, required=True, max=1_000_000)
    unit_price = money("单价", required=True, max=1_000_000)
    amount = money("金额", help="数量 × 单价，自动计算")
    category = choice(FoodCategory, "类别", required=True)

    def __str__(self) -> str:
        return f"{self.name or ''} {self.spec or ''}".strip()

    def compute(self) -> None:
        """金额 = 数量 × 单价."""
        if self.quantity is not None and self.unit_price is not None:
            self.amount = (Decimal(self.quantity) * Decimal(self.unit_price)).quantize(CENT)

    def before_save(self) -> None:
        self.compute()
        if self.delivery is not None:  # a line saved on its own keeps its delivery's total right
            self.delivery.refresh_total()

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.quantity is not None and self.quantity <= 0:
            errors["quantity"] = "数量须大于 0"
        if self.unit_price is not None and self.unit_price <= 0:
            errors["unit_price"] = "单价须大于 0"
        return errors


def _kept_too_short(model):
    """Not destroyed yet and taken less than 48 hours ago."""
    return and_(model.destroyed_at.is_(None), model.sampled_at > clock.now() - timedelta(hours=KEEP_HOURS))


def _may_destroy(model):
    return and_(model.destroyed_at.is_(None), model.sampled_at <= clock.now() - timedelta(hours=KEEP_HOURS))


class FoodSample(Entity):
    __tablename__ = "food_sample"
    __table_args__ = (UniqueConstraint("department_id", "sampled_on", "meal"),)
    __admin__ = Admin(
        "留样记录",
        menu=MENU,
        icon="fa-flask",
        menu_order=30,
        list=["sampled_on", "meal", "dishes", "grams", "sampled_at", "sampler", "keep_until", "destroyed_at",
              "destroyer"],
        search=["sampled_on", "meal", "dishes", "sampler", "destroyer", "department"],
        form=["sampled_on", "meal", "dishes", "grams", "sampled_at", "sampler", "department", "destroyed_at",
              "destroyer", "remark"],
        self_form=["sampled_on", "meal", "dishes", "grams", "sampled_at", "sampler", "destroyed_at", "destroyer",
                   "remark"],
        show=["sampled_on", "meal", "dishes", "grams", "sampled_at", "sampler", "department", "keep_until",
              "destroyed_at", "destroyer", "remark"],
        order=("sampled_at", "desc"),
        lookup=["dishes"],
        summary=["sampled_on", "meal", "keep_until"],
        start="登记留样",
        quick_filters=[
            quick("今日", where=lambda m: m.sampled_on == clock.today()),
            quick("未满48小时", where=_kept_too_short),
            quick("可销毁", where=_may_destroy),
        ],
        scope=Scope(department="department", owner=("sampler", "destroyer")),
    )
    id = pk()
    sampled_on = day("日期", required=True, prefill="today", index=True)
    meal = choice(Meal, "餐次", required=True)
    dishes = text("菜品", 200, required=True, help="本餐次留样的菜品，用顿号隔开，例：红烧肉、清炒油麦菜、米饭")
    grams = integer("每样留样量（克）", required=True, min=MIN_GRAMS, max=10_000, default=MIN_GRAMS,
                    help=f"每个菜品留样不少于 {MIN_GRAMS} 克")
    sampled_at = moment("留样时间", required=True, prefill="now", index=True)
    sampler_id = key("staff.id", required=True)
    sampler = relation("Staff", "留样人", prefill="current_staff", foreign_keys=[sampler_id])
    department_id = key("department.id", required=True)
    department = relation("Department", "部门", prefill="current_department")
    destroyed_at = moment("销毁时间", help=f"留样须冷藏保存满 {KEEP_HOURS} 小时后才能销毁")
    destroyer_id = key("staff.id")
    destroyer = relation("Staff", "销毁人", foreign_keys=[destroyer_id])
    remark = long_text("备注")

    def __str__(self) -> str:
        meal = self.meal.value if self.meal else ""
        return f"{self.sampled_on or ''} {meal}留样".strip()

    @computed("最早销毁时间", fmt="datetime")
    def keep_until(self) -> datetime | None:
        """留样时间 + 48 小时: not destroyed before."""
        return self.sampled_at + timedelta(hours=KEEP_HOURS) if self.sampled_at is not None else None

    def duplicate(self) -> bool:
        """Another record of the same department, day and meal (one 留样 per meal)."""
        from app.extensions import db

        session = object_session(self) or db.session
        department_id = self.department_id or (self.department.id if self.department is not None else None)
        if session is None or None in (department_id, self.sampled_on, self.meal):
            return False
        with session.no_autoflush:
            return bool(session.scalar(select(func.count(FoodSample.id)).where(
                FoodSample.department_id == department_id, FoodSample.sampled_on == self.sampled_on,
                FoodSample.meal == self.meal, FoodSample.id != (self.id or 0))))

    def validate(self) -> dict[str, str]:
        errors = {}
        today = clock.today()
        if self.sampled_on is not None and self.sampled_on > today:
            errors["sampled_on"] = "留样日期不能晚于今天"
        if _later_than_now(self.sampled_at):
            errors["sampled_at"] = "留样时间不能晚于现在"
        elif self.sampled_at is not None and isinstance(self.sampled_on, date) \
                and self.sampled_at.date() != self.sampled_on:
            errors["sampled_at"] = "留样时间应在留样日期当天"
        if self.duplicate():
            errors["meal"] = f"{self.sampled_on:%Y-%m-%d} 的{self.meal.value}已有留样记录"
        if self.grams is not None and self.grams < MIN_GRAMS:
            errors["grams"] = f"每个菜品留样不少于 {MIN_GRAMS} 克"
        if self.destroyed_at is not None:
            if _later_than_now(self.destroyed_at):
                errors["destroyed_at"] = "销毁时间不能晚于现在"
            elif self.sampled_at is not None and self.destroyed_at < self.keep_until():
                errors["destroyed_at"] = (f"留样须保存满 {KEEP_HOURS} 小时，最早可于 "
                                          f"{self.keep_until():%Y-%m-%d %H:%M} 销毁")
            if self.destroyer is None and self.destroyer_id is None:
                errors["destroyer"] = "请填写销毁人"
        elif self.destroyer is not None or self.destroyer_id is not None:
            errors["destroyed_at"] = "填写了销毁人，请同时填写销毁时间"
        return errors
