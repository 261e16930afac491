"""The engine: a model declared only here, in at most 15 lines, gets screens, API, permissions and menu."""
from __future__ import annotations

import inspect as pyinspect
import re

import pytest

from app.declare import (
    Admin,
    Choice,
    Entity,
    choice,
    day,
    key,
    money,
    pk,
    quick,
    relation,
    text,
)
from app.meta import clock
from tests.conftest import DEMO_PASSWORD, login


class GadgetState(Choice):
    good = "完好"
    broken = "待修"


class Gadget(Entity):
    __tablename__ = "test_gadget"
    __admin__ = Admin("小器具", menu="测试分类", icon="fa-wrench", order=("name", "asc"),
                      list=["name", "state", "price", "bought_on", "owner"],
                      quick_filters=[quick("完好", state=GadgetState.good), quick("待修", state=GadgetState.broken)])
    id = pk()
    name = text("器具名称", 50, required=True, unique=True)
    state = choice(GadgetState, "器具状况", required=True, default=GadgetState.good)
    price = money("器具单价")
    bought_on = day("购入日期", prefill="today")
    owner_id = key("department.id")
    owner = relation("Department", "所属部门", prefill="current_department")




@pytest.fixture(scope="module")
def gadget_app(app):
    from app import create_app
    from app.extensions import db

    gadget_app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}, extra_models=[Gadget])
    with gadget_app.app_context():
        Gadget.__table__.create(db.engine, checkfirst=True)
        engine = gadget_app.extensions["engine"]
        engine.appbuilder.add_permissions(update_perms=True)
    yield gadget_app
    with gadget_app.app_context():
        db.session.remove()
        Gadget.__table__.drop(db.engine)


@pytest.fixture
def gadget_client(gadget_app):
    with gadget_app.test_client() as client:
        assert login(client, "admin", DEMO_PASSWORD).status_code == 200
        yield client


def test_declaration_is_at_most_15_lines():
    source = pyinspect.getsource(Gadget).strip().splitlines()
    assert len(source) <= 15, len(source)


def test_list_page_has_chinese_title_labels_menu_and_quick_filters(gadget_client):
    page = gadget_client.get("/test-gadget/list/")
    assert page.status_code == 200
    html = page.text
    for label in ("小器具", "器具名称", "器具状况", "器具单价", "购入日期", "所属部门", "测试分类"):
        assert label in html, label
    assert "快速筛选" in html and ">完好</a>" in html and ">待修</a>" in html


def test_add_form_is_chinese_prefilled_and_marks_required(gadget_client):
    html = gadget_client.get("/test-gadget/add").text
    assert "新增小器具" in html
    assert clock.today().isoformat() in html  # 购入日期 prefilled with today
    assert "保存并继续添加" in html
    name_row = re.search(r'<label for="name".*?</label>', html, re.S).group(0)
    assert "&#42;" in name_row  # required mark on 器具名称
    assert 'class="form-control engine-lookup' in html  # relation chosen by server-side search


def test_create_then_list_shows_money_enum_and_relation_in_chinese(gadget_client, gadget_app):
    from app.extensions import db
    from models.org import Department

    with gadget_app.app_context():
        dept = db.session.query(Department).filter_by(code=db.session.query(Department.code).limit(1).scalar()).one()
        dept_id, dept_name = dept.id, dept.name
    response = gadget_client.post("/test-gadget/add", data={
        "name": "卷尺", "state": "broken", "price": "1234.5", "bought_on": "2026-11-02",
        "owner": str(dept_id), "_continue": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/test-gadget/add")
    html = gadget_client.get("/test-gadget/list/").text
    assert "卷尺" in html and "¥1,234.50" in html and "待修" in html and dept_name in html
    assert "2026-11-02" in html
    assert "卷尺" not in gadget_client.get("/test-gadget/list/?_qf=0").text  # 完好 only
    assert "卷尺" in gadget_client.get("/test-gadget/list/?_qf=1").text


def test_unique_violation_keeps_input_with_chinese_message(gadget_client):
    gadget_client.post("/test-gadget/add", data={"name": "扳手", "state": "good", "price": "10"})
    again = gadget_client.post("/test-gadget/add", data={"name": "扳手", "state": "good", "price": "88.8"})
    assert again.status_code == 200
    assert "已存在" in again.text
    assert 'value="88.8"' in again.text  # what was typed is kept


def test_rest_api_under_the_same_permissions(gadget_client, gadget_app):
    listing = gadget_client.get("/api/v1/test-gadget/")
    assert listing.status_code == 200
    body = listing.get_json()
    assert body["label_columns"]["name"] == "器具名称"
    created = gadget_client.post("/api/v1/test-gadget/", json={"name": "螺丝刀", "state": "完好", "price": 5})
    assert created.status_code == 201, created.get_json()
    names = [row["name"] for row in gadget_client.get("/api/v1/test-gadget/?q=(page_size:100)").get_json()["result"]]
    assert "螺丝刀" in names


def test_permissions_exist_and_can_be_granted(gadget_app):
    from app.extensions import db

    with gadget_app.app_context():
        sm = gadget_app.appbuilder.sm
        for action in ("can_read", "can_add", "can_edit", "can_delete"):
            assert sm.find_permission_view_menu(action, "Gadget") is not None, action
        assert sm.find_permission_view_menu("menu_access", "小器具") is not None
        role = sm.add_role("测试角色-器具只读")
        role.permissions = [sm.find_permission_view_menu("can_read", "Gadget"),
                            sm.find_permission_view_menu("menu_access", "小器具"),
                            sm.find_permission_view_menu("menu_access", "测试分类")]
        db.session.commit()
        if sm.find_user(username="gadget_reader") is None:
            sm.add_user("gadget_reader", "器", "读", "reader@school.local", role, password=DEMO_PASSWORD)
    with gadget_app.test_client() as client:
        login(client, "gadget_reader")
        assert client.get("/test-gadget/list/").status_code == 200
        assert client.get("/test-gadget/add").status_code in (302, 403)
        assert client.post("/api/v1/test-gadget/", json={"name": "锤子", "state": "完好"}).status_code == 403
        assert "小器具" in client.get("/").text
        assert "资产卡片" not in client.get("/").text
