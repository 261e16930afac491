"""Bad input gets a Chinese message next to the field, keeps what was typed and saves nothing."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.meta import clock
from tests.conftest import flashes


def field_errors(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", e).strip() for e in re.findall(r"<li>(.*?)</li>", html)
            if re.search(r"[\u4e00-\u9fff]", e)]


def _refs(db):
    from models.assets import AssetCategory, Location
    from models.org import Department, Staff

    return {
        "category": db.session.query(AssetCategory).first().id,
        "department": db.session.query(Department).first().id,
        "staff": db.session.query(Staff).first().id,
        "location": db.session.query(Location).first().id,
    }


def asset_form(db, **changes):
    refs = _refs(db)
    data = {"code": "ZC-TEST-0001", "name": "测试用投影仪", "category": refs["category"], "unit": "台",
            "quantity": "1", "unit_price": "3200", "purchased_on": "2026-09-01",
            "department": refs["department"], "keeper": refs["staff"], "location": refs["location"],
            "purpose": "teaching", "status": "in_use"}
    data.update(changes)
    return data


def count(db, model):
    return db.session.query(model).count()


@pytest.mark.parametrize("changes,field_message", [
    ({"code": ""}, "必填"),
    ({"name": ""}, "必填"),
    ({"quantity": "三"}, "整数"),
    ({"unit_price": "abc"}, "数"),
    ({"purchased_on": "2026-13-45"}, "日期"),
    ({"quantity": "2", "unit_price": "4500"}, "一物一卡"),
    ({"quantity": "0"}, "数量至少为 1"),
    ({"warranty_until": "2020-01-01"}, "保修截止不能早于购置日期"),
    ({"category": "999999"}, "所选记录不存在"),
    ({"status": "flying"}, "选择"),
])
def test_bad_asset_input_is_refused_in_chinese_and_kept(admin, db, changes, field_message):
    from models.assets import Asset

    before = count(db, Asset)
    data = asset_form(db, **changes)
    response = admin.post("/asset/add", data=data)
    assert response.status_code == 200  # the form again, not a redirect and never a 500
    errors = " ".join(field_errors(response.text) + flashes(response.text))
    assert field_message in errors, errors
    assert 'value="测试用投影仪"' in response.text or changes.get("name") == ""
    db.session.expire_all()
    assert count(db, Asset) == before


def test_duplicate_asset_code_is_refused(admin, db):
    from models.assets import Asset

    existing = db.session.query(Asset).first().code
    before = count(db, Asset)
    response = admin.post("/asset/add", data=asset_form(db, code=existing))
    assert response.status_code == 200
    assert "已存在" in response.text
    assert count(db, Asset) == before


def test_valid_asset_is_saved_with_amount_computed(admin, db):
    from models.assets import Asset

    response = admin.post("/asset/add", data=asset_form(db, code="ZC-TEST-OK-1", quantity="3", unit_price="120.5"))
    assert response.status_code == 302
    asset = db.session.query(Asset).filter_by(code="ZC-TEST-OK-1").one()
    assert str(asset.amount) == "361.50"
    admin.post(f"/asset/delete/{asset.id}")


def loan_form(db, **changes):
    from models.assets import Asset, AssetStatus

    refs = _refs(db)
    free = db.session.query(Asset).filter(Asset.status == AssetStatus.in_use, ~Asset.loans.any(),
                                          Asset.unit_price < 5000).first()  # a valuable one would need approval
    data = {"asset": free.id, "borrower": refs["staff"], "department": refs["department"],
            "lent_on": "2026-11-01", "due_on": "2026-11-20"}
    data.update(changes)
    return data


@pytest.mark.parametrize("changes,message", [
    ({"due_on": ""}, "必填"),
    ({"due_on": "2026-10-01"}, "应还日期不能早于借出日期"),
    ({"returned_on": "2026-10-15"}, "归还日期不能早于借出日期"),
    ({"lent_on": "昨天"}, "日期"),
    ({"borrower": ""}, "必填"),
])
def test_bad_loan_input_is_refused_in_chinese_and_kept(admin, db, changes, message):
    from models.assets import AssetLoan

    before = count(db, AssetLoan)
    response = admin.post("/asset-loan/add", data=loan_form(db, **changes))
    assert response.status_code == 200
    errors = " ".join(field_errors(response.text) + flashes(response.text))
    assert message in errors, errors
    db.session.expire_all()
    assert count(db, AssetLoan) == before


def test_asset_already_on_loan_cannot_be_lent_again(admin, db):
    from models.assets import AssetLoan

    open_loan = db.session.query(AssetLoan).filter(AssetLoan.returned_on.is_(None)).first()
    before = count(db, AssetLoan)
    response = admin.post("/asset-loan/add", data=loan_form(db, asset=open_loan.asset_id))
    assert "已借出且尚未归还" in response.text
    assert count(db, AssetLoan) == before


def test_loan_marks_asset_lent_and_return_frees_it(admin, db):
    from models.assets import Asset, AssetLoan, AssetStatus

    data = loan_form(db, due_on=(clock.today() + timedelta(days=7)).isoformat(), lent_on=clock.today().isoformat())
    assert admin.post("/asset-loan/add", data=data).status_code == 302
    db.session.expire_all()
    loan = db.session.query(AssetLoan).filter_by(asset_id=data["asset"]).one()
    assert db.session.get(Asset, data["asset"]).status == AssetStatus.on_loan
    edit = admin.get(f"/asset-loan/edit/{loan.id}").text
    version = re.search(r'name="seen_version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="seen_version"', edit)
    data.update(returned_on=clock.today().isoformat(), return_condition="完好",
                seen_version=version.group(1) or version.group(2))
    assert admin.post(f"/asset-loan/edit/{loan.id}", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Asset, data["asset"]).status == AssetStatus.in_use


def test_stale_edit_is_refused_and_nothing_overwritten(admin, db):
    from models.org import Staff

    staff = db.session.query(Staff).order_by(Staff.id.desc()).first()
    data = {"staff_no": staff.staff_no, "name": "改过的名字", "gender": staff.gender.name,
            "department": staff.department_id, "employment": staff.employment.name,
            "on_duty": "y", "seen_version": str(staff.row_version - 1)}
    response = admin.post(f"/staff/edit/{staff.id}", data=data)
    assert response.status_code == 200
    assert "已被他人修改" in response.text
    db.session.expire_all()
    assert db.session.get(Staff, staff.id).name != "改过的名字"


def test_deleting_a_department_with_staff_or_assets_is_refused_with_reason(admin, db):
    from models.assets import Asset
    from models.org import Department

    busy = db.session.query(Department).filter(Department.id.in_(
        db.session.query(Asset.department_id))).first()
    response = admin.post(f"/department/delete/{busy.id}", follow_redirects=True)
    messages = " ".join(flashes(response.text))
    assert "不能删除" in messages and "教职工" in messages and "资产卡片" in messages, messages
    db.session.expire_all()
    assert db.session.get(Department, busy.id) is not None


def test_deleting_an_unreferenced_department_works(admin, db):
    from models.org import Department, DepartmentKind

    dept = Department(name="临时专班", code="TMP-DEL-1", kind=DepartmentKind.admin)
    db.session.add(dept)
    db.session.commit()
    response = admin.post(f"/department/delete/{dept.id}", follow_redirects=True)
    assert "已删除" in " ".join(flashes(response.text))
    db.session.expire_all()
    assert db.session.get(Department, dept.id) is None


def test_rest_refuses_bad_input_with_chinese_messages(admin, db):
    from models.assets import Asset

    before = count(db, Asset)
    refs = _refs(db)
    body = {"code": "ZC-API-1", "name": "接口测试", "category": refs["category"], "unit": "台",
            "quantity": 5, "unit_price": 5000, "purchased_on": "2026-09-01", "department": refs["department"],
            "status": "在用"}
    response = admin.post("/api/v1/asset/", json=body)
    assert response.status_code == 422
    assert "一物一卡" in str(response.get_json())
    assert count(db, Asset) == before
