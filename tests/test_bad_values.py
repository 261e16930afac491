"""Bad input (issue 13): every value the fuzzing found breaking a door, fed through the form and through REST.

Each is refused on its field with a Chinese message, nothing is saved, and the pages that read the model
still answer afterwards (an ``Infinity`` budget once broke the home page of four roles).
"""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func

from tests.conftest import flashes

HUGE_ID = 2**63 + 5
NOT_NUMBERS = ["Infinity", "NaN", "sNaN", "-Infinity", "1e308", "123456789012345678901"]


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.query(func.count(model.id)).scalar()


def field_errors(html: str) -> str:
    """The texts shown next to fields and in flashes."""
    import re

    return " ".join(re.findall(r'class="help-block[^"]*"[^>]*>(.*?)<', html, re.S)) + " ".join(flashes(html))


def _department(db):
    from models.org import Department

    return db.session.query(Department).order_by(Department.id).first()


@pytest.mark.parametrize("typed", NOT_NUMBERS)
def test_a_budget_amount_that_is_no_finite_number_is_refused_on_both_doors(app, db, admin, typed):
    from models.purchasing import Budget

    before = count(db, Budget)
    subject = f"测试科目{uuid.uuid4().hex[:6]}"
    page = admin.post("/budget/add", data={"department": _department(db).id, "year": 2026, "subject": subject,
                                           "amount": typed})
    assert page.status_code == 200
    assert "有限的数字" in field_errors(page.text) or "数值太大" in field_errors(page.text) \
        or "请输入" in field_errors(page.text), field_errors(page.text)
    assert typed in page.text  # what was typed stays in the field
    rest = admin.post("/api/v1/budget/", json={"department": _department(db).id, "year": 2026,
                                               "subject": subject, "amount": typed})
    assert rest.status_code in (400, 422), rest.json
    said = str(rest.json["message"])
    assert "有限的数字" in said or "数值太大" in said or "请填写数字" in said, said
    assert rest.json.get("labels", {}).get("amount") == "预算金额" or "amount" not in rest.json["message"]
    assert count(db, Budget) == before
    for path in ("/", "/budget/list/"):
        assert admin.get(path).status_code == 200


def test_rest_numbers_beyond_the_column_are_refused(app, db, admin):
    from models.purchasing import Budget

    before = count(db, Budget)
    for amount in (1e308, 10**20, -10**20):
        rest = admin.post("/api/v1/budget/", json={"department": _department(db).id, "year": 2026,
                                                   "subject": f"测试科目{uuid.uuid4().hex[:6]}", "amount": amount})
        assert rest.status_code == 422 and ("数值太大" in str(rest.json["message"]) or "请填写数字" in str(rest.json["message"])), rest.json
    assert count(db, Budget) == before


def test_a_room_cannot_have_a_huge_number_of_beds(app, db, admin):
    from models.dorms import Bed, Building, Room

    building = db.session.query(Building).order_by(Building.id).first()
    room = db.session.query(Room).filter_by(building_id=building.id).order_by(Room.id).first()
    beds = count(db, Bed)
    page = admin.get(f"/room/edit/{room.id}")
    from tests.test_door_rules import form_of

    fields = form_of(page.text)
    fields["capacity"] = ["1000000000"]
    posted = admin.post(f"/room/edit/{room.id}", data=fields)
    assert posted.status_code == 200 and "不能大于 40" in field_errors(posted.text)
    rest = admin.put(f"/api/v1/room/{room.id}", json={"capacity": 10**9, "row_version": room.row_version})
    assert rest.status_code == 422 and "不能大于 40" in str(rest.json["message"]), rest.json
    assert count(db, Bed) == beds


def test_nul_bytes_in_text_are_refused_on_both_doors(app, db, admin):
    from models.purchasing import Supplier

    before = count(db, Supplier)
    name = f"供应商{uuid.uuid4().hex[:6]}\x00删除"
    page = admin.post("/supplier/add", data={"name": name, "contact": "张三"})
    assert page.status_code == 200 and "空字符" in field_errors(page.text)
    rest = admin.post("/api/v1/supplier/", json={"name": name, "contact": "张三"})
    assert rest.status_code == 422 and "空字符" in str(rest.json["message"]), rest.json
    assert count(db, Supplier) == before


def test_a_relation_number_beyond_64_bits_or_of_the_wrong_kind_is_refused(app, db, admin):
    from models.purchasing import Budget

    before = count(db, Budget)
    page = admin.post("/budget/add", data={"department": str(HUGE_ID), "year": 2026, "subject": "测试科目X",
                                           "amount": "100"})
    assert page.status_code == 200 and "所选记录不存在" in field_errors(page.text)
    for bad in (HUGE_ID, "abc", True, -1, 0, 1.5):
        rest = admin.post("/api/v1/budget/", json={"department": bad, "year": 2026, "subject": "测试科目X",
                                                   "amount": 100})
        assert rest.status_code == 422, (bad, rest.json)
        assert "请选择有效的记录" in str(rest.json["message"]["department"]), (bad, rest.json)
    lookup = admin.get(f"/budget/lookup/department?id={HUGE_ID}")
    assert lookup.status_code == 200 and lookup.json["results"] == []
    assert count(db, Budget) == before


def test_a_date_whose_arithmetic_would_overflow_is_refused(app, db, admin):
    from models.repairs import RepairOrder

    before = count(db, RepairOrder)
    department = _department(db)
    from models.org import Staff

    reporter = db.session.query(Staff).order_by(Staff.id).first()
    form = {"title": "灯不亮", "category": "electric", "urgency": "urgent", "place": "教学楼 101",
            "description": "不亮", "reporter": reporter.id, "department": department.id,
            "reported_at": "9999-12-31 23:59"}
    page = admin.post("/repair-order/add", data=form)
    assert page.status_code == 200 and "1900 年到 2100 年" in field_errors(page.text), field_errors(page.text)
    rest = admin.post("/api/v1/repair-order/", json={
        "title": "灯不亮", "category": "电", "urgency": "紧急", "place": "教学楼 101", "description": "不亮",
        "reporter": reporter.id, "department": department.id, "reported_at": "9999-12-31T23:59:00"})
    assert rest.status_code == 422 and "1900 年到 2100 年" in str(rest.json["message"]), rest.json
    assert count(db, RepairOrder) == before


@pytest.mark.parametrize("query", ["(((", "(" * 5000 + ")" * 5000, "(page:123456789012345678901,page_size:10)",
                                   "(filters:!((col:name,opr:ct,value:'%00')))", "!(", "'"])
def test_rest_list_queries_no_parser_survives_get_a_chinese_400(app, admin, query):
    response = admin.get("/api/v1/asset/", query_string={"q": query})
    assert response.status_code in (200, 400), (query[:40], response.status_code)
    if response.status_code == 400:
        assert response.json["message"] and not any(c.isascii() and c.isalpha() for c in response.json["message"])


@pytest.mark.parametrize("body", ["null", "[]", "[" * 5000 + "]" * 5000, '{"name": ' * 3000 + "1" + "}" * 3000,
                                  '"text"', "12"])
def test_rest_bodies_that_are_no_object_get_a_chinese_answer(app, db, admin, body):
    from models.purchasing import Supplier

    supplier = db.session.query(Supplier).order_by(Supplier.id).first()
    for method, path in (("post", "/api/v1/supplier/"), ("put", f"/api/v1/supplier/{supplier.id}")):
        response = getattr(admin, method)(path, data=body, content_type="application/json")
        assert response.status_code in (400, 422), (method, body[:20], response.status_code)
        message = str(response.json["message"])
        assert not any(c.isascii() and c.isalpha() for c in message.replace("JSON", "")), message


def test_rest_validation_messages_are_chinese_with_labels(app, admin):
    response = admin.post("/api/v1/budget/", json={"year": "二〇二六"})
    assert response.status_code == 422
    message = response.json["message"]
    assert set(response.json["labels"]) == set(message)
    assert response.json["labels"]["year"] == "年度"
    for texts in message.values():
        for text in texts:
            assert not any(c.isascii() and c.isalpha() for c in text), text


@pytest.mark.parametrize("path", ["/supplier/list/?q=a%00b", "/supplier/list/?_flt_0_name=a%00b",
                                  "/asset/list/?_flt_3_name=%00", "/api/v1/supplier/?q=(filters:!((col:name,opr:ct,value:'a%00')))",
                                  "/supplier/lookup/name?q=%00"])
def test_a_nul_byte_in_a_search_is_dropped_not_a_server_error(admin, path):
    response = admin.get(path)
    assert response.status_code < 500, (path, response.status_code)


@pytest.mark.parametrize("target", ["/%09/evil.example/", "/x%0d%0aSet-Cookie:%20a=b", "//evil.example",
                                    "https://evil.example/", "/\\evil.example"])
def test_a_step_with_a_foreign_or_broken_return_address_stays_on_the_site(as_user, db, target):
    """The step is applied once and the browser goes back to the record, never off site, never a 500."""
    from tests.test_repair_steps import report, state

    order_id = report(as_user, db)
    teacher = as_user("jiaoshi")
    response = teacher.post(f"/repair-order/step/cancel/{order_id}?next={target}", data={"comment": "不用修了"})
    assert response.status_code in (302, 303), response.status_code
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "evil" not in location, location
    assert "\r" not in location and "\n" not in location
    assert state(db, order_id) == "已取消"
