"""Issue 16: every page a demo account reaches from its menu runs at most 30 SQL statements, and a list's count
does not grow with the rows it shows.

Each page is requested twice and the second request counted (the first warms what a process keeps: permissions,
the menu); the home page is counted with the cache emptied, as after any write.
"""
from __future__ import annotations

import contextlib
import re
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import event

from tests.conftest import DEMO_ACCOUNTS, OwnUserClient, login

BUDGET = 30
SKIP = ("/logout", "/lang/", "/static/", "/appbuilder/static/", "/back", "/uploads/", "/api/", "/users/")


@contextlib.contextmanager
def counted(engine):
    found: list[str] = []

    def record(conn, cursor, statement, *args):
        found.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", record)


def menu_pages(html: str) -> list[str]:
    """The internal pages linked from the home page (the menu, the to-do list, the figures' lists)."""
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


def statements_of(app, client, path: str, clear_cache: bool = False) -> tuple[int, list[str]]:
    from app.extensions import cache

    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    assert client.get(path).status_code == 200, path
    if clear_cache:
        with app.app_context():
            cache.clear()
    with counted(engine) as seen:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(seen), seen


def measure(app, username: str) -> dict[str, int]:
    """Statements of the second request of the home page (cache emptied) and every page it links to."""
    client = OwnUserClient(app, app.response_class, use_cookies=True)
    assert login(client, username).status_code == 200
    home = client.get("/")
    found = {"/": statements_of(app, client, "/", clear_cache=True)[0]}
    for path in menu_pages(home.text):
        found[path] = statements_of(app, client, path)[0]
    return found


@pytest.mark.parametrize("username", list(DEMO_ACCOUNTS))
def test_every_page_of_every_role_runs_at_most_30_statements(app, username):
    found = measure(app, username)
    assert len(found) > 3  # really a menu's pages
    over = {path: n for path, n in found.items() if n > BUDGET}
    assert not over, f"{username}: {over}"
