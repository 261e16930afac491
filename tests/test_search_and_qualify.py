"""Keyword search on generated lists, relation dropdown lookups, and qualifying rules on relations.

Every test makes its own records (names carry a random token) and removes them afterwards; expectations are
computed from the database with SQLAlchemy (or with pypinyin directly), never with the search code itself.
"""
from __future__ import annotations

import csv
import html
import io
import re
import uuid
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import or_, select

from app.meta import clock
from tests.conftest import flashes

# ----------------------------------------------------------------------------- helpers
STEMS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳"


def token() -> str:
    """A random word of ten Chinese characters: no digit in it can match a number searched for, and the records
    it names, left in 操作日志, read as Chinese on every page (tests/test_no_english.py)."""
    return "".join(STEMS[int(c, 16)] for c in uuid.uuid4().hex[:10])


def staff_of(db, username):
    from flask_appbuilder.security.sqla.models import User

    from models.org import Staff

    return db.session.query(Staff).join(User, Staff.user_id == User.id).filter(User.username == username).one()


def department_named(db, name):
    from models.org import Department

    return db.session.query(Department).filter_by(name=name).one()


def listed(client, route: str, view: str, **args) -> tuple[set[int], str]:
    """The ids of the records a list page shows (its cards), all on one page."""
    args.setdefault(f"psize_{view}", "100")
    response = client.get(f"/{route}/list/", query_string=args)
    assert response.status_code == 200, (route, args, response.status_code)
    page = response.text
    cards = page.split("engine-list-cards", 1)[1] if "engine-list-cards" in page else ""
    ids = {int(i) for i in re.findall(rf'class="engine-card-title" href="/{route}/show/(\d+)"', cards)}
    return ids, page


def chips(page: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(text, path of the remove link, its conditions) of each chip above a list (page size left out)."""
    found = []
    for href, text in re.findall(r'<a class="engine-chip" href="([^"]*)"[^>]*>([^<]*)', page):
        parts = urlsplit(html.unescape(href))
        kept = sorted((k, v) for k, v in parse_qsl(parts.query) if not k.startswith("psize_"))
        found.append((re.sub(r"\s+", " ", text).strip(), parts.path, kept))
    return found


def lookup(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    data = response.get_json()
    assert set(data) == {"results", "pagination"} and set(data["pagination"]) == {"more"}
    for row in data["results"]:
        assert set(row) == {"id", "text"} and isinstance(row["id"], int) and isinstance(row["text"], str)
    return data


def pinyin_of(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of a Chinese text, lower case, computed with pypinyin directly."""
    from pypinyin import Style, lazy_pinyin

    def squash(parts):
        return re.sub(r"[^0-9a-z]+", "", "".join(parts).lower())

    return squash(lazy_pinyin(text, style=Style.NORMAL)), squash(lazy_pinyin(text, style=Style.FIRST_LETTER))


@pytest.fixture
def trash(db):
    """Records to delete when the test ends, newest first: ``trash.append(record)``."""
    made: list = []
    yield made
    from app.rules.history import WorkflowLog

    db.session.rollback()
    for model, pk in reversed([(type(r), r.id) for r in made if getattr(r, "id", None) is not None]):
        record = db.session.get(model, pk)
        if record is None:
            continue
        db.session.query(WorkflowLog).filter_by(model=model.__name__, record_id=pk).delete()
        db.session.delete(record)
        db.session.flush()
    db.session.commit()


def save(db, trash, record):
    """Save a record the way the engine does (its before_save and rules), outside any request."""
    from app.rules import write

    write.save(db.session, record)
    trash.append(record)
    return record


def new_order(db, trash, title, reporter, urgency="normal", status="pending", **extra):
    from models.repairs import RepairCategory, RepairOrder, RepairStatus, Urgency

    now = clock.now().replace(microsecond=0)
    order = RepairOrder(title=title, description="测试用报修", category=RepairCategory.water, place="测试楼 101",
                        urgency=Urgency[urgency], reporter=reporter, department=reporter.department,
                        reported_at=extra.pop("reported_at", now - timedelta(minutes=5)), status=RepairStatus[status],
                        **extra)
    return save(db, trash, order)


# ============================================================================= 1. keyword search on lists
def test_staff_list_finds_zgl_by_pinyin_initials_and_only_those(as_user, db):
    from models.org import Department, Staff

    staff = db.session.query(Staff).all()
    departments = db.session.query(Department).all()
    # The keyword is searched in 工号, 姓名 (and its pinyin), 部门 (its name, pinyin and code), 岗位 …: make sure
    # the only way to contain "zgl" here is a name's pinyin, so the expectation below is exact.
    assert not any("zgl" in (d.code or "").lower() or "zgl" in "".join(pinyin_of(d.name or "")) for d in departments)
    assert not any("zgl" in (s.position or "").lower() or "zgl" in s.staff_no.lower() for s in staff)
    expected = {s.id for s in staff if any("zgl" in p for p in pinyin_of(s.name))}
    zhou = next(s for s in staff if s.name == "周桂兰")
    assert zhou.id in expected

    ids, page = listed(as_user("admin"), "staff", "StaffView", q="zgl")
    assert ids == expected
    assert chips(page) == [("关键字：zgl", "/staff/list/", [])]


def test_every_word_must_match_each_in_any_column(as_user, db, trash):
    """AND over words, OR over columns: a word found in the reporter's login and another in the title."""
    t = token()
    mine, theirs = staff_of(db, "jiaoshi"), staff_of(db, "sushe")
    a = new_order(db, trash, f"{t} 水龙头漏水", mine)
    b = new_order(db, trash, f"{t} 门锁损坏", theirs)
    c = new_order(db, trash, f"{token()} 水龙头漏水", mine)  # another token: never found by t
    admin = as_user("admin")

    assert listed(admin, "repair-order", "RepairOrderView", q=t)[0] == {a.id, b.id}
    # 报修人 is searched by what a staff member is known by: name (and pinyin), 工号, login name.
    assert listed(admin, "repair-order", "RepairOrderView", q=f"{t} jiaoshi")[0] == {a.id}
    assert listed(admin, "repair-order", "RepairOrderView", q=f"{t} 周桂兰")[0] == {b.id}
    zhou_initials = pinyin_of(theirs.name)[1]
    assert listed(admin, "repair-order", "RepairOrderView", q=f"{t} {zhou_initials}")[0] == {b.id}
    assert listed(admin, "repair-order", "RepairOrderView", q=f"{t} 漏水")[0] == {a.id}
    assert listed(admin, "repair-order", "RepairOrderView", q=f"{t} 漏水 门锁")[0] == set()
    assert c.id in listed(admin, "repair-order", "RepairOrderView", q="水龙头漏水")[0]


def test_enum_columns_match_their_chinese_labels(as_user, db, trash):
    t = token()
    me = staff_of(db, "jiaoshi")
    urgent = new_order(db, trash, f"{t} 停电", me, urgency="urgent")
    normal = new_order(db, trash, f"{t} 灯不亮", me, urgency="normal")
    admin = as_user("admin")
    assert listed(admin, "repair-order", "RepairOrderView", q=f"{t} 紧急")[0] == {urgent.id}
    assert listed(admin, "repair-order", "RepairOrderView", q=f"{t} 一般")[0] == {normal.id}
    assert listed(admin, "repair-order", "RepairOrderView", q=f"{t} 待受理")[0] == {urgent.id, normal.id}

    # Across the whole table: 紧急 finds every urgent order (compare the count with SQL via the CSV export).
    from models.org import Department, Staff
    from models.repairs import RepairCategory, RepairOrder, RepairStatus, Urgency

    assert not any("紧急" in m.value for m in (*RepairStatus, *RepairCategory))
    from flask_appbuilder.security.sqla.models import User

    def person(relation):
        return relation.has(or_(Staff.name.contains("紧急"), Staff.staff_no.contains("紧急"),
                                Staff.user.has(User.username.contains("紧急"))))

    expected = db.session.scalars(
        select(RepairOrder.code).where(or_(
            RepairOrder.urgency == Urgency.urgent, RepairOrder.title.contains("紧急"),
            RepairOrder.code.contains("紧急"), RepairOrder.place.contains("紧急"),
            person(RepairOrder.reporter), person(RepairOrder.worker),
            RepairOrder.department.has(or_(Department.name.contains("紧急"), Department.code.contains("紧急")))))).all()
    exported = admin.get("/repair-order/export.csv", query_string={"q": "紧急"})
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert sorted(r["报修单号"] for r in rows) == sorted(expected)
    assert len(expected) > 25  # more than one page: the export is not the first page only


def test_numbers_match_equal_values_and_relations_their_display(as_user, db, trash):
    """Room: 楼层 (an integer) must equal the word; 房间号 (text) contains it; 楼栋 is found by its name."""
    from models.dorms import Building, Room, RoomStatus, RoomType
    from models.org import Gender

    t = token()
    dept = department_named(db, "宿舍管理")
    building = save(db, trash, Building(name=f"检索楼{t}", campus="本部", gender=Gender.male, floors=20,
                                        department=dept))

    def room(floor, number):
        made = save(db, trash, Room(building=building, floor=floor, number=number, room_type=RoomType.other,
                                    capacity=1, status=RoomStatus.available))
        trash.extend(made.beds)  # beds go before their room
        return made

    rooms = [room(2, "A1"), room(3, "B2"), room(12, "D9"), room(3, "C7")]  # (trash deletes beds before rooms)
    expected = set(db.session.scalars(select(Room.id).where(
        Room.building_id == building.id, or_(Room.floor == 2, Room.number.contains("2")))))
    admin = as_user("admin")
    ids, _ = listed(admin, "room", "RoomView", q=f"{building.name} 2")
    assert ids == expected == {rooms[0].id, rooms[1].id}  # not 12 (floor 12 is not 2), not C7
    ids, _ = listed(admin, "room", "RoomView", q=building.name)
    assert ids == {r.id for r in rooms}


def test_keyword_combines_with_quick_filter_and_search_filters_and_chips_remove_one(as_user, db, trash):
    t = token()
    me = staff_of(db, "jiaoshi")
    urgent_pending = new_order(db, trash, f"{t} 甲", me, urgency="urgent")
    normal_pending = new_order(db, trash, f"{t} 乙", me, urgency="normal")
    urgent_cancelled = new_order(db, trash, f"{t} 丙", me, urgency="urgent", status="cancelled")
    admin = as_user("admin")

    args = {"q": t, "_qf": "0", "_flt_0_urgency": "urgent"}  # quick filter 0: 待受理; filter: 紧急程度 等于 紧急
    ids, page = listed(admin, "repair-order", "RepairOrderView", **args)
    assert ids == {urgent_pending.id}
    assert listed(admin, "repair-order", "RepairOrderView", q=t, _qf="0")[0] == {urgent_pending.id, normal_pending.id}
    assert listed(admin, "repair-order", "RepairOrderView", q=t, _flt_0_urgency="urgent")[0] == \
        {urgent_pending.id, urgent_cancelled.id}

    found = chips(page)
    assert [text for text, _, _ in found] == [f"关键字：{t}", "快速筛选：待受理", "紧急程度 等于 紧急"]
    wanted_without = [("q", t), ("_qf", "0"), ("_flt_0_urgency", "urgent")]
    for (text, path, kept), removed in zip(found, wanted_without):
        assert path == "/repair-order/list/", text
        assert kept == sorted(p for p in args.items() if p != removed), text


def test_export_applies_the_keyword(as_user, db, trash):
    t = token()
    me = staff_of(db, "jiaoshi")
    urgent = new_order(db, trash, f"{t} 跳闸", me, urgency="urgent")
    new_order(db, trash, f"{t} 漏雨", me, urgency="normal")
    response = as_user("admin").get("/repair-order/export.csv", query_string={"q": f"{t} 紧急"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    db.session.refresh(urgent)
    assert [(r["报修单号"], r["标题"]) for r in rows] == [(urgent.code, urgent.title)]


@pytest.mark.parametrize("q", ["a" * 5000, "%", "_", "\\", "%%", "\\%", " ".join(f"词{i}" for i in range(20)),
                               "' OR 1=1 --"])
def test_bad_keywords_never_fail(as_user, q):
    client = as_user("admin")
    for route in ("staff", "repair-order", "asset", "room"):
        response = client.get(f"/{route}/list/", query_string={"q": q})
        assert response.status_code == 200, (route, q)
        assert "关键字：" in response.text
        exported = client.get(f"/{route}/export.csv", query_string={"q": q})
        assert exported.status_code == 200, (route, q)


@pytest.mark.parametrize("q", ["%", "_", "\\"])
def test_like_wildcards_are_literal(as_user, db, q):
    """Searching % or _ must not list everything: only records that contain that very character."""
    from models.org import Staff

    staff = db.session.query(Staff).all()
    assert len(staff) > 10

    def texts(s):
        return [s.staff_no, s.name, s.position or "", s.department.name, s.department.code or ""]

    expected = {s.id for s in staff if any(q in text for text in texts(s))}
    ids, _ = listed(as_user("admin"), "staff", "StaffView", q=q)
    assert ids == expected


def test_percent_and_underscore_inside_a_word_are_literal(as_user, db, trash):
    t = token()
    me = staff_of(db, "jiaoshi")
    fifty = new_order(db, trash, f"{t} 折扣50%", me)
    new_order(db, trash, f"{t} 折扣500", me)
    admin = as_user("admin")
    assert listed(admin, "repair-order", "RepairOrderView", q=f"{t} 50%")[0] == {fifty.id}
    assert listed(admin, "repair-order", "RepairOrderView", q=f"{t} 5_0")[0] == set()
    assert listed(admin, "repair-order", "RepairOrderView", q=f"{t} 5%0")[0] == set()


def test_data_scope_still_applies_to_the_keyword(as_user, db, trash):
    from models.assets import Asset, AssetCategory

    t = token()
    sushe = staff_of(db, "sushe")
    canteen = department_named(db, "师生食堂")
    office = department_named(db, "校长室")
    category = db.session.query(AssetCategory).order_by(AssetCategory.id).first()

    def asset(n, department, keeper=None):
        return save(db, trash, Asset(code=f"T-{t}-{n}", name=f"检索资产{t}", category=category, unit="台", quantity=1,
                                     unit_price=Decimal("100"), purchased_on=clock.today(), department=department,
                                     keeper=keeper))

    made = [asset(1, sushe.department), asset(2, canteen), asset(3, canteen, keeper=sushe), asset(4, office)]
    admin_ids, _ = listed(as_user("admin"), "asset", "AssetView", q=t)
    assert admin_ids == {a.id for a in made}
    in_scope = set(db.session.scalars(select(Asset.id).where(
        Asset.id.in_(admin_ids), or_(Asset.department_id == sushe.department_id, Asset.keeper_id == sushe.id))))
    assert in_scope == {made[0].id, made[2].id}
    client = as_user("sushe")
    assert listed(client, "asset", "AssetView", q=t)[0] == in_scope
    exported = client.get("/asset/export.csv", query_string={"q": t})
    rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert sorted(r["资产编号"] for r in rows) == sorted(a.code for a in made if a.id in in_scope)


# ============================================================================= 2. relation dropdown lookups
def test_room_lookup_by_building_and_number(as_user, db):
    from models.dorms import Building, Room

    client = as_user("admin")

    def expected(*words):
        stmt = select(Room.id).join(Building, Room.building_id == Building.id)
        for word in words:
            stmt = stmt.where(or_(Building.name.contains(word), Room.number.contains(word)))
        return set(db.session.scalars(stmt))

    both = lookup(client, "/hygiene-inspection/lookup/room?q=男生宿舍1号楼 203")
    assert {r["id"] for r in both["results"]} == expected("男生宿舍1号楼", "203")
    assert [r["text"] for r in both["results"]] == ["男生宿舍1号楼 203室"]
    number = lookup(client, "/hygiene-inspection/lookup/room?q=203")
    wanted = expected("203")
    assert len(wanted) > 1 and {r["id"] for r in number["results"]} == wanted
    assert number["pagination"]["more"] is (len(wanted) > 20)


def test_meter_lookup_by_its_households_name(as_user, db, trash):
    from models.utilities import Household, HouseholdType, Meter, MeterType

    t = token()
    dept = department_named(db, "水电维修组")
    home = save(db, trash, Household(name=f"住户{t}", kind=HouseholdType.teacher_home, department=dept))
    other = save(db, trash, Household(name=f"住户{token()}", kind=HouseholdType.teacher_home, department=dept))
    water = save(db, trash, Meter(household=home, kind=MeterType.water, meter_no=f"MT-{t}-1", unit_price=Decimal("3")))
    power = save(db, trash, Meter(household=home, kind=MeterType.electricity, meter_no=f"MT-{t}-2",
                                  unit_price=Decimal("0.6")))
    save(db, trash, Meter(household=other, kind=MeterType.water, meter_no=f"MT-{t}-3", unit_price=Decimal("3")))
    found = lookup(as_user("admin"), f"/meter-reading/lookup/meter?q=住户{t}")
    assert {r["id"] for r in found["results"]} == {water.id, power.id}
    assert all(r["text"].startswith(f"住户{t}") for r in found["results"])


@pytest.mark.parametrize("term", ["周桂兰", "zgl", "zhouguilan", "sushe", "200400021"])
def test_staff_lookup_by_name_pinyin_username_and_number(as_user, db, term):
    from flask_appbuilder.security.sqla.models import User

    from models.org import Staff

    expected = set()
    for s in db.session.query(Staff).outerjoin(User, Staff.user_id == User.id).all():
        known = [s.name, s.staff_no, s.user.username if s.user else "", *pinyin_of(s.name)]
        if any(term.lower() in k.lower() for k in known):
            expected.add(s.id)
    assert staff_of(db, "sushe").id in expected
    found = lookup(as_user("admin"), f"/repair-order/lookup/reporter?q={term}")
    assert {r["id"] for r in found["results"]} == expected


# ============================================================================= 3. qualifying rules
def _repair_workers(db) -> set[int]:
    from flask_appbuilder.security.sqla.models import Role, User

    from models.org import Staff

    return set(db.session.scalars(
        select(Staff.id).join(User, Staff.user_id == User.id)
        .where(Staff.on_duty.is_(True), User.roles.any(Role.name.in_(("维修工", "水电工"))))))


def test_worker_lookup_offers_only_on_duty_repair_staff(as_user, db):
    from models.org import Staff

    client = as_user("zongwu")
    expected = _repair_workers(db)
    assert len(expected) >= 2
    found = lookup(client, "/repair-order/lookup/worker")
    assert {r["id"] for r in found["results"]} == expected
    # Off duty: no longer offered (and SQL agrees).
    shuidian = staff_of(db, "shuidian")
    try:
        shuidian.on_duty = False
        db.session.commit()
        assert shuidian.id not in _repair_workers(db)
        found = lookup(client, "/repair-order/lookup/worker")
        assert {r["id"] for r in found["results"]} == _repair_workers(db)
    finally:
        db.session.rollback()
        db.session.get(Staff, shuidian.id).on_duty = True
        db.session.commit()
    # A search filter looks for any staff member: the rule is skipped.
    principal = staff_of(db, "xiaozhang")
    assert principal.id not in expected
    assert [r["id"] for r in lookup(client, f"/repair-order/lookup/worker?q={principal.name}")["results"]] == []
    assert principal.id in {r["id"] for r in lookup(
        client, f"/repair-order/lookup/worker?q={principal.name}&filter=1")["results"]}
    assert lookup(client, f"/repair-order/lookup/worker?id={principal.id}")["results"] == []


def test_dispatch_to_a_staff_without_a_repair_role_is_refused(as_user, db, trash):
    from models.repairs import RepairOrder

    order = new_order(db, trash, f"{token()} 暖气不热", staff_of(db, "jiaoshi"))
    before = (order.status, order.worker_id, order.row_version)
    principal = staff_of(db, "xiaozhang")
    assert principal.id not in _repair_workers(db)
    response = as_user("zongwu").post(f"/repair-order/step/dispatch/{order.id}",
                                      data={"worker": principal.id, "seen_version": order.row_version})
    assert response.status_code == 200
    assert "维修人须为在岗的维修工或水电工" in response.text
    db.session.expire_all()
    after = db.session.get(RepairOrder, order.id)
    assert (after.status, after.worker_id, after.row_version) == before
    # The same form with a repair worker goes through (the refusal above was the rule, not the form).
    worker = staff_of(db, "weixiu")
    ok = as_user("zongwu").post(f"/repair-order/step/dispatch/{order.id}", data={"worker": worker.id})
    assert ok.status_code == 302, flashes(ok.text)
    db.session.expire_all()
    assert db.session.get(RepairOrder, order.id).worker_id == worker.id


@pytest.fixture
def dorms(db, trash):
    """A male and a female building of the dormitory department, with a housed male student.

    男: A1 (3 beds: 1 lived in by the student, 2 under 维修, 3 free), A2 (停用, 2 free beds), A3 (2 beds: 1 free,
    2 marked 已住 but nobody lives there). 女: B1 (2 free beds).
    """
    from models.dorms import Accommodation, Bed, BedStatus, Building, Room, RoomStatus, RoomType, Student
    from models.org import Gender

    t = token()
    dept = department_named(db, "宿舍管理")
    male = save(db, trash, Building(name=f"男测楼{t}", campus="本部", gender=Gender.male, floors=6, department=dept))
    female = save(db, trash, Building(name=f"女测楼{t}", campus="本部", gender=Gender.female, floors=6,
                                      department=dept))
    rooms = {}
    for building, number, capacity, status in ((male, "A1", 3, RoomStatus.available),
                                               (male, "A2", 2, RoomStatus.disabled),
                                               (male, "A3", 2, RoomStatus.available),
                                               (female, "B1", 2, RoomStatus.available)):
        rooms[number] = save(db, trash, Room(building=building, floor=1, number=number, room_type=RoomType.other,
                                             capacity=capacity, status=status))
    for room in rooms.values():
        trash.extend(room.beds)
    student = save(db, trash, Student(student_no=f"S{t}", name=f"学生{t}", gender=Gender.male, grade="高一",
                                      class_name="高一(1)班"))
    save(db, trash, Accommodation(student=student, bed=rooms["A1"].beds[0], moved_in=clock.today()))
    repairing = rooms["A1"].beds[1]
    repairing.status = BedStatus.repairing
    db.session.commit()
    stale = rooms["A3"].beds[1]
    db.session.query(Bed).filter_by(id=stale.id).update({"status": BedStatus.occupied})
    db.session.commit()
    db.session.expire_all()
    # trash deletes from the end: the accommodation, the student, then beds, rooms and buildings.
    kinds = ("Building", "Room", "Bed", "Student", "Accommodation")
    mine = [r for kind in kinds for r in trash if type(r).__name__ == kind]
    trash[:] = [r for r in trash if type(r).__name__ not in kinds] + mine
    return {"token": t, "male": male, "female": female, "rooms": rooms, "student": student}


def _free_beds_for(db, student, t):
    """free_bed_for, written out in SQL: usable status, nobody living there, room in use, student's gender."""
    from models.dorms import ASSIGNABLE_BED, Accommodation, AccommodationStatus, Bed, Building, Room, RoomStatus

    living = select(Accommodation.bed_id).where(Accommodation.status == AccommodationStatus.active)
    return set(db.session.scalars(
        select(Bed.id).join(Room, Bed.room_id == Room.id).join(Building, Room.building_id == Building.id)
        .where(Building.name.contains(t), Bed.status.in_(ASSIGNABLE_BED), Bed.id.not_in(living),
               Room.status != RoomStatus.disabled, Building.gender == student.gender)))


def test_new_bed_lookup_offers_only_free_beds_of_the_students_gender(as_user, db, dorms):
    from models.dorms import Bed, Building, Room

    t, student, rooms = dorms["token"], dorms["student"], dorms["rooms"]
    expected = _free_beds_for(db, student, t)
    assert expected == {rooms["A1"].beds[2].id, rooms["A3"].beds[0].id, rooms["A3"].beds[1].id}
    client = as_user("sushe")
    found = lookup(client, f"/dorm-change/lookup/new_bed?dep_student={student.id}&q={t}")
    assert {r["id"] for r in found["results"]} == expected
    # A search filter looks for every bed as it is: the rule is skipped.
    every = set(db.session.scalars(select(Bed.id).join(Room).join(Building).where(Building.name.contains(t))))
    assert len(every) == 9
    found = lookup(client, f"/dorm-change/lookup/new_bed?dep_student={student.id}&q={t}&filter=1")
    assert {r["id"] for r in found["results"]} == every


def test_dorm_change_to_a_bed_of_the_other_gender_is_refused(as_user, db, dorms, trash):
    from models.dorms import DormChange

    student, rooms = dorms["student"], dorms["rooms"]
    client = as_user("sushe")
    refused = client.post("/dorm-change/add", data={"student": student.id, "kind": "transfer",
                                                   "new_bed": rooms["B1"].beds[0].id, "reason": "测试调宿"})
    assert refused.status_code == 200
    row = re.search(r'name="new_bed".*?</td>', refused.text, re.S)
    assert row and "性别" in row.group(0), "the refusal is shown next to 新床位"
    db.session.expire_all()
    assert db.session.query(DormChange).filter_by(student_id=student.id).count() == 0
    # A free bed of his own gender is accepted (so the refusal above was the rule).
    accepted = client.post("/dorm-change/add", data={"student": student.id, "kind": "transfer",
                                                    "new_bed": rooms["A1"].beds[2].id, "reason": "测试调宿"})
    assert accepted.status_code == 302, flashes(accepted.text)
    change = db.session.query(DormChange).filter_by(student_id=student.id).one()
    trash.append(change)
    assert change.new_bed_id == rooms["A1"].beds[2].id
