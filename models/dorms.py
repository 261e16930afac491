"""宿舍管理: buildings, rooms and beds, boarding students, their accommodation records and dorm changes
(hygiene inspections and discipline: models/dorm_conduct.py).

Kept as one module (about 750 lines): the occupancy rules below are shared by every record that puts a
student on a bed — the accommodation record, bulk allocation and the dorm-change request — and read the
same room and bed statuses; split apart, each would import the others' internals.

The occupancy rules (gender of the building, one active bed per student, one active student per bed,
no room above its 床位数, no bed under 维修/停用) live in one place, :func:`bed_refusal`, used by the
accommodation record itself, by dorm-change requests and by :func:`allocate` (bulk allocation).
Bed and room statuses follow the records: an active record makes its bed 已住, ending it frees the
bed, and a room is 已满 or 可用 by its count of active residents (停用 and 维修 are left as set).
"""
from __future__ import annotations

import re
from collections import defaultdict

from sqlalchemy import Index, UniqueConstraint, and_, func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import object_session
from sqlalchemy.orm.attributes import flag_modified

from app.declare import (
    Admin,
    Choice,
    Entity,
    Import,
    Lock,
    Qualify,
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
    telephone,
    text,
)
from app.declare.workflow import Step, Workflow, person, role
from app.meta import clock
from models.org import Gender

MENU = "宿舍管理"

# Reasons allocate() gives for a student it could not place.
REFUSED_GENDER = "性别不符"
REFUSED_HAS_BED = "已有床位"
REFUSED_NO_BED = "床位不足"


def _session(obj=None):
    """The session ``obj`` lives in, else the application's session (for records not yet added)."""
    session = object_session(obj) if obj is not None else None
    if session is None:
        from app.extensions import db

        session = db.session
    return session


def _touch(record, attribute: str) -> None:
    """Make the save write ``record`` (its row version moves) even if nothing in it changed.

    Two people placing students at the same moment then cannot both succeed on the same student, bed
    or room: the second save finds the row version moved and is refused, instead of breaking a rule the
    first save's check could not yet see.
    """
    if sa_inspect(record).persistent:
        flag_modified(record, attribute)


def _natural(value) -> tuple:
    """Sort key that puts 2 before 10 and 305 before 1001 (房间号, 床号 are text)."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(value or "")))


# --------------------------------------------------------------------------------------------------
# Buildings, rooms, beds
# --------------------------------------------------------------------------------------------------


class RoomType(Choice):
    two = "二人间"
    four = "四人间"
    six = "六人间"
    eight = "八人间"
    other = "其他"


class RoomStatus(Choice):
    available = "可用"
    full = "已满"
    disabled = "停用"


class BedStatus(Choice):
    free = "空闲"
    occupied = "已住"
    repairing = "维修"
    disabled = "停用"


ASSIGNABLE_BED = (BedStatus.free, BedStatus.occupied)  # 已住 without an active record is stale, not blocking


class Building(Entity):
    __tablename__ = "building"
    __admin__ = Admin(
        "宿舍楼",
        menu=MENU,
        icon="fa-building",
        menu_order=10,
        list=["name", "campus", "gender", "floors", "manager", "department"],
        search=["name", "campus", "gender", "manager", "department"],
        form=["name", "campus", "gender", "floors", "manager", "department", "remark"],
        order=("name", "asc"),
        lookup=["name", "campus"],
        quick_filters=[quick("男生宿舍", gender=Gender.male), quick("女生宿舍", gender=Gender.female)],
        scope=Scope(department="department", owner="manager"),
    )
    id = pk()
    name = text("名称", 50, required=True, unique=True)
    campus = text("校区", 30, required=True, default="本部")
    gender = choice(Gender, "性别", required=True, default=Gender.male)
    floors = integer("楼层数", required=True, default=6, min=1, max=100)
    manager_id = key("staff.id")
    manager = relation("Staff", "宿管员", foreign_keys=[manager_id])
    department_id = key("department.id")
    department = relation("Department", "管理部门", prefill="current_department",
                          foreign_keys=[department_id])
    remark = text("备注", 200)
    rooms = relation("Room", "房间", back_populates="building")

    def __str__(self) -> str:
        return self.name or ""

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.floors is not None and not 1 <= self.floors <= 50:
            errors["floors"] = "楼层数须在 1 到 50 之间"
        if self.id is not None and self.gender is not None:
            session = _session(self)
            with session.no_autoflush:
                other = session.scalar(
                    select(func.count(Accommodation.id))
                    .join(Bed, Accommodation.bed_id == Bed.id).join(Room, Bed.room_id == Room.id)
                    .join(Student, Accommodation.student_id == Student.id)
                    .where(Room.building_id == self.id, Accommodation.status == AccommodationStatus.active,
                           Student.gender != self.gender))
            if other:
                errors["gender"] = f"楼内仍有 {other} 名其他性别的在住学生，不能改为{self.gender.value}生宿舍"
        return errors

    def before_save(self) -> None:
        if self.id is not None and sa_inspect(self).attrs.name.history.has_changes():
            for room in self.rooms:
                room.refresh_bed_names()


class Room(Entity):
    __tablename__ = "room"
    __table_args__ = (UniqueConstraint("building_id", "number"),)
    __admin__ = Admin(
        "房间",
        menu=MENU,
        icon="fa-th-large",
        menu_order=20,
        list=["building", "floor", "number", "room_type", "capacity", "status"],
        search=["building", "floor", "number", "room_type", "status"],
        form=["building", "floor", "number", "room_type", "capacity", "status", "remark"],
        order=("number", "asc"),
        lookup=["building.name", "number"],
        quick_filters=[
            quick("可用", status=RoomStatus.available),
            quick("已满", status=RoomStatus.full),
            quick("停用", status=RoomStatus.disabled),
        ],
        scope=Scope(department="building.department", owner="building.manager"),
    )
    id = pk()
    building_id = key("building.id", required=True)
    building = relation("Building", "楼栋", back_populates="rooms", lazy="joined")
    floor = integer("楼层", required=True, default=1, min=-5, max=100)
    number = text("房间号", 20, required=True)
    room_type = choice(RoomType, "类型", required=True, default=RoomType.six)
    capacity = integer("床位数", required=True, default=6, min=0, max=40, help="新建房间时按床位数自动生成床位")
    status = choice(RoomStatus, "状态", required=True, default=RoomStatus.available, index=True,
                    help="可用/已满 随入住人数自动变化；停用需手工设置")
    remark = text("备注", 200)
    beds = relation("Bed", "床位", back_populates="room", order_by="Bed.number")

    def __str__(self) -> str:
        return f"{self.building or ''} {self.number or ''}室".strip()

    def occupancy(self, exclude: "Accommodation | None" = None) -> int:
        """Active residents of this room in the database (``exclude``: a record about to change)."""
        if self.id is None:
            return 0
        session = _session(self)
        stmt = (select(func.count(Accommodation.id)).join(Bed, Accommodation.bed_id == Bed.id)
                .where(Bed.room_id == self.id, Accommodation.status == AccommodationStatus.active))
        if exclude is not None and exclude.id is not None:
            stmt = stmt.where(Accommodation.id != exclude.id)
        with session.no_autoflush:
            return session.scalar(stmt) or 0

    def refresh_status(self, residents: int) -> None:
        if self.status != RoomStatus.disabled and self.capacity is not None:
            self.status = RoomStatus.full if residents >= self.capacity else RoomStatus.available

    def refresh_bed_names(self) -> None:
        for bed in self.beds:
            bed.refresh_name()

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.floor is not None and self.floor < 1:
            errors["floor"] = "楼层须从 1 开始"
        elif self.floor is not None and self.building is not None and self.building.floors \
                and self.floor > self.building.floors:
            errors["floor"] = f"{self.building}只有 {self.building.floors} 层"
        if self.capacity is not None and not 1 <= self.capacity <= 20:
            errors["capacity"] = "床位数须在 1 到 20 之间"
        if self.building is not None and self.number:
            session = _session(self)
            stmt = select(Room.id).where(Room.building_id == self.building.id, Room.number == self.number.strip())
            if self.id is not None:
                stmt = stmt.where(Room.id != self.id)
            with session.no_autoflush:
                if self.building.id is not None and session.scalar(stmt.limit(1)) is not None:
                    errors["number"] = f"{self.building}已有房间号 {self.number}"
        added = [bed for bed in self.beds if bed.id is None]
        if added and self.capacity is not None and len(self.beds) > self.capacity:
            errors["capacity"] = f"床位数为 {self.capacity}，加上新增床位将有 {len(self.beds)} 个床位，请先调整床位数"
        residents = self.occupancy()
        if residents and self.capacity is not None and self.capacity < residents:
            errors["capacity"] = f"该房间现有 {residents} 名在住学生，床位数不能少于在住人数"
        if residents and self.status == RoomStatus.disabled:
            errors["status"] = f"该房间仍有 {residents} 名在住学生，请先调宿后再停用"
        return errors

    def before_save(self) -> None:
        if self.number:
            self.number = self.number.strip()
        # Beds follow 床位数: missing ones are created (1号床 …), existing ones are never removed here.
        if self.capacity:
            taken = {bed.number for bed in self.beds}
            next_no = 1
            while len(self.beds) < self.capacity:
                while str(next_no) in taken:
                    next_no += 1
                self.beds.append(Bed(number=str(next_no), status=BedStatus.free))
                taken.add(str(next_no))
        self.refresh_bed_names()
        self.refresh_status(self.occupancy())


class Bed(Entity):
    __tablename__ = "bed"
    __table_args__ = (UniqueConstraint("room_id", "number"),)
    __admin__ = Admin(
        "床位",
        menu=MENU,
        icon="fa-bed",
        menu_order=30,
        list=["full_name", "room", "number", "status"],
        search=["full_name", "room", "number", "status"],
        form=["room", "number", "status", "remark"],
        order=("full_name", "asc"),
        lookup=["full_name"],
        quick_filters=[
            quick("空闲", status=BedStatus.free),
            quick("已住", status=BedStatus.occupied),
            quick("维修", status=BedStatus.repairing),
        ],
        scope=Scope(department="room.building.department", owner="room.building.manager"),
        # One row per bed; a room not yet there is created from its row (and gets the rest of its 床位数).
        imports=Import(match=("room", "number"), parents={"room": ("building", "number")}, one_by_one=True,
                       columns=["room.building", "room.floor", "room.number", "room.room_type", "room.capacity",
                                "number", "status", "remark"]),
    )
    id = pk()
    room_id = key("room.id", required=True)
    room = relation("Room", "房间", back_populates="beds", lazy="joined")
    number = text("床号", 10, required=True)
    full_name = text("床位全称", 80, index=True, help="楼栋 房间号-床号，自动生成，用于查找")
    status = choice(BedStatus, "状态", required=True, default=BedStatus.free, index=True)
    remark = text("备注", 200)

    def __str__(self) -> str:
        return self.full_name or f"{self.room or ''}-{self.number or ''}号床"

    def refresh_name(self) -> None:
        if self.room is not None and self.room.building is not None:
            self.full_name = f"{self.room.building.name} {self.room.number}-{self.number}号床"

    def occupant(self, exclude: "Accommodation | None" = None) -> "Accommodation | None":
        """The active record on this bed in the database, other than ``exclude``."""
        if self.id is None:
            return None
        session = _session(self)
        stmt = select(Accommodation).where(Accommodation.bed_id == self.id,
                                           Accommodation.status == AccommodationStatus.active)
        if exclude is not None and exclude.id is not None:
            stmt = stmt.where(Accommodation.id != exclude.id)
        with session.no_autoflush:
            return session.scalars(stmt.limit(1)).first()

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.room is not None and self.number:
            session = _session(self)
            with session.no_autoflush:
                if self.room.id is not None:
                    stmt = select(Bed.id).where(Bed.room_id == self.room.id, Bed.number == self.number.strip())
                    if self.id is not None:
                        stmt = stmt.where(Bed.id != self.id)
                    if session.scalar(stmt.limit(1)) is not None:
                        errors["number"] = f"{self.room}已有床号 {self.number}"
                    if self.id is None and self.room.capacity is not None:
                        count = session.scalar(select(func.count(Bed.id)).where(Bed.room_id == self.room.id))
                        if count >= self.room.capacity:
                            errors["room"] = f"{self.room}床位数为 {self.room.capacity}，已有 {count} 个床位"
        if self.status not in ASSIGNABLE_BED:
            resident = self.occupant()
            if resident is not None:
                errors["status"] = f"该床位住着{resident.student}，请先调宿或退宿再设为「{self.status.value}」"
        return errors

    def before_save(self) -> None:
        if self.number:
            self.number = self.number.strip()
        self.refresh_name()
        if self.status in ASSIGNABLE_BED:
            self.status = BedStatus.occupied if self.occupant() is not None else BedStatus.free


# --------------------------------------------------------------------------------------------------
# Students and their accommodation
# --------------------------------------------------------------------------------------------------


class Student(Entity):
    __tablename__ = "student"
    __table_args__ = (Index("ix_student_school_student_no", "school_id", "student_no"),)  # a school's list in its order (app/rules/scope.py within_unit)
    __admin__ = Admin(
        "学生",
        menu=MENU,
        icon="fa-graduation-cap",
        menu_order=40,
        list=["student_no", "name", "gender", "grade", "class_name", "guardian_phone", "is_boarder"],
        search=["student_no", "name", "gender", "grade", "class_name", "is_boarder"],
        form=["student_no", "name", "gender", "grade", "class_name", "guardian_phone", "is_boarder", "school"],
        show=["student_no", "name", "gender", "grade", "class_name", "guardian_phone", "is_boarder",
              "current_bed", "school"],
        order=("student_no", "asc"),
        lookup=["name", "student_no", "class_name"],
        quick_filters=[
            quick("寄宿生", is_boarder=True),
            quick("走读生", is_boarder=False),
            quick("高一", grade="高一"),
            quick("高二", grade="高二"),
            quick("高三", grade="高三"),
        ],
        imports=Import(match="student_no", columns=["student_no", "name", "gender", "grade", "class_name",
                                                    "guardian_phone", "is_boarder"]),
        scope=Scope(unit="school"),
    )
    id = pk()
    student_no = text("学号", 30, required=True, unique=True)
    name = text("姓名", 30, required=True, index=True, pinyin=True)
    gender = choice(Gender, "性别", required=True, default=Gender.male)
    grade = text("年级", 20, required=True, index=True, help="例：高一")
    class_name = text("班级", 30, required=True, index=True, help="例：高一(3)班")
    guardian_phone = telephone("监护人电话")
    is_boarder = flag("是否寄宿", default=True)
    school_id = key("department.id", index=False)  # led by ix_student_school_student_no
    school = relation("Department", "所属学校", help="区教育局下有多所学校时，记录属于哪一所；学校的人登记时自动为本校")
    accommodations = relation("Accommodation", "住宿记录", viewonly=True,
                              order_by="Accommodation.moved_in.desc()")

    def __str__(self) -> str:
        return f"{self.name or ''}（{self.student_no or ''}）"

    @computed("当前床位")
    def current_bed(self):
        record = next((a for a in self.accommodations if a.status == AccommodationStatus.active), None)
        return record.bed if record else None

    def active_record(self, exclude: "Accommodation | None" = None) -> "Accommodation | None":
        """This student's active record in the database, other than ``exclude``."""
        if self.id is None:
            return None
        session = _session(self)
        stmt = select(Accommodation).where(Accommodation.student_id == self.id,
                                           Accommodation.status == AccommodationStatus.active)
        if exclude is not None and exclude.id is not None:
            stmt = stmt.where(Accommodation.id != exclude.id)
        with session.no_autoflush:
            return session.scalars(stmt.limit(1)).first()


class AccommodationStatus(Choice):
    active = "在住"
    ended = "已退宿"


def bed_refusal(student: Student | None, bed: Bed | None, leaving: "Accommodation | None" = None) -> str | None:
    """Why ``student`` may not take ``bed`` now (a Chinese sentence), or None.

    ``leaving`` is the student's record that this move replaces (or the record being edited): it does not
    count against the bed or the room.
    """
    if bed is None:
        return None
    room = bed.room
    building = room.building if room is not None else None
    if student is not None and building is not None and student.gender is not None \
            and building.gender is not None and student.gender != building.gender:
        return (f"性别不符：{building}是{building.gender.value}生宿舍，"
                f"{student.name}是{student.gender.value}生")
    if bed.status not in ASSIGNABLE_BED:
        return f"床位 {bed} 状态为「{bed.status.value}」，不能安排入住"
    if room is not None and room.status == RoomStatus.disabled:
        return f"{room}已停用，不能安排入住"
    resident = bed.occupant(exclude=leaving)
    if resident is not None:
        return f"床位 {bed} 已有在住学生{resident.student}"
    if room is not None and room.capacity is not None:
        residents = room.occupancy(exclude=leaving)  # the record leaving makes room wherever it was
        if residents >= room.capacity:
            return f"{room}床位数为 {room.capacity}，已住满 {residents} 人"
    return None


class Accommodation(Entity):
    __tablename__ = "accommodation"
    __admin__ = Admin(
        "住宿记录",
        menu=MENU,
        icon="fa-id-card-o",
        menu_order=50,
        list=["student", "bed", "moved_in", "moved_out", "status"],
        search=["student", "bed", "moved_in", "moved_out", "status"],
        form=["student", "bed", "moved_in", "moved_out", "remark"],
        order=("moved_in", "desc"),
        quick_filters=[
            quick("在住", status=AccommodationStatus.active),
            quick("已退宿", status=AccommodationStatus.ended),
        ],
        scope=Scope(department="bed.room.building.department", owner="bed.room.building.manager"),
        loads=["student", "bed"],
    )
    id = pk()
    student_id = key("student.id", required=True)
    student = relation("Student", "学生")
    bed_id = key("bed.id", required=True)
    bed = relation("Bed", "床位", active_history=True)
    moved_in = day("入住日期", required=True, prefill="today", index=True)
    moved_out = day("退宿日期", help="填写退宿日期即为退宿，床位自动空出")
    status = choice(AccommodationStatus, "状态", required=True, default=AccommodationStatus.active, index=True)
    remark = text("备注", 200)

    def __str__(self) -> str:
        return f"{self.student} → {self.bed}"

    @property
    def is_active(self) -> bool:
        return self.moved_out is None

    def delete_refusal(self) -> str | None:
        if self.id is not None and self.status == AccommodationStatus.active:
            return f"「{self}」是在住记录，不能删除：请填写退宿日期办理退宿，或提交调宿/退宿申请"
        return None

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.moved_in and self.moved_out and self.moved_out < self.moved_in:
            errors["moved_out"] = "退宿日期不能早于入住日期"
        if not self.is_active or self.student is None or self.bed is None:
            return errors
        other = self.student.active_record(exclude=self)
        if other is not None:
            errors["student"] = f"{self.student.name}已住在 {other.bed}，请先退宿或办理调宿"
        problem = bed_refusal(self.student, self.bed, leaving=self)
        if problem:
            errors["bed"] = problem
        return errors

    def before_save(self) -> None:
        if self.moved_in is None:
            self.moved_in = clock.today()
        self.status = AccommodationStatus.active if self.is_active else AccommodationStatus.ended
        rooms = []
        # An edit that moves the record to another bed frees the old one.
        for old_bed in sa_inspect(self).attrs.bed.history.deleted or ():
            if old_bed is not None and old_bed is not self.bed:
                if old_bed.status in ASSIGNABLE_BED:
                    old_bed.status = BedStatus.occupied if old_bed.occupant(exclude=self) else BedStatus.free
                rooms.append(old_bed.room)
        if self.bed is not None:
            if self.bed.status in ASSIGNABLE_BED:
                taken = self.is_active or self.bed.occupant(exclude=self) is not None
                self.bed.status = BedStatus.occupied if taken else BedStatus.free
            if self.is_active:
                _touch(self.bed, "status")
            rooms.append(self.bed.room)
        for room in dict.fromkeys(r for r in rooms if r is not None):
            here = self.is_active and self.bed is not None and self.bed.room is room
            room.refresh_status(room.occupancy(exclude=self) + (1 if here else 0))
            if here:
                _touch(room, "status")
        if self.is_active and self.student is not None:
            self.student.is_boarder = True
            _touch(self.student, "is_boarder")


def allocate(session, students, building: Building) -> tuple[list[tuple[Student, Bed]], list[tuple[Student, str]]]:
    """Place ``students`` on free beds of ``building``: rooms in order (floor, 房间号), classmates together.

    Every student is either placed (an active Accommodation is added and flushed, bed and room statuses
    updated) or refused with the reason: 性别不符, 已有床位, 床位不足. The caller commits (or rolls back).
    A class is kept together where it can: its students first fill rooms where classmates already live,
    then empty rooms, and only then beds left in rooms of other classes.
    """
    placed: list[tuple[Student, Bed]] = []
    refused: list[tuple[Student, str]] = []
    with session.no_autoflush:
        rooms = [r for r in session.scalars(select(Room).where(Room.building_id == building.id))
                 if r.status != RoomStatus.disabled]
        rooms.sort(key=lambda r: (r.floor or 0, _natural(r.number)))
        room_ids = [r.id for r in rooms]
        beds = list(session.scalars(select(Bed).where(Bed.room_id.in_(room_ids)))) if room_ids else []
        residents = session.execute(
            select(Accommodation.bed_id, Bed.room_id, Student.grade, Student.class_name)
            .join(Bed, Accommodation.bed_id == Bed.id).join(Student, Accommodation.student_id == Student.id)
            .where(Bed.room_id.in_(room_ids), Accommodation.status == AccommodationStatus.active)
        ).all() if room_ids else []
        student_ids = [s.id for s in students if s.id is not None]
        housed = set(session.scalars(select(Accommodation.student_id).where(
            Accommodation.student_id.in_(student_ids),
            Accommodation.status == AccommodationStatus.active))) if student_ids else set()

    taken_beds = {row.bed_id for row in residents}
    classes_in = defaultdict(set)  # room id → {(年级, 班级)} living there
    count_in = defaultdict(int)
    for row in residents:
        classes_in[row.room_id].add((row.grade, row.class_name))
        count_in[row.room_id] += 1
    free_in = defaultdict(list)  # room id → free beds in bed-number order
    for bed in sorted(beds, key=lambda b: _natural(b.number)):
        if bed.status in ASSIGNABLE_BED and bed.id not in taken_beds:
            free_in[bed.room_id].append(bed)

    def slots(room: Room) -> int:
        return min(len(free_in[room.id]), max((room.capacity or 0) - count_in[room.id], 0))

    def pick(cls) -> Room | None:
        for wanted in (lambda r: cls in classes_in[r.id],  # with classmates
                       lambda r: count_in[r.id] == 0,  # an empty room
                       lambda r: True):  # any bed left
            for room in rooms:
                if slots(room) and wanted(room):
                    return room
        return None

    eligible = []
    seen = set()
    for student in students:
        if student.gender != building.gender:
            refused.append((student, REFUSED_GENDER))
        elif student.id in housed or id(student) in seen:
            refused.append((student, REFUSED_HAS_BED))
        else:
            seen.add(id(student))
            eligible.append(student)
    eligible.sort(key=lambda s: (_natural(s.grade), _natural(s.class_name), _natural(s.student_no)))

    for student in eligible:
        cls = (student.grade, student.class_name)
        room = pick(cls)
        if room is None:
            refused.append((student, REFUSED_NO_BED))
            continue
        bed = free_in[room.id].pop(0)
        record = Accommodation(student=student, bed=bed, moved_in=clock.today(),
                               status=AccommodationStatus.active)
        errors = record.validate()
        if errors:  # someone took the bed meanwhile, or a rule the plan did not foresee
            refused.append((student, next(iter(errors.values()))))
            continue
        record.before_save()
        session.add(record)
        session.flush()
        classes_in[room.id].add(cls)
        count_in[room.id] += 1
        placed.append((student, bed))
    return placed, refused


# --------------------------------------------------------------------------------------------------
# Dorm-change requests
# --------------------------------------------------------------------------------------------------


class DormChangeKind(Choice):
    transfer = "调宿"
    checkout = "退宿"


class DormChangeStatus(Choice):
    pending = "待审批"
    approved = "已批准"
    rejected = "已驳回"
    returned = "退回修改"


OPEN_CHANGE = (DormChangeStatus.pending, DormChangeStatus.returned)

# 宿管员 asks, 后勤主任 approves, the move happens on approval (DormChange.apply).
DORM_CHANGE_WORKFLOW = Workflow("status", requester="applicant", started="applied_on", steps=(
    Step("approve", "调宿审批", (DormChangeStatus.pending,), DormChangeStatus.approved, role("后勤主任"),
         not_by=("applicant",), reject_to=DormChangeStatus.rejected, return_to=DormChangeStatus.returned,
         effect="apply", style="success"),
    Step("resubmit", "修改后重新提交", (DormChangeStatus.returned,), DormChangeStatus.pending, person("applicant")),
))


def free_bed_for(bed_model, change):
    """A bed a student may move to: free, usable, in a room in use, in a building of the student's gender."""
    active = select(Accommodation.bed_id).where(Accommodation.status == AccommodationStatus.active)
    found = [bed_model.status.in_(ASSIGNABLE_BED), bed_model.id.not_in(active),
             bed_model.room.has(Room.status != RoomStatus.disabled)]
    student = change.student
    if student is not None and student.gender is not None:
        found.append(bed_model.room.has(Room.building.has(Building.gender == student.gender)))
    return and_(*found)


def housed_student(student_model, change):
    """A student a 调宿/退宿 is asked for: one who lives in a dormitory now."""
    active = select(Accommodation.student_id).where(Accommodation.status == AccommodationStatus.active)
    return student_model.id.in_(active)


class DormChange(Entity):
    __tablename__ = "dorm_change"
    __admin__ = Admin(
        "调宿/退宿申请",
        menu=MENU,
        icon="fa-exchange",
        menu_order=60,
        list=["student", "kind", "old_bed", "new_bed", "applicant", "applied_on", "status"],
        search=["student", "kind", "applicant", "applied_on", "status"],
        form=["student", "kind", "new_bed", "reason", "applicant", "applied_on"],
        self_form=["student", "kind", "new_bed", "reason"],
        show=["student", "kind", "old_bed", "new_bed", "reason", "applicant", "applied_on", "status"],
        order=("applied_on", "desc"),
        quick_filters=[
            quick("待审批", status=DormChangeStatus.pending),
            quick("调宿", kind=DormChangeKind.transfer),
            quick("退宿", kind=DormChangeKind.checkout),
        ],
        scope=Scope(department="applicant.department", owner="applicant"),
        lock=Lock(open_in=OPEN_CHANGE, message="该申请{state}，不能再修改"),
        workflow=DORM_CHANGE_WORKFLOW,
        summary=["student", "kind", "old_bed", "new_bed", "reason"],
        loads=["student"],
    )
    id = pk()
    student_id = key("student.id", required=True)
    student = relation("Student", "学生", qualify=Qualify(housed_student, "请选择目前在住的学生"))
    kind = choice(DormChangeKind, "类型", required=True, default=DormChangeKind.transfer)
    old_bed_id = key("bed.id")
    old_bed = relation("Bed", "原床位", foreign_keys=[old_bed_id])
    new_bed_id = key("bed.id")
    new_bed = relation("Bed", "新床位", foreign_keys=[new_bed_id],
                       qualify=Qualify(free_bed_for, "请选择与学生性别相符的空闲床位", depends=("student",)))
    reason = long_text("原因", required=True)
    applicant_id = key("staff.id", required=True)
    applicant = relation("Staff", "申请人", prefill="current_staff")
    applied_on = day("申请日期", required=True, prefill="today", index=True)
    status = choice(DormChangeStatus, "状态", required=True, default=DormChangeStatus.pending, index=True)

    def __str__(self) -> str:
        return f"{self.student} {self.kind.value if self.kind else ''}申请"

    def delete_refusal(self) -> str | None:
        if self.status == DormChangeStatus.approved:
            return "已批准并已办理的申请不能删除"
        return None

    def before_save(self) -> None:
        if self.status in (None, *OPEN_CHANGE) and self.student is not None:
            record = self.student.active_record()
            self.old_bed = record.bed if record else None
        if self.kind == DormChangeKind.checkout:
            self.new_bed = None

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.status not in (None, *OPEN_CHANGE) or self.student is None:
            return errors
        record = self.student.active_record()
        if record is None:
            errors["student"] = f"{self.student.name}当前没有在住记录，无需调宿或退宿"
        else:
            session = _session(self)
            stmt = select(DormChange.id).where(DormChange.student_id == self.student.id,
                                               DormChange.status.in_(OPEN_CHANGE))
            if self.id is not None:
                stmt = stmt.where(DormChange.id != self.id)
            with session.no_autoflush:
                if self.student.id is not None and session.scalar(stmt.limit(1)) is not None:
                    errors["student"] = f"{self.student.name}已有一条待审批的调宿/退宿申请"
        if self.kind == DormChangeKind.transfer:
            if self.new_bed is None:
                errors["new_bed"] = "调宿须选择新床位"
            elif record is not None and self.new_bed is record.bed:
                errors["new_bed"] = "新床位与原床位相同"
            else:
                problem = bed_refusal(self.student, self.new_bed, leaving=record)
                if problem:
                    errors["new_bed"] = problem
        return errors

    def apply(self, session) -> Accommodation | None:
        """On approval: end the student's active record and, for 调宿, open one on the new bed.

        Checks the rules again (the bed may have been taken since the request); raises
        ``app.rules.write.Refused`` with field messages instead of moving anyone. Does not commit.
        Returns the new record (调宿) or the ended one (退宿).
        """
        from app.rules.write import Refused

        record = self.student.active_record() if self.student is not None else None
        if record is None:
            message = f"{self.student.name if self.student else '该学生'}当前没有在住记录"
            raise Refused(message, {"student": message})
        if self.kind == DormChangeKind.transfer:
            if self.new_bed is None:
                raise Refused("调宿须选择新床位", {"new_bed": "调宿须选择新床位"})
            problem = bed_refusal(self.student, self.new_bed, leaving=record)
            if problem:
                raise Refused(problem, {"new_bed": problem})
        self.old_bed = record.bed
        record.moved_out = clock.today()
        record.before_save()
        session.add(record)
        session.flush()
        result = record
        if self.kind == DormChangeKind.transfer:
            result = Accommodation(student=self.student, bed=self.new_bed, moved_in=clock.today(),
                                   status=AccommodationStatus.active, remark=f"调宿：原床位 {record.bed}")
            result.before_save()
            session.add(result)
        else:
            self.student.is_boarder = False
        self.status = DormChangeStatus.approved
        session.add(self)
        session.flush()
        return result
