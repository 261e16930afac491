"""The home page figures of the school's logistics (registered with app/features/dashboard.py).

Every figure is counted within the login user's data scope (``read.criteria`` of the model it counts, app/rules/read.py): a
宿管员 sees her department's repairs, budgets and buildings, the principal the whole school. A widget shows
only to users who may read its model. The figures are SQL aggregates; none loads the rows it counts.
"""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from flask import has_request_context
from sqlalchemy import and_, case, distinct, func, or_, select

from app.extensions import db
from app.features.dashboard import (
    CHART,
    Chart,
    Figure,
    list_url,
    page_url,
    percent,
    percent_text,
    quick_filter,
    widget,
)
from app.meta import clock
from app.rules import identity, read
from models.assets import Asset, AssetCategory, AssetStatus
from models.dorms import ASSIGNABLE_BED, Accommodation, AccommodationStatus, Bed, Building, Room, RoomStatus
from models.org import Department
from models.purchasing import COMMITTED, Budget, PurchaseRequest
from models.repairs import RepairOrder
from models.safety import Hazard
from models.satisfaction import TARGET, Survey, SurveyAnswer, satisfaction_rates
from models.store import StockItem

OVERDUE = "逾期"  # the quick filter of RepairOrder and Hazard that the figures count and link to
ZERO = Decimal("0.00")


def _session():
    return db.session


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _yuan(value: Decimal) -> str:
    return f"¥{value:,.2f}"


def month_bounds(day: date | None = None) -> tuple[datetime, datetime]:
    """[first moment of the month, first moment of the next month) of ``day`` (default: today)."""
    day = day or clock.today()
    start = day.replace(day=1)
    following = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return datetime.combine(start, time.min), datetime.combine(following, time.min)


# ----------------------------------------------------------------- overdue repairs and hazards
def overdue_count(model: type) -> int:
    """Records the model's 逾期 quick filter selects, within the data scope — the same rows its list shows."""
    criteria = quick_filter(model, OVERDUE)[1].criteria(model)
    return _session().scalar(select(func.count(model.id)).where(*criteria, *read.criteria(model))) or 0


def _overdue_figure(model: type, noun: str) -> Figure:
    count = overdue_count(model)
    return Figure(str(count), f"{noun}已过期限仍未完成" if count else f"没有逾期的{noun}",
                  url=list_url(model, quick=OVERDUE), level="danger" if count else "success", raw=count)


@widget("overdue_repairs", "逾期报修", needs="RepairOrder", order=10, icon="fa-clock-o",
        reads=("RepairOrder", "Staff", "Department"))
def overdue_repairs() -> Figure:
    return _overdue_figure(RepairOrder, "报修单")


@widget("overdue_hazards", "逾期隐患", needs="Hazard", order=20, icon="fa-exclamation-triangle",
        reads=("Hazard", "Staff", "Department"))
def overdue_hazards() -> Figure:
    return _overdue_figure(Hazard, "隐患")


LOW_STOCK = "低于安全库存"  # StockItem's quick filter, counted and linked to


@widget("low_stock", LOW_STOCK, needs=("StockItem", "StockMovement"), order=25, icon="fa-cubes",
        reads=("StockItem", "Staff", "Department"))
def low_stock() -> Figure:
    """Items of the store below their 安全库存: for those who keep or watch the store, not for every reader."""
    criteria = quick_filter(StockItem, LOW_STOCK)[1].criteria(StockItem)
    count = _session().scalar(select(func.count(StockItem.id)).where(*criteria, *read.criteria(StockItem))) or 0
    return Figure(str(count), "种物资库存低于安全库存，请及时请购" if count else "仓库物资都在安全库存以上",
                  url=list_url(StockItem, quick=LOW_STOCK), level="warning" if count else "success", raw=count)


# ----------------------------------------------------------------- this month's repairs
def repair_month(day: date | None = None) -> dict:
    """Repairs finished this month (完工时间 in the month), within scope: how many, how many by the promised
    time (no promised time counts as on time, as RepairOrder.finished_late), and their ratings. Computed
    once per request (two widgets show it)."""
    day = day or clock.today()
    cache = identity.request_cache("dashboard") if has_request_context() else {}
    if ("repair_month", day) not in cache:
        cache[("repair_month", day)] = _repair_month(day)
    return cache[("repair_month", day)]


def _repair_month(day: date) -> dict:
    start, end = month_bounds(day)
    on_time = or_(RepairOrder.promised_at.is_(None), RepairOrder.finished_at <= RepairOrder.promised_at)
    finished, timely, rated, rating_sum = _session().execute(
        select(func.count(RepairOrder.id),
               func.sum(case((on_time, 1), else_=0)),
               func.count(RepairOrder.rating),
               func.sum(RepairOrder.rating))
        .where(RepairOrder.finished_at >= start, RepairOrder.finished_at < end, *read.criteria(RepairOrder))
    ).one()
    average = (Decimal(rating_sum) / Decimal(rated)).quantize(Decimal("0.1")) if rated else None
    return {"finished": finished or 0, "on_time": timely or 0, "rate": percent(timely or 0, finished or 0),
            "rated": rated or 0, "average": average}


@widget("repair_on_time", "本月报修及时率", needs="RepairOrder", order=30, icon="fa-check-square-o",
        reads=("RepairOrder", "Staff", "Department"))
def repair_on_time() -> Figure:
    month = repair_month()
    caption = (f"本月完工 {month['finished']} 单，按承诺时间完成 {month['on_time']} 单"
               if month["finished"] else "本月还没有完工的报修单")
    return Figure(percent_text(month["rate"]), caption, raw=month["rate"])


@widget("repair_rating", "本月报修平均评分", needs="RepairOrder", order=40, icon="fa-star",
        reads=("RepairOrder", "Staff", "Department"))
def repair_rating() -> Figure:
    month = repair_month()
    if month["average"] is None:
        return Figure("—", "本月完工的报修单还没有评分", raw=None)
    return Figure(f"{month['average']} 分", f"满分 5 分，本月完工 {month['rated']} 单已评分", raw=month["average"])


# ----------------------------------------------------------------- satisfaction
def current_survey() -> Survey | None:
    """The latest survey that has begun."""
    return _session().scalars(select(Survey).where(Survey.starts_on <= clock.today())
                              .order_by(Survey.starts_on.desc(), Survey.id.desc()).limit(1)).first()


@widget("satisfaction", "满意率", needs="SurveyAnswer", order=50, width=6, icon="fa-smile-o",
        reads=("Survey", "SurveyItem", "SurveyResponse", "SurveyAnswer", "Staff", "Department"))
def satisfaction() -> Figure:
    survey = current_survey()
    target = f"目标 {TARGET * 100:.0f}%"
    if survey is None:
        return Figure("—", f"还没有满意度调查（{target}）", raw=None)
    rates = satisfaction_rates(_session(), survey, where=tuple(read.criteria(SurveyAnswer)))
    overall = rates["overall"]
    url = page_url("SatisfactionReport", survey=survey.id)
    if not overall["total"]:
        return Figure("—", f"{survey.period}：暂无评价（{target}）", url=url, raw=None)
    units = [(row["unit"], f"{row['rate_text']}{'' if row['meets_target'] else '（未达标）'}")
             for row in rates["units"] if row["total"]]
    return Figure(overall["rate_text"], f"{survey.period}，{overall['total']} 项评价，{target}", url=url,
                  level="success" if overall["meets_target"] else "danger", details=units, raw=overall["rate"])


# ----------------------------------------------------------------- budgets
def budget_execution(year: int | None = None) -> list[dict]:
    """Per department with budgets of ``year`` (within the data scope of Budget): the budget, what is spent
    against it and what remains. 已用 are the committed purchase requests (approved to reimbursed) charged to
    the department's budgets: linked to one of them, or naming no budget (未指定预算, the old ones) and of that
    department and year — each request counted once for the department, as the 预算执行情况 report adds its
    subjects and its 未指定预算 row (views/budget_report.py)."""
    year = year or clock.today().year
    session = _session()
    budgets = dict(session.execute(
        select(Budget.department_id, func.sum(Budget.amount))
        .where(Budget.year == year, *read.criteria(Budget)).group_by(Budget.department_id)).all())
    if not budgets:
        return []
    departments = list(budgets)
    spent: dict[int, Decimal] = {d: ZERO for d in departments}
    committed = PurchaseRequest.status.in_(COMMITTED)
    linked = session.execute(
        select(Budget.department_id, func.sum(PurchaseRequest.total))
        .join(Budget, PurchaseRequest.budget_id == Budget.id)
        .where(committed, Budget.year == year, Budget.department_id.in_(departments))
        .group_by(Budget.department_id))
    unlinked = session.execute(
        select(PurchaseRequest.department_id, func.sum(PurchaseRequest.total))
        .where(committed, PurchaseRequest.budget_id.is_(None), PurchaseRequest.department_id.in_(departments),
               PurchaseRequest.requested_on >= date(year, 1, 1), PurchaseRequest.requested_on < date(year + 1, 1, 1))
        .group_by(PurchaseRequest.department_id))
    for department_id, amount in list(linked) + list(unlinked):
        spent[department_id] += _money(amount)
    names = dict(session.execute(select(Department.id, Department.name).where(Department.id.in_(departments))).all())
    rows = []
    for department_id in departments:
        amount, used = _money(budgets[department_id]), spent[department_id]
        rows.append({"department_id": department_id, "department": names.get(department_id, ""), "budget": amount,
                     "used": used, "remaining": amount - used, "rate": percent(used, amount)})
    return sorted(rows, key=lambda r: (-r["budget"], r["department"]))


@widget("budgets", "预算执行", kind=CHART, needs="Budget", order=60, width=12, icon="fa-pie-chart",
        reads=("Budget", "PurchaseRequest", "Staff", "Department"))
def budgets() -> Chart:
    year = clock.today().year
    rows = budget_execution(year)
    total, used = sum((r["budget"] for r in rows), ZERO), sum((r["used"] for r in rows), ZERO)
    return Chart(
        "bar", [r["department"] for r in rows],
        [{"name": "预算金额", "data": [r["budget"] for r in rows]},
         {"name": "已用", "data": [r["used"] for r in rows],
          "notes": [f"执行率 {percent_text(r['rate'])}" for r in rows]}],
        money=True, caption=f"{year} 年度，已用为已批准至已报销的采购申请",
        empty=f"{year} 年度没有经费预算",
        details=[("预算合计", _yuan(total)), ("已用", _yuan(used)), ("余额", _yuan(total - used)),
                 ("执行率", percent_text(percent(used, total)))] if rows else [])


# ----------------------------------------------------------------- assets
def asset_value_by_category() -> list[dict]:
    """Sum of 金额 of the asset cards not scrapped (within scope), by top-level category, largest first."""
    session = _session()
    parents = dict(session.execute(select(AssetCategory.id, AssetCategory.parent_id)).all())
    names = dict(session.execute(select(AssetCategory.id, AssetCategory.name)).all())

    def top(category_id):
        seen = set()
        while parents.get(category_id) is not None and category_id not in seen:
            seen.add(category_id)
            category_id = parents[category_id]
        return category_id

    totals: dict[int, dict] = {}
    for category_id, amount, cards in session.execute(
            select(Asset.category_id, func.sum(Asset.amount), func.count(Asset.id))
            .where(Asset.status != AssetStatus.scrapped, *read.criteria(Asset)).group_by(Asset.category_id)):
        root = top(category_id)
        entry = totals.setdefault(root, {"category_id": root, "category": names.get(root, ""), "amount": ZERO,
                                         "cards": 0})
        entry["amount"] += _money(amount)
        entry["cards"] += cards
    return sorted(totals.values(), key=lambda r: (-r["amount"], r["category"]))


@widget("asset_value", "资产价值", kind=CHART, needs="Asset", order=70, icon="fa-archive",
        reads=("Asset", "AssetCategory", "Staff", "Department"))
def asset_value() -> Chart:
    found = asset_value_by_category()
    rows = [r for r in found if r["amount"]]  # a slice of nothing draws nothing
    total = sum((r["amount"] for r in rows), ZERO)
    return Chart("pie", [r["category"] for r in rows], [{"name": "资产价值", "data": [r["amount"] for r in rows]}],
                 money=True, caption="按资产大类，不含已报废", empty="没有资产卡片",
                 details=[("资产总值", _yuan(total)), ("卡片", f"{sum(r['cards'] for r in found)} 张")] if found else [])


# ----------------------------------------------------------------- dormitories
def dorm_occupancy() -> list[dict]:
    """Per building (within the data scope of Bed): usable beds (空闲/已住 beds of rooms not 停用) and how many
    of them have a student living there (an active accommodation record)."""
    occupied = func.count(distinct(Accommodation.bed_id))
    rows = _session().execute(
        select(Building.id, Building.name, func.count(distinct(Bed.id)), occupied)
        .select_from(Bed).join(Room, Bed.room_id == Room.id).join(Building, Room.building_id == Building.id)
        .outerjoin(Accommodation, and_(Accommodation.bed_id == Bed.id,
                                       Accommodation.status == AccommodationStatus.active))
        .where(Room.status != RoomStatus.disabled, Bed.status.in_(ASSIGNABLE_BED), *read.criteria(Bed))
        .group_by(Building.id, Building.name).order_by(Building.name)).all()
    return [{"building_id": b, "building": name, "usable": usable, "occupied": taken,
             "rate": percent(taken, usable)} for b, name, usable, taken in rows]


@widget("dorm_occupancy", "宿舍入住率", kind=CHART, needs="Bed", order=80, icon="fa-bed",
        reads=("Bed", "Room", "Building", "Accommodation", "Staff", "Department"))
def dorms() -> Chart:
    rows = dorm_occupancy()
    usable, taken = sum(r["usable"] for r in rows), sum(r["occupied"] for r in rows)
    return Chart("bar", [r["building"] for r in rows],
                 [{"name": "入住率", "data": [r["rate"] or 0 for r in rows],
                   "notes": [f"已住 {r['occupied']} / 可住 {r['usable']} 床" for r in rows]}],
                 unit="%", max=100, caption="可住床位：未停用房间里空闲和已住的床位", empty="没有可住的床位",
                 details=[("合计", f"已住 {taken} / 可住 {usable} 床"),
                          ("入住率", percent_text(percent(taken, usable)))] if rows else [])
