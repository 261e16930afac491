"""投诉建议 without login: the form a QR code opens (/feedback/<反馈点编码>) and the sender's private page
(/feedback/reply/<查询码>) with the reply.

The form writes one 投诉建议 through the one write path (``write.save``) inside a public reach
(app/rules/public.py): the visitor reaches the active 反馈点 of this code, the service units the form offers and
the one record the form is making; only the model's declared public fields are written, the rest (状态, 回复 …)
keeps the model's own values. A hidden field no person sees (a honeypot) turns robots away; POSTs are limited
per client address (PUBLIC_FORM_RATE_LIMIT). The private page shows that one record, found by its token alone.
"""
from __future__ import annotations

from flask import make_response, redirect, request, url_for
from flask_appbuilder import expose
from flask_wtf import FlaskForm

from app.extensions import db
from app.meta import formatting
from app.rules import public, read, write
from app.web.pages import PublicPage
from models.feedback import CONTENT_MAX, Feedback, FeedbackKind, FeedbackPoint, FeedbackStatus, new_token
from models.org import Department, DepartmentKind

from .base import TEMPLATES
from .printing import qr_svg

HONEYPOT = "website"  # a field hidden from people; a robot filling every field fills it too
NOT_FOUND = "这个二维码已停用或不存在，请扫描张贴处的最新二维码。"
NO_SUCH_REPLY = "找不到这条反馈：链接不完整或有误，请打开提交时保存的完整链接。"


class FeedbackForm(FlaskForm):
    """Carries only the CSRF token; the fields are read from the request by name."""


def _point_reach(code: str) -> dict:
    return {FeedbackPoint: (FeedbackPoint.code == code) & FeedbackPoint.active.is_(True),
            Department: Department.kind == DepartmentKind.logistics}


def public_url(endpoint: str, **values) -> str:
    """An absolute address for a QR code or a link to keep: PUBLIC_BASE_URL when configured (the address phones
    reach the system by), else the address this page was asked for."""
    from flask import current_app

    base = (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")
    return base + url_for(endpoint, **values)


def no_store(response):
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the private link never leaves in a Referer header
    return response


class PublicFeedbackView(PublicPage):
    route_base = "/feedback"
    menu_label = "投诉建议（公开页面）"
    template_folder = TEMPLATES

    def _page(self, template: str, status: int = 200, **kwargs):
        return no_store((self.render_template(template, **kwargs), status))

    def _missing(self, text: str):
        return self._page("views/public_missing.html", 404, title="找不到页面", text=text)

    @expose("/<code>", methods=["GET", "POST"])
    def index(self, code: str):
        code = (code or "")[:30]
        with public.reach(_point_reach(code)):
            point = read.query(db.session, FeedbackPoint).first()
            if point is None:
                return self._missing(NOT_FOUND)
            units = [] if point.unit is not None else list(read.query(db.session, Department).order_by(Department.code))
            if request.method == "GET":
                return self._form(point, units)
            if request.form.get(HONEYPOT):
                return self._form(point, units, errors={"form": "提交未成功，请稍后再试"})
            if not FeedbackForm().validate_on_submit():
                return self._form(point, units, errors={"form": "页面已过期，请重新提交"})
            return self._submit(point, units)

    def _submit(self, point: FeedbackPoint, units: list):
        typed = {name: (request.form.get(name) or "").strip() for name in ("kind", "content", "contact", "unit")}
        errors = {}
        kind = FeedbackKind.__members__.get(typed["kind"])
        if kind is None:
            errors["kind"] = "请选择投诉、建议或表扬"
        unit = point.unit
        if unit is None:
            unit = next((u for u in units if str(u.id) == typed["unit"]), None)
            if unit is None:
                errors["unit"] = "请选择服务单位"
        if len(typed["contact"]) > 50:
            errors["contact"] = "联系方式不能超过 50 个字"
        if not typed["content"]:
            errors["content"] = "请填写内容"
        elif len(typed["content"]) > CONTENT_MAX:
            errors["content"] = f"内容不能超过 {CONTENT_MAX} 字（现有 {len(typed['content'])} 字）"
        if errors:
            return self._form(point, units, typed, errors)
        token = new_token()
        feedback = Feedback(point=point, unit=unit, kind=kind, content=typed["content"],
                            contact=typed["contact"] or None, token=token)
        try:
            with public.reach({**_point_reach(point.code), Department: Department.id == unit.id,
                               Feedback: Feedback.token == token}):
                write.save(db.session, feedback)
        except write.Refused as refused:
            message = "；".join(dict.fromkeys(refused.errors.values())) or refused.message
            return self._form(point, units, typed, {"form": message})
        return redirect(url_for(".reply", token=token, sent=1))

    def _form(self, point, units, typed: dict | None = None, errors: dict | None = None):
        return self._page("views/public_feedback.html", 400 if errors else 200, title="投诉建议", point=point,
                          units=units, kinds=list(FeedbackKind), typed=typed or {"kind": FeedbackKind.complaint.name},
                          errors=errors or {}, form=FeedbackForm(), honeypot=HONEYPOT, content_max=CONTENT_MAX)

    @expose("/reply/<token>")
    def reply(self, token: str):
        token = (token or "")[:40]
        with public.reach({Feedback: Feedback.token == token}):
            feedback = db.session.scalar(read.select(Feedback)) if token else None
            if feedback is None:
                return self._missing(NO_SUCH_REPLY)
            link = public_url(".reply", token=token)
            return self._page("views/public_feedback_reply.html", title="我的反馈", feedback=feedback,
                              unit=feedback.unit.name if feedback.unit else "", link=link, qr=qr_svg(link),
                              sent=request.args.get("sent") == "1", replied=feedback.status != FeedbackStatus.pending,
                              moment=formatting.moment)
