"""月度水电报表 for 财务: per household and meter, usage and amount for a month, with totals."""
from __future__ import annotations

import re

from flask import redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access

from app.extensions import db
from app.features import export
from app.meta import clock
from models.utilities import REPORT_COLUMNS, monthly_report

from .base import SchoolPage
from .months import month_choices
from .utility_workbook import report_workbook


def previous_month() -> str:
    today = clock.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year}-{month:02d}"


class UtilityReportView(SchoolPage):
    route_base = "/utility-report"
    default_view = "index"
    class_permission_name = "UtilityReport"
    method_permission_name = {"index": "read", "export_xlsx": "read"}
    menu_label = "月度水电报表"
    menu_category = "水电管理"
    menu_icon = "fa-table"

    @expose("/")
    @has_access
    def index(self):
        month = request.args.get("month", "").strip() or previous_month()
        error = None
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
            error, month = "月份格式应为 年-月，例如 2026-10", previous_month()
        rows = monthly_report(db.session, month)
        return self.render("views/utility_report.html", month=month, rows=rows, error=error,
                           columns=REPORT_COLUMNS, months=month_choices(month), title=f"月度水电报表（{month}）")

    @expose("/export.xlsx")
    @has_access
    def export_xlsx(self):
        """The month's report as the finance office receives it: title, headers, rows, totals."""
        month = request.args.get("month", "").strip() or previous_month()
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
            return redirect(url_for(f"{self.endpoint}.index", month=month))  # the page explains the format
        year, number = month.split("-")
        handle = report_workbook(month, monthly_report(db.session, month))
        return export.file_response(handle, f"月度水电报表-{year}年{int(number)}月.xlsx")
