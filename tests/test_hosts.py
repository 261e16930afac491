"""Several hosts, one database: each host has its own instance folder, and nothing a request leaves behind for a
later one is kept there — an import previewed on one host is confirmed on another, a photo uploaded through one
is served by the other (to readers within scope only).

Runs on the session's database: the shared SQLite file, or PostgreSQL when TEST_DATABASE_URL is set."""
from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest

from tests.conftest import DEMO_PASSWORD, flashes, login
from tests.test_import import preview, student_rows, token_of, xlsx
from tests.test_uploads import png_bytes


@pytest.fixture(scope="module")
def hosts(app, tmp_path_factory):
    """Two apps made by create_app, as two machines would make them: own instance folder, same database."""
    from app import create_app
    from app.extensions import db

    made = []
    for name in ("a", "b"):
        folder = tmp_path_factory.mktemp(f"host-{name}")
        host = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "UPLOAD_FOLDER": str(folder / "uploads"),
                           "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
        host.instance_path = str(folder)
        made.append(host)
    assert made[0].instance_path != made[1].instance_path
    yield made
    for host in made:
        with host.app_context():
            db.engine.dispose()


def client_of(host, username: str):
    client = host.test_client()
    assert login(client, username, DEMO_PASSWORD).status_code == 200
    return client


def disk_files(host) -> list[Path]:
    return [p for p in Path(host.instance_path).rglob("*") if p.is_file()]


def test_an_import_previewed_on_one_host_is_confirmed_on_another(hosts):
    from app.extensions import db
    from models.dorms import Student

    host_a, host_b = hosts
    number = f"MH{uuid.uuid4().hex[:8].upper()}"
    shown = preview(client_of(host_a, "sushe"), "/student", xlsx(student_rows([number])))
    assert shown.status_code == 200
    token = token_of(shown.text)
    assert disk_files(host_a) == []  # the file waits in the database, not on host A

    on_b = client_of(host_b, "sushe")
    done = on_b.post("/student/import/confirm", data={"token": token}, follow_redirects=True)
    assert any("导入完成" in f for f in flashes(done.text)), flashes(done.text)
    again = client_of(host_a, "sushe").post("/student/import/confirm", data={"token": token}, follow_redirects=True)
    assert any("已过期或已处理" in f for f in flashes(again.text))  # taken once, whichever host asks
    with host_b.app_context():
        assert db.session.query(Student).filter_by(student_no=number).count() == 1
        db.session.query(Student).filter_by(student_no=number).delete()
        db.session.commit()


def test_a_photo_uploaded_through_one_host_is_served_by_another_within_scope(hosts):
    from app.extensions import db
    from app.meta import clock
    from models.org import Staff
    from models.repairs import RepairOrder

    host_a, host_b = hosts
    title = f"多主机测试：漏水 {uuid.uuid4().hex[:8]}"
    with host_a.app_context():
        staff = db.session.query(Staff).filter(Staff.user.has(username="admin")).one()
        form = {"title": title, "category": "water", "urgency": "normal", "place": "3号楼 102",
                "description": "水管漏水", "reporter": staff.id, "department": staff.department_id,
                "reported_at": clock.now().strftime("%Y-%m-%d %H:%M:%S"),
                "photo": (io.BytesIO(png_bytes()), "现场（多主机）.png")}
    saved = client_of(host_a, "admin").post("/repair-order/add", data=form)
    assert saved.status_code == 302, flashes(saved.text)
    with host_a.app_context():
        order = db.session.query(RepairOrder).filter_by(title=title).one()
        order_id, stored = order.id, order.photo.partition("|")[0]
    assert disk_files(host_a) == []

    served = client_of(host_b, "admin").get(f"/upload/{stored}")
    assert served.status_code == 200 and served.data == png_bytes() and served.mimetype == "image/png"
    assert client_of(host_b, "xiaozhang").get(f"/upload/{stored}").status_code == 200  # reads every 报修单
    assert client_of(host_b, "jiaoshi").get(f"/upload/{stored}").status_code == 404  # only their own 报修单
    assert disk_files(host_b) == []

    with host_b.app_context():
        db.session.delete(db.session.get(RepairOrder, order_id))
        db.session.commit()
