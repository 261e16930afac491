"""Demo accounts log in; a wrong password gets a Chinese error; each role sees exactly its menus."""
from __future__ import annotations

import re

import pytest

from tests.conftest import DEMO_ACCOUNTS, flashes, login


def navbar(html: str) -> str:
    match = re.search(r'<div class="navbar-collapse.*?</div>\s*</div>\s*</div>', html, re.S)
    return match.group(0) if match else html


@pytest.mark.parametrize("username", sorted(DEMO_ACCOUNTS))
def test_demo_account_logs_in(client, username):
    response = login(client, username)
    assert response.status_code == 200
    assert "您好" in response.text
    assert client.get("/logout/", follow_redirects=True).status_code == 200


def test_wrong_password_gets_a_chinese_error(client):
    response = login(client, "baoguan", "wrong-password-1")
    text = " ".join(flashes(response.text))
    assert re.search(r"[\u4e00-\u9fff]", text), text
    assert "Invalid" not in response.text
    assert "您好" not in response.text


def test_unknown_user_gets_the_same_error(client):
    wrong_password = " ".join(flashes(login(client, "baoguan", "wrong-password-1").text))
    unknown = " ".join(flashes(login(client, "nobody-here", "wrong-password-1").text))
    assert wrong_password == unknown


@pytest.mark.parametrize("username,role", sorted(DEMO_ACCOUNTS.items()))
def test_each_role_sees_only_its_menus(app, client, username, role):
    engine = app.extensions["engine"]
    spec = engine.roles[role]
    login(client, username)
    html = navbar(client.get("/").text)
    for model, view in engine.views.items():
        label = model.__admin__.label
        allowed = role == "系统管理员" or "read" in spec.actions_for(view.class_permission_name)
        shown = re.search(rf"(>|&nbsp;)\s*{re.escape(label)}\s*</a>", html) is not None
        assert shown == allowed, (username, label, allowed)
        page = client.get(f"{view.route_base}/list/")
        assert (page.status_code == 200) == allowed, (username, label, page.status_code)


def test_only_the_administrator_reaches_user_management(as_user):
    client = as_user("zongwu")
    assert client.get("/users/list/").status_code != 200 or "用户" not in client.get("/users/list/").text
    admin = as_user("admin")
    assert admin.get("/users/list/").status_code == 200
