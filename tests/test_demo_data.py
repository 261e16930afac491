"""The demo data: believable, consistent, idempotent, refused outside demo mode, and fast to load at scale."""
from __future__ import annotations

from app import clock

import os
import re
import sqlite3
import subprocess
import sys
from collections import Counter

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from tests.conftest import DEMO_ACCOUNTS, DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent

# Where each demo account's staff record works (a 年级组 for the teacher).
ACCOUNT_DEPARTMENTS = {
    "admin": {"办公室"}, "xiaozhang": {"校长室"}, "zongwu": {"后勤处"}, "caiwu": {"财务室"},
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


def test_counts_at_scale_one_are_in_the_expected_ranges(db):
    from demo.loader import counts

    found = counts(db.session)
    expected = {
        "部门": (16, 40), "教职工": (35, 60), "资产分类": (20, 80), "存放地点": (100, 1000),
        "资产卡片": (1800, 2300), "借用登记": (120, 180), "调拨": (45, 80), "损坏赔偿": (30, 50),
        "报废申请": (10, 20), "盘点": (1, 3), "盘点明细": (20, 600), "考核": (30, 60), "登录账号": (11, 40),
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
    from models.assets import (AssetDamage, AssetDisposal, AssetStatus, DamageCause, DisposalStatus, Stocktake,
                               StocktakeResult)
    from models.org import ASSESSMENT_WEIGHTS, Assessment, grade_for

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
    stocktake = db.session.scalars(select(Stocktake)).first()
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
        assert item.total == total.quantize(Decimal("0.1"))
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


def test_scale_two_loads_into_a_fresh_database(tmp_path):
    database = tmp_path / "demo2.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "INSTANCE_DIR": str(tmp_path),
           "SECRET_KEY": "test-only-secret", "DEMO_MODE": "0"}
    flask = Path(sys.executable).with_name("flask")
    done = subprocess.run([str(flask), "--app", "run", "demo", "--scale", "2"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "资产卡片" in done.stdout
    with sqlite3.connect(database) as conn:
        assets = conn.execute("select count(*) from asset").fetchone()[0]
        staff = conn.execute("select count(*) from staff").fetchone()[0]
        loans = conn.execute("select count(*) from asset_loan").fetchone()[0]
        bad = conn.execute("select count(*) from asset where abs(amount - quantity * unit_price) > 0.005").fetchone()[0]
    assert 3800 <= assets <= 4300
    assert 70 <= staff <= 100
    assert 250 <= loans <= 350
    assert bad == 0
