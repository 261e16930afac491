"""操作日志: every create, update and delete — from a page, the REST API or a workflow step — leaves an
append-only row with who, when, the record and, for a change, each field's old → new value as a person reads it."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete as sql_delete
from sqlalchemy import update as sql_update

from app.meta import clock
from tests.conftest import flashes


def rows_for(db, model: str, record_id: int):
    """The audit rows of this record's life (a deleted record's number may be given again on SQLite)."""
    from app.rules.audit import AuditLog, lifetime

    db.session.expire_all()
    return (db.session.query(AuditLog).filter(*lifetime(db.session, model, record_id))
            .order_by(AuditLog.id).all())


def person(db, username: str) -> str:
    from flask import current_app

    user = current_app.appbuilder.sm.find_user(username=username)
    return f"{user.first_name}{user.last_name}"


def changes(row) -> dict[str, tuple[str, str]]:
    return {c["label"]: (c["old"], c["new"]) for c in json.loads(row.changes or "[]")}


def test_page_create_update_delete_are_logged_with_chinese_labels(admin, db):
    from models.purchasing import Supplier

    response = admin.post("/supplier/add", data={"name": "审计测试五金店", "contact": "张三", "phone": "0571-1234"})
    assert response.status_code == 302, flashes(response.text)
    supplier = db.session.query(Supplier).filter_by(name="审计测试五金店").one()

    response = admin.post(f"/supplier/edit/{supplier.id}", data={
        "name": "审计测试五金店", "contact": "李四", "phone": "0571-1234", "address": "",
        "seen_version": str(supplier.row_version)})
    assert response.status_code == 302, flashes(response.text)

    created, updated = rows_for(db, "Supplier", supplier.id)
    admin_name = person(db, "admin")
    assert (created.action, created.model_label, created.record_name) == ("新增", "供应商", "审计测试五金店")
    assert created.user_name == admin_name and created.user_id is not None
    assert abs(created.created_at - clock.now()) < timedelta(minutes=2)
    assert updated.action == "修改" and updated.user_name == admin_name
    assert changes(updated) == {"联系人": ("张三", "李四")}  # only what changed (the blank address was blank)

    html = admin.get(f"/supplier/show/{supplier.id}").text  # the record's own history, newest first
    history = html[html.index("修改记录") + len("修改记录"):]
    assert "联系人" in history and "张三" in history and "李四" in history
    assert history.index("修改") < history.index("新增")

    assert admin.post(f"/supplier/delete/{supplier.id}").status_code == 302
    deleted = rows_for(db, "Supplier", supplier.id)[-1]
    assert (deleted.action, deleted.record_name) == ("删除", "审计测试五金店")
    assert changes(deleted)["联系人"] == ("李四", "")  # the last values are kept


def _asset_payload(db, code: str, **extra) -> dict:
    from models.assets import AssetCategory
    from models.org import Department

    category = db.session.query(AssetCategory).order_by(AssetCategory.id).first()
    department = db.session.query(Department).order_by(Department.id).first()
    payload = {"code": code, "name": "审计测试投影仪", "category": category.id, "unit": "台", "quantity": 1,
               "unit_price": 1200, "purchased_on": clock.today().isoformat(), "department": department.id,
               "status": "在用", "fund_source": "学校自筹", "purchase_method": "自购"}
    payload.update(extra)
    return payload


def test_rest_api_changes_are_logged_with_money_relations_and_enums_formatted(admin, db):
    from models.assets import Asset
    from models.org import Department

    created = admin.post("/api/v1/asset/", json=_asset_payload(db, "SJ-AUDIT-001"))
    assert created.status_code == 201, created.json
    asset_id = created.json["id"]
    asset = db.session.get(Asset, asset_id)
    old_department = asset.department
    other = db.session.query(Department).filter(Department.id != old_department.id).order_by(Department.id).first()

    changed = admin.put(f"/api/v1/asset/{asset_id}", json={"unit_price": 1500.5, "department": other.id,
                                                           "status": "闲置", "row_version": created.json["row_version"]})
    assert changed.status_code == 200, changed.json
    rows = rows_for(db, "Asset", asset_id)
    assert [r.action for r in rows] == ["新增", "修改"]
    assert rows[0].model_label == "资产卡片" and rows[0].user_name == person(db, "admin")
    diff = changes(rows[1])
    assert diff["单价"] == ("¥1,200.00", "¥1,500.50")
    assert diff["使用部门"] == (old_department.name, other.name)
    assert diff["状态"] == ("在用", "闲置")
    assert diff["金额"] == ("¥1,200.00", "¥1,500.50")  # derived by the model, logged too

    assert admin.delete(f"/api/v1/asset/{asset_id}").status_code == 200
    assert rows_for(db, "Asset", asset_id)[-1].action == "删除"


def test_a_document_numbered_on_save_has_one_create_row_and_a_step_is_logged(as_user, db):
    from models.org import Staff
    from models.repairs import RepairOrder

    client = as_user("jiaoshi")
    reporter = db.session.query(Staff).filter_by(
        user_id=client.application.appbuilder.sm.find_user(username="jiaoshi").id).one()
    response = client.post("/repair-order/add", data={
        "title": "审计测试：门锁坏了", "category": "door_window", "urgency": "normal", "place": "行政楼 201",
        "description": "门锁拧不动", "reporter": reporter.id, "department": reporter.department_id,
        "reported_at": clock.now().strftime("%Y-%m-%d %H:%M:%S")})
    assert response.status_code == 302, flashes(response.text)
    order = db.session.query(RepairOrder).filter_by(title="审计测试：门锁坏了").one()
    (created,) = rows_for(db, "RepairOrder", order.id)  # not 新增 + 修改 for the number drawn after the INSERT
    assert created.action == "新增" and created.record_name == str(order) and created.record_name.startswith("BX-")
    assert created.user_name == person(db, "jiaoshi")

    chief = as_user("zongwu")
    choice = chief.get("/repair-order/lookup/worker?q=").json["results"][0]  # someone 后勤主任 may choose
    worker = db.session.get(Staff, choice["id"])
    response = chief.post(f"/repair-order/step/dispatch/{order.id}", data={"worker": worker.id})
    assert response.status_code == 302, flashes(response.text)
    step = rows_for(db, "RepairOrder", order.id)[-1]
    assert step.action == "修改" and step.user_name == person(db, "zongwu")
    diff = changes(step)
    assert diff["状态"] == ("待受理", "已派工")
    assert diff["维修人"] == ("", worker.name)
    assert diff["派工人"][1]  # set by the step's effect

    html = chief.get(f"/repair-order/show/{order.id}").text
    history = html[html.index("修改记录") + len("修改记录"):]
    assert "待受理" in history and "已派工" in history and worker.name in history
    assert history.index("修改") < history.index("新增")  # newest first
    remove(db, order)


def remove(db, *records) -> None:
    """Tests leave no documents behind (test_demo_data checks every numbered one)."""
    for record in records:
        db.session.delete(db.session.merge(record))
    db.session.commit()


def test_removed_document_lines_are_logged_as_deleted(app, db):
    from models.org import Staff
    from models.repairs import RepairMaterial, RepairOrder

    reporter = db.session.query(Staff).filter(Staff.user_id.isnot(None)).first()
    order = RepairOrder(title="审计测试：耗材行", description="换水龙头", place="食堂", reporter=reporter,
                        department_id=reporter.department_id, reported_at=clock.now())
    order.materials = [RepairMaterial(name="水龙头", unit="个", quantity=Decimal("1"), unit_price=Decimal("35"))]
    order.before_save()
    db.session.add(order)
    db.session.commit()
    line_id = order.materials[0].id
    assert rows_for(db, "RepairMaterial", line_id)[0].user_name == "系统"  # no login user: the system

    order.materials = []
    db.session.commit()
    deleted = rows_for(db, "RepairMaterial", line_id)[-1]
    assert deleted.action == "删除" and deleted.model_label == "维修耗材"
    assert changes(deleted)["单价"] == ("¥35.00", "")
    remove(db, order)


def test_audit_rows_cannot_be_changed_or_deleted(app, db):
    from app.rules.audit import AuditLog, AuditLogReadOnly

    row = db.session.query(AuditLog).order_by(AuditLog.id).first()
    assert row is not None
    row.user_name = "改过的人"
    with pytest.raises(AuditLogReadOnly):
        db.session.commit()
    db.session.rollback()

    db.session.delete(db.session.get(AuditLog, row.id))
    with pytest.raises(AuditLogReadOnly):
        db.session.flush()
    db.session.rollback()

    with pytest.raises(AuditLogReadOnly):
        db.session.query(AuditLog).filter(AuditLog.id == row.id).delete()
    db.session.rollback()
    with pytest.raises(AuditLogReadOnly):
        db.session.execute(sql_update(AuditLog).where(AuditLog.id == row.id).values(user_name="x"))
    db.session.rollback()
    with pytest.raises(AuditLogReadOnly):
        db.session.execute(sql_delete(AuditLog).where(AuditLog.id == row.id))
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(AuditLog, row.id).user_name != "改过的人"


def test_only_the_administrator_may_search_the_log(admin, as_user, db):
    admin.post("/supplier/add", data={"name": "审计搜索测试商行", "contact": "王五"})
    page = admin.get("/audit-log/list/?_flt_2_record_name=审计搜索测试商行")
    assert page.status_code == 200
    assert "操作日志" in page.text and "审计搜索测试商行" in page.text and "新增" in page.text
    assert "操作人" in page.text and "数据类型" in page.text and "变更内容" in page.text
    for filters in ("_flt_0_action=新增", "_flt_0_model_label=供应商", "_flt_2_user_name=" + person(db, "admin"),
                    "_flt_1_created_at=" + clock.today().isoformat()):
        assert admin.get(f"/audit-log/list/?{filters}").status_code == 200, filters
    home = admin.get("/").text
    assert "系统管理" in home and "操作日志" in home
    for forbidden in ("/audit-log/add", "/audit-log/edit/1", "/audit-log/delete/1"):
        assert admin.get(forbidden).status_code in (302, 403, 404)

    for username in ("xiaozhang", "zongwu", "jiaoshi"):  # 校长 reads everything else, but not this
        client = as_user(username)
        assert client.get("/audit-log/list/").status_code == 403
        assert client.get("/audit-log/show/1").status_code == 403
        assert "操作日志" not in client.get("/").text


def test_user_and_role_changes_are_logged(app, db):
    sm = app.appbuilder.sm
    role = sm.find_role("教职工")
    user = sm.add_user("audit_tester", "审", "计员", "audit_tester@school.local", role, password="Audit1234")
    assert user
    user.roles = [role, sm.find_role("宿管员")]
    user.active = False
    db.session.commit()
    rows = rows_for(db, "User", user.id)
    assert [r.action for r in rows] == ["新增", "修改"]
    assert rows[0].model_label == "用户" and rows[0].record_name == "审计员（audit_tester）"
    diff = changes(rows[1])
    assert diff["角色"] == ("教职工", "教职工、宿管员") and diff["是否启用"] == ("是", "否")
    db.session.delete(user)
    db.session.commit()
    assert [r.action for r in rows_for(db, "User", user.id)] == ["新增", "修改", "删除"]


def test_a_bulk_page_is_logged_record_by_record(as_user, db):
    from app.rules.audit import AuditLog, lifetime
    from models.dorms import Accommodation
    from tests.test_dorms_utilities import building, dorm_department, student

    hall = building(db, gender="male", rooms=1, capacity=2, department=dorm_department(db))
    boys = [student(db, gender="male", class_name="高一(8)班") for _ in range(2)]
    client = as_user("sushe")
    assert client.post("/dorm-allocation/allocate", data={"building": hall.id,
                                                         "student": [s.id for s in boys]}).status_code == 200
    db.session.expire_all()
    stays = db.session.query(Accommodation).filter(Accommodation.student_id.in_([s.id for s in boys])).all()
    assert len(stays) == 2
    for stay in stays:
        (row,) = db.session.query(AuditLog).filter(*lifetime(db.session, "Accommodation", stay.id)).all()
        assert row.action == "新增" and row.user_name == person(db, "sushe") and row.model_label
