"""消息: the bell's list (unread first, mark read, each message opening its record), each person's 消息通知 settings,
and 系统管理 → 消息发送 for the administrator (what went out, what failed and why, 重发)."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import ModelView, expose
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_login import current_user
from sqlalchemy import func

from app.features.notifications import settings
from app.features.notifications.tables import CHANNELS, FAILED, KINDS, PENDING, Delivery, Message
from app.meta import clock, formatting
from app.platform import caching
from app.rules import identity
from app.web.pages import Page

LIST_LIMIT = 100


def _session():
    from app.extensions import db

    return db.session


def unread_count() -> int:
    """The number on the bell: one indexed count of the login user's unread messages."""
    if not getattr(current_user, "is_authenticated", False):
        return 0
    cache = identity.request_cache("messages")  # the navbar shows it twice (wide screens and phones)
    if "unread" not in cache:
        def compute() -> int:
            return (_session().query(func.count(Message.id))
                    .filter(Message.user_id == current_user.id, Message.read_at.is_(None)).scalar())

        # Across requests: renewed by any write of a message (a step's, the worker's reminder, marking read).
        cache["unread"] = caching.remember("notify:unread", current_user, [Message.__name__], compute)
    return cache["unread"]


def my_choices() -> list[tuple[str, list[str]]]:
    """The login user's channels beside 站内信, per kind of event (for 个人资料)."""
    chosen, _ = settings.load(_session(), current_user)
    return [(label, [CHANNELS[c] for c in CHANNELS if (kind, c) in chosen])
            for kind, label in KINDS.items() if any((kind, c) in chosen for c in CHANNELS)]


class MessagesView(Page):
    route_base = "/messages"
    default_view = "index"
    class_permission_name = "Messages"
    method_permission_name = {"index": "read", "open": "read", "mark_read": "read", "mark_all_read": "read",
                              "preferences": "read"}
    menu_label = "消息"
    menu_category = "我的工作"
    menu_icon = "fa-bell"
    everyone = True

    def _mine(self, pk: int) -> Message:
        message = _session().get(Message, pk)
        if message is None or message.user_id != current_user.id:
            abort(404)
        return message

    @expose("/")
    @has_access
    def index(self):
        session = _session()
        rows = (session.query(Message).filter(Message.user_id == current_user.id)
                .order_by(Message.read_at.isnot(None), Message.id.desc()).limit(LIST_LIMIT).all())
        unread = sum(1 for m in rows if m.read_at is None)
        return self.render("engine/messages.html", messages=rows, unread=unread, title="消息", kinds=KINDS)

    @expose("/<int:pk>/open")
    @has_access
    def open(self, pk: int):
        """Mark read and go to the record's page, which checks again that the reader may see it."""
        message = self._mine(pk)
        if message.read_at is None:
            message.read_at = clock.now()
            _session().commit()
        link = message.link or ""
        if not link.startswith("/") or link.startswith("//"):
            return redirect(url_for("MessagesView.index"))
        return redirect(link)

    @expose("/<int:pk>/read", methods=["POST"])
    @has_access
    def mark_read(self, pk: int):
        message = self._mine(pk)
        if message.read_at is None:
            message.read_at = clock.now()
            _session().commit()
        flash("已标为已读", "success")
        return redirect(url_for("MessagesView.index"))

    @expose("/read-all", methods=["POST"])
    @has_access
    def mark_all_read(self):
        session = _session()
        count = (session.query(Message).filter(Message.user_id == current_user.id, Message.read_at.is_(None))
                 .update({Message.read_at: clock.now()}, synchronize_session=False))
        session.commit()
        flash(f"已将 {count} 条消息标为已读", "success")
        return redirect(url_for("MessagesView.index"))

    @expose("/settings", methods=["GET", "POST"])
    @has_access
    def preferences(self):
        session = _session()
        errors: dict[str, str] = {}
        if request.method == "POST":
            errors = settings.save(session, current_user, request.form, current_app.config)
            if not errors:
                flash("消息通知设置已保存", "success")
                return redirect(url_for("MessagesView.preferences"))
            flash("未保存，请按提示修改", "danger")
        chosen, address = settings.load(session, current_user)
        return self.render("engine/notify_settings.html", title="消息通知设置", kinds=KINDS, channels=CHANNELS,
                           chosen=chosen, address=address, errors=errors, form=request.form if errors else None,
                           email=current_user.email, config=current_app.config)


class DeliveryView(ModelView):
    """系统管理 → 消息发送: every delivery with its attempts and last error; 重发 puts failed ones back in the queue."""

    datamodel = SQLAInterface(Delivery)
    route_base = "/notify-deliveries"
    class_permission_name = "NotifyDelivery"
    include_route_methods = {"list", "show", "action_post"}
    base_permissions = ["can_list", "can_show", "resend"]
    list_title = "消息发送"
    show_title = "消息发送详情"
    list_columns = ["created_at", "user_id", "channel", "title", "status", "attempts", "next_try", "last_error"]
    show_columns = ["created_at", "user_id", "channel", "title", "body", "link", "status", "attempts", "next_try",
                    "sent_at", "last_error"]
    search_columns = ["status", "channel", "created_at", "title"]
    label_columns = {c.key: c.info.get("label", c.key) for c in Delivery.__table__.columns}
    formatters_columns = {"created_at": formatting.moment, "next_try": formatting.moment,
                          "sent_at": formatting.moment, "channel": lambda v: CHANNELS.get(v, v),
                          "user_id": lambda v: _user_name(v), "last_error": lambda v: v or ""}
    base_order = ("id", "desc")
    page_size = 50

    @action("resend", "重发", "确定重新发送所选消息吗？", "fa-repeat", single=False)
    def resend(self, items):
        items = items if isinstance(items, list) else [items]
        again = [item for item in items if item.status == FAILED]
        for item in again:
            item.status, item.attempts, item.next_try = PENDING, 0, clock.now()
        self.datamodel.session.commit()
        flash(f"已将 {len(again)} 条失败的消息重新排入发送队列", "success")
        return redirect(self.get_redirect())


def _user_name(user_id) -> str:
    from flask_appbuilder.security.sqla.models import User

    user = _session().get(User, user_id) if user_id else None
    return formatting.signature(user) if user is not None else ""

