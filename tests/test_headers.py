"""Security headers on every response, a script nonce FAB's inline scripts carry, and nothing from other hosts."""
from __future__ import annotations

import re

import pytest
from flask import url_for

from tests.conftest import login

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>", re.I)
OUTSIDE = re.compile(r"""\b(?:src|href|action)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""", re.I)
CSS_OUTSIDE = re.compile(r"""url\(\s*["']?\s*((?:https?:)?//[^"')\s]+)""", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
LINKED = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.I)


def csp_of(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()}


def assert_headers(response) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Referrer-Policy"] == "same-origin"
    csp = csp_of(response)
    for directive in ("default-src", "style-src", "img-src", "font-src", "connect-src"):
        assert csp[directive] == "'self'", directive
    assert re.fullmatch(r"'self' 'nonce-[A-Za-z0-9_-]{20,}'", csp["script-src"]), csp["script-src"]
    assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'self'"
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]


def assert_page_keeps_to_policy(response) -> None:
    """Every inline script carries this response's nonce; no inline handlers; nothing from another host."""
    html = response.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", csp_of(response)["script-src"]).group(1)
    for attrs in INLINE_SCRIPT.findall(html):
        assert f'nonce="{nonce}"' in attrs, attrs
    assert not EVENT_HANDLER.search(html), EVENT_HANDLER.search(html).group(0)
    assert "javascript:" not in html
    assert OUTSIDE.findall(html) == []


@pytest.fixture
def pages(app, admin, db):
    from models.repairs import RepairOrder, RepairStatus

    # An open order: a finished one's edit page explains its lock and goes back.
    order = db.session.query(RepairOrder.id).filter(RepairOrder.status == RepairStatus.pending) \
        .order_by(RepairOrder.id).first()[0]
    engine = app.extensions["engine"]
    with app.test_request_context():
        hand_written = [url_for(f"{page.endpoint}.{page.default_view}") for page in engine.pages]
    return ["/", "/asset/list/", "/asset/add", "/asset/show/1", "/asset/edit/1", "/repair-order/list/",
            "/repair-order/add", f"/repair-order/show/{order}", f"/repair-order/edit/{order}",
            "/staff/list/?_flt_0_department=1", "/audit-log/list/", "/users/list/", "/roles/list/",
            *hand_written]


def test_login_page_works_and_has_the_headers(client):
    client.get("/logout/")
    response = client.get("/login/")
    assert response.status_code == 200 and "登录" in response.text
    assert_headers(response)
    assert_page_keeps_to_policy(response)


def test_pages_work_under_the_policy(admin, pages):
    for path in pages:
        response = admin.get(path)
        assert response.status_code == 200, path
        assert_headers(response)
        assert_page_keeps_to_policy(response)
        assert response.headers["Cache-Control"] == "no-store", path  # an authenticated page is never stored


def test_each_response_has_its_own_nonce(admin):
    first, second = admin.get("/asset/list/"), admin.get("/asset/list/")
    assert csp_of(first)["script-src"] != csp_of(second)["script-src"]
    assert 'nonce="' in first.text  # FAB's inline filter and action scripts carry it


def test_errors_json_and_static_files_have_the_headers(admin, client):
    missing = admin.get("/asset/show/999999999")
    assert missing.status_code == 404 and "找不到" in missing.text
    assert_headers(missing)
    assert_page_keeps_to_policy(missing)  # the error page's "back" link is no javascript: URL

    api = admin.get("/api/v1/asset/1")
    assert api.status_code == 200 and api.headers["Cache-Control"] == "no-store"
    assert_headers(api)

    static = admin.get("/static/engine/engine.js")
    assert static.status_code == 200 and static.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in static.headers.get("Cache-Control", "")



def test_no_page_loads_anything_from_another_host(admin, pages):
    linked = set()
    for path in pages:
        html = admin.get(path).text
        assert OUTSIDE.findall(html) == [], path
        linked.update(LINKED.findall(html))
    assert linked and all(url.startswith("/") and not url.startswith("//") for url in linked), linked
    for url in sorted(linked):  # the style sheets do not pull fonts or images from elsewhere either
        asset = admin.get(url)
        assert asset.status_code == 200, url
        if url.endswith(".css"):
            assert CSS_OUTSIDE.findall(asset.get_data(as_text=True)) == [], url
        asset.close()


def test_a_page_logged_out_cannot_be_framed_by_others(client):
    client.get("/logout/")
    response = client.get("/login/")
    assert csp_of(response)["frame-ancestors"] == "'self'" and response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert login(client, "admin").status_code == 200
