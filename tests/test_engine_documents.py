"""Engine features for documents: lines on one page, serial numbers, workflow steps with history and races."""
from __future__ import annotations

import re
import threading
from decimal import Decimal

import pytest

from app.declare import (
    Admin,
    Choice,
    Entity,
    Lines,
    choice,
    integer,
    key,
    money,
    pk,
    relation,
    serial,
    text,
)
from app.declare.workflow import Step, Workflow, person, role
from app.meta import clock
from tests.conftest import DEMO_PASSWORD, flashes, login


class TicketState(Choice):
    open = "待处理"
    doing = "处理中"
    checking = "待审核"
    done = "已完成"
    rejected = "已驳回"


class Ticket(Entity):
    __tablename__ = "test_ticket"
    __admin__ = Admin(
        "测试工单", menu="测试分类", list=["number", "title", "owner", "state", "total"],
        lines=[Lines("parts", ["name", "quantity", "price"])],
        workflow=Workflow("state", [
            Step("take", "接单", (TicketState.open,), TicketState.doing, by=person("owner")),
            Step("finish", "完工", (TicketState.doing,), TicketState.checking, by=person("owner"),
                 fields=("note",), required=("note",)),
            Step("review", "审核", (TicketState.checking,), TicketState.done, by=role("后勤主任"),
                 not_by=("owner",), reject_to=TicketState.rejected, return_to=TicketState.doing),
        ]))
    id = pk()
    number = serial("工单号", "GD")
    title = text("标题", 50, required=True)
    state = choice(TicketState, "状态", required=True, default=TicketState.open)
    owner_id = key("staff.id")
    owner = relation("Staff", "负责人")
    note = text("处理说明", 100)
    total = money("合计")
    parts = relation("TicketPart", "配件明细", cascade="all, delete-orphan")

    def before_save(self):
        self.total = sum((p.amount or Decimal(0) for p in self.parts), Decimal(0))


class TicketPart(Entity):
    __tablename__ = "test_ticket_part"
    __admin__ = Admin("测试配件", generate=False, api=False)
    id = pk()
    ticket_id = key("test_ticket.id", required=True)
    name = text("配件名称", 50, required=True)
    quantity = integer("数量", required=True)
    price = money("单价", required=True)
    amount = money("金额")

    def before_save(self):
        if self.quantity is not None and self.price is not None:
            self.amount = Decimal(self.quantity) * Decimal(self.price)

    def validate(self):
        return {"quantity": "数量须大于 0"} if self.quantity is not None and self.quantity <= 0 else {}


@pytest.fixture(scope="module")
def doc_app(app):
    from app import create_app
    from app.extensions import db

    application = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}, extra_models=[Ticket, TicketPart])
    with application.app_context():
        for table in (Ticket.__table__, TicketPart.__table__):
            table.create(db.engine, checkfirst=True)
        application.extensions["engine"].appbuilder.add_permissions(update_perms=True)
        from app.platform.permissions import sync_roles
        from models.roles import ROLES

        engine = application.extensions["engine"]
        roles = dict(ROLES)
        from app.declare.roles import RoleSpec

        for name in ("后勤主任", "教职工"):
            spec = roles[name]
            roles[name] = RoleSpec(spec.scope, {**spec.grants, "Ticket": "read add edit"}, spec.description)
        sync_roles(engine.appbuilder.sm, roles, engine.menu_entries())
    yield application
    with application.app_context():
        db.session.remove()
        TicketPart.__table__.drop(db.engine)
        Ticket.__table__.drop(db.engine)
        from app.platform.permissions import sync_roles
        from models.roles import ROLES

        sync_roles(application.appbuilder.sm, ROLES, application.extensions["engine"].menu_entries())


def client_for(doc_app, username):
    client = doc_app.test_client()
    assert "您好" in login(client, username, DEMO_PASSWORD).text
    return client


def owner_id(doc_app, username="jiaoshi"):
    from app.extensions import db
    from models.org import Staff

    with doc_app.app_context():
        user = doc_app.appbuilder.sm.find_user(username=username)
        return db.session.query(Staff).filter_by(user_id=user.id).one().id


def new_ticket(client, doc_app, **extra):
    data = {"title": "窗户漏风", "owner": owner_id(doc_app), "note": "",
            "parts-0-name": "密封条", "parts-0-quantity": "3", "parts-0-price": "12.5",
            "parts-1-name": "", "parts-1-quantity": "", "parts-1-price": "",
            "parts-2-name": "玻璃胶", "parts-2-quantity": "2", "parts-2-price": "18"}
    data.update(extra)
    return client.post("/test-ticket/add", data=data)


def latest(doc_app):
    from app.extensions import db

    with doc_app.app_context():
        ticket = db.session.query(Ticket).order_by(Ticket.id.desc()).first()
        return ticket.id, ticket.number, ticket.state, ticket.total, sorted(p.name for p in ticket.parts)


def test_add_form_has_a_lines_table(doc_app):
    html = client_for(doc_app, "admin").get("/test-ticket/add").text
    assert "配件明细" in html and "配件名称" in html and "添加一行" in html
    assert 'name="parts-0-name"' in html
    assert "工单号" not in html and 'name="state"' not in html  # engine-owned: never typed


def test_document_with_lines_saves_in_one_go_with_total_and_number(doc_app):
    response = new_ticket(client_for(doc_app, "admin"), doc_app)
    assert response.status_code == 302, flashes(response.text)
    _, number, state, total, parts = latest(doc_app)
    assert re.fullmatch(rf"GD-{clock.today():%Y%m%d}-\d{{4}}", number)
    assert state == TicketState.open and total == Decimal("73.50") and parts == ["密封条", "玻璃胶"]


def test_bad_line_is_refused_next_to_its_cell_and_nothing_is_saved(doc_app):
    before = latest(doc_app)[0]
    response = new_ticket(client_for(doc_app, "admin"), doc_app, **{"parts-2-quantity": "-1"})
    assert response.status_code == 200
    assert "数量须大于 0" in response.text
    assert 'value="玻璃胶"' in response.text and 'value="窗户漏风"' in response.text
    assert latest(doc_app)[0] == before


def test_a_document_needs_at_least_one_line(doc_app):
    before = latest(doc_app)[0]
    response = new_ticket(client_for(doc_app, "admin"), doc_app, **{
        "parts-0-name": "", "parts-0-quantity": "", "parts-0-price": "",
        "parts-2-name": "", "parts-2-quantity": "", "parts-2-price": ""})
    assert "请至少填写 1 行「配件明细」" in " ".join(flashes(response.text))
    assert latest(doc_app)[0] == before


def test_editing_lines_updates_adds_and_removes(doc_app):
    client = client_for(doc_app, "admin")
    new_ticket(client, doc_app)
    ticket_id = latest(doc_app)[0]
    edit = client.get(f"/test-ticket/edit/{ticket_id}").text
    version = re.search(r'id="seen_version"[^>]*value="(\d+)"', edit).group(1)
    ids = re.findall(r'name="parts-\d-id"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="parts-\d-id"', edit)
    first_id = next(a or b for a, b in ids)
    response = client.post(f"/test-ticket/edit/{ticket_id}", data={
        "title": "窗户漏风（加急）", "owner": owner_id(doc_app), "seen_version": version,
        "parts-0-id": first_id, "parts-0-name": "密封条", "parts-0-quantity": "4", "parts-0-price": "12.5",
        "parts-1-name": "合页", "parts-1-quantity": "1", "parts-1-price": "9.9"})
    assert response.status_code == 302, flashes(response.text)
    _, _, _, total, parts = latest(doc_app)
    assert parts == ["合页", "密封条"] and total == Decimal("59.90")


def test_serial_numbers_are_unique_under_concurrent_saves(doc_app):
    from app.extensions import db
    from app.rules import write

    numbers, errors = [], []

    def save_one(i):
        with doc_app.app_context():
            ticket = Ticket(title=f"并发{i}", state=TicketState.open)
            ticket.parts = [TicketPart(name="螺丝", quantity=1, price=Decimal("1"))]
            try:
                write.save(db.session, ticket)
                numbers.append(ticket.number)
            except Exception as exc:  # a failure is recorded, not swallowed
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=save_one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(numbers) == 8 and len(set(numbers)) == 8


def test_steps_are_offered_only_to_who_may_take_them(doc_app):
    new_ticket(client_for(doc_app, "admin"), doc_app)
    ticket_id = latest(doc_app)[0]
    owner_page = client_for(doc_app, "jiaoshi").get(f"/test-ticket/show/{ticket_id}").text
    assert ">接单</button>" in owner_page and "当前状态：待处理" in owner_page
    other_page = client_for(doc_app, "zongwu").get(f"/test-ticket/show/{ticket_id}").text
    assert ">接单<" not in other_page and "您当前没有可办理的操作" in other_page
    refused = client_for(doc_app, "zongwu").post(f"/test-ticket/step/take/{ticket_id}", follow_redirects=True)
    assert "未办理" in " ".join(flashes(refused.text))
    assert latest(doc_app)[2] == TicketState.open


def test_full_path_with_required_field_approval_rules_and_history(doc_app):
    new_ticket(client_for(doc_app, "admin"), doc_app)
    ticket_id = latest(doc_app)[0]
    owner = client_for(doc_app, "jiaoshi")
    assert owner.post(f"/test-ticket/step/take/{ticket_id}").status_code == 302
    again = owner.post(f"/test-ticket/step/take/{ticket_id}", follow_redirects=True)  # a double click
    assert "已被处理" in " ".join(flashes(again.text))
    missing = owner.post(f"/test-ticket/step/finish/{ticket_id}", data={"note": ""})
    assert missing.status_code == 200 and "必填" in missing.text
    assert latest(doc_app)[2] == TicketState.doing
    assert owner.post(f"/test-ticket/step/finish/{ticket_id}", data={"note": "已更换密封条"}).status_code == 302
    assert latest(doc_app)[2] == TicketState.checking
    assert ">审核<" not in owner.get(f"/test-ticket/show/{ticket_id}").text  # the owner cannot approve his own
    chief = client_for(doc_app, "zongwu")
    no_reason = chief.post(f"/test-ticket/step/review/{ticket_id}", data={"decision": "驳回", "comment": ""})
    assert "请填写驳回理由" in no_reason.text and latest(doc_app)[2] == TicketState.checking
    back = chief.post(f"/test-ticket/step/review/{ticket_id}", data={"decision": "退回修改", "comment": "请拍照"})
    assert back.status_code == 302 and latest(doc_app)[2] == TicketState.doing
    owner.post(f"/test-ticket/step/finish/{ticket_id}", data={"note": "已更换并拍照"})
    assert chief.post(f"/test-ticket/step/review/{ticket_id}", data={"decision": "通过"}).status_code == 302
    assert latest(doc_app)[2] == TicketState.done
    page = chief.get(f"/test-ticket/show/{ticket_id}").text
    for text_ in ("接单", "完工", "审核（退回修改）", "意见：请拍照", "审核（通过）", "待审核 → 已完成"):
        assert text_ in page, text_


def test_two_approvers_at_once_exactly_one_succeeds(doc_app):
    from app.extensions import db
    from app.rules import steps
    from app.rules.write import Refused

    new_ticket(client_for(doc_app, "admin"), doc_app)
    ticket_id = latest(doc_app)[0]
    with doc_app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        ticket.state = TicketState.checking
        db.session.commit()
    results = []
    barrier = threading.Barrier(2)

    def approve():
        with doc_app.test_request_context():
            from flask_login import login_user

            user = doc_app.appbuilder.sm.find_user(username="zongwu")
            login_user(user)
            record = db.session.get(Ticket, ticket_id)
            workflow = Ticket.__admin__.workflow
            barrier.wait()
            try:
                steps.take(db.session, record, workflow, workflow.step("review"), user)
                results.append("ok")
            except Refused as refused:
                results.append(refused.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    assert any("已被处理" in r for r in results if r != "ok")
    with doc_app.app_context():
        from app.rules.history import WorkflowLog

        logs = db.session.query(WorkflowLog).filter_by(model="Ticket", record_id=ticket_id, step="review").count()
    assert logs == 1
