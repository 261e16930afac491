"""Records that belong to a school (``Scope(unit="school")``, app/rules/units.py): 学生, 存放地点, 物资, 满意度调查.

A bureau of two schools, built small in a database of its own: each school's people reach their own school's
records only — list, detail, REST, export, dropdowns — and whatever they add is placed in their school; the
bureau's reader and the administrator reach both. The one-school demo (the session's app) is as before.
"""
from __future__ import annotations

import datetime
import re

import pytest
from flask import g

from tests.conftest import DEMO_PASSWORD, login, own_database_url

PEOPLE = {  # username: (role, department code)
    "zongwu_a": ("后勤主任", "A"), "sushe_a": ("宿管员", "A-SS"), "baoguan_a": ("财产保管员", "A"),
    "zongwu_b": ("后勤主任", "B"), "ju": ("局后勤科", "J"),
}
STUDENTS = {"A": ["A-001", "A-002"], "B": ["B-001", "B-002", "B-003"], None: ["N-001"]}
LOCATIONS = {"A": ["甲楼"], "B": ["乙楼", "丙楼"]}


@pytest.fixture(scope="module")
def bureau(app):
    """An app on its own database: bureau J over schools A and B (独立单位), each with a 宿管科 below it."""
    from app import create_app
    from app.platform.cli import ensure_user, prepare_database

    application = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "DEMO_MODE": True,
                              "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                              "SQLALCHEMY_DATABASE_URI": own_database_url("units")})
    application.before_request_funcs.setdefault(None, []).insert(0, lambda: g.__dict__.clear())
    with application.app_context():
        from app.extensions import db
        from models.assets import AssetCategory, Location
        from models.dorms import Student
        from models.org import Department, Staff
        from models.satisfaction import Survey
        from models.store import StockItem

        prepare_database()
        ensure_user("admin", DEMO_PASSWORD, "系统管理员", "系统", "管理员")
        bureau_dept = Department(code="J", name="区教育局")
        a = Department(code="A", name="第一中学", parent=bureau_dept, is_unit=True)
        b = Department(code="B", name="第二中学", parent=bureau_dept, is_unit=True)
        departments = {d.code: d for d in (bureau_dept, a, b, Department(code="A-SS", name="一中宿管科", parent=a),
                                           Department(code="B-SS", name="二中宿管科", parent=b))}
        db.session.add_all(departments.values())
        for number, (username, (role, code)) in enumerate(PEOPLE.items()):
            user = ensure_user(username, DEMO_PASSWORD, role, username, "测试")
            db.session.add(Staff(staff_no=f"T{number:03d}", name=username, department=departments[code],
                                 user_id=user.id))
        schools = {"A": a, "B": b, None: None}
        for code, numbers in STUDENTS.items():
            db.session.add_all(Student(student_no=n, name=f"学生{n}", grade="高一", class_name="高一(1)班",
                                       school=schools[code]) for n in numbers)
        for code, buildings in LOCATIONS.items():
            db.session.add_all(Location(campus="本部", building=name, room="101", school=schools[code])
                               for name in buildings)
        for code in ("A", "B"):
            db.session.add(StockItem(code=f"WZ-{code}", name=f"{code}校的粉笔", unit="盒", school=schools[code]))
            db.session.add(Survey(title=f"{code}校满意度调查", period="2026年秋季学期", school=schools[code],
                                  starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2026, 9, 30)))
        category = AssetCategory(code="T-01", name="测试设备")
        db.session.add(category)
        db.session.commit()
        ids = {"A": a.id, "B": b.id, "A-SS": departments["A-SS"].id,
               "students": {s.student_no: s.id for s in db.session.query(Student)},
               "locations": {loc.building: loc.id for loc in db.session.query(Location)},
               "category": category.id}
    application.extensions["unit_ids"] = ids
    yield application


def client_of(bureau, username):
    client = bureau.test_client()
    assert login(client, username).status_code == 200
    return client


def shown(page) -> int:
    found = re.search(r"记录数:</strong>\s*(\d+)", page.text)
    assert found, page.text[:500]
    return int(found.group(1))


def numbers_in(text: str) -> set[str]:
    return set(re.findall(r"[ABN]-00\d", text))


def test_a_school_user_lists_their_own_schools_records(bureau):
    manager = client_of(bureau, "zongwu_a")
    assert numbers_in(manager.get("/student/list/").text) == {"A-001", "A-002"}
    assert shown(manager.get("/student/list/")) == 2
    assert shown(manager.get("/location/list/")) == 1
    assert shown(manager.get("/stock-item/list/")) == 1
    assert shown(manager.get("/survey/list/")) == 1
    assert "B校" not in manager.get("/survey/list/").text
    other = client_of(bureau, "zongwu_b")
    assert numbers_in(other.get("/student/list/").text) == {"B-001", "B-002", "B-003"}
    assert shown(other.get("/location/list/")) == 2


def test_a_narrower_scope_still_reaches_the_whole_school(bureau):
    """宿管员 (本部门) sits in a department below the school: 学生 have no department, so the school bounds them."""
    dorm = client_of(bureau, "sushe_a")
    assert numbers_in(dorm.get("/student/list/").text) == {"A-001", "A-002"}


def test_the_bureau_and_the_administrator_reach_every_school_and_the_unplaced(bureau):
    for username in ("ju", "admin"):
        client = client_of(bureau, username)
        assert numbers_in(client.get("/student/list/").text) == {"A-001", "A-002", "B-001", "B-002", "B-003",
                                                                 "N-001"}
        assert shown(client.get("/location/list/")) == 3
        assert shown(client.get("/stock-item/list/")) == 2


def test_another_schools_record_is_not_found_by_detail_rest_or_export(bureau):
    ids = bureau.extensions["unit_ids"]["students"]
    manager = client_of(bureau, "zongwu_a")
    assert manager.get(f"/student/show/{ids['A-001']}").status_code == 200
    assert manager.get(f"/student/show/{ids['B-001']}").status_code == 404
    assert manager.get(f"/student/show/{ids['N-001']}").status_code == 404  # placed in no school
    assert manager.get(f"/api/v1/student/{ids['A-001']}").status_code == 200
    assert manager.get(f"/api/v1/student/{ids['B-001']}").status_code == 404
    listed = manager.get("/api/v1/student/?q=(page_size:100)").json
    assert listed["count"] == 2 and {r["student_no"] for r in listed["result"]} == {"A-001", "A-002"}
    exported = manager.get("/student/export.csv")
    assert exported.status_code == 200
    assert numbers_in(exported.data.decode("utf-8-sig")) == {"A-001", "A-002"}


def test_a_dropdown_offers_the_schools_own_records_only(bureau):
    ids = bureau.extensions["unit_ids"]
    keeper = client_of(bureau, "baoguan_a")
    offered = keeper.get("/asset/lookup/location").json["results"]
    assert [row["id"] for row in offered] == [ids["locations"]["甲楼"]]
    assert keeper.get(f"/asset/lookup/location?id={ids['locations']['乙楼']}").json["results"] == []
    dorm = client_of(bureau, "sushe_a")
    students = {row["id"] for row in dorm.get("/accommodation/lookup/student").json["results"]}
    assert students == {ids["students"]["A-001"], ids["students"]["A-002"]}


def test_a_save_naming_another_schools_location_is_refused(bureau):
    ids = bureau.extensions["unit_ids"]
    keeper = client_of(bureau, "baoguan_a")
    asset = {"code": "ZC-T-0001", "name": "投影仪", "category": ids["category"], "unit": "台", "quantity": 1,
             "unit_price": "3000.00", "purchased_on": "2026-09-01", "department": ids["A"], "status": "在用"}
    refused = keeper.post("/api/v1/asset/", json={**asset, "location": ids["locations"]["乙楼"]})
    assert refused.status_code == 422, refused.json
    assert refused.json["message"]["location"] == ["所选的「存放地点」不在您的数据范围内，请从下拉列表中选择"]
    saved = keeper.post("/api/v1/asset/", json={**asset, "location": ids["locations"]["甲楼"]})
    assert saved.status_code == 201, saved.json


def test_a_school_users_new_record_is_placed_in_their_school(bureau):
    from app.extensions import db
    from models.dorms import Student

    dorm = client_of(bureau, "sushe_a")
    form = dorm.get("/student/add")
    assert form.status_code == 200 and "所属学校" not in form.text  # the write path places it
    answer = dorm.post("/student/add", data={"student_no": "A-101", "name": "新生", "gender": "male",
                                             "grade": "高一", "class_name": "高一(2)班", "is_boarder": "y"})
    assert answer.status_code == 302, answer.text[-2000:]
    api = dorm.post("/api/v1/student/", json={"student_no": "A-102", "name": "新生二", "gender": "女",
                                              "grade": "高一", "class_name": "高一(2)班"})
    assert api.status_code == 201, api.json
    naming = dorm.post("/api/v1/student/", json={"student_no": "A-103", "name": "新生三", "gender": "女",
                                                 "grade": "高一", "class_name": "高一(2)班",
                                                 "school": bureau.extensions["unit_ids"]["B"]})
    assert naming.status_code == 422 and naming.json["message"]["school"] == ["不能填写「所属学校」"]
    with bureau.app_context():
        placed = dict(db.session.query(Student.student_no, Student.school_id)
                      .filter(Student.student_no.in_(["A-101", "A-102", "A-103"])))
    assert placed == {"A-101": bureau.extensions["unit_ids"]["A"], "A-102": bureau.extensions["unit_ids"]["A"]}


def test_the_write_path_refuses_another_school_in_chinese(bureau):
    """Whatever the door (a hand-written page, an import), a writer in a school places nothing in another."""
    from flask_login import login_user

    from app.extensions import db
    from app.rules import write
    from models.dorms import Student
    from models.org import Department

    ids = bureau.extensions["unit_ids"]
    with bureau.test_request_context():
        login_user(bureau.extensions["engine"].appbuilder.sm.find_user(username="sushe_a"))
        student = Student(student_no="A-201", name="转学生", grade="高二", class_name="高二(1)班",
                          school=db.session.get(Department, ids["B"]))
        with pytest.raises(write.Refused) as refused:
            write.save(db.session, student)
        assert refused.value.errors == {"school": "「所属学校」只能是您所在的「第一中学」，不能登记到其他单位"}
        assert db.session.query(Student).filter_by(student_no="A-201").count() == 0


def test_the_bureau_chooses_the_school_among_the_schools(bureau):
    from app.extensions import db
    from models.dorms import Student

    ids = bureau.extensions["unit_ids"]
    admin = client_of(bureau, "admin")
    assert "所属学校" in admin.get("/student/add").text
    offered = {row["id"] for row in admin.get("/student/lookup/school").json["results"]}
    assert offered == {ids["A"], ids["B"]}
    student = {"student_no": "B-301", "name": "插班生", "gender": "男", "grade": "高三", "class_name": "高三(1)班"}
    not_a_school = admin.post("/api/v1/student/", json={**student, "school": ids["A-SS"]})
    assert not_a_school.status_code == 422
    assert not_a_school.json["message"]["school"] == ["「所属学校」须从下拉列表中选择一个独立单位（学校）"]
    assert admin.post("/api/v1/student/", json={**student, "school": ids["B"]}).status_code == 201
    assert "B-301" in client_of(bureau, "zongwu_b").get("/student/list/?psize_StudentView=100").text
    assert "B-301" not in client_of(bureau, "zongwu_a").get("/student/list/?psize_StudentView=100").text
    with bureau.app_context():
        assert db.session.query(Student.school_id).filter_by(student_no="B-301").scalar() == ids["B"]


def test_one_school_is_as_before(app, db, as_user):
    """No units: the demo school's people reach every student, the forms do not ask for a school, and what is
    added stays in no school, seen by all."""
    from models.dorms import Student

    total = db.session.query(Student).count()
    assert db.session.query(Student).filter(Student.school_id.is_not(None)).count() == 0
    manager = as_user("zongwu")
    assert shown(manager.get("/student/list/")) == total
    admin = as_user("admin")
    assert "所属学校" not in admin.get("/student/add").text
    first = db.session.query(Student.id).order_by(Student.id).limit(1).scalar()
    assert "所属学校" not in admin.get(f"/student/show/{first}").text
