"""Seeds the dormitories: buildings, rooms, beds, students and their stays, dorm changes, hygiene, discipline."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from .common import between, is_school_day, school_year_start, term_start
from .org import PHONE_PREFIXES
from .places import DORM_BUILDINGS

CHANGE_REASONS = ("与室友作息不一致，经班主任协调申请调换宿舍", "身体原因需住低楼层", "班级调整，与本班同学同住便于管理",
                  "宿舍卫生间漏水维修，申请临时调换", "参加竞赛集训，调至集训队宿舍")
CHECKOUT_REASONS = ("家长申请改为走读", "家住学校附近，改为走读", "因病休学", "转学")
REJECT_CHANGE = ("目标宿舍为其他班级，不利于管理，建议班内调整", "理由不充分，请班主任先行协调")
VIOLATIONS = ("使用违章电器：热得快", "私拉电线给手机充电", "使用大功率吹风机", "使用电热毯", "床上藏有电煮锅")
DISCIPLINE_TEXTS = {
    "late": (("22:40 返回宿舍，超过熄灯时间", "批评教育，通知班主任"), ("周日晚返校迟到一小时，未请假", "通知家长，写书面说明")),
    "absent": (("晚上查寝未归，后经班主任联系在亲戚家住宿", "通知家长，年级通报批评"),),
    "appliance": (("宿舍内使用违章电器", "没收违章电器，通知班主任和家长"),),
    "other": (("熄灯后在宿舍大声喧哗，影响他人休息", "批评教育"), ("在宿舍内吃外卖，垃圾未及时清理", "批评教育，罚值日一周"),
              ("私自调换床位", "责令恢复原床位，批评教育")),
}


class DormsMixin:
    """The dormitories and a year of their records (mixed into ``_Activity``)."""

    def build_dorms(self) -> None:
        from math import ceil

        from models.dorm_conduct import SCORES, Discipline, DisciplineKind, HygieneInspection
        from models.dorms import (
            Accommodation,
            Bed,
            BedStatus,
            Building,
            DormChange,
            Room,
            RoomStatus,
            RoomType,
            Student,
        )
        from models.dorms import AccommodationStatus as A
        from models.dorms import DormChangeKind as K
        from models.dorms import DormChangeStatus as C
        from models.org import Gender

        rng = self.rng("dorms")
        b, today, now = self.b, self.today, self.now
        keepers = self.on_duty["050202"] or b.staff_by_dept["050202"]
        sushe = b.demo_staff["sushe"]
        others = [s for s in keepers if s != sushe] or [sushe]
        men = [s for s in others if self.staff_row[s]["gender"] == Gender.male] or others

        # Buildings, rooms, beds (a school's dorms: they do not grow with --scale).
        buildings = []
        for n, (name, campus, gender, floors, _per_floor, beds, year) in enumerate(DORM_BUILDINGS):
            manager = men[n % len(men)] if n in (0, 3) else sushe  # two boys' buildings have their own 宿管员
            buildings.append(dict(name=name, campus=campus, gender=Gender[gender], floors=floors, manager_id=manager,
                                  department_id=b.dept_ids["050202"], remark=f"{year}年建成，{beds}人间为主",
                                  row_version=1))
        building_ids = self.insert_ids(Building, buildings)
        type_of = {2: RoomType.two, 4: RoomType.four, 6: RoomType.six, 8: RoomType.eight}
        rooms = []  # dicts; "_b": building index
        for n, (name, campus, gender, floors, per_floor, beds, _y) in enumerate(DORM_BUILDINGS):
            for floor in range(1, floors + 1):
                for k in range(1, per_floor + 1):
                    rooms.append(dict(building_id=building_ids[n], floor=floor, number=f"{floor}{k:02d}",
                                      room_type=type_of.get(beds, RoomType.other), capacity=beds,
                                      status=RoomStatus.available, remark=None, row_version=1, _b=n))
        for n, room in ((3, "5"), (6, "1")):  # two rooms closed for repairs
            closed = next(r for r in rooms if r["_b"] == n and r["number"].startswith(room))
            closed.update(status=RoomStatus.disabled, remark="卫生间防水层维修，暂停使用")
        beds = []  # dicts; "_r": room index
        for r, room in enumerate(rooms):
            name = DORM_BUILDINGS[room["_b"]][0]
            for k in range(1, room["capacity"] + 1):
                status = BedStatus.disabled if room["status"] == RoomStatus.disabled else BedStatus.free
                beds.append(dict(number=str(k), full_name=f"{name} {room['number']}-{k}号床", status=status,
                                 remark=None, row_version=1, _r=r))
        for bed in rng.sample([x for x in beds if x["status"] == BedStatus.free], 6):
            bed.update(status=BedStatus.repairing, remark="床板断裂，待更换")

        # Students: boarders up to the beds there are (~92 % full at scale 1), plus some day students.
        usable = defaultdict(int)
        for bed in beds:
            if bed["status"] == BedStatus.free:
                usable[DORM_BUILDINGS[rooms[bed["_r"]]["_b"]][2]] += 1
        boarders = {g: min(round(usable[g] * 0.92 * self.scale), usable[g] - 14) for g in ("male", "female")}
        day_students = {g: round(boarders[g] * 0.03) for g in boarders}
        genders = [g for g in boarders for _ in range(boarders[g] + day_students[g])]
        rng.shuffle(genders)
        first_year = school_year_start(today).year
        grades = (("高一", first_year), ("高二", first_year - 1), ("高三", first_year - 2))
        per_grade = ceil(len(genders) / 3)
        classes = ceil(per_grade / 50)
        width = max(2, len(str(classes)))
        students = []
        for n, gender in enumerate(genders):
            g, seat_no = divmod(n, per_grade)
            grade, year = grades[g]
            klass, seat = seat_no % classes + 1, seat_no // classes + 1
            students.append(dict(student_no=f"{year}{klass:0{width}d}{seat:02d}",
                                 name=b.person_name(gender == "male", rng), gender=Gender[gender], grade=grade,
                                 class_name=f"{grade}({klass})班",
                                 guardian_phone=rng.choice(PHONE_PREFIXES) + f"{rng.randint(0, 99999999):08d}",
                                 is_boarder=True, row_version=1, _g=gender, _grade=g))
        for gender, count in day_students.items():
            for st in rng.sample([s for s in students if s["_g"] == gender], count):
                st["is_boarder"] = False

        # Allocation: per gender, classmates together, rooms in order; a few beds left free on the way.
        beds_of_room = defaultdict(list)
        for i, bed in enumerate(beds):
            beds_of_room[bed["_r"]].append(i)
        occupant: dict[int, int] = {}  # bed index → student index (active)
        active: dict[int, dict] = {}  # student index → its active record
        records: list[dict] = []
        moved_in_of = {0: date(first_year, 8, 28), 1: date(first_year - 1, 8, 28), 2: date(first_year - 2, 8, 28)}
        for gender in ("male", "female"):
            queue = sorted((i for i, s in enumerate(students) if s["_g"] == gender and s["is_boarder"]),
                           key=lambda i: (students[i]["_grade"], students[i]["class_name"], students[i]["student_no"]))
            spare = usable[gender] - len(queue)
            pos = 0
            for r, room in enumerate(rooms):
                if DORM_BUILDINGS[room["_b"]][2] != gender or room["status"] == RoomStatus.disabled:
                    continue
                free = [x for x in beds_of_room[r] if beds[x]["status"] == BedStatus.free]
                leave = 0
                if spare > 0:
                    leave = min(spare, rng.choices((0, 1, 2), (84, 12, 4))[0])
                    spare -= leave
                for x in free[:len(free) - leave]:
                    if pos >= len(queue):
                        break
                    st = queue[pos]
                    pos += 1
                    occupant[x] = st
                    moved = moved_in_of[students[st]["_grade"]] + timedelta(days=rng.randint(0, 2))
                    rec = dict(_s=st, _bed=x, moved_in=moved, moved_out=None, status=A.active, remark=None,
                               row_version=1)
                    records.append(rec)
                    active[st] = rec
            for st in queue[pos:]:  # no bed left: a day student after all
                students[st]["is_boarder"] = False

        def room_count(r: int) -> int:
            return sum(1 for x in beds_of_room[r] if x in occupant)

        def free_beds(gender: str, exclude: set) -> list[int]:
            found = []
            for r, room in enumerate(rooms):
                if DORM_BUILDINGS[room["_b"]][2] != gender or room["status"] == RoomStatus.disabled:
                    continue
                if room_count(r) >= room["capacity"]:
                    continue
                found += [x for x in beds_of_room[r] if beds[x]["status"] == BedStatus.free and x not in occupant
                          and x not in exclude]
            return found

        # Dorm changes: decided ones already moved people; pending ones wait for 后勤主任.
        started = term_start(today)
        changes = []
        used_students: set[int] = set()
        touched_beds: set[int] = set()  # freed or newly taken this term: not reused for another decided move

        def someone() -> int:
            st = rng.choice([s for s in active if s not in used_students])
            used_students.add(st)
            return st

        def applicant_for(bed: int) -> int:
            manager = buildings[rooms[beds[bed]["_r"]]["_b"]]["manager_id"]
            return manager if rng.random() < 0.8 else rng.choice(keepers)

        for _ in range(20):  # approved transfers
            st = someone()
            old = active[st]
            options = free_beds(students[st]["_g"], touched_beds)
            if not options:
                break
            new = rng.choice(options)
            decided = between(rng, started + timedelta(days=10), today - timedelta(days=2))
            applied = decided - timedelta(days=rng.randint(1, 4))
            old.update(moved_out=decided, status=A.ended)
            del occupant[old["_bed"]]
            touched_beds.update((old["_bed"], new))
            occupant[new] = st
            rec = dict(_s=st, _bed=new, moved_in=decided, moved_out=None, status=A.active,
                       remark=f"调宿：原床位 {beds[old['_bed']]['full_name']}", row_version=1)
            records.append(rec)
            active[st] = rec
            changes.append(dict(_s=st, kind=K.transfer, _old=old["_bed"], _new=new, reason=rng.choice(CHANGE_REASONS),
                                applicant_id=applicant_for(old["_bed"]), applied_on=applied, status=C.approved,
                                row_version=1))
        for _ in range(8):  # approved check-outs
            st = someone()
            old = active.pop(st)
            decided = between(rng, started + timedelta(days=7), today - timedelta(days=2))
            old.update(moved_out=max(decided, old["moved_in"]), status=A.ended)
            del occupant[old["_bed"]]
            touched_beds.add(old["_bed"])
            students[st]["is_boarder"] = False
            changes.append(dict(_s=st, kind=K.checkout, _old=old["_bed"], _new=None,
                                reason=rng.choice(CHECKOUT_REASONS), applicant_id=applicant_for(old["_bed"]),
                                applied_on=decided - timedelta(days=rng.randint(1, 3)), status=C.approved,
                                row_version=1))
        for _ in range(6):  # rejected transfers: nobody moved
            st = someone()
            target = rng.choice([x for x in range(len(beds)) if beds[x]["status"] == BedStatus.free
                                 and DORM_BUILDINGS[rooms[beds[x]["_r"]]["_b"]][2] == students[st]["_g"]])
            changes.append(dict(_s=st, kind=K.transfer, _old=active[st]["_bed"], _new=target,
                                reason=rng.choice(CHANGE_REASONS), applicant_id=applicant_for(active[st]["_bed"]),
                                applied_on=between(rng, started + timedelta(days=5), today - timedelta(days=3)),
                                status=C.rejected, row_version=1))
        reserved: set[int] = set()
        for n in range(9):  # pending: six moves to free beds, three check-outs
            st = someone()
            new = None
            if n < 6:
                options = free_beds(students[st]["_g"], reserved)
                if not options:
                    continue
                new = rng.choice(options)
                reserved.add(new)
            changes.append(dict(_s=st, kind=K.transfer if new else K.checkout, _old=active[st]["_bed"], _new=new,
                                reason=rng.choice(CHANGE_REASONS if new else CHECKOUT_REASONS),
                                applicant_id=applicant_for(active[st]["_bed"]),
                                applied_on=today - timedelta(days=rng.randint(0, 6)), status=C.pending, row_version=1))

        # Bed and room states follow the records.
        for x, bed in enumerate(beds):
            if bed["status"] in (BedStatus.free, BedStatus.occupied):
                bed["status"] = BedStatus.occupied if x in occupant else BedStatus.free
        for r, room in enumerate(rooms):
            if room["status"] != RoomStatus.disabled:
                room["status"] = RoomStatus.full if room_count(r) >= room["capacity"] else RoomStatus.available

        room_ids = self.insert_ids(Room, [{k: v for k, v in r.items() if not k.startswith("_")} for r in rooms])
        bed_ids = self.insert_ids(Bed, [dict({k: v for k, v in x.items() if not k.startswith("_")},
                                             room_id=room_ids[x["_r"]]) for x in beds])
        student_ids = self.insert_ids(Student, [{k: v for k, v in s.items() if not k.startswith("_")}
                                                for s in students])
        self.bulk(Accommodation, [dict(student_id=student_ids[r["_s"]], bed_id=bed_ids[r["_bed"]], moved_in=r["moved_in"],
                                       moved_out=r["moved_out"], status=r["status"], remark=r["remark"], row_version=1)
                                  for r in records])
        changes.sort(key=lambda c: c["status"] != C.pending)  # the open requests first (lowest ids)
        self.bulk(DormChange, [dict(student_id=student_ids[c["_s"]], kind=c["kind"], old_bed_id=bed_ids[c["_old"]],
                                    new_bed_id=bed_ids[c["_new"]] if c["_new"] is not None else None,
                                    reason=c["reason"], applicant_id=c["applicant_id"], applied_on=c["applied_on"],
                                    status=c["status"], row_version=1) for c in changes])

        # Hygiene: each lived-in room once a week this term at scale 1; more often and further back with
        # --scale, at most every school day of the period shown (one row per room and day).
        residents = defaultdict(list)  # room index → active student indexes
        for x, st in occupant.items():
            residents[beds[x]["_r"]].append(st)
        target = 12 * self.scale
        monday = today - timedelta(days=today.weekday())
        weeks = []
        while monday + timedelta(days=6) >= b.start:
            if any(is_school_day(monday + timedelta(days=k)) for k in range(5)):
                weeks.append(monday)
            monday -= timedelta(days=7)
        per_week = min(5, max(1, ceil(target / len(weeks))))
        weeks = weeks[:min(len(weeks), ceil(target / per_week))]
        tidiness = [rng.uniform(0.75, 0.98) if rng.random() > 0.06 else rng.uniform(0.45, 0.7) for _ in rooms]
        inspections, disciplines = [], []
        for r, room in enumerate(rooms):
            if room["status"] == RoomStatus.disabled or not residents[r]:
                continue
            n = room["_b"]
            manager = buildings[n]["manager_id"]
            level = tidiness[r]
            for week in weeks:
                for k in range(per_week):
                    day = week + timedelta(days=(n + k) % 5)
                    if not is_school_day(day) or day > today or (day == today and now.hour < 17) or day < b.start:
                        continue
                    scores = {name: max(0, min(top, round(top * (1 - (1 - level) * rng.uniform(0, 1.6)))))
                              for name, top in SCORES.items()}
                    veto = rng.random() < 0.008
                    total = 0 if veto else sum(scores.values())
                    remark = None
                    if veto:
                        remark = "已没收违章电器，通报班主任"
                    elif total < 70:
                        remark = "地面有垃圾、床铺未整理，已督促整改"
                    violation = rng.choice(VIOLATIONS) if veto else None
                    inspector = manager if rng.random() < 0.8 else rng.choice(keepers)
                    inspections.append(dict(room_id=room_ids[r], inspected_on=day, inspector_id=inspector, **scores,
                                            safety_veto=veto, violation=violation, total=total, remark=remark,
                                            row_version=1))
                    if veto:
                        st = rng.choice(residents[r])
                        if active[st]["moved_in"] <= day:
                            disciplines.append(dict(student_id=student_ids[st], occurred_on=day,
                                                    kind=DisciplineKind.appliance,
                                                    description=f"卫生检查发现{violation.split('：')[-1]}",
                                                    handling="没收违章电器，通知班主任和家长", recorder_id=inspector,
                                                    row_version=1))
        self.bulk(HygieneInspection, inspections)

        # Discipline through the term.
        living = list(active)
        kinds = (("late", 55), ("absent", 8), ("appliance", 10), ("other", 27))
        for _ in range(130):
            st = rng.choice(living)
            record = active[st]
            first = max(record["moved_in"], started)
            days = [d for d in self.days(first, today) if d.weekday() != 5] or [today]
            day = rng.choice(days)
            kind = rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
            description, handling = rng.choice(DISCIPLINE_TEXTS[kind])
            manager = buildings[rooms[beds[record["_bed"]]["_r"]]["_b"]]["manager_id"]
            disciplines.append(dict(student_id=student_ids[st], occurred_on=day, kind=DisciplineKind[kind],
                                    description=description, handling=handling, recorder_id=manager, row_version=1))
        self.bulk(Discipline, disciplines)
        self.dorm_buildings = buildings
