"""宿舍与水电: occupancy rules, bulk allocation, dorm changes, hygiene scores, meter readings, monthly report.

Every test builds its own buildings, students and meters (unique names), saving through the same
``write.save`` the pages use, so a refused record really is not saved.
"""
from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from app.meta import clock
from app.rules import locks
from tests.conftest import flashes, one_school_columns, statements_run
from tests.test_forms import field_errors

DORM_MODELS = ("Building", "Room", "Bed", "Student", "Accommodation", "DormChange", "HygieneInspection",
               "Discipline", "Household", "Meter", "MeterReading")


def uid() -> str:
    return uuid.uuid4().hex[:12]


def save(db, *items):
    from app.rules import write

    for item in items:
        write.save(db.session, item)
    return items[0] if len(items) == 1 else items


def refused(db, item) -> dict[str, str]:
    """Save ``item`` expecting a refusal; return its field messages."""
    from app.rules import write

    with pytest.raises(write.Refused) as caught:
        write.save(db.session, item)
    return caught.value.errors


def count(db, model, **where) -> int:
    db.session.expire_all()
    return db.session.query(model).filter_by(**where).count()


def staff(db):
    from models.org import Staff

    return db.session.query(Staff).order_by(Staff.id).first()


def dorm_department(db):
    """宿舍管理, the department of the demo 宿管员 (sushe): a building in it is within her data scope."""
    from models.org import Department

    return db.session.query(Department).filter(Department.name == "宿舍管理").one()


# ------------------------------------------------------------------------------------------ dorm data


def building(db, gender="male", rooms=2, capacity=2, floors=6, **extra):
    from models.dorms import Building, Room
    from models.org import Gender

    b = save(db, Building(name=f"测试{'男' if gender == 'male' else '女'}生楼{uid()}", campus="本部",
                          gender=Gender[gender], floors=floors, manager=staff(db), **extra))
    for n in range(rooms):
        save(db, Room(building=b, floor=1 + n // 10, number=str(101 + n), capacity=capacity))
    db.session.refresh(b)
    return b


def student(db, gender="male", class_name="高一(1)班", grade="高一", name=None, **extra):
    from models.dorms import Student
    from models.org import Gender

    return save(db, Student(student_no=f"S{uid()}", name=name or f"学生{uuid.uuid4().int % 10**8:08d}", gender=Gender[gender],
                            grade=grade, class_name=class_name, **extra))


def rooms_of(b):
    from models.dorms import _natural

    return sorted(b.rooms, key=lambda r: _natural(r.number))


def house(db, stu, bed, **extra):
    from models.dorms import Accommodation

    return save(db, Accommodation(student=stu, bed=bed, moved_in=extra.pop("moved_in", clock.today()), **extra))


# ------------------------------------------------------------------------------------------ rooms, beds


def test_a_new_room_gets_its_beds_named_and_numbered(db):
    from models.dorms import BedStatus, RoomStatus

    b = building(db, rooms=1, capacity=4)
    room = b.rooms[0]
    assert [bed.number for bed in room.beds] == ["1", "2", "3", "4"]
    assert all(bed.status == BedStatus.free for bed in room.beds)
    assert room.beds[1].full_name == f"{b.name} 101-2号床" == str(room.beds[1])
    assert room.status == RoomStatus.available


def test_room_rules_floor_number_and_capacity(db):
    from models.dorms import Bed, Room

    b = building(db, rooms=1, capacity=2, floors=5)
    errors = refused(db, Room(building=b, floor=6, number="601", capacity=4))
    assert errors["floor"] == f"{b.name}只有 5 层"
    errors = refused(db, Room(building=b, floor=1, number="101", capacity=4))
    assert errors["number"] == f"{b.name}已有房间号 101"
    errors = refused(db, Bed(room=b.rooms[0], number="1"))
    assert "已有床号 1" in errors["number"]
    assert "床位数为 2，已有 2 个床位" in errors["room"]


# ------------------------------------------------------------------------------------------ accommodation rules


def test_gender_of_the_student_must_match_the_building(db):
    from models.dorms import Accommodation

    b = building(db, gender="male")
    girl = student(db, gender="female")
    before = count(db, Accommodation)
    errors = refused(db, Accommodation(student=girl, bed=rooms_of(b)[0].beds[0], moved_in=clock.today()))
    assert errors["bed"] == f"性别不符：{b.name}是男生宿舍，{girl.name}是女生"
    assert count(db, Accommodation) == before


def test_moving_in_and_out_keeps_bed_and_room_statuses(db):
    from models.dorms import AccommodationStatus, BedStatus, RoomStatus

    b = building(db, rooms=1, capacity=2)
    room = b.rooms[0]
    first, second = student(db, is_boarder=False), student(db)
    a1 = house(db, first, room.beds[0])
    assert a1.status == AccommodationStatus.active and first.is_boarder
    assert room.beds[0].status == BedStatus.occupied and room.status == RoomStatus.available
    a2 = house(db, second, room.beds[1])
    db.session.refresh(room)
    assert room.status == RoomStatus.full

    a1.moved_out = clock.today()
    save(db, a1)
    db.session.expire_all()
    assert a1.status == AccommodationStatus.ended
    assert room.beds[0].status == BedStatus.free and room.beds[1].status == BedStatus.occupied
    assert room.status == RoomStatus.available
    assert a2.status == AccommodationStatus.active


def test_a_student_has_at_most_one_active_bed(db):
    b = building(db, rooms=1, capacity=2)
    stu = student(db)
    house(db, stu, b.rooms[0].beds[0])
    from models.dorms import Accommodation

    errors = refused(db, Accommodation(student=stu, bed=b.rooms[0].beds[1], moved_in=clock.today()))
    assert errors["student"] == f"{stu.name}已住在 {b.rooms[0].beds[0]}，请先退宿或办理调宿"


def test_a_bed_holds_at_most_one_active_student(db):
    from models.dorms import Accommodation

    b = building(db, rooms=1, capacity=2)
    bed = b.rooms[0].beds[0]
    first = student(db)
    house(db, first, bed)
    errors = refused(db, Accommodation(student=student(db), bed=bed, moved_in=clock.today()))
    assert errors["bed"] == f"床位 {bed} 已有在住学生{first}"


def test_a_bed_under_repair_or_disabled_cannot_be_assigned(db):
    from models.dorms import Accommodation, BedStatus

    b = building(db, rooms=1, capacity=2)
    bed = b.rooms[0].beds[0]
    bed.status = BedStatus.repairing
    save(db, bed)
    assert bed.status == BedStatus.repairing  # not overwritten by the occupancy sync
    errors = refused(db, Accommodation(student=student(db), bed=bed, moved_in=clock.today()))
    assert errors["bed"] == f"床位 {bed} 状态为「维修」，不能安排入住"


def test_an_occupied_bed_cannot_be_put_under_repair(db):
    from models.dorms import BedStatus

    b = building(db, rooms=1, capacity=2)
    bed = b.rooms[0].beds[0]
    stu = student(db)
    house(db, stu, bed)
    bed.status = BedStatus.disabled
    errors = refused(db, bed)
    assert "请先调宿或退宿" in errors["status"]


def test_a_room_never_holds_more_students_than_its_capacity(db):
    from models.dorms import Accommodation, RoomStatus

    b = building(db, rooms=1, capacity=3)
    room = b.rooms[0]
    house(db, student(db), room.beds[0])
    house(db, student(db), room.beds[1])
    room.capacity = 2  # 3 beds but only 2 places now (e.g. one bed taken out of use)
    save(db, room)
    assert room.status == RoomStatus.full
    errors = refused(db, Accommodation(student=student(db), bed=room.beds[2], moved_in=clock.today()))
    assert errors["bed"] == f"{room}床位数为 2，已住满 2 人"
    room.capacity = 1
    assert "床位数不能少于在住人数" in refused(db, room)["capacity"]


def test_two_placements_at_the_same_moment_cannot_break_the_rules(app, db):
    """Both checks pass before either commits; the second commit finds the room's version moved."""
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    from models.dorms import Accommodation, Bed, Student

    b = building(db, rooms=1, capacity=2)
    room = b.rooms[0]
    room.capacity = 1
    save(db, room)
    first, second = student(db), student(db)
    bed_ids = [bed.id for bed in room.beds]
    with Session(db.engine) as other:
        late = Accommodation(student=other.get(Student, second.id), bed=other.get(Bed, bed_ids[1]),
                             moved_in=clock.today())
        late.before_save()
        assert late.validate() == {}  # the room is still empty as far as this session knows
        house(db, first, room.beds[0])  # meanwhile someone else fills the room
        other.add(late)
        with pytest.raises(StaleDataError):
            other.commit()
    assert count(db, Accommodation, student_id=second.id) == 0


def test_moving_out_before_moving_in_is_refused(db):
    b = building(db, rooms=1)
    record = house(db, student(db), b.rooms[0].beds[0])
    record.moved_out = record.moved_in - timedelta(days=1)
    assert refused(db, record) == {"moved_out": "退宿日期不能早于入住日期"}


def test_editing_a_record_to_another_bed_frees_the_old_one(db):
    from models.dorms import BedStatus

    b = building(db, rooms=2, capacity=2)
    first, second = rooms_of(b)
    record = house(db, student(db), first.beds[0])
    record.bed = second.beds[1]
    save(db, record)
    db.session.expire_all()
    assert first.beds[0].status == BedStatus.free and second.beds[1].status == BedStatus.occupied

    house(db, student(db), first.beds[0])
    first.capacity = 1
    save(db, first)
    record.bed = first.beds[1]  # a free bed, but in a room that is full
    assert refused(db, record) == {"bed": f"{first}床位数为 1，已住满 1 人"}


# ------------------------------------------------------------------------------------------ allocate()


def test_allocate_places_classmates_together_and_says_why_it_refuses(db):
    from models.dorms import Accommodation, AccommodationStatus, BedStatus, RoomStatus, _natural, allocate

    b = building(db, rooms=3, capacity=2)
    room_a, room_b, room_c = rooms_of(b)
    elsewhere = building(db, rooms=1, capacity=2)
    class_x = [student(db, class_name="高一(1)班") for _ in range(3)]
    class_y = [student(db, class_name="高一(2)班") for _ in range(2)]
    girl = student(db, gender="female")
    housed = student(db)
    house(db, housed, elsewhere.rooms[0].beds[0])
    late = student(db, grade="高三", class_name="高三(9)班")

    last = student(db, grade="高三", class_name="高三(9)班")
    placed, refusals = allocate(db.session, [class_y[0], girl, *class_x, housed, class_y[1], late, last], b)
    db.session.commit()

    rooms = {s.id: bed.room for s, bed in placed}
    by_no = sorted(class_x, key=lambda s: _natural(s.student_no))  # within a class, by 学号
    assert [rooms[s.id] for s in by_no] == [room_a, room_a, room_b]
    assert [rooms[s.id] for s in class_y] == [room_c, room_c]  # an empty room rather than class X's
    first_late = min((late, last), key=lambda s: _natural(s.student_no))  # the last bed, in class X's room
    assert rooms[first_late.id] == room_b
    other_late = last if first_late is late else late
    assert dict((s.id, why) for s, why in refusals) == {girl.id: "性别不符", housed.id: "已有床位",
                                                        other_late.id: "床位不足"}
    for s, bed in placed:
        record = db.session.query(Accommodation).filter_by(student_id=s.id,
                                                           status=AccommodationStatus.active).one()
        assert record.bed is bed and bed.status == BedStatus.occupied
    db.session.expire_all()
    assert (room_a.status, room_b.status, room_c.status) == (RoomStatus.full,) * 3

    # A bed freed later is found by the next run; a student placed before is refused.
    record = db.session.query(Accommodation).filter_by(student_id=class_y[0].id).one()
    record.moved_out = clock.today()
    save(db, record)
    placed, refusals = allocate(db.session, [class_x[0], other_late], b)
    db.session.commit()
    assert [(s.id, bed.room.id) for s, bed in placed] == [(other_late.id, room_c.id)]
    assert [(s.id, why) for s, why in refusals] == [(class_x[0].id, "已有床位")]


def test_allocate_skips_beds_under_repair_and_disabled_rooms(db):
    from models.dorms import BedStatus, RoomStatus, allocate

    b = building(db, rooms=2, capacity=2)
    first, second = rooms_of(b)
    first.beds[0].status = BedStatus.repairing
    save(db, first.beds[0])
    second.status = RoomStatus.disabled
    save(db, second)
    people = [student(db) for _ in range(3)]
    placed, refusals = allocate(db.session, people, b)
    db.session.commit()
    assert [bed for _, bed in placed] == [first.beds[1]]
    assert [why for _, why in refusals] == ["床位不足", "床位不足"]


# ------------------------------------------------------------------------------------------ dorm changes


def change(db, stu, kind="transfer", new_bed=None):
    from models.dorms import DormChange, DormChangeKind

    return DormChange(student=stu, kind=DormChangeKind[kind], new_bed=new_bed, reason="与室友作息不同",
                      applicant=staff(db), applied_on=clock.today())


def test_dorm_change_rules(db):
    from models.dorms import BedStatus

    b = building(db, rooms=2, capacity=2)
    first, second = rooms_of(b)
    girls = building(db, gender="female", rooms=1)
    stu, other = student(db), student(db)
    house(db, stu, first.beds[0])
    house(db, other, second.beds[0])

    assert refused(db, change(db, student(db), new_bed=second.beds[1]))["student"].endswith("当前没有在住记录，无需调宿或退宿")
    assert refused(db, change(db, stu))["new_bed"] == "调宿须选择新床位"
    assert refused(db, change(db, stu, new_bed=first.beds[0]))["new_bed"] == "新床位与原床位相同"
    assert "已有在住学生" in refused(db, change(db, stu, new_bed=second.beds[0]))["new_bed"]
    assert refused(db, change(db, stu, new_bed=girls.rooms[0].beds[0]))["new_bed"].startswith("性别不符")
    second.beds[1].status = BedStatus.repairing
    save(db, second.beds[1])
    assert "状态为「维修」" in refused(db, change(db, stu, new_bed=second.beds[1]))["new_bed"]

    request = save(db, change(db, stu, new_bed=first.beds[1]))
    assert request.old_bed is first.beds[0]  # filled from the active record
    assert "已有一条待审批" in refused(db, change(db, stu, kind="checkout"))["student"]


def test_approved_transfer_moves_the_student(db):
    from app.rules.write import Refused
    from models.dorms import Accommodation, AccommodationStatus, BedStatus, DormChangeStatus, RoomStatus

    b = building(db, rooms=2, capacity=2)
    first, second = rooms_of(b)
    stu, roommate = student(db), student(db)
    old = house(db, stu, first.beds[0])
    house(db, roommate, first.beds[1])
    request = save(db, change(db, stu, new_bed=second.beds[0]))
    assert locks.refusal(request) is None and old.delete_refusal().endswith("不能删除：请填写退宿日期办理退宿，或提交调宿/退宿申请")

    new = request.apply(db.session)
    db.session.commit()
    db.session.expire_all()
    assert old.status == AccommodationStatus.ended and old.moved_out == clock.today()
    assert new.status == AccommodationStatus.active and new.bed is second.beds[0] and new.student is stu
    assert first.beds[0].status == BedStatus.free and second.beds[0].status == BedStatus.occupied
    assert first.status == RoomStatus.available
    assert request.status == DormChangeStatus.approved
    assert locks.refusal(request) == "该申请已批准，不能再修改" and old.delete_refusal() is None
    assert db.session.query(Accommodation).filter_by(student_id=stu.id, status=AccommodationStatus.active).count() == 1

    # The bed was taken between request and approval: nobody moves.
    late = save(db, change(db, roommate, new_bed=second.beds[1]))
    house(db, student(db), second.beds[1])
    with pytest.raises(Refused) as caught:
        late.apply(db.session)
    assert "已有在住学生" in caught.value.errors["new_bed"]
    db.session.rollback()


def test_approved_checkout_ends_the_stay(db):
    from models.dorms import AccommodationStatus, BedStatus

    b = building(db, rooms=1, capacity=2)
    stu = student(db)
    record = house(db, stu, b.rooms[0].beds[0])
    request = save(db, change(db, stu, kind="checkout", new_bed=b.rooms[0].beds[1]))
    assert request.new_bed is None  # 退宿 needs no new bed
    assert request.apply(db.session) is record
    db.session.commit()
    db.session.expire_all()
    assert record.status == AccommodationStatus.ended and b.rooms[0].beds[0].status == BedStatus.free
    assert stu.is_boarder is False and stu.current_bed() is None


# ------------------------------------------------------------------------------------------ hygiene, discipline


def inspection(db, room, **scores):
    from models.dorm_conduct import HygieneInspection

    values = dict(floor_toilet=25, doors_windows=8, air=9, bedding=18, desk=7, under_bed=15)
    values.update(scores)
    return HygieneInspection(room=room, inspected_on=values.pop("inspected_on", clock.today()),
                             inspector=staff(db), **values)


def test_hygiene_total_is_the_sum_and_zero_when_vetoed(db):
    b = building(db, rooms=1)
    room = b.rooms[0]
    record = save(db, inspection(db, room))
    assert record.total == 82 and record.public_score() == 42 and record.personal_score() == 40
    vetoed = save(db, inspection(db, room, inspected_on=clock.today() - timedelta(days=1), safety_veto=True,
                                 violation="使用电热毯"))
    assert vetoed.total == 0


def test_hygiene_scores_in_range_veto_explained_one_per_room_and_day(db):
    from models.dorm_conduct import HygieneInspection

    b = building(db, rooms=1)
    room = b.rooms[0]
    errors = refused(db, inspection(db, room, floor_toilet=31, air=-1, under_bed=21))
    assert errors == {"floor_toilet": "须在 0 到 30 分之间", "air": "须在 0 到 10 分之间",
                      "under_bed": "须在 0 到 20 分之间"}
    assert refused(db, inspection(db, room, safety_veto=True)) == {"violation": "安全一票否决时须填写违规情况"}
    save(db, inspection(db, room))
    before = count(db, HygieneInspection)
    errors = refused(db, inspection(db, room))
    assert "已检查过" in errors["inspected_on"] and "每个房间每天只记一次" in errors["inspected_on"]
    assert count(db, HygieneInspection) == before


def test_discipline_is_recorded(db):
    from models.dorm_conduct import Discipline, DisciplineKind

    stu = student(db)
    record = save(db, Discipline(student=stu, occurred_on=clock.today(), kind=DisciplineKind.appliance,
                                 description="宿舍内使用热得快", handling="没收并批评教育", recorder=staff(db)))
    assert str(record) == f"{stu} 违章电器"
    future = Discipline(student=stu, occurred_on=clock.today() + timedelta(days=1), kind=DisciplineKind.late,
                        description="晚归")
    assert refused(db, future) == {"occurred_on": "日期不能晚于今天"}


# ------------------------------------------------------------------------------------------ utilities


def meter(db, kind="electricity", price="0.60", payroll=False, household=None):
    from models.utilities import Household, HouseholdType, Meter, MeterType

    if household is None:
        household = save(db, Household(name=f"教工宿舍{uid()}", kind=HouseholdType.teacher_home,
                                       location="教工楼2单元", resident=staff(db), payroll_deduction=payroll))
    return save(db, Meter(household=household, kind=MeterType[kind], meter_no=f"M{uid()}",
                          unit_price=Decimal(price)))


def reading(m, month, current, **extra):
    from models.utilities import MeterReading

    return MeterReading(meter=m, month=month, current=Decimal(str(current)), read_on=clock.today(), **extra)


def test_reading_takes_the_previous_value_and_computes_usage_and_amount(db):
    m = meter(db, price="0.6")
    first = save(db, reading(m, "2026-01", 100))
    assert (first.previous, first.usage, first.amount) == (0, 100, Decimal("60.00"))
    second = save(db, reading(m, "2026-2", "150.5"))  # month normalised
    assert second.month == "2026-02"
    assert (second.previous, second.usage, second.amount) == (100, Decimal("50.5"), Decimal("30.30"))
    skipped = save(db, reading(m, "2026年4月", 170))  # March not read: the last reading counts
    assert (skipped.month, skipped.previous, skipped.usage) == ("2026-04", Decimal("150.5"), Decimal("19.5"))
    back_filled = save(db, reading(m, "2026-03", 160))
    assert back_filled.previous == Decimal("150.5")


def test_reading_below_the_last_is_refused_unless_the_meter_was_replaced(db):
    from models.utilities import MeterReading

    m = meter(db, price="0.6")
    save(db, reading(m, "2026-01", 500))
    before = count(db, MeterReading)
    errors = refused(db, reading(m, "2026-02", 20))
    assert errors == {"current": "本次读数 20 小于上次读数 500.00；如已换表，请勾选「是否换表」"}
    assert count(db, MeterReading) == before
    replaced = save(db, reading(m, "2026-02", 20, replaced=True))
    assert (replaced.previous, replaced.usage, replaced.amount) == (500, 20, Decimal("12.00"))


def test_one_reading_per_meter_and_month_and_month_format(db):
    m = meter(db)
    existing = save(db, reading(m, "2026-05", 100, reader=staff(db)))
    errors = refused(db, reading(m, "2026-05", 120))
    assert errors["month"].startswith(f"{m} 的 2026-05 读数已录入（本次读数 100.00")
    assert "请修改原记录" in errors["month"] and str(existing.reader) in errors["month"]
    for bad in ("2026-13", "26-05", "五月", ""):
        assert refused(db, reading(m, bad, 130))["month"] == "月份格式应为 年-月，例如 2026-03"


def test_usage_above_three_times_the_average_is_flagged_not_refused(db):
    m = meter(db)
    total = 0
    for month in ("2026-01", "2026-02"):
        total += 100
        save(db, reading(m, month, total))
    early = save(db, reading(m, "2026-03", total + 1000))  # only 2 earlier readings: no judgement yet
    assert early.abnormal is False
    total += 1000
    normal = save(db, reading(m, "2026-04", total + 400))  # average of 100, 100, 1000 = 400
    assert normal.abnormal is False
    total += 400
    spike = save(db, reading(m, "2026-05", total + 1201))  # average 400 → above 1200 is flagged
    assert spike.abnormal is True and spike.usage == 1201


def test_payroll_deduction_households_are_marked_for_deduction(db):
    from models.utilities import PaymentStatus

    m = meter(db, payroll=True)
    assert save(db, reading(m, "2026-01", 10)).payment_status == PaymentStatus.payroll


def test_monthly_report_per_household_and_meter_with_totals(db):
    from models.utilities import Household, HouseholdType, monthly_report

    month = f"20{40 + uuid.uuid4().int % 50}-07"
    home = save(db, Household(name=f"A{uid()}教师住宅", kind=HouseholdType.teacher_home))
    shop = save(db, Household(name=f"B{uid()}学生超市", kind=HouseholdType.shop))
    home_water, home_power = meter(db, "water", "3.50", household=home), meter(db, "electricity", "0.55", household=home)
    shop_power = meter(db, "electricity", "0.80", household=shop)
    save(db, reading(home_water, month, 12), reading(home_power, month, 200), reading(shop_power, month, 1000))

    report = monthly_report(db.session, month.replace("-", "年") + "月")
    assert [(r["kind"], r["household"]) for r in report] == [
        ("meter", home.name), ("meter", home.name), ("household", f"{home.name} 小计"),
        ("meter", shop.name), ("household", f"{shop.name} 小计"), ("total", "合计")]
    water = report[0] if report[0]["meter_type"] == "水" else report[1]
    assert (water["meter_no"], water["unit"], water["usage"], water["amount"]) == (
        home_water.meter_no, "吨", 12, Decimal("42.00"))
    assert report[2]["water_usage"] == 12 and report[2]["electricity_usage"] == 200
    assert report[2]["amount"] == Decimal("152.00")
    total = report[-1]
    assert (total["water_usage"], total["electricity_usage"], total["amount"]) == (12, 1200, Decimal("952.00"))
    assert (total["households"], total["meters"]) == (2, 3)
    assert monthly_report(db.session, "1999-01") == [
        {"kind": "total", "household": "合计", "water_usage": 0, "electricity_usage": 0, "amount": 0,
         "households": 0, "meters": 0}]


# ------------------------------------------------------------------------------------------ pages


@pytest.mark.parametrize("name", DORM_MODELS)
def test_list_and_add_pages_answer_in_chinese(app, admin, name):
    from app.meta import introspect

    model, view = next((m, v) for m, v in app.extensions["engine"].views.items() if m.__name__ == name)
    listing = admin.get(f"{view.route_base}/list/")
    assert listing.status_code == 200
    assert model.__admin__.label in listing.text and model.__admin__.menu in listing.text
    for column in view.list_columns:
        assert introspect.label(model, column) in listing.text, column
    add = admin.get(f"{view.route_base}/add")
    assert add.status_code == 200 and f"新增{model.__admin__.label}" in add.text
    for column in one_school_columns(model, view.add_columns):
        assert introspect.label(model, column) in add.text, column
        assert introspect.is_computed(model, column) is False


def test_reading_below_the_last_posted_from_the_page_is_refused_and_kept(admin, db):
    from models.utilities import MeterReading

    m = meter(db)
    save(db, reading(m, "2026-01", 800))
    before = count(db, MeterReading)
    data = {"meter": m.id, "month": "2026-02", "previous": "", "current": "750", "read_on": "2026-02-28",
            "payment_status": "unpaid"}
    response = admin.post("/meter-reading/add", data=data)
    assert response.status_code == 200
    errors = " ".join(field_errors(response.text) + flashes(response.text))
    assert "本次读数 750 小于上次读数 800.00" in errors, errors
    assert 'value="750"' in response.text
    assert count(db, MeterReading) == before

    response = admin.post("/meter-reading/add", data={**data, "current": "860"})
    assert response.status_code == 302
    saved = db.session.query(MeterReading).filter_by(meter_id=m.id, month="2026-02").one()
    assert (saved.previous, saved.usage, saved.amount) == (800, 60, Decimal("36.00"))
    again = admin.post("/meter-reading/add", data={**data, "current": "900"})
    assert again.status_code == 200 and "读数已录入" in again.text
    assert count(db, MeterReading, meter_id=m.id) == 2


def test_gender_mismatch_posted_from_the_page_is_refused(admin, db):
    from models.dorms import Accommodation

    b = building(db, gender="female", rooms=1)
    boy = student(db)
    before = count(db, Accommodation)
    response = admin.post("/accommodation/add", data={
        "student": boy.id, "bed": b.rooms[0].beds[0].id, "moved_in": clock.today().isoformat()})
    assert response.status_code == 200
    assert "性别不符" in " ".join(field_errors(response.text) + flashes(response.text))
    assert count(db, Accommodation) == before


def test_add_forms_are_prefilled(admin):
    assert clock.today().isoformat() in admin.get("/accommodation/add").text
    assert f'value="{clock.today():%Y-%m}"' in admin.get("/meter-reading/add").text


@pytest.mark.parametrize("path,view", [("/accommodation/list/", "AccommodationView"), ("/bed/list/", "BedView")])
def test_dorm_lists_use_a_constant_number_of_statements(admin, db, path, view):
    from models.dorms import Accommodation, allocate

    if count(db, Accommodation) < 110:
        b = building(db, rooms=20, capacity=6)
        people = [student(db, class_name=f"高二({n % 4 + 1})班", grade="高二") for n in range(110)]
        placed, _ = allocate(db.session, people, b)
        db.session.commit()
        assert len(placed) == 110
    admin.get(f"{path}?psize_{view}=25")
    with statements_run(db.engine) as small:
        page_small = admin.get(f"{path}?psize_{view}=25")
    with statements_run(db.engine) as large:
        page_large = admin.get(f"{path}?psize_{view}=100")
    assert page_small.status_code == page_large.status_code == 200
    assert page_small.text.count("<tr") < page_large.text.count("<tr")
    assert len(small) == len(large), (len(small), len(large))


def test_show_and_edit_pages_answer_in_chinese(app, admin, db):
    from app.meta import introspect
    from models.dorm_conduct import Discipline, DisciplineKind

    b = building(db, rooms=2)
    first, second = rooms_of(b)
    stu = student(db)
    record = house(db, stu, first.beds[0])
    records = {
        "Building": b, "Room": first, "Bed": first.beds[0], "Student": stu, "Accommodation": record,
        "DormChange": save(db, change(db, stu, new_bed=second.beds[0])),
        "HygieneInspection": save(db, inspection(db, first)),
        "Discipline": save(db, Discipline(student=stu, occurred_on=clock.today(), kind=DisciplineKind.late,
                                          description="22:40 返回宿舍")),
    }
    m = meter(db)
    records.update(Household=m.household, Meter=m, MeterReading=save(db, reading(m, "2026-01", 10)))
    views = {model.__name__: (model, view) for model, view in app.extensions["engine"].views.items()}
    for name, item in records.items():
        model, view = views[name]
        show = admin.get(f"{view.route_base}/show/{item.id}")
        assert show.status_code == 200, name
        for column in one_school_columns(model, view.show_columns):
            assert introspect.label(model, column) in show.text, (name, column)
        edit = admin.get(f"{view.route_base}/edit/{item.id}")
        assert edit.status_code == 200 and "seen_version" in edit.text, name
    assert str(first.beds[0]) in admin.get(f"/student/show/{stu.id}").text  # 当前床位
