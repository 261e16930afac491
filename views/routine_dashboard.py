"""Home page figures of 日常检查 (registered with app/features/dashboard.py): the login user's checks due today,
and 设备保养 left undone past its deadline — both counted within the user's data scope."""
from __future__ import annotations

from flask_login import current_user
from sqlalchemy import func, select

from app.extensions import db
from app.features.dashboard import Figure, list_url, page_url, quick_filter, widget
from app.rules import read
from models.org import current_staff
from models.routines import InspectionTask, due_for

OVERDUE_MAINTENANCE = "保养逾期"  # InspectionTask's quick filter, counted and linked to


@widget("todays_checks", "今日检查", needs="RoutineChecks", order=12, icon="fa-check-square-o",
        reads=("InspectionTask", "InspectionPlan", "CheckResult", "Staff", "Department"))
def todays_checks() -> Figure:
    staff = current_staff()
    roles = {role.name for role in getattr(current_user, "roles", ())}
    count = len(due_for(db.session, staff, roles, read.criteria(InspectionTask))) if staff else 0
    return Figure(str(count), "项检查今天要完成" if count else "今天没有待完成的检查",
                  url=page_url("RoutineChecks"), level="warning" if count else "success", raw=count)


@widget("overdue_maintenance", OVERDUE_MAINTENANCE, needs="InspectionTask", order=22, icon="fa-cogs",
        reads=("InspectionTask", "InspectionPlan", "Staff", "Department"))
def overdue_maintenance() -> Figure:
    criteria = quick_filter(InspectionTask, OVERDUE_MAINTENANCE)[1].criteria(InspectionTask)
    count = db.session.scalar(select(func.count(InspectionTask.id))
                              .where(*criteria, *read.criteria(InspectionTask))) or 0
    return Figure(str(count), "次设备保养已过期限未做" if count else "设备保养都按期完成",
                  url=list_url(InspectionTask, quick=OVERDUE_MAINTENANCE), level="danger" if count else "success",
                  raw=count)
