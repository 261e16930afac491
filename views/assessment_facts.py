"""考核 from facts: the 事实依据 page of one assessment, and 考核排名 per term and department with its Excel file.

事实依据 (from the assessment's detail page, with its read permission and within its data scope): the facts the
system holds about the person in the term (models/assessment_facts.py), each number a link to exactly its
records — the record list with the fact's quick filter, the person and the term's dates — then how the formula
turns them into the proposed 过程考核分 and 民主评议分, beside what was recorded, and how the 总分 is weighted.

考核排名: the assessments of a term the reader may see (app.rules.read), optionally of one department and those
below it, ranked by 总分 (equal totals share a rank), with each person's rank within their own department.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.features import export
from app.features.dashboard import list_url
from app.features.prints import PrintPage
from app.rules import read
from models import assessment_facts, school_calendar
from models.assessment_facts import KINDS, SCORE_LABELS, facts_of
from models.org import GRADE_TEXT, Assessment, Department, Grade, Staff
from models.satisfaction import SurveyAnswer

from .base import TEMPLATES, SchoolPage

EQUAL, GREATER, SMALLER = 0, 1, 2  # FAB's filter indexes: a relation's 等于; a date's 大于, 小于


def _may_read(model: type) -> bool:
    return current_app.appbuilder.sm.has_access("can_read", model.__name__)


def _bounds(model: type, column: str, term: school_calendar.Term) -> tuple[str, str]:
    """The term as the list's 大于 / 小于 filter values (whole days)."""
    if getattr(getattr(model, column).type, "python_type", None) is datetime:
        before = datetime.combine(term.start, datetime.min.time()) - timedelta(seconds=1)
        after = datetime.combine(term.end + timedelta(days=1), datetime.min.time())
        return before.strftime("%Y-%m-%d %H:%M:%S"), after.strftime("%Y-%m-%d %H:%M:%S")
    return (term.start - timedelta(days=1)).isoformat(), (term.end + timedelta(days=1)).isoformat()


def fact_url(kind, staff_id: int, term: school_calendar.Term) -> str | None:
    """The record list showing exactly the records behind a fact (None if the reader may not open it)."""
    if not _may_read(kind.model):
        return None
    low, high = _bounds(kind.model, kind.when, term)
    return list_url(kind.model, quick=kind.quick, **{f"_flt_{EQUAL}_{kind.person}": staff_id,
                                                     f"_flt_{GREATER}_{kind.when}": low,
                                                     f"_flt_{SMALLER}_{kind.when}": high})


def answers_url(item_id: int) -> str | None:
    return list_url(SurveyAnswer, **{f"_flt_{EQUAL}_item": item_id}) if _may_read(SurveyAnswer) else None


@dataclass
class FactRow:
    label: str
    value: object
    unit: str
    url: str | None


def fact_rows(facts) -> list[FactRow]:
    return [FactRow(kind.label, facts.value(kind.key), kind.unit, fact_url(kind, facts.staff_id, facts.term))
            for kind in KINDS]


def score_rows(facts) -> list[tuple]:
    """(rule, the fact's value, its score) of each rule of the formula."""
    return [(rule, facts.value(rule.fact), rule.score(facts.value(rule.fact)))
            for rule in assessment_facts.FORMULA.rules]


def weighted(assessment: Assessment) -> list[tuple[str, Decimal | None, Decimal, Decimal | None]]:
    """(label, score, weight, score × weight) of each part of the 总分."""
    found = []
    for name, weight in assessment_facts.FORMULA.weights.items():
        value = getattr(assessment, name)
        found.append((SCORE_LABELS[name], value, weight, (Decimal(value) * weight) if value is not None else None))
    return found


class AssessmentFactsView(PrintPage):
    route_base = "/assessment-facts"
    class_permission_name = "Assessment"
    method_permission_name = {"record": "read"}
    template_folder = TEMPLATES
    link_label = "事实依据"
    link_icon = "fa-list-ul"
    new_window = False

    @expose("/<int:pk>")
    @has_access
    def record(self, pk):
        assessment = self.record_or_404(pk)
        term = school_calendar.term_named(assessment.term)
        back = url_for(f"{self.model_view().endpoint}.show", pk=pk)
        if term is None or assessment.staff is None:
            return self.render("views/assessment_facts.html", title=f"事实依据：{assessment}", assessment=assessment,
                               term=None, back_url=back)
        facts = facts_of(db.session, assessment.staff, term)
        return self.render("views/assessment_facts.html", title=f"事实依据：{assessment}", assessment=assessment,
                           term=term, facts=facts, rows=fact_rows(facts), scores=score_rows(facts),
                           formula=assessment_facts.FORMULA,
                           process=facts.process_score(), democratic=facts.democratic_score(),
                           weighted=weighted(assessment), answers_url=answers_url, back_url=back,
                           bands=GRADE_TEXT)


# ----------------------------------------------------------------------------------- 考核排名
COLUMNS = (
    ("rank", "名次", "number"),
    ("staff_no", "工号", "text"),
    ("name", "姓名", "text"),
    ("department", "部门", "text"),
    ("position", "岗位", "text"),
    ("self_score", "自评分", "number"),
    ("group_score", "组评分", "number"),
    ("leader_score", "领导评分", "number"),
    ("process_score", "过程考核分", "number"),
    ("satisfaction_score", "民主评议分", "number"),
    ("total", "总分", "number"),
    ("grade", "等级", "text"),
    ("department_rank", "部门内名次", "number"),
)


@dataclass
class Ranked:
    assessment: Assessment
    rank: int
    department_rank: int

    def value(self, key: str):
        a, staff = self.assessment, self.assessment.staff
        if key in ("rank", "department_rank"):
            return getattr(self, key)
        if key in ("staff_no", "name", "position"):
            return getattr(staff, key)
        if key == "department":
            return str(staff.department or "")
        if key == "grade":
            return a.grade.value if a.grade else ""
        return getattr(a, key)


def terms() -> list[str]:
    """The terms with assessments the reader may see, latest first."""
    names = db.session.scalars(read.select(Assessment, columns=(Assessment.term,)).distinct()).all()

    def start(name: str) -> date:
        term = school_calendar.term_named(name)
        return term.start if term is not None else date.min

    return sorted(names, key=lambda name: (start(name), name), reverse=True)


def _ranks(items: list[Assessment]) -> list[int]:
    """Competition ranks by 总分 (1, 2, 2, 4); the list is ordered by 总分, highest first."""
    ranks, previous = [], None
    for index, item in enumerate(items):
        if previous is None or item.total != previous:
            rank = index + 1
        ranks.append(rank)
        previous = item.total
    return ranks


def ranking(term: str, department: Department | None) -> list[Ranked]:
    where = [Assessment.term == term]
    if department is not None:
        where.append(Assessment.staff.has(Staff.department_id.in_(department.subtree_ids())))
    loaded = read.select(Assessment, *where).options(selectinload(Assessment.staff).selectinload(Staff.department))
    items = [a for a in db.session.scalars(loaded) if a.staff is not None]
    items.sort(key=lambda a: (a.total is None, -(a.total or 0), a.staff.staff_no or ""))
    by_department: dict[int, list[Assessment]] = {}
    for item in items:
        by_department.setdefault(item.staff.department_id, []).append(item)
    within = {}
    for group in by_department.values():
        within.update({item.id: rank for item, rank in zip(group, _ranks(group))})
    return [Ranked(item, rank, within[item.id]) for item, rank in zip(items, _ranks(items))]


class AssessmentRankingView(SchoolPage):
    route_base = "/assessment-ranking"
    default_view = "index"
    class_permission_name = "AssessmentRanking"
    method_permission_name = {"index": "read", "export_xlsx": "read"}
    menu_label = "考核排名"
    menu_category = "机构与人员"
    menu_icon = "fa-trophy"

    def _filters(self):
        available = terms()
        term = request.args.get("term") or ""
        if term not in available:
            term = available[0] if available else ""
        raw = (request.args.get("department") or "").strip()
        department = read.one(db.session, Department, int(raw)) if raw.isdigit() else None
        return available, term, department

    @expose("/")
    @has_access
    def index(self):
        available, term, department = self._filters()
        rows = ranking(term, department) if term else []
        departments = db.session.scalars(read.select(Department).order_by(Department.code)).all()
        args = {"term": term, **({"department": department.id} if department else {})}
        grades = {grade.value: sum(1 for r in rows if r.assessment.grade == grade) for grade in Grade}
        return self.render("views/assessment_ranking.html", terms=available, term=term, department=department,
                           departments=departments, rows=rows, columns=COLUMNS, args=args, grades=grades,
                           bands=GRADE_TEXT)

    @expose("/export.xlsx")
    @has_access
    def export_xlsx(self):
        """The ranking the page shows for these filters, with the Chinese headers."""
        available, term, department = self._filters()
        columns = [export.Column(key, label, kind) for key, label, kind in COLUMNS]
        rows = ranking(term, department) if term else []
        batch = [[column.value(row.value(column.name)) for column in columns] for row in rows]
        handle = export.write_xlsx(columns, iter([batch] if batch else []), "考核排名")
        suffix = "-".join(p for p in (term, department.name if department else "") if p)
        return export.file_response(handle, export.filename("考核排名", "xlsx", suffix or None))
