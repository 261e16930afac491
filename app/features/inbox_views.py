"""我的待办 and 我的申请: pages every role has, listing documents of every type in one place."""
from __future__ import annotations

from urllib.parse import quote

from flask import request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_login import current_user

from app.features import inbox
from app.web.pages import Page

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
                           per_kind=inbox.LIMIT, title=f"我的待办（{total}）", actions=inline_actions)


def inline_actions(entry) -> list[dict]:
    """How each step the user may take shows on the 我的待办 card: a button (接单, 验收), a small form right there
    (派工: 维修人), or a link to the record, where an approval is read before it is given."""
    view, record = entry.view, entry.record
    stage = view.workflow.stage_of(record)
    found = []
    for step in entry.steps:
        item = {"step": step, "label": step.label_at(stage),
                "url": url_for(f"{view.endpoint}.step", name=step.name, pk=record.id, next=request.path),
                "open": f"{entry.url}?next={quote(request.path)}#workflow", "view": view.__class__.__name__}
        if not view.step_needs_form(step):
            item["kind"] = "button"
        elif not (step.is_approval or step.creates or step.comment or view.step_line_specs(step)) \
                and len(step.all_fields) <= 2 and not step.optional:
            item["kind"], item["form"] = "form", view.step_form_for(step, record)
            item["fields"] = view.step_fields(step, record)
        else:
            item["kind"] = "open"
        found.append(item)
    return found


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
