"""投诉建议 on the home page of 后勤主任 and of each unit's manager (registered with app/features/dashboard.py): the
feedback received per unit in each of the last six months, and the share replied to within 3 days — within the
login user's data scope (a manager sees their unit's, 后勤主任 every unit's)."""
from __future__ import annotations

from app.extensions import db
from app.features.dashboard import CHART, Chart, widget
from app.rules import read
from models.feedback import Feedback, monthly_figures


@widget("feedback_by_month", "投诉建议（近6个月）", kind=CHART, needs="Feedback", order=40, icon="fa-comments-o",
        reads=("Feedback", "Department", "Staff"))
def feedback_by_month() -> Chart:
    figures = monthly_figures(db.session, tuple(read.criteria(Feedback)))
    months = [f"{int(key[5:])}月" for key in figures["months"]]
    series = [{"name": unit["unit"], "data": unit["counts"]} for unit in figures["units"]]
    details = [(unit["unit"], f"{unit['total']} 条，3日内回复 {unit['share_text']}") for unit in figures["units"]]
    caption = (f"共 {figures['total']} 条，3日内回复 {figures['answered']} 条（{figures['share_text']}）"
               if figures["total"] else "")
    return Chart("bar", months if figures["total"] else [], series, unit="条", caption=caption,
                 empty="近6个月没有收到投诉建议", details=details)
