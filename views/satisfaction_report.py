"""满意率: per survey item, per service unit and per 身份 of the answer sheets (教职工 / 学生 / 家长, the last two mostly
from 问卷链接), against the school's 90% target."""
from __future__ import annotations

from flask import request
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access

from app.extensions import db
from models.satisfaction import Survey, audience_rates, satisfaction_rates

from .base import SchoolPage


class SatisfactionReportView(SchoolPage):
    route_base = "/satisfaction-report"
    default_view = "index"
    class_permission_name = "SatisfactionReport"
    method_permission_name = {"index": "read"}
    menu_label = "满意率统计"
    menu_category = "满意度"
    menu_icon = "fa-bar-chart"

    @expose("/")
    @has_access
    def index(self):
        surveys = db.session.query(Survey).order_by(Survey.id.desc()).all()
        chosen = request.args.get("survey", "")
        survey = next((s for s in surveys if str(s.id) == chosen), surveys[0] if surveys else None)
        rates = satisfaction_rates(db.session, survey) if survey is not None else None
        audiences = audience_rates(db.session, survey) if survey is not None else []
        return self.render("views/satisfaction_report.html", surveys=surveys, survey=survey, rates=rates,
                           audiences=audiences)
