"""The demo data: believable, consistent, idempotent, refused outside demo mode, and fast to load at scale."""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from app.meta import clock
from tests.conftest import DEMO_ACCOUNTS, DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent

# Where each demo account's staff record works (a 年级组 for the teacher).
ACCOUNT_DEPARTMENTS = {
    "admin": {"办公室"}, "xiaozhang": {"校长室"}, "xiaowu": {"校长室"}, "zongwu": {"后勤处"}, "caiwu": {"财务室"},
    "baoguan": {"后勤处", "服务中心"}, "weixiu": {"水电维修组"}, "sushe": {"宿舍管理"},
    "shitang": {"师生食堂"}, "shuidian": {"水电维修组"}, "lvhua": {"校园绿化环卫组"},
    "jiaoshi": {"高一年级组", "高二年级组", "高三年级组"},
}


def _user(db, username):
    from flask_appbuilder.security.sqla.models import User

    return db.session.scalars(select(User).where(User.username == username)).one_or_none()


def _staff_of(db, user):
    from models.org import Staff

    return db.session.scalars(select(Staff).where(Staff.user_id == user.id)).one_or_none()


def test_counts_at_scale_one_are_in_the_expected_ranges(app):
    found = app.extensions["demo_counts"]  # counted right after loading, before other tests added records
    expected = {
        "部门": (16, 40), "教职工": (35, 60), "资产分类": (20, 80), "存放地点": (100, 1000),
        "资产卡片": (1800, 2300), "借用登记": (120, 180), "调拨": (45, 80), "损坏赔偿": (30, 50),
        "报废申请": (10, 20), "盘点": (3, 5), "盘点明细": (300, 1200), "考核": (30, 60), "登录账号": (11, 40),
        # a school year of service activity (domain.md volumes for one school)
        "供应商": (20, 40), "经费预算": (30, 150), "采购申请": (450, 600), "采购明细": (900, 2500),
        "验收": (300, 550), "报销": (250, 500), "代办费": (6, 12),
        "报修单": (2700, 3500), "维修耗材": (1500, 4500), "延期申请": (10, 150),
        "物资": (100, 250), "出入库记录": (1500, 6000), "领用单": (500, 1500), "领用明细": (800, 4000),
        "宿舍楼": (6, 30), "房间": (200, 420), "床位": (1500, 2700), "学生": (1500, 2300), "住宿记录": (1400, 2300),
        "调宿/退宿申请": (20, 100), "卫生检查": (2500, 8000), "违纪记录": (50, 400),
        "用户": (30, 100), "表具": (60, 220), "抄表记录": (700, 2500),
        "巡视记录": (300, 1000), "安全隐患": (120, 200),
        "满意度调查": (1, 5), "调查项目": (10, 80), "答卷": (400, 800), "单项评价": (4000, 14000),
        "食堂进货": (500, 1000), "进货明细": (1800, 5000), "留样记录": (500, 800),
        "检查计划": (12, 25), "检查项目": (40, 100), "检查任务": (3000, 4500), "检查结果": (10000, 16000),
        "流程记录": (8000, 32000),
    }
    for label, (low, high) in expected.items():
        assert low <= found[label] <= high, (label, found[label])


def test_every_demo_account_has_its_role_password_and_staff_record(db):
    assert set(ACCOUNT_DEPARTMENTS) == set(DEMO_ACCOUNTS)
    for username, role in DEMO_ACCOUNTS.items():
        user = _user(db, username)
        assert user is not None, username
        assert role in {r.name for r in user.roles}, username
        assert check_password_hash(user.password, DEMO_PASSWORD), username
        staff = _staff_of(db, user)
        assert staff is not None, username
        assert staff.department.name in ACCOUNT_DEPARTMENTS[username], (username, staff.department.name)
        if username != "admin":  # `flask init` may have named the administrator 系统 管理员 already
            assert user.first_name + user.last_name == staff.name
            assert len(user.first_name) == 1  # 姓 in first_name, 名 in last_name


def test_demo_accounts_can_log_in(as_user):
    for username in ("zongwu", "jiaoshi", "weixiu"):
        client = as_user(username)
        with client.session_transaction() as session:
            assert session.get("_user_id"), username


def test_every_department_has_a_head_in_it(db):
    from models.defaults import DEPARTMENTS
    from models.org import Department

    defaults = {code for code, *_ in DEPARTMENTS}
    departments = db.session.scalars(select(Department)).all()
    for dept in departments:
        if dept.code in defaults:  # the default tree (other tests may add their own departments)
            assert dept.head is not None, dept.name
            assert dept.head.department_id == dept.id, dept.name
    logistics = next(d for d in departments if d.name == "后勤处")
    assert logistics.head.user.username == "zongwu"


def test_staff_numbers_and_asset_codes_are_unique(db):
    from models.assets import Asset
    from models.org import Staff

    numbers = db.session.scalars(select(Staff.staff_no)).all()
    assert len(numbers) == len(set(numbers))
    codes = db.session.scalars(select(Asset.code)).all()
    assert len(codes) == len(set(codes))
    assert sum(bool(re.fullmatch(r"ZC-\d{4}-\d{6}", c)) for c in codes) >= 1800


def test_amount_is_quantity_times_unit_price_and_fixed_assets_are_single(db):
    from models.assets import Asset

    rows = db.session.execute(select(Asset.code, Asset.quantity, Asset.unit_price, Asset.amount)).all()
    bulk = 0
    for code, quantity, unit_price, amount in rows:
        assert amount == (Decimal(quantity) * Decimal(unit_price)).quantize(Decimal("0.01")), code
        if unit_price >= 1000:
            assert quantity == 1, code
        bulk += quantity > 1
    assert bulk > 100  # cheap bulk items are batch cards


def test_assets_are_consistent_with_their_department_keeper_and_status(db):
    from models.assets import Asset, AssetStatus
    from models.org import Staff

    statuses = Counter(db.session.scalars(select(Asset.status)))
    total = sum(statuses.values())
    assert statuses[AssetStatus.in_use] > 0.8 * total
    for status in (AssetStatus.idle, AssetStatus.on_loan, AssetStatus.repairing, AssetStatus.scrapped):
        assert statuses[status] > 0, status
    mismatched = db.session.scalar(
        select(func.count()).select_from(Asset).join(Staff, Asset.keeper_id == Staff.id)
        .where(Asset.department_id != Staff.department_id, Asset.code.like("ZC-%")))
    assert mismatched == 0


def test_open_loans_mark_their_asset_on_loan(db):
    from models.assets import Asset, AssetLoan, AssetStatus, LoanStatus

    loans = db.session.scalars(select(AssetLoan)).all()
    open_by_asset = Counter(loan.asset_id for loan in loans if loan.returned_on is None)
    assert open_by_asset and max(open_by_asset.values()) == 1
    today = clock.today()
    for loan in loans:
        assert loan.lent_on <= loan.due_on
        if loan.returned_on is None:
            assert loan.asset.status == AssetStatus.on_loan, loan.asset.code
            assert loan.state() == (LoanStatus.overdue if loan.due_on < today else LoanStatus.lent)
        else:
            assert loan.lent_on <= loan.returned_on <= today
            assert loan.state() == LoanStatus.returned
        assert loan.department_id == loan.borrower.department_id
    on_loan = set(db.session.scalars(select(Asset.id).where(Asset.status == AssetStatus.on_loan)))
    assert on_loan == set(open_by_asset)
    statuses = Counter(loan.state() for loan in loans)
    assert statuses[LoanStatus.returned] > statuses[LoanStatus.lent] > statuses[LoanStatus.overdue] > 0


def test_demo_people_have_data_on_their_screens(db):
    from models.assets import Asset, AssetLoan

    for username in ("baoguan", "weixiu", "sushe", "shitang", "shuidian", "lvhua", "jiaoshi", "zongwu"):
        staff = _staff_of(db, _user(db, username))
        kept = db.session.scalar(select(func.count()).select_from(Asset).where(Asset.keeper_id == staff.id))
        assert kept > 0, username
    teacher = _staff_of(db, _user(db, "jiaoshi"))
    loans = db.session.scalars(select(AssetLoan).where(AssetLoan.borrower_id == teacher.id)).all()
    assert any(loan.returned_on for loan in loans)
    assert any(loan.returned_on is None and loan.due_on >= clock.today() for loan in loans)
    assert any(loan.returned_on is None and loan.due_on < clock.today() for loan in loans)


def test_damages_disposals_stocktake_and_assessments_follow_the_rules(db):
    from models.assets import AssetDamage, AssetDisposal, AssetStatus, DamageCause, DisposalStatus
    from models.org import ASSESSMENT_WEIGHTS, Assessment, grade_for
    from models.stocktake import Stocktake, StocktakeResult, StocktakeStatus

    damages = db.session.scalars(select(AssetDamage)).all()
    assert {d.cause for d in damages} == {DamageCause.natural, DamageCause.human}
    for damage in damages:
        assert not damage.validate(), damage.id
        if damage.cause == DamageCause.human:
            assert damage.liable and damage.compensation > 0
    for disposal in db.session.scalars(select(AssetDisposal)):
        assert not disposal.validate()
        if disposal.status == DisposalStatus.approved:
            assert disposal.asset.status == AssetStatus.scrapped
    stocktake = db.session.scalars(select(Stocktake).where(Stocktake.status == StocktakeStatus.closed,
                                                           Stocktake.department_id.isnot(None))).first()
    assert stocktake is not None and stocktake.lines
    results = Counter(line.result for line in stocktake.lines)
    assert results[StocktakeResult.normal] > len(stocktake.lines) / 2
    for line in stocktake.lines:
        if line.result == StocktakeResult.missing:
            assert line.asset.status == AssetStatus.missing
    assessments = db.session.scalars(select(Assessment)).all()
    assert len({a.term for a in assessments}) == 1
    for item in assessments:
        total = sum(Decimal(getattr(item, name)) * w for name, w in ASSESSMENT_WEIGHTS.items())
        assert item.total == total.quantize(Decimal("0.1"), ROUND_HALF_UP)  # 四舍五入
        assert item.grade == grade_for(item.total)


def test_loading_twice_does_not_duplicate(app, db):
    from demo.loader import counts, load_demo, load_demo_if_empty

    before = counts(db.session)
    assert load_demo(scale=1) == before
    assert load_demo_if_empty(scale=1) == before
    assert counts(db.session) == before


def test_load_demo_is_refused_outside_demo_mode(app, db):
    from demo.loader import counts, load_demo

    before = counts(db.session)
    app.config["DEMO_MODE"] = False
    try:
        with pytest.raises(RuntimeError, match="演示模式"):
            load_demo(scale=1)
    finally:
        app.config["DEMO_MODE"] = True
    assert counts(db.session) == before


def test_seed_twice_does_not_duplicate_and_builds_the_tree(db):
    from models.assets import AssetCategory
    from models.defaults import CATEGORIES, DEPARTMENTS, seed
    from models.org import Department, DepartmentKind

    seed(db.session)
    before = (db.session.scalar(select(func.count()).select_from(Department)),
              db.session.scalar(select(func.count()).select_from(AssetCategory)))
    seed(db.session)
    seed(db.session)
    after = (db.session.scalar(select(func.count()).select_from(Department)),
             db.session.scalar(select(func.count()).select_from(AssetCategory)))
    assert before == after
    departments = {d.code: d for d in db.session.scalars(select(Department))}
    assert {code for code, *_ in DEPARTMENTS} <= set(departments)
    by_name = {d.name: d for d in departments.values()}
    assert by_name["师生食堂"].parent.name == "服务中心"
    assert by_name["服务中心"].parent.name == "后勤处"
    assert by_name["财务室"].parent.name == "后勤处"
    assert by_name["后勤处"].kind == DepartmentKind.logistics
    assert by_name["校长室"].kind == DepartmentKind.admin
    assert by_name["高三年级组"].kind == DepartmentKind.teaching
    categories = {c.name: c for c in db.session.scalars(select(AssetCategory))}
    assert {code for code, *_ in CATEGORIES} <= {c.code for c in categories.values()}
    assert categories["计算机设备"].parent.name == "通用设备"
    assert categories["厨房设备"].parent.name == "专用设备"
    assert categories["宿舍家具"].parent.name == "家具用具装具"
    for top in ("土地房屋及构筑物", "通用设备", "专用设备", "文物和陈列品", "图书档案", "家具用具装具"):
        assert categories[top].parent is None


# Tables of models whose migration is not written yet (TEST_CREATE_MISSING_TABLES), made after the migrations.
CREATE_MISSING_TABLES = """
from flask_appbuilder import Model
from flask_migrate import upgrade
from app import create_app
from app.extensions import MIGRATIONS, db
with create_app().app_context():
    upgrade(directory=str(MIGRATIONS))
    Model.metadata.create_all(db.engine)
"""


def test_scale_two_loads_into_a_fresh_database(tmp_path):
    database = tmp_path / "demo2.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "INSTANCE_DIR": str(tmp_path),
           "SECRET_KEY": "test-only-secret", "DEMO_MODE": "0"}
    flask = Path(sys.executable).with_name("flask")
    if os.environ.get("TEST_CREATE_MISSING_TABLES"):  # the development aid of tests/conftest.py, in this database
        made = subprocess.run([sys.executable, "-c", CREATE_MISSING_TABLES], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=240)
        assert made.returncode == 0, made.stderr[-3000:]
    done = subprocess.run([str(flask), "--app", "run", "demo", "--scale", "2"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "资产卡片" in done.stdout
    with sqlite3.connect(database) as conn:
        assets = conn.execute("select count(*) from asset").fetchone()[0]
        staff = conn.execute("select count(*) from staff").fetchone()[0]
        loans = conn.execute("select count(*) from asset_loan").fetchone()[0]
        bad = conn.execute("select count(*) from asset where abs(amount - quantity * unit_price) > 0.005").fetchone()[0]
        repairs = conn.execute("select count(*) from repair_order").fetchone()[0]
        requests = conn.execute("select count(*) from purchase_request").fetchone()[0]
        beds = conn.execute("select count(*) from bed").fetchone()[0]
        housed = conn.execute("select count(*) from accommodation where status = 'active'").fetchone()[0]
        counters = dict(((p, d), v) for p, d, v in conn.execute("select prefix, day, value from serial_counter"))
        codes = [c for (c,) in conn.execute("select code from repair_order union all select code from hazard "
                                            "union all select code from purchase_request union all select code "
                                            "from stock_item union all select code from stock_movement "
                                            "union all select code from requisition")]
        items = conn.execute("select count(*) from stock_item").fetchone()[0]
        off_book = conn.execute(
            "select count(*) from stock_item i where abs(i.on_hand - coalesce((select sum(case when m.kind in "
            "('receive', 'give_back', 'gain') then m.quantity else -m.quantity end) from stock_movement m "
            "where m.item_id = i.id), 0)) > 0.005").fetchone()[0]
    assert 3800 <= assets <= 4300
    assert 70 <= staff <= 100
    assert 250 <= loans <= 350
    assert bad == 0
    assert 5500 <= repairs <= 6600 and 900 <= requests <= 1100
    assert housed <= beds  # students scale only up to the beds there are
    assert _counters_cover(codes, counters)
    assert items >= 180 and off_book == 0  # more brands at a bigger scale; stock is what the ledger says


# =============================================================================================
# A school year of service activity
# =============================================================================================

SERIAL = re.compile(r"^(CG|BX|YH|WZ|KC|LY)-(\d{8})-(\d{4})$")
CENT = Decimal("0.01")


def _counters_cover(codes, counters) -> bool:
    """Every demo number PREFIX-YYYYMMDD-NNNN is at most its day's counter (so new numbers never collide)."""
    highest = {}
    for code in codes:
        found = SERIAL.match(code or "")
        if found:
            key = (found.group(1), found.group(2))
            highest[key] = max(highest.get(key, 0), int(found.group(3)))
    return bool(highest) and all(counters.get(key, 0) >= value for key, value in highest.items())


def _demo_building_names():
    from demo.loader import DORM_BUILDINGS

    return [row[0] for row in DORM_BUILDINGS]


def test_purchases_in_every_state_with_consistent_lines_acceptances_and_claims(db):
    from models.purchasing import (
        Acceptance,
        AcceptanceConclusion,
        Budget,
        PurchaseItem,
        PurchaseRequest,
        PurchaseStatus,
        Reimbursement,
    )

    s = db.session
    requests = {r.id: r for r in s.execute(select(PurchaseRequest.id, PurchaseRequest.status, PurchaseRequest.total,
                                                  PurchaseRequest.requested_on, PurchaseRequest.budget_id,
                                                  PurchaseRequest.code)
                                           .where(PurchaseRequest.code.like("CG-2%")))}
    assert set(Counter(r.status for r in requests.values())) == set(PurchaseStatus)
    lines = {}
    fixed = 0
    for request_id, quantity, unit_price, amount, is_fixed, category in s.execute(
            select(PurchaseItem.request_id, PurchaseItem.quantity, PurchaseItem.unit_price, PurchaseItem.amount,
                   PurchaseItem.is_fixed_asset, PurchaseItem.category_id)):
        if request_id not in requests:
            continue
        assert quantity >= 1 and amount == (Decimal(quantity) * Decimal(unit_price)).quantize(CENT)
        assert bool(is_fixed) == (unit_price >= 1000)
        if is_fixed:
            assert category is not None
            fixed += 1
        lines.setdefault(request_id, []).append(amount)
    assert fixed >= 50  # some lines are fixed assets (≥ 1000 元, one card each on 入库)
    for request_id, request in requests.items():
        assert 1 <= len(lines[request_id]) <= 6
        assert request.total == sum(lines[request_id])
    budget_year = dict(s.execute(select(Budget.id, Budget.year)).all())
    for request in requests.values():
        if request.budget_id is not None:
            assert budget_year[request.budget_id] == request.requested_on.year
    passed = Counter()
    for request_id, conclusion, accepted_on in s.execute(
            select(Acceptance.request_id, Acceptance.conclusion, Acceptance.accepted_on)):
        if request_id in requests:
            request = requests[request_id]
            assert request.requested_on <= accepted_on <= clock.today()
            assert request.status in (PurchaseStatus.to_accept, PurchaseStatus.stored, PurchaseStatus.reimbursed)
            passed[request_id] += conclusion == AcceptanceConclusion.passed
    for request_id, request in requests.items():
        accepted = request.status in (PurchaseStatus.stored, PurchaseStatus.reimbursed)
        assert passed[request_id] == (1 if accepted else 0), request.code
    claimed = Counter()
    for request_id, amount in s.execute(select(Reimbursement.request_id, Reimbursement.amount)):
        if request_id in requests:
            claimed[request_id] += amount
    for request_id, request in requests.items():
        if request.status == PurchaseStatus.reimbursed:
            assert claimed[request_id] == request.total, request.code
        else:
            assert request_id not in claimed, request.code


def test_repairs_cover_every_state_and_follow_their_timeline(db):
    from models.org import Department, Staff
    from models.repairs import RepairMaterial, RepairOrder
    from models.repairs import RepairStatus as S

    s = db.session
    now = clock.now()
    orders = s.execute(select(RepairOrder).where(RepairOrder.code.like("BX-2%"))).scalars().all()
    statuses = Counter(o.status for o in orders)
    assert set(statuses) == set(S)
    assert statuses[S.done] > 0.8 * len(orders)
    overdue = [o for o in orders if o.is_overdue()]
    assert 3 <= len(overdue) <= 0.03 * len(orders)
    repair_group = s.scalar(select(Department.id).where(Department.name == "水电维修组"))
    group = set(s.scalars(select(Staff.id).where(Staff.department_id == repair_group)))
    for o in orders:
        assert not o.validate(), o.code
        assert o.reported_at <= now and o.promised_at >= o.reported_at
        dispatched = o.status not in (S.pending, S.rejected, S.cancelled)
        assert (o.worker_id is not None) == dispatched == (o.dispatched_at is not None), o.code
        if dispatched:
            assert o.worker_id in group and o.reported_at <= o.dispatched_at
        assert (o.accepted_at is not None) == (o.status in (S.repairing, S.waiting_parts, S.to_check, S.done)), o.code
        finished = o.status in (S.to_check, S.done)
        assert (o.finished_at is not None) == finished == bool(o.work_record), o.code
        if finished:
            assert o.dispatched_at <= o.accepted_at <= o.finished_at <= now
        assert (o.checked_at is not None) == (o.status == S.done) == (o.checker_id is not None), o.code
        if o.status == S.done:
            assert o.finished_at <= o.checked_at <= now and o.checker_id == o.reporter_id
        if o.rating is not None:
            assert o.status == S.done and 1 <= o.rating <= 5
    ratings = [o.rating for o in orders if o.rating is not None]
    assert len(ratings) > 0.6 * len(orders) and sum(ratings) / len(ratings) >= 4.0
    assert Counter(ratings)[1] > 0 and Counter(ratings)[5] > len(ratings) / 2  # skewed positive, not all happy
    late = sum(o.finished_late() for o in orders)
    assert 0.02 * len(orders) < late < 0.15 * len(orders)
    ids = {o.id for o in orders}
    with_materials = set()
    for order_id, quantity, unit_price, amount in s.execute(
            select(RepairMaterial.order_id, RepairMaterial.quantity, RepairMaterial.unit_price, RepairMaterial.amount)):
        if order_id in ids:
            assert amount == (Decimal(quantity) * Decimal(unit_price)).quantize(CENT)
            with_materials.add(order_id)
    assert len(with_materials) > 0.4 * len(orders)
    assert {o.status for o in orders if o.id in with_materials} <= {S.repairing, S.waiting_parts, S.to_check, S.done}


def test_repair_history_matches_each_order(db):
    from app.rules.history import WorkflowLog
    from models.repairs import REPAIR_WORKFLOW, RepairOrder
    from models.repairs import RepairStatus as S

    s = db.session
    orders = {o.id: o for o in s.execute(select(RepairOrder.id, RepairOrder.status, RepairOrder.reported_at,
                                                RepairOrder.code).where(RepairOrder.code.like("BX-2%")))}
    steps = {step.name: step for step in REPAIR_WORKFLOW.steps}
    history = {}
    for row in s.execute(select(WorkflowLog).where(WorkflowLog.model == "RepairOrder")
                         .order_by(WorkflowLog.created_at, WorkflowLog.id)).scalars():
        if row.record_id in orders:
            history.setdefault(row.record_id, []).append(row)
    for order_id, order in orders.items():
        rows = history.get(order_id, [])
        if order.status == S.pending:
            assert not rows, order.code
            continue
        assert rows, order.code
        state = S.pending.value
        for row in rows:
            step = steps[row.step]
            assert row.step_label == step.label and row.from_state == state, (order.code, row.step)
            assert row.from_state in {x.value for x in step.source} and row.to_state == step.target.value
            assert row.created_at >= order.reported_at and row.actor_name
            state = row.to_state
        assert state == order.status.value, order.code
    weixiu = _user(db, "weixiu")
    assert s.scalar(select(func.count()).select_from(WorkflowLog).where(WorkflowLog.actor_id == weixiu.id)) > 100


def test_demo_accounts_have_repairs_to_work_on(db):
    from models.repairs import RepairDelay, RepairOrder
    from models.repairs import RepairStatus as S

    s = db.session

    def statuses(column, username):
        staff = _staff_of(db, _user(db, username))
        return Counter(s.scalars(select(RepairOrder.status).where(column == staff.id)))

    weixiu = statuses(RepairOrder.worker_id, "weixiu")
    assert weixiu[S.dispatched] >= 2 and weixiu[S.repairing] >= 2 and weixiu[S.waiting_parts] >= 1
    assert weixiu[S.done] > 100
    shuidian = statuses(RepairOrder.worker_id, "shuidian")
    assert shuidian[S.dispatched] >= 1 and shuidian[S.repairing] >= 1
    teacher = _staff_of(db, _user(db, "jiaoshi"))
    mine = s.execute(select(RepairOrder.status, RepairOrder.rating).where(RepairOrder.reporter_id == teacher.id)).all()
    assert sum(st == S.to_check for st, _ in mine) >= 2  # to accept (验收)
    assert sum(st == S.done and r is None for st, r in mine) >= 2  # to rate (评价)
    assert sum(st == S.done and r is not None for st, r in mine) >= 10
    for username in ("sushe", "shitang"):
        assert sum(statuses(RepairOrder.reporter_id, username).values()) > 50, username
    assert s.scalar(select(func.count()).select_from(RepairOrder)
                    .where(RepairOrder.status == S.pending, RepairOrder.code.like("BX-2%"))) >= 3  # for 派工
    delays = Counter(s.scalars(select(RepairDelay.status)))
    assert len(delays) == 3  # pending, approved and rejected requests to move a deadline
    for delay in s.scalars(select(RepairDelay)):
        assert not delay.validate()
        if delay.status.name == "approved":
            assert delay.order.promised_at == delay.new_promised_at > delay.old_promised_at


def test_serial_numbers_are_unique_and_the_counter_is_ahead_of_them(db):
    from app.rules.numbering import SerialCounter
    from models.purchasing import PurchaseRequest
    from models.repairs import RepairOrder
    from models.safety import Hazard
    from models.store import Requisition, StockItem, StockMovement

    codes = []
    for model in (PurchaseRequest, RepairOrder, Hazard, StockItem, StockMovement, Requisition):
        found = db.session.scalars(select(model.code)).all()
        assert len(found) == len(set(found)), model.__name__
        assert sum(bool(SERIAL.match(c or "")) for c in found) >= 100, model.__name__
        codes += found
    counters = {(c.prefix, c.day): c.value for c in db.session.scalars(select(SerialCounter))}
    assert _counters_cover(codes, counters)
    # numbers follow time within a day (0001 is the first order reported that day)
    from models.repairs import RepairOrder as R

    day = {}
    for code, reported in db.session.execute(select(R.code, R.reported_at).order_by(R.reported_at, R.id)):
        found = SERIAL.match(code or "")
        if found and found.group(2) == f"{reported:%Y%m%d}":
            assert int(found.group(3)) > day.get(found.group(2), 0), code
            day[found.group(2)] = int(found.group(3))


def test_dorm_occupancy_rules_hold(db):
    from models.dorms import (
        Accommodation,
        AccommodationStatus,
        Bed,
        BedStatus,
        Building,
        DormChange,
        DormChangeStatus,
        Room,
        RoomStatus,
        Student,
    )

    s = db.session
    active = s.execute(select(Accommodation.student_id, Accommodation.bed_id, Bed.room_id, Student.gender,
                              Building.gender, Building.name)
                       .join(Bed, Accommodation.bed_id == Bed.id).join(Room, Bed.room_id == Room.id)
                       .join(Building, Room.building_id == Building.id)
                       .join(Student, Accommodation.student_id == Student.id)
                       .where(Accommodation.status == AccommodationStatus.active)).all()
    assert max(Counter(row[0] for row in active).values()) == 1  # no student in two active beds
    assert max(Counter(row[1] for row in active).values()) == 1  # no bed with two students
    assert all(row[3] == row[4] for row in active)  # genders match the building
    per_room = Counter(row[2] for row in active)
    capacity = dict(s.execute(select(Room.id, Room.capacity)).all())
    assert all(count <= capacity[room] for room, count in per_room.items())
    names = _demo_building_names()
    demo_rooms = s.execute(select(Room.id, Room.capacity, Room.status).join(Building)
                           .where(Building.name.in_(names))).all()
    for room_id, cap, status in demo_rooms:
        if status != RoomStatus.disabled:
            assert status == (RoomStatus.full if per_room[room_id] >= cap else RoomStatus.available), room_id
        else:
            assert per_room[room_id] == 0
    occupied = {row[1] for row in active}
    beds = s.execute(select(Bed.id, Bed.status).join(Room).join(Building).where(Building.name.in_(names))).all()
    for bed_id, status in beds:
        assert (status == BedStatus.occupied) == (bed_id in occupied), bed_id
    housed = sum(1 for row in active if row[5] in names)
    assert 0.85 * len(beds) <= housed <= len(beds)  # most beds filled
    assert 1500 <= len(beds) <= 2700 and 200 <= len(demo_rooms) <= 400
    for record in s.scalars(select(Accommodation).where(Accommodation.status == AccommodationStatus.ended)):
        assert record.moved_out is not None and record.moved_out >= record.moved_in
    changes = Counter(s.scalars(select(DormChange.status)))
    assert changes[DormChangeStatus.pending] and changes[DormChangeStatus.approved] and changes[DormChangeStatus.rejected]
    for change in s.scalars(select(DormChange).where(DormChange.status == DormChangeStatus.pending)):
        # The demo's own requests (a test may have added others since, beside its own buildings).
        if change.new_bed is None or change.new_bed.room.building.name in names:
            assert not change.validate(), change.id


def test_buildings_belong_to_dorm_management_and_sushe(db):
    from models.dorms import Building
    from models.org import Gender

    sushe = _staff_of(db, _user(db, "sushe"))
    buildings = db.session.scalars(select(Building).where(Building.name.in_(_demo_building_names()))).all()
    assert 6 <= len(buildings) <= 10
    assert all(b.department.name == "宿舍管理" for b in buildings)
    assert sum(b.manager_id == sushe.id for b in buildings) > len(buildings) / 2
    assert {b.gender for b in buildings} == set(Gender)


def test_hygiene_totals_are_the_sum_or_zero_when_vetoed(db):
    from models.dorm_conduct import SCORES
    from models.dorm_conduct import HygieneInspection as H

    columns = [getattr(H, name) for name in SCORES]
    rows = db.session.execute(select(H.total, H.safety_veto, H.violation, H.inspected_on, *columns)).all()
    vetoed = 0
    for total, veto, violation, day, *scores in rows:
        assert all(0 <= value <= top for value, top in zip(scores, SCORES.values()))
        assert day <= clock.today()
        if veto:
            vetoed += 1
            assert total == 0 and violation
        else:
            assert total == sum(scores)
    assert 0 < vetoed < 0.05 * len(rows)
    assert any(t is not None and t < 60 for t, *_ in rows)  # some rooms fail


def test_readings_are_continuous_per_meter(db):
    from models.utilities import ABNORMAL_FACTOR, Meter
    from models.utilities import MeterReading as M

    s = db.session
    price = dict(s.execute(select(Meter.id, Meter.unit_price).where(Meter.meter_no.like("_B-%"))).all())  # SB-, DB-
    rows = s.execute(select(M.meter_id, M.month, M.previous, M.current, M.usage, M.amount, M.replaced, M.abnormal,
                            M.read_on).where(M.meter_id.in_(list(price))).order_by(M.meter_id, M.month)).all()
    by_meter = {}
    for row in rows:
        by_meter.setdefault(row.meter_id, []).append(row)
    assert len(by_meter) == len(price) >= 40
    replaced = abnormal = 0
    for meter_id, readings in by_meter.items():
        assert len(readings) == 12
        months = [r.month for r in readings]
        for earlier, later in zip(months, months[1:]):
            y, m = map(int, earlier.split("-"))
            assert later == (f"{y + 1}-01" if m == 12 else f"{y}-{m + 1:02d}")
        usages = []
        for before, reading in zip([None] + readings, readings):
            if before is not None:
                assert reading.previous == before.current, (meter_id, reading.month)
            usage = reading.current if reading.replaced else reading.current - reading.previous
            assert reading.usage == usage and usage > 0
            assert reading.replaced or reading.current >= reading.previous
            assert reading.amount == (usage * price[meter_id]).quantize(CENT, ROUND_HALF_UP)
            flagged = len(usages) >= 3 and usage > ABNORMAL_FACTOR * sum(usages) / len(usages)
            assert bool(reading.abnormal) == flagged, (meter_id, reading.month)
            assert reading.read_on.strftime("%Y-%m") == reading.month and reading.read_on <= clock.today()
            usages.append(usage)
            replaced += bool(reading.replaced)
            abnormal += bool(reading.abnormal)
    assert replaced >= 2 and abnormal >= 2


def test_patrols_and_hazards_through_the_year(db):
    from app.rules.history import WorkflowLog
    from models.safety import Hazard, HazardStatus, Patrol

    s = db.session
    days = set(s.scalars(select(Patrol.patrolled_on)))
    assert len(days) >= 300 and max(days) <= clock.today()
    assert s.scalar(select(func.count()).select_from(Patrol).where(Patrol.normal.is_(False))) > 10
    hazards = s.scalars(select(Hazard).where(Hazard.code.like("YH-2%"))).all()
    assert set(Counter(h.status for h in hazards)) == set(HazardStatus)
    assert 3 <= sum(h.overdue() for h in hazards) <= 0.2 * len(hazards)
    for hazard in hazards:
        assert not hazard.validate(), hazard.code
        closed = hazard.status == HazardStatus.closed
        assert (hazard.closed_at is not None) == closed == (hazard.accepted_by_id is not None)
    closed = {h.id for h in hazards if h.status == HazardStatus.closed}
    logged = set(s.scalars(select(WorkflowLog.record_id).where(WorkflowLog.model == "Hazard",
                                                               WorkflowLog.to_state == HazardStatus.closed.value)))
    assert closed == logged & {h.id for h in hazards}


def test_survey_rates_land_around_the_target(db):
    from models.satisfaction import Survey, satisfaction_rates

    surveys = db.session.scalars(select(Survey).where(Survey.title.like("%后勤服务满意度调查"))).all()
    assert surveys
    below = 0
    for survey in surveys:
        rates = satisfaction_rates(db.session, survey)
        assert rates["responses"] >= 100
        units = {u["unit"] for u in rates["units"]}
        assert {"师生食堂", "宿舍管理", "水电维修组", "校园绿化环卫组"} <= units
        for item in rates["items"]:
            assert item["total"] == rates["responses"], item["item"]
            assert Decimal("0.80") <= item["rate"] <= Decimal("1.00"), item["item"]
            below += not item["meets_target"]
        assert Decimal("0.85") <= rates["overall"]["rate"] <= Decimal("0.97")
    assert below >= 2  # some items miss the 90 % target


def test_teacher_sees_her_own_bills_and_answer_sheet(db):
    from models.satisfaction import SurveyResponse
    from models.utilities import Household, Meter, MeterReading

    teacher = _staff_of(db, _user(db, "jiaoshi"))
    homes = db.session.scalars(select(Household).where(Household.resident_id == teacher.id)).all()
    assert homes
    readings = db.session.scalar(select(func.count()).select_from(MeterReading).join(Meter)
                                 .where(Meter.household_id.in_([h.id for h in homes])))
    assert readings >= 24
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)
                             .where(SurveyResponse.submitter_id == _user(db, "jiaoshi").id)) >= 1


# =============================================================================================
# The consumables store and the stocktakes
# =============================================================================================

def _ledger(db):
    """Each item's movements in the order they happened: (date, id, kind, delta, quantity, price, amount)."""
    from models.store import INBOUND, StockMovement

    ledger = {}
    for m in db.session.execute(select(StockMovement.item_id, StockMovement.id, StockMovement.moved_on,
                                       StockMovement.kind, StockMovement.quantity, StockMovement.unit_price,
                                       StockMovement.amount).order_by(StockMovement.moved_on, StockMovement.id)):
        delta = Decimal(m.quantity) if m.kind in INBOUND else -Decimal(m.quantity)
        ledger.setdefault(m.item_id, []).append((m.moved_on, m.id, m.kind, delta, m.quantity, m.unit_price, m.amount))
    return ledger


def test_store_stock_is_what_its_movements_make_it(app, db):
    from models.store import MovementKind, StockItem

    items = db.session.scalars(select(StockItem)).all()
    assert app.extensions["demo_counts"]["物资"] >= 100  # the store as loaded at scale 1
    ledger = _ledger(db)
    today = clock.today()
    for item in items:
        running = Decimal("0")
        for moved_on, _id, _kind, delta, quantity, price, amount in ledger.get(item.id, []):
            running += delta
            assert running >= 0, (item.code, moved_on)  # never below zero on any day
            assert moved_on <= today and quantity > 0, item.code
            assert amount == (Decimal(quantity) * Decimal(price)).quantize(CENT), item.code
        assert item.on_hand == running and item.on_hand >= 0, (item.code, item.on_hand, running)
        if ledger.get(item.id):
            assert item.unit_cost > 0, item.code
    kinds = Counter(kind for rows in ledger.values() for _, _, kind, *_ in rows)
    assert set(kinds) == set(MovementKind), kinds  # 入库, 领用, 退库, 报损, 盘盈/盘亏, 维修领用
    first = min(day for rows in ledger.values() for day, *_ in rows)
    assert (today - first).days >= 300  # a year of it
    low = [i for i in items if i.on_hand < i.safety_stock]
    assert 1 <= len(low) <= 0.15 * len(items), [(i.name, i.on_hand, i.safety_stock) for i in low]
    assert any(i.on_hand == 0 for i in low)  # 无库存 too
    assert sum(i.on_hand >= i.safety_stock for i in items) > 0.8 * len(items)


def test_stored_purchases_went_into_the_store(db):
    from models.purchasing import (
        Acceptance,
        AcceptanceConclusion,
        PurchaseItem,
        PurchaseRequest,
        PurchaseStatus,
    )
    from models.store import MovementKind, StockItem, StockMovement

    s = db.session
    stored = dict(s.execute(select(PurchaseRequest.id, PurchaseRequest.code).where(
        PurchaseRequest.status.in_((PurchaseStatus.stored, PurchaseStatus.reimbursed)),
        PurchaseRequest.code.like("CG-2%"))).all())
    accepted = dict(s.execute(select(Acceptance.request_id, Acceptance.accepted_on).where(
        Acceptance.conclusion == AcceptanceConclusion.passed)).all())
    received = Counter()
    for request_id, name, spec, unit, quantity, moved_on in s.execute(
            select(StockMovement.purchase_request_id, StockItem.name, StockItem.spec, StockItem.unit,
                   StockMovement.quantity, StockMovement.moved_on)
            .join(StockItem, StockMovement.item_id == StockItem.id)
            .where(StockMovement.kind == MovementKind.receive, StockMovement.purchase_request_id.isnot(None))):
        received[(request_id, name, spec or "", unit, Decimal(quantity), moved_on)] += 1
    lines = 0
    for request_id, name, spec, unit, quantity, fixed in s.execute(
            select(PurchaseItem.request_id, PurchaseItem.name, PurchaseItem.spec, PurchaseItem.unit,
                   PurchaseItem.quantity, PurchaseItem.is_fixed_asset)
            .where(PurchaseItem.request_id.in_(list(stored)))):
        if fixed:
            continue
        key = (request_id, name, spec or "", unit, Decimal(quantity), accepted[request_id])
        assert received[key] >= 1, (stored[request_id], name)
        lines += 1
    assert lines >= 300


def test_requisitions_follow_their_workflow_and_match_the_ledger(db):
    from app.rules.history import WorkflowLog
    from models.store import MovementKind, Requisition, StockMovement
    from models.store import RequisitionStatus as S

    s = db.session
    requisitions = s.scalars(select(Requisition).where(Requisition.code.like("LY-2%"))).all()
    statuses = Counter(r.status for r in requisitions)
    assert statuses[S.issued] > 0.8 * len(requisitions)
    for status in (S.pending, S.approved, S.partial, S.rejected):
        assert statuses[status] >= 1, status
    issued = Counter()
    for requisition_id, item_id, kind, quantity in s.execute(
            select(StockMovement.requisition_id, StockMovement.item_id, StockMovement.kind, StockMovement.quantity)
            .where(StockMovement.requisition_id.isnot(None))):
        assert kind == MovementKind.issue
        issued[(requisition_id, item_id)] += Decimal(quantity)
    history = {}
    for row in s.execute(select(WorkflowLog).where(WorkflowLog.model == "Requisition")
                         .order_by(WorkflowLog.created_at, WorkflowLog.id)).scalars():
        history.setdefault(row.record_id, []).append(row)
    classes = 0
    for r in requisitions:
        assert not r.validate(), r.code
        given = [Decimal(line.issued or 0) for line in r.lines]
        for line, amount in zip(r.lines, given):
            assert issued[(r.id, line.item_id)] == amount, (r.code, line.item_id)
            assert amount <= line.quantity, r.code
        if r.status == S.issued:
            assert all(line.issued == line.quantity for line in r.lines), r.code
        elif r.status == S.partial:
            assert any(amount > 0 for amount in given) and any(line.remaining() > 0 for line in r.lines), r.code
        else:
            assert not any(given), r.code
        rows = history.get(r.id, [])
        if r.status == S.pending:
            assert not rows, r.code
        else:
            assert rows and rows[-1].to_state == r.status.value, r.code
            assert rows[0].from_state == S.pending.value and rows[0].created_at.date() >= r.requested_on, r.code
        if r.status in (S.pending, S.approved):  # what waits can be handed out
            assert all(line.item.on_hand >= line.quantity for line in r.lines), r.code
        if r.for_class:
            classes += 1
            assert re.fullmatch(r"高[一二三]（\d{1,2}）班", r.for_class) and r.responsible is not None, r.code
    assert classes >= 50


def test_waiting_requisitions_are_on_the_approvers_todo(as_user, db):
    from models.org import Staff
    from models.store import Requisition
    from models.store import RequisitionStatus as S

    zongwu = db.session.scalars(select(Staff).where(Staff.user_id == _user(db, "zongwu").id)).one()
    pending = db.session.scalars(select(Requisition).where(Requisition.status == S.pending,
                                                           Requisition.applicant_id != zongwu.id)).all()
    waiting = db.session.scalars(select(Requisition).where(Requisition.status.in_((S.approved, S.partial)))).all()
    assert pending and waiting
    page = as_user("zongwu").get("/todo/").text
    assert all(f"/requisition/show/{r.id}" in page for r in pending)
    page = as_user("baoguan").get("/todo/").text
    assert all(f"/requisition/show/{r.id}" in page for r in waiting)


def test_repairs_drew_their_materials_from_the_store(db):
    from models.repairs import RepairMaterial
    from models.store import MovementKind, StockMovement

    s = db.session
    drawn = s.scalars(select(RepairMaterial).where(RepairMaterial.item_id.isnot(None),
                                                   RepairMaterial.drawn.is_(True))).all()
    assert drawn
    moved = Counter()
    for order_id, item_id, quantity in s.execute(select(StockMovement.repair_order_id, StockMovement.item_id,
                                                        StockMovement.quantity)
                                                 .where(StockMovement.kind == MovementKind.repair)):
        moved[(order_id, item_id)] += Decimal(quantity)
    for material in drawn:
        assert material.name == material.item.name and material.unit == material.item.unit
        assert moved[(material.order_id, material.item_id)] >= material.quantity
        assert material.order.finished_at is not None
        assert material.amount == (Decimal(material.quantity) * Decimal(material.unit_price)).quantize(CENT)


def test_stocktakes_one_running_and_the_finished_ones_applied(db):
    from models.assets import AssetTransfer
    from models.stocktake import COUNTED, Stocktake, StocktakeKind, StocktakeResult, StocktakeStatus
    from models.store import StockMovement

    s = db.session
    stocktakes = s.scalars(select(Stocktake)).all()
    running = [t for t in stocktakes if t.status == StocktakeStatus.open and t.lines]
    closed = [t for t in stocktakes if t.status == StocktakeStatus.closed and t.lines]
    assert running and closed
    count = running[0]
    assert count.handler is not None and "财产保管员" in {r.name for r in count.handler.user.roles}
    found = [line for line in count.lines if line.found]
    assert 0.2 * len(count.lines) <= len(found) <= 0.6 * len(count.lines)
    for line in count.lines:
        assert line.expected and line.asset is not None, line.id
        assert line.asset.status in COUNTED and line.book_location_id == line.asset.location_id, line.id
        if line.asset.department_id is not None and count.department_id is not None:
            assert line.asset.department_id == count.department_id
        if line.found:
            assert line.checked_at is not None and line.result == StocktakeResult.normal, line.id
            assert line.actual_location_id == line.book_location_id
        else:
            assert line.checked_at is None and line.result is None, line.id

    assets = next(t for t in closed if t.kind != StocktakeKind.store)
    assert assets.ended_on is not None and assets.handler is not None
    moves = {(t.asset_id, t.from_location_id, t.to_location_id): t
             for t in s.scalars(select(AssetTransfer).where(AssetTransfer.transferred_on == assets.ended_on))}
    results = Counter(line.result for line in assets.lines)
    assert results[StocktakeResult.misplaced] and results[StocktakeResult.surplus]
    for line in assets.lines:
        assert line.expected == (line.asset is not None), line.id
        if line.found:
            assert line.checked_at is not None, line.id
        if line.result == StocktakeResult.misplaced:
            assert line.asset.location_id == line.actual_location_id != line.book_location_id
            move = moves.get((line.asset_id, line.book_location_id, line.actual_location_id))
            assert move is not None and assets.name in move.reason
        if line.expected and line.found:
            assert line.asset.last_stocktake_on == assets.ended_on

    store = next(t for t in closed if t.kind == StocktakeKind.store)
    booked = Counter()
    for item_id, delta in ((m.item_id, m.delta) for m in s.scalars(select(StockMovement)
                                                                    .where(StockMovement.stocktake_id == store.id))):
        booked[item_id] += delta
    differences = 0
    for line in store.lines:
        assert line.item is not None and line.asset is None and line.counted_quantity is not None
        difference = Decimal(line.counted_quantity) - Decimal(line.book_quantity)
        assert booked[line.item_id] == difference, line.item_id
        differences += bool(difference)
    assert 1 <= differences <= 0.1 * len(store.lines)
