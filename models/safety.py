"""安全巡查: daily patrols and safety hazards (隐患) with their rectification workflow.

A hazard is found (待整改), its responsible person starts the work (整改中), submits it for acceptance with
the measures taken (待验收), and 后勤主任 closes it (已销号) or sends it back (整改中). A hazard past its
整改时限 and not closed is overdue (逾期), derived from the dates so it never goes stale.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func

from app.declare import (
    Admin,
    Choice,
    Entity,
    FollowUp,
    Lock,
    Scope,
    choice,
    computed,
    day,
    flag,
    key,
    long_text,
    moment,
    photo,
    pk,
    quick,
    relation,
    serial,
    text,
)
from app.declare.workflow import Step, Workflow, person, role
from app.meta import clock

MENU = "安全巡查"


class Patrol(Entity):
    __tablename__ = "patrol"
    __admin__ = Admin(
        "巡视记录",
        menu=MENU,
        icon="fa-binoculars",
        menu_order=10,
        list=["patrolled_on", "patroller", "area", "items", "findings", "normal"],
        search=["patrolled_on", "patroller", "area", "normal"],
        form=["patrolled_on", "patroller", "area", "items", "findings", "normal"],
        order=("patrolled_on", "desc"),
        lookup=["patrolled_on", "area"],
        quick_filters=[
            quick("今日", where=lambda m: m.patrolled_on == clock.today()),
            quick("发现异常", normal=False),
        ],
        scope=Scope(department="patroller.department", owner="patroller"),
        # Each problem found (one a line) becomes a hazard with one click, its words carried over.
        follow_ups=[FollowUp("Hazard", "登记为隐患", per_line="findings", when=lambda patrol: bool(patrol.findings),
                             carry={"description": "findings", "location": "area", "patrol": "self"})],
    )
    id = pk()
    patrolled_on = day("日期", required=True, prefill="today", index=True)
    patroller_id = key("staff.id", required=True)
    patroller = relation("Staff", "巡视人", prefill="current_staff")
    area = text("区域", 100, required=True, help="例：教学楼、学生宿舍、食堂、运动场、围墙周边")
    items = text("检查项目", 200, help="例：消防器材、电气线路、门窗护栏、体育器材")
    findings = long_text("发现问题", help="一行写一个问题；保存后可在本记录页把每个问题一键登记为安全隐患")
    normal = flag("是否正常", default=True)

    def __str__(self) -> str:
        return f"{self.patrolled_on or ''} {self.area or ''} 巡视"

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.normal is False and not (self.findings or "").strip():
            errors["findings"] = "巡视发现异常时，请填写发现的问题"
        if self.patrolled_on and self.patrolled_on > clock.today():
            errors["patrolled_on"] = "日期不能晚于今天"
        return errors


class HazardCategory(Choice):
    building = "校舍"
    fire = "消防"
    electrical = "电气"
    sports = "体育器材"
    food = "食堂食品"
    surroundings = "周边"
    other = "其他"


class HazardLevel(Choice):
    general = "一般"
    major = "重大"


class HazardStatus(Choice):
    pending = "待整改"
    rectifying = "整改中"
    awaiting_acceptance = "待验收"
    closed = "已销号"


RECTIFIERS = person("rectifier") | role("后勤主任")

HAZARD_WORKFLOW = Workflow("status", requester="reporter", started="found_at", steps=(
    Step("start", "开始整改", (HazardStatus.pending,), HazardStatus.rectifying, by=RECTIFIERS),
    Step("submit", "提交验收", (HazardStatus.rectifying,), HazardStatus.awaiting_acceptance, by=RECTIFIERS,
         fields=("measures", "result_photo"), required=("measures", "result_photo")),
    # 销号验收: 通过 closes the hazard (已销号); 退回修改 sends it back to 整改中 with what is still wrong.
    Step("close", "销号验收", (HazardStatus.awaiting_acceptance,), HazardStatus.closed, by=role("后勤主任"),
         return_to=HazardStatus.rectifying, effect="sign_off", style="success"),
))


def _overdue(model):
    return and_(model.status != HazardStatus.closed, model.deadline < clock.today())


def closed_in_time(model):
    """销号 on or before the day of its 整改时限."""
    return and_(model.status == HazardStatus.closed, model.closed_at.isnot(None),
                func.date(model.closed_at) <= model.deadline)


def closed_late(model):
    """销号 after the day of its 整改时限."""
    return and_(model.status == HazardStatus.closed, model.closed_at.isnot(None),
                func.date(model.closed_at) > model.deadline)


class Hazard(Entity):
    __tablename__ = "hazard"
    __admin__ = Admin(
        "安全隐患",
        menu=MENU,
        icon="fa-exclamation-triangle",
        menu_order=20,
        list=["code", "found_at", "location", "category", "level", "rectify_department", "rectifier",
              "deadline", "status", "overdue"],
        search=["code", "found_at", "location", "category", "level", "rectify_department", "rectifier",
                "deadline", "status", "closed_at"],
        form=["found_at", "location", "category", "level", "description", "photo", "rectify_department",
              "rectifier", "deadline", "measures", "reporter", "patrol", "check_result"],
        show=["code", "found_at", "location", "category", "level", "description", "photo", "reporter", "patrol",
              "check_result", "rectify_department", "rectifier", "deadline", "measures", "result_photo", "status",
              "overdue", "accepted_by", "closed_at"],
        order=("found_at", "desc"),
        lookup=["code", "location"],
        quick_filters=[
            quick("待整改", status=HazardStatus.pending),
            quick("整改中", status=HazardStatus.rectifying),
            quick("待验收", status=HazardStatus.awaiting_acceptance),
            quick("逾期", where=_overdue, remind=role("后勤主任")),
            quick("重大隐患", where=lambda m: and_(m.level == HazardLevel.major, m.status != HazardStatus.closed)),
            quick("已销号", status=HazardStatus.closed),
            # 考核事实 (models/assessment_facts.py) count by these and link to them.
            quick("按期销号", where=lambda m: closed_in_time(m)),
            quick("超期销号", where=lambda m: closed_late(m)),
        ],
        workflow=HAZARD_WORKFLOW,
        summary=["location", "category", "level", "rectifier", "deadline"],
        overdue=lambda hazard: hazard.overdue(),
        urgent=lambda hazard: hazard.level == HazardLevel.major,
        start="上报隐患",
        scope=Scope(department=("rectify_department", "reporter.department"), owner=("rectifier", "reporter")),
        lock=Lock(closed_in=(HazardStatus.closed,), message="隐患「{record}」已销号，不能再修改"),
    )
    id = pk()
    code = serial("隐患编号", "YH")
    found_at = moment("发现时间", required=True, prefill="now", index=True)
    location = text("地点", 100, required=True)
    category = choice(HazardCategory, "类别", required=True, default=HazardCategory.building)
    level = choice(HazardLevel, "等级", required=True, default=HazardLevel.general)
    description = long_text("描述", required=True)
    result_photo = photo("整改后照片", help="整改完成后的现场照片，提交验收时上传")  # before `photo` shadows photo()
    photo = photo("照片")
    rectify_department_id = key("department.id")
    rectify_department = relation("Department", "整改责任部门", foreign_keys=[rectify_department_id])
    rectifier_id = key("staff.id")
    rectifier = relation("Staff", "整改责任人", foreign_keys=[rectifier_id])
    deadline = day("整改时限", required=True, index=True)
    measures = long_text("整改措施")
    status = choice(HazardStatus, "状态", required=True, default=HazardStatus.pending, index=True)
    accepted_by_id = key("staff.id")
    accepted_by = relation("Staff", "验收人", foreign_keys=[accepted_by_id])
    closed_at = moment("销号时间")
    reporter_id = key("staff.id")
    reporter = relation("Staff", "发现人", prefill="current_staff", foreign_keys=[reporter_id])
    patrol_id = key("patrol.id")
    patrol = relation("Patrol", "来源巡视")
    check_result_id = key("check_result.id")
    check_result = relation("CheckResult", "来源检查")

    def __str__(self) -> str:
        category = self.category.value if self.category else ""
        return " ".join(p for p in (self.code, self.location, category) if p) or f"隐患#{self.id or ''}"

    @computed("是否逾期", fmt="bool")
    def overdue(self) -> bool:
        """Derived, never stored: a hazard becomes overdue the day after its 整改时限 without anyone saving it."""
        return self.status != HazardStatus.closed and self.deadline is not None and self.deadline < clock.today()

    def delete_refusal(self) -> str | None:
        if self.status != HazardStatus.pending:
            return f"隐患「{self}」已开始整改，不能删除"
        return None

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.deadline and self.found_at:
            found_on = self.found_at.date() if isinstance(self.found_at, datetime) else self.found_at
            if self.deadline < found_on:
                errors["deadline"] = "整改时限不能早于发现日期"
        if self.found_at and self.found_at > clock.now().replace(second=59, microsecond=999999):
            errors["found_at"] = "发现时间不能晚于现在"
        if self.status in (HazardStatus.awaiting_acceptance, HazardStatus.closed) \
                and not (self.measures or "").strip():
            errors["measures"] = "提交验收前须填写整改措施"
        return errors

    def before_save(self) -> None:
        if self.rectify_department is None and self.rectifier is not None:
            self.rectify_department = self.rectifier.department

    def sign_off(self, session=None, actor=None) -> None:
        """Effect of 销号: the closing person becomes 验收人, and the time is recorded.

        ``actor`` is the staff record or login user taking the step; by default the logged-in user.
        """
        self.accepted_by = _staff_of(session, actor)
        self.closed_at = clock.now().replace(microsecond=0)


def _staff_of(session, actor):
    """The staff record of ``actor`` (a Staff, a login User, or None for the current user)."""
    from flask import has_request_context

    from models.org import Staff, current_staff

    if isinstance(actor, Staff):
        return actor
    if actor is not None and getattr(actor, "id", None) is not None:
        if session is None:
            from app.extensions import db

            session = db.session
        return session.query(Staff).filter(Staff.user_id == actor.id).one_or_none()
    return current_staff() if has_request_context() else None
