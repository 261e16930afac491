"""Login accounts on the staff form, follow-up documents from a patrol's findings, and the dorm allocation page's
data scope.

Records are made with a random token in their names; staff and login users made here stay (they hold harmless
roles: 宿管员 / 教职工), every other record is removed when its test ends.
"""
from __future__ import annotations

import csv
import io
import re
import uuid

import pytest
from sqlalchemy import or_, select

from app.meta import clock
from tests.conftest import flashes, login


# ----------------------------------------------------------------------------- helpers
def token() -> str:
    return uuid.uuid4().hex[:8]


def staff_of(db, username):
    from flask_appbuilder.security.sqla.models import User

    from models.org import Staff

    return db.session.query(Staff).join(User, Staff.user_id == User.id).filter(User.username == username).one()


def department_named(db, name):
    from models.org import Department

    return db.session.query(Department).filter_by(name=name).one()


def user_named(db, username):
    from flask_appbuilder.security.sqla.models import User

    db.session.expire_all()
    return db.session.query(User).filter_by(username=username).one_or_none()


def errors_next_to(page: str, name: str) -> list[str]:
    """The error texts drawn in the same table cell as the (first) input called ``name``."""
    found = re.search(rf'name="{re.escape(name)}".*?</td>', page, re.S)
    if not found:
        return []
    texts = re.findall(r'<div class="alert alert-danger"[^>]*>(.*?)</div>', found.group(0), re.S)
    return [re.sub(r"<[^>]+>|\s+", " ", t).strip() for t in texts]


def logged_in_as(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


@pytest.fixture
def cleanup(db):
    made: list = []
    yield made
    from app.rules.history import WorkflowLog

    db.session.rollback()
    for record in reversed(made):
        found = db.session.get(type(record), record.id) if record.id is not None else None
        if found is None:
            continue
        db.session.query(WorkflowLog).filter_by(model=type(record).__name__, record_id=record.id).delete()
        db.session.delete(found)
        db.session.flush()
    db.session.commit()


def save(db, cleanup, record):
    from app.rules import write

    write.save(db.session, record)
    cleanup.append(record)
    return record


def staff_form(t: str, department_id: int, **account) -> dict:
    data = {"staff_no": f"T{t}", "name": f"测试员{t}", "gender": "female", "department": department_id,
            "position": "宿管", "employment": "contract", "on_duty": "y", "account_active": "y"}
    data.update(account)
    return data


# ============================================================================= 6. login accounts on the staff form
def test_admin_opens_a_login_account_with_the_staff_record(as_user, db):
    from models.assets import Asset
    from models.org import Staff

    t = token()
    dorm_dept = department_named(db, "宿舍管理")
    admin = as_user("admin")
    form = admin.get("/staff/add").text
    for name in ("account_username", "account_roles", "account_password"):
        assert f'name="{name}"' in form, name
    assert "登录账号" in form and 'name="account_email"' not in form
    username = f"acct{t}"
    response = admin.post("/staff/add", data=staff_form(t, dorm_dept.id, account_username=username,
                                                         account_roles=["宿管员", "教职工"],
                                                         account_password="Qinggong2026"))
    assert response.status_code == 302, flashes(response.text)
    staff = db.session.query(Staff).filter_by(staff_no=f"T{t}").one()
    assert response.headers["Location"].endswith(f"/staff/show/{staff.id}")
    user = user_named(db, username)
    assert user is not None and staff.user_id == user.id
    assert {r.name for r in user.roles} == {"宿管员", "教职工"}
    assert (user.first_name, user.last_name) == (staff.name, "")
    assert user.active and user.email  # no e-mail was asked for; the account still has a placeholder

    # The new person logs in and sees only the assets of their department (宿管员: 本部门).
    client = as_user(username, "Qinggong2026")
    assert logged_in_as(client) == str(user.id)
    assert client.get("/asset/list/").status_code == 200
    exported = client.get("/asset/export.csv")
    assert exported.status_code == 200
    codes = {row["资产编号"] for row in csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig")))}
    expected = set(db.session.scalars(select(Asset.code).where(
        or_(Asset.department_id == dorm_dept.id, Asset.keeper_id == staff.id))))
    assert codes == expected and len(expected) > 0
    assert len(expected) < db.session.query(Asset).count()
    page = client.get("/asset/list/?psize_AssetView=100").text
    shown = {int(i) for i in re.findall(r'class="engine-card-title" href="/asset/show/(\d+)"',
                                        page.split("engine-list-cards", 1)[1])}
    in_scope = set(db.session.scalars(select(Asset.id).where(
        or_(Asset.department_id == dorm_dept.id, Asset.keeper_id == staff.id))))
    assert shown <= in_scope and len(shown) == min(100, len(in_scope))


@pytest.mark.parametrize("case", ["taken", "weak", "no_role", "chinese"])
def test_bad_account_fields_are_refused_and_nothing_is_saved(as_user, db, case):
    from flask_appbuilder.security.sqla.models import User

    from models.org import Staff

    t = token()
    username = {"taken": "sushe", "chinese": f"张三{t}"}.get(case, f"acct{t}")
    account = {"account_username": username, "account_roles": ["教职工"], "account_password": "Qinggong2026"}
    if case == "weak":
        account["account_password"] = "password"
    if case == "no_role":
        account.pop("account_roles")
    field = {"taken": "account_username", "chinese": "account_username", "weak": "account_password",
             "no_role": "account_roles"}[case]
    users_before = db.session.query(User).count()
    response = as_user("admin").post("/staff/add", data=staff_form(t, department_named(db, "宿舍管理").id, **account))
    assert response.status_code == 200
    messages = errors_next_to(response.text, field)
    assert messages and all(re.search(r"[\u4e00-\u9fff]", m) for m in messages), (case, messages)
    if case == "taken":
        assert any("已被使用" in m for m in messages)
    if case == "no_role":
        assert messages == ["请至少选择一个角色"]
    db.session.expire_all()
    assert db.session.query(Staff).filter_by(staff_no=f"T{t}").count() == 0
    assert db.session.query(User).count() == users_before
    if case != "taken":
        assert user_named(db, username) is None


def test_editing_the_staff_record_resets_the_password_and_changes_roles(as_user, db):
    from models.org import Staff

    t = token()
    dept = department_named(db, "宿舍管理")
    username = f"edit{t}"
    admin = as_user("admin")
    created = admin.post("/staff/add", data=staff_form(t, dept.id, account_username=username,
                                                        account_roles=["宿管员"], account_password="Qinggong2026"))
    assert created.status_code == 302, flashes(created.text)
    staff = db.session.query(Staff).filter_by(staff_no=f"T{t}").one()
    page = admin.get(f"/staff/edit/{staff.id}").text
    assert re.search(rf'name="account_username"[^>]*value="{username}"|value="{username}"[^>]*name="account_username"',
                     page)
    assert "重设密码" in page
    db.session.refresh(staff)
    edited = admin.post(f"/staff/edit/{staff.id}", data={
        **staff_form(t, dept.id, account_username=username, account_roles=["教职工"],
                     account_password="Xinmima2027"), "seen_version": staff.row_version})
    assert edited.status_code == 302, flashes(edited.text)
    user = user_named(db, username)
    assert {r.name for r in user.roles} == {"教职工"}

    client = admin
    client.get("/logout/")
    login(client, username, "Qinggong2026")
    assert logged_in_as(client) is None  # the old password no longer works
    client.get("/logout/")
    login(client, username, "Xinmima2027")
    assert logged_in_as(client) == str(user.id)


def test_only_those_who_manage_users_see_or_set_account_fields(as_user, db):
    from flask_appbuilder.security.sqla.models import User

    from models.org import Staff
    from models.roles import ROLES

    editors = [name for name, spec in ROLES.items()
               if name != "系统管理员" and spec.actions_for("Staff") & {"add", "edit"}]
    assert editors == [], "a non-admin role may edit staff: extend this test to post as that role"
    # No other role may edit staff: zongwu (后勤主任, who reads staff) gets no form with account fields.
    client = as_user("zongwu")
    staff = staff_of(db, "jiaoshi")
    for url in ("/staff/add", f"/staff/edit/{staff.id}"):
        page = client.get(url)
        assert 'name="account_username"' not in page.text and "登录账号" not in page.text.split("</nav>")[-1], url
    t = token()
    users_before = db.session.query(User).count()
    client.post("/staff/add", data=staff_form(t, staff.department_id, account_username=f"sneak{t}",
                                                account_roles=["系统管理员"], account_password="Qinggong2026"))
    version = staff.row_version
    client.post(f"/staff/edit/{staff.id}", data={
        **staff_form(t, staff.department_id, account_username=f"sneak{t}", account_roles=["系统管理员"],
                     account_password="Qinggong2026"), "seen_version": version})
    db.session.expire_all()
    assert user_named(db, f"sneak{t}") is None
    assert db.session.query(User).count() == users_before
    assert db.session.query(Staff).filter_by(staff_no=f"T{t}").count() == 0
    assert db.session.get(Staff, staff.id).staff_no != f"T{t}"
    jiaoshi = user_named(db, "jiaoshi")
    assert {r.name for r in jiaoshi.roles} == {"教职工"}


# ============================================================================= 7. follow-up documents
@pytest.fixture
def patrol(db, cleanup):
    from models.safety import Patrol

    t = token()
    return save(db, cleanup, Patrol(patrolled_on=clock.today(), patroller=staff_of(db, "lvhua"), area=f"围墙{t}",
                                    items="门窗护栏", normal=False,
                                    findings=f"东侧护栏松动{t}\n\n北门灭火器过期{t}\n"))


def _field_value(page: str, name: str):
    textarea = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    if textarea:
        return textarea.group(1).strip()
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    if select:
        chosen = re.search(r'<option value="([^"]*)" selected>', select.group(1))
        return chosen.group(1) if chosen else None
    field = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert field, name
    value = re.search(r'value="([^"]*)"', field.group(0))
    return value.group(1) if value else ""


def test_each_finding_line_gets_its_own_hazard_button(as_user, patrol):
    page = as_user("lvhua").get(f"/patrol/show/{patrol.id}").text
    buttons = re.findall(r'<a class="btn btn-warning btn-sm" href="([^"]*)"><i class="fa fa-share"></i>([^<]*)</a>',
                         page)
    assert len(buttons) == 2
    lines = [line for line in patrol.findings.splitlines() if line.strip()]
    for index, ((href, label), line) in enumerate(zip(buttons, lines)):
        assert "登记为隐患" in label and line[:20] in label
        assert href.replace("&amp;", "&") == f"/hazard/add?_from=Patrol:{patrol.id}&_line={index}"


def test_hazard_form_is_prefilled_from_the_patrol_line(as_user, db, patrol):
    page = as_user("lvhua").get(f"/hazard/add?_from=Patrol:{patrol.id}&_line=1")
    assert page.status_code == 200
    second = [line for line in patrol.findings.splitlines() if line.strip()][1]
    assert _field_value(page.text, "description") == second
    assert _field_value(page.text, "location") == patrol.area
    assert _field_value(page.text, "patrol") == str(patrol.id)


def test_no_prefill_for_a_user_who_cannot_read_the_patrol(as_user, db, patrol):
    client = as_user("shitang")  # 食堂管理员: 本部门; the patrol is 绿化环卫组's
    assert client.get(f"/patrol/show/{patrol.id}").status_code == 404
    page = client.get(f"/hazard/add?_from=Patrol:{patrol.id}&_line=1")
    assert page.status_code == 200
    assert _field_value(page.text, "description") == ""
    assert _field_value(page.text, "location") == ""
    assert _field_value(page.text, "patrol") is None
    assert patrol.area not in page.text and "灭火器过期" not in page.text


# ============================================================================= 8. dorm allocation page
def test_dorm_allocation_lists_and_accepts_only_buildings_in_scope(as_user, db, cleanup):
    from models.dorms import Accommodation, Building, Room, RoomType, Student
    from models.org import Gender

    t = token()
    logistics = department_named(db, "后勤处")
    outside = save(db, cleanup, Building(name=f"外测楼{t}", campus="本部", gender=Gender.male, floors=3,
                                         department=logistics))
    room = save(db, cleanup, Room(building=outside, floor=1, number="101", room_type=RoomType.other, capacity=2))
    cleanup.extend(room.beds)
    student = save(db, cleanup, Student(student_no=f"S{t}", name=f"新生{t}", gender=Gender.male, grade="高一",
                                        class_name="高一(9)班"))
    sushe = staff_of(db, "sushe")
    in_scope = set(db.session.scalars(select(Building.name).where(
        or_(Building.department_id == sushe.department_id, Building.manager_id == sushe.id))))
    assert outside.name not in in_scope and in_scope

    def offered(page):
        select_ = re.search(r'<select[^>]*name="building"[^>]*>(.*?)</select>', page, re.S).group(1)
        return {re.sub(r"（.*）$", "", name) for name in re.findall(r"<option value=\"\d+\"[^>]*>([^<]*)</option>",
                                                                   select_)}

    client = as_user("sushe")
    page = client.get("/dorm-allocation/")
    assert page.status_code == 200
    assert offered(page.text) == in_scope
    chosen = client.get(f"/dorm-allocation/?building={outside.id}").text
    assert not re.search(rf'<option value="{outside.id}"', chosen)
    refused = client.post("/dorm-allocation/allocate", data={"building": outside.id, "student": [student.id]})
    assert refused.status_code == 200
    assert "请选择宿舍楼" in " ".join(flashes(refused.text))
    db.session.expire_all()
    assert db.session.query(Accommodation).filter_by(student_id=student.id).count() == 0

    # 后勤主任 (全部) is offered the building and may place the student there.
    chief = as_user("zongwu")
    assert outside.name in offered(chief.get("/dorm-allocation/").text)
    placed = chief.post("/dorm-allocation/allocate", data={"building": outside.id, "student": [student.id]})
    assert placed.status_code == 200 and "已为 1 名学生分配床位" in " ".join(flashes(placed.text))
    db.session.expire_all()
    record = db.session.query(Accommodation).filter_by(student_id=student.id).one()
    cleanup.append(record)
    assert record.bed.room.building_id == outside.id
