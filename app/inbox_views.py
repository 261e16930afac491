"""我的待办 and 我的申请: pages every role has, listing documents of every type in one place."""
from __future__ import annotations

from flask import request
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_login import current_user

from . import inbox
from .pages import Page

CATEGORY = "我的工作"


class TodoView(Page):
    route_base = "/todo"
    default_view = "index"
    class_permission_name = "Todo"
    method_permission_name = {"index": "read"}
    menu_label = "我的待办"
    menu_category = CATEGORY
    menu_icon = "fa-inbox"
    everyone = True

    @expose("/")
    @has_access
    def index(self):
        entries = inbox.awaiting(current_user)
        total = max(inbox.awaiting_count(current_user), len(entries))
        return self.render("engine/todo.html", entries=entries, back=request.path, total=total,
                           per_kind=inbox.LIMIT, title=f"我的待办（{total}）")


class MineView(Page):
    route_base = "/mine"
    default_view = "index"
    class_permission_name = "MyRequests"
    method_permission_name = {"index": "read"}
    menu_label = "我的申请"
    menu_category = CATEGORY
    menu_icon = "fa-paper-plane-o"
    everyone = True

    @expose("/")
    @has_access
    def index(self):
        open_only = request.args.get("open") == "1"
        entries = inbox.mine(current_user, open_only=open_only)
        return self.render("engine/mine.html", entries=entries, open_only=open_only, title="我的申请")


PAGES = [TodoView, MineView]
