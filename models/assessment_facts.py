"""考核事实: what the system holds about a member of staff in a term, and the one formula that proposes their
过程考核分, 民主评议分 and 总分 from it.

The facts of a person and a term (学期, models/school_calendar.py):

- 报修: orders they repaired (维修人) finished within the term — on time or after the promised time — and the
  average of the stars given to them; 被投诉: those rated 1–2 stars with a written 评价 (the school has no
  complaint box yet, so a bad rating with a complaint written down is what counts as a complaint upheld);
- 日常检查: tasks due (截止日期) in the term that they did (检查人), and tasks assigned to them by name (责任人)
  still 待检查 after their last day (漏检); a task of a duty role with no named 责任人 counts for nobody;
- 安全隐患 where they are 整改责任人: 销号 in the term on or before the 整改时限, 销号 after it, and those whose
  整改时限 fell in the term and are still not 销号 (逾期未销号);
- 民主评议: the ratings of survey items naming them (被评人员) in the surveys that began in the term; without
  such items, those of their department's items (服务单位) as the department's 满意率.

Each counted fact is a quick filter of its model (the same SQL the record list shows) within a person field and
a date window, so the page links every number to exactly its records. ``FORMULA`` below is the only place the
numbers are turned into scores; the 事实依据 page prints it as it stands.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select

from models import school_calendar
from models.repairs import RepairOrder
from models.routines import InspectionTask
from models.safety import Hazard
from models.satisfaction import SATISFIED, Survey, SurveyAnswer, SurveyItem

TENTH = Decimal("0.1")


# ----------------------------------------------------------------------------------- the formula (one place)
@dataclass(frozen=True)
class Rule:
    """One line of the 过程考核分: (the fact's value − ``baseline``) × ``points``, at most ``limit`` either way;
    nothing when the person has no such fact (no rated repair: no average)."""

    fact: str
    label: str
    unit: str
    points: Decimal
    limit: Decimal
    baseline: Decimal | None = None

    def score(self, value) -> Decimal:
        if value is None:
            return Decimal("0")
        raw = (Decimal(value) - (self.baseline or 0)) * self.points
        return max(-self.limit, min(self.limit, raw)).quantize(TENTH, ROUND_HALF_UP)

    def text(self) -> str:
        """The rule as the page states it: 每次 −1 分，最多扣 10 分."""
        if self.baseline is not None:
            return (f"（{self.label} − {self.baseline:g}{self.unit}）× {self.points:g} 分，"
                    f"最多加减 {self.limit:g} 分")
        if self.points >= 0:
            return f"每{self.unit} +{self.points:g} 分，最多加 {self.limit:g} 分"
        return f"每{self.unit} −{-self.points:g} 分，最多扣 {self.limit:g} 分"


@dataclass(frozen=True)
class Formula:
    base: Decimal  # 过程考核基础分, before the rules add or take off
    rules: tuple[Rule, ...]
    democratic_scale: Decimal  # 民主评议分 = 满意率 × this
    weights: dict  # Assessment field → its share of the 总分 (sums to 1)

    def process(self, facts: "Facts") -> Decimal:
        total = self.base + sum((rule.score(facts.value(rule.fact)) for rule in self.rules), Decimal("0"))
        return max(Decimal("0"), min(Decimal("100"), total)).quantize(TENTH, ROUND_HALF_UP)

    def democratic(self, facts: "Facts") -> Decimal | None:
        rate = facts.democratic.rate
        return None if rate is None else (rate * self.democratic_scale).quantize(TENTH, ROUND_HALF_UP)

    def total(self, scores: dict) -> Decimal | None:
        if any(scores.get(name) is None for name in self.weights):
            return None
        return sum((Decimal(scores[name]) * weight for name, weight in self.weights.items()),
                   Decimal("0")).quantize(TENTH, ROUND_HALF_UP)


# Facts derived from the counted ones: key → (label, numerator, denominator parts), as a percentage.
RATIOS = {"repairs_on_time_rate": ("按时完工率", "repairs_on_time", ("repairs_on_time", "repairs_late"))}

FORMULA = Formula(
    base=Decimal("80"),
    rules=(
        Rule("repairs_on_time_rate", "按时完工率", "%", Decimal("0.5"), Decimal("10"), baseline=Decimal("90")),
        Rule("rating", "报修平均评分", "星", Decimal("5"), Decimal("10"), baseline=Decimal("4")),
        Rule("complaints", "被投诉", "次", Decimal("-1"), Decimal("10")),
        Rule("checks_done", "完成检查", "次", Decimal("0.05"), Decimal("5")),
        Rule("checks_missed", "漏检", "次", Decimal("-1"), Decimal("15")),
        Rule("hazards_in_time", "按期销号", "项", Decimal("1"), Decimal("5")),
        Rule("hazards_late", "超期销号", "项", Decimal("-2"), Decimal("10")),
        Rule("hazards_overdue", "逾期未销号", "项", Decimal("-3"), Decimal("15")),
    ),
    democratic_scale=Decimal("100"),
    weights={"self_score": Decimal("0.1"), "group_score": Decimal("0.2"), "leader_score": Decimal("0.2"),
             "process_score": Decimal("0.3"), "satisfaction_score": Decimal("0.2")},
)

# Assessment field → its label in the formula's text (the model's own labels, repeated for the page and tests).
SCORE_LABELS = {"self_score": "自评分", "group_score": "组评分", "leader_score": "领导评分",
                "process_score": "过程考核分", "satisfaction_score": "民主评议分"}


# ----------------------------------------------------------------------------------- the facts
@dataclass(frozen=True)
class Kind:
    """A counted fact: records of ``model`` passing its quick filter ``quick``, whose ``person`` is the staff
    member and whose ``when`` falls in the term. ``average``: the fact is the mean of that column instead."""

    key: str
    label: str
    unit: str
    model: type
    quick: str
    person: str
    when: str
    average: str | None = None


KINDS = (
    Kind("repairs_on_time", "按时完工的报修", "单", RepairOrder, "按时完工", "worker", "finished_at"),
    Kind("repairs_late", "超时完工的报修", "单", RepairOrder, "超时完工", "worker", "finished_at"),
    Kind("rating", "报修平均评分", "星", RepairOrder, "已评分", "worker", "finished_at", average="rating"),
    Kind("complaints", "被投诉（1–2 星差评并写有评价）", "次", RepairOrder, "差评投诉", "worker", "finished_at"),
    Kind("checks_done", "完成的检查任务", "次", InspectionTask, "已完成", "done_by", "due_by"),
    Kind("checks_missed", "漏检的检查任务", "次", InspectionTask, "漏检", "assignee", "due_by"),
    Kind("hazards_in_time", "按期销号的隐患", "项", Hazard, "按期销号", "rectifier", "closed_at"),
    Kind("hazards_late", "超期销号的隐患", "项", Hazard, "超期销号", "rectifier", "closed_at"),
    Kind("hazards_overdue", "逾期未销号的隐患", "项", Hazard, "逾期", "rectifier", "deadline"),
)
KIND = {kind.key: kind for kind in KINDS}


def quick_filter(model: type, label: str):
    return next(q for q in model.__admin__.quick_filters if q.label == label)


def window(model: type, column: str, term: school_calendar.Term) -> list:
    """``column`` within the term: from its first day to its last, whole days."""
    attr = getattr(model, column)
    if getattr(attr.type, "python_type", None) is datetime:
        return [attr >= datetime.combine(term.start, datetime.min.time()),
                attr < datetime.combine(term.end + timedelta(days=1), datetime.min.time())]
    return [attr >= term.start, attr <= term.end]


def criteria(kind: Kind, term: school_calendar.Term) -> list:
    model = kind.model
    return [*quick_filter(model, kind.quick).criteria(model), *window(model, kind.when, term)]


@dataclass
class Democratic:
    source: str | None = None  # 本人 | 所在部门 | None (no ratings)
    items: list = field(default_factory=list)  # (item id, item name, survey title, answers, satisfied)

    @property
    def answers(self) -> int:
        return sum(row[3] for row in self.items)

    @property
    def satisfied(self) -> int:
        return sum(row[4] for row in self.items)

    @property
    def rate(self) -> Decimal | None:
        if not self.answers:
            return None
        return (Decimal(self.satisfied) / Decimal(self.answers)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


@dataclass
class Facts:
    staff_id: int
    term: school_calendar.Term
    counts: dict = field(default_factory=dict)  # kind key → int (rating: Decimal average or None)
    rated: int = 0  # orders with a rating (behind the average)
    democratic: Democratic = field(default_factory=Democratic)

    def value(self, key: str):
        """A counted fact, or a derived percentage (``RATIOS``; None when there is nothing to divide by)."""
        if key in RATIOS:
            _label, part, whole = RATIOS[key]
            denominator = sum(self.counts.get(name) or 0 for name in whole)
            if not denominator:
                return None
            return (Decimal(self.counts.get(part) or 0) * 100 / denominator).quantize(TENTH, ROUND_HALF_UP)
        return self.counts.get(key)

    def process_score(self) -> Decimal:
        return FORMULA.process(self)

    def democratic_score(self) -> Decimal | None:
        return FORMULA.democratic(self)


def gather(session, term: school_calendar.Term, staff: list) -> dict[int, Facts]:
    """The facts of each of ``staff`` (Staff records) in ``term``: one grouped query per fact, whatever the
    number of people. Counts every record (not the reader's data scope): a 考核 is about the person, and who
    may see whose 考核 is the Assessment's own scope."""
    ids = [person.id for person in staff]
    found = {sid: Facts(sid, term, {kind.key: (None if kind.average else 0) for kind in KINDS}) for sid in ids}
    if not ids:
        return found
    for kind in KINDS:
        person = getattr(kind.model, f"{kind.person}_id")
        measure = func.avg(getattr(kind.model, kind.average)) if kind.average else func.count(kind.model.id)
        columns = (person, measure, func.count(kind.model.id))
        for sid, value, number in session.execute(
                select(*columns).where(person.in_(ids), *criteria(kind, term)).group_by(person)):
            if kind.average:
                found[sid].counts[kind.key] = Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)
                found[sid].rated = number
            else:
                found[sid].counts[kind.key] = value
    for sid, democratic in _democratic(session, term, staff).items():
        found[sid].democratic = democratic
    return found


def facts_of(session, staff, term: school_calendar.Term) -> Facts:
    return gather(session, term, [staff])[staff.id]


def _surveys_in(term: school_calendar.Term):
    return select(Survey.id).where(Survey.starts_on >= term.start, Survey.starts_on <= term.end)


def _rated_items(session, term: school_calendar.Term, *where) -> list:
    """(item id, item name, survey title, answers, satisfied, item's staff id, item's unit id) of the items
    of the term's surveys passing ``where``."""
    satisfied = func.sum(case((SurveyAnswer.rating.in_(SATISFIED), 1), else_=0))
    return list(session.execute(
        select(SurveyItem.id, SurveyItem.name, Survey.title, func.count(SurveyAnswer.id), satisfied,
               SurveyItem.staff_id, SurveyItem.unit_id)
        .join(Survey, SurveyItem.survey_id == Survey.id)
        .join(SurveyAnswer, SurveyAnswer.item_id == SurveyItem.id)
        .where(SurveyItem.survey_id.in_(_surveys_in(term)), *where)
        .group_by(SurveyItem.id, SurveyItem.name, Survey.title, SurveyItem.staff_id, SurveyItem.unit_id)
        .order_by(SurveyItem.id)))


def _democratic(session, term: school_calendar.Term, staff: list) -> dict[int, Democratic]:
    ids = [person.id for person in staff]
    found: dict[int, Democratic] = {}
    own = defaultdict(list)
    for row in _rated_items(session, term, SurveyItem.staff_id.in_(ids)):
        own[row[5]].append(tuple(row[:5]))
    departments = {person.department_id for person in staff if person.id not in own}
    by_unit = defaultdict(list)
    if departments:
        for row in _rated_items(session, term, SurveyItem.staff_id.is_(None), SurveyItem.unit_id.in_(departments)):
            by_unit[row[6]].append(tuple(row[:5]))
    for person in staff:
        if own.get(person.id):
            found[person.id] = Democratic("本人", own[person.id])
        elif by_unit.get(person.department_id):
            found[person.id] = Democratic("所在部门", by_unit[person.department_id])
        else:
            found[person.id] = Democratic()
    return found


def propose(session, staff, term_name: str) -> tuple[Decimal | None, Decimal | None]:
    """The proposed (过程考核分, 民主评议分) of ``staff`` for the term named ``term_name``; (None, None) when the
    name is not a term."""
    term = school_calendar.term_named(term_name)
    if term is None or staff is None or staff.id is None:
        return None, None
    facts = facts_of(session, staff, term)
    return facts.process_score(), facts.democratic_score()
