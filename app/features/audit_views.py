"""操作日志 screens: the administrator's search over the log, and every record's own history on its page."""
from __future__ import annotations

import json
from typing import Any

from flask_appbuilder import ModelView
from markupsafe import Markup

from app.fab.datamodel import EngineInterface
from app.meta import formatting
from app.rules.audit import AuditLog, install, lifetime


def history(record: Any, limit: int = 100) -> list[AuditLog]:
    """A record's audit rows, newest first."""
    from app.extensions import db

    if record is None or getattr(record, "id", None) is None:
        return []
    return (db.session.query(AuditLog).filter(*lifetime(db.session, type(record).__name__, record.id))
            .order_by(AuditLog.created_at.desc(), AuditLog.id.desc()).limit(limit).all())


def changes_html(value: Any) -> Markup:
    """The 变更内容 column for a person: one line per field, 「label：old → new」, every part escaped."""
    try:
        items = json.loads(value or "[]")
    except ValueError:
        return Markup("")
    lines = [Markup("<li>{}：{} → {}</li>").format(c.get("label", ""), c.get("old") or "（空）",
                                                   c.get("new") or "（空）")
             for c in items if isinstance(c, dict)]
    return Markup('<ul class="list-unstyled engine-audit-changes">{}</ul>').format(Markup("").join(lines))


class AuditLogView(ModelView):
    """系统管理 → 操作日志: read-only list, detail and search; granted to nobody but the administrator role."""

    route_base = "/audit-log"
    class_permission_name = "AuditLog"
    base_permissions = ["can_list", "can_show"]
    list_title = "操作日志"
    show_title = "操作日志详情"
    list_columns = ["created_at", "user_name", "action", "model_label", "record_name", "changes"]
    show_columns = ["created_at", "user_name", "user_id", "action", "model_label", "record_id",
                    "record_name", "changes"]
    search_columns = ["created_at", "user_name", "action", "model_label", "record_id", "record_name"]
    order_columns = ["created_at", "user_name", "action", "model_label", "record_name"]
    base_order = ("id", "desc")
    label_columns = {c.key: c.info.get("label", c.key) for c in AuditLog.__table__.columns}
    formatters_columns = {"created_at": formatting.moment, "changes": changes_html}
    page_size = 50
    datamodel = EngineInterface(AuditLog)


def register(app, appbuilder) -> None:
    """The session events, the Jinja global ``audit_history(record)`` and the 操作日志 screen (系统管理)."""
    from app.extensions import db

    install(db.session)
    app.jinja_env.globals["audit_history"] = history
    appbuilder.add_view(AuditLogView, "操作日志", icon="fa-history", category="系统管理", category_icon="fa-cogs")
