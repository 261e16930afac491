"""Test fixtures: one fresh database per test session (SQLite by default, PostgreSQL via TEST_DATABASE_URL).

The demo data (scale 1) is loaded once; tests that change data clean up after themselves or use
their own records, so the order of tests does not matter.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from pathlib import Path

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_TMP = tempfile.mkdtemp(prefix="houqin-test-")
os.environ["INSTANCE_DIR"] = _TMP
os.environ.setdefault("SECRET_KEY", "test-only-secret")
# Every test logs in from 127.0.0.1: the login rate limit stays on, but high (test_login_security tests it).
os.environ["LOGIN_RATE_LIMIT"] = "10000 per minute"
os.environ["PUBLIC_FORM_RATE_LIMIT"] = "10000 per minute"  # the pages without login likewise (test_feedback tests it)
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1 … when the suite runs in parallel (pytest-xdist)
if os.environ.get("TEST_DATABASE_URL"):
    # Each parallel worker has a database of its own beside the given one: test → test_gw0, test_gw1 …
    os.environ["DATABASE_URL"] = (os.environ["TEST_DATABASE_URL"] + f"_{WORKER}" if WORKER
                                  else os.environ["TEST_DATABASE_URL"])
else:
    os.environ["DATABASE_URL"] = f"sqlite:///{_TMP}/test.db"

DEMO_PASSWORD = "Houqin@2026"
DEMO_ACCOUNTS = {
    "admin": "系统管理员", "xiaozhang": "校长", "xiaowu": "校务会", "zongwu": "后勤主任", "caiwu": "财务",
    "baoguan": "财产保管员", "weixiu": "维修工", "sushe": "宿管员", "shitang": "食堂管理员",
    "shuidian": "水电工", "lvhua": "绿化环卫", "jiaoshi": "教职工",
}


def _reset_database(url: str) -> None:
    """Start from an empty database so that the migrations build the whole schema."""
    from sqlalchemy import create_engine, make_url, text

    if url.startswith("postgresql"):
        if WORKER:  # a worker's own database is made beside the given one (trust auth may create databases)
            server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
            with server.connect() as conn:
                name = make_url(url).database
                if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
            server.dispose()
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()


def _add_missing_columns() -> None:
    """Development aid (TEST_CREATE_MISSING_TABLES): new columns of existing tables, before anything is seeded.

    create_all only creates missing tables; a column added to a model before its migration exists is
    added here with ALTER TABLE (nullable, as a migration adding it to filled tables would make it).
    """
    from flask_appbuilder import Model
    from flask_migrate import upgrade
    from sqlalchemy import inspect as sa_inspect
    from sqlalchemy import text
    from sqlalchemy.schema import CreateIndex

    from app.extensions import MIGRATIONS
    from app.extensions import db as database

    upgrade(directory=str(MIGRATIONS))
    engine = database.engine
    inspector = sa_inspect(engine)
    existing = set(inspector.get_table_names())
    with engine.begin() as conn:
        for table in Model.metadata.sorted_tables:
            if table.name not in existing:
                continue
            have = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in have:
                    continue
                kind = column.type.compile(dialect=engine.dialect)
                conn.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'))
                for index in table.indexes:
                    if [c.name for c in index.columns] == [column.name]:
                        conn.execute(CreateIndex(index))


@pytest.fixture(scope="session")
def app():
    _reset_database(os.environ["DATABASE_URL"])
    from app import create_app
    from app.platform.cli import prepare_database

    # Cheap password hashing: every test logs in, and scrypt costs ~0.1 s a check on a 2-core CI machine.
    application = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "DEMO_MODE": True,
                              "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    # A test holding an app context (the `db` fixture) makes its client's requests share that context and so
    # its `g`: the logged-in user of one request (Flask-Login keeps it in g) would answer for the next. Each
    # request starts with an empty `g`, as it does in production, where every request has its own context.
    application.before_request_funcs.setdefault(None, []).insert(0, lambda: g.__dict__.clear())
    with application.app_context():
        if os.environ.get("TEST_CREATE_MISSING_TABLES"):
            _add_missing_columns()
        prepare_database()
        if os.environ.get("TEST_CREATE_MISSING_TABLES"):
            # Development aid while a model has no migration yet; CI never sets it, and
            # test_models_and_migrations_agree fails until the migration exists.
            from flask_appbuilder import Model

            from app.extensions import db as database

            Model.metadata.create_all(database.engine)
            application.extensions["engine"].appbuilder.add_permissions(update_perms=True)
        from app.extensions import db as database
        from demo.loader import counts, load_demo

        load_demo(scale=1)
        # What the demo loader made, before any test adds its own records (tests run in any order).
        application.extensions["demo_counts"] = counts(database.session)
    yield application


def own_database_url(name: str) -> str:
    """An empty database of its own beside the worker's, for an app of its own: the fuzz tests (they write whatever
    they like), a bureau of two schools (tests/test_units.py)."""
    from sqlalchemy import create_engine, make_url, text

    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgresql"):
        return f"sqlite:///{_TMP}/{name}.db"
    target = make_url(url).set(database=f"{make_url(url).database}_{name}")
    server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).scalar():
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    server.dispose()
    rendered = target.render_as_string(hide_password=False)
    _reset_database_schema(rendered)
    return rendered


def _reset_database_schema(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def fuzz_app(app):
    """A second app on its own database with the demo loaded: property-based tests post anything there."""
    from app import create_app
    from app.platform.cli import prepare_database

    application = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "DEMO_MODE": True,
                              "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                              "SQLALCHEMY_DATABASE_URI": own_database_url("fuzz")})
    application.before_request_funcs.setdefault(None, []).insert(0, lambda: g.__dict__.clear())
    with application.app_context():
        if os.environ.get("TEST_CREATE_MISSING_TABLES"):
            _add_missing_columns()
        prepare_database()
        if os.environ.get("TEST_CREATE_MISSING_TABLES"):  # the development aid of the `app` fixture, here too
            from flask_appbuilder import Model

            from app.extensions import db as database

            Model.metadata.create_all(database.engine)
            application.extensions["engine"].appbuilder.add_permissions(update_perms=True)
        from demo.loader import load_demo

        load_demo(scale=1)
    yield application


def one_school_columns(model, columns) -> list[str]:
    """The columns a page shows in the one-school demo: all but the school a record belongs to (所属学校, offered
    only where there are schools: tests/test_units.py)."""
    from app.rules import units

    return [c for c in columns if c != units.field(model)]


@pytest.fixture
def db(app):
    from app.extensions import db as database

    with app.app_context():
        yield database
        database.session.rollback()
        database.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@contextlib.contextmanager
def statements_run(engine):
    """Each SQL statement the block runs, as the database received it (after any rewriting)."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "after_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "after_cursor_execute", record)


def login(client, username: str, password: str = DEMO_PASSWORD):
    return client.post("/login/", data={"username": username, "password": password}, follow_redirects=True)


@pytest.fixture
def as_user(client):
    """Log the test client in as a demo account: ``as_user("baoguan")``."""

    def _login(username: str, password: str = DEMO_PASSWORD):
        client.get("/logout/")
        response = login(client, username, password)
        assert response.status_code == 200
        return client

    return _login


class OwnUserClient(FlaskClient):
    """A test client whose requests load their own login user: the test's app context (the ``db`` fixture) is
    shared by every request, and flask-login would otherwise keep the first request's user in ``g``."""

    def open(self, *args, **kwargs):
        from flask import g, has_app_context

        if has_app_context():
            g.pop("_login_user", None)
            g.pop("user", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def clients(app):
    """One logged-in test client per account, kept for the whole test."""
    made = {}

    def get(username):
        if username not in made:
            client = OwnUserClient(app, app.response_class, use_cookies=True)
            assert login(client, username).status_code == 200
            made[username] = client
        return made[username]

    return get


@pytest.fixture
def admin(as_user):
    return as_user("admin")


def department_budget(db, username: str | None = None, department_id: int | None = None) -> int:
    """A budget subject of ``username``'s department (or ``department_id``) for this year (「测试经费」, ample, made
    once), for a test purchase request to name: a request is submitted only with its budget named
    (models/purchasing.py)."""
    from decimal import Decimal

    from app.meta import clock
    from models.org import Staff
    from models.purchasing import Budget

    if department_id is None:
        department_id = db.session.query(Staff.department_id).filter(Staff.user.has(username=username)).scalar()
    found = db.session.query(Budget).filter_by(department_id=department_id, year=clock.today().year,
                                               subject="测试经费").one_or_none()
    if found is None:
        found = Budget(department_id=department_id, year=clock.today().year, subject="测试经费",
                       amount=Decimal("1000000"))
        db.session.add(found)
        db.session.commit()
    return found.id


def flashes(html: str) -> list[str]:
    """The texts of the flash messages on a page."""
    return [re.sub(r"<[^>]+>|\s+", " ", m).strip() for m in re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', html, re.S)]


# ----------------------------------------------------------------------------- a real browser
@pytest.fixture(scope="session")
def live_server(app):
    """The session's app served on 127.0.0.1 (tests/browser.py), shared by every browser test."""
    from tests.browser import LiveServer

    server = LiveServer(app)
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """One Debian Chromium for the whole run."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def session(browser, live_server):
    """``session("jiaoshi", **context options)``: a logged-in browser context, checked when the test ends for
    requests to other hosts and script errors."""
    from tests.browser import Session

    opened = []

    def login(username: str, **options) -> Session:
        s = Session(browser, live_server, username, **options)
        opened.append(s)
        return s

    yield login
    for s in opened:
        assert not s.foreign_requests(), f"requests to other hosts: {s.foreign_requests()}"
        assert not s.errors, f"JavaScript errors: {s.errors}"
        s.close()


# ----------------------------------------------------------------------------- order
# These read the whole database as the demo loader left it (every count in range, every page free of English
# made-up names): they run first, before other tests add their own records. With pytest-xdist the first files
# of the collection go to the workers first, so each of these starts on a fresh database.
READ_THE_DEMO_AS_LOADED = ("test_demo_data.py", "test_no_english.py")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: 0 if item.path.name in READ_THE_DEMO_AS_LOADED else 1)


# ----------------------------------------------------------------------------- journeys' measurements
# Hooks of the main process live here: with pytest-xdist it collects no test, so it never reads tests/journeys/.
def _journey_parts():
    from tests.browser import RESULTS

    return RESULTS / "journeys-parts"


def pytest_configure(config):
    """Before any worker starts: forget the measurements of an earlier run."""
    if not WORKER:
        import shutil

        shutil.rmtree(_journey_parts(), ignore_errors=True)


def pytest_sessionfinish(session):
    """Each process (each parallel worker) writes what its journeys measured (tests/journeys/person.py)."""
    from tests.journeys.person import MEASURED, write_results

    if MEASURED:
        write_results(_journey_parts() / f"{WORKER or 'main'}.json")


def pytest_terminal_summary(terminalreporter):
    """The main process prints every worker's journeys together: taps against budget, entries, seconds."""
    import json

    from tests.browser import RESULTS

    if WORKER:
        return
    measured = [m for part in sorted(_journey_parts().glob("*.json"))
                for m in json.loads(part.read_text(encoding="utf-8"))]
    if not measured:
        return
    (RESULTS / "journeys.json").write_text(json.dumps(measured, ensure_ascii=False, indent=1), encoding="utf-8")
    terminalreporter.section("journeys: taps (budget), field entries, seconds")
    for m in measured:
        terminalreporter.write_line(f"{m['journey']} · {m['task']} · {m['role']}（{m['device']}）: "
                                    f"{m['taps']} taps (≤ {m['budget']}), {m['entries']} entries, {m['seconds']} s")
