"""Cached figures (issue 16, point 2): the home page's widgets and the to-do count are cached — with the
per-process cache and with Redis — and renewed by any write to what they read, through whichever door; a
user never sees a figure cached for another user or scope. Statements are counted, never timed."""
from __future__ import annotations

import contextlib
import os
import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from tests.conftest import DEMO_ACCOUNTS, flashes
from tests.test_dashboard import widgets

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")  # these tests' own database, flushed


@pytest.fixture(params=["simple", "redis"])
def backend(request, app):
    """The app's cache as SimpleCache (the default), or Redis; empty at the start of the test."""
    from app.extensions import cache

    if request.param == "redis":
        redis = pytest.importorskip("redis")
        server = redis.Redis.from_url(REDIS_URL)
        try:
            server.ping()
        except redis.exceptions.ConnectionError:
            pytest.skip("Redis is not running at " + REDIS_URL)
        server.flushdb()
        cache.init_app(app, {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": REDIS_URL})
    else:
        cache.init_app(app)  # a fresh SimpleCache
    assert type(app.extensions["cache"][cache]).__name__ == ("RedisCache" if request.param == "redis"
                                                             else "SimpleCache")
    yield request.param
    if request.param == "redis":
        server.flushdb()
    cache.init_app(app)


@contextlib.contextmanager
def counted(db):
    """The number of SQL statements run inside the block (``found[0]``)."""
    db.session.remove()  # each measured request starts with an empty session, as in production
    found = [0]

    def count(*_args):
        found[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield found
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def home(client) -> dict:
    page = client.get("/")
    assert page.status_code == 200
    return widgets(page.text)


def staff_of(db, username):
    from flask_appbuilder.security.sqla.models import User

    from models.org import Staff

    return db.session.query(Staff).join(User, Staff.user_id == User.id).filter(User.username == username).one()


# ----------------------------------------------------------------- cached
@pytest.mark.parametrize("username", ["zongwu", "admin", "sushe"])
def test_a_second_home_page_load_runs_fewer_statements_and_shows_the_same(backend, db, clients, username):
    from app.extensions import cache

    client = clients(username)
    client.get("/")  # the login's own writes (last login) are behind us
    cache.clear()
    with counted(db) as first:
        shown = home(client)
    with counted(db) as second:
        again = home(client)
    assert second[0] < first[0], (first[0], second[0])
    assert {k: (v["value"], v["total"], v["chart"]) for k, v in again.items()} == \
           {k: (v["value"], v["total"], v["chart"]) for k, v in shown.items()}


def test_a_list_page_reads_the_to_do_count_from_the_cache(backend, db, clients):
    client = clients("zongwu")
    client.get("/repair-order/list/")
    with counted(db) as first:
        assert client.get("/repair-order/list/").status_code == 200
    from app.extensions import cache

    cache.clear()  # the same page, with nothing cached: the count is computed again
    with counted(db) as uncached:
        assert client.get("/repair-order/list/").status_code == 200
    assert first[0] < uncached[0]


# ----------------------------------------------------------------- renewed by every door
def test_figures_change_right_after_a_form_a_rest_call_and_a_step(backend, db, clients):
    from app.meta import clock
    from models.repairs import RepairOrder

    chief, teacher = clients("zongwu"), clients("jiaoshi")
    before = home(chief)
    overdue, todo = int(before["overdue_repairs"]["value"]), before["todo"]["total"]
    assert home(chief)["todo"]["total"] == todo  # cached now

    # the form: the chief enters a teacher's repair reported three days ago — overdue at once, and awaiting
    # the chief (受理派工)
    reporter = staff_of(db, "jiaoshi")
    reported = (clock.now() - timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
    response = chief.post("/repair-order/add", data={
        "title": "缓存测试：水龙头漏水", "category": "electric", "urgency": "normal", "place": "教学楼A 一楼",
        "description": "一直滴水", "reporter": reporter.id, "department": reporter.department_id,
        "phone": "13800000000", "reported_at": reported})
    assert response.status_code == 302, flashes(response.text)
    order_id = db.session.query(RepairOrder.id).filter_by(title="缓存测试：水龙头漏水").scalar()
    made = [order_id]
    try:
        after_form = home(chief)
        assert int(after_form["overdue_repairs"]["value"]) == overdue + 1
        assert after_form["todo"]["total"] == todo + 1

        # REST: another repair awaits the chief
        created = teacher.post("/api/v1/repair-order/", json={
            "title": "缓存测试：窗户关不上", "description": "窗扣坏了", "category": "其他", "urgency": "一般",
            "place": "教学楼 305 教室"})
        assert created.status_code == 201, created.json
        made.append(created.json["id"])
        assert home(chief)["todo"]["total"] == todo + 2

        # a step: the chief dispatches the overdue one with a new deadline — no longer overdue, no longer awaiting
        worker = staff_of(db, "weixiu")
        promised = (clock.now() + timedelta(hours=6)).strftime("%Y-%m-%d %H:%M:%S")
        dispatched = chief.post(f"/repair-order/step/dispatch/{order_id}",
                                data={"worker": worker.id, "promised_at": promised})
        assert dispatched.status_code == 302, flashes(dispatched.text)
        after_step = home(chief)
        assert int(after_step["overdue_repairs"]["value"]) == overdue
        assert after_step["todo"]["total"] == todo + 1
        # the navbar's count on a list page agrees
        page = chief.get("/repair-order/list/").text
        assert re.search(rf'badge[^>]*>\s*{todo + 1}\s*<', page)
    finally:
        db.session.expire_all()
        for pk in made:
            db.session.delete(db.session.get(RepairOrder, pk))
        db.session.commit()
    assert int(home(chief)["overdue_repairs"]["value"]) == overdue  # the deletes renew it too


def test_a_write_outside_any_request_renews_the_figures_too(backend, db, clients):
    """A script or `flask` command writing through the session (an import run from the command line)."""
    from app.meta import clock
    from app.rules import write
    from models.org import Department, Staff
    from models.repairs import RepairCategory, RepairOrder, RepairStatus

    chief = clients("zongwu")
    overdue = int(home(chief)["overdue_repairs"]["value"])
    canteen = db.session.query(Department).filter_by(name="师生食堂").one()
    reporter = db.session.query(Staff).filter(Staff.department_id == canteen.id).first()
    now = clock.now()
    order = RepairOrder(title="缓存测试：脚本写入", description="门坏了", place="食堂", category=RepairCategory.other,
                        reporter=reporter, department=canteen, reported_at=now - timedelta(days=2),
                        promised_at=now - timedelta(days=1), status=RepairStatus.pending)
    write.save(db.session, order)
    try:
        assert int(home(chief)["overdue_repairs"]["value"]) == overdue + 1
    finally:
        db.session.delete(db.session.get(RepairOrder, order.id))
        db.session.commit()
    assert int(home(chief)["overdue_repairs"]["value"]) == overdue


def test_a_commit_renews_the_generations_of_what_it_wrote_and_a_rollback_nothing(app, db):
    from sqlalchemy import update

    from app.rules import generations
    from models.repairs import RepairOrder

    with app.test_request_context("/"):
        start = dict(generations.stamp(["RepairOrder", "Hazard", generations.ANY]))
        order = db.session.query(RepairOrder).order_by(RepairOrder.id).first()
        title = order.title
        order.title = title + "（改）"
        db.session.flush()  # noted by the flush …
        db.session.rollback()  # … and forgotten: nothing was written
        assert dict(generations.stamp(["RepairOrder", "Hazard", generations.ANY])) == start
        # a bulk statement, which bypasses the flush, counts as a write too
        db.session.execute(update(RepairOrder).where(RepairOrder.id == order.id).values(title=title))
        db.session.commit()
        after = dict(generations.stamp(["RepairOrder", "Hazard", generations.ANY]))
        assert after["RepairOrder"] != start["RepairOrder"] and after[generations.ANY] != start[generations.ANY]
        assert after["Hazard"] == start["Hazard"]


# ----------------------------------------------------------------- never another user's figure
def test_users_of_different_scope_never_see_each_others_cached_figures(backend, db, clients):
    from app.extensions import cache

    own = {}
    for username in ("shitang", "sushe", "zongwu"):
        cache.clear()
        own[username] = {k: (v["value"], v["total"], v["chart"]) for k, v in home(clients(username)).items()}
    differ = [k for k in own["shitang"] if k in own["sushe"] and own["shitang"][k] != own["sushe"][k]]
    assert differ, "the two departments' figures should differ somewhere for this test to mean anything"
    cache.clear()
    for username in ("shitang", "sushe", "zongwu", "sushe", "shitang", "zongwu"):  # each after the others cached
        seen = {k: (v["value"], v["total"], v["chart"]) for k, v in home(clients(username)).items()}
        assert seen == own[username], username


def test_the_key_names_user_roles_place_and_day(app, db):
    from flask_appbuilder.security.sqla.models import User

    from app.platform import caching

    users = db.session.query(User).filter(User.username.in_(["sushe", "shitang", "zongwu"])).all()
    with app.test_request_context("/"):
        keys = {caching.key_of("dashboard:x", user, ("RepairOrder",)) for user in users}
    assert len(keys) == 3


# ----------------------------------------------------------------- every widget lists what it reads
def test_every_widget_declares_every_model_its_queries_read(app, db, clients):
    """Each widget's queries (its data scope's subqueries included) touch only the models it lists in
    ``reads``: otherwise a write to an unlisted one would leave its cached figure stale."""
    from flask_appbuilder import Model
    from sqlalchemy.orm import Session
    from sqlalchemy.sql.util import find_tables

    from app.extensions import cache
    from app.features import dashboard

    model_of = {}
    for mapper in Model.registry.mappers:
        for table in mapper.tables:
            model_of.setdefault(table.name, mapper.class_.__name__)
    running: list[str] = []
    touched: dict[str, set[str]] = {}

    def note(state):
        if running:
            tables = find_tables(state.statement, include_aliases=True, include_joins=True, include_selects=True)
            touched.setdefault(running[-1], set()).update(model_of.get(t.name, t.name) for t in tables
                                                          if hasattr(t, "name"))

    originals = dict(dashboard._WIDGETS)

    def watched(item):
        def compute():
            running.append(item.key)
            try:
                return item.compute()
            finally:
                running.pop()
        return compute

    import dataclasses

    for key, item in originals.items():
        dashboard._WIDGETS[key] = dataclasses.replace(item, compute=watched(item))
    event.listen(Session, "do_orm_execute", note)
    try:
        for username in DEMO_ACCOUNTS:  # every role: their data scopes differ
            cache.clear()
            home(clients(username))
    finally:
        event.remove(Session, "do_orm_execute", note)
        dashboard._WIDGETS.clear()
        dashboard._WIDGETS.update(originals)
    assert {"todo", "overdue_repairs", "budgets", "dorm_occupancy"} <= set(touched)  # the recording works
    missing = {key: sorted(found - set(originals[key].reads)) for key, found in touched.items()
               if originals[key].reads is not None and not found <= set(originals[key].reads)}
    assert missing == {}
