"""Seeds the places: rooms of every building on both campuses, the student dormitories among them."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

# Places: (校区, 楼栋, 房间号, 部门编码, 用途标签)

# Student dormitories: (名称, 校区, 性别, 楼层数, 每层房间数, 每间床位数, 建成年份). ~320 rooms, ~1,900 beds.
DORM_BUILDINGS = (
    ("男生宿舍1号楼", "本部", "male", 6, 10, 6, 2007),
    ("女生宿舍2号楼", "本部", "female", 6, 10, 6, 2007),
    ("学生公寓3号楼", "东校区", "male", 5, 8, 4, 2016),
    ("男生宿舍4号楼", "本部", "male", 5, 6, 8, 2001),
    ("女生宿舍5号楼", "本部", "female", 5, 6, 8, 2001),
    ("男生宿舍6号楼", "本部", "male", 4, 8, 6, 2012),
    ("女生宿舍7号楼", "本部", "female", 4, 8, 6, 2012),
    ("学生公寓8号楼", "东校区", "female", 5, 8, 4, 2018),
)

TEACHING_PURPOSE_TAGS = {"classroom", "lab", "computer_lab", "library", "gym"}
ADMIN_PURPOSE_TAGS = {"office", "meeting", "server", "archive"}


def location_plan() -> list[tuple[str, str, str, str, str]]:
    places: list[tuple[str, str, str, str, str]] = []
    add = places.append
    for room, dept, tag in (("101", "05", "office"), ("102", "05", "office"), ("103", "0501", "office"),
                            ("104", "0501", "office"), ("105", "04", "office"), ("106", "02", "meeting"),
                            ("201", "02", "office"), ("202", "02", "office"), ("203", "02", "office"),
                            ("204", "02", "archive"), ("205", "03", "office"), ("206", "03", "office"),
                            ("301", "01", "office"), ("302", "01", "office"), ("303", "01", "meeting"),
                            ("304", "03", "office"), ("305", "02", "server")):
        add(("本部", "行政楼", room, dept, tag))
    for campus, building, dept in (("本部", "教学楼A", "11"), ("本部", "教学楼B", "12"), ("东校区", "教学楼C", "13")):
        for floor in range(1, 6):
            for number in range(1, 9):
                add((campus, building, f"{floor}{number:02d}", dept, "classroom"))
            add((campus, building, f"{floor}09", dept, "office"))
    for room, tag in (("101", "lab"), ("102", "lab"), ("103", "lab"), ("201", "lab"), ("202", "lab"),
                      ("203", "lab"), ("301", "lab"), ("302", "lab"), ("401", "computer_lab"),
                      ("402", "computer_lab"), ("403", "meeting")):
        add(("本部", "实验楼", room, "03", tag))
    for room, tag in (("101", "library"), ("201", "library"), ("301", "computer_lab"), ("302", "library")):
        add(("本部", "图书馆", room, "03", tag))
    for room, tag in (("器材室", "gym"), ("篮球馆", "gym"), ("乒乓球室", "gym"), ("健身房", "gym"),
                      ("体育组办公室", "office")):
        add(("本部", "体育馆", room, "14", tag))
    for room, dept, tag in (("一楼操作间", "050201", "kitchen"), ("面点间", "050201", "kitchen"),
                            ("洗消间", "050201", "kitchen"), ("一楼餐厅", "050201", "dining"),
                            ("二楼餐厅", "050201", "dining"), ("食品仓库", "050201", "store"),
                            ("食堂办公室", "050201", "office"), ("一楼超市", "050205", "shop")):
        add(("本部", "食堂", room, dept, tag))
    for building, campus, _gender, floors, rooms, _beds, _year in DORM_BUILDINGS:
        add((campus, building, "值班室", "050202", "office"))
        for floor in range(1, floors + 1):
            for number in range(1, rooms + 1):
                add((campus, building, f"{floor}{number:02d}", "050202", "dorm"))
    for room, dept, tag in (("维修间", "050203", "office"), ("配电房", "050203", "workshop"),
                            ("水泵房", "050203", "workshop"), ("工具房", "050204", "office"),
                            ("物资仓库", "0502", "store"), ("服务中心办公室", "0502", "office"),
                            ("洗衣房", "050205", "laundry"), ("开水房", "050205", "laundry"),
                            ("车库", "05", "garage")):
        add(("本部", "后勤楼", room, dept, tag))
    add(("本部", "校门", "门卫室", "05", "security"))
    add(("东校区", "校门", "门卫室", "05", "security"))
    return places


class PlacesMixin:
    """The builder's locations (mixed into ``_Builder``)."""

    def build_locations(self) -> None:
        from models.assets import Location

        s = self.session
        existing = {(loc.campus, loc.building, loc.room): loc.id for loc in s.scalars(select(Location))}
        plan = location_plan()
        missing = [dict(campus=c, building=b, room=r, row_version=1)
                   for c, b, r, _, _ in plan if (c, b, r) not in existing]
        self.bulk(Location, missing)
        ids = {(loc.campus, loc.building, loc.room): loc.id for loc in s.scalars(select(Location))}
        self.location_ids = ids
        # department code → tag → [location id]
        self.places: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        self.location_tag: dict[int, str] = {}
        for c, b, r, dept, tag in plan:
            self.places[dept][tag].append(ids[(c, b, r)])
            self.location_tag[ids[(c, b, r)]] = tag
