"""满意度: termly satisfaction surveys of the service units, their answer sheets, and 满意率.

满意率 = share of 非常满意 + 较满意 + 基本满意 among all ratings; the school's target is ≥ 90 %, per survey
item and per service unit (师生食堂, 宿舍管理, 水电维修组 …).
"""
from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Index, UniqueConstraint, func, select
from sqlalchemy.orm import selectinload

from app.declare import (
    Admin,
    Choice,
    Entity,
    Lines,
    Scope,
    choice,
    day,
    integer,
    key,
    long_text,
    pk,
    quick,
    relation,
    text,
)
from app.meta import clock

MENU = "满意度"
TARGET = Decimal("0.90")
NO_UNIT = "（未指定服务单位）"


class Identity(Choice):
    staff = "教职工"
    student = "学生"
    parent = "家长"


class Rating(Choice):
    very_satisfied = "非常满意"
    satisfied = "较满意"
    basic = "基本满意"
    less = "欠满意"
    dissatisfied = "不满意"


SATISFIED = (Rating.very_satisfied, Rating.satisfied, Rating.basic)


class Survey(Entity):
    __tablename__ = "survey"
    __table_args__ = (Index("ix_survey_school_starts_on", "school_id", "starts_on"),)  # a school's list in its order (app/rules/scope.py within_unit)
    __admin__ = Admin(
        "满意度调查",
        menu=MENU,
        icon="fa-list-alt",
        menu_order=10,
        list=["title", "period", "starts_on", "ends_on"],
        search=["title", "period", "starts_on"],
        form=["title", "period", "starts_on", "ends_on", "description", "school"],
        order=("starts_on", "desc"),
        lookup=["title", "period"],
        lines=[Lines("items", ["name", "unit", "staff", "sort"])],
        quick_filters=[quick("进行中", where=lambda m: (m.starts_on <= clock.today()) & (m.ends_on >= clock.today()))],
        scope=Scope(unit="school"),
    )
    id = pk()
    title = text("标题", 100, required=True)
    period = text("期间", 40, required=True, help="例：2026年秋季学期")
    starts_on = day("开始日期", required=True, prefill="today")
    ends_on = day("结束日期", required=True)
    description = long_text("说明")
    school_id = key("department.id", index=False)  # led by ix_survey_school_starts_on
    school = relation("Department", "所属学校", help="区教育局下有多所学校时，记录属于哪一所；学校的人登记时自动为本校")
    items = relation("SurveyItem", "调查项目", back_populates="survey", cascade="all, delete-orphan",
                     order_by="SurveyItem.sort")

    def __str__(self) -> str:
        return f"{self.title or ''}（{self.period or ''}）"

    def validate(self) -> dict[str, str]:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            return {"ends_on": "结束日期不能早于开始日期"}
        return {}


class SurveyItem(Entity):
    __tablename__ = "survey_item"
    __admin__ = Admin(
        "调查项目",
        menu=MENU,
        icon="fa-list-ol",
        menu_order=20,
        list=["survey", "sort", "name", "unit", "staff"],
        search=["survey", "name", "unit", "staff"],
        form=["survey", "name", "unit", "staff", "sort"],
        order=("sort", "asc"),
        lookup=["name", "survey.period"],
        scope=Scope(department="unit"),
    )
    id = pk()
    survey_id = key("survey.id", required=True)
    survey = relation("Survey", "调查", back_populates="items", lazy="joined")
    name = text("项目名称", 100, required=True, help="例：饭菜质量、宿舍卫生、维修及时性")
    unit_id = key("department.id")
    unit = relation("Department", "服务单位")
    # An item may rate one post holder (「食堂管理员 吴海涛 服务态度」): their 民主评议分 (models/assessment_facts.py).
    staff_id = key("staff.id")
    staff = relation("Staff", "被评人员", help="评议某一岗位人员时选择，其满意率计入本人考核的民主评议分")
    sort = integer("排序", required=True, default=10, min=0, max=10_000)

    def __str__(self) -> str:
        period = self.survey.period if self.survey is not None else ""
        return f"{self.name or ''}（{period}）" if period else (self.name or "")

    def before_save(self) -> None:
        if self.unit is None and self.unit_id is None and self.staff is not None:
            self.unit = self.staff.department


class SurveyResponse(Entity):
    __tablename__ = "survey_response"
    __admin__ = Admin(
        "答卷",
        menu=MENU,
        icon="fa-file-text-o",
        menu_order=30,
        list=["survey", "identity", "submitted_on", "comment"],
        search=["survey", "identity", "submitted_on"],
        form=["survey", "identity", "submitted_on", "comment"],
        order=("submitted_on", "desc"),
        lines=[Lines("answers", ["item", "rating"])],
        quick_filters=[quick("教职工", identity=Identity.staff), quick("学生", identity=Identity.student),
                       quick("家长", identity=Identity.parent)],
        scope=Scope(owner="submitter"),
        public=["survey", "link", "code", "identity", "submitted_on", "comment", "answers"],  # views/public_survey.py
    )
    # A sheet sent through a 问卷链接 (models/survey_links.py): one per 答卷码, one per account and link.
    __table_args__ = (UniqueConstraint("link_id", "submitter_id"),)
    id = pk()
    survey_id = key("survey.id", required=True)
    survey = relation("Survey", "调查", lazy="joined")
    identity = choice(Identity, "身份", required=True, default=Identity.student)
    submitted_on = day("提交日期", required=True, prefill="today", index=True)
    comment = long_text("意见")
    # Who entered it, for 仅本人 data scope only; not shown on screens (answers stay anonymous).
    submitter_id = key("ab_user.id")
    submitter = relation("User", "填写人")
    answers = relation("SurveyAnswer", "单项评价", back_populates="response", cascade="all, delete-orphan")
    link_id = key("survey_link.id")
    link = relation("SurveyLink", "问卷链接")
    code_id = key("survey_code.id", unique=True)
    code = relation("SurveyCode", "答卷码")

    def __str__(self) -> str:
        return f"{self.survey.title if self.survey else ''} 答卷#{self.id or '新'}"

    def before_save(self) -> None:
        if self.submitter is None and self.code is None and self.code_id is None:  # a code's sheet stays anonymous
            from flask import has_request_context
            from flask_login import current_user

            if has_request_context() and current_user.is_authenticated:
                self.submitter = current_user._get_current_object()


class SurveyAnswer(Entity):
    __tablename__ = "survey_answer"
    __table_args__ = (UniqueConstraint("response_id", "item_id"),)
    __admin__ = Admin(
        "单项评价",
        menu=MENU,
        icon="fa-star-half-o",
        menu_order=40,
        list=["response", "item", "rating"],
        search=["response", "item", "rating"],
        form=["response", "item", "rating"],
        order=("id", "desc"),
        quick_filters=[
            quick("欠满意/不满意", where=lambda m: m.rating.in_([Rating.less, Rating.dissatisfied])),
        ],
        scope=Scope(department="item.unit"),
        loads=["item"],
    )
    id = pk()
    response_id = key("survey_response.id", required=True)
    response = relation("SurveyResponse", "答卷", back_populates="answers")
    item_id = key("survey_item.id", required=True)
    item = relation("SurveyItem", "调查项目")
    rating = choice(Rating, "评价", required=True, default=Rating.very_satisfied)

    def __str__(self) -> str:
        return f"{self.item.name if self.item else ''}：{self.rating.value if self.rating else ''}"

    def validate(self) -> dict[str, str]:
        if self.response is None or self.item is None:
            return {}
        survey = self.response.survey
        if survey is not None and self.item.survey is not None and self.item.survey is not survey:
            return {"item": f"「{self.item.name}」不属于本答卷的调查「{survey.title}」"}
        if any(other is not self and other.item is self.item for other in self.response.answers):
            return {"item": f"本答卷已评价过「{self.item.name}」，每个项目只能评价一次"}
        return {}


def _rate(counts: dict[Rating, int]) -> dict:
    total = sum(counts.values())
    satisfied = sum(counts.get(r, 0) for r in SATISFIED)
    rate = (Decimal(satisfied) / Decimal(total)).quantize(Decimal("0.0001"), ROUND_HALF_UP) if total else None
    return {
        "counts": {r.value: counts.get(r, 0) for r in Rating},
        "total": total,
        "satisfied": satisfied,
        "rate": rate,
        "rate_text": f"{rate * 100:.1f}%" if rate is not None else "—",
        "meets_target": (satisfied * 100 >= total * TARGET * 100) if total else None,
    }


def satisfaction_rates(session, survey: Survey, where: tuple = ()) -> dict:
    """满意率 of ``survey``, per item, per service unit and overall, against the 90 % target.

    Returns ``{"survey", "target", "responses", "items": [...], "units": [...], "overall": {...}}``. Each
    item / unit / overall entry has ``counts`` (rating label → number), ``total``, ``satisfied`` (the first
    three ratings), ``rate`` (Decimal 0–1, None without answers), ``rate_text`` ("93.3%") and
    ``meets_target`` (True / False, None without answers); items also ``item_id``, ``item``, ``unit``;
    units ``unit_id``, ``unit``. Items in their 排序 order, units by name with the unassigned last.
    ``where``: extra criteria on the answers counted (a data scope, for the dashboard); the items listed and
    the number of responses are not limited by it.
    """
    items = list(session.scalars(select(SurveyItem).where(SurveyItem.survey_id == survey.id)
                                 .options(selectinload(SurveyItem.unit)).order_by(SurveyItem.sort, SurveyItem.id)))
    by_item: dict[int, dict[Rating, int]] = defaultdict(dict)
    for item_id, rating, count in session.execute(
            select(SurveyAnswer.item_id, SurveyAnswer.rating, func.count(SurveyAnswer.id))
            .join(SurveyResponse, SurveyAnswer.response_id == SurveyResponse.id)
            .where(SurveyResponse.survey_id == survey.id, *where)
            .group_by(SurveyAnswer.item_id, SurveyAnswer.rating)):
        by_item[item_id][rating] = count
    responses = session.scalar(select(func.count(SurveyResponse.id)).where(SurveyResponse.survey_id == survey.id))

    item_rows, by_unit, unit_names, overall = [], defaultdict(lambda: defaultdict(int)), {}, defaultdict(int)
    for item in items:
        counts = by_item.get(item.id, {})
        unit_name = item.unit.name if item.unit is not None else NO_UNIT
        item_rows.append({"item_id": item.id, "item": item.name, "unit_id": item.unit_id, "unit": unit_name,
                          **_rate(counts)})
        unit_names[item.unit_id] = unit_name
        for rating, count in counts.items():
            by_unit[item.unit_id][rating] += count
            overall[rating] += count
    unit_rows = [{"unit_id": unit_id, "unit": unit_names[unit_id], **_rate(dict(by_unit[unit_id]))}
                 for unit_id in sorted(unit_names, key=lambda u: (u is None, unit_names[u]))]
    return {"survey": survey, "target": TARGET, "responses": responses or 0,
            "items": item_rows, "units": unit_rows, "overall": _rate(dict(overall))}


def audience_rates(session, survey: Survey) -> list[dict]:
    """满意率 of ``survey`` per 身份 of the answer sheets (教职工 / 学生 / 家长): each ``{"identity", "responses",
    **overall}`` (see :func:`satisfaction_rates`), identities without a sheet left out."""
    counted = dict(session.execute(select(SurveyResponse.identity, func.count(SurveyResponse.id))
                                   .where(SurveyResponse.survey_id == survey.id).group_by(SurveyResponse.identity)).all())
    return [{"identity": identity.value, "responses": counted[identity],
             **satisfaction_rates(session, survey, (SurveyResponse.identity == identity,))["overall"]}
            for identity in Identity if counted.get(identity)]
