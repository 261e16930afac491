"""A satisfaction survey answered through its 问卷链接 (/survey/<链接码>): by students and parents with a one-time
答卷码 (no login; the slip's QR code carries the code), or by a logged-in person once.

The 身份 of the sheet is the link's; nothing the respondent sends can change it. The sheet is saved through the
one write path (``write.save``) inside a public reach (app/rules/public.py): the link, its survey and items, the
one code (or the login user's one sheet for this link). The database keeps each code to one sheet (a unique
index) and each account to one sheet per link (a unique constraint), so two phones sending the same code at the
same moment get one sheet and one refusal. POSTs are limited per client address (PUBLIC_FORM_RATE_LIMIT).
"""
from __future__ import annotations

from flask import redirect, request
from flask_appbuilder import expose
from flask_login import current_user
from flask_wtf import FlaskForm

from app.extensions import db
from app.meta import clock
from app.rules import public, read, write
from app.web.pages import PublicPage
from models.satisfaction import Rating, Survey, SurveyAnswer, SurveyItem, SurveyResponse
from models.survey_links import Admission, SurveyCode, SurveyLink, normalized

from .base import TEMPLATES
from .public_feedback import no_store

NOT_FOUND = "这个问卷链接已停用或不存在。"
CLOSED = "本次调查不在填写时间内（{starts} 至 {ends}），谢谢您的关注。"
USED = "该答卷码已经用过，每个答卷码只能填写一份问卷。"
NO_CODE = "答卷码不正确，请核对纸条上的答卷码"
ANSWERED = "您已经填写过这份问卷，每人只能填写一份，谢谢！"
COMMENT_MAX = 500


class SurveyForm(FlaskForm):
    """Carries only the CSRF token; the answers are read from the request by item."""


def _link_reach(slug: str) -> dict:
    return {SurveyLink: (SurveyLink.slug == slug) & SurveyLink.active.is_(True)}


def _survey_reach(link: SurveyLink) -> dict:
    return {**_link_reach(link.slug), Survey: Survey.id == link.survey_id,
            SurveyItem: SurveyItem.survey_id == link.survey_id}


def _mine(link: SurveyLink):
    """The login user's own sheet through ``link`` (at most one)."""
    return (SurveyResponse.link_id == link.id) & (SurveyResponse.submitter_id == current_user.id)


def _already_answered(link: SurveyLink) -> bool:
    with public.reach({SurveyResponse: _mine(link)}):
        return read.query(db.session, SurveyResponse).first() is not None


def _code(link: SurveyLink, typed: str) -> SurveyCode | None:
    with public.reach({SurveyCode: (SurveyCode.link_id == link.id) & (SurveyCode.code == normalized(typed))}):
        return read.query(db.session, SurveyCode).first()


def _code_answered(code: SurveyCode) -> bool:
    with public.reach({SurveyResponse: SurveyResponse.code_id == code.id}):
        return read.query(db.session, SurveyResponse).first() is not None


class PublicSurveyView(PublicPage):
    route_base = "/survey"
    menu_label = "问卷填写（公开页面）"
    template_folder = TEMPLATES

    def _page(self, template: str, status: int = 200, **kwargs):
        return no_store((self.render_template(template, **kwargs), status))

    def _note(self, text: str, status: int = 200, title: str = "满意度调查"):
        return self._page("views/public_missing.html", status, title=title, text=text)

    @expose("/<slug>", methods=["GET", "POST"])
    def index(self, slug: str):
        slug = (slug or "")[:40]
        with public.reach(_link_reach(slug)):
            link = read.query(db.session, SurveyLink).first()
        if link is None:
            return self._note(NOT_FOUND, 404, "找不到页面")
        survey = link.survey
        if not link.is_open():
            return self._note(CLOSED.format(starts=survey.starts_on, ends=survey.ends_on), title=survey.title)
        if link.admission == Admission.login:
            if not current_user.is_authenticated:
                return redirect(self.appbuilder.get_url_for_login_with(request.full_path.rstrip("?")))
            if _already_answered(link):
                return self._note(ANSWERED, title=survey.title)
        with public.reach(_survey_reach(link)):
            items = list(read.query(db.session, SurveyItem).order_by(SurveyItem.sort, SurveyItem.id))
        if request.method == "GET":
            return self._form(link, items, {"code": normalized(request.args.get("code", ""))})
        if not SurveyForm().validate_on_submit():
            return self._form(link, items, self._typed(items), {"form": "页面已过期，请重新提交"})
        return self._submit(link, items)

    def _typed(self, items: list) -> dict:
        typed = {"code": normalized(request.form.get("code", "")), "comment": (request.form.get("comment") or "").strip()}
        for item in items:
            typed[f"rating-{item.id}"] = request.form.get(f"rating-{item.id}", "")
        return typed

    def _submit(self, link: SurveyLink, items: list):
        typed = self._typed(items)
        errors, code = {}, None
        if link.admission == Admission.code:
            code = _code(link, typed["code"])
            if code is None:
                errors["code"] = NO_CODE
            elif code.used_at is not None:
                errors["code"] = USED
        ratings = {item.id: Rating.__members__.get(typed[f"rating-{item.id}"]) for item in items}
        for item in items:
            if ratings[item.id] is None:
                errors[f"rating-{item.id}"] = f"请为「{item.name}」选择评价"
        if len(typed["comment"]) > COMMENT_MAX:
            errors["comment"] = f"意见不能超过 {COMMENT_MAX} 字"
        if errors:
            return self._form(link, items, typed, errors)
        response = SurveyResponse(survey=link.survey, link=link, code=code, identity=link.audience,
                                  submitted_on=clock.today(), comment=typed["comment"] or None,
                                  answers=[SurveyAnswer(item=item, rating=ratings[item.id]) for item in items])
        mine = (SurveyResponse.code_id == code.id) if code is not None else _mine(link)
        reach = {**_survey_reach(link), SurveyResponse: mine}
        if code is not None:
            reach[SurveyCode] = SurveyCode.id == code.id
            code.used_at = clock.now().replace(microsecond=0)
        try:
            with public.reach(reach):
                write.save(db.session, response)
        except write.Refused as refused:
            return self._refused(link, items, typed, code, refused)
        return self._note("提交成功，感谢您的评价！您的意见将用于改进后勤服务。", title=link.survey.title)

    def _refused(self, link, items, typed, code, refused):
        """A refusal said plainly: the code (or this account) was used meanwhile, else the rules' own words."""
        db.session.expire_all()  # what the database holds now (the link and code are read again)
        if code is not None and _code_answered(code):
            return self._form(link, items, typed, {"code": USED})
        if link.admission == Admission.login and _already_answered(link):
            return self._note(ANSWERED, title=link.survey.title)
        message = "；".join(dict.fromkeys(refused.errors.values())) or refused.message
        return self._form(link, items, typed, {"form": message})

    def _form(self, link, items, typed: dict, errors: dict | None = None):
        return self._page("views/public_survey.html", 400 if errors else 200, title=link.survey.title, link=link,
                          items=items, ratings=list(Rating), typed=typed, errors=errors or {}, form=SurveyForm(),
                          by_code=link.admission == Admission.code, comment_max=COMMENT_MAX)
