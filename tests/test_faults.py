"""When things go wrong (issue 13): a zip bomb posing as .xlsx, the database down or restarted, two people
allocating beds at once, an unexpected error — every one answers in Chinese, nothing half-written, and every
unexpected error is logged with its traceback under the request id its page shows."""
from __future__ import annotations

import io
import logging
import os
import re
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import IntegrityError, OperationalError

from tests import xlsx_bomb
from tests.conftest import flashes, login
from tests.test_dorms_utilities import building, dorm_department, student
from tests.test_import import csv_bytes, preview, student_rows

MB = 1024 * 1024


# ------------------------------------------------------------------------------------------ .xlsx bombs
def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bomb(shared_strings_mb: int = 120) -> bytes:
    """A real workbook (header and one row) whose xl/sharedStrings.xml unpacks to ``shared_strings_mb`` MB."""
    return xlsx_bomb.bomb(xlsx(student_rows(["BOMB0001"])), shared_strings_mb)


@pytest.fixture(scope="module")
def bomb_file():
    return bomb()


def test_the_bomb_is_small_and_declares_a_huge_size(bomb_file):
    declared = sum(m.file_size for m in zipfile.ZipFile(io.BytesIO(bomb_file)).infolist())
    assert len(bomb_file) < 1 * MB and declared > 100 * MB


def test_an_xlsx_whose_shared_strings_unpack_hugely_is_refused_before_parsing(as_user, app, bomb_file):
    html = preview(as_user("admin"), "/student", bomb_file, "学生名单.xlsx").text
    assert "该 Excel 文件解压后超过 30 MB，无法导入" in html and "import-summary" not in html

    from app.features.imports.reading import Refused, read

    with app.test_request_context("/"):
        tracemalloc.start()
        try:
            with pytest.raises(Refused):
                read(bomb_file, "xlsx")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 2 * MB, f"refusing the bomb took {peak / MB:.1f} MB"


def test_an_absurd_compression_ratio_is_refused_even_within_the_size_caps(app, bomb_file):
    from app.features.imports.reading import ABSURD_RATIO, Refused, read

    caps = {"IMPORT_MAX_UNCOMPRESSED_MB": 10_000, "IMPORT_MAX_SHARED_STRINGS_MB": 10_000}
    with app.test_request_context("/"):
        saved = {name: app.config.get(name) for name in caps}
        app.config.update(caps)
        try:
            with pytest.raises(Refused) as refused:
                read(bomb_file, "xlsx")
        finally:
            app.config.update(saved)
    assert str(refused.value) == ABSURD_RATIO


def test_the_total_unpacked_size_is_capped_and_a_damaged_archive_is_refused(as_user, app):
    client = as_user("admin")
    app.config["IMPORT_MAX_UNCOMPRESSED_MB"] = 0.01
    try:
        html = preview(client, "/student", xlsx(student_rows(["CAP0001"])), "学生.xlsx").text
        assert "该 Excel 文件解压后超过 0.01 MB" in html
    finally:
        app.config["IMPORT_MAX_UNCOMPRESSED_MB"] = 100
    html = preview(client, "/student", b"PK\x03\x04" + b"\x00" * 200, "学生.xlsx").text
    assert "无法读取该 Excel 文件" in html
    # An ordinary workbook and a CSV pass the checks.
    assert "import-summary" in preview(client, "/student", xlsx(student_rows(["CAP0002"])), "学生.xlsx").text
    assert "import-summary" in preview(client, "/student", csv_bytes(student_rows(["CAP0003"])), "学生.csv").text


# ------------------------------------------------------------------------------------------ the database
def test_pool_pre_ping_is_on_and_other_engine_options_are_kept(app):
    from app import create_app
    from app.extensions import db

    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    with app.app_context():
        assert db.engine.pool._pre_ping is True
    other = create_app({"TESTING": True, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_recycle": 1800}})
    assert other.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True, "pool_recycle": 1800}
    with other.app_context():
        assert db.engine.pool._pre_ping is True and db.engine.pool._recycle == 1800
        db.session.remove()


@pytest.fixture(params=["sqlite:////nonexistent-houqin-dir/down.db", "postgresql://nobody@127.0.0.1:9/down"])
def database_down(request, app, monkeypatch):
    """``database_down()``: from now on the app's engine is one whose database cannot be reached (no file
    there; no server there)."""
    from app.extensions import db

    if request.param.startswith("postgresql"):
        pytest.importorskip("psycopg2")
    unreachable = create_engine(request.param, connect_args={"connect_timeout": 3}
                                if request.param.startswith("postgresql") else {})
    yield lambda: monkeypatch.setitem(db._app_engines[app], None, unreachable)
    monkeypatch.undo()
    unreachable.dispose()


def test_with_the_database_down_a_logged_in_user_gets_a_chinese_503_page(as_user, client, database_down, caplog):
    as_user("sushe")  # logged in while the database was up
    database_down()
    for url in ("/dorm-allocation/", "/", "/asset/list/"):
        response = client.get(url)
        assert response.status_code == 503, url
        html = response.get_data(as_text=True)
        assert "系统暂时无法使用" in html and "暂时连不上数据库" in html
        assert "Internal Server Error" not in html and "Service Unavailable" not in html
        request_id = response.headers["X-Request-Id"]
        assert f"错误编号：<code>{request_id}</code>" in html
        assert response.headers["Retry-After"]
    assert any(request_id in r.getMessage() and r.exc_info for r in caplog.records)


def test_with_the_database_down_the_api_and_missing_pages_answer_in_chinese(as_user, client, database_down):
    as_user("sushe")
    database_down()
    api = client.get("/api/v1/student/")
    assert api.status_code == 503 and "暂时连不上数据库" in api.get_json()["message"]
    assert api.get_json()["request_id"] == api.headers["X-Request-Id"]
    missing = client.get("/no-such-page/")  # its page has a menu, which needs the database: the plain page then
    assert missing.status_code in (404, 503)
    assert "找不到页面" in missing.text or "系统暂时无法使用" in missing.text
    assert "Not Found" not in missing.text


def test_a_database_error_in_a_route_answers_503_without_touching_the_database(faulty_app):
    client = faulty_app.test_client()
    response = client.get("/faults/database")
    assert response.status_code == 503
    assert "系统暂时无法使用" in response.text and "错误编号" in response.text


# ------------------------------------------------------------------------------------------ unexpected errors
@pytest.fixture(scope="module")
def faulty_app(app):
    """An app of its own with routes that fail (routes cannot be added to one that has served requests)."""
    from app import create_app
    from app.extensions import db

    faulty = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})

    @faulty.route("/faults/boom")
    def boom():
        raise RuntimeError("故意的错误：测试日志")

    @faulty.route("/faults/database")
    def database():
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    @faulty.route("/api/v1/faults/boom")
    def api_boom():
        raise RuntimeError("故意的错误：接口")

    yield faulty
    with faulty.app_context():
        db.session.remove()


def test_an_unhandled_error_is_a_chinese_500_page_whose_id_is_in_the_log_with_the_traceback(faulty_app, caplog):
    client = faulty_app.test_client()
    login(client, "sushe")
    caplog.set_level(logging.ERROR, logger="app")
    response = client.get("/faults/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    request_id = response.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9]{12}", request_id)
    assert "系统出错了" in html and f"错误编号：<code>{request_id}</code>" in html
    assert "Internal Server Error" not in html
    records = [r for r in caplog.records if request_id in r.getMessage()]
    assert records and records[0].levelno == logging.ERROR and records[0].exc_info
    logged = caplog.text
    assert "Traceback (most recent call last)" in logged and "RuntimeError: 故意的错误：测试日志" in logged

    # The line the application's stderr handler writes names the request too.
    from app.web.errors import StderrHandler

    handlers = [h for h in logging.getLogger("app").handlers if isinstance(h, StderrHandler)]
    assert len(handlers) == 1  # however many apps the process created
    line = handlers[0].format(records[0])
    assert f"[{request_id}]" in line and "Traceback" in line and "故意的错误：测试日志" in line


def test_the_request_id_is_on_every_answer_and_a_proxys_id_is_kept(faulty_app):
    client = faulty_app.test_client()
    first, second = client.get("/login/"), client.get("/login/")
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
    kept = client.get("/faults/boom", headers={"X-Request-Id": "nginx-0123456789abcdef"})
    assert kept.headers["X-Request-Id"] == "nginx-0123456789abcdef" and "nginx-0123456789abcdef" in kept.text
    forged = client.get("/faults/boom", headers={"X-Request-Id": "x] 2026 ERROR [forged line"})
    assert re.fullmatch(r"[0-9]{12}", forged.headers["X-Request-Id"])


def test_an_unhandled_error_in_the_api_is_chinese_json_with_the_id(faulty_app):
    response = faulty_app.test_client().get("/api/v1/faults/boom")
    assert response.status_code == 500
    body = response.get_json()
    assert body["request_id"] == response.headers["X-Request-Id"] and "服务器" in body["message"]


# ------------------------------------------------------------------------------------------ a lost race
def _allocation(db, count=2):
    hall = building(db, gender="male", rooms=1, capacity=4, department=dorm_department(db))  # sushe's own
    boys = [student(db, gender="male", class_name="高一(8)班", name=f"竞争男生{n}号") for n in range(count)]
    return hall, boys


def _active_stays(db, boys) -> int:
    from models.dorms import Accommodation, AccommodationStatus

    db.session.expire_all()
    return db.session.query(Accommodation).filter(
        Accommodation.student_id.in_([s.id for s in boys]),
        Accommodation.status == AccommodationStatus.active).count()


def test_two_dorm_managers_allocating_at_once_the_later_gets_chinese_and_nothing_is_half_written(as_user, db):
    """The other 宿管员 commits between this page's reading of the free beds and its first write: each bed's
    row version has moved, the flush inside allocate() raises StaleDataError — answered in Chinese."""
    hall, boys = _allocation(db)
    client = as_user("sushe")
    session = db.session()
    rivals = {"done": False}

    def the_other_manager_commits_first(*_args):
        if rivals["done"]:
            return
        rivals["done"] = True
        with db.engine.begin() as other:  # her own connection and transaction
            other.execute(text("UPDATE bed SET row_version = row_version + 1 WHERE room_id IN "
                               "(SELECT id FROM room WHERE building_id = :b)"), {"b": hall.id})

    event.listen(session, "before_flush", the_other_manager_commits_first)
    try:
        response = client.post("/dorm-allocation/allocate", data={"building": hall.id,
                                                                 "student": [s.id for s in boys]})
    finally:
        event.remove(session, "before_flush", the_other_manager_commits_first)
    assert rivals["done"]
    assert response.status_code == 200
    assert any("已被他人修改" in f and "全部未保存" in f for f in flashes(response.text)), flashes(response.text)
    assert _active_stays(db, boys) == 0
    again = client.post("/dorm-allocation/allocate", data={"building": hall.id, "student": [s.id for s in boys]})
    assert any("已为 2 名学生分配床位" in f for f in flashes(again.text))  # tried again: both placed
    assert _active_stays(db, boys) == 2


def test_a_database_refusal_after_some_beds_were_written_keeps_none_of_them(as_user, db, monkeypatch):
    """The first stays are flushed, then the database refuses one (a unique index, a foreign key): IntegrityError
    from inside allocate() — the flushed stays are rolled back, the page says why in Chinese."""
    import views.dorm_allocation as page
    from models.dorms import allocate

    hall, boys = _allocation(db, count=3)

    def refused_at_the_last(session, students, building_):
        allocate(session, students[:-1], building_)  # two stays flushed
        raise IntegrityError("INSERT INTO accommodation …", {}, Exception("duplicate key value"))

    monkeypatch.setattr(page, "allocate", refused_at_the_last)
    client = as_user("sushe")
    response = client.post("/dorm-allocation/allocate", data={"building": hall.id, "student": [s.id for s in boys]})
    assert response.status_code == 200
    assert any("已被他人修改" in f for f in flashes(response.text))
    assert _active_stays(db, boys) == 0


def test_any_other_database_error_while_allocating_is_chinese_too(as_user, db, monkeypatch):
    from sqlalchemy.exc import ProgrammingError

    import views.dorm_allocation as page
    from app.rules.write import DATABASE

    hall, boys = _allocation(db, count=1)

    def broken(*_args):
        raise ProgrammingError("SELECT …", {}, Exception("deadlock detected"))

    monkeypatch.setattr(page, "allocate", broken)
    response = as_user("sushe").post("/dorm-allocation/allocate", data={"building": hall.id,
                                                                         "student": [boys[0].id]})
    assert response.status_code == 200 and any(DATABASE in f for f in flashes(response.text))


def _two_dorm_managers_in_two_threads(app, db):
    """Really at once (PostgreSQL: SQLite lets only one writer in): both pages read the same free beds, then
    both write. One places her student; the other's write waits for the first and finds the bed's row version
    moved — she is told in Chinese, and the building holds exactly one new stay."""
    import threading

    from sqlalchemy.orm import Session

    hall, boys = _allocation(db)
    hall_id, boy_ids = hall.id, [boy.id for boy in boys]
    both_have_read = threading.Barrier(2, timeout=20)
    waited = set()

    def wait_for_the_other(session, *_args):
        from flask import has_request_context, request

        me = threading.current_thread().name
        allocating = has_request_context() and request.path == "/dorm-allocation/allocate"
        if allocating and me.startswith("manager-") and me not in waited:
            waited.add(me)
            both_have_read.wait()

    answers = {}

    def manager(name, boy_id):
        client = app.test_client()
        login(client, "sushe")
        answers[name] = client.post("/dorm-allocation/allocate", data={"building": hall_id, "student": [boy_id]})

    event.listen(Session, "before_flush", wait_for_the_other)
    try:
        threads = [threading.Thread(target=manager, args=(f"manager-{n}", boy_id), name=f"manager-{n}")
                   for n, boy_id in enumerate(boy_ids)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        event.remove(Session, "before_flush", wait_for_the_other)
    assert {a.status_code for a in answers.values()} == {200}
    said = [" ".join(flashes(a.text)) for a in answers.values()]
    assert sum("已为 1 名学生分配床位" in s for s in said) == 1, said
    assert sum("已被他人修改" in s for s in said) == 1, said
    assert _active_stays(db, boys) == 1


if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
    # Two writers really at once need PostgreSQL (SQLite lets one writer in at a time): collected only there,
    # which .ci/run's second pass is, rather than skipped here.
    test_two_dorm_managers_in_two_threads_on_postgresql = _two_dorm_managers_in_two_threads
