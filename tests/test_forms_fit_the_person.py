"""Forms that fit the person: the short form of those filing for themselves, lines entered on a workflow step,
保存并提交审批, reasons and stars on steps, phone links, and the login redirect.

Each test makes its own records (a random token in their names) and removes them when it ends; expectations are
read from the database with SQLAlchemy.
"""
from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest

from tests.conftest import department_budget, flashes


# ----------------------------------------------------------------------------- helpers
def token() -> str:
    return uuid.uuid4().hex[:10]


def staff_of(db, username):
    from flask_appbuilder.security.sqla.models import User

    from models.org import Staff

    return db.session.query(Staff).join(User, Staff.user_id == User.id).filter(User.username == username).one()


def form_fields(page: str) -> set[str]:
    """The names of the inputs of the page's main form (the one posted to save the record)."""
    forms = re.findall(r"<form\b.*?</form>", page, re.S)
    assert forms, "the page has a form"
    return set(re.findall(r'name="([^"]+)"', max(forms, key=len)))


def errors_next_to(page: str, name: str) -> list[str]:
    """The error texts drawn in the same table cell as the input called ``name``."""
    found = re.search(rf'name="{re.escape(name)}".*?</td>', page, re.S)
    if not found:
        return []
    cell = found.group(0)
    texts = re.findall(r'<div class="(?:alert alert-danger|text-danger small)"[^>]*>(.*?)</div>', cell, re.S)
    return [re.sub(r"<[^>]+>|\s+", " ", t).strip() for t in texts]


@pytest.fixture
def cleanup(db):
    """Repair orders and purchase requests (with their lines and history) to delete when the test ends."""
    made: list = []
    yield made
    from app.rules.history import WorkflowLog

    db.session.rollback()
    for model, pk in reversed(made):
        record = db.session.get(model, pk)
        if record is None:
            continue
        db.session.query(WorkflowLog).filter_by(model=model.__name__, record_id=pk).delete()
        db.session.delete(record)
        db.session.flush()
    db.session.commit()


def report_as_jiaoshi(as_user, db, cleanup, title: str, **extra) -> int:
    from models.repairs import RepairOrder

    client = as_user("jiaoshi")
    data = {"title": title, "category": "electric", "urgency": "normal", "place": "教学楼A 305",
            "description": "插座没电", "phone": "13900000000", **extra}
    response = client.post("/repair-order/add", data=data)
    assert response.status_code == 302, flashes(response.text)
    order = db.session.query(RepairOrder).filter_by(title=title).one()
    cleanup.append((RepairOrder, order.id))
    assert response.headers["Location"].endswith(f"/repair-order/show/{order.id}")
    return order.id


def to_repairing(as_user, db, order_id) -> None:
    """受理派工 (zongwu, to weixiu) and 接单 (weixiu)."""
    worker = staff_of(db, "weixiu")
    assert as_user("zongwu").post(f"/repair-order/step/dispatch/{order_id}",
                                  data={"worker": worker.id}).status_code == 302
    assert as_user("weixiu").post(f"/repair-order/step/accept/{order_id}").status_code == 302


def order(db, order_id):
    from models.repairs import RepairOrder

    db.session.expire_all()
    return db.session.get(RepairOrder, order_id)


# ============================================================================= the person's own form
def test_a_teacher_reports_without_reporter_department_time_or_materials(as_user):
    page = as_user("jiaoshi").get("/repair-order/add")
    assert page.status_code == 200
    fields = form_fields(page.text)
    assert {"title", "category", "urgency", "place", "description"} <= fields
    assert not fields & {"reporter", "department", "reported_at"}
    assert not any(f.startswith("materials-") for f in fields)
    form = max(re.findall(r"<form\b.*?</form>", page.text, re.S), key=len)
    for label in ("报修人", "报修部门", "报修时间", "维修耗材"):
        assert label not in form, label


def test_the_administrator_still_gets_the_whole_form(as_user):
    page = as_user("admin").get("/repair-order/add")
    assert page.status_code == 200
    fields = form_fields(page.text)
    assert {"reporter", "department", "reported_at"} <= fields
    assert "报修人" in max(re.findall(r"<form\b.*?</form>", page.text, re.S), key=len)
    assert not any(f.startswith("materials-") for f in fields)  # 维修耗材 belong to the 完工 step


def test_a_posted_reporter_is_ignored_for_those_filing_for_themselves(as_user, db, cleanup):
    me, principal = staff_of(db, "jiaoshi"), staff_of(db, "xiaozhang")
    assert me.department_id != principal.department_id
    order_id = report_as_jiaoshi(as_user, db, cleanup, f"{token()} 插座没电",
                                 reporter=principal.id, department=principal.department_id,
                                 reported_at="2020-01-01 08:00:00")
    saved = order(db, order_id)
    assert saved.reporter_id == me.id
    assert saved.department_id == me.department_id
    assert saved.reported_at.year != 2020


# ============================================================================= 维修耗材 on 完工
def test_materials_are_entered_on_the_finish_step(as_user, db, cleanup):
    from models.repairs import RepairMaterial

    order_id = report_as_jiaoshi(as_user, db, cleanup, f"{token()} 水管爆裂")
    to_repairing(as_user, db, order_id)
    worker = as_user("weixiu")
    page = worker.get(f"/repair-order/show/{order_id}").text
    assert 'name="materials-0-name"' in page  # the 完工 form carries the table

    # A bad row (数量 0): refused, with the message next to that cell; nothing changes.
    before = order(db, order_id)
    version = before.row_version
    refused = worker.post(f"/repair-order/step/finish/{order_id}", data={
        "work_record": "更换水管", "materials-0-name": "PPR 水管", "materials-0-unit": "米",
        "materials-0-quantity": "3", "materials-0-unit_price": "12.5",
        "materials-1-name": "弯头", "materials-1-unit": "个", "materials-1-quantity": "0",
        "materials-1-unit_price": "2"})
    assert refused.status_code == 200
    assert errors_next_to(refused.text, "materials-1-quantity") == ["数量须大于 0"]
    assert errors_next_to(refused.text, "materials-0-quantity") == []
    after = order(db, order_id)
    assert (after.status.value, after.work_record, after.row_version) == ("维修中", None, version)
    assert db.session.query(RepairMaterial).filter_by(order_id=order_id).count() == 0

    # Good rows are saved, a blank row between them is ignored.
    done = worker.post(f"/repair-order/step/finish/{order_id}", data={
        "work_record": "更换水管", "materials-0-name": "PPR 水管", "materials-0-unit": "米",
        "materials-0-quantity": "3", "materials-0-unit_price": "12.5",
        "materials-1-name": "", "materials-1-unit": "", "materials-1-quantity": "", "materials-1-unit_price": "",
        "materials-2-name": "弯头", "materials-2-unit": "个", "materials-2-quantity": "4",
        "materials-2-unit_price": "2"})
    assert done.status_code == 302, flashes(done.text)
    assert order(db, order_id).status.value == "待验收"
    rows = [(m.name, m.unit, m.quantity, m.unit_price, m.amount) for m in
            db.session.query(RepairMaterial).filter_by(order_id=order_id).order_by(RepairMaterial.id)]
    assert rows == [("PPR 水管", "米", Decimal("3"), Decimal("12.5"), Decimal("37.50")),
                    ("弯头", "个", Decimal("4"), Decimal("2"), Decimal("8.00"))]


# ============================================================================= 保存并提交审批
def _purchase(shitang, t: str, submit: bool, budget: int):
    data = {"reason": f"{t} 食堂购置", "fund_source": "budget", "method": "self_buy", "budget": budget,
            "items-0-name": "不锈钢餐盘", "items-0-unit": "个", "items-0-quantity": "40", "items-0-unit_price": "12.5",
            "items-1-name": "汤桶", "items-1-unit": "个", "items-1-quantity": "2", "items-1-unit_price": "180"}
    if submit:
        data["_submit"] = "1"
    return shitang.post("/purchase-request/add", data=data)


@pytest.mark.parametrize("submit", [True, False])
def test_save_and_submit_takes_the_submit_step(as_user, db, cleanup, submit):
    from app.rules.history import WorkflowLog
    from models.purchasing import PurchaseItem, PurchaseRequest

    client = as_user("shitang")
    page = client.get("/purchase-request/add").text
    assert "保存并提交审批" in page and 'name="_submit"' in page
    t = token()
    response = _purchase(client, t, submit, department_budget(db, "shitang"))
    assert response.status_code == 302, flashes(response.text)
    request = db.session.query(PurchaseRequest).filter(PurchaseRequest.reason == f"{t} 食堂购置").one()
    cleanup.append((PurchaseRequest, request.id))
    assert response.headers["Location"].endswith(f"/purchase-request/show/{request.id}")
    me = staff_of(db, "shitang")
    assert (request.applicant_id, request.department_id) == (me.id, me.department_id)
    amounts = [i.amount for i in db.session.query(PurchaseItem).filter_by(request_id=request.id)]
    assert sorted(amounts) == [Decimal("360.00"), Decimal("500.00")] and request.total == Decimal("860.00")
    logs = db.session.query(WorkflowLog).filter_by(model="PurchaseRequest", record_id=request.id).all()
    if submit:
        assert request.status.value == "待审批"
        assert [(log.step, log.from_state, log.to_state) for log in logs] == [("submit", "草稿", "待审批")]
    else:
        assert request.status.value == "草稿"
        assert logs == []


# ============================================================================= 返修 and 评分
def test_rework_needs_a_reason(as_user, db, cleanup):
    from app.rules.history import WorkflowLog

    order_id = report_as_jiaoshi(as_user, db, cleanup, f"{token()} 灯管闪烁")
    to_repairing(as_user, db, order_id)
    assert as_user("weixiu").post(f"/repair-order/step/finish/{order_id}",
                                  data={"work_record": "更换镇流器"}).status_code == 302
    reporter = as_user("jiaoshi")
    page = reporter.get(f"/repair-order/show/{order_id}").text
    assert 'data-step-label="返修"' in page and "返修原因" in page
    refused = reporter.post(f"/repair-order/step/rework/{order_id}", data={"comment": "  "})
    assert refused.status_code == 200
    assert "请填写返修原因" in " ".join(flashes(refused.text))
    assert order(db, order_id).status.value == "待验收"
    accepted = reporter.post(f"/repair-order/step/rework/{order_id}", data={"comment": "灯管还是闪"})
    assert accepted.status_code == 302, flashes(accepted.text)
    assert order(db, order_id).status.value == "维修中"
    log = db.session.query(WorkflowLog).filter_by(model="RepairOrder", record_id=order_id, step="rework").one()
    assert (log.from_state, log.to_state, log.comment) == ("待验收", "维修中", "灯管还是闪")


@pytest.mark.parametrize("score", ["0", "6"])
def test_stars_refuse_scores_outside_one_to_five(as_user, db, score):
    from models.repairs import RepairOrder, RepairStatus

    me = staff_of(db, "jiaoshi")
    target = (db.session.query(RepairOrder)
              .filter_by(reporter_id=me.id, status=RepairStatus.done, rating=None).order_by(RepairOrder.id).first())
    assert target is not None, "the demo gives jiaoshi finished repairs to rate"
    version = target.row_version
    response = as_user("jiaoshi").post(f"/repair-order/step/rate/{target.id}", data={"rating": score})
    assert response.status_code == 200
    after = order(db, target.id)
    assert (after.rating, after.row_version) == (None, version)
    messages = errors_next_to(response.text, "rating")
    assert messages, "a message is shown next to 评分"
    assert all(re.search(r"[\u4e00-\u9fff]", m) for m in messages)
    # It must say what is wrong: a score of 1 to 5 (the value was given, so "必填" would mislead).
    assert any("1" in m and "5" in m for m in messages), messages


# ============================================================================= small things
def test_phone_numbers_are_tel_links_on_detail_pages(as_user, db):
    from models.org import Department

    department = db.session.query(Department).filter(Department.phone.isnot(None), Department.phone != "") \
        .order_by(Department.id).first()
    page = as_user("admin").get(f"/department/show/{department.id}").text
    digits = "".join(ch for ch in department.phone if ch.isdigit() or ch == "+")
    row = re.search(r"联系电话</th>\s*<td>(.*?)</td>", page, re.S)
    assert row, "联系电话 row on the detail page"
    assert re.search(rf'<a href="tel:{re.escape(digits)}"[^>]*>.*?{re.escape(department.phone)}</a>', row.group(1), re.S)


def test_logged_out_home_goes_to_the_login_page(client):
    client.get("/logout/")
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].split("?")[0].endswith("/login/")
    page = client.get("/", follow_redirects=True)
    assert page.request.path == "/login/" and 'name="password"' in page.text
