"""The top bar's menu as HTML, rendered once per set of permissions and reused by every page.

FAB renders the menu on every page, asking for each of ~90 items whether the user may see it and translating its
label: about a quarter of a list page's time. What it shows depends only on the permissions of the user's roles
(read once per request anyway, for the page's buttons), the language and where the application is mounted, so the
HTML is kept per process under exactly that: a role given or refused a permission reads a different set, and the
next page renders afresh. Nothing per user is kept; a visitor's menu is rendered every time.
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict

from flask import current_app, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

TEMPLATE = "appbuilder/navbar_menu.html"
KEPT = 64  # distinct permission sets held per process; a school has a dozen roles and few combinations


def menu_html(user) -> Markup:
    appbuilder = current_app.appbuilder
    if not getattr(user, "is_authenticated", False):
        return _render(appbuilder)
    rendered: OrderedDict[str, Markup] = current_app.extensions.setdefault("menu_html", OrderedDict())
    key = _key(appbuilder.sm.menu_permission_key(user))
    found = rendered.get(key)
    if found is None:
        found = rendered[key] = _render(appbuilder)
        while len(rendered) > KEPT:
            rendered.popitem(last=False)
    return found


def _key(permissions: str) -> str:
    parts = (permissions, str(get_locale()), request.script_root)
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def _render(appbuilder) -> Markup:
    return Markup(render_template(TEMPLATE, menu=appbuilder.menu))
