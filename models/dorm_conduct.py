"""宿舍卫生与纪律: the dorm manager's hygiene inspections of rooms (公共 50 + 个人 50, a safety veto) and the
discipline records of boarding students (宿舍管理, beside the rooms and beds of models/dorms.py)."""
from __future__ import annotations

from sqlalchemy import UniqueConstraint, select

from app.declare import (
    Admin,
    Choice,
    Entity,
    Scope,
    choice,
    computed,
    day,
    flag,
    integer,
    key,
    long_text,
    pk,
    quick,
    relation,
    text,
)
from app.meta import clock
from models.dorms import MENU, _session

# field → (label, maximum): 公共 50 + 个人 50 = 100
PUBLIC_SCORES = {"floor_toilet": 30, "doors_windows": 10, "air": 10}
PERSONAL_SCORES = {"bedding": 20, "desk": 10, "under_bed": 20}
SCORES = {**PUBLIC_SCORES, **PERSONAL_SCORES}


class HygieneInspection(Entity):
    __tablename__ = "hygiene_inspection"
    __table_args__ = (UniqueConstraint("room_id", "inspected_on"),)
    __admin__ = Admin(
        "卫生检查",
        menu=MENU,
        icon="fa-check-square-o",
        menu_order=70,
        list=["room", "inspected_on", "inspector", "floor_toilet", "doors_windows", "air",
              "bedding", "desk", "under_bed", "safety_veto", "total"],
        search=["room", "inspected_on", "inspector", "safety_veto", "total"],
        form=["room", "inspected_on", "inspector", "floor_toilet", "doors_windows", "air",
              "bedding", "desk", "under_bed", "safety_veto", "violation", "remark"],
        show=["room", "inspected_on", "inspector", "floor_toilet", "doors_windows", "air", "public_score",
              "bedding", "desk", "under_bed", "personal_score", "safety_veto", "violation", "total", "remark"],
        order=("inspected_on", "desc"),
        quick_filters=[
            quick("今日", where=lambda m: m.inspected_on == clock.today()),
            quick("一票否决", safety_veto=True),
            quick("不及格(<60)", where=lambda m: m.total < 60),
        ],
        scope=Scope(department="room.building.department", owner="inspector"),
        loads=["room"],
    )
    id = pk()
    room_id = key("room.id", required=True)
    room = relation("Room", "房间")
    inspected_on = day("日期", required=True, prefill="today", index=True)
    inspector_id = key("staff.id", required=True)
    inspector = relation("Staff", "检查人", prefill="current_staff")
    floor_toilet = integer("地面卫生间", required=True, default=30, help="公共，满分 30")
    doors_windows = integer("门窗", required=True, default=10, help="公共，满分 10")
    air = integer("空气", required=True, default=10, help="公共，满分 10")
    bedding = integer("床铺", required=True, default=20, help="个人，满分 20")
    desk = integer("桌面", required=True, default=10, help="个人，满分 10")
    under_bed = integer("床下桌下", required=True, default=20, help="个人，满分 20")
    safety_veto = flag("安全一票否决", help="违章电器、私拉电线等，总分记 0")
    violation = text("违规情况", 200)
    total = integer("总分", help="各项之和；安全一票否决时为 0")
    remark = text("备注", 200)

    def __str__(self) -> str:
        return f"{self.room} {self.inspected_on or ''} 卫生检查"

    @computed("公共分")
    def public_score(self) -> int:
        return sum(getattr(self, name) or 0 for name in PUBLIC_SCORES)

    @computed("个人分")
    def personal_score(self) -> int:
        return sum(getattr(self, name) or 0 for name in PERSONAL_SCORES)

    def before_save(self) -> None:
        self.total = 0 if self.safety_veto else self.public_score() + self.personal_score()

    def validate(self) -> dict[str, str]:
        errors = {}
        for name, top in SCORES.items():
            value = getattr(self, name)
            if value is not None and not 0 <= value <= top:
                errors[name] = f"须在 0 到 {top} 分之间"
        if self.safety_veto and not (self.violation or "").strip():
            errors["violation"] = "安全一票否决时须填写违规情况"
        if self.room is not None and self.room.id is not None and self.inspected_on is not None:
            session = _session(self)
            stmt = select(HygieneInspection).where(HygieneInspection.room_id == self.room.id,
                                                   HygieneInspection.inspected_on == self.inspected_on)
            if self.id is not None:
                stmt = stmt.where(HygieneInspection.id != self.id)
            with session.no_autoflush:
                existing = session.scalars(stmt.limit(1)).first()
            if existing is not None:
                errors["inspected_on"] = (f"{self.room}在 {self.inspected_on.isoformat()} 已检查过"
                                          f"（检查人 {existing.inspector}，总分 {existing.total}），每个房间每天只记一次")
        return errors


class DisciplineKind(Choice):
    late = "晚归"
    absent = "未归"
    appliance = "违章电器"
    other = "其他"


class Discipline(Entity):
    __tablename__ = "discipline"
    __admin__ = Admin(
        "违纪记录",
        menu=MENU,
        icon="fa-gavel",
        menu_order=80,
        list=["student", "occurred_on", "kind", "description", "handling", "recorder"],
        search=["student", "occurred_on", "kind", "recorder"],
        form=["student", "occurred_on", "kind", "description", "handling", "recorder"],
        order=("occurred_on", "desc"),
        quick_filters=[
            quick("晚归", kind=DisciplineKind.late),
            quick("未归", kind=DisciplineKind.absent),
            quick("违章电器", kind=DisciplineKind.appliance),
        ],
        scope=Scope(department="recorder.department", owner="recorder"),
        loads=["student"],
    )
    id = pk()
    student_id = key("student.id", required=True)
    student = relation("Student", "学生")
    occurred_on = day("日期", required=True, prefill="today", index=True)
    kind = choice(DisciplineKind, "类型", required=True, default=DisciplineKind.late)
    description = long_text("情况", required=True)
    handling = text("处理结果", 200)
    recorder_id = key("staff.id")
    recorder = relation("Staff", "记录人", prefill="current_staff")

    def __str__(self) -> str:
        return f"{self.student} {self.kind.value if self.kind else ''}"

    def validate(self) -> dict[str, str]:
        if self.occurred_on and self.occurred_on > clock.today():
            return {"occurred_on": "日期不能晚于今天"}
        return {}
