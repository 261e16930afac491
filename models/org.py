"""机构与人员: departments (a tree), staff, and their termly assessment."""
from __future__ import annotations

from decimal import Decimal

from flask_appbuilder.security.sqla.models import User  # noqa: F401  (the target of Staff.user, by name)
from flask_login import current_user
from sqlalchemy import UniqueConstraint, inspect, select
from sqlalchemy.orm import object_session

from app.declare import (
    Account,
    Admin,
    Choice,
    Entity,
    Import,
    Scope,
    choice,
    computed,
    day,
    decimal,
    flag,
    key,
    long_text,
    pk,
    quick,
    relation,
    telephone,
    text,
)
from app.meta import prefill
from app.rules import identity
from models import assessment_facts, school_calendar
from models.assessment_facts import FORMULA, SCORE_LABELS


class DepartmentKind(Choice):
    logistics = "后勤"
    admin = "行政"
    teaching = "教学"


class Gender(Choice):
    male = "男"
    female = "女"


class Employment(Choice):
    permanent = "在编"
    contract = "合同"
    temporary = "临时"


class Department(Entity):
    __tablename__ = "department"
    __admin__ = Admin(
        "部门",
        menu="机构与人员",
        icon="fa-sitemap",
        menu_order=10,
        list=["name", "code", "parent", "kind", "head", "phone"],
        search=["name", "code", "parent", "kind"],
        form=["name", "code", "parent", "kind", "head", "phone", "duty", "is_unit"],
        order=("code", "asc"),
        quick_filters=[
            quick("后勤", kind=DepartmentKind.logistics),
            quick("行政", kind=DepartmentKind.admin),
            quick("教学", kind=DepartmentKind.teaching),
        ],
        scope=Scope(department="self"),
    )
    id = pk()
    name = text("名称", 50, required=True, pinyin=True)
    code = text("编码", 20, required=True, unique=True)
    parent_id = key("department.id")
    parent = relation("Department", "上级部门", remote_side=[id], back_populates="children")
    children = relation("Department", "下级部门", back_populates="parent")
    kind = choice(DepartmentKind, "类型", required=True, default=DepartmentKind.logistics)
    head_id = key("staff.id", use_alter=True)
    head = relation("Staff", "负责人", foreign_keys=[head_id], post_update=True)
    phone = telephone("联系电话")
    duty = long_text("职责")
    is_unit = flag("独立单位", help="区教育局下有多所学校时，勾选各校的顶级部门：本校人员“全部”的数据范围即本校")

    def __str__(self) -> str:
        return self.name or ""

    def validate(self) -> dict[str, str]:
        node, seen = self.parent, set()
        while node is not None and node.id not in seen:
            if node is self or (self.id is not None and node.id == self.id):
                return {"parent": "上级部门不能是本部门或其下级部门"}
            seen.add(node.id)
            node = node.parent
        return {}

    def subtree_ids(self) -> list[int]:
        """This department and every department below it (the tree read once a request for a stored one)."""
        session = object_session(self)
        if session is None or self.id is None or inspect(self).pending:
            found, todo = [], [self]
            while todo:
                node = todo.pop()
                found.append(node.id)
                todo.extend(node.children)
            return found
        return list(DepartmentTree.read(session).below(self.id))


class DepartmentTree:
    """The whole department tree from one statement (a bureau's 30 schools are some 500 rows), read once a
    request: the departments below one, and the unit (school) one belongs to."""

    def __init__(self, rows):
        self.parent = {id_: parent for id_, parent, _ in rows}
        self.units = {id_ for id_, _, unit in rows if unit}
        self.children: dict[int | None, list[int]] = {}
        for id_, parent, _ in rows:
            self.children.setdefault(parent, []).append(id_)

    @classmethod
    def read(cls, session) -> "DepartmentTree":
        from flask import has_request_context

        cache = identity.request_cache("department_tree") if has_request_context() else {}
        if "tree" not in cache:
            cache["tree"] = cls(session.execute(select(Department.id, Department.parent_id, Department.is_unit)
                                             .order_by(Department.id)).all())
        return cache["tree"]

    def below(self, department_id: int) -> tuple[int, ...]:
        found, todo = [], [department_id]
        while todo:
            node = todo.pop()
            found.append(node)
            todo.extend(self.children.get(node, ()))
        return tuple(found)

    def unit_of(self, department_id: int) -> int | None:
        node, seen = department_id, set()
        while node is not None and node not in seen:
            if node in self.units:
                return node
            seen.add(node)
            node = self.parent.get(node)
        return None


class Staff(Entity):
    __tablename__ = "staff"
    __admin__ = Admin(
        "教职工",
        menu="机构与人员",
        icon="fa-user",
        menu_order=20,
        list=["staff_no", "name", "gender", "department", "position", "phone", "employment", "on_duty"],
        search=["staff_no", "name", "department", "position", "employment", "on_duty"],
        form=["staff_no", "name", "gender", "department", "position", "phone",
              "employment", "skill", "hired_on", "on_duty", "user"],
        show=["staff_no", "name", "gender", "department", "position", "phone",
              "employment", "skill", "hired_on", "on_duty", "user", "in_charge"],
        order=("staff_no", "asc"),
        lookup=["name", "staff_no", "user.username"],
        quick_filters=[
            quick("在岗", on_duty=True),
            quick("离岗", on_duty=False),
            quick("临时工", employment=Employment.temporary),
        ],
        scope=Scope(department="department", owner="self"),
        account=Account("user", name="name"),
        imports=Import(match="staff_no", columns=["staff_no", "name", "gender", "department", "position", "phone",
                                                  "employment", "skill", "hired_on", "on_duty"]),
    )
    id = pk()
    staff_no = text("工号", 20, required=True, unique=True)
    name = text("姓名", 30, required=True, pinyin=True)
    gender = choice(Gender, "性别", required=True, default=Gender.male)
    department_id = key("department.id", required=True)
    department = relation("Department", "部门", prefill="current_department", foreign_keys=[department_id])
    position = text("岗位", 30)
    phone = telephone("联系电话")
    employment = choice(Employment, "用工性质", required=True, default=Employment.permanent)
    skill = text("班组/技能", 50)
    hired_on = day("入职日期")
    on_duty = flag("在岗", default=True)
    user_id = key("ab_user.id", unique=True)
    user = relation("User", "登录账号")

    def __str__(self) -> str:
        return self.name or ""

    @computed("承包物品", fmt="timeline")
    def in_charge(self) -> list:
        """Supplies issued to a class or department with this person named responsible (承包)."""
        from sqlalchemy.orm import object_session

        from app.rules import read
        from models.store import Requisition, RequisitionLine

        session = object_session(self)
        if session is None or self.id is None:
            return []
        taken = session.scalars(read.select(Requisition, Requisition.responsible_id == self.id,
                                            Requisition.lines.any(RequisitionLine.issued > 0))
                                .order_by(Requisition.requested_on)).all()
        return [(r.requested_on, r.for_class or str(r.department or ""), r, r.handed_out()) for r in taken]


class Grade(Choice):
    excellent = "优秀"
    qualified = "合格"
    basic = "基本合格"
    unqualified = "不合格"


# The 总分's weights live with the formula proposing the scores (models/assessment_facts.py), in one place.
ASSESSMENT_WEIGHTS = FORMULA.weights
FORMULA_TEXT = " + ".join(f"{SCORE_LABELS[name]}{weight * 100:.0f}%" for name, weight in FORMULA.weights.items())


# 等级 by 总分: the lowest total of each grade, highest first; below the last is 不合格.
GRADE_FLOORS = ((85, Grade.excellent), (65, Grade.qualified), (50, Grade.basic))
GRADE_TEXT = " · ".join(f"{grade.value} {floor} 分及以上" for floor, grade in GRADE_FLOORS) + \
    f" · {Grade.unqualified.value} {GRADE_FLOORS[-1][0]} 分以下"


def grade_for(total: Decimal) -> Grade:
    return next((grade for floor, grade in GRADE_FLOORS if total >= floor), Grade.unqualified)


class Assessment(Entity):
    __tablename__ = "assessment"
    __table_args__ = (UniqueConstraint("staff_id", "term"),)
    __admin__ = Admin(
        "考核",
        menu="机构与人员",
        icon="fa-star",
        menu_order=30,
        list=["staff", "term", "self_score", "group_score", "leader_score", "process_score", "satisfaction_score",
              "total", "grade"],
        search=["staff", "term", "grade"],
        form=["staff", "term", "self_score", "group_score", "leader_score", "process_score", "satisfaction_score",
              "remark"],
        order=("term", "desc"),
        quick_filters=[quick("优秀", grade=Grade.excellent), quick("不合格", grade=Grade.unqualified)],
        scope=Scope(department="staff.department", owner="staff"),
        loads=["staff"],
    )
    id = pk()
    staff_id = key("staff.id", required=True)
    staff = relation("Staff", "教职工")
    term = text("学期", 40, required=True, help="例：2026-2027学年第一学期")
    self_score = decimal("自评分", 1, required=True)
    group_score = decimal("组评分", 1, required=True)
    leader_score = decimal("领导评分", 1, required=True)
    process_score = decimal("过程考核分", 1, help="留空则按本学期的报修、检查、隐患事实计算，可修改；依据见「事实依据」")
    # The column keeps its name (and its data); what it holds is the 民主评议分 of domain.md's 满意度得分.
    satisfaction_score = decimal("民主评议分", 1,
                                 help="留空则取本学期民主评议的满意率 × 100，可修改；依据见「事实依据」")
    total = decimal("总分", 1, help=FORMULA_TEXT)
    grade = choice(Grade, "等级")
    remark = long_text("备注")

    def __str__(self) -> str:
        return f"{self.staff} {self.term}"

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.term and school_calendar.term_named(self.term) is None:
            errors["term"] = "学期应写作“2026-2027学年第一学期”的格式"
        for name in assessment_facts.FORMULA.weights:
            value = getattr(self, name)
            if value is not None and not (0 <= value <= 100):
                errors[name] = "分数须在 0 到 100 之间"
        if self.satisfaction_score is None and self.staff is not None and self.term and not errors.get("term"):
            errors["satisfaction_score"] = "本学期没有评议此人（或其部门）的满意度调查，请填写民主评议分"
        return errors

    def before_save(self) -> None:
        """过程考核分 and 民主评议分 left blank are proposed from the term's facts; then the 总分 and 等级."""
        if self.process_score is None or self.satisfaction_score is None:
            session = object_session(self) or (object_session(self.staff) if self.staff is not None else None)
            if session is not None and self.staff is not None:
                process, democratic = assessment_facts.propose(session, self.staff, self.term)
                if self.process_score is None:
                    self.process_score = process
                if self.satisfaction_score is None:
                    self.satisfaction_score = democratic
        formula = assessment_facts.FORMULA  # read when saving: the one formula, as it stands
        total = formula.total({name: getattr(self, name) for name in formula.weights})
        if total is not None:
            self.total = total
            self.grade = grade_for(total)


@prefill.register("current_staff")
def current_staff() -> Staff | None:
    """The staff record linked to the logged-in account."""
    if not current_user.is_authenticated:
        return None
    from app.extensions import db

    return db.session.query(Staff).filter(Staff.user_id == current_user.id).one_or_none()


@prefill.register("current_department")
def current_department() -> Department | None:
    staff = current_staff()
    return staff.department if staff else None


@identity.identity_provider
def place_of(user) -> identity.Identity:
    """A login user's place for data scope: their staff record, department, and the departments below."""
    from app.extensions import db

    staff = db.session.query(Staff).filter(Staff.user_id == user.id).one_or_none()
    if staff is None or staff.department_id is None:
        return identity.Identity(user_id=user.id, staff_id=staff.id if staff else None)
    tree = DepartmentTree.read(db.session)
    unit = tree.unit_of(staff.department_id)
    return identity.Identity(user_id=user.id, staff_id=staff.id, department_id=staff.department_id,
                             department_tree=tree.below(staff.department_id),
                             unit_tree=tree.below(unit) if unit is not None else None, unit_id=unit)


@identity.units_provider
def units() -> tuple[int, ...]:
    from app.extensions import db

    return tuple(sorted(DepartmentTree.read(db.session).units))
