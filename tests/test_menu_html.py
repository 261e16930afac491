"""The top bar's menu is rendered once per set of permissions (app/web/menu_html.py) and follows every change
to a role's permissions at once: a role given 供应商 sees it on the next page, and loses it the same way."""
from __future__ import annotations

import re

from flask import template_rendered

SUPPLIER_LINK = 'href="/supplier/list/"'


def navbar_menu(html: str) -> str:
    """The menu part of the top bar (the left-hand list)."""
    found = re.search(r'<ul class="nav navbar-nav">(.*?)<ul class="nav navbar-nav navbar-right">', html, re.S)
    assert found, "no top bar menu on the page"
    return found.group(1)


def count_menu_renders(app):
    rendered = []

    def note(sender, template, context, **extra):
        if template.name == "appbuilder/navbar_menu.html":
            rendered.append(template.name)

    template_rendered.connect(note, app)
    return rendered, lambda: template_rendered.disconnect(note, app)


def test_the_menu_is_rendered_once_per_permission_set_and_shown_to_each_role_its_own(app, clients):
    teacher, admin = clients("jiaoshi"), clients("admin")  # logged in: their first pages are behind them
    app.extensions.pop("menu_html", None)
    rendered, stop = count_menu_renders(app)
    try:
        first = navbar_menu(teacher.get("/repairorder/list/").get_data(as_text=True))
        again = navbar_menu(teacher.get("/repairorder/list/").get_data(as_text=True))
        assert first == again
        assert "报修" in first and SUPPLIER_LINK not in first
        assert len(rendered) == 1
        admin_menu = navbar_menu(admin.get("/supplier/list/").get_data(as_text=True))
        assert SUPPLIER_LINK in admin_menu and "系统管理" in admin_menu and "系统管理" not in first
        assert len(rendered) == 2
    finally:
        stop()


def test_a_permission_given_or_taken_shows_on_the_next_page(app, clients, db):
    sm = app.appbuilder.sm
    teacher = clients("jiaoshi")
    assert SUPPLIER_LINK not in navbar_menu(teacher.get("/").get_data(as_text=True))
    role = sm.find_role("教职工")
    granted = [sm.find_permission_view_menu("menu_access", "供应商"), sm.find_permission_view_menu("can_read", "Supplier")]
    assert all(granted)
    role.permissions.extend(p for p in granted if p not in role.permissions)
    db.session.commit()
    try:
        assert SUPPLIER_LINK in navbar_menu(teacher.get("/").get_data(as_text=True))
    finally:
        role = sm.find_role("教职工")
        role.permissions = [p for p in role.permissions if p not in granted]
        db.session.commit()
    assert SUPPLIER_LINK not in navbar_menu(teacher.get("/").get_data(as_text=True))


def test_a_visitor_sees_the_login_page_without_the_menu_of_a_logged_in_user(client):
    html = client.get("/login/").get_data(as_text=True)
    assert SUPPLIER_LINK not in html and "报修" not in navbar_menu(html)
