"""日常检查: 检查计划 that generate due 检查任务, filled in as a checklist on a phone.

A plan names what is checked (an area, a place, an asset or a category of assets), its checklist items, how
often (每天, 每周, 每月, 每季度, 每年, or 期初·期中·期末 of each term) and who answers for it: a person, or
anyone holding a duty role (绿化环卫, 食堂管理员 …) in the plan's department. Each period of an active plan has
one task, due from its first day to its last (``due_on`` … ``due_by``); tasks are made for every period since
the plan started (``catch_up``), so a period nobody checked is a task still 待检查 after its last day: 漏检,
counted, never silently absent.

Filling a task records one result per checklist item (正常 / 异常, a note, a photo); an 异常 result offers
「登记为隐患」 and 「报修」, each carrying the item, the note, the place and the photo. Daily patrols (日常巡视),
preventive maintenance (设备保养: fire extinguishers, boilers, elevators) and the canteen's food-safety checks
(食品安全: 晨检, 餐具消毒, 五防) are plans of this one kind.
"""
from __future__ import annotations

import calendar
from datetime import date, timedelta

from sqlalchemy import UniqueConstraint, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from app.declare import (
    Admin,
    Choice,
    Entity,
    FollowUp,
    Lines,
    Lock,
    Scope,
    choice,
    computed,
    day,
    flag,
    integer,
    key,
    long_text,
    moment,
    photo,
    pk,
    quick,
    relation,
    text,
)
from app.declare.workflow import person
from app.meta import clock
from models import school_calendar
from models.roles import ROLES

MENU = "日常检查"
MANAGERS = ("系统管理员", "校长", "校务会")

# The duty roles a plan may name: the school's working roles (not the read-all management roles).
DutyRole = Choice("DutyRole", {name: name for name in ROLES if name not in MANAGERS})


class PlanKind(Choice):
    patrol = "日常巡视"
    maintenance = "设备保养"
    food_safety = "食品安全"
    other = "其他检查"


class Frequency(Choice):
    daily = "每天"
    weekly = "每周"
    monthly = "每月"
    quarterly = "每季度"
    yearly = "每年"
    term = "期初·期中·期末"


class TaskStatus(Choice):
    pending = "待检查"
    done = "已完成"


class CheckOutcome(Choice):
    normal = "正常"
    abnormal = "异常"


def periods(frequency: Frequency, first: date, last: date) -> list[tuple[date, date, str]]:
    """(first day, last day, label) of each period of ``frequency`` that starts on or before ``last`` and ends on
    or after ``first``."""
    found = []
    if frequency == Frequency.term:
        for term in school_calendar.terms_between(first - timedelta(days=200), last):
            for label, start, end in term.points():
                if start <= last and end >= first:
                    found.append((start, end, f"{term.name}{label}"))
        return found
    start = _period_start(frequency, first)
    while start <= last:
        end = _period_end(frequency, start)
        found.append((start, end, _label(frequency, start)))
        start = end + timedelta(days=1)
    return found


def _period_start(frequency: Frequency, day_: date) -> date:
    if frequency == Frequency.daily:
        return day_
    if frequency == Frequency.weekly:
        return day_ - timedelta(days=day_.weekday())
    if frequency == Frequency.monthly:
        return day_.replace(day=1)
    if frequency == Frequency.quarterly:
        return date(day_.year, (day_.month - 1) // 3 * 3 + 1, 1)
    return date(day_.year, 1, 1)


def _period_end(frequency: Frequency, start: date) -> date:
    if frequency == Frequency.daily:
        return start
    if frequency == Frequency.weekly:
        return start + timedelta(days=6)
    months = {Frequency.monthly: 1, Frequency.quarterly: 3, Frequency.yearly: 12}[frequency]
    month = start.month + months - 1
    year, month = start.year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def _label(frequency: Frequency, start: date) -> str:
    if frequency == Frequency.daily:
        return f"{start.month}月{start.day}日"
    if frequency == Frequency.weekly:
        return f"{start.month}月{start.day}日起一周"
    if frequency == Frequency.monthly:
        return f"{start.year}年{start.month}月"
    if frequency == Frequency.quarterly:
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    return f"{start.year}年"


class InspectionPlan(Entity):
    __tablename__ = "inspection_plan"
    __admin__ = Admin(
        "检查计划",
        menu=MENU,
        icon="fa-calendar-check-o",
        menu_order=20,
        list=["name", "kind", "frequency", "department", "responsible", "duty_role", "area", "active"],
        search=["name", "kind", "frequency", "department", "responsible", "duty_role", "area", "active"],
        form=["name", "kind", "department", "responsible", "duty_role", "frequency", "starts_on",
              "area", "location", "asset_category", "asset", "active", "remark"],
        show=["name", "kind", "department", "responsible", "duty_role", "frequency", "starts_on",
              "area", "location", "asset_category", "asset", "active", "next_due", "missed_count", "remark"],
        order=("name", "asc"),
        lookup=["name", "area"],
        lines=[Lines("items", ["name", "standard"])],
        quick_filters=[
            quick("日常巡视", kind=PlanKind.patrol),
            quick("设备保养", kind=PlanKind.maintenance),
            quick("食品安全", kind=PlanKind.food_safety),
            quick("已停用", active=False),
        ],
        scope=Scope(department="department", owner="responsible"),
    )
    id = pk()
    name = text("计划名称", 100, required=True, help="例：教学楼每日巡视、灭火器月检、食堂晨检")
    kind = choice(PlanKind, "类别", required=True, default=PlanKind.patrol, index=True)
    department_id = key("department.id", required=True)
    department = relation("Department", "责任部门", prefill="current_department")
    responsible_id = key("staff.id")
    responsible = relation("Staff", "责任人", help="不填则由责任部门中担任下列岗位的人员检查")
    duty_role = choice(DutyRole, "责任岗位")
    frequency = choice(Frequency, "频次", required=True, default=Frequency.daily)
    starts_on = day("开始日期", required=True, prefill="today")
    area = text("检查区域", 100, required=True, help="例：教学楼、学生宿舍、食堂操作间、锅炉房")
    location_id = key("location.id")
    location = relation("Location", "场所")
    asset_category_id = key("asset_category.id")
    asset_category = relation("AssetCategory", "保养资产类别", help="设备保养：该类别的所有资产（如灭火器）")
    asset_id = key("asset.id")
    asset = relation("Asset", "保养资产", help="设备保养：某一台设备（如 1 号锅炉、电梯）")
    active = flag("启用", default=True)
    remark = long_text("备注")
    items = relation("PlanItem", "检查项目", back_populates="plan", cascade="all, delete-orphan",
                     order_by="PlanItem.id")
    tasks = relation("InspectionTask", "检查任务", back_populates="plan", viewonly=True)

    def __str__(self) -> str:
        return self.name or ""

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.responsible is None and self.responsible_id is None and self.duty_role is None:
            errors["duty_role"] = "请选择责任人或责任岗位"
        if not any((item.name or "").strip() for item in self.items):
            errors["items"] = "请至少填写一个检查项目"
        if self.kind == PlanKind.maintenance and self.asset is None and self.asset_id is None \
                and self.asset_category is None and self.asset_category_id is None:
            errors["asset_category"] = "设备保养计划须选择保养资产或资产类别"
        return errors

    @computed("下次到期", fmt="date")
    def next_due(self) -> date | None:
        """The last day of the earliest task still to be done, or of the next period when none is open."""
        if not self.active or self.frequency is None:
            return None
        pending = [t.due_by for t in self.tasks if t.status == TaskStatus.pending and t.due_by >= clock.today()]
        if pending:
            return min(pending)
        upcoming = periods(self.frequency, clock.today(), clock.today() + timedelta(days=400))
        return upcoming[0][1] if upcoming else None

    @computed("漏检次数", fmt="integer")
    def missed_count(self) -> int:
        return sum(1 for t in self.tasks if t.missed())


class PlanItem(Entity):
    __tablename__ = "plan_item"
    __admin__ = Admin(
        "检查项目",
        menu=MENU,
        icon="fa-check-square-o",
        menu_order=40,
        list=["plan", "name", "standard"],
        search=["plan", "name"],
        form=["plan", "name", "standard"],
        order=("id", "asc"),
        scope=Scope(department="plan.department", owner="plan.responsible"),
    )
    id = pk()
    plan_id = key("inspection_plan.id", required=True)
    plan = relation("InspectionPlan", "检查计划", back_populates="items")
    name = text("检查项目", 100, required=True)
    standard = text("检查标准", 200, help="例：压力表指针在绿区、铅封完好、无过期")

    def __str__(self) -> str:
        return self.name or ""


def _missed(model):
    return and_(model.status == TaskStatus.pending, model.due_by < clock.today())


def _food_safety_today(model):
    """Food-safety tasks whose period covers today, done or not (the canteen's day on the home page)."""
    today = clock.today()
    plans = select(InspectionPlan.id).where(InspectionPlan.kind == PlanKind.food_safety)
    return and_(model.plan_id.in_(plans), model.due_on <= today, model.due_by >= today)


def _due_now(model):
    today = clock.today()
    return and_(model.status == TaskStatus.pending, model.due_on <= today, model.due_by >= today)


class InspectionTask(Entity):
    __tablename__ = "inspection_task"
    __table_args__ = (UniqueConstraint("plan_id", "due_on"),)
    __admin__ = Admin(
        "检查任务",
        menu=MENU,
        icon="fa-tasks",
        menu_order=30,
        list=["due_by", "plan", "period", "department", "assignee", "status", "missed", "abnormal", "done_by"],
        search=["due_on", "due_by", "plan", "department", "assignee", "status", "done_by"],
        form=["note"],
        show=["plan", "period", "area", "due_on", "due_by", "department", "assignee", "status", "missed",
              "done_by", "done_at", "abnormal", "note"],
        order=("due_by", "desc"),
        lookup=["period", "area"],
        lines=[Lines("results", ["item", "outcome", "note", "photo"], min_rows=0, entered=False)],
        quick_filters=[
            quick("今日待检", where=_due_now, remind=person("assignee")),
            quick("漏检", where=_missed),
            quick("保养逾期", where=lambda m: and_(_missed(m), m.plan_id.in_(
                select(InspectionPlan.id).where(InspectionPlan.kind == PlanKind.maintenance)))),
            quick("发现异常", where=lambda m: m.abnormal > 0),
            quick("今日食品安全检查", where=_food_safety_today),
            quick("已完成", status=TaskStatus.done),
        ],
        summary=["area", "due_by", "assignee"],
        overdue=lambda task: task.missed(),
        scope=Scope(department="department", owner=("assignee", "done_by")),
        lock=Lock(closed_in=(TaskStatus.done,), field="status", message="检查任务「{record}」已完成，不能再修改"),
        loads=["plan"],
    )
    id = pk()
    plan_id = key("inspection_plan.id", required=True)
    plan = relation("InspectionPlan", "检查计划", back_populates="tasks")
    period = text("周期", 60, required=True)
    area = text("检查区域", 100)
    due_on = day("应检日期", required=True, index=True)
    due_by = day("截止日期", required=True, index=True)
    department_id = key("department.id", required=True)
    department = relation("Department", "责任部门", foreign_keys=[department_id])
    assignee_id = key("staff.id")
    assignee = relation("Staff", "责任人", foreign_keys=[assignee_id])
    status = choice(TaskStatus, "状态", required=True, default=TaskStatus.pending, index=True)
    done_by_id = key("staff.id")
    done_by = relation("Staff", "检查人", foreign_keys=[done_by_id])
    done_at = moment("检查时间")
    abnormal = integer("异常项数", default=0, min=0, max=10_000)
    note = long_text("备注")
    results = relation("CheckResult", "检查结果", back_populates="task", cascade="all, delete-orphan",
                       order_by="CheckResult.id")

    def __str__(self) -> str:
        return f"{self.plan or ''} {self.period or ''}".strip()

    @computed("漏检", fmt="bool")
    def missed(self) -> bool:
        """Derived, never stored: a task still 待检查 after its 截止日期."""
        return self.status == TaskStatus.pending and self.due_by is not None and self.due_by < clock.today()

    def before_save(self) -> None:
        self.abnormal = sum(1 for r in self.results if r.outcome == CheckOutcome.abnormal)

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.status == TaskStatus.done:
            if not self.results:
                errors["results"] = "请逐项填写检查结果"
            for result in self.results:
                if result.outcome == CheckOutcome.abnormal and not (result.note or "").strip():
                    errors["results"] = f"「{result.item}」为异常，请写明情况"
                    break
            if self.due_on is not None and self.done_at is not None and self.done_at.date() < self.due_on:
                errors["done_at"] = f"本次检查自 {self.due_on:%Y-%m-%d} 起才能填写"
        return errors


class CheckResult(Entity):
    __tablename__ = "check_result"
    __admin__ = Admin(
        "检查结果",
        menu=MENU,
        icon="fa-check",
        menu_order=50,
        list=["task", "item", "outcome", "note"],
        search=["task", "item", "outcome"],
        form=["task", "item", "outcome", "note", "photo"],
        show=["task", "item", "standard", "outcome", "note", "photo"],
        order=("id", "desc"),
        quick_filters=[quick("异常", outcome=CheckOutcome.abnormal)],
        scope=Scope(department="task.department", owner=("task.assignee", "task.done_by")),
        follow_ups=[
            FollowUp("Hazard", "登记为隐患", when=lambda r: r.outcome == CheckOutcome.abnormal,
                     carry={"description": "problem", "location": "task.area", "photo": "photo",
                            "check_result": "self"}),
            FollowUp("RepairOrder", "报修", when=lambda r: r.outcome == CheckOutcome.abnormal,
                     carry={"title": "item", "description": "problem", "place": "task.area", "photo": "photo",
                            "asset": "task.plan.asset", "check_result": "self"}),
        ],
    )
    id = pk()
    task_id = key("inspection_task.id", required=True)
    task = relation("InspectionTask", "检查任务", back_populates="results")
    item = text("检查项目", 100, required=True)
    standard = text("检查标准", 200)
    outcome = choice(CheckOutcome, "结果", required=True, default=CheckOutcome.normal)
    note = text("情况说明", 200)
    photo = photo("照片")

    def __str__(self) -> str:
        return f"{self.item or ''}：{self.outcome or ''}"

    def problem(self) -> str:
        """What a hazard or repair started from this result says: the task, the item and the note."""
        return f"{self.task or ''}，检查项目「{self.item or ''}」异常：{self.note or ''}".strip("，")


# ----------------------------------------------------------------------------------- schedule
def catch_up(session, through: date | None = None, plans=None) -> int:
    """Make the task of every period of every active plan from its 开始日期 through ``through`` (today) that
    has none yet: the plan's own generated rows, as a stocktake generates its lines. Safe to run on several
    hosts at once: (plan, 应检日期) is unique, and a task another process made first is left to it."""
    through = through or clock.today()
    query = select(InspectionPlan).where(InspectionPlan.active.is_(True), InspectionPlan.starts_on <= through)
    if plans is not None:
        query = query.where(InspectionPlan.id.in_([p.id for p in plans]))
    latest = dict(session.execute(select(InspectionTask.plan_id, func.max(InspectionTask.due_on))
                                  .group_by(InspectionTask.plan_id)).all())
    made = 0
    for plan in session.scalars(query).all():
        first = plan.starts_on
        if plan.id in latest and latest[plan.id] is not None:
            first = max(first, latest[plan.id] + timedelta(days=1))
        for start, end, label in periods(plan.frequency, first, through):
            if plan.id in latest and latest[plan.id] is not None and start <= latest[plan.id]:
                continue
            session.add(task_for(plan, start, end, label))
            made += 1
    if not made:
        return 0
    try:
        session.commit()
    except IntegrityError:  # another process made some of them first: make the rest one by one
        session.rollback()
        return _catch_up_one_by_one(session, through)
    return made


def _catch_up_one_by_one(session, through: date) -> int:
    made = 0
    for plan in session.scalars(select(InspectionPlan).where(InspectionPlan.active.is_(True),
                                                             InspectionPlan.starts_on <= through)).all():
        have = set(session.scalars(select(InspectionTask.due_on).where(InspectionTask.plan_id == plan.id)))
        for start, end, label in periods(plan.frequency, plan.starts_on, through):
            if start in have:
                continue
            try:
                with session.begin_nested():
                    session.add(task_for(plan, start, end, label))
                made += 1
            except IntegrityError:
                pass
    session.commit()
    return made


def task_for(plan: InspectionPlan, start: date, end: date, label: str) -> InspectionTask:
    task = InspectionTask(plan=plan, period=label, area=plan.area, due_on=start, due_by=end,
                          department_id=plan.department_id, assignee_id=plan.responsible_id,
                          status=TaskStatus.pending, abnormal=0)
    task.results = [CheckResult(item=item.name, standard=item.standard, outcome=CheckOutcome.normal)
                    for item in plan.items]
    return task


def may_do(task: InspectionTask, staff, roles: set[str], trees: dict | None = None) -> bool:
    """The task's 责任人, or — when it names none — someone of its department holding the plan's 责任岗位
    (``trees``: the departments below each department, kept across the tasks of one list)."""
    if staff is None:
        return False
    if task.assignee_id is not None:
        return task.assignee_id == staff.id
    role = task.plan.duty_role
    return role is not None and role.value in roles and staff.department_id in _department_tree(task, trees)


def _department_tree(task, trees: dict | None = None) -> set[int]:
    department = task.department
    if department is None:
        return set()
    trees = {} if trees is None else trees
    if department.id not in trees:
        trees[department.id] = set(department.subtree_ids())
    return trees[department.id]


def due_for(session, staff, roles: set[str], criteria=(), through: date | None = None) -> list[InspectionTask]:
    """Tasks ``staff`` may do that are due now (a task past its 截止日期 is missed, no longer offered), earliest
    deadline first."""
    today = through or clock.today()
    rows = session.scalars(
        select(InspectionTask).join(InspectionTask.plan)
        .options(contains_eager(InspectionTask.plan), selectinload(InspectionTask.results),
                 selectinload(InspectionTask.department))
        .where(InspectionTask.status == TaskStatus.pending, InspectionTask.due_on <= today,
               InspectionTask.due_by >= today, *criteria)
        .where(or_(InspectionTask.assignee_id == staff.id,
                   and_(InspectionTask.assignee_id.is_(None), InspectionPlan.duty_role.isnot(None))))
        .order_by(InspectionTask.due_by, InspectionTask.id)).all()
    trees: dict = {}
    return [task for task in rows if may_do(task, staff, roles, trees)]


def maintenance_plans_of(session, asset) -> list[InspectionPlan]:
    """Active 设备保养 plans covering an asset: the asset itself, or its category."""
    if asset.id is None:
        return []
    covering = [InspectionPlan.asset_id == asset.id]
    if asset.category_id is not None:
        covering.append(and_(InspectionPlan.asset_id.is_(None), InspectionPlan.asset_category_id == asset.category_id))
    return list(session.scalars(select(InspectionPlan).where(
        InspectionPlan.kind == PlanKind.maintenance, InspectionPlan.active.is_(True), or_(*covering))))
