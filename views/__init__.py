"""Hand-written pages: only what no generator can know (bulk allocation, reports, rates, inboxes).

``PAGES`` lists them in menu order; each declares its menu place and permission name (see app/pages.py),
and models/roles.py grants them like any model.
"""
from .dorm_allocation import DormAllocationView
from .satisfaction_report import SatisfactionReportView
from .utility_report import UtilityReportView

PAGES: list = [DormAllocationView, UtilityReportView, SatisfactionReportView]
