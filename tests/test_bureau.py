"""A bureau of schools (demo/loader/bureau.py, ``flask demo --schools N``): each school's people see their own school
only, even with a 全部 scope; the bureau's 局后勤科 reads every school and changes nothing; the administrator sees all.

Built in a fresh SQLite database by a child process (the session's database holds the ordinary one-school demo).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CHILD = r'''
import json, re
from app import create_app
from app.extensions import db
from demo.loader import load_demo

app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "DEMO_MODE": True,
                  "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
out = {}
with app.app_context():
    out["counts"] = load_demo(schools=3)
    from models.assets import Asset
    from models.org import Department, Staff
    out["codes_by_school"] = {p: db.session.query(Asset).filter(Asset.code.like(p + "%")).count()
                              for p in ("ZC-", "S02-", "S03-")}
    out["units"] = [d.name for d in db.session.query(Department).filter(Department.is_unit.is_(True))
                    .order_by(Department.code)]
    from models.dorms import Student
    out["students_by_school"] = {d.code: db.session.query(Student).filter(Student.school_id == d.id).count()
                                 for d in db.session.query(Department).filter(Department.is_unit.is_(True))}
    out["students_unplaced"] = db.session.query(Student).filter(Student.school_id.is_(None)).count()
    out["bureau_children"] = sorted(d.code for d in db.session.query(Department).filter(
        Department.parent.has(Department.code == "J")))

def shown(text):
    found = re.search(r"记录数:</strong>\s*(\d+)", text)
    return int(found.group(1)) if found else None

def codes(text):
    return re.findall(r"(?:S0\d-)?ZC-\d{4}-\d{6}", text)

with app.test_client() as client:
    for user in ("admin", "zongwu02", "sushe02", "weixiu03", "juhouqin", "zongwu"):
        client.get("/logout/")
        client.post("/login/", data={"username": user, "password": "Houqin@2026"})
        page = client.get("/asset/list/?psize_AssetView=100")
        repairs = client.get("/repair-order/list/")
        staff = client.get("/staff/list/")
        students = client.get("/student/list/?psize_StudentView=100")
        out[user] = {"assets": shown(page.text), "students": shown(students.text),
                     "student_prefixes": sorted(set(re.findall(r"S0\d-", students.text))),
                     "codes": sorted({c[:4] if c.startswith("S") else "ZC-" for c in codes(page.text)}),
                     "repairs": shown(repairs.text), "staff": shown(staff.text)}
    # the reader may not change anything
    client.get("/logout/")
    client.post("/login/", data={"username": "juhouqin", "password": "Houqin@2026"})
    out["reader_add"] = client.get("/asset/add").status_code
    out["reader_add_location"] = client.get("/asset/add").headers.get("Location", "")
print("RESULT" + json.dumps(out, ensure_ascii=False))
'''


@pytest.fixture(scope="module")
def bureau(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bureau")
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{folder / 'bureau.db'}", INSTANCE_DIR=str(folder),
               SECRET_KEY="test-only", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=900)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT")), None)
    assert line, done.stderr[-3000:]
    return json.loads(line[len("RESULT"):])


def test_three_schools_under_one_bureau(bureau):
    assert bureau["units"] == ["城东区第一中学", "城东区第二中学", "城东区第三中学"]
    assert bureau["bureau_children"] == ["S01", "S02", "S03"]
    per_school = bureau["codes_by_school"]
    assert per_school["ZC-"] == per_school["S02-"] == per_school["S03-"] > 1000
    assert bureau["counts"]["资产卡片"] == 3 * per_school["ZC-"]


def test_a_school_manager_sees_their_school_only(bureau):
    """后勤主任 has 全部: within a bureau, all of their own school."""
    school = bureau["codes_by_school"]["S02-"]
    assert bureau["zongwu02"]["assets"] == school
    assert bureau["zongwu02"]["codes"] == ["S02-"]
    assert bureau["zongwu"]["assets"] == school  # school 1's, the original demo school
    assert bureau["zongwu"]["codes"] == ["ZC-"]
    assert bureau["zongwu02"]["repairs"] * 3 == bureau["admin"]["repairs"]
    assert bureau["zongwu02"]["staff"] < bureau["admin"]["staff"] / 2


def test_students_belong_to_their_school(bureau):
    """学生 have no department: their 所属学校 (set on each school's copy) keeps each school's people to their own."""
    per_school = bureau["students_by_school"]
    assert sorted(per_school) == ["S01", "S02", "S03"] and len(set(per_school.values())) == 1
    assert bureau["students_unplaced"] == 0
    assert bureau["zongwu02"]["students"] == per_school["S02"] > 0
    assert bureau["zongwu02"]["student_prefixes"] == ["S02-"]
    assert bureau["zongwu"]["student_prefixes"] == []  # school 1's numbers are the demo's own
    assert bureau["sushe02"]["students"] == per_school["S02"]
    assert bureau["juhouqin"]["students"] == bureau["admin"]["students"] == sum(per_school.values())


def test_narrower_scopes_stay_within_the_school(bureau):
    assert 0 < bureau["sushe02"]["assets"] < bureau["zongwu02"]["assets"]  # 本部门: the dorm office's
    assert bureau["sushe02"]["codes"] == ["S02-"]
    assert 0 < bureau["weixiu03"]["repairs"] < bureau["zongwu02"]["repairs"]  # 仅本人: his own orders


def test_the_bureau_reader_reads_every_school_and_changes_nothing(bureau):
    assert bureau["juhouqin"]["assets"] == bureau["admin"]["assets"] == bureau["counts"]["资产卡片"]
    assert bureau["juhouqin"]["codes"]  # the first page: the highest codes, of school 3
    assert bureau["juhouqin"]["repairs"] == bureau["admin"]["repairs"]
    assert bureau["reader_add"] in (302, 403)
    assert "/asset/add" not in bureau["reader_add_location"]
