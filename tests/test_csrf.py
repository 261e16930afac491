"""CSRF on every state-changing request; no GET changes data; bearer-token API calls are exempt."""
from __future__ import annotations

import re

import pytest

from tests.conftest import DEMO_PASSWORD


@pytest.fixture(scope="module")
def csrf_app(app):
    from app import create_app

    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": True})


def token_of(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', html)
    return match.group(1) or match.group(2)


def logged_in(csrf_app, username="admin"):
    client = csrf_app.test_client()
    page = client.get("/login/").text
    client.post("/login/", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token_of(page)})
    assert "您好" in client.get("/").text
    return client


def test_login_itself_needs_the_token(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/login/", data={"username": "admin", "password": DEMO_PASSWORD})
    assert response.status_code == 400 and "页面已过期" in response.text
    assert "您好" not in client.get("/").text


def test_a_form_post_without_the_token_is_refused_and_saves_nothing(csrf_app, db):
    from models.assets import Location

    client = logged_in(csrf_app)
    before = db.session.query(Location).count()
    data = {"campus": "本部", "building": "防伪造楼", "room": "101"}
    refused = client.post("/location/add", data=data)
    assert refused.status_code == 400 and "页面已过期" in refused.text
    assert db.session.query(Location).count() == before
    data["csrf_token"] = token_of(client.get("/location/add").text)
    assert client.post("/location/add", data=data).status_code == 302
    assert db.session.query(Location).count() == before + 1


def test_browser_rest_calls_need_the_token_in_a_header(csrf_app):
    client = logged_in(csrf_app)
    body = {"campus": "本部", "building": "接口楼", "room": "201"}
    assert client.post("/api/v1/location/", json=body).status_code == 400
    token = token_of(client.get("/location/add").text)
    assert client.post("/api/v1/location/", json=body, headers={"X-CSRFToken": token}).status_code == 201


def test_bearer_token_clients_need_no_csrf(csrf_app):
    client = csrf_app.test_client()
    login = client.post("/api/v1/security/login",
                        json={"username": "admin", "password": DEMO_PASSWORD, "provider": "db"})
    assert login.status_code == 200, login.get_json()
    token = login.get_json()["access_token"]
    created = client.post("/api/v1/location/", json={"campus": "本部", "building": "令牌楼", "room": "301"},
                          headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201


def test_no_get_request_changes_data(csrf_app, db):
    from models.assets import Location

    client = logged_in(csrf_app)
    target = db.session.query(Location).order_by(Location.id.desc()).first()
    for url in (f"/location/delete/{target.id}", f"/location/action/anything/{target.id}"):
        client.get(url)
    db.session.expire_all()
    assert db.session.get(Location, target.id) is not None


def test_the_pages_without_login_need_the_token_too(csrf_app, db):
    from models.feedback import Feedback

    visitor = csrf_app.test_client()
    before = db.session.query(Feedback).count()
    data = {"kind": "complaint", "content": "伪造的投诉"}
    refused = visitor.post("/feedback/st1", data=data)
    assert refused.status_code == 400 and "页面已过期" in refused.text
    assert db.session.query(Feedback).count() == before
    data["csrf_token"] = token_of(visitor.get("/feedback/st1").text)
    assert visitor.post("/feedback/st1", data=data).status_code == 302
    assert db.session.query(Feedback).count() == before + 1
