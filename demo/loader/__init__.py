"""演示数据：一所寄宿制高中的后勤处、演示账号，以及一个学年的后勤业务。

``load_demo(scale)`` fills an empty database (no 教职工 yet) with a believable school: ~40 × scale staff,
~2,000 × scale asset cards, loans, transfers, damages, disposals, two stocktakes (the canteen's, finished
and applied; 教务处's 期中抽查, under way) and a term's assessments, plus the demo accounts (password
``Houqin@2026``). On top of that, the last twelve months of service work (:class:`_Activity`), per scale unit:

- 采购: 20 suppliers (+8 per extra unit), budgets per department/year/科目 (two of this year's nearly spent or a
  little overspent), ~500 purchase requests in every state with 1–6 lines, each naming its budget subject but for a
  few old ones (未指定预算), acceptances for the checked ones, reimbursements for 已报销; 代办费 收支 of the last two
  terms (payers grow with ``scale``);
- 报修: ~3,000 orders in every state (most 已完成 and rated, some overdue, 已驳回/已取消), materials, a few
  deadline delays, and the workflow history (``workflow_log``) of every step taken;
- 物资仓库: ~150 items (more brands with ``scale``), a year of 出入库记录 — opening stock, the accepted purchases'
  non-fixed lines (入库), ~900 领用单 in every state with their 领用出库, 退库, 报损, 维修领用 of the last two
  weeks' repairs, restocking, a 仓库盘点 three months ago — each item's 库存数量 the sum of its movements, a few
  left below their 安全库存 and one or two at zero;
- 宿舍: 8 buildings, ~320 rooms, ~1,900 beds (these do not grow with ``scale``: students fill them up to
  capacity), accommodation records, dorm changes, weekly hygiene checks this term (more often and further
  back with ``scale``, capped at every school day since last September ≈ 80,000 rows), discipline;
- 水电: teachers' flats (24 × scale), dorm buildings, canteen, shops, offices; 12 monthly readings per meter;
- 巡视 every day, ~150 hazards a year; 检查计划 for the patrolled areas and 设备保养, with a year of their
  检查任务 (most done, a few 异常, some missed, today's to do);
  two satisfaction surveys (~400 + ~120 answer sheets);
- 食堂: 7 food suppliers, 2–4 deliveries (~750 进货单, ~3,500 lines) and 留样 of three meals every school day,
  the food-safety 检查计划 (晨检, 餐具消毒 daily, 五防 weekly) with a task for every day or week since a year ago
  (one canteen: these do not grow with ``scale``; today is left to the person on duty);
- 投诉建议: the posted QR codes (食堂, each dorm building, 后勤办公室, 超市), ~60 × scale feedback of the last four
  months (most replied within 3 days, some late, a few open), and the latest survey opened to 学生 and 家长 with
  30 one-time codes each.
- 功能室预约: eight bookable rooms (labs, music and art rooms, 舞蹈室, 会议室, 报告厅) and their bookings from three weeks
  ago to two weeks ahead, some of the coming ones 待审批 (these do not grow with ``scale``).

Document numbers (CG-/BX-/YH-/WZ-/KC-/LY-/JH-YYYYMMDD-NNNN) follow time within each day, and ``serial_counter`` is set to
the highest number used per prefix and day, so numbers the application assigns later never collide.
It refuses to run unless the application is in DEMO_MODE, and does nothing when staff already exist.

The big tables are written with bulk inserts (``COPY`` on PostgreSQL), so ``--scale 100`` (≈200,000 asset
cards, 300,000 repair orders, 1.4 million history rows) takes minutes, not hours. Everything is drawn from
seeded ``random.Random`` generators and dated relative to ``clock.today()``: the same day gives the same data.

The package, one module per concern: ``common`` (seed, bulk inserts, calendar), ``org`` (people, accounts,
assessments), ``places``, ``asset_kinds`` and ``assets``, then the year's activity: ``purchasing``, ``repairs``,
``store`` (with ``store_items`` and ``requisitions``), ``dorms``, ``utilities``, ``safety``, ``satisfaction``,
``canteen``, ``venues``;
``builder`` runs them in order.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from .builder import _Builder
from .places import DORM_BUILDINGS

__all__ = ["DORM_BUILDINGS", "LABELS", "counts", "load_demo", "load_demo_if_empty"]

LABELS = ("部门", "教职工", "考核", "资产分类", "存放地点", "资产卡片", "借用登记", "调拨", "损坏赔偿", "报废申请",
          "盘点", "盘点明细",
          "供应商", "经费预算", "采购申请", "采购明细", "验收", "报销", "代办费",
          "报修单", "维修耗材", "延期申请",
          "物资", "出入库记录", "领用单", "领用明细",
          "宿舍楼", "房间", "床位", "学生", "住宿记录", "调宿/退宿申请", "卫生检查", "违纪记录",
          "用户", "表具", "抄表记录",
          "巡视记录", "安全隐患", "检查计划", "检查项目", "检查任务", "检查结果",
          "满意度调查", "调查项目", "答卷", "单项评价",
          "食堂进货", "进货明细", "留样记录",
          "反馈二维码", "投诉建议", "问卷链接", "答卷码", "功能室", "预约记录")


def load_demo(scale: int = 1, schools: int = 1) -> dict[str, int]:
    """Prepare the database and, when it holds no 教职工 yet, fill it with demo data. Returns counts.

    ``schools`` > 1: a district bureau over that many schools, each a copy of the demo school (``bureau``)."""
    if not current_app.config.get("DEMO_MODE"):
        raise RuntimeError("演示数据只能在演示模式（DEMO_MODE）下载入：它会创建公开密码的演示账号，切勿用于正式环境。")
    if scale < 1 or schools < 1:
        raise ValueError("scale 与 schools 至少为 1")
    from app.extensions import db
    from app.platform.cli import prepare_database
    from models.org import Staff

    prepare_database()
    session = db.session
    if not session.scalar(select(func.count()).select_from(Staff)):
        _Builder(session, scale).build()
        session.commit()
        from app.meta.pinyin import backfill

        backfill(session)  # PostgreSQL's COPY path bypasses the pinyin column defaults
        if schools > 1:
            from .bureau import make_bureau

            make_bureau(session, schools)
            session.commit()
    return counts(session)


def load_demo_if_empty(scale: int = 1) -> dict[str, int]:
    """`python run.py --demo`: switch the app to demo mode and load the demo data once."""
    current_app.config["DEMO_MODE"] = True
    return load_demo(scale=scale)


def counts(session) -> dict[str, int]:
    from flask_appbuilder.security.sqla.models import User

    from app.extensions import engine
    from app.rules.history import WorkflowLog

    by_label = {m.__admin__.label: m for m in engine().models}
    found = {label: session.scalar(select(func.count()).select_from(by_label[label]))
             for label in LABELS if label in by_label}
    found["登录账号"] = session.scalar(select(func.count()).select_from(User))
    found["流程记录"] = session.scalar(select(func.count()).select_from(WorkflowLog))
    return found
