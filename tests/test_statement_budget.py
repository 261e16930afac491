"""Issue 16: every page a demo account reaches from its home page runs at most 30 SQL statements, and no page's
count grows with the rows it shows.

Each page is requested twice and the second request counted (the first warms what a process keeps: permissions,
the menu). The home page is counted as served (its figures cached) and, with the cache emptied, bounded and
constant in rows. Rows are added by showing more per page (a list at 20 rows, then 100) and by copying
documents into 我的待办 and 我的申请.
"""
from __future__ import annotations

import re
import uuid
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import inspect as sa_inspect

from tests.conftest import DEMO_ACCOUNTS, OwnUserClient, login, statements_run

BUDGET = 30
HOME_UNCACHED = 60  # every figure computed afresh (after any write): a few grouped statements per widget
SKIP = ("/logout", "/lang/", "/static/", "/appbuilder/static/", "/back", "/uploads/", "/api/", "/users/")
CARD = re.compile(r'<div class="engine-card(?: [^"]*)?">')




def links(html: str) -> list[str]:
    """The internal pages a page links to (the home page: the menu, the to-do cards, the figures' lists)."""
    found = []
    for href in re.findall(r'href="([^"]+)"', html):
        href = href.replace("&amp;", "&")
        if href.startswith(("#", "javascript:", "mailto:")):
            continue
        parts = urlsplit(urljoin("/", href))
        if parts.netloc not in ("", "localhost") or parts.path.startswith(SKIP) or parts.path == "/":
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path not in found:
            found.append(path)
    return found


def client_of(app, username: str):
    client = OwnUserClient(app, app.response_class, use_cookies=True)
    assert login(client, username).status_code == 200
    return client


def _clear_cache(app) -> None:
    from app.extensions import cache

    with app.app_context():
        cache.clear()


def statements_of(app, client, path: str, uncached: bool = False) -> tuple[int, str]:
    """The statements of the second request of ``path`` (``uncached``: with the cache emptied before it)."""
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    assert client.get(path).status_code == 200, path
    if uncached:
        _clear_cache(app)
    with statements_run(engine) as seen:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(seen), response.text


def measure(app, username: str) -> dict[str, int]:
    """Statements of the home page (as served, and with the cache emptied: "/ uncached") and every page it
    links to."""
    client = client_of(app, username)
    found = {"/": statements_of(app, client, "/")[0]}
    found["/ uncached"], home = statements_of(app, client, "/", uncached=True)
    for path in links(home):
        found[path] = statements_of(app, client, path)[0]
    return found


@pytest.mark.parametrize("username", list(DEMO_ACCOUNTS))
def test_every_page_of_every_role_runs_at_most_30_statements(app, username):
    found = measure(app, username)
    assert len(found) > 5 and "/todo/" in found and "/mine/" in found  # really a menu's pages
    over = {path: n for path, n in found.items() if n > (HOME_UNCACHED if path == "/ uncached" else BUDGET)}
    assert not over, f"{username}: {over}"


# ----------------------------------------------------------------------------- constant in rows
def cards_on(html: str) -> int:
    return len(CARD.findall(html))


@pytest.mark.parametrize("username", ["admin", "zongwu", "sushe"])
def test_a_list_runs_as_many_statements_for_100_rows_as_for_20(app, username):
    engine_views = {view.route_base: view for view in app.extensions["engine"].views.values()}
    client = client_of(app, username)
    home = client.get("/").text
    checked = []
    for path in links(home):
        route = path.split("?")[0].removesuffix("/list/")
        view = engine_views.get(route)
        if view is None or not path.split("?")[0].endswith("/list/"):
            continue
        name = type(view).__name__
        joiner = "&" if "?" in path else "?"
        small, page_small = statements_of(app, client, f"{path}{joiner}psize_{name}=20")
        large, page_large = statements_of(app, client, f"{path}{joiner}psize_{name}=100")
        if cards_on(page_large) <= cards_on(page_small):
            continue  # twenty rows or fewer: nothing more to show
        assert large == small, f"{username} {path}: {small} statements for 20 rows, {large} for {cards_on(page_large)}"
        checked.append(path)
    assert len(checked) >= 5, checked  # really lists with more than twenty rows


def _copy(db, record, times: int) -> list:
    """``times`` copies of a document (its lines too), numbered afresh, saved straight to the database: test
    data only, as a person would have made them."""
    model = type(record)
    mapper = sa_inspect(model)
    made = []
    for _ in range(times):
        values = {}
        for attr in mapper.column_attrs:
            column = attr.columns[0]
            if column.primary_key:
                continue
            value = getattr(record, attr.key)
            if column.unique and isinstance(value, str):
                value = f"T{uuid.uuid4().hex[:12]}"
            values[attr.key] = value
        copy = model(**values)
        for spec in model.__admin__.lines:
            relation = mapper.relationships[spec.relation]
            child_mapper = sa_inspect(relation.mapper.class_)
            for line in getattr(record, spec.relation):
                getattr(copy, spec.relation).append(relation.mapper.class_(**{
                    a.key: getattr(line, a.key) for a in child_mapper.column_attrs
                    if not a.columns[0].primary_key and not a.columns[0].foreign_keys & set(relation.remote_side)
                    and a.key not in {c.key for c in relation.remote_side}}))
        db.session.add(copy)
        made.append(copy)
    db.session.commit()
    return made


def _shown_documents(db, html: str) -> list:
    """One record of each kind of document the page's cards open."""
    from flask import current_app

    views = {view.route_base: model for model, view in current_app.extensions["engine"].views.items()}
    found = {}
    for route, pk in re.findall(r'href="(/[a-z-]+)/show/(\d+)', html):
        if route in views and route not in found and views[route].__admin__.workflow is not None:
            found[route] = db.session.get(views[route], int(pk))
    return [record for record in found.values() if record is not None]


@pytest.mark.parametrize("username,path", [("zongwu", "/todo/"), ("jiaoshi", "/mine/"), ("sushe", "/mine/"),
                                           ("zongwu", "/ uncached")])
def test_my_work_runs_as_many_statements_with_more_documents(app, username, path):
    # No app context is held while counting (the `db` fixture would hold one): each request then has its own
    # database session, as in production, instead of one shared session whose earlier loads change the count.
    from app.extensions import db

    client = client_of(app, username)
    page = "/" if path == "/ uncached" else path
    before, html = statements_of(app, client, page, uncached=path == "/ uncached")
    shown = client.get("/todo/" if path == "/ uncached" else path).text
    with app.app_context():
        made = [(type(copy), copy.id) for record in _shown_documents(db, shown) for copy in _copy(db, record, 4)]
    try:
        assert len(made) >= 8
        after, html_after = statements_of(app, client, page, uncached=path == "/ uncached")
        if page != "/":
            assert cards_on(html_after) >= cards_on(html) + len(made) // 2  # really more shown
        assert after == before, f"{username} {path}: {before} statements, then {after} with {len(made)} more"
    finally:
        with app.app_context():
            for model, pk in made:
                db.session.delete(db.session.get(model, pk))
            db.session.commit()
