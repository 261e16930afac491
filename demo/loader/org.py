"""Seeds the organisation's people: the demo accounts, staff of every department and a term's assessments."""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from .common import last_term

DEMO_PASSWORD = "Houqin@2026"

# Department codes (models/defaults.py) by kind.
ADMIN_DEPTS = ("01", "02", "03", "04", "05", "0501", "0502")
GRADE_DEPTS = ("11", "12", "13")
LOGISTICS_DEPTS = ("050201", "050202", "050203", "050204", "050205")
ALL_DEPTS = ADMIN_DEPTS + LOGISTICS_DEPTS + GRADE_DEPTS + ("14",)

# 常见姓氏，大致按人口多少排序（越靠前越常见）。
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
            "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
            "毛郝龚邵万钱严覃武戴莫孔向汤")
SURNAME_WEIGHTS = [1.0 / (i + 8) for i in range(len(SURNAMES))]
MALE_CHARS = "伟强磊军勇杰涛斌超明辉刚健平波峰鹏华飞俊林浩宇志国建文东海亮兵晨凯鑫博昊睿成军栋永庆德"
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀英玲红梅燕萍琳雪婷颖慧佳欣怡倩丹蓉洁琴月兰凤桂晶莉"
SHARED_CHARS = "晓小春新思子雨嘉一立学金玉文"
PHONE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152",
                  "158", "159", "177", "180", "186", "187", "188", "189", "199")
SUBJECTS = ("语文", "数学", "英语", "物理", "化学", "生物", "政治", "历史", "地理", "信息技术", "通用技术", "心理健康")


@dataclass(frozen=True)
class DemoPerson:
    username: str
    role: str
    department: str  # department code (models/defaults.py)
    surname: str
    given: str
    male: bool
    position: str
    skill: str | None = None
    head: bool = False  # this person is the department's 负责人


DEMO_PEOPLE = (
    DemoPerson("admin", "系统管理员", "02", "陈", "志远", True, "信息管理员", "网络与信息化"),
    DemoPerson("xiaozhang", "校长", "01", "王", "德明", True, "校长", head=True),
    DemoPerson("xiaowu", "校务会", "01", "何", "文博", True, "副校长"),
    DemoPerson("zongwu", "后勤主任", "05", "李", "国强", True, "后勤主任", head=True),
    DemoPerson("caiwu", "财务", "0501", "刘", "秀英", False, "会计", "会计核算", head=True),
    DemoPerson("baoguan", "财产保管员", "0502", "赵", "建平", True, "财产保管员", "资产管理"),
    DemoPerson("weixiu", "维修工", "050203", "孙", "立新", True, "维修工", "木工/门窗"),
    DemoPerson("sushe", "宿管员", "050202", "周", "桂兰", False, "宿管员", "女生宿舍", head=True),
    DemoPerson("shitang", "食堂管理员", "050201", "吴", "海涛", True, "食堂管理员", "食品安全", head=True),
    DemoPerson("shuidian", "水电工", "050203", "郑", "卫东", True, "电工", "强电/弱电", head=True),
    DemoPerson("lvhua", "绿化环卫", "050204", "黄", "春梅", False, "绿化工", "园林绿化", head=True),
    DemoPerson("jiaoshi", "教职工", "11", "林", "晓燕", False, "班主任", "语文"),
)

# Per department at scale 1: head count (demo people included), the 负责人's 岗位 when no demo person
# heads it, and the other 岗位 with weights.
STAFF_PLAN: dict[str, tuple[int, str | None, dict[str, int]]] = {
    "01": (3, None, {"副校长": 1}),
    "02": (3, "办公室主任", {"文员": 2, "档案管理员": 1, "司机": 1}),
    "03": (3, "教务主任", {"实验员": 2, "图书管理员": 1, "教务员": 1}),
    "04": (1, "德育主任", {"德育干事": 1}),
    "05": (2, None, {"后勤副主任": 1, "安全干事": 1}),
    "0501": (2, None, {"出纳": 2, "会计": 1}),
    "0502": (2, "服务中心主任", {"仓库保管员": 1, "报修受理员": 1}),
    "050201": (4, None, {"厨师": 4, "面点师": 2, "帮厨": 3, "采购员": 1}),
    "050202": (3, None, {"宿管员": 1}),
    "050203": (3, None, {"水工": 2, "电工": 2, "木工": 1, "维修工": 1}),
    "050204": (2, None, {"保洁员": 3, "绿化工": 2}),
    "050205": (1, "服务部主管", {"收银员": 1, "洗衣房管理员": 1, "开水房管理员": 1}),
    "11": (4, "年级组长", {"班主任": 2, "教师": 3}),
    "12": (4, "年级组长", {"班主任": 2, "教师": 3}),
    "13": (4, "年级组长", {"班主任": 2, "教师": 3}),
    "14": (2, "体育组长", {"体育教师": 1}),
}
FEMALE_LEANING = {"宿管员": 0.85, "保洁员": 0.7, "出纳": 0.75, "会计": 0.7, "文员": 0.7, "图书管理员": 0.75,
                  "收银员": 0.8, "洗衣房管理员": 0.7, "帮厨": 0.6, "面点师": 0.5, "班主任": 0.6, "教师": 0.55,
                  "档案管理员": 0.7}
MALE_ONLY = {"电工", "水工", "木工", "维修工", "司机", "厨师", "绿化工", "安全干事"}
SKILLS = {"电工": ("强电", "弱电", "强电/弱电"), "水工": ("水暖", "给排水"), "木工": ("木工/门窗",),
          "维修工": ("综合维修", "木工/门窗", "空调维修"), "厨师": ("中式烹调", "大锅菜", "凉菜"),
          "面点师": ("中式面点",), "绿化工": ("园林绿化", "花卉养护"), "保洁员": ("公共区域保洁", "垃圾清运"),
          "司机": ("A1驾照",), "宿管员": ("男生宿舍", "女生宿舍")}


class PeopleMixin:
    """The builder's accounts, staff and assessments (mixed into ``_Builder``)."""

    def person_name(self, male: bool, rng: random.Random | None = None) -> str:
        rng = rng or self.rng
        surname = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
        pool = MALE_CHARS if male else FEMALE_CHARS
        if rng.random() < 0.3:
            return surname + rng.choice(pool)
        first = rng.choice(pool + SHARED_CHARS)
        return surname + first + rng.choice(pool)

    def phone(self) -> str:
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randint(0, 99999999):08d}"

    def build_accounts(self) -> None:
        from app.extensions import engine
        from app.platform.cli import ensure_user

        sm = engine().appbuilder.sm
        self.demo_users: dict[str, int] = {}
        for person in DEMO_PEOPLE:
            user = ensure_user(person.username, DEMO_PASSWORD, person.role, person.surname, person.given)
            role = sm.find_role(person.role)
            if role is not None and role not in user.roles:
                user.roles.append(role)
                self.session.commit()
            self.demo_users[person.username] = user.id

    def build_staff(self) -> None:
        from models.org import Employment, Gender, Staff

        rng = self.rng
        rows: list[dict] = []
        heads: dict[str, str] = {}  # dept code → staff_no
        self.demo_staff_no: dict[str, str] = {}
        seq = 0

        def add(dept: str, name: str, male: bool, position: str, skill: str | None, user_id: int | None,
                employment: Employment | None = None) -> str:
            nonlocal seq
            seq += 1
            hired = self.day_between(date(1995, 7, 1), date(self.today.year - 1, 8, 31))
            if employment is None:
                if position in ("教师", "班主任", "年级组长", "体育教师", "体育组长") or dept in ADMIN_DEPTS:
                    employment = Employment.permanent if rng.random() < 0.9 else Employment.contract
                else:
                    employment = rng.choices(list(Employment), (0.3, 0.5, 0.2))[0]
            staff_no = f"{hired.year}{seq:05d}"
            rows.append(dict(staff_no=staff_no, name=name, gender=Gender.male if male else Gender.female,
                             department_id=self.dept_ids[dept], position=position, phone=self.phone(),
                             employment=employment, skill=skill, hired_on=hired,
                             on_duty=rng.random() > 0.03 or user_id is not None, user_id=user_id, row_version=1))
            return staff_no

        demo_by_dept = defaultdict(list)
        for person in DEMO_PEOPLE:
            demo_by_dept[person.department].append(person)
        for dept, (count, head_position, positions) in STAFF_PLAN.items():
            total = count * self.scale
            for person in demo_by_dept[dept]:
                no = add(dept, person.surname + person.given, person.male, person.position, person.skill,
                         self.demo_users[person.username], Employment.permanent)
                self.demo_staff_no[person.username] = no
                if person.head:
                    heads[dept] = no
                total -= 1
            if head_position and dept not in heads and total > 0:
                male = rng.random() < 0.6
                heads[dept] = add(dept, self.person_name(male), male, head_position, None, None, Employment.permanent)
                total -= 1
            names, weights = list(positions), list(positions.values())
            for _ in range(max(total, 0)):
                position = rng.choices(names, weights)[0]
                if position in MALE_ONLY:
                    male = rng.random() < 0.95
                else:
                    male = rng.random() >= FEMALE_LEANING.get(position, 0.45)
                if position in ("教师", "班主任", "年级组长"):
                    skill = rng.choice(SUBJECTS)
                elif position in ("体育教师", "体育组长"):
                    skill = "体育"
                else:
                    skill = rng.choice(SKILLS[position]) if position in SKILLS else None
                add(dept, self.person_name(male), male, position, skill, None)
            if dept not in heads:
                heads[dept] = next(r["staff_no"] for r in rows if r["department_id"] == self.dept_ids[dept])
        self.bulk(Staff, rows)

        ids = dict(self.session.execute(select(Staff.staff_no, Staff.id)).all())
        self.staff_rows = rows
        self.staff_by_dept: dict[str, list[int]] = defaultdict(list)
        self.staff_name: dict[int, str] = {}
        self.staff_dept: dict[int, str] = {}
        code_of = {v: k for k, v in self.dept_ids.items()}
        for row in rows:
            sid = ids[row["staff_no"]]
            row["id"] = sid
            dept = code_of[row["department_id"]]
            self.staff_by_dept[dept].append(sid)
            self.staff_name[sid] = row["name"]
            self.staff_dept[sid] = dept
        self.demo_staff = {username: ids[no] for username, no in self.demo_staff_no.items()}
        self.demo_in_dept: dict[str, list[int]] = defaultdict(list)
        for person in DEMO_PEOPLE:
            self.demo_in_dept[person.department].append(self.demo_staff[person.username])
        for dept_code, no in heads.items():
            dept = self.departments[dept_code]
            dept.head_id = ids[no]
            if not dept.phone:
                dept.phone = f"0571-8696{self.rng.randint(1000, 9999)}"
        self.session.flush()

    def keeper_for(self, dept: str) -> int | None:
        rng = self.rng
        demo = self.demo_in_dept.get(dept)
        if demo and rng.random() < 0.35 / self.scale ** 0.5:
            return rng.choice(demo)
        staff = self.staff_by_dept.get(dept)
        return rng.choice(staff) if staff else None

    def build_assessments(self) -> None:
        """The last finished term's 考核 of everyone on duty: 自评/组评/领导评 typed, 过程考核分 and 民主评议分 as
        the formula proposes them from the demo's facts (so this runs after the year's activity); someone no
        survey rated has a typed 民主评议分, as a 后勤主任 would enter it."""
        from models import school_calendar
        from models.assessment_facts import FORMULA, gather
        from models.org import Assessment, Staff, grade_for

        rng = self.rng
        term = last_term(self.today)
        remarks = ("工作认真负责，服务态度好", "维修及时，师生评价高", "能按时完成各项任务", "需加强服务意识",
                   "本学期有投诉，已整改", None, None, None)
        on_duty = [staff for staff in self.session.scalars(select(Staff).where(Staff.on_duty.is_(True)))]
        facts = gather(self.session, school_calendar.term_named(term), on_duty)
        rows = []
        for staff in sorted(on_duty, key=lambda s: s.id):
            weak = rng.random() < 0.06
            low, high = (35, 75) if weak else (68, 99)
            typed = {name: Decimal(rng.uniform(low, high)).quantize(Decimal("0.1"))
                     for name in ("group_score", "leader_score", "satisfaction_score")}
            typed["self_score"] = Decimal(rng.uniform(80, 98)).quantize(Decimal("0.1"))
            mine = facts[staff.id]
            scores = {**typed, "process_score": mine.process_score()}
            democratic = mine.democratic_score()
            if democratic is not None:
                scores["satisfaction_score"] = democratic
            total = FORMULA.total(scores)
            rows.append(dict(staff_id=staff.id, term=term, **scores, total=total, grade=grade_for(total),
                             remark=rng.choice(remarks), row_version=1))
        self.bulk(Assessment, rows)
