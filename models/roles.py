"""角色与数据范围: the role matrix of domain.md, the one place roles and their grants are declared.

Grants name a model (or a hand-written page) and the actions allowed: read, add, edit, delete.
Workflow steps (派工, 接单, 验收, 审批 …) are not grants: the workflow says who may take each step,
and taking a step needs only read access to the record.
"""
from app.declare.roles import DataScope, RoleSpec

ASSET_MODELS = ("AssetCategory", "Location", "Asset", "AssetLoan", "AssetTransfer",
                "AssetDamage", "AssetDisposal", "Stocktake", "StocktakeLine")
ORG_MODELS = ("Department", "Staff", "Assessment")
DORM_MODELS = ("Building", "Room", "Bed", "Student", "Accommodation", "DormChange", "HygieneInspection", "Discipline")
UTILITY_MODELS = ("Household", "Meter", "MeterReading")
SURVEY_MODELS = ("Survey", "SurveyItem", "SurveyResponse", "SurveyAnswer")
PURCHASE_MODELS = ("Supplier", "PurchaseRequest", "PurchaseItem", "Acceptance", "Reimbursement", "Budget",
                   "AgencyFee")
REPAIR_MODELS = ("RepairOrder", "RepairMaterial", "RepairDelay")
STORE_MODELS = ("StockItem", "StockMovement", "Requisition", "RequisitionLine")
CANTEEN_MODELS = ("CanteenDelivery", "CanteenDeliveryLine", "FoodSample")
ROUTINE_MODELS = ("InspectionPlan", "PlanItem", "InspectionTask", "CheckResult")
# Whoever answers for checks reads the plans and fills the tasks on the 今日检查 page.
CHECKS = {"InspectionPlan": "read", "PlanItem": "read", "InspectionTask": "read edit", "CheckResult": "read edit",
          "RoutineChecks": "read add"}

# 考核 within the role's own data scope: a 维修工 his own, a department role its department's (with the facts).
ASSESSMENTS = {"Assessment": "read", "AssessmentRanking": "read"}

# The units' managers answer the feedback about their unit (投诉建议, models/feedback.py), within their data scope.
FEEDBACK = {"Feedback": "read"}
# Everyone who works may book a 功能室 (on its calendar, views/venue_calendar.py) and see their bookings.
BOOKING = {"Venue": "read", "VenueBooking": "read add edit", "VenueCalendar": "read add"}

# Everyone who works may report a repair, request a purchase and report a hazard.
# Every member of staff reads the public postings (采购公示 and 食堂公示 are ``everyone`` pages, app/web/pages.py).
SELF_SERVICE = {**BOOKING, "RepairOrder": "read add", "PurchaseRequest": "read add edit", "PurchaseItem": "read",
                "Patrol": "read add", "Hazard": "read add",
                "StockItem": "read", "Requisition": "read add edit", "RequisitionLine": "read"}


def grant(models, actions: str) -> dict[str, str]:
    return {name: actions for name in models}


ROLES = {
    "系统管理员": RoleSpec(DataScope.all, {"*": "all"}, "一切功能，含用户与角色"),
    "校长": RoleSpec(DataScope.all, {"*": "read"}, "全部只读；终审；看板"),
    "校务会": RoleSpec(DataScope.all, {"*": "read"}, "全部只读；大额采购集体决策"),
    "后勤主任": RoleSpec(DataScope.all, {
        **grant(ORG_MODELS + ASSET_MODELS + DORM_MODELS + UTILITY_MODELS + SURVEY_MODELS
                + PURCHASE_MODELS + REPAIR_MODELS + STORE_MODELS + ("Patrol",), "read"),
        **grant(ROUTINE_MODELS, "read add edit delete"), "RoutineChecks": "read add",
        **grant(CANTEEN_MODELS, "read edit"),  # corrects an entry of the canteen's; entering is the canteen's
        "Requisition": "read add edit", "StockLedger": "read", "BudgetReport": "read",
        "Assessment": "read add edit", "AssetDisposal": "read edit",
        "Supplier": "read add edit", "PurchaseRequest": "read add edit", "RepairOrder": "read add edit",
        "Building": "read add edit", "Room": "read add edit", "Bed": "read add edit", "DormChange": "read edit",
        "Hazard": "read add edit", "Survey": "read add edit delete", "SurveyItem": "read add edit delete",
        "DormAllocation": "read add", "UtilityReport": "read", "SatisfactionReport": "read",
        "MeterGrid": "read add", "AssessmentRanking": "read",
        **FEEDBACK, "FeedbackPoint": "read add edit delete", "SurveyLink": "read add edit", "SurveyCode": "read",
        **BOOKING, "Venue": "read add edit delete",
    }, "一级审批、派工、调宿审批、隐患销号"),
    "财务": RoleSpec(DataScope.all, {
        **grant(("Department", "Staff", "Asset", "AssetDisposal", "Supplier", "PurchaseItem", "Acceptance",
                 "RepairMaterial", "Survey", "SurveyItem") + STORE_MODELS, "read"),
        "AssetDamage": "read edit", "PurchaseRequest": "read add", "RepairOrder": "read add",
        "Reimbursement": "read edit", "Budget": "read add edit delete",  # 报销 is a step of the request
        "AgencyFee": "read add edit delete", "BudgetReport": "read",
        "Household": "read edit", "Meter": "read edit", "MeterReading": "read edit",
        "UtilityReport": "read", "StockLedger": "read", **BOOKING,
    }, "报销、预算、水电账单"),
    "财产保管员": RoleSpec(DataScope.all, {
        **grant(("Department", "Staff", "PurchaseItem", "Reimbursement", "RepairMaterial"), "read"),
        **grant(ASSET_MODELS, "read add edit delete"), **CHECKS,
        **grant(STORE_MODELS, "read add edit"), "StockItem": "read add edit delete", "StockLedger": "read",
        "Supplier": "read add edit", "PurchaseRequest": "read add", "Acceptance": "read edit",  # 验收入库 is a step
        "RepairOrder": "read add", **BOOKING,
    }, "验收、入库、借用、调拨、盘点"),
    "维修工": RoleSpec(DataScope.own, {
        **CHECKS, **ASSESSMENTS,
        **SELF_SERVICE, "Asset": "read", "AssetDamage": "read add",
        "RepairMaterial": "read add edit delete", "RepairDelay": "read add",
    }, "接单、记录维修与耗材、完工"),
    "宿管员": RoleSpec(DataScope.department, {
        **CHECKS, **ASSESSMENTS, **FEEDBACK,
        **SELF_SERVICE, "Asset": "read", "AssetLoan": "read add", "AssetDamage": "read add", "Location": "read",
        "Budget": "read", "BudgetReport": "read", "Building": "read", "Room": "read edit", "Bed": "read edit",
        "Student": "read add edit", "Accommodation": "read add edit", "HygieneInspection": "read add edit",
        "Discipline": "read add edit", "DormChange": "read add", "SurveyItem": "read", "SurveyAnswer": "read",
        "DormAllocation": "read add",
    }, "分配床位、卫生检查、违纪、调宿申请"),
    "食堂管理员": RoleSpec(DataScope.department, {
        **CHECKS, **ASSESSMENTS, **FEEDBACK, **grant(CANTEEN_MODELS, "read add edit"),
        **SELF_SERVICE, "Asset": "read", "AssetLoan": "read add", "AssetDamage": "read add",
        "AssetDisposal": "read add", "Supplier": "read", "Budget": "read", "BudgetReport": "read", "SurveyItem": "read",
        "SurveyAnswer": "read", "SatisfactionReport": "read",
    }, "食堂进货台账、留样、食品安全检查，食堂采购与报修、食堂资产"),
    "水电工": RoleSpec(DataScope.department, {
        **CHECKS, **ASSESSMENTS, **FEEDBACK,
        **SELF_SERVICE, "Asset": "read", "Location": "read", "Budget": "read", "BudgetReport": "read",
        "RepairMaterial": "read add edit delete", "RepairDelay": "read add",
        "Household": "read", "Meter": "read add edit", "MeterReading": "read add edit",
        "MeterGrid": "read add",
    }, "抄表、水电维修"),
    "绿化环卫": RoleSpec(DataScope.department, {
        **CHECKS, **ASSESSMENTS, **FEEDBACK,
        **SELF_SERVICE, "Asset": "read", "Location": "read", "Budget": "read", "BudgetReport": "read",
        "Patrol": "read add edit", "Hazard": "read add edit",
    }, "巡视、隐患、申请"),
    "局后勤科": RoleSpec(DataScope.all, {"*": "read"}, "区教育局后勤科：全区各校只读（本人在局的部门，不属任何学校）"),
    "教职工": RoleSpec(DataScope.own, {
        **SELF_SERVICE, "AssetLoan": "read add", "Household": "read", "Meter": "read", "MeterReading": "read",
        "Survey": "read", "SurveyItem": "read", "SurveyResponse": "read add",
    }, "报修、请购、借用、评价、本人账单"),
}
