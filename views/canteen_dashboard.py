"""今日食堂: the canteen's day on the home page of those who keep or watch it (registered with
app/features/dashboard.py).

Three facts, each counted with the quick filter its link opens (so the figure and the list agree), within the
login user's data scope: today's food-safety checks done of due (检查任务 of 食品安全 plans whose period covers
today), today's meals sampled of three (留样记录), today's deliveries entered and their total (食堂进货). The figure
is how many of these are still to do; the panel turns to a warning while anything is missing.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import distinct, func, select

from app.extensions import db
from app.features.dashboard import Figure, list_url, page_url, quick_filter, widget
from app.rules import read
from models.canteen import CanteenDelivery, FoodSample, Meal
from models.routines import InspectionTask, TaskStatus

TODAY = "今日"  # the quick filter of 食堂进货 and 留样记录
CHECKS_TODAY = "今日食品安全检查"  # InspectionTask's quick filter
MEALS = len(Meal)


def _where(model: type, label: str) -> list:
    return [*quick_filter(model, label)[1].criteria(model), *read.criteria(model)]


def canteen_today() -> dict:
    """The day's figures within the user's scope."""
    session = db.session
    due, done = session.execute(
        select(func.count(InspectionTask.id),
               func.count(InspectionTask.id).filter(InspectionTask.status == TaskStatus.done))
        .where(*_where(InspectionTask, CHECKS_TODAY))).one()
    meals = session.scalar(select(func.count(distinct(FoodSample.meal))).where(*_where(FoodSample, TODAY))) or 0
    deliveries, total = session.execute(
        select(func.count(CanteenDelivery.id), func.coalesce(func.sum(CanteenDelivery.total), 0))
        .where(*_where(CanteenDelivery, TODAY))).one()
    return {"checks_due": due or 0, "checks_done": done or 0, "meals": meals, "deliveries": deliveries or 0,
            "total": Decimal(total or 0).quantize(Decimal("0.01"))}


def missing(day: dict) -> list[str]:
    found = []
    if day["checks_done"] < day["checks_due"]:
        found.append(f"{day['checks_due'] - day['checks_done']} 项食品安全检查未完成")
    if day["meals"] < MEALS:
        found.append(f"{MEALS - day['meals']} 餐未留样")
    if not day["deliveries"]:
        found.append("未登记进货")
    return found


@widget("canteen_today", "今日食堂", needs=("CanteenDelivery", "FoodSample", "InspectionTask"), order=15,
        width=6, icon="fa-cutlery",
        reads=("CanteenDelivery", "FoodSample", "InspectionTask", "InspectionPlan", "Staff", "Department"))
def canteen_today_widget() -> Figure:
    day = canteen_today()
    todo = missing(day)
    caption = "今日待完成：" + "、".join(todo) if todo else "今日食品安全检查、留样和进货登记都已完成"
    checks_url = page_url("RoutineChecks") if day["checks_done"] < day["checks_due"] else None
    return Figure(
        str(len(todo)), caption, url=checks_url or list_url(InspectionTask, quick=CHECKS_TODAY),
        level="warning" if todo else "success", raw=day,
        details=[
            ("食品安全检查", f"已完成 {day['checks_done']} / {day['checks_due']} 项",
             list_url(InspectionTask, quick=CHECKS_TODAY)),
            ("留样", f"已留样 {day['meals']} / {MEALS} 餐", list_url(FoodSample, quick=TODAY)),
            ("进货", f"{day['deliveries']} 单，合计 ¥{day['total']:,.2f}", list_url(CanteenDelivery, quick=TODAY)),
        ])
