"""Hand-written pages: only what no generator can know (bulk allocation, reports, rates, inboxes).

``PAGES`` lists them in menu order; each declares its menu place and permission name (see app/web/pages.py),
and models/roles.py grants them like any model. ``PRINTS`` are the printable forms (views/printing.py):
not in the menu, opened from a record's detail page with the read permission of its model (app/features/prints.py).
"""
from . import (  # noqa: F401  (register home page widgets)
    canteen_dashboard,
    dashboard,
    feedback_dashboard,
    routine_dashboard,
    venue_dashboard,
)
from .agency_fee_board import AgencyFeeBoardView
from .assessment_facts import AssessmentFactsView, AssessmentRankingView
from .budget_report import BudgetReportView
from .canteen_board import CanteenBoardView
from .dorm_allocation import DormAllocationView
from .feedback_posters import FeedbackPosterPrint
from .meter_grid import MeterGridView
from .printing import PRINTS as PRINTED
from .public_feedback import PublicFeedbackView
from .public_survey import PublicSurveyView
from .purchase_board import PurchaseBoardView
from .routine_checks import RoutineChecksView
from .satisfaction_report import SatisfactionReportView
from .spending_board import SpendingBoardView
from .stock_ledger import StockLedgerView
from .stocktake_report import StocktakeReportPrint
from .stocktake_scan import StocktakeScanView
from .survey_slips import SurveySlipPrint
from .utility_report import UtilityReportView
from .venue_calendar import VenueCalendarView

PAGES: list = [DormAllocationView, MeterGridView, UtilityReportView, SatisfactionReportView, PurchaseBoardView,
               SpendingBoardView, AgencyFeeBoardView, BudgetReportView, StockLedgerView, RoutineChecksView,
               AssessmentRankingView, CanteenBoardView, VenueCalendarView]

# Pages of one record reached from its detail page with its model's read permission (app/features/prints.py).
PRINTS: list = PRINTED + [StocktakeScanView, StocktakeReportPrint, AssessmentFactsView, FeedbackPosterPrint,
                        SurveySlipPrint]

# Pages without login, reached by a QR code (app/web/pages.py PublicPage).
PUBLIC: list = [PublicFeedbackView, PublicSurveyView]
