"""水电管理: households, their water and electricity meters, monthly readings, and the monthly report for 财务.

A reading takes its 上次读数 from the meter's last earlier reading, computes 用量 and 金额, refuses a value
below the last one unless the meter was replaced (换表), and flags (never refuses) a usage above three
times the meter's average of its earlier readings.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import UniqueConstraint, func, select
from sqlalchemy.orm import object_session, selectinload

from app.declare import (
    Admin,
    Choice,
    Entity,
    Import,
    Scope,
    choice,
    day,
    decimal,
    flag,
    key,
    money,
    pk,
    quick,
    relation,
    text,
)
from app.meta import clock, prefill

MENU = "水电管理"
CENT = Decimal("0.01")
ABNORMAL_FACTOR = 3  # usage above 3 × the meter's average is flagged
ABNORMAL_MIN_HISTORY = 3  # … once the meter has at least this many earlier readings
MONTH_FORMAT = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_MONTH_LOOSE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")


def _session(obj=None):
    session = object_session(obj) if obj is not None else None
    if session is None:
        from app.extensions import db

        session = db.session
    return session


def normalize_month(value: str | None) -> str | None:
    """'2026-3', '2026/03', '2026年3月' → '2026-03'; anything else is returned unchanged (and refused)."""
    if value is None:
        return None
    found = _MONTH_LOOSE.match(value)
    if found and 1 <= int(found.group(2)) <= 12:
        return f"{found.group(1)}-{int(found.group(2)):02d}"
    return value.strip()


def month_cell(value):
    """A 月份 cell of an imported sheet: Excel turns "2026-03" into a date; text as normalize_month reads it."""
    if isinstance(value, date):
        return value.strftime("%Y-%m")
    return normalize_month(str(value))


@prefill.register("this_month")
def this_month() -> str:
    return clock.today().strftime("%Y-%m")


class HouseholdType(Choice):
    teacher_home = "教师住宅"
    dormitory = "学生宿舍"
    canteen = "食堂"
    shop = "商店"
    office = "办公"


class MeterType(Choice):
    water = "水"
    electricity = "电"


UNIT_OF = {MeterType.water: "吨", MeterType.electricity: "度"}


class PaymentStatus(Choice):
    unpaid = "未缴"
    paid = "已缴"
    payroll = "代扣"


class Household(Entity):
    __tablename__ = "household"
    __admin__ = Admin(
        "用户",
        menu=MENU,
        icon="fa-home",
        menu_order=10,
        list=["name", "kind", "location", "resident", "payroll_deduction", "department"],
        search=["name", "kind", "location", "resident", "payroll_deduction", "department"],
        form=["name", "kind", "location", "resident", "payroll_deduction", "department", "remark"],
        order=("name", "asc"),
        lookup=["name", "location"],
        quick_filters=[
            quick("教师住宅", kind=HouseholdType.teacher_home),
            quick("学生宿舍", kind=HouseholdType.dormitory),
            quick("食堂", kind=HouseholdType.canteen),
            quick("商店", kind=HouseholdType.shop),
            quick("工资代扣", payroll_deduction=True),
        ],
        scope=Scope(department="department", owner="resident"),
    )
    id = pk()
    name = text("户名", 60, required=True, index=True, pinyin=True)
    kind = choice(HouseholdType, "类型", required=True, default=HouseholdType.teacher_home)
    location = text("地点", 100)
    resident_id = key("staff.id")
    resident = relation("Staff", "住户教职工", foreign_keys=[resident_id])
    payroll_deduction = flag("工资代扣", help="水电费从住户教职工工资中代扣")
    department_id = key("department.id")
    department = relation("Department", "管理部门", prefill="current_department", foreign_keys=[department_id])
    remark = text("备注", 200)
    meters = relation("Meter", "表具", back_populates="household")

    def __str__(self) -> str:
        return self.name or ""

    def validate(self) -> dict[str, str]:
        if self.payroll_deduction and self.resident is None:
            return {"resident": "工资代扣须指定住户教职工"}
        return {}


class Meter(Entity):
    __tablename__ = "meter"
    __admin__ = Admin(
        "表具",
        menu=MENU,
        icon="fa-tachometer",
        menu_order=20,
        list=["meter_no", "household", "kind", "unit_price", "location"],
        search=["meter_no", "household", "kind", "location"],
        form=["household", "kind", "meter_no", "unit_price", "location"],
        order=("meter_no", "asc"),
        lookup=["household.name", "household.location", "meter_no", "kind", "location"],
        quick_filters=[quick("水表", kind=MeterType.water), quick("电表", kind=MeterType.electricity)],
        scope=Scope(department="household.department", owner="household.resident"),
    )
    id = pk()
    household_id = key("household.id", required=True)
    household = relation("Household", "用户", back_populates="meters", lazy="joined")
    kind = choice(MeterType, "类型", required=True, default=MeterType.electricity)
    meter_no = text("表号", 40, required=True, unique=True)
    unit_price = decimal("单价", 4, required=True, help="水：元/吨；电：元/度")
    location = text("安装位置", 100)

    def __str__(self) -> str:
        kind = self.kind.value if self.kind else ""
        return f"{self.household or ''} {kind}表 {self.meter_no or ''}".strip()

    @property
    def unit(self) -> str:
        return UNIT_OF.get(self.kind, "")

    def validate(self) -> dict[str, str]:
        if self.unit_price is not None and self.unit_price <= 0:
            return {"unit_price": "单价须大于 0"}
        return {}


class MeterReading(Entity):
    __tablename__ = "meter_reading"
    __table_args__ = (UniqueConstraint("meter_id", "month"),)
    __admin__ = Admin(
        "抄表记录",
        menu=MENU,
        icon="fa-pencil-square-o",
        menu_order=30,
        list=["meter", "month", "previous", "current", "usage", "amount", "abnormal",
              "replaced", "reader", "read_on", "payment_status"],
        search=["meter", "month", "reader", "read_on", "payment_status", "abnormal", "replaced"],
        form=["meter", "month", "previous", "current", "replaced", "reader", "read_on", "payment_status",
              "remark"],
        order=("month", "desc"),
        quick_filters=[
            quick("本月", where=lambda m: m.month == this_month()),
            quick("用量异常", abnormal=True),
            quick("未缴", payment_status=PaymentStatus.unpaid),
            quick("换表", replaced=True),
        ],
        scope=Scope(department="meter.household.department", owner="meter.household.resident"),
        # Rows are written one by one: 上次读数 comes from the meter's previous month, also within the file.
        imports=Import(match=("meter", "month"), one_by_one=True, clean={"month": month_cell},
                       columns=["meter.meter_no", "month", "previous", "current", "replaced", "reader", "read_on",
                                "payment_status", "remark"]),
        loads=["meter"],
    )
    id = pk()
    meter_id = key("meter.id", required=True)
    meter = relation("Meter", "表具")
    month = text("月份", 7, required=True, index=True, prefill="this_month", help="年-月，例：2026-03")
    previous = decimal("上次读数", 2, help="留空则自动取该表上一次的读数，首次抄表为 0")
    current = decimal("本次读数", 2, required=True)
    replaced = flag("是否换表", help="换表后本次读数即为新表读数，用量 = 本次读数")
    usage = decimal("用量", 2, help="本次读数 − 上次读数；换表时为本次读数")
    amount = money("金额", help="用量 × 单价")
    abnormal = flag("用量异常", help="用量超过该表以往平均用量的 3 倍，请核实")
    reader_id = key("staff.id")
    reader = relation("Staff", "抄表人", prefill="current_staff")
    read_on = day("抄表日期", required=True, prefill="today")
    payment_status = choice(PaymentStatus, "缴费状态", required=True, default=PaymentStatus.unpaid, index=True)
    remark = text("备注", 200)

    def __str__(self) -> str:
        return f"{self.meter} {self.month or ''}"

    def _earlier(self):
        """Statement for this meter's readings of months before this one (this record excluded)."""
        stmt = select(MeterReading).where(MeterReading.meter_id == self.meter.id, MeterReading.month < self.month)
        if self.id is not None:
            stmt = stmt.where(MeterReading.id != self.id)
        return stmt

    def last_reading(self) -> "MeterReading | None":
        if self.meter is None or self.meter.id is None or not self.month:
            return None
        session = _session(self)
        with session.no_autoflush:
            return session.scalars(self._earlier().order_by(MeterReading.month.desc()).limit(1)).first()

    def average_usage(self) -> tuple[int, Decimal | None]:
        """(number of earlier readings, their average usage)."""
        if self.meter is None or self.meter.id is None or not self.month:
            return 0, None
        session = _session(self)
        stmt = self._earlier().with_only_columns(func.count(MeterReading.id), func.avg(MeterReading.usage))
        with session.no_autoflush:
            count, average = session.execute(stmt).one()
        return count or 0, (Decimal(str(average)) if average is not None else None)

    def before_save(self) -> None:
        self.month = normalize_month(self.month)
        valid_month = bool(self.month and MONTH_FORMAT.match(self.month))
        if self.previous is None and valid_month:
            last = self.last_reading()
            self.previous = Decimal(last.current) if last is not None else Decimal("0")
        if self.current is not None:
            current = Decimal(self.current)
            self.usage = current if self.replaced else current - Decimal(self.previous or 0)
            if self.meter is not None and self.meter.unit_price is not None:
                self.amount = (self.usage * Decimal(self.meter.unit_price)).quantize(CENT, ROUND_HALF_UP)
        self.abnormal = False
        if self.usage is not None and valid_month:
            count, average = self.average_usage()
            self.abnormal = count >= ABNORMAL_MIN_HISTORY and average is not None \
                and self.usage > ABNORMAL_FACTOR * average
        if self.id is None and self.payment_status in (None, PaymentStatus.unpaid) \
                and self.meter is not None and self.meter.household is not None \
                and self.meter.household.payroll_deduction:
            self.payment_status = PaymentStatus.payroll

    def validate(self) -> dict[str, str]:
        errors = {}
        if not self.month or not MONTH_FORMAT.match(self.month):
            errors["month"] = "月份格式应为 年-月，例如 2026-03"
        elif self.meter is not None and self.meter.id is not None:
            session = _session(self)
            stmt = select(MeterReading).where(MeterReading.meter_id == self.meter.id,
                                              MeterReading.month == self.month)
            if self.id is not None:
                stmt = stmt.where(MeterReading.id != self.id)
            with session.no_autoflush:
                existing = session.scalars(stmt.limit(1)).first()
            if existing is not None:
                errors["month"] = (f"{self.meter} 的 {self.month} 读数已录入（本次读数 {existing.current}，"
                                   f"{existing.read_on or ''} 由{existing.reader or '—'}抄表），请修改原记录，不要重复录入")
        if self.current is not None and self.current < 0:
            errors["current"] = "读数不能为负数"
        elif self.previous is not None and self.previous < 0:
            errors["previous"] = "读数不能为负数"
        elif self.current is not None and self.previous is not None and not self.replaced \
                and Decimal(self.current) < Decimal(self.previous):
            errors["current"] = (f"本次读数 {self.current} 小于上次读数 {self.previous}；"
                                 "如已换表，请勾选「是否换表」")
        return errors


REPORT_COLUMNS = [
    ("household", "户名"), ("household_type", "类型"), ("location", "地点"), ("resident", "住户教职工"),
    ("payroll_deduction", "工资代扣"), ("meter_type", "表具类型"), ("meter_no", "表号"), ("unit", "单位"),
    ("unit_price", "单价"), ("previous", "上次读数"), ("current", "本次读数"), ("replaced", "是否换表"),
    ("usage", "用量"), ("amount", "金额"), ("payment_status", "缴费状态"), ("abnormal", "用量异常"),
]


def monthly_report(session, month: str) -> list[dict]:
    """月度水电报表: one row per meter read in ``month`` (kind "meter"), a subtotal after each household
    (kind "household"), and one grand total at the end (kind "total"); households by name.

    Meter rows carry the keys of ``REPORT_COLUMNS`` (labels for the page and the Excel header).
    Subtotal and total rows carry ``water_usage`` (吨), ``electricity_usage`` (度) and ``amount``
    (元); the total also counts ``households`` and ``meters``. Water and electricity usage are never
    added together (different units).
    """
    month = normalize_month(month)
    rows = session.execute(
        select(MeterReading, Meter, Household)
        .join(Meter, MeterReading.meter_id == Meter.id)
        .join(Household, Meter.household_id == Household.id)
        .where(MeterReading.month == month)
        .options(selectinload(Household.resident))  # one statement for the residents, not one per household
        .order_by(Household.name, Household.id, Meter.kind, Meter.meter_no)
    ).all()
    zero = Decimal("0")
    report: list[dict] = []
    grand = {"kind": "total", "household": "合计", "water_usage": zero, "electricity_usage": zero,
             "amount": zero, "households": 0, "meters": 0}
    subtotal = None
    for reading, meter, household in rows:
        if subtotal is None or subtotal["household_id"] != household.id:
            if subtotal is not None:
                report.append(subtotal)
            subtotal = {"kind": "household", "household_id": household.id, "household": f"{household.name} 小计",
                        "water_usage": zero, "electricity_usage": zero, "amount": zero}
            grand["households"] += 1
        usage = Decimal(reading.usage or 0)
        amount = Decimal(reading.amount or 0)
        report.append({
            "kind": "meter",
            "household_id": household.id,
            "household": household.name,
            "household_type": household.kind.value if household.kind else "",
            "location": household.location or "",
            "resident": str(household.resident) if household.resident else "",
            "payroll_deduction": bool(household.payroll_deduction),
            "meter_id": meter.id,
            "meter_type": meter.kind.value if meter.kind else "",
            "meter_no": meter.meter_no,
            "unit": meter.unit,
            "unit_price": meter.unit_price,
            "previous": reading.previous,
            "current": reading.current,
            "replaced": bool(reading.replaced),
            "usage": usage,
            "amount": amount,
            "payment_status": reading.payment_status.value if reading.payment_status else "",
            "abnormal": bool(reading.abnormal),
        })
        key_ = "water_usage" if meter.kind == MeterType.water else "electricity_usage"
        subtotal[key_] += usage
        subtotal["amount"] += amount
        grand[key_] += usage
        grand["amount"] += amount
        grand["meters"] += 1
    if subtotal is not None:
        report.append(subtotal)
    report.append(grand)
    return report

