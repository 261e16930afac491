"""演示数据：一所寄宿制高中的后勤处、演示账号，以及一个学年的后勤业务。

``load_demo(scale)`` fills an empty database (no 教职工 yet) with a believable school: ~40 × scale staff,
~2,000 × scale asset cards, loans, transfers, damages, disposals, one stocktake and a term's
assessments, plus the demo accounts (password ``Houqin@2026``). On top of that, the last twelve months
of service work (:class:`_Activity`), per scale unit:

- 采购: 20 suppliers (+8 per extra unit), budgets per department/year/科目, ~500 purchase requests in every
  state with 1–6 lines, acceptances for the checked ones, reimbursements for 已报销;
- 报修: ~3,000 orders in every state (most 已完成 and rated, some overdue, 已驳回/已取消), materials, a few
  deadline delays, and the workflow history (``workflow_log``) of every step taken;
- 宿舍: 8 buildings, ~320 rooms, ~1,900 beds (these do not grow with ``scale``: students fill them up to
  capacity), accommodation records, dorm changes, weekly hygiene checks this term (more often and further
  back with ``scale``, capped at every school day since last September ≈ 80,000 rows), discipline;
- 水电: teachers' flats (24 × scale), dorm buildings, canteen, shops, offices; 12 monthly readings per meter;
- 巡视 every day, ~150 hazards a year; two satisfaction surveys (~400 + ~120 answer sheets).

Document numbers (CG-/BX-/YH-YYYYMMDD-NNNN) follow time within each day, and ``serial_counter`` is set to
the highest number used per prefix and day, so numbers the application assigns later never collide.
It refuses to run unless the application is in DEMO_MODE, and does nothing when staff already exist.

The big tables are written with bulk inserts (``COPY`` on PostgreSQL), so ``--scale 100`` (≈200,000 asset
cards, 300,000 repair orders, 1.4 million history rows) takes minutes, not hours. Everything is drawn from
seeded ``random.Random`` generators and dated relative to ``clock.today()``: the same day gives the same data.
"""
from __future__ import annotations

import enum
import io
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Iterable

from flask import current_app
from sqlalchemy import func, insert, select, text

from app.meta import clock

DEMO_PASSWORD = "Houqin@2026"
CHUNK = 5000
CENT = Decimal("0.01")

# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------

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

# ---------------------------------------------------------------------------------------------
# Places: (校区, 楼栋, 房间号, 部门编码, 用途标签)
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Asset kinds
# ---------------------------------------------------------------------------------------------

ADMIN_DEPTS = ("01", "02", "03", "04", "05", "0501", "0502")
GRADE_DEPTS = ("11", "12", "13")
LOGISTICS_DEPTS = ("050201", "050202", "050203", "050204", "050205")
ALL_DEPTS = ADMIN_DEPTS + LOGISTICS_DEPTS + GRADE_DEPTS + ("14",)


def at(depts: Iterable[str] | str, tag: str, weight: float = 1.0) -> list[tuple[str, str, float]]:
    depts = (depts,) if isinstance(depts, str) else tuple(depts)
    return [(d, tag, weight / len(depts)) for d in depts]


@dataclass
class Kind:
    category: str
    name: str
    models: list[tuple[str | None, str, float]]  # (品牌, 规格型号, 参考单价)
    weight: float  # cards per 2,000
    places: list[tuple[str, str, float]]
    unit: str = "台"
    batch: tuple[int, int] = (1, 1)  # 数量 for items under 1,000 元
    loanable: bool = False
    personal: bool = False  # has a 使用人
    serial: bool = True  # has a 出厂编号 and a warranty
    damageable: bool = False


OFFICES = at(ALL_DEPTS, "office")
K = Kind
KINDS: list[Kind] = [
    # 计算机设备
    K("201", "台式计算机", [("联想", "启天M437 i5-10500/8G/256G SSD+1T", 4599),
                        ("联想", "扬天M4000q i5-12400/16G/512G", 4899),
                        ("戴尔", "OptiPlex 3000MT i5-12500/8G/512G", 4699),
                        ("华为", "擎云B730E i5-12400/16G/512G", 5299)],
      320, at("03", "computer_lab", 0.45) + at(ADMIN_DEPTS, "office", 0.3) + at(GRADE_DEPTS, "office", 0.15)
      + at(LOGISTICS_DEPTS + ("14",), "office", 0.1), personal=True, damageable=True),
    K("201", "笔记本电脑", [("联想", "ThinkPad E14 i5-1335U/16G/512G", 5499),
                        ("华为", "MateBook D14 i5-1240P/16G/512G", 4999),
                        ("戴尔", "Latitude 3440 i5/16G/512G", 5299)],
      60, at(ADMIN_DEPTS, "office", 0.5) + at(GRADE_DEPTS, "office", 0.5), loanable=True, personal=True),
    K("201", "服务器", [("华为", "FusionServer 2288H V6 2U机架式", 46800), ("浪潮", "NF5280M6 2U机架式", 39800)],
      3, at("02", "server")),
    K("208", "网络交换机", [("华为", "S5735S-L24T4S-A1 24口千兆", 2680), ("新华三", "S5130S-28S-EI 24口千兆", 3150),
                        ("锐捷", "RG-S2910-24GT4XS-E", 2380)],
      25, at("02", "server", 0.3) + at(GRADE_DEPTS, "office", 0.4) + at("03", "computer_lab", 0.3)),
    K("208", "无线AP", [("华为", "AirEngine 5761-11 吸顶式", 1280), ("锐捷", "RG-AP820-L(V3)", 980)],
      30, at(GRADE_DEPTS, "classroom", 0.5) + at(ADMIN_DEPTS, "office", 0.3) + at("050202", "office", 0.2)),
    # 办公设备
    K("202", "激光打印机", [("惠普", "LaserJet Pro M405d", 1899), ("兄弟", "HL-2260D", 1099), ("联想", "LJ2405D", 899)],
      70, OFFICES, loanable=False, personal=True),
    K("202", "多功能一体机", [("理光", "IM 2702 A3黑白数码复合机", 8900), ("京瓷", "ECOSYS M4125idn", 5600),
                         ("佳能", "iR 2630 A3复合机", 11800)],
      18, at(ADMIN_DEPTS + GRADE_DEPTS, "office")),
    K("202", "碎纸机", [("得力", "9935 5级保密", 599), ("科密", "C-910", 468)], 12, at(ADMIN_DEPTS, "office")),
    K("202", "扫描仪", [("富士通", "fi-7160", 6200), ("佳能", "DR-C240", 3200)], 6, at(("02", "03", "0501"), "office")),
    K("202", "人脸考勤机", [("中控智慧", "iFace702", 1180)], 4, at(("02", "0502", "050201"), "office")),
    K("202", "点钞机", [("康艺", "HT-2700(B)", 880)], 2, at("0501", "office")),
    # 音像设备
    K("209", "交互智能平板", [("希沃", "S86EB 86英寸", 16800), ("鸿合", "HD-I8677E 86英寸", 14500),
                          ("希沃", "MC86FEA 86英寸", 15800)],
      130, at(GRADE_DEPTS, "classroom", 0.85) + at("03", "lab", 0.1) + at(("01", "02"), "meeting", 0.05),
      damageable=True),
    K("209", "投影仪", [("爱普生", "CB-X50", 4299), ("明基", "E580", 3899), ("索尼", "VPL-EX570", 5600)],
      30, at("03", "lab", 0.4) + at(("01", "02", "03"), "meeting", 0.3) + at(GRADE_DEPTS, "office", 0.3),
      loanable=True, damageable=True),
    K("209", "实物展台", [("正方科技", "L1000 高拍仪", 1180), ("鸿合", "HZ-V2000", 980)],
      40, at(GRADE_DEPTS, "classroom")),
    K("209", "数码相机", [("佳能", "EOS 90D 18-135套机", 8999), ("尼康", "Z 50 16-50套机", 6499),
                      ("索尼", "α6400 16-50套机", 6999)],
      6, at(("02", "04"), "office"), loanable=True),
    K("209", "数码摄像机", [("索尼", "FDR-AX60", 6999), ("松下", "HC-VX1GK", 4999)], 3, at("02", "office"),
      loanable=True),
    K("209", "功放音箱", [("得胜", "TM20 扩音器", 680), ("雅马哈", "Stagepas 400BT 便携音箱", 5800),
                      ("JBL", "EON 710 有源音箱", 3200)],
      20, at("14", "gym", 0.4) + at(("01", "02"), "meeting", 0.3) + at(GRADE_DEPTS, "office", 0.3), loanable=True),
    K("209", "无线话筒", [("舒尔", "BLX288 一拖二", 2680), ("得胜", "WM-7000 一拖二", 780)],
      15, at(("02", "04"), "office", 0.5) + at("14", "gym", 0.5), unit="套", batch=(1, 3), loanable=True),
    # 安防设备
    K("211", "网络摄像机", [("海康威视", "DS-2CD3T46WDV3-I3 400万", 560), ("大华", "DH-IPC-HFW2433M", 420)],
      50, at(GRADE_DEPTS, "classroom", 0.3) + at("050202", "office", 0.2) + at("050201", "dining", 0.2)
      + at("05", "security", 0.3), batch=(2, 8)),
    K("211", "硬盘录像机", [("海康威视", "DS-7932N-R4 32路", 4800)], 3, at("05", "security", 0.5) + at("02", "server", 0.5)),
    K("211", "人脸识别门禁", [("海康威视", "DS-K5671-ZU", 2680)], 6, at("050202", "office", 0.7) + at("05", "security", 0.3)),
    # 空调设备
    K("207", "空调", [("格力", "KFR-35GW 1.5匹变频挂机", 3199), ("美的", "KFR-35GW/N8MJA3 1.5匹挂机", 2899),
                    ("格力", "KFR-26GW 大1匹挂机", 2699), ("海尔", "KFR-35GW/81@U1 1.5匹挂机", 2799)],
      270, at(ALL_DEPTS, "office", 0.3) + at("050202", "dorm", 0.5) + at("03", "lab", 0.1) + at("03", "library", 0.1),
      damageable=True),
    K("207", "柜式空调", [("格力", "KFR-72LW 3匹变频柜机", 7999), ("美的", "KFR-72LW/BDN8Y 3匹柜机", 6999),
                      ("格力", "KFR-120LW 5匹柜机", 12800)],
      70, at(GRADE_DEPTS, "classroom", 0.55) + at(("01", "02"), "meeting", 0.1) + at("050201", "dining", 0.15)
      + at("03", "library", 0.1) + at("14", "gym", 0.1)),
    # 电气设备
    K("206", "电热开水器", [("佳尼特", "CR-60 商用开水器", 3800), ("美的", "KS-60 步进式开水器", 3200)],
      20, at("050202", "office", 0.5) + at("050205", "laundry", 0.3) + at(GRADE_DEPTS, "office", 0.2)),
    K("206", "饮水机", [("美的", "YR1226S-X 立式", 699), ("安吉尔", "Y1351LK 立式", 499)],
      30, OFFICES, batch=(1, 2)),
    K("206", "洗衣机", [("海尔", "EG100MATE2S 10公斤滚筒", 2399), ("小天鹅", "TG100V20WDG", 2199),
                     ("海尔", "XQB90-M12699T 投币式", 1680)],
      12, at("050205", "laundry", 0.8) + at("050202", "office", 0.2)),
    K("206", "电冰箱", [("海尔", "BCD-216STPT", 1699), ("美的", "BCD-215TM", 1499)],
      5, at(("01", "02", "050201"), "office")),
    K("206", "汽油发电机", [("雅马哈", "EF6600E", 12800)], 1, at("050203", "workshop")),
    K("206", "低压配电柜", [("正泰", "GGD 低压配电柜", 18600)], 2, at("050203", "workshop")),
    K("206", "多级离心泵", [("格兰富", "CR10-6", 9800)], 2, at("050203", "workshop")),
    # 机械设备（维修工具）
    K("205", "电焊机", [("瑞凌", "ZX7-250 逆变直流焊机", 1580)], 3, at("050203", "office")),
    K("205", "管道疏通机", [("宝工", "GQ-200 电动管道疏通机", 2380)], 3, at("050203", "office")),
    K("205", "冲击钻", [("博世", "GSB 600", 499), ("东成", "Z1J-FF-13", 329)], 6, at("050203", "office"),
      batch=(1, 3), loanable=True),
    K("205", "电锤", [("牧田", "HR2470", 1180)], 3, at("050203", "office"), loanable=True),
    K("205", "铝合金人字梯", [("金锚", "AMB-06 六步", 380)], 5, at(("050203", "050204"), "office"), unit="架",
      batch=(1, 4), loanable=True, serial=False),
    K("205", "数字万用表", [("优利德", "UT89X", 268), ("福禄克", "F17B+", 980)], 5, at("050203", "office"),
      unit="块", batch=(1, 3), loanable=True),
    K("205", "台式钻床", [("西湖", "Z512B", 1650)], 1, at("050203", "office")),
    # 车辆
    K("203", "校车", [("宇通", "ZK6609DX 19座专用校车", 386000)], 1, at("05", "garage"), unit="辆"),
    K("203", "电动巡逻车", [("绿通", "LT-S4 四座", 32800)], 1, at("05", "garage"), unit="辆"),
    K("203", "电动保洁三轮车", [("宗申", "ZS-1500", 6800)], 2, at("050204", "office"), unit="辆"),
    # 教学仪器
    K("301", "学生显微镜", [("麦克奥迪", "XSP-2CA 双目", 680), ("凤凰", "XSP-02-640X", 420)], 8, at("03", "lab"),
      batch=(10, 30)),
    K("301", "电子天平", [("舜宇恒平", "JA2003 0.001g", 680), ("双杰", "JJ200 0.01g", 260)], 6, at("03", "lab"),
      batch=(5, 20)),
    K("301", "力学演示实验器材", [("教学仪器厂", "J2201 力学演示套件", 360)], 5, at("03", "lab"), unit="套",
      batch=(10, 30), serial=False),
    K("301", "电学实验箱", [("教学仪器厂", "J2420 学生电学实验箱", 290)], 5, at("03", "lab"), unit="套",
      batch=(10, 30), serial=False),
    K("301", "通风橱", [("实验室设备", "全钢通风柜 1500mm", 9800)], 4, at("03", "lab")),
    K("301", "数字化实验系统", [("朗威", "DISLab 8.0", 28000)], 3, at("03", "lab"), unit="套"),
    K("301", "教学地球仪", [("博目", "32cm 政区地形", 85)], 4, at("03", "lab"), unit="个", batch=(10, 40), serial=False),
    K("301", "人体骨骼模型", [("康谊", "XC-101 170cm", 480)], 4, at("03", "lab"), unit="个", batch=(1, 4), serial=False),
    K("301", "3D打印机", [("创想三维", "Ender-3 S1 Pro", 2999), ("闪铸", "Adventurer 5M", 3999)], 3,
      at("03", "lab"), loanable=True),
    K("301", "教育机器人套装", [("乐高", "EV3 45544", 3980)], 4, at("03", "lab"), unit="套", loanable=True),
    # 体育器材
    K("302", "篮球", [("斯伯丁", "74-604Y 7号", 168), ("李宁", "LBQK577 7号", 129)], 10, at("14", "gym"),
      unit="个", batch=(20, 50), loanable=True, serial=False),
    K("302", "足球", [("阿迪达斯", "5号比赛用球", 199), ("迪卡侬", "F500 5号", 99)], 8, at("14", "gym"),
      unit="个", batch=(20, 40), loanable=True, serial=False),
    K("302", "排球", [("米卡萨", "V200W", 298), ("摩腾", "V5M5000", 268)], 5, at("14", "gym"),
      unit="个", batch=(10, 30), loanable=True, serial=False),
    K("302", "乒乓球台", [("红双喜", "T3726 彩虹", 2980), ("双鱼", "233", 1880)], 8, at("14", "gym"), unit="张",
      serial=False, damageable=True),
    K("302", "羽毛球拍", [("尤尼克斯", "NR-7000i", 238), ("李宁", "A700", 159)], 5, at("14", "gym"),
      unit="副", batch=(10, 30), loanable=True, serial=False),
    K("302", "商用跑步机", [("舒华", "SH-T5170", 9800)], 3, at("14", "gym")),
    K("302", "移动式篮球架", [("金陵体育", "JLB-1 液压", 8600)], 4, at("14", "gym"), unit="副", serial=False,
      damageable=True),
    K("302", "体操垫", [("泰山体育", "1.2m×2m 海绵垫", 320)], 4, at("14", "gym"), unit="块", batch=(10, 30),
      loanable=True, serial=False),
    K("302", "跳高架", [("金陵体育", "铝合金 升降式", 1280)], 2, at("14", "gym"), unit="副", loanable=True, serial=False),
    K("302", "秒表", [("天福", "PC2810", 68)], 3, at("14", "gym"), unit="块", batch=(10, 30), loanable=True,
      serial=False),
    # 厨房设备
    K("303", "蒸饭柜", [("伊东", "ZF-24 24盘燃气", 6500), ("美厨", "ZFG-12 12盘电热", 4800)], 10, at("050201", "kitchen")),
    K("303", "消毒柜", [("康宝", "XDR380-E2 热风消毒柜", 3800), ("美的", "MXV-ZLP90Q15", 2680)], 10,
      at("050201", "kitchen")),
    K("303", "冷藏冷冻柜", [("星星", "BCD-1000Y 四门", 4200), ("海尔", "SL-1050C2D2 六门", 4600)], 12,
      at("050201", "kitchen", 0.7) + at("050201", "store", 0.3)),
    K("303", "和面机", [("恒联", "HWT-25", 3600)], 3, at("050201", "kitchen")),
    K("303", "燃气炒灶", [("美厨", "双头大锅灶", 5800), ("鸿盛", "单头小炒灶", 3200)], 8, at("050201", "kitchen")),
    K("303", "不锈钢操作台", [("定制", "1.5m×0.8m 双层", 980)], 15, at("050201", "kitchen"), unit="张", batch=(2, 8),
      serial=False),
    K("303", "不锈钢餐盘", [("友谊", "五格快餐盘 304不锈钢", 18)], 8, at("050201", "dining"), unit="个",
      batch=(200, 600), serial=False),
    K("303", "保温售饭台", [("定制", "六格 1.8m", 8600)], 4, at("050201", "dining"), serial=False),
    K("303", "绞肉机", [("南常", "TJ12", 2380)], 3, at("050201", "kitchen")),
    K("303", "通道式洗碗机", [("美厨", "TC-2", 36000)], 1, at("050201", "kitchen")),
    K("303", "食品留样柜", [("海尔", "HYC-68", 1980)], 2, at("050201", "kitchen")),
    # 环卫绿化设备
    K("304", "割草机", [("本田", "HRJ216 汽油", 2600), ("富世华", "LC 140", 2380)], 4, at("050204", "office")),
    K("304", "绿篱机", [("斯蒂尔", "HS 82 R", 2800)], 3, at("050204", "office")),
    K("304", "高压清洗机", [("凯驰", "HD 6/13 C", 5800)], 2, at("050204", "office")),
    K("304", "分类垃圾桶", [("世达", "240L 四色分类", 260)], 8, at("050204", "office"), unit="个", batch=(4, 20),
      serial=False),
    K("304", "驾驶式洗地机", [("高美", "GM110BT", 26000)], 1, at("050204", "office")),
    K("304", "背负式喷雾器", [("卫士", "WS-16", 168)], 3, at("050204", "office"), unit="个", batch=(2, 6),
      serial=False),
    # 医疗卫生设备
    K("305", "自动体外除颤器", [("迈瑞", "BeneHeart C1A", 19800)], 2, at("14", "gym", 0.5) + at("05", "security", 0.5)),
    # 办公家具
    K("601", "办公桌", [("震旦", "1.4m 钢木", 860), ("圣奥", "SA-1408 1.4m", 1080)], 60, OFFICES, unit="张",
      batch=(1, 4), serial=False, damageable=True),
    K("601", "办公椅", [("圣奥", "网背职员椅", 380), ("震旦", "AC-6100", 420)], 50, OFFICES, unit="把",
      batch=(2, 8), serial=False, damageable=True),
    K("601", "文件柜", [("永发", "钢制 1850×900", 680), ("得力", "33292 钢制", 590)], 55, OFFICES, unit="个",
      batch=(1, 6), serial=False),
    K("601", "会议桌", [("震旦", "3.6m 会议桌", 4800)], 4, at(("01", "02", "03"), "meeting"), unit="张", serial=False),
    K("601", "三人位沙发", [("圣奥", "真皮 三人位", 3200)], 4, at(("01", "02"), "office"), unit="套", serial=False),
    K("601", "档案密集架", [("永发", "手动密集架 10列", 18600)], 1, at("02", "archive"), unit="组", serial=False),
    K("601", "保险柜", [("永发", "BGX-5/D1-60", 1680)], 3, at("0501", "office"), unit="个"),
    # 宿舍家具
    K("602", "双层铁床", [("定制", "上下铺 0.9m×2m 钢制", 560)], 120, at("050202", "dorm"), unit="张", batch=(2, 4),
      serial=False, damageable=True),
    K("602", "公寓床（上床下桌）", [("定制", "钢木 含书桌衣柜", 1380)], 50, at("050202", "dorm"), unit="套",
      serial=False, damageable=True),
    K("602", "学生衣柜", [("定制", "钢制四门", 420)], 60, at("050202", "dorm"), unit="个", batch=(2, 8),
      serial=False, damageable=True),
    # 教学家具
    K("603", "学生课桌椅", [("华德", "单人升降", 320), ("中泰", "ZT-K02 单人", 280)], 120,
      at(GRADE_DEPTS, "classroom"), unit="套", batch=(40, 55), serial=False, damageable=True),
    K("603", "多媒体讲台", [("华德", "钢制 多媒体讲台", 1600)], 70, at(GRADE_DEPTS, "classroom"), unit="张",
      serial=False, damageable=True),
    K("603", "推拉式绿板", [("鸿合", "4.2m×1.2m", 1200)], 40, at(GRADE_DEPTS, "classroom"), unit="块", serial=False),
    K("603", "全钢实验台", [("定制", "2.4m 全钢", 2600)], 20, at("03", "lab"), unit="张", serial=False),
    K("603", "双面书架", [("定制", "钢制 2m", 680)], 15, at("03", "library"), unit="个", batch=(2, 10), serial=False),
    K("603", "六人阅览桌", [("定制", "实木 2.4m", 1280)], 10, at("03", "library"), unit="张", serial=False),
    # 食堂家具
    K("604", "餐桌椅", [("定制", "不锈钢八人连体餐桌", 1150), ("定制", "四人位餐桌椅", 560)], 25, at("050201", "dining"),
      unit="套", batch=(5, 20), serial=False, damageable=True),
    # 被服装具
    K("605", "学生棉被", [("罗莱", "1.5kg 纯棉", 128)], 5, at("050202", "office"), unit="床", batch=(50, 200),
      serial=False),
    # 图书
    K("501", "图书", [("人民文学出版社", "文学类（《红楼梦》等）", 42), ("商务印书馆", "《现代汉语词典》第7版", 89),
                    ("科学出版社", "科普类", 36), ("人民教育出版社", "教辅类", 28), ("中华书局", "历史类（《史记》等）", 58)],
      40, at("03", "library"), unit="册", batch=(50, 300), serial=False),
    K("501", "期刊合订本", [("中学生物理编辑部", "《中学生物理》年度合订本", 60)], 5, at("03", "library"), unit="册",
      batch=(5, 20), serial=False),
    # 陈列品
    K("402", "校史陈列品", [(None, "建校老校门匾额", 12000), (None, "校友捐赠书法作品（装裱）", 5000),
                       (None, "校史沙盘模型", 26800)],
      2, at("02", "archive"), unit="件", serial=False),
]

# Buildings and structures: one card each (not scaled).
PROPERTY = [
    ("102", "教学楼A", "框架结构 5层 建筑面积6800㎡", 28600000, 2008),
    ("102", "教学楼B", "框架结构 5层 建筑面积6800㎡", 29800000, 2010),
    ("102", "东校区教学楼C", "框架结构 5层 建筑面积7200㎡", 36500000, 2016),
    ("102", "实验楼", "框架结构 4层 建筑面积5200㎡", 24200000, 2012),
    ("102", "行政楼", "框架结构 3层 建筑面积3100㎡", 13800000, 2006),
    ("102", "图书馆", "框架结构 3层 建筑面积4200㎡", 19600000, 2013),
    ("102", "体育馆", "钢结构 建筑面积3600㎡", 21800000, 2015),
    ("102", "食堂", "框架结构 2层 建筑面积4800㎡", 18500000, 2009),
    ("102", "男生宿舍1号楼", "框架结构 6层 建筑面积8600㎡", 31200000, 2007),
    ("102", "女生宿舍2号楼", "框架结构 6层 建筑面积8600㎡", 31200000, 2007),
    ("102", "东校区学生公寓3号楼", "框架结构 5层 建筑面积5600㎡", 25800000, 2016),
    ("102", "男生宿舍4号楼", "砖混结构 5层 建筑面积4300㎡", 9800000, 2001),
    ("102", "女生宿舍5号楼", "砖混结构 5层 建筑面积4300㎡", 9800000, 2001),
    ("102", "男生宿舍6号楼", "框架结构 4层 建筑面积4100㎡", 15600000, 2012),
    ("102", "女生宿舍7号楼", "框架结构 4层 建筑面积4100㎡", 15600000, 2012),
    ("102", "东校区学生公寓8号楼", "框架结构 5层 建筑面积5600㎡", 26900000, 2018),
    ("103", "田径场（400米塑胶跑道）", "标准400米 含人造草坪足球场", 3800000, 2015),
    ("103", "校园围墙及大门", "砖混 总长1.8km", 1260000, 2006),
]

LOAN_CONDITIONS = ("完好", "完好", "完好", "完好，配件齐全", "外观轻微磨损", "缺少电源线（已补齐）")
TRANSFER_REASONS = ("新学期班级调整，设备随班级调入", "部门职能调整，资产随岗位调入", "闲置资产调剂使用",
                    "教室改造，设备临时搬迁", "人员调岗，资产随人调拨", "按校务会决定统一调配")
DISPOSAL_REASONS = {  # by category code
    "201": ("使用年限已满，主板故障，维修费用超过残值，无维修价值", "技术淘汰，配件已停产，无法维修"),
    "207": ("压缩机损坏，整机能效不达标，建议报废", "使用年限已满，制冷效果差，多次维修无效"),
    "6": ("锈蚀变形，存在安全隐患，不宜继续使用", "板材开裂、连接件松脱，无修复价值"),
    "": ("设备老化严重，多次维修仍不能正常使用", "使用年限已满，配件已停产，无法维修"),
}
NATURAL_DAMAGE = ("使用年久，自然老化损坏", "焊点开裂，已安排维修", "屏幕出现坏点，送厂家保修",
                  "电源板老化烧毁", "五金件磨损脱落")
HUMAN_DAMAGE = ("学生打闹踢坏柜门", "篮球砸坏显示屏", "私自拆卸零件导致损坏", "搬运时磕碰损坏", "违规使用造成损坏")

LABELS = ("部门", "教职工", "考核", "资产分类", "存放地点", "资产卡片", "借用登记", "调拨", "损坏赔偿", "报废申请",
          "盘点", "盘点明细",
          "供应商", "经费预算", "采购申请", "采购明细", "验收", "报销",
          "报修单", "维修耗材", "延期申请",
          "宿舍楼", "房间", "床位", "学生", "住宿记录", "调宿/退宿申请", "卫生检查", "违纪记录",
          "用户", "表具", "抄表记录",
          "巡视记录", "安全隐患",
          "满意度调查", "调查项目", "答卷", "单项评价")


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------

def load_demo(scale: int = 1) -> dict[str, int]:
    """Prepare the database and, when it holds no 教职工 yet, fill it with demo data. Returns counts."""
    if not current_app.config.get("DEMO_MODE"):
        raise RuntimeError("演示数据只能在演示模式（DEMO_MODE）下载入：它会创建公开密码的演示账号，切勿用于正式环境。")
    if scale < 1:
        raise ValueError("scale 至少为 1")
    from app.extensions import db
    from app.platform.cli import prepare_database
    from models.org import Staff

    prepare_database()
    session = db.session
    if not session.scalar(select(func.count()).select_from(Staff)):
        _Builder(session, scale).build()
        session.commit()
        from app.meta.pinyin import backfill

        backfill(session)  # PostgreSQL's COPY path bypasses the pinyin column defaults
    return counts(session)


def load_demo_if_empty(scale: int = 1) -> dict[str, int]:
    """`python run.py --demo`: switch the app to demo mode and load the demo data once."""
    current_app.config["DEMO_MODE"] = True
    return load_demo(scale=scale)


def counts(session) -> dict[str, int]:
    from flask_appbuilder.security.sqla.models import User

    from app.extensions import engine
    from app.rules.history import WorkflowLog

    by_label = {m.__admin__.label: m for m in engine().models}
    found = {label: session.scalar(select(func.count()).select_from(by_label[label]))
             for label in LABELS if label in by_label}
    found["登录账号"] = session.scalar(select(func.count()).select_from(User))
    found["流程记录"] = session.scalar(select(func.count()).select_from(WorkflowLog))
    return found


# ---------------------------------------------------------------------------------------------
# The builder
# ---------------------------------------------------------------------------------------------

def _copy_text(value) -> str:
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _copy_converter(column):
    """How one column's values are written in PostgreSQL's COPY text format (NULL is \\N)."""
    from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric
    from sqlalchemy import Enum as SAEnum

    kind = column.type
    if isinstance(kind, SAEnum):  # stored by member name
        return lambda v: "\\N" if v is None else (v.name if isinstance(v, enum.Enum) else str(v))
    if isinstance(kind, Boolean):
        return lambda v: "\\N" if v is None else ("t" if v else "f")
    if isinstance(kind, (Date, DateTime)):
        return lambda v: "\\N" if v is None else v.isoformat()
    if isinstance(kind, (Integer, Numeric)):
        return lambda v: "\\N" if v is None else str(v)
    return lambda v: "\\N" if v is None else _copy_text(v)


def copy_rows(session, table, rows: list[dict]) -> None:
    """Bulk insert through COPY FROM STDIN (PostgreSQL): several times faster than multi-row INSERTs."""
    if not rows:
        return
    columns = list(rows[0])
    converters = [(c, _copy_converter(table.c[c])) for c in columns]
    cursor = session.connection().connection.cursor()
    try:
        for start in range(0, len(rows), 50000):
            buffer = io.StringIO()
            buffer.writelines("\t".join([convert(row[c]) for c, convert in converters]) + "\n"
                              for row in rows[start:start + 50000])
            buffer.seek(0)
            cursor.copy_expert(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN", buffer)
    finally:
        cursor.close()


def is_postgresql(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def school_year_start(today: date) -> date:
    return date(today.year if today.month >= 9 else today.year - 1, 9, 1)


def last_term(today: date) -> str:
    """The most recent finished term, e.g. 2025-2026学年第二学期 in November 2026."""
    if today.month >= 9:
        return f"{today.year - 1}-{today.year}学年第二学期"
    if today.month >= 2:
        return f"{today.year - 1}-{today.year}学年第一学期"
    return f"{today.year - 2}-{today.year - 1}学年第二学期"


class _Builder:
    def __init__(self, session, scale: int):
        self.session = session
        self.scale = scale
        self.rng = random.Random(2026)
        self.today = clock.today()
        # The school year shown: from last September (a year before the current one) up to today.
        self.start = date(school_year_start(self.today).year - 1, 9, 1)

    # -- helpers ------------------------------------------------------------------------------
    def bulk(self, model, rows: list[dict]) -> None:
        table = model.__table__
        if is_postgresql(self.session):
            copy_rows(self.session, table, rows)
            return
        for i in range(0, len(rows), CHUNK):
            self.session.execute(insert(table), rows[i:i + CHUNK])

    def day_between(self, first: date, last: date) -> date:
        if last <= first:
            return first
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

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

    # -- build ----------------------------------------------------------------------------------
    def build(self) -> None:
        from models.assets import AssetCategory
        from models.org import Department

        s = self.session
        self.departments = {d.code: d for d in s.scalars(select(Department))}
        self.dept_ids = {code: d.id for code, d in self.departments.items()}
        self.categories = {c.code: c.id for c in s.scalars(select(AssetCategory))}
        self.build_locations()
        self.build_accounts()
        self.build_staff()
        self.build_assets()
        self.plan_transfers()
        self.plan_disposals()
        self.plan_damages()
        self.plan_loans()
        self.plan_stocktake()
        self.write_assets()
        self.write_activity()
        self.build_assessments()
        _Activity(self).build()

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

    # -- assets ---------------------------------------------------------------------------------
    def build_assets(self) -> None:
        from models.assets import AssetStatus, FundSource, PurchaseMethod, UsePurpose

        rng = self.rng
        today = self.today
        years = list(range(today.year - 14, today.year + 1))
        year_weights = [1 + i * 0.6 for i in range(len(years))]
        existing = set(self.session.scalars(select(self.asset_model().code)))
        next_seq: dict[int, int] = defaultdict(int)

        def new_code(year: int) -> str:
            while True:
                next_seq[year] += 1
                code = f"ZC-{year}-{next_seq[year]:06d}"
                if code not in existing:
                    return code

        purpose_of = {**{t: UsePurpose.teaching for t in TEACHING_PURPOSE_TAGS},
                      **{t: UsePurpose.admin for t in ADMIN_PURPOSE_TAGS}}
        status_in_use = AssetStatus.in_use
        self.assets: list[dict] = []
        self.asset_kind: list[Kind | None] = []
        place_choices = {id(k): ([(d, t) for d, t, _ in k.places], [w for _, _, w in k.places]) for k in KINDS}

        total = 2000 * self.scale
        kinds = rng.choices(KINDS, [k.weight for k in KINDS], k=total)
        for kind in kinds:
            brand, spec, price = rng.choice(kind.models)
            unit_price = Decimal(price * rng.uniform(0.93, 1.04))
            unit_price = unit_price.quantize(Decimal("1") if unit_price >= 100 else Decimal("0.1")).quantize(CENT)
            if price >= 1000 and unit_price < 1000:  # a fixed asset stays one
                unit_price = Decimal(price).quantize(CENT)
            quantity = 1 if unit_price >= 1000 else rng.randint(*kind.batch)
            year = rng.choices(years, year_weights)[0]
            purchased = self.day_between(date(year, 1, 1), min(date(year, 12, 31), today))
            choices, weights = place_choices[id(kind)]
            dept, tag = rng.choices(choices, weights)[0]
            places = self.places[dept]
            location = rng.choice(places.get(tag) or [i for ids in places.values() for i in ids])
            keeper = self.keeper_for(dept)
            user = None
            if kind.personal:
                user = keeper if rng.random() < 0.5 else self.keeper_for(dept)
            amount = (unit_price * quantity).quantize(CENT)
            if amount >= 100000:
                method = rng.choice((PurchaseMethod.tender, PurchaseMethod.government))
            elif unit_price >= 3000:
                method = rng.choice((PurchaseMethod.inquiry, PurchaseMethod.government))
            else:
                method = rng.choice((PurchaseMethod.self_buy, PurchaseMethod.inquiry))
            age = today.year - year
            roll = rng.random()
            if roll < 0.05:
                status = AssetStatus.idle
            elif roll < 0.06:
                status = AssetStatus.repairing
            elif roll < 0.08 and age >= 8:
                status = AssetStatus.scrapped
            else:
                status = status_in_use
            self.assets.append(dict(
                code=new_code(year), name=kind.name, category_id=self.categories[kind.category], brand=brand,
                spec=spec, serial_no=f"{rng.getrandbits(44):011X}" if kind.serial else None, unit=kind.unit,
                quantity=quantity, unit_price=unit_price, amount=amount,
                fund_source=rng.choices(list(FundSource), (0.7, 0.22, 0.05, 0.03))[0], purchase_method=method,
                purchased_on=purchased,
                warranty_until=purchased + timedelta(days=365 * rng.choice((1, 2, 3))) if kind.serial else None,
                department_id=self.dept_ids[dept], keeper_id=keeper, user_id=user, location_id=location,
                purpose=purpose_of.get(tag, UsePurpose.living), status=status, last_stocktake_on=None,
                remark=None, row_version=1))
            self.asset_kind.append(kind)

        keeper = self.demo_staff["zongwu"]
        for category, name, spec, price, year in PROPERTY:
            purchased = date(year, rng.randint(6, 8), rng.randint(1, 28))
            self.assets.append(dict(
                code=new_code(year), name=name, category_id=self.categories[category], brand=None, spec=spec,
                serial_no=None, unit="栋" if category == "102" else "项", quantity=1,
                unit_price=Decimal(price).quantize(CENT), amount=Decimal(price).quantize(CENT),
                fund_source=FundSource.budget, purchase_method=PurchaseMethod.government, purchased_on=purchased,
                warranty_until=None, department_id=self.dept_ids["05"], keeper_id=keeper, user_id=None,
                location_id=None, purpose=UsePurpose.living, status=status_in_use, last_stocktake_on=None,
                remark="房屋及构筑物，按竣工决算价入账", row_version=1))
            self.asset_kind.append(None)
        self.code_of_dept = {v: k for k, v in self.dept_ids.items()}

    @staticmethod
    def asset_model():
        from models.assets import Asset

        return Asset

    def sample_assets(self, count: int, accept) -> list[int]:
        """Up to ``count`` distinct asset indexes that ``accept(index)``, drawn at random."""
        candidates = [i for i in range(len(self.assets)) if accept(i)]
        self.rng.shuffle(candidates)
        return candidates[:count]

    def plan_transfers(self) -> None:
        from models.assets import AssetStatus

        rng = self.rng
        latest = self.today - timedelta(days=30)
        self.transfers: list[dict] = []
        self.busy: set[int] = set()
        chosen = self.sample_assets(60 * self.scale, lambda i: self.asset_kind[i] is not None
                                    and self.assets[i]["status"] == AssetStatus.in_use
                                    and self.assets[i]["purchased_on"] < latest)
        for i in chosen:
            asset, kind = self.assets[i], self.asset_kind[i]
            current = self.code_of_dept[asset["department_id"]]
            options = [(d, t, w) for d, t, w in kind.places if d != current]
            if options:
                dept, tag, _ = rng.choices(options, [w for _, _, w in options])[0]
            else:
                dept, tag = rng.choice([d for d in ALL_DEPTS if d != current]), "office"
            places = self.places[dept]
            to_location = rng.choice(places.get(tag) or [x for ids in places.values() for x in ids])
            to_keeper = self.keeper_for(dept)
            moved = self.day_between(max(self.start, asset["purchased_on"] + timedelta(days=30)), self.today)
            self.transfers.append(dict(
                asset=i, from_department_id=asset["department_id"], from_keeper_id=asset["keeper_id"],
                from_location_id=asset["location_id"], to_department_id=self.dept_ids[dept], to_keeper_id=to_keeper,
                to_location_id=to_location, transferred_on=moved, reason=rng.choice(TRANSFER_REASONS),
                row_version=1))
            asset.update(department_id=self.dept_ids[dept], keeper_id=to_keeper, location_id=to_location)
            if asset["user_id"] is not None:
                asset["user_id"] = to_keeper
            self.busy.add(i)

    def plan_disposals(self) -> None:
        from models.assets import AssetStatus, DisposalStatus

        rng = self.rng
        old = self.today.year - 6
        self.disposals: list[dict] = []
        chosen = self.sample_assets(15 * self.scale, lambda i: self.asset_kind[i] is not None
                                    and i not in self.busy and self.assets[i]["purchased_on"].year <= old
                                    and self.assets[i]["status"] in (AssetStatus.in_use, AssetStatus.idle))
        for n, i in enumerate(chosen):
            asset = self.assets[i]
            status = rng.choices((DisposalStatus.pending, DisposalStatus.approved, DisposalStatus.rejected), (0.3, 0.6, 0.1))[0]
            if n == 0:
                status = DisposalStatus.pending  # at least one waits for approval
            if status == DisposalStatus.approved:
                asset["status"] = AssetStatus.scrapped
            elif status == DisposalStatus.pending:
                asset["status"] = AssetStatus.idle
            applicant = self.demo_staff["baoguan"] if rng.random() < 0.5 or not asset["keeper_id"] \
                else asset["keeper_id"]
            residual = (asset["amount"] * Decimal(rng.uniform(0, 0.05))).quantize(CENT)
            self.disposals.append(dict(asset=i, applicant_id=applicant,
                                       applied_on=self.day_between(self.start, self.today),
                                       reason=rng.choice(self.disposal_reasons(self.asset_kind[i])),
                                       residual_value=residual, status=status,
                                       approval_stage="后勤主任" if status == DisposalStatus.pending else None,
                                       row_version=1))
            self.busy.add(i)

    @staticmethod
    def disposal_reasons(kind: Kind) -> tuple[str, ...]:
        for prefix in (kind.category, kind.category[0], ""):
            if prefix in DISPOSAL_REASONS:
                return DISPOSAL_REASONS[prefix]
        return DISPOSAL_REASONS[""]

    def plan_damages(self) -> None:
        from models.assets import AssetStatus, DamageCause

        rng = self.rng
        self.damages: list[dict] = []
        chosen = self.sample_assets(40 * self.scale, lambda i: self.asset_kind[i] is not None
                                    and self.asset_kind[i].damageable and i not in self.busy
                                    and self.assets[i]["status"] == AssetStatus.in_use)
        recent = self.today - timedelta(days=20)
        for i in chosen:
            asset = self.assets[i]
            damaged = self.day_between(max(self.start, asset["purchased_on"]), self.today)
            dept = self.code_of_dept[asset["department_id"]]
            if rng.random() < 0.55:
                cause, liable, compensation, settled = DamageCause.natural, None, Decimal("0.00"), False
                remark = rng.choice(NATURAL_DAMAGE)
                if damaged >= recent:
                    asset["status"] = AssetStatus.repairing
            else:
                cause = DamageCause.human
                grade = {"11": "高一", "12": "高二", "13": "高三"}.get(dept) or rng.choice(("高一", "高二", "高三"))
                klass = f"{grade}({rng.randint(1, 12)})班"
                if dept in GRADE_DEPTS or dept == "050202" or rng.random() < 0.5:
                    liable = f"{klass} {self.person_name(rng.random() < 0.6)}" if rng.random() < 0.7 else klass
                else:
                    liable = self.staff_name[rng.choice(self.staff_by_dept[dept])]
                base = min(asset["unit_price"], asset["amount"])
                compensation = max(Decimal("10.00"), (base * Decimal(rng.uniform(0.1, 0.6))).quantize(Decimal("1")))
                compensation = compensation.quantize(CENT)
                settled = rng.random() < 0.6
                remark = rng.choice(HUMAN_DAMAGE)
            self.damages.append(dict(asset=i, damaged_on=damaged, cause=cause, liable=liable,
                                     compensation=compensation, settled=settled, remark=remark, row_version=1))
            self.busy.add(i)

    def plan_loans(self) -> None:
        from models.assets import AssetStatus, LoanApproval

        rng = self.rng
        today = self.today
        total = 150 * self.scale
        pool = self.sample_assets(total, lambda i: self.asset_kind[i] is not None and self.asset_kind[i].loanable
                                  and i not in self.busy and self.assets[i]["status"]
                                  in (AssetStatus.in_use, AssetStatus.idle))
        if len(pool) < total:  # not enough loanable items: lend other small equipment too
            extra = self.sample_assets(total - len(pool), lambda i: self.asset_kind[i] is not None
                                       and not self.asset_kind[i].loanable and i not in self.busy
                                       and self.assets[i]["unit_price"] < 10000
                                       and self.assets[i]["status"] in (AssetStatus.in_use, AssetStatus.idle))
            pool += extra
        # The demo accounts borrow first, so their screens show returned, open and overdue loans.
        scripted = [("jiaoshi", "returned")] * 4 + [("jiaoshi", "lent"), ("jiaoshi", "overdue"),
                                                    ("sushe", "returned"), ("sushe", "lent"),
                                                    ("shitang", "returned"), ("shitang", "lent"),
                                                    ("weixiu", "returned"), ("weixiu", "lent"),
                                                    ("shuidian", "returned"), ("lvhua", "lent"),
                                                    ("baoguan", "returned"), ("zongwu", "returned")]
        all_staff = [r["id"] for r in self.staff_rows if r["on_duty"]]
        self.loans: list[dict] = []
        for n, i in enumerate(pool):
            asset = self.assets[i]
            if n < len(scripted):
                username, kind = scripted[n]
                borrower = self.demo_staff[username]
            else:
                kind = rng.choices(("returned", "lent", "overdue"), (0.7, 0.22, 0.08))[0]
                borrower = rng.choice(all_staff)
            earliest = max(self.start, asset["purchased_on"])
            if kind == "overdue" and earliest > today - timedelta(days=30):
                kind = "lent"  # bought too recently to be long overdue
            if kind == "returned":
                lent = self.day_between(earliest, today - timedelta(days=10))
                due = lent + timedelta(days=rng.choice((3, 7, 7, 14, 14, 30)))
                returned = min(lent + timedelta(days=rng.randint(1, (due - lent).days + 3)), today)
                condition = rng.choice(LOAN_CONDITIONS)
            elif kind == "lent":
                lent = self.day_between(max(earliest, today - timedelta(days=20)), today)
                due = today + timedelta(days=rng.randint(1, 21))
                returned, condition = None, None
            else:
                lent = self.day_between(max(earliest, today - timedelta(days=80)), today - timedelta(days=25))
                due = min(lent + timedelta(days=rng.randint(7, 20)), today - timedelta(days=1))
                returned, condition = None, None
            if returned is None:
                asset["status"] = AssetStatus.on_loan
            self.loans.append(dict(asset=i, borrower_id=borrower,
                                   department_id=self.dept_ids[self.staff_dept[borrower]], lent_on=lent, due_on=due,
                                   returned_on=returned, return_condition=condition, outside=False,
                                   approval=LoanApproval.none, row_version=1))
            self.busy.add(i)

    def plan_stocktake(self) -> None:
        from models.assets import AssetStatus, StocktakeResult

        rng = self.rng
        dept_id = self.dept_ids["050201"]
        kitchen = [x for ids in self.places["050201"].values() for x in ids]
        started, ended = self.today - timedelta(days=12), self.today - timedelta(days=7)
        self.stocktake = dict(name=f"{self.today.year}年秋季学期食堂资产盘点", department_id=dept_id, location_id=None,
                              started_on=started, ended_on=ended, row_version=1)
        self.stocktake_lines: list[dict] = []
        for i, asset in enumerate(self.assets):
            if asset["department_id"] != dept_id or asset["status"] == AssetStatus.scrapped \
                    or asset["purchased_on"] > started:
                continue
            book = asset["location_id"]
            roll = rng.random()
            remark = None
            if asset["status"] == AssetStatus.on_loan:
                found, actual, result, remark = True, None, StocktakeResult.normal, "已借出，凭借用登记核对"
            elif roll < 0.02 and i not in self.busy:
                found, actual, result, remark = False, None, StocktakeResult.missing, "多次查找未见实物，待查明原因"
                asset["status"] = AssetStatus.missing
            elif roll < 0.06:
                actual = rng.choice([x for x in kitchen if x != book] or kitchen)
                found, result, remark = True, StocktakeResult.misplaced, "实物存放地点与账面不符，已通知保管人更正"
            else:
                found, actual, result = True, book, StocktakeResult.normal
            asset["last_stocktake_on"] = ended
            self.stocktake_lines.append(dict(asset=i, book_location_id=book, found=found, actual_location_id=actual,
                                             result=result, remark=remark, row_version=1))
        for remark in ("盘盈：账外不锈钢货架一组，疑为早年自购未入账", "盘盈：账外电子秤一台"):
            self.stocktake_lines.append(dict(asset=None, book_location_id=None, found=True,
                                             actual_location_id=rng.choice(kitchen), result=StocktakeResult.surplus,
                                             remark=remark, row_version=1))

    def write_assets(self) -> None:
        Asset = self.asset_model()
        self.bulk(Asset, self.assets)
        ids = dict(self.session.execute(select(Asset.code, Asset.id)).all())
        self.asset_ids = [ids[a["code"]] for a in self.assets]

    def write_activity(self) -> None:
        from models.assets import (
            AssetDamage,
            AssetDisposal,
            AssetLoan,
            AssetTransfer,
            Stocktake,
            StocktakeLine,
            StocktakeStatus,
        )

        def resolve(rows: list[dict]) -> list[dict]:
            for row in rows:
                index = row.pop("asset")
                row["asset_id"] = None if index is None else self.asset_ids[index]
            return rows

        self.bulk(AssetTransfer, resolve(self.transfers))
        self.bulk(AssetDisposal, resolve(self.disposals))
        self.bulk(AssetDamage, resolve(self.damages))
        self.bulk(AssetLoan, resolve(self.loans))
        stocktake = Stocktake(**{k: v for k, v in self.stocktake.items() if k != "row_version"},
                              status=StocktakeStatus.closed)
        self.session.add(stocktake)
        self.session.flush()
        for line in self.stocktake_lines:
            line["stocktake_id"] = stocktake.id
        self.bulk(StocktakeLine, resolve(self.stocktake_lines))

    def build_assessments(self) -> None:
        from models.org import ASSESSMENT_WEIGHTS, Assessment, grade_for

        rng = self.rng
        term = last_term(self.today)
        remarks = ("工作认真负责，服务态度好", "维修及时，师生评价高", "能按时完成各项任务", "需加强服务意识",
                   "本学期有投诉，已整改", None, None, None)
        rows = []
        for staff in self.staff_rows:
            if not staff["on_duty"]:
                continue
            weak = rng.random() < 0.06
            low, high = (35, 75) if weak else (68, 99)
            scores = {name: Decimal(rng.uniform(low, high)).quantize(Decimal("0.1")) for name in ASSESSMENT_WEIGHTS}
            scores["self_score"] = max(scores["self_score"], Decimal(rng.uniform(80, 98)).quantize(Decimal("0.1")))
            total = sum(scores[name] * weight for name, weight in ASSESSMENT_WEIGHTS.items()).quantize(Decimal("0.1"))
            rows.append(dict(staff_id=staff["id"], term=term, **scores, total=total, grade=grade_for(total),
                             remark=rng.choice(remarks), row_version=1))
        self.bulk(Assessment, rows)


# =============================================================================================
# A school year of service activity: purchasing, repairs, dorms, utilities, safety, satisfaction
# =============================================================================================

# -- calendar ---------------------------------------------------------------------------------

def between(rng: random.Random, first: date, last: date) -> date:
    """A random day from ``first`` to ``last`` (``first`` when the range is empty)."""
    if last <= first:
        return first
    return first + timedelta(days=rng.randint(0, (last - first).days))


def in_winter_break(d: date) -> bool:
    return (d.month == 1 and d.day >= 20) or (d.month == 2 and d.day <= 16)


def in_summer_break(d: date) -> bool:
    return (d.month == 7 and d.day >= 10) or d.month == 8


def is_public_holiday(d: date) -> bool:
    return (d.month == 10 and d.day <= 7) or (d.month == 5 and d.day <= 5) or (d.month == 1 and d.day == 1)


def is_school_day(d: date) -> bool:
    return d.weekday() < 5 and not (in_winter_break(d) or in_summer_break(d) or is_public_holiday(d))


def activity_weight(d: date) -> float:
    """How busy a day is for reports and requests: term weekdays 1, weekends less, breaks much less."""
    if in_winter_break(d):
        return 0.12
    if in_summer_break(d):
        return 0.3
    if is_public_holiday(d):
        return 0.2
    return 1.0 if d.weekday() < 5 else 0.45


def term_start(today: date) -> date:
    """First day of the term under way (autumn from 1 September, spring from 17 February)."""
    if today.month >= 9:
        return date(today.year, 9, 1)
    if today.month >= 3 or (today.month == 2 and today.day >= 17):
        return date(today.year, 2, 17)
    return date(today.year - 1, 9, 1)


# -- purchasing -------------------------------------------------------------------------------

# (名称, 联系人, 电话, 地址, 经营范围标签)
SUPPLIERS = (
    ("杭州文源办公用品有限公司", "徐建华", "0571-88517263", "杭州市拱墅区湖墅南路268号", "office"),
    ("浙江华创计算机系统工程有限公司", "沈立群", "0571-87063152", "杭州市西湖区文三路90号东部软件园2号楼", "it"),
    ("杭州联华数码科技有限公司", "钱晓东", "0571-85024417", "杭州市上城区秋涛北路83号数码城3楼", "it"),
    ("浙江智慧教育装备有限公司", "陆文杰", "0571-86908833", "杭州市滨江区江南大道3880号", "it"),
    ("杭州永盛家具有限公司", "张永盛", "0571-86731290", "杭州市临平区东湖街道兴国路517号", "furniture"),
    ("浙江美厨厨房设备有限公司", "冯国良", "0571-88237645", "杭州市余杭区仁和街道云联路18号", "kitchen"),
    ("杭州丰源厨具餐具商行", "邱美凤", "0571-85376012", "杭州市拱墅区勤丰路155号", "kitchen"),
    ("杭州好运来体育用品有限公司", "胡卫兵", "0571-88078516", "杭州市西湖区黄龙路1号体育用品市场", "sports"),
    ("浙江博远教学仪器设备有限公司", "何志明", "0571-87217730", "杭州市西湖区天目山路181号", "lab"),
    ("杭州宏达五金机电有限公司", "叶宏达", "0571-86695241", "杭州市上城区九堡大道1555号五金城", "hardware"),
    ("杭州建业水电安装材料有限公司", "郑建业", "0571-88151378", "杭州市拱墅区石祥路71号建材市场", "hardware"),
    ("杭州绿源园林工程有限公司", "吕青松", "0571-88621905", "杭州市余杭区闲林街道花木城", "greening"),
    ("杭州新知图书发行有限公司", "林书文", "0571-85157908", "杭州市上城区解放路156号", "books"),
    ("杭州安居消防器材有限公司", "曹安平", "0571-86012239", "杭州市拱墅区莫干山路1418号", "safety"),
    ("浙江海视安防科技有限公司", "蒋海涛", "0571-87658842", "杭州市滨江区东流路88号", "safety"),
    ("杭州恒昌家电销售有限公司", "孙恒昌", "0571-85803326", "杭州市上城区凯旋路445号", "appliance"),
    ("杭州众信电器有限公司", "罗众信", "0571-88460715", "杭州市西湖区古墩路701号", "appliance"),
    ("杭州洁美清洁用品有限公司", "方洁", "0571-86428159", "杭州市临平区南苑街道藕花洲大街39号", "cleaning"),
    ("杭州舒雅床上用品有限公司", "潘舒雅", "0571-89163527", "杭州市钱塘区白杨街道6号大街", "textile"),
    ("杭州鑫达印务有限公司", "袁鑫达", "0571-88935564", "杭州市拱墅区祥园路28号", "printing"),
)
EXTRA_SUPPLIER_CITIES = ("杭州", "宁波", "绍兴", "嘉兴", "湖州", "金华", "台州", "温州", "义乌", "余姚", "萧山", "富阳")
EXTRA_SUPPLIER_WORDS = ("恒信", "金桥", "华美", "顺达", "明远", "广源", "天成", "鼎盛", "新越", "宏远", "利民", "长青",
                        "正大", "百诚", "嘉禾", "东方", "瑞丰", "同创", "万方", "立德")
EXTRA_SUPPLIER_TRADES = (("办公用品", "office"), ("计算机", "it"), ("家具", "furniture"), ("厨房设备", "kitchen"),
                         ("体育用品", "sports"), ("教学仪器", "lab"), ("五金机电", "hardware"), ("园林绿化", "greening"),
                         ("消防器材", "safety"), ("电器", "appliance"), ("清洁用品", "cleaning"), ("印务", "printing"))

# One line of a request: (品名, 规格型号, 计量单位, 参考单价, (最少, 最多), 资产分类代码, 供应商标签)
OFFICE_SUPPLIES = [
    ("复印纸", "得力 A4 70g 500张/包 5包/箱", "箱", 128, (5, 30), None, "office"),
    ("签字笔", "晨光 K35 0.5mm 12支/盒", "盒", 18, (10, 40), None, "office"),
    ("档案盒", "得力 5622 55mm 蓝色", "个", 6.5, (20, 100), None, "office"),
    ("硒鼓", "惠普 CF228A", "个", 420, (2, 6), None, "office"),
    ("墨盒", "佳能 PG-845 黑色", "个", 118, (2, 8), None, "office"),
    ("订书机", "得力 0414 12号", "个", 16, (5, 20), None, "office"),
    ("长尾夹", "得力 9546 32mm 24只/盒", "盒", 9.5, (10, 30), None, "office"),
    ("笔记本", "晨光 B5 60页", "本", 4.8, (50, 200), None, "office"),
    ("白板笔", "晨光 MG2160 10支/盒", "盒", 15, (10, 40), None, "office"),
    ("文件柜", "永发 钢制 1850×900", "个", 680, (1, 4), "601", "furniture"),
]
IT_EQUIPMENT = [
    ("台式计算机", "联想 启天M437 i5-12500/16G/512G", "台", 4899, (1, 6), "201", "it"),
    ("笔记本电脑", "ThinkPad E14 i5-1335U/16G/512G", "台", 5499, (1, 3), "201", "it"),
    ("激光打印机", "惠普 LaserJet Pro M405d", "台", 1899, (1, 3), "202", "it"),
    ("多功能一体机", "京瓷 ECOSYS M4125idn", "台", 5600, (1, 1), "202", "it"),
    ("显示器", "戴尔 SE2422H 23.8英寸", "台", 899, (1, 6), None, "it"),
    ("网络交换机", "华为 S5735S-L24T4S-A1 24口千兆", "台", 2680, (1, 2), "208", "it"),
    ("无线AP", "华为 AirEngine 5761-11", "台", 1280, (1, 6), "208", "it"),
    ("超五类网线", "安普 305米/箱", "箱", 460, (1, 3), None, "it"),
    ("移动硬盘", "西部数据 2TB USB3.0", "个", 499, (1, 4), None, "it"),
]
TEACHING_SUPPLIES = [
    ("粉笔", "文正 无尘 10盒/包", "包", 32, (10, 40), None, "office"),
    ("白板笔", "晨光 MG2160 10支/盒", "盒", 15, (10, 30), None, "office"),
    ("试卷印刷纸", "8开 70g 500张/令", "令", 85, (10, 60), None, "printing"),
    ("教学用三角板圆规套装", "1m 木制 4件套", "套", 68, (2, 12), None, "lab"),
    ("磁性黑板擦", "得力 7837", "个", 6, (12, 40), None, "office"),
    ("扩音器", "得胜 TM20 教学扩音器", "台", 680, (2, 10), None, "it"),
    ("交互智能平板", "希沃 S86EB 86英寸", "台", 16800, (1, 2), "209", "it"),
    ("实物展台", "正方科技 L1000", "台", 1180, (1, 4), "209", "it"),
    ("多媒体讲台", "华德 钢制 多媒体讲台", "张", 1600, (1, 3), "603", "furniture"),
]
LAB_SUPPLIES = [
    ("烧杯", "蜀牛 250ml 高硼硅", "个", 6.5, (50, 200), None, "lab"),
    ("试管", "Φ18×180mm 100支/盒", "盒", 38, (5, 20), None, "lab"),
    ("盐酸", "分析纯 AR 500ml", "瓶", 18, (5, 20), None, "lab"),
    ("氢氧化钠", "分析纯 AR 500g", "瓶", 22, (5, 15), None, "lab"),
    ("酒精灯", "150ml 玻璃", "个", 8, (20, 60), None, "lab"),
    ("学生显微镜", "凤凰 XSP-02-640X", "台", 420, (10, 30), "301", "lab"),
    ("电子天平", "舜宇恒平 JA2003 0.001g", "台", 1680, (1, 4), "301", "lab"),
    ("数字化实验系统", "朗威 DISLab 8.0", "套", 28000, (1, 1), "301", "lab"),
    ("3D打印机", "创想三维 Ender-3 S1 Pro", "台", 2999, (1, 3), "301", "lab"),
    ("全钢实验台", "2.4m 全钢", "张", 2600, (2, 8), "603", "furniture"),
]
BOOKS = [
    ("图书", "人民文学出版社 文学名著", "册", 42, (50, 300), "501", "books"),
    ("图书", "科学出版社 科普读物", "册", 36, (50, 300), "501", "books"),
    ("工具书", "商务印书馆 《现代汉语词典》第7版", "册", 89, (10, 60), "501", "books"),
    ("期刊订阅", "《中学生物理》等 全年", "份", 180, (5, 20), None, "books"),
]
KITCHEN = [
    ("不锈钢餐盘", "304不锈钢 五格快餐盘", "个", 18, (200, 600), None, "kitchen"),
    ("不锈钢汤桶", "50cm 加厚", "个", 168, (2, 8), None, "kitchen"),
    ("消毒柜", "康宝 XDR380-E2 热风消毒柜", "台", 3800, (1, 2), "303", "kitchen"),
    ("冷藏冷冻柜", "星星 BCD-1000Y 四门", "台", 4200, (1, 2), "303", "kitchen"),
    ("蒸饭柜", "伊东 ZF-24 24盘燃气", "台", 6500, (1, 1), "303", "kitchen"),
    ("燃气炒灶", "美厨 双头大锅灶", "台", 5800, (1, 1), "303", "kitchen"),
    ("和面机", "恒联 HWT-25", "台", 3600, (1, 1), "303", "kitchen"),
    ("食品留样盒", "250ml 带盖 100个/箱", "箱", 96, (2, 10), None, "kitchen"),
    ("厨师服", "白色长袖 含帽", "套", 85, (6, 20), None, "textile"),
    ("一次性手套", "PE食品级 100只/盒", "盒", 8.5, (20, 100), None, "cleaning"),
    ("洗洁精", "白猫 商用 20kg/桶", "桶", 115, (2, 10), None, "cleaning"),
    ("餐桌椅", "不锈钢八人连体餐桌", "套", 1150, (2, 10), "604", "furniture"),
]
DORM_SUPPLIES = [
    ("学生棉被", "罗莱 1.5kg 纯棉", "床", 128, (30, 150), None, "textile"),
    ("床垫", "0.9m×2m 棕榈 5cm", "张", 168, (20, 80), None, "textile"),
    ("双层铁床", "上下铺 0.9m×2m 钢制", "张", 560, (5, 30), None, "furniture"),
    ("公寓床（上床下桌）", "钢木 含书桌衣柜", "套", 1380, (4, 16), "602", "furniture"),
    ("学生衣柜", "钢制四门", "个", 420, (4, 20), None, "furniture"),
    ("宿舍门锁", "防盗执手锁 含锁芯", "把", 85, (10, 40), None, "hardware"),
    ("晾衣架", "不锈钢 落地式", "个", 45, (10, 60), None, "hardware"),
    ("电热开水器", "佳尼特 CR-60 商用", "台", 3800, (1, 2), "206", "appliance"),
    ("洗衣机", "海尔 XQB90-M12699T 投币式", "台", 1680, (1, 4), "206", "appliance"),
]
MAINTENANCE = [
    ("LED灯管", "T8 1.2m 18W", "根", 25, (50, 200), None, "hardware"),
    ("水龙头", "九牧 铜芯 快开", "个", 35, (20, 60), None, "hardware"),
    ("角阀", "潜水艇 铜质", "个", 28, (20, 50), None, "hardware"),
    ("空气开关", "正泰 NXB-63 C16 1P", "个", 45, (20, 60), None, "hardware"),
    ("电线", "BV2.5 100米/卷", "卷", 268, (2, 10), None, "hardware"),
    ("PPR水管", "伟星 20mm 4米/根", "根", 36, (10, 40), None, "hardware"),
    ("锁芯", "C级 防盗", "个", 45, (20, 60), None, "hardware"),
    ("延时冲水阀", "九牧 蹲便器延时阀", "个", 85, (10, 30), None, "hardware"),
    ("冲击钻", "博世 GSB 16RE", "台", 680, (1, 2), None, "hardware"),
    ("管道疏通机", "宝工 GQ-150 电动", "台", 1680, (1, 1), "205", "hardware"),
    ("电焊机", "沪工 ZX7-250", "台", 1280, (1, 1), "205", "hardware"),
    ("铝合金人字梯", "2.5m 加厚", "把", 320, (1, 3), None, "hardware"),
]
GREENING = [
    ("红叶石楠", "高80cm 冠幅40cm", "株", 18, (50, 300), None, "greening"),
    ("草坪种子", "高羊茅 混播", "公斤", 42, (10, 50), None, "greening"),
    ("有机肥", "40kg/袋", "袋", 45, (10, 60), None, "greening"),
    ("分类垃圾桶", "240L 四色分类", "个", 260, (4, 20), None, "cleaning"),
    ("割草机", "本田 HRJ216 汽油", "台", 2600, (1, 2), "304", "greening"),
    ("绿篱机", "斯蒂尔 HS 82 R", "台", 2800, (1, 1), "304", "greening"),
    ("扫帚", "竹制 大号", "把", 12, (30, 100), None, "cleaning"),
    ("环卫手推车", "400L 不锈钢", "辆", 480, (2, 6), None, "cleaning"),
    ("高压清洗机", "凯驰 HD 6/13 C", "台", 5800, (1, 1), "304", "cleaning"),
]
SPORTS = [
    ("篮球", "斯伯丁 74-604Y 7号", "个", 168, (20, 50), None, "sports"),
    ("足球", "迪卡侬 F500 5号", "个", 99, (20, 40), None, "sports"),
    ("排球", "米卡萨 V200W", "个", 298, (10, 30), None, "sports"),
    ("跳绳", "竞速钢丝 计数", "根", 15, (50, 200), None, "sports"),
    ("体操垫", "1.2m×2m 海绵垫", "块", 320, (5, 20), None, "sports"),
    ("乒乓球台", "红双喜 T3726 彩虹", "张", 2980, (1, 4), "302", "sports"),
    ("商用跑步机", "舒华 SH-T5170", "台", 9800, (1, 2), "302", "sports"),
    ("移动式篮球架", "金陵体育 JLB-1 液压", "副", 8600, (1, 2), "302", "sports"),
    ("秒表", "天福 PC2810", "块", 68, (10, 30), None, "sports"),
]
SAFETY = [
    ("干粉灭火器", "4kg ABC 干粉", "具", 95, (30, 150), None, "safety"),
    ("应急照明灯", "双头 LED 消防认证", "个", 68, (20, 80), None, "safety"),
    ("安全出口指示灯", "LED 单面", "个", 45, (20, 60), None, "safety"),
    ("网络摄像机", "海康威视 DS-2CD3T46WDV3-I3 400万", "台", 560, (4, 20), None, "safety"),
    ("硬盘录像机", "海康威视 DS-7932N-R4 32路", "台", 4800, (1, 1), "211", "safety"),
    ("人脸识别门禁", "海康威视 DS-K5671-ZU", "台", 2680, (1, 4), "211", "safety"),
    ("安全警示标识牌", "铝板 30×40cm", "块", 35, (20, 80), None, "printing"),
]
APPLIANCES = [
    ("空调", "格力 KFR-35GW 1.5匹变频挂机", "台", 3199, (1, 6), "207", "appliance"),
    ("柜式空调", "美的 KFR-72LW 3匹柜机", "台", 6999, (1, 3), "207", "appliance"),
    ("饮水机", "美的 YR1226S-X 立式", "台", 699, (1, 4), None, "appliance"),
    ("电风扇", "美的 FS40-13C 落地扇", "台", 199, (2, 20), None, "appliance"),
]
PRINTING = [
    ("奖状", "A4 烫金", "张", 1.2, (500, 2000), None, "printing"),
    ("流动红旗", "60×90cm 金丝绒", "面", 85, (10, 40), None, "printing"),
    ("宣传展板", "KT板 120×90cm 含喷绘", "块", 260, (4, 20), None, "printing"),
    ("答题卡", "A3 双面 定制", "张", 0.15, (10000, 50000), None, "printing"),
]
FINANCE = [
    ("凭证装订机", "惠朗 HL-50 全自动", "台", 2680, (1, 1), "202", "office"),
    ("点钞机", "康艺 HT-2700(B)", "台", 880, (1, 2), None, "office"),
    ("会计凭证封面", "用友 A5 100套/包", "包", 38, (5, 20), None, "office"),
    ("保险柜", "永发 BGX-5/D1-60", "个", 1680, (1, 1), "601", "furniture"),
]
# (理由, 科目, 明细) per department code; a request picks one purpose and 1–6 of its lines.
PURPOSES: dict[str, list[tuple[str, str, list]]] = {
    "01": [("校长室办公用品补充", "办公经费", OFFICE_SUPPLIES),
           ("校长室办公设备更新", "设备购置费", IT_EQUIPMENT + APPLIANCES)],
    "02": [("行政办公耗材采购", "办公经费", OFFICE_SUPPLIES),
           ("办公电脑及网络设备更新（原设备使用已超6年）", "设备购置费", IT_EQUIPMENT),
           ("会议室及办公室空调更新", "设备购置费", APPLIANCES)],
    "03": [("实验课耗材补充", "专用材料费", LAB_SUPPLIES[:5]),
           ("实验室仪器设备添置", "设备购置费", LAB_SUPPLIES[5:]),
           ("图书馆年度图书采购", "图书资料费", BOOKS),
           ("考试用品印制", "教学业务费", PRINTING[3:] + TEACHING_SUPPLIES[2:3])],
    "04": [("学生表彰及德育活动用品", "德育活动费", PRINTING[:3]),
           ("德育处办公用品", "办公经费", OFFICE_SUPPLIES)],
    "05": [("校园消防及安防设施补充", "安全保障费", SAFETY),
           ("后勤处办公用品", "办公经费", OFFICE_SUPPLIES)],
    "0501": [("财务室办公设备与耗材", "办公经费", FINANCE + OFFICE_SUPPLIES[:4])],
    "0502": [("服务中心物资仓库补充", "维修维护费", MAINTENANCE[:8]),
             ("服务中心办公用品", "办公经费", OFFICE_SUPPLIES)],
    "050201": [("食堂餐具及用品补充", "食堂运营费", KITCHEN[:2] + KITCHEN[7:11]),
               ("食堂设备更新（原设备老化、能耗高）", "设备购置费", KITCHEN[2:7] + KITCHEN[11:])],
    "050202": [("新学期宿舍被服及用品补充", "宿舍运行费", DORM_SUPPLIES[:3] + DORM_SUPPLIES[4:7]),
               ("宿舍家具及设备更新", "设备购置费", DORM_SUPPLIES[3:4] + DORM_SUPPLIES[7:] + APPLIANCES[:1])],
    "050203": [("维修材料备货", "维修维护费", MAINTENANCE[:8]),
               ("维修工具及设备添置", "设备购置费", MAINTENANCE[8:])],
    "050204": [("校园绿化苗木及养护物资", "绿化保洁费", GREENING[:4] + GREENING[6:8]),
               ("绿化保洁机械添置", "设备购置费", GREENING[4:6] + GREENING[8:])],
    "050205": [("生活服务部设备添置", "设备购置费", DORM_SUPPLIES[7:] + APPLIANCES[2:]),
               ("生活服务部办公用品", "办公经费", OFFICE_SUPPLIES[:5])],
    "11": [("高一年级教学用品", "教学业务费", TEACHING_SUPPLIES[:6]),
           ("高一教室多媒体设备更新", "设备购置费", TEACHING_SUPPLIES[6:])],
    "12": [("高二年级教学用品", "教学业务费", TEACHING_SUPPLIES[:6]),
           ("高二教室多媒体设备更新", "设备购置费", TEACHING_SUPPLIES[6:])],
    "13": [("高三年级复习资料及教学用品", "教学业务费", TEACHING_SUPPLIES[:6] + PRINTING[3:]),
           ("高三教室多媒体设备更新", "设备购置费", TEACHING_SUPPLIES[6:])],
    "14": [("体育课及课外活动器材补充", "体育器材费", SPORTS[:5] + SPORTS[8:]),
           ("体育馆大型器材添置", "设备购置费", SPORTS[5:8])],
}
PURCHASE_DEPT_WEIGHTS = {"050201": 15, "050203": 14, "050202": 10, "050204": 8, "03": 11, "02": 9, "11": 5,
                         "12": 5, "13": 5, "14": 6, "05": 5, "04": 3, "0501": 2, "0502": 4, "050205": 3, "01": 1}
REASON_DETAILS = ("，经部门会议研究同意。", "，现有物品已损耗严重，不能满足使用需要。", "，按本学期工作计划申请。",
                  "，列入年初部门预算。", "，原有设备故障频繁，维修价值不大。", "。")
FAILED_ACCEPTANCE = ("到货型号与合同约定不符，已通知供应商换货", "部分物品外包装破损、数量短缺，待供应商补齐后重新验收",
                     "设备通电测试不合格，已退回供应商检修")
PASSED_ACCEPTANCE = ("品名、规格、数量与合同一致，外观完好", "通电试运行正常，随机资料齐全", "数量清点无误，质量合格",
                     None, None)

# -- repairs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepairKind:
    category: str  # RepairCategory member name
    title: str
    place: str  # dorm, duty, classroom, office, kitchen, lab, library, gym, toilet, campus, laundry, server
    weight: float
    descriptions: tuple[str, ...]
    records: tuple[str, ...]
    materials: tuple[tuple[str, str, float, tuple[float, float]], ...] = ()
    asset: str | None = None  # an asset of this name at the place is linked when there is one
    urgent: float = 0.08
    human: float = 0.03


R = RepairKind
REPAIR_KINDS = (
    # 水
    R("water", "卫生间水龙头漏水", "dorm", 8, ("卫生间洗手池水龙头关不紧，一直滴水", "水龙头根部漏水，台面和地面积水"),
      ("更换水龙头阀芯，试水正常", "更换水龙头一只，缠生料带后不再渗漏"),
      (("水龙头", "个", 35, (1, 1)), ("生料带", "卷", 2.5, (1, 2))), urgent=0.05),
    R("water", "淋浴喷头损坏", "dorm", 4, ("淋浴喷头脱落，出水四处喷溅", "淋浴喷头堵塞，出水很小"),
      ("更换淋浴喷头及软管，试水正常", "拆洗喷头除垢，出水恢复"),
      (("淋浴喷头", "套", 58, (1, 1)), ("淋浴软管", "根", 22, (1, 1)))),
    R("water", "卫生间下水道堵塞", "dorm", 5, ("地漏返水，卫生间积水", "蹲便器堵塞，冲水后溢出"),
      ("用疏通机疏通下水管，清出毛发杂物，排水恢复", "疏通蹲便器，清出塑料袋等杂物，已提醒学生不要乱扔"),
      urgent=0.3, human=0.2),
    R("water", "热水器不出热水", "dorm", 3, ("宿舍热水器不出热水，学生无法洗澡", "热水器漏电保护频繁跳开"),
      ("更换温控器，加热恢复正常", "更换加热管，测试正常"), (("温控器", "个", 45, (1, 1)), ("加热管", "根", 85, (1, 1))),
      urgent=0.3),
    R("water", "蹲便器冲水阀损坏", "toilet", 3, ("公共卫生间蹲便器冲水阀按下不回弹，长流水",),
      ("更换延时冲水阀，试水正常",), (("延时冲水阀", "个", 85, (1, 1)),)),
    R("water", "小便池感应器失灵", "toilet", 2, ("男卫生间小便池感应器不出水，异味较重",),
      ("更换感应器电池和电磁阀，恢复正常",), (("感应器电磁阀", "个", 65, (1, 1)), ("电池", "节", 3, (4, 4)))),
    R("water", "拖把池水管爆裂", "toilet", 1, ("拖把池下方进水管爆裂，大量漏水",), ("关闭总阀，更换PPR管段及角阀",),
      (("PPR水管", "米", 9, (1, 2)), ("角阀", "个", 28, (1, 1))), urgent=0.8),
    R("water", "食堂洗菜池下水堵塞", "kitchen", 3, ("洗菜池下水很慢，油污堵塞", "洗碗间地沟返水"),
      ("拆开存水弯清理油污，疏通下水管", "清理隔油池及地沟，排水恢复"), urgent=0.4),
    R("water", "实验室水槽漏水", "lab", 2, ("实验台水槽下方漏水",), ("更换水槽下水管及密封圈",),
      (("下水管", "根", 18, (1, 1)), ("密封圈", "个", 3, (1, 2)))),
    R("water", "喷灌水管破裂", "campus", 1, ("操场边绿化带喷灌水管破裂，大量冒水",), ("更换破裂PE管段，加装管箍",),
      (("PE管", "米", 6.5, (2, 6)), ("管箍", "个", 8, (1, 2))), urgent=0.6),
    # 电
    R("electric", "教室日光灯不亮", "classroom", 8, ("教室后排两根日光灯管不亮", "讲台上方日光灯闪烁后熄灭"),
      ("更换LED灯管，通电正常", "更换镇流器及灯管，恢复照明"), (("LED灯管", "根", 25, (1, 4)),)),
    R("electric", "宿舍灯不亮", "dorm", 6, ("宿舍顶灯不亮，更换灯泡无效", "阳台灯不亮"),
      ("更换灯座及LED灯泡", "更换开关面板，照明恢复"), (("LED灯泡", "个", 12, (1, 2)), ("开关面板", "个", 12, (1, 1)))),
    R("electric", "插座没电", "office", 5, ("墙上插座没电，电脑无法使用", "插座冒火花后没电"),
      ("检查线路，更换烧坏的五孔插座", "重新接线并更换插座，测试正常"), (("五孔插座", "个", 15, (1, 2)),), urgent=0.15),
    R("electric", "宿舍空气开关频繁跳闸", "dorm", 3, ("宿舍空气开关频繁跳闸，晚上经常停电",),
      ("排查线路，发现学生使用大功率电器，已交宿管处理并更换空开", "更换老化空气开关，线路绝缘测试合格"),
      (("空气开关", "个", 45, (1, 1)),), urgent=0.3, human=0.3),
    R("electric", "走廊声控灯不亮", "duty", 3, ("三楼走廊声控灯不亮，晚上楼道很黑",), ("更换声控开关及灯泡",),
      (("声控开关", "个", 18, (1, 2)), ("LED灯泡", "个", 12, (1, 2)))),
    R("electric", "教室插座没电", "classroom", 3, ("讲台插座没电，一体机无法开机",), ("更换烧坏的插座，恢复供电",),
      (("五孔插座", "个", 15, (1, 1)),), urgent=0.2),
    R("electric", "路灯不亮", "campus", 2, ("校园主干道两盏路灯晚上不亮",), ("更换LED路灯灯头，检查线路",),
      (("LED路灯灯头", "个", 180, (1, 2)),)),
    R("electric", "体育馆照明灯损坏", "gym", 2, ("体育馆顶部两盏照明灯不亮",), ("高空作业车配合，更换LED投光灯",),
      (("LED投光灯", "个", 260, (1, 2)),)),
    R("electric", "配电箱漏电保护器跳闸", "office", 1, ("办公区整层停电，配电箱漏电保护器合不上",),
      ("查出一台饮水机漏电，断开后恢复供电，已通知使用部门",), urgent=0.7),
    # 木工
    R("carpentry", "床板断裂", "dorm", 4, ("上铺床板断裂，无法睡人", "床板中间开裂下陷"),
      ("更换床板，加固床架横撑",), (("床板", "块", 45, (1, 2)), ("螺丝", "盒", 6, (1, 1))), human=0.3),
    R("carpentry", "课桌椅松动", "classroom", 4, ("多张课桌椅腿松动，坐着摇晃",), ("紧固螺丝，更换损坏的连接件",),
      (("螺丝", "盒", 6, (1, 2)), ("连接件", "个", 4, (2, 8))), human=0.1),
    R("carpentry", "衣柜门脱落", "dorm", 3, ("学生衣柜柜门合页断裂，柜门脱落",), ("更换合页，调整柜门",),
      (("合页", "副", 8, (2, 4)),), human=0.25),
    R("carpentry", "讲台抽屉损坏", "classroom", 1, ("讲台抽屉滑轨断裂，拉不出来",), ("更换抽屉滑轨",),
      (("抽屉滑轨", "副", 15, (1, 1)),)),
    R("carpentry", "书架层板断裂", "library", 1, ("阅览室书架层板断裂，图书散落",), ("更换层板，加装托架",),
      (("层板", "块", 35, (1, 2)),)),
    R("carpentry", "办公桌抽屉锁损坏", "office", 2, ("办公桌抽屉锁打不开",), ("开锁后更换抽屉锁，配钥匙2把",),
      (("抽屉锁", "把", 18, (1, 1)),)),
    # 门窗
    R("door_window", "宿舍门锁损坏", "dorm", 7, ("宿舍门锁打不开，钥匙拧不动", "门锁锁舌卡住，门关不上"),
      ("更换锁芯，配钥匙", "更换整套门锁，调整锁舌位置"), (("锁芯", "个", 45, (1, 1)), ("钥匙", "把", 3, (4, 8))),
      human=0.35),
    R("door_window", "窗户玻璃破裂", "dorm", 3, ("窗户玻璃被打碎，有划伤危险", "窗户玻璃出现裂缝"),
      ("清理碎玻璃，量尺寸更换钢化玻璃", "更换玻璃并打胶固定"), (("钢化玻璃", "平方米", 95, (1, 2)), ("玻璃胶", "支", 15, (1, 1))),
      urgent=0.3, human=0.5),
    R("door_window", "教室窗户关不严", "classroom", 3, ("窗户滑轮损坏，推拉困难关不严", "窗户锁扣脱落"),
      ("更换窗户滑轮，调整窗框", "更换窗户锁扣"), (("窗户滑轮", "个", 12, (2, 4)), ("窗户锁扣", "个", 10, (1, 2)))),
    R("door_window", "教室门把手脱落", "classroom", 2, ("教室前门把手脱落，门无法正常开关",), ("更换门把手及锁体",),
      (("门把手", "套", 55, (1, 1)),), human=0.2),
    R("door_window", "卫生间隔断门合页损坏", "toilet", 2, ("卫生间隔断门合页断裂，门关不上",), ("更换隔断门合页和插销",),
      (("不锈钢合页", "副", 12, (2, 2)), ("插销", "个", 8, (1, 1)))),
    R("door_window", "防火门闭门器损坏", "duty", 1, ("楼梯间防火门闭门器漏油，门不能自动关闭",), ("更换闭门器",),
      (("闭门器", "个", 120, (1, 1)),)),
    R("door_window", "纱窗破损", "dorm", 2, ("纱窗破洞，蚊虫较多",), ("更换纱网",), (("纱网", "平方米", 15, (1, 3)),)),
    R("door_window", "办公室门锁损坏", "office", 2, ("办公室门锁钥匙插不进去",), ("更换锁芯，配钥匙",),
      (("锁芯", "个", 45, (1, 1)), ("钥匙", "把", 3, (2, 4)))),
    # 网络
    R("network", "办公室网络不通", "office", 5, ("办公室电脑无法上网，网络图标显示未连接", "网速很慢，网页打不开"),
      ("重新压制网线水晶头，测试网络连通", "交换机端口故障，改接备用端口，网络恢复"),
      (("水晶头", "个", 1.5, (2, 6)), ("超五类网线", "米", 1.8, (5, 30)))),
    R("network", "教室一体机无法上网", "classroom", 3, ("教室一体机连不上网，无法使用在线课件",),
      ("重新配置网络，更换网线", "检查为教室交换机断电，恢复供电后正常"), (("超五类网线", "米", 1.8, (3, 10)),),
      asset="交互智能平板"),
    R("network", "无线网络信号弱", "office", 2, ("办公室无线网络信号弱，经常掉线",), ("调整无线AP位置并重新配置信道",),
      asset="无线AP"),
    R("network", "机房交换机故障", "computer_lab", 1, ("计算机教室半数电脑不能上网",), ("更换故障交换机，恢复上课",),
      asset="网络交换机", urgent=0.6),
    R("network", "宿舍监控画面中断", "duty", 1, ("值班室监控有两路画面中断",), ("重新接续网线，摄像机恢复在线",),
      (("水晶头", "个", 1.5, (2, 4)),), asset="网络摄像机"),
    # 设备
    R("equipment", "教室投影仪无信号", "lab", 2, ("投影仪开机后显示无信号",), ("更换HDMI线，调整信号源后正常",),
      (("HDMI线", "根", 35, (1, 1)),), asset="投影仪"),
    R("equipment", "交互智能平板触摸失灵", "classroom", 3, ("一体机触摸不灵敏，书写有偏移",),
      ("触摸框校准，清洁边框后恢复", "联系厂家保修，更换触摸框"), asset="交互智能平板"),
    R("equipment", "空调不制冷", "office", 5, ("空调开机后不制冷，出风是热风", "空调制冷效果很差"),
      ("检测为缺氟，补充冷媒后制冷正常", "清洗过滤网及室外机，制冷恢复"), (("R32冷媒", "公斤", 120, (1, 2)),),
      asset="空调"),
    R("equipment", "教室空调漏水", "classroom", 3, ("教室柜式空调漏水，地面湿滑",), ("疏通冷凝水管，重新包扎保温",),
      (("保温管", "米", 6, (1, 3)),), asset="柜式空调"),
    R("equipment", "宿舍空调遥控失灵", "dorm", 2, ("宿舍空调遥控器无反应",), ("检查为接收板故障，更换接收板",),
      (("空调接收板", "块", 65, (1, 1)),), asset="空调"),
    R("equipment", "蒸饭柜不加热", "kitchen", 2, ("蒸饭柜打开后不出蒸汽，影响午餐",), ("更换点火针及熄火保护器",),
      (("点火针", "个", 35, (1, 1)), ("熄火保护器", "个", 85, (1, 1))), asset="蒸饭柜", urgent=0.7),
    R("equipment", "冷藏柜温度异常", "kitchen", 2, ("冷藏柜温度显示12℃，降不下来",), ("清理冷凝器，更换温控器",),
      (("温控器", "个", 45, (1, 1)),), asset="冷藏冷冻柜", urgent=0.7),
    R("equipment", "消毒柜不工作", "kitchen", 1, ("消毒柜通电后不加热",), ("更换发热管",), (("发热管", "根", 60, (1, 2)),),
      asset="消毒柜"),
    R("equipment", "开水器不出开水", "duty", 2, ("宿舍开水器水温只有四五十度",), ("更换加热管，清除水垢",),
      (("加热管", "根", 85, (1, 1)),), asset="电热开水器", urgent=0.4),
    R("equipment", "洗衣机不脱水", "laundry", 1, ("投币洗衣机不脱水，衣服拿出来全是水",), ("更换排水阀",),
      (("排水阀", "个", 48, (1, 1)),), asset="洗衣机"),
    R("equipment", "跑步机皮带跑偏", "gym", 1, ("跑步机跑带跑偏，有异响",), ("调整跑带，加润滑油",),
      (("跑步机润滑油", "瓶", 28, (1, 1)),), asset="商用跑步机"),
    R("equipment", "食堂排烟风机异响", "kitchen", 1, ("排烟风机运转声音很大，有震动",), ("更换风机轴承，紧固底座",),
      (("轴承", "个", 38, (2, 2)),)),
    # 其他
    R("other", "墙面瓷砖脱落", "toilet", 1, ("卫生间墙面瓷砖空鼓脱落",), ("铲除空鼓瓷砖，重新铺贴",),
      (("瓷砖", "平方米", 45, (1, 2)), ("瓷砖胶", "袋", 35, (1, 1)))),
    R("other", "屋顶渗水", "dorm", 1, ("顶楼宿舍天花板渗水，墙面发霉",), ("屋面局部做防水处理，待干燥后修补墙面",),
      (("防水涂料", "桶", 260, (1, 2)),), urgent=0.3),
    R("other", "楼梯扶手松动", "toilet", 1, ("楼梯扶手松动，存在安全隐患",), ("重新打膨胀螺丝固定扶手",),
      (("膨胀螺丝", "盒", 15, (1, 1)),), urgent=0.3),
    R("other", "窨井盖破损", "campus", 1, ("校园道路窨井盖破损，有人踩空",), ("更换复合材料井盖，设置警示",),
      (("复合井盖", "个", 160, (1, 1)),), urgent=0.7),
    R("other", "篮球架螺丝松动", "gym", 1, ("室外篮球架篮板晃动",), ("紧固篮板螺栓，检查底座",), (("螺栓", "套", 12, (2, 4)),)),
)
RUBBISH_PLACES = {"toilet": ("教学楼A", "教学楼B", "东校区教学楼C", "实验楼", "行政楼", "图书馆"),
                  "campus": ("田径场东侧", "校园主干道", "教学楼A前绿化带", "停车场", "东校区大门口", "食堂后门通道")}
REJECT_REASONS = ("不属于后勤维修范围，请联系信息中心处理", "重复报修，已在前一张报修单中处理", "属于保修期内设备，请联系厂家售后",
                  "经核实设备正常，系使用方法问题，已电话说明")
SUSPEND_REASONS = ("配件需要采购，等待到货", "原厂配件缺货，已联系供应商调货", "需要厂家技术人员上门配合")
DELAY_REASONS = ("配件需要向厂家订购，预计到货时间较长", "需要与使用部门协调停用时间后施工", "涉及管道改造，需等周末学生离校后施工")
GOOD_FEEDBACK = ("师傅来得很快，修得也好", "维修及时，态度很好", "非常满意，谢谢师傅", "处理专业，干活利索", "已修好，满意")
BAD_FEEDBACK = ("等了两天才来修", "修完没多久又坏了", "维修后现场垃圾没清理", "态度一般，拖了很久")

# -- dorms ------------------------------------------------------------------------------------

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

# -- utilities --------------------------------------------------------------------------------

# 户名, 类型, 地点, 部门(管理), 用水基数(吨/月), 用电基数(度/月), 电表数
PUBLIC_HOUSEHOLDS = (
    ("师生食堂", "canteen", "本部食堂", 1150, 24000, 2),
    ("学生超市", "shop", "本部食堂一楼超市", 15, 1100, 1),
    ("校园书店（承包）", "shop", "本部图书馆一楼", 6, 450, 1),
    ("文印店（承包）", "shop", "本部后勤楼一楼", 5, 680, 1),
    ("理发店（承包）", "shop", "本部后勤楼一楼", 28, 380, 1),
    ("行政楼", "office", "本部行政楼", 95, 5200, 1),
    ("教学楼A", "office", "本部教学楼A", 160, 8200, 1),
    ("教学楼B", "office", "本部教学楼B", 160, 8300, 1),
    ("东校区教学楼C", "office", "东校区教学楼C", 150, 7900, 1),
    ("实验楼", "office", "本部实验楼", 110, 6100, 1),
    ("图书馆", "office", "本部图书馆", 40, 4800, 1),
    ("体育馆", "office", "本部体育馆", 130, 5600, 1),
    ("后勤楼", "office", "本部后勤楼", 210, 3900, 1),
)
PRICES = {  # 类型 → (水 元/吨, 电 元/度)
    "teacher_home": ("2.9000", "0.5380"), "dormitory": ("4.1000", "0.5680"), "office": ("4.1000", "0.6500"),
    "canteen": ("5.2000", "0.8200"), "shop": ("5.2000", "0.8200"),
}

# -- safety -----------------------------------------------------------------------------------

# (区域, 检查项目, 巡视部门, [(发现问题, 隐患类别, 等级, 整改部门)])
PATROL_AREAS = (
    ("教学楼A", "消防器材、疏散通道、应急照明、门窗护栏", "050204", [
        ("三楼东侧消防栓箱内水带缺失", "fire", "general", "05"),
        ("二楼安全出口指示灯不亮", "fire", "general", "050203"),
        ("四楼走廊窗户限位器脱落", "building", "general", "050203")]),
    ("教学楼B", "消防器材、疏散通道、应急照明、门窗护栏", "050204", [
        ("一楼配电箱门锁损坏，线路裸露", "electrical", "general", "050203"),
        ("楼梯间堆放废旧课桌，影响疏散", "fire", "general", "12")]),
    ("东校区教学楼C", "消防器材、疏散通道、电气线路", "050204", [
        ("五楼天台门未上锁", "building", "general", "13"),
        ("灭火器压力指针在红区", "fire", "general", "05")]),
    ("实验楼", "危化品柜、电气线路、通风设备、消防器材", "05", [
        ("化学实验室危化品柜未落实双人双锁", "other", "major", "03"),
        ("通风橱风机不转", "electrical", "general", "050203")]),
    ("图书馆", "消防器材、电气线路、疏散通道", "050204", [
        ("阅览室插线板串接使用", "electrical", "general", "03")]),
    ("体育馆及运动场", "体育器材、场地设施、看台护栏", "05", [
        ("室外篮球架底座螺丝松动", "sports", "general", "14"),
        ("单杠立柱锈蚀严重", "sports", "major", "14"),
        ("塑胶跑道局部起鼓开裂", "sports", "general", "14")]),
    ("食堂", "燃气管道、食品仓库、消防器材、排烟设施", "05", [
        ("燃气管道阀门处有轻微异味", "food", "major", "050201"),
        ("食品仓库部分食材未离地离墙存放", "food", "general", "050201"),
        ("排烟罩油污较厚，未按期清洗", "fire", "general", "050201"),
        ("留样记录不完整", "food", "general", "050201")]),
    ("学生宿舍区", "消防器材、疏散通道、违章电器、门禁", "050202", [
        ("发现学生私拉电线给手机充电", "electrical", "general", "050202"),
        ("楼道堆放纸箱杂物，堵塞疏散通道", "fire", "general", "050202"),
        ("宿舍楼门禁闭门器损坏", "building", "general", "050203")]),
    ("行政楼", "消防器材、电气线路、门窗", "050204", [
        ("会议室应急照明灯不亮", "fire", "general", "050203")]),
    ("校门及围墙周边", "大门、围墙、周边交通与摊点", "05", [
        ("放学时段校门口有流动摊贩占道经营", "surroundings", "general", "05"),
        ("东北角围墙局部破损", "building", "general", "050203"),
        ("校门口减速带损坏", "surroundings", "general", "05")]),
    ("配电房及水泵房", "配电设备、线路、水泵运行、防鼠设施", "050203", [
        ("配电房挡鼠板缺失", "electrical", "general", "050203"),
        ("水泵房地面积水", "other", "general", "050203")]),
    ("校园道路及绿化带", "路面、窨井盖、树木、路灯", "050204", [
        ("主干道窨井盖破损", "building", "general", "050204"),
        ("香樟树枯枝有坠落风险", "other", "general", "050204"),
        ("两盏路灯不亮", "electrical", "general", "050203")]),
)
PATROL_OK = ("未发现异常", None, None)
OTHER_HAZARDS = (  # found by inspections other than the daily patrol
    ("区教育局安全检查", "学生宿舍", "宿舍楼部分灭火器过期未更换", "fire", "major", "050202"),
    ("消防部门检查", "食堂", "厨房燃气报警器未接入联动切断装置", "fire", "major", "050201"),
    ("学校月度安全检查", "实验楼", "实验室应急喷淋装置水压不足", "other", "general", "03"),
    ("学校月度安全检查", "体育馆及运动场", "体育馆看台护栏松动", "sports", "general", "14"),
    ("学校月度安全检查", "教学楼A", "教室多媒体线路老化发热", "electrical", "general", "050203"),
    ("学校月度安全检查", "校门及围墙周边", "学校周边道路缺少交通警示标志", "surroundings", "general", "05"),
    ("食品安全检查", "食堂", "部分从业人员健康证过期", "food", "major", "050201"),
)
MEASURES = {
    "fire": ("已补齐/更换消防器材，张贴检查标签", "已清理疏散通道，安排专人每日检查"),
    "electrical": ("已更换损坏部件，线路重新敷设并做绝缘处理", "已没收违规电器，加强宿舍用电检查"),
    "building": ("已完成维修加固，现场复查合格", "已修复并设置警示标识"),
    "sports": ("已紧固/更换锈蚀部件，经体育组试用安全", "已封闭损坏区域，完成修复"),
    "food": ("已整改并对从业人员进行培训，建立每日检查记录", "已请燃气公司检修，检测无泄漏"),
    "surroundings": ("已联合派出所、城管进行清理，上下学时段安排人员值守", "已协调交警部门增设警示标志"),
    "other": ("已按要求整改，相关制度已完善", "已修剪枯枝、清理积水，现场复查合格"),
}

# -- satisfaction -----------------------------------------------------------------------------

# (项目名称, 服务单位编码, 满意率目标值)
SURVEY_ITEMS = (
    ("饭菜质量", "050201", 0.87), ("饭菜价格", "050201", 0.86), ("食堂卫生", "050201", 0.93),
    ("食堂服务态度", "050201", 0.91),
    ("宿舍卫生管理", "050202", 0.94), ("宿管员服务", "050202", 0.95), ("宿舍安全与纪律", "050202", 0.96),
    ("维修及时性", "050203", 0.89), ("维修质量", "050203", 0.93), ("水电供应", "050203", 0.95),
    ("校园环境卫生", "050204", 0.96), ("绿化养护", "050204", 0.97),
    ("超市商品与价格", "050205", 0.88), ("洗衣房与开水房", "050205", 0.92),
    ("报修受理", "0502", 0.94),
)
SURVEY_COMMENTS = ("食堂菜品口味偏咸，希望多些清淡的菜", "希望食堂增加夜宵窗口", "宿舍热水供应时间太短", "报修后师傅来得很快，点赞",
                   "超市东西偏贵", "洗衣机经常排队，希望增加几台", "校园环境很好", "饭菜分量不够", "宿管阿姨很负责",
                   "教室空调维修不够及时", "希望食堂多提供水果", "开水房开放时间能否延长")


class _Activity:
    """A school year of service activity on top of the organisation and assets the builder made.

    Each area draws from its own ``random.Random`` (seeded by name), so changing one area leaves the
    others as they were. Rows follow the models' rules (derived amounts, states consistent with dates,
    occupancy rules) and are written with bulk inserts; ids come back from ``INSERT … RETURNING``.
    """

    def __init__(self, builder: _Builder):
        self.b = builder
        self.session = builder.session
        self.scale = builder.scale
        self.today = builder.today
        self.now = clock.now()
        self.year_start = self.today - timedelta(days=365)

    # -- helpers ---------------------------------------------------------------------------------
    def rng(self, name: str) -> random.Random:
        return random.Random(f"2026-{name}")

    def bulk(self, model, rows: list[dict]) -> None:
        self.b.bulk(model, rows)

    def insert_ids(self, model, rows: list[dict]) -> list[int]:
        """Insert ``rows`` and return their new ids in the same order."""
        table = model.__table__
        if not rows:
            return []
        if is_postgresql(self.session):  # ids drawn from the table's own sequence, then COPY
            sequence = self.session.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar()
            ids = list(self.session.execute(text("SELECT nextval(:s) FROM generate_series(1, :n)"),
                                            {"s": sequence, "n": len(rows)}).scalars())
            copy_rows(self.session, table, [dict(row, id=i) for row, i in zip(rows, ids)])
            return ids
        if self.session.get_bind().dialect.name == "sqlite":
            # The load runs in one write transaction, so nobody else can take ids meanwhile; SQLite gives the
            # next row max(id) + 1, exactly what the application's own inserts will continue from.
            first = (self.session.execute(select(func.max(table.c.id))).scalar() or 0) + 1
            ids = list(range(first, first + len(rows)))
            self.bulk(model, [dict(row, id=i) for row, i in zip(rows, ids)])
            return ids
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        ids = []
        for i in range(0, len(rows), CHUNK):
            ids.extend(self.session.execute(stmt, rows[i:i + CHUNK]).scalars().all())
        return ids

    def number(self, prefix: str, day: date) -> str:
        """The next PREFIX-YYYYMMDD-NNNN for ``day`` (after whatever the counter table already held)."""
        key = (prefix, day.strftime("%Y%m%d"))
        value = self.serials.get(key, 0) + 1
        self.serials[key] = value
        return f"{prefix}-{key[1]}-{value:04d}"

    def days(self, first: date, last: date) -> list[date]:
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def sample_days(self, rng: random.Random, count: int, first: date, last: date) -> list[date]:
        days = self.days(first, last)
        return sorted(rng.choices(days, [activity_weight(d) for d in days], k=count))

    def pick_staff(self, rng: random.Random, dept: str, demo_share: float = 0.35) -> int:
        """Someone on duty in ``dept``; the demo accounts there come up more often (so their screens fill)."""
        demo = self.b.demo_in_dept.get(dept)
        if demo and rng.random() < demo_share / self.scale ** 0.5:
            return rng.choice(demo)
        return rng.choice(self.on_duty[dept] or self.b.staff_by_dept[dept])

    def at_time(self, rng: random.Random, day: date, hours: list[tuple[int, float]]):
        from datetime import datetime

        hour = rng.choices([h for h, _ in hours], [w for _, w in hours])[0]
        return datetime(day.year, day.month, day.day, hour, rng.randint(0, 59))

    def log(self, model: str, record: int, step, at, actor: int | None, comment: str | None = None,
            source=None, target=None) -> dict:
        """A workflow_log row for ``step`` taken by staff ``actor`` (actor_id is their login, if any)."""
        return dict(model=model, record_id=record, step=step.name, step_label=step.label,
                    from_state=source.value if source is not None else None,
                    to_state=target.value if target is not None else None, decision=None, comment=comment,
                    actor_id=self.user_of.get(actor), actor_name=self.b.staff_name.get(actor) if actor else None,
                    created_at=at)

    # -- build -------------------------------------------------------------------------------------
    def build(self) -> None:
        from app.rules.numbering import SerialCounter

        b = self.b
        self.on_duty: dict[str, list[int]] = defaultdict(list)
        for row in b.staff_rows:
            if row["on_duty"]:
                self.on_duty[b.staff_dept[row["id"]]].append(row["id"])
        self.staff_row = {row["id"]: row for row in b.staff_rows}
        self.user_of = {b.demo_staff[name]: user for name, user in b.demo_users.items()}
        self.serials = {(p, d): v for p, d, v in self.session.execute(
            select(SerialCounter.prefix, SerialCounter.day, SerialCounter.value))}
        self.serials_before = dict(self.serials)
        self.session.flush()  # what the builder added through the ORM goes first (bulk writes bypass it)
        self.build_purchasing()
        self.build_repairs()
        self.build_dorms()
        self.build_utilities()
        self.build_safety()
        self.build_satisfaction()
        self.write_serial_counters()

    def write_serial_counters(self) -> None:
        from sqlalchemy import update

        from app.rules.numbering import SerialCounter

        table = SerialCounter.__table__
        fresh = [dict(prefix=p, day=d, value=v) for (p, d), v in self.serials.items() if (p, d) not in self.serials_before]
        for i in range(0, len(fresh), CHUNK):
            self.session.execute(insert(table), fresh[i:i + CHUNK])
        for (p, d), v in self.serials.items():
            if (p, d) in self.serials_before and self.serials_before[(p, d)] != v:
                self.session.execute(update(table).where(table.c.prefix == p, table.c.day == d).values(value=v))

    # -- purchasing --------------------------------------------------------------------------------
    def build_purchasing(self) -> None:
        from models.assets import FIXED_ASSET_THRESHOLD, FundSource, PurchaseMethod
        from models.purchasing import (
            Acceptance,
            AcceptanceConclusion,
            Budget,
            PurchaseItem,
            PurchaseRequest,
            Reimbursement,
            Supplier,
        )
        from models.purchasing import PurchaseStatus as S

        rng = self.rng("purchasing")
        b, today = self.b, self.today

        # Suppliers: the usual twenty, more for a bigger deployment.
        suppliers = [dict(name=n, contact=c, phone=p, address=a, row_version=1) for n, c, p, a, _ in SUPPLIERS]
        trades = [t for *_, t in SUPPLIERS]
        names = {s["name"] for s in suppliers}
        wanted = len(SUPPLIERS) + 8 * (self.scale - 1)
        combos = [(c, w, t) for c in EXTRA_SUPPLIER_CITIES for w in EXTRA_SUPPLIER_WORDS for t in EXTRA_SUPPLIER_TRADES]
        rng.shuffle(combos)
        for city, word, (trade_name, trade) in combos:
            if len(suppliers) >= wanted:
                break
            name = f"{city}{word}{trade_name}有限公司"
            if name in names:
                continue
            names.add(name)
            suppliers.append(dict(name=name, contact=b.person_name(rng.random() < 0.6, rng),
                                  phone=f"0571-8{rng.randint(0, 9999999):07d}", address=f"{city}市{word}路{rng.randint(1, 999)}号",
                                  row_version=1))
            trades.append(trade)
        supplier_ids = self.insert_ids(Supplier, suppliers)
        by_trade: dict[str, list[int]] = defaultdict(list)
        for sid, trade in zip(supplier_ids, trades):
            by_trade[trade].append(sid)

        # Requests across the year; the state follows the age of the request.
        depts = list(PURCHASE_DEPT_WEIGHTS)
        weights = list(PURCHASE_DEPT_WEIGHTS.values())
        total_requests = 500 * self.scale
        dates = self.sample_days(rng, total_requests, self.year_start, today)
        plans = []
        for n, requested in enumerate(dates):
            dept = rng.choices(depts, weights)[0]
            reason, subject, catalogue = rng.choice(PURPOSES[dept])
            count = min(len(catalogue), rng.choices((1, 2, 3, 4, 5, 6), (30, 25, 18, 12, 8, 7))[0])
            lines = []
            for name, spec, unit, price, (low, high), category, trade in rng.sample(catalogue, count):
                unit_price = Decimal(price * rng.uniform(0.95, 1.05))
                unit_price = unit_price.quantize(Decimal("1") if unit_price >= 100 else Decimal("0.1")).quantize(CENT)
                if price >= 1000 > unit_price:
                    unit_price = Decimal(price).quantize(CENT)
                if price < 1000 <= unit_price:
                    unit_price = Decimal(price).quantize(CENT)
                quantity = rng.randint(low, high)
                lines.append(dict(name=name, spec=spec, unit=unit, quantity=quantity, unit_price=unit_price,
                                  amount=(unit_price * quantity).quantize(CENT),
                                  category_id=b.categories[category] if category else None,
                                  is_fixed_asset=unit_price >= FIXED_ASSET_THRESHOLD, row_version=1, trade=trade))
            total = sum((line["amount"] for line in lines), Decimal("0.00"))
            age = (today - requested).days
            if age <= 14:
                options = {S.draft: 18, S.pending: 30, S.rejected: 4, S.approved: 16, S.purchasing: 14, S.to_accept: 6,
                           S.stored: 4, S.void: 4, S.reimbursed: 4}
            elif age <= 60:
                options = {S.draft: 2, S.pending: 4, S.rejected: 6, S.approved: 6, S.purchasing: 12, S.to_accept: 12,
                           S.stored: 22, S.void: 4, S.reimbursed: 32}
            else:
                options = {S.rejected: 7, S.to_accept: 1, S.stored: 7, S.void: 5, S.reimbursed: 80}
            status = rng.choices(list(options), list(options.values()))[0]
            if n < len(S) and total_requests >= 50:  # every state at least once, on a recent request
                status = list(S)[n]
            plans.append(dict(dept=dept, requested=requested, reason=reason, subject=subject, lines=lines,
                              total=total, status=status))
        # The first nine (one per state) were drawn on the earliest days: move them to the last weeks.
        for n in range(min(len(S), len(plans))):
            plans[n]["requested"] = between(rng, today - timedelta(days=40), today - timedelta(days=3))
        for plan in plans:  # too fresh to have been bought and checked yet
            age = (today - plan["requested"]).days
            if (plan["status"] in (S.stored, S.reimbursed) and age < 3) or (plan["status"] == S.to_accept and age < 1):
                plan["status"] = S.purchasing
        plans.sort(key=lambda p: p["requested"])

        # Budgets: every department, this year and last, per 科目 used; sized from what is committed.
        committed = (S.approved, S.purchasing, S.to_accept, S.stored, S.reimbursed)
        spend: dict[tuple, Decimal] = defaultdict(lambda: Decimal("0"))
        for plan in plans:
            if plan["status"] in committed:
                spend[(plan["dept"], plan["requested"].year, plan["subject"])] += plan["total"]
        budgets, keys = [], []
        for dept, purposes in PURPOSES.items():
            for year in sorted({self.year_start.year, today.year}):
                for subject in dict.fromkeys(p[1] for p in purposes):
                    used = spend.get((dept, year, subject), Decimal("0"))
                    factor = Decimal(str(rng.choice((1.05, 1.15, 1.3, 1.5, 1.8, 2.2))))
                    floor = Decimal(rng.choice((5000, 10000, 20000, 30000)) * self.scale)
                    amount = (max(used * factor, floor) / 1000).quantize(Decimal("1"), ROUND_CEILING) * 1000
                    budgets.append(dict(department_id=b.dept_ids[dept], year=year, subject=subject,
                                        amount=amount.quantize(CENT),
                                        remark="年初部门预算" if year == today.year else f"{year}年度预算（已结转）",
                                        row_version=1))
                    keys.append((dept, year, subject))
        budget_ids = dict(zip(keys, self.insert_ids(Budget, budgets)))

        keepers = self.on_duty["0502"] + [b.demo_staff["baoguan"]] * 3
        cashiers = [s for s in self.on_duty["0501"] if self.staff_row[s]["position"] == "出纳"] or self.on_duty["0501"]
        requests, items_of, acceptances, claims = [], [], [], []
        invoice = 0
        for plan in plans:
            dept, requested, status, total = plan["dept"], plan["requested"], plan["status"], plan["total"]
            applicant = self.pick_staff(rng, dept, 0.5)
            roll = rng.random()
            fund = FundSource.budget if roll < 0.75 else FundSource.school if roll < 0.96 else \
                FundSource.donation if roll < 0.97 else FundSource.other
            budget = budget_ids.get((dept, requested.year, plan["subject"])) \
                if fund == FundSource.budget and rng.random() < 0.85 else None
            if total < 1000:
                method = PurchaseMethod.self_buy
            elif total < 20000:
                method = rng.choice((PurchaseMethod.self_buy, PurchaseMethod.inquiry, PurchaseMethod.inquiry))
            elif total < 100000:
                method = rng.choice((PurchaseMethod.inquiry, PurchaseMethod.government))
            else:
                method = rng.choice((PurchaseMethod.tender, PurchaseMethod.government))
            trade = max((line["trade"] for line in plan["lines"]), key=[l["trade"] for l in plan["lines"]].count)
            chosen = status not in (S.draft, S.pending, S.rejected, S.void) or rng.random() < 0.4
            supplier = rng.choice(by_trade.get(trade) or supplier_ids) if chosen else None
            first = plan["lines"][0]["name"]
            reason = f"{plan['reason']}：{first}等{len(plan['lines'])}项" if len(plan["lines"]) > 1 \
                else f"{plan['reason']}：{first}"
            requests.append(dict(code=self.number("CG", requested), department_id=b.dept_ids[dept],
                                 applicant_id=applicant, requested_on=requested, reason=reason + rng.choice(REASON_DETAILS),
                                 fund_source=fund, budget_id=budget, method=method, supplier_id=supplier, total=total,
                                 status=status, row_version=1))
            items_of.append(plan["lines"])
            age = (today - requested).days
            if status == S.to_accept and rng.random() < 0.4:  # failed the check, replacement awaited
                acceptances.append(dict(request=len(requests) - 1, inspector_id=rng.choice(keepers),
                                        accepted_on=between(rng, requested + timedelta(days=1), today),
                                        conclusion=AcceptanceConclusion.failed, note=rng.choice(FAILED_ACCEPTANCE),
                                        row_version=1))
            if status in (S.stored, S.reimbursed):
                last = today - timedelta(days=1 if status == S.reimbursed else 0)
                accepted = between(rng, requested + timedelta(days=max(1, age // 4)),
                                   min(last, requested + timedelta(days=max(1, age * 2 // 3))))
                if rng.random() < 0.04 and (accepted - requested).days >= 2:  # failed first, then passed
                    acceptances.append(dict(request=len(requests) - 1, inspector_id=rng.choice(keepers),
                                            accepted_on=between(rng, requested + timedelta(days=1),
                                                                accepted - timedelta(days=1)),
                                            conclusion=AcceptanceConclusion.failed,
                                            note=rng.choice(FAILED_ACCEPTANCE), row_version=1))
                acceptances.append(dict(request=len(requests) - 1, inspector_id=rng.choice(keepers),
                                        accepted_on=accepted, conclusion=AcceptanceConclusion.passed,
                                        note=rng.choice(PASSED_ACCEPTANCE), row_version=1))
                if status == S.reimbursed:
                    paid = between(rng, accepted + timedelta(days=1), min(accepted + timedelta(days=25), today))
                    parts = [total]
                    if total > 2000 and rng.random() < 0.12:  # two invoices
                        first_part = (total * Decimal(str(rng.choice((0.3, 0.4, 0.5, 0.6))))).quantize(CENT)
                        parts = [first_part, total - first_part]
                    for part in parts:
                        invoice += 1
                        claims.append(dict(request=len(requests) - 1,
                                           invoice_no=f"{paid.year % 100:02d}332000000{invoice:09d}",
                                           amount=part, reimbursed_on=paid, cashier_id=rng.choice(cashiers),
                                           row_version=1))
        limits = {"校长": 1000, "校务会": 3000}  # config.PURCHASE_APPROVAL_LIMITS
        approvers = {"后勤主任": b.demo_staff["zongwu"], "校长": b.demo_staff["xiaozhang"],
                     "校务会": b.demo_staff["xiaowu"]}
        labels = {"后勤主任": "后勤主任审批", "校长": "校长审批", "校务会": "校务会审批"}
        past_approval = (S.approved, S.purchasing, S.to_accept, S.stored, S.reimbursed)
        trail = []
        for n, row in enumerate(requests):
            row.update(approval_stage=None, minute_no=None, handler_id=None)
            tiers = ["后勤主任"] + [t for t, limit in limits.items() if row["total"] > limit]
            done = []
            if row["status"] == S.pending:
                row["approval_stage"] = rng.choice(tiers)
                done = tiers[:tiers.index(row["approval_stage"])]
            elif row["status"] in past_approval:
                done = tiers
                if "校务会" in tiers:
                    row["minute_no"] = f"校务会纪要〔{row['requested_on'].year}〕{n % 40 + 1}号"
                row["handler_id"] = row["applicant_id"] if row["status"] != S.approved else None
            elif row["status"] == S.rejected:
                done = ["后勤主任"]
            if row["status"] == S.draft:
                continue
            at = datetime.combine(row["requested_on"], time(9, 0))
            trail.append((n, "submit", "提交审批", row["applicant_id"], at, "草稿", "待审批", None, None))
            for k, tier in enumerate(done):
                last = k == len(done) - 1
                rejected = row["status"] == S.rejected and last
                target = "已驳回" if rejected else ("已批准" if last and row["status"] != S.pending else "待审批")
                trail.append((n, "approve", labels[tier], approvers[tier], at + timedelta(hours=2 * (k + 1)),
                              "待审批", target, "驳回" if rejected else "通过",
                              "超出本学期预算，暂缓购置" if rejected else None))
        request_ids = self.insert_ids(PurchaseRequest, requests)
        from app.rules.history import WorkflowLog

        self.bulk(WorkflowLog, [
            dict(model="PurchaseRequest", record_id=request_ids[n], step=step, step_label=label,
                 from_state=source, to_state=target, decision=decision, comment=comment,
                 actor_id=self.user_of.get(actor), actor_name=b.staff_name.get(actor), created_at=at)
            for n, step, label, actor, at, source, target, decision, comment in trail])
        items = []
        for rid, lines in zip(request_ids, items_of):
            for line in lines:
                line.pop("trade", None)
                items.append(dict(line, request_id=rid))
        self.bulk(PurchaseItem, items)
        for row in acceptances:
            row["request_id"] = request_ids[row.pop("request")]
        self.bulk(Acceptance, acceptances)
        for row in claims:
            row["request_id"] = request_ids[row.pop("request")]
        self.bulk(Reimbursement, claims)

    # -- repairs -----------------------------------------------------------------------------------
    def build_repairs(self) -> None:
        from models.assets import AssetStatus
        from models.repairs import (
            REPAIR_WORKFLOW,
            DamageOrigin,
            DelayStatus,
            RepairCategory,
            RepairDelay,
            RepairMaterial,
            RepairOrder,
            Urgency,
            default_promise,
        )
        from models.repairs import RepairStatus as S

        rng = self.rng("repairs")
        b, now, today = self.b, self.now, self.today
        step = {s.name: s for s in REPAIR_WORKFLOW.steps}
        dispatcher = b.demo_staff["zongwu"]

        # Where things are.
        where = {loc: key for key, loc in b.location_ids.items()}
        dorm_rooms: list[int] = []
        duty_rooms: list[int] = []
        for building, campus, _g, floors, rooms, _beds, _y in DORM_BUILDINGS:
            duty_rooms.append(b.location_ids[(campus, building, "值班室")])
            dorm_rooms += [b.location_ids[(campus, building, f"{f}{n:02d}")]
                           for f in range(1, floors + 1) for n in range(1, rooms + 1)]
        usable = (AssetStatus.in_use, AssetStatus.idle, AssetStatus.repairing, AssetStatus.on_loan)
        asset_at: dict[tuple, list[int]] = defaultdict(list)
        asset_in: dict[tuple, list[int]] = defaultdict(list)
        for i, asset in enumerate(b.assets):
            if asset["status"] in usable and asset["location_id"] is not None:
                asset_at[(asset["location_id"], asset["name"])].append(i)
                asset_in[(asset["department_id"], asset["name"])].append(i)
        workers = self.on_duty["050203"]
        positions = {w: self.staff_row[w]["position"] for w in workers}
        preferred = {"water": ("水工", "维修工"), "electric": ("电工",), "carpentry": ("木工", "维修工"),
                     "door_window": ("木工", "维修工"), "network": ("电工",), "equipment": ("维修工", "电工"),
                     "other": ("维修工", "木工", "水工")}
        demo_workers = {b.demo_staff["weixiu"], b.demo_staff["shuidian"]}
        all_staff = [s for dept in ALL_DEPTS for s in self.on_duty[dept]]

        def choose_worker(category: str) -> int:
            fit = [w for w in workers if positions[w] in preferred[category]] or workers
            demo = [w for w in fit if w in demo_workers]
            if demo and rng.random() < 0.5 / self.scale ** 0.5:
                return rng.choice(demo)
            return rng.choice(fit)

        def place_for(kind: RepairKind, reporter: int | None):
            """(reporter, department code, location id or None, place text)."""
            p = kind.place
            if p in ("dorm", "duty"):
                reporter = reporter or self.pick_staff(rng, "050202", 0.6)
                loc = rng.choice(dorm_rooms if p == "dorm" else duty_rooms)
            elif p == "classroom":
                if reporter is None:
                    dept = rng.choice(GRADE_DEPTS)
                    reporter = self.pick_staff(rng, dept, 0.3)
                dept = b.staff_dept[reporter]
                loc = rng.choice(b.places[dept].get("classroom") or b.places[rng.choice(GRADE_DEPTS)]["classroom"])
            elif p == "office":
                reporter = reporter or rng.choice(all_staff)
                tags = b.places[b.staff_dept[reporter]]
                loc = rng.choice(tags.get("office") or [x for ids in tags.values() for x in ids])
            elif p in ("kitchen", "dining"):
                reporter = reporter or self.pick_staff(rng, "050201", 0.5)
                loc = rng.choice(b.places["050201"][p])
            elif p in ("lab", "computer_lab", "library"):
                reporter = reporter or self.pick_staff(rng, "03")
                loc = rng.choice(b.places["03"][p])
            elif p == "gym":
                reporter = reporter or self.pick_staff(rng, "14")
                loc = rng.choice(b.places["14"]["gym"])
            elif p == "laundry":
                reporter = reporter or self.pick_staff(rng, "050205")
                loc = rng.choice(b.places["050205"]["laundry"])
            else:  # toilet, campus: public places without a room record
                if reporter is None:
                    dept = rng.choice(("050204", "050204", "050204", "05", "11", "12", "13"))
                    reporter = self.pick_staff(rng, dept, 0.4)
                if p == "toilet":
                    text = f"{rng.choice(RUBBISH_PLACES['toilet'])}{rng.randint(1, 4)}楼{rng.choice('男女')}卫生间"
                else:
                    text = rng.choice(RUBBISH_PLACES["campus"])
                return reporter, None, text
            campus, building, room = where[loc]
            text = f"{campus}{building}{room}"
            return reporter, loc, text

        def asset_for(kind: RepairKind, loc: int | None, reporter: int):
            if kind.asset is None:
                return None, loc
            found = asset_at.get((loc, kind.asset)) if loc is not None else None
            if found:
                return rng.choice(found), loc
            found = asset_in.get((b.dept_ids[b.staff_dept[reporter]], kind.asset))
            if found:
                i = rng.choice(found)
                return i, b.assets[i]["location_id"]
            return None, loc

        def in_hours(t: datetime, urgent: bool) -> datetime:
            """Workers come between 7:30 and 18:00 unless the job is urgent."""
            if urgent:
                return t
            if t.hour < 7 or (t.hour == 7 and t.minute < 30):
                return datetime.combine(t.date(), time(7, 30)) + timedelta(minutes=rng.randint(0, 50))
            if t.hour >= 18:
                return datetime.combine(t.date() + timedelta(days=1), time(7, 30)) + timedelta(minutes=rng.randint(0, 60))
            return t

        def awake(t: datetime) -> datetime:
            if t.hour < 7:
                return datetime.combine(t.date(), time(7, 10)) + timedelta(minutes=rng.randint(0, 80))
            if t.hour >= 22:
                return datetime.combine(t.date() + timedelta(days=1), time(7, 10)) + timedelta(minutes=rng.randint(0, 80))
            return t

        hours_for = {
            "dorm": [(7, 1), (8, 1), (11, 1), (12, 2), (13, 1), (17, 2), (18, 3), (19, 3), (20, 3), (21, 2)],
            "kitchen": [(6, 2), (7, 2), (8, 2), (9, 2), (10, 2), (13, 2), (14, 2), (15, 1)],
            "other": [(7, 1), (8, 3), (9, 3), (10, 3), (11, 2), (13, 1), (14, 3), (15, 3), (16, 2), (17, 1)],
        }
        hours_for["duty"] = hours_for["dorm"]

        def make(kind: RepairKind, reported: datetime, reporter: int | None = None, worker: int | None = None,
                 stall: str | None = None, promise: datetime | None = None, fixed: bool = False,
                 pending_delay: bool = False) -> dict:
            reporter, loc, text = place_for(kind, reporter)
            human = rng.random() < kind.human
            asset, loc2 = asset_for(kind, loc, reporter) if not human else (None, loc)
            if loc2 != loc and loc2 is not None:
                loc = loc2
                campus, building, room = where[loc]
                text = f"{campus}{building}{room}"
            urgent = (rng.random() < kind.urgent) and not fixed
            urgency = Urgency.urgent if urgent else Urgency.normal
            default = default_promise(reported, urgency)
            worker = worker or choose_worker(kind.category)
            events: list[tuple] = []  # (time, step, from, to, actor, comment)
            delays: list[dict] = []
            fate = rng.random() if stall is None else 1.0
            promised = default
            if fate < 0.03:
                events.append((in_hours(reported + timedelta(minutes=rng.randint(10, 180)), False), "reject",
                               S.pending, S.rejected, dispatcher, rng.choice(REJECT_REASONS)))
            elif fate < 0.055:
                events.append((reported + timedelta(minutes=rng.randint(5, 300)), "cancel", S.pending, S.cancelled,
                               reporter, None))
            else:
                minute = timedelta(minutes=1)
                if fixed:
                    dispatched = reported + 20 * minute
                else:
                    dispatched = in_hours(reported + rng.randint(5, 60 if urgent else 120) * minute, urgent)
                promised = default
                if promise is not None:
                    promised = promise
                elif not urgent and (dispatched.date() > reported.date() or dispatched.hour >= 16):
                    # Reported after hours: the dispatcher promises the next working afternoon.
                    day = dispatched.date() + timedelta(days=1 if dispatched.date() == reported.date() else 0)
                    promised = datetime.combine(day, time(18, 0))
                elif not urgent and rng.random() < 0.12:
                    promised = datetime.combine(reported.date() + timedelta(days=rng.randint(1, 4)), time(18, 0))
                accepted = dispatched + (25 * minute if fixed else rng.randint(3, 40) * minute)
                if not fixed:
                    accepted = in_hours(accepted, urgent)
                events.append((dispatched, "dispatch", S.pending, S.dispatched, dispatcher, None))
                events.append((accepted, "accept", S.dispatched, S.repairing, worker, None))
                parts = stall == "waiting_parts" or (stall is None and rng.random() < 0.04)
                if parts:
                    suspended = accepted + rng.randint(20, 90) * minute
                    resumed = in_hours(suspended + timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 6)), False)
                    finished = in_hours(resumed + rng.randint(30, 180) * minute, False)
                    events.append((suspended, "suspend", S.repairing, S.waiting_parts, worker,
                                   rng.choice(SUSPEND_REASONS)))
                    events.append((resumed, "resume", S.waiting_parts, S.repairing, worker, None))
                    if stall is None and finished > promised:
                        roll = rng.random()
                        if roll < 0.45:
                            new = max(datetime.combine(finished.date(), time(18, 0)), finished + 30 * minute)
                            delays.append(dict(applicant_id=worker, old_promised_at=promised, new_promised_at=new,
                                               reason=rng.choice(DELAY_REASONS), status=DelayStatus.approved,
                                               row_version=1, _after=suspended))
                            promised = new
                        elif roll < 0.55:
                            delays.append(dict(applicant_id=worker, old_promised_at=promised,
                                               new_promised_at=promised + timedelta(days=2),
                                               reason=rng.choice(DELAY_REASONS), status=DelayStatus.rejected,
                                               row_version=1, _after=suspended))
                elif fixed:
                    finished = accepted + 60 * minute
                elif rng.random() < 0.05:  # finished late
                    finished = in_hours(promised + timedelta(hours=rng.uniform(1, 30)), urgent)
                else:
                    finished = in_hours(accepted + rng.randint(20, 150) * minute, urgent)
                finished = max(finished, accepted + 10 * minute)
                cause = DamageOrigin.human if human else DamageOrigin.natural
                record = rng.choice(kind.records) + ("；经查为人为损坏，已告知报修部门" if human else "")
                events.append((finished, "finish", S.repairing, S.to_check, worker, None))
                checked = finished + 90 * minute if fixed else awake(finished + rng.randint(10, 60 * 30) * minute)
                if stall is not None or rng.random() > 0.015:  # a few reporters never come back to check
                    events.append((checked, "check", S.to_check, S.done, reporter, None))
                    if stall is not None or rng.random() < 0.85:
                        late = finished > promised
                        if late:
                            rating = rng.choices((5, 4, 3, 2, 1), (30, 35, 20, 10, 5))[0]
                        else:
                            rating = rng.choices((5, 4, 3, 2, 1), (62, 28, 7, 2, 1))[0]
                        feedback = None
                        if rng.random() < 0.4:
                            feedback = rng.choice(GOOD_FEEDBACK if rating >= 4 else BAD_FEEDBACK)
                        events.append((checked + rng.randint(0, 20) * minute, "rate", S.done, S.done, reporter,
                                       (rating, feedback)))
                keep = {"pending": 0, "dispatched": 1, "repairing": 2, "waiting_parts": 3, "to_check": None,
                        "unrated": None}
                if stall in ("to_check", "unrated"):
                    cut = {"to_check": "finish", "unrated": "check"}[stall]
                    events = events[:next(i for i, e in enumerate(events) if e[1] == cut) + 1]
                elif stall is not None:
                    events = events[:keep[stall]]
                if stall == "waiting_parts" and pending_delay:
                    new = datetime.combine(max(today, promised.date()) + timedelta(days=rng.randint(2, 6)), time(18, 0))
                    delays.append(dict(applicant_id=worker, old_promised_at=promised, new_promised_at=new,
                                       reason=rng.choice(DELAY_REASONS), status=DelayStatus.pending, row_version=1,
                                       _after=events[-1][0]))
            events = [e for e in events if e[0] <= now]
            status = events[-1][3] if events else S.pending
            names = {e[1] for e in events}
            row = dict(code=None, title=kind.title, description=rng.choice(kind.descriptions),
                       category=RepairCategory[kind.category], urgency=urgency, place=text, location_id=loc,
                       asset_id=asset, reporter_id=reporter, department_id=b.dept_ids[b.staff_dept[reporter]],
                       phone=self.staff_row[reporter]["phone"], reported_at=reported, photo=None,
                       dispatcher_id=None, worker_id=None, dispatched_at=None, accepted_at=None, promised_at=default,
                       finished_at=None, work_record=None, damage_cause=None, checker_id=None, checked_at=None,
                       rating=None, feedback=None, status=status, row_version=1)
            for at, name, _s, _t, _a, extra in events:
                if name == "dispatch":
                    row.update(dispatcher_id=dispatcher, worker_id=worker, dispatched_at=at, promised_at=promised)
                elif name == "accept":
                    row["accepted_at"] = at
                elif name == "finish":
                    row.update(finished_at=at, work_record=record, damage_cause=cause)
                elif name == "check":
                    row.update(checker_id=reporter, checked_at=at)
                elif name == "rate":
                    row.update(rating=extra[0], feedback=extra[1])
            if "dispatch" not in names:
                delays = []
            # A delay is decided once the job resumed; one still waiting for parts may have a request pending.
            delays = [d for d in delays if d["status"] == DelayStatus.pending or "resume" in names]
            if status not in (S.repairing, S.waiting_parts, S.dispatched):
                delays = [d for d in delays if d["status"] != DelayStatus.pending]
            materials = []
            if kind.materials and status in (S.repairing, S.waiting_parts, S.to_check, S.done) \
                    and rng.random() < (0.85 if status in (S.to_check, S.done) else 0.4):
                for name, unit, price, (low, high) in kind.materials[:rng.randint(1, len(kind.materials))]:
                    quantity = Decimal(str(rng.randint(int(low), int(high))))
                    if unit in ("米", "平方米", "公斤") and rng.random() < 0.5:
                        quantity += Decimal("0.5")
                    unit_price = Decimal(str(price)).quantize(CENT)
                    materials.append(dict(name=name, unit=unit, quantity=quantity, unit_price=unit_price,
                                          amount=(quantity * unit_price).quantize(CENT), row_version=1))
            return dict(row=row, events=events, delays=delays, materials=materials)

        # The orders the demo accounts see first (open jobs, jobs to check and rate) …
        by_place = defaultdict(list)
        for kind in REPAIR_KINDS:
            by_place[kind.place].append(kind)
        jobs_of = {"weixiu": ("carpentry", "door_window", "equipment", "other"), "shuidian": ("electric", "network", "water")}
        scripted = (  # place, reporter, worker, stall, days ago, hour, promise (days from today), pending delay
            ("dorm", "sushe", "weixiu", "dispatched", 1, 15, 1, False),
            ("classroom", "jiaoshi", "weixiu", "dispatched", 1, 14, 1, False),
            ("dorm", "sushe", "weixiu", "repairing", 1, 10, 1, False),
            ("office", None, "weixiu", "repairing", 1, 14, 2, False),
            ("dorm", "sushe", "weixiu", "waiting_parts", 6, 10, -3, True),
            ("classroom", None, "weixiu", "repairing", 3, 9, -2, False),
            ("office", None, "shuidian", "dispatched", 1, 15, 1, False),
            ("dorm", "sushe", "shuidian", "repairing", 1, 11, 1, False),
            ("classroom", "jiaoshi", None, "to_check", 2, 9, None, False),
            ("classroom", "jiaoshi", None, "to_check", 3, 14, None, False),
            ("classroom", "jiaoshi", None, "unrated", 4, 10, None, False),
            ("classroom", "jiaoshi", None, "unrated", 9, 8, None, False),
            ("classroom", "jiaoshi", None, "pending", 1, 17, None, False),
            ("dorm", "sushe", None, "pending", 1, 19, None, False),
            ("dorm", "sushe", None, "pending", 1, 20, None, False),
            ("dorm", "sushe", None, "to_check", 2, 16, None, False),
            ("kitchen", "shitang", None, "repairing", 1, 9, 1, False),
            ("kitchen", "shitang", None, "to_check", 2, 7, None, False),
        )
        recent = []
        for place, reporter, worker, stall, ago, hour, promise, delay in scripted:
            options = [k for k in by_place[place] if worker is None or k.category in jobs_of[worker]]
            kind = rng.choice(options)
            reported = datetime.combine(today - timedelta(days=ago), time(hour, rng.randint(0, 40)))
            when = None if promise is None else datetime.combine(today + timedelta(days=promise), time(18, 0))
            recent.append(make(kind, reported, reporter=b.demo_staff[reporter] if reporter else None,
                               worker=b.demo_staff[worker] if worker else None, stall=stall, promise=when,
                               fixed=True, pending_delay=delay))

        from app.rules.history import WorkflowLog

        def write(batch: list[dict]) -> None:
            """Number a batch of whole days in time order, insert it, then its materials, delays and history."""
            batch.sort(key=lambda o: o["row"]["reported_at"])
            for order in batch:
                order["row"]["code"] = self.number("BX", order["row"]["reported_at"].date())
                if order["row"]["asset_id"] is not None:
                    order["row"]["asset_id"] = b.asset_ids[order["row"]["asset_id"]]
            ids = self.insert_ids(RepairOrder, [o["row"] for o in batch])
            materials, delays, logs = [], [], []
            for oid, order in zip(ids, batch):
                materials += [dict(m, order_id=oid) for m in order["materials"]]
                for delay in order["delays"]:
                    delay.pop("_after", None)
                    delays.append(dict(delay, order_id=oid))
                for at, name, source, target, actor, extra in order["events"]:
                    comment = extra if isinstance(extra, str) else None
                    logs.append(self.log("RepairOrder", oid, step[name], at, actor, comment, source, target))
            self.bulk(RepairMaterial, materials)
            self.bulk(RepairDelay, delays)
            self.bulk(WorkflowLog, logs)

        # … and the year's orders, written a few weeks at a time (the last ten days together with those above).
        kinds, weights = list(REPAIR_KINDS), [k.weight for k in REPAIR_KINDS]
        batch: list[dict] = []
        last_day = None
        for day in self.sample_days(rng, 3000 * self.scale, self.year_start, today):
            if day != last_day and len(batch) >= 4 * CHUNK and day < today - timedelta(days=10):
                write(batch)
                batch = []
            last_day = day
            kind = rng.choices(kinds, weights)[0]
            reported = self.at_time(rng, day, hours_for.get(kind.place, hours_for["other"]))
            if reported > now:
                reported -= timedelta(days=1)
            stall = None
            if now - timedelta(days=30) < reported < now - timedelta(days=2) and rng.random() < 0.03:
                stall = rng.choice(("pending", "dispatched", "dispatched", "repairing", "repairing", "repairing",
                                    "waiting_parts", "waiting_parts", "waiting_parts", "waiting_parts"))
            batch.append(make(kind, reported, stall=stall, pending_delay=rng.random() < 0.5))
        write(batch + recent)

    # -- dorms -------------------------------------------------------------------------------------
    def build_dorms(self) -> None:
        from math import ceil

        from models.dorms import (
            SCORES,
            Accommodation,
            Bed,
            BedStatus,
            Building,
            Discipline,
            DisciplineKind,
            DormChange,
            HygieneInspection,
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

    # -- utilities ---------------------------------------------------------------------------------
    def build_utilities(self) -> None:
        from models.utilities import (
            ABNORMAL_FACTOR,
            ABNORMAL_MIN_HISTORY,
            Household,
            HouseholdType,
            Meter,
            MeterReading,
            MeterType,
            PaymentStatus,
        )

        rng = self.rng("utilities")
        b, today = self.b, self.today
        dept = b.dept_ids["050203"]
        readers = self.on_duty["050203"]
        shuidian = b.demo_staff["shuidian"]

        # Households: teachers' flats (a resident each), the dorm buildings, canteen, shops and buildings.
        households = []  # (row, water base, electricity base, electricity meters)
        residents = [b.demo_staff[u] for u in ("jiaoshi", "weixiu", "shuidian", "zongwu")]
        pool = [r["id"] for r in b.staff_rows if r["on_duty"] and r["id"] not in residents]
        rng.shuffle(pool)
        flats = min(24 * self.scale, len(pool) + len(residents))
        residents = (residents + pool)[:flats]
        for n, resident in enumerate(residents):
            block, rest = divmod(n, 12)
            unit, floor = divmod(rest, 6)
            name = f"教工住宅{block + 1}幢{unit + 1}单元{floor + 1}01"
            payroll = rng.random() < 0.8 and resident != b.demo_staff["jiaoshi"]
            households.append((dict(name=name, kind=HouseholdType.teacher_home, location=f"本部教工生活区{block + 1}幢",
                                    resident_id=resident, payroll_deduction=payroll, department_id=dept,
                                    remark=None, row_version=1), rng.uniform(7, 16), rng.uniform(150, 320), 1))
        for name, campus, _g, floors, per_floor, beds, _y in DORM_BUILDINGS:
            size = floors * per_floor * beds / 300
            households.append((dict(name=f"{name}（学生宿舍）", kind=HouseholdType.dormitory, location=f"{campus}{name}",
                                    resident_id=None, payroll_deduction=False, department_id=dept,
                                    remark="宿舍用水用电，学校统一结算", row_version=1),
                               1100 * size, 11000 * size, 1))
        for name, kind, location, water, power, meters in PUBLIC_HOUSEHOLDS:
            households.append((dict(name=name, kind=HouseholdType[kind], location=location, resident_id=None,
                                    payroll_deduction=False, department_id=dept,
                                    remark="承包经营，按月收取水电费" if "承包" in name else None, row_version=1),
                               water, power, meters))
        household_ids = self.insert_ids(Household, [h[0] for h in households])

        meters, profile = [], []  # profile: (household kind, base usage, water?)
        seq = 0
        for hid, (row, water, power, count) in zip(household_ids, households):
            kind = row["kind"].name
            water_price, power_price = PRICES[kind]
            for meter_kind, base, price, place in [(MeterType.water, water, water_price, "水表井")] + \
                    [(MeterType.electricity, power / count, power_price, "配电箱" if count == 1 else
                      ("照明配电箱", "动力配电箱")[i]) for i in range(count)]:
                seq += 1
                prefix = "SB" if meter_kind == MeterType.water else "DB"
                meters.append(dict(household_id=hid, kind=meter_kind, meter_no=f"{prefix}-{seq:06d}",
                                   unit_price=Decimal(price), location=f"{row['location']} {place}", row_version=1))
                profile.append((kind, base, meter_kind == MeterType.water, row["payroll_deduction"]))
        meter_ids = self.insert_ids(Meter, meters)

        # Twelve months of readings, the last one read this month once the 25th has passed.
        last = date(today.year, today.month, 1)
        if today.day < 25:
            last = (last - timedelta(days=1)).replace(day=1)
        months = []
        for _ in range(12):
            months.append(last)
            last = (last - timedelta(days=1)).replace(day=1)
        months.reverse()

        def season(month: date, kind: str, water: bool) -> float:
            m = month.month
            if kind == "teacher_home":
                if water:
                    return 1.3 if m in (7, 8) else 1.0
                return {7: 1.8, 8: 1.9, 1: 1.5, 2: 1.4, 12: 1.3, 6: 1.2}.get(m, 1.0)
            school = {2: 0.25, 1: 0.7, 7: 0.5, 8: 0.2, 9: 1.15, 6: 1.2, 12: 1.1}.get(m, 1.0)
            if not water and kind in ("dormitory", "office") and m in (6, 9, 12):
                school *= 1.15  # air conditioning
            return school

        readings = []
        replaced_meters = set(rng.sample(range(len(meters)), min(len(meters), 3 * self.scale)))
        leaking = set(rng.sample(range(len(meters)), min(len(meters), 4 * self.scale)))
        for m, (mid, meter) in enumerate(zip(meter_ids, meters)):
            kind, base, water, payroll = profile[m]
            price = meter["unit_price"]
            value = Decimal(rng.randint(800, 40000 if not water else 9000))
            swap_at = rng.randint(2, 11) if m in replaced_meters else None
            leak_at = rng.randint(4, 11) if m in leaking else None
            history: list[Decimal] = []
            for i, month in enumerate(months):
                usage = Decimal(str(max(1.0, base * season(month, kind, water) * rng.uniform(0.85, 1.15))))
                usage = usage.quantize(Decimal("1") if water else Decimal("0.1")).quantize(CENT)
                remark = None
                if i == leak_at:
                    usage = (usage * Decimal(str(rng.uniform(4, 6)))).quantize(CENT)
                    remark = "用量异常：疑似管道漏水，已通知水电维修组核查" if water else "用量异常：已通知使用部门核查用电设备"
                previous = value
                if i == swap_at:
                    current, replaced = usage, True
                    remark = f"旧表故障更换新表，旧表止码 {value + (usage / 2).quantize(CENT)}"
                else:
                    current, replaced = value + usage, False
                amount = (usage * price).quantize(CENT, ROUND_HALF_UP)
                abnormal = len(history) >= ABNORMAL_MIN_HISTORY and usage > ABNORMAL_FACTOR * (sum(history) / len(history))
                history.append(usage)
                read_on = date(month.year, month.month, rng.randint(20, 25))
                if read_on > today:
                    read_on = today
                if payroll:
                    status = PaymentStatus.payroll
                elif i == len(months) - 1:
                    status = PaymentStatus.unpaid if rng.random() < 0.6 else PaymentStatus.paid
                else:
                    status = PaymentStatus.unpaid if rng.random() < 0.02 else PaymentStatus.paid
                if water:
                    reader = shuidian if rng.random() < 0.7 else rng.choice(readers)
                else:
                    reader = shuidian if rng.random() < 0.8 else rng.choice(readers)
                readings.append(dict(meter_id=mid, month=month.strftime("%Y-%m"), previous=previous, current=current,
                                     replaced=replaced, usage=usage, amount=amount, abnormal=abnormal, reader_id=reader,
                                     read_on=read_on, payment_status=status, remark=remark, row_version=1))
                value = current
        self.bulk(MeterReading, readings)

    # -- patrols and hazards -------------------------------------------------------------------------
    def build_safety(self) -> None:
        from app.rules.history import WorkflowLog
        from models.safety import HAZARD_WORKFLOW, Hazard, HazardCategory, HazardLevel, Patrol
        from models.safety import HazardStatus as H

        rng = self.rng("safety")
        b, today, now = self.b, self.today, self.now
        step = {s.name: s for s in HAZARD_WORKFLOW.steps}
        chief = b.demo_staff["zongwu"]
        safety_officers = [s for s in self.on_duty["05"] if self.staff_row[s]["position"] == "安全干事"] \
            or [chief]

        def patroller_for(dept: str) -> int:
            if dept == "05":
                return rng.choice(safety_officers)
            return self.pick_staff(rng, dept, 0.6)

        def rectifier_for(dept: str) -> int:
            demo = b.demo_in_dept.get(dept)
            if dept == "050203":
                return b.demo_staff["shuidian"]
            if demo and rng.random() < 0.7:
                return demo[0]
            if dept == "05":
                return rng.choice(safety_officers)
            head = b.departments[dept].head_id
            return head or rng.choice(self.on_duty[dept])

        # Patrols: every day, more on school days; each deployment's share grows with --scale.
        patrols, found = [], []
        for day in self.days(self.year_start, today):
            if day == today and now.hour < 10:
                continue
            count = (2 if is_school_day(day) else 1) * self.scale
            for area, items, dept, problems in rng.sample(PATROL_AREAS, min(count, len(PATROL_AREAS))) + \
                    [rng.choice(PATROL_AREAS) for _ in range(max(0, count - len(PATROL_AREAS)))]:
                patroller = patroller_for(dept)
                normal = rng.random() > 0.1
                findings = rng.choice(PATROL_OK)
                if not normal:
                    problem = rng.choice(problems)
                    findings = problem[0]
                    if rng.random() < 0.75:
                        found.append((day, area, problem, patroller, "巡视发现"))
                patrols.append(dict(patrolled_on=day, patroller_id=patroller, area=area, items=items,
                                    findings=findings, normal=normal, row_version=1))
        self.bulk(Patrol, patrols)

        # Hazards: those patrols turned up, and what other inspections found, to ~150 a year (× scale).
        wanted = 150 * self.scale
        rng.shuffle(found)
        found = found[:int(wanted * 0.7)]
        school_days = [d for d in self.days(self.year_start, today) if is_school_day(d)] or [today]
        while len(found) < wanted:
            day = rng.choice(school_days)
            if rng.random() < 0.3:
                source, area, text, category, level, dept = rng.choice(OTHER_HAZARDS)
                problem = (text, category, level, dept)
            else:
                area, _items, _dept, problems = rng.choice(PATROL_AREAS)
                problem = rng.choice(problems)
                source = rng.choice(("学校月度安全检查", "安全干事日常检查", "师生反映", "节假日前安全大检查"))
            found.append((day, area, problem, rng.choice(safety_officers + [chief]), source))
        hazards, logs = [], []
        minute = timedelta(minutes=1)
        for day, area, (text, category, level, dept), reporter, source in found:
            found_at = datetime.combine(day, time(rng.randint(8, 16), rng.randint(0, 59)))
            if found_at > now:
                found_at = now - timedelta(minutes=rng.randint(5, 120))
                day = found_at.date()
            major = level == "major"
            deadline = day + timedelta(days=rng.randint(2, 7) if major else rng.randint(5, 30))
            if deadline >= today:
                status = rng.choices(list(H), (35, 35, 20, 10))[0]
            else:
                status = rng.choices(list(H), (2, 4, 2, 92))[0]
            rectifier = rectifier_for(dept)
            measures = rng.choice(MEASURES[category]) if status in (H.awaiting_acceptance, H.closed) or \
                (status == H.rectifying and rng.random() < 0.3) else None
            # Steps taken, spread between the finding and now (most closed by the deadline, some late).
            end = datetime.combine(deadline, time(17, 30)) if rng.random() < 0.85 else \
                datetime.combine(deadline + timedelta(days=rng.randint(1, 10)), time(17, 30))
            end = min(end, now)
            if end <= found_at:
                end = found_at + minute
            steps = {H.pending: [], H.rectifying: ["start"], H.awaiting_acceptance: ["start", "submit"],
                     H.closed: ["start", "submit", "close"]}[status]
            if status == H.closed and rng.random() < 0.1:
                steps = ["start", "submit", "send_back", "submit", "close"]
            span = (end - found_at) / (len(steps) + 1) if steps else None
            times = [found_at + span * (k + 1) for k in range(len(steps))]
            closed_at = accepted_by = None
            hazards.append(dict(code=None, found_at=found_at, location=area, category=HazardCategory[category],
                                level=HazardLevel[level], description=f"{source}：{text}", photo=None,
                                rectify_department_id=b.dept_ids[dept], rectifier_id=rectifier, deadline=deadline,
                                measures=measures, status=status, accepted_by_id=None, closed_at=None,
                                reporter_id=reporter, row_version=1))
            row_logs = []
            state = H.pending
            for name, at in zip(steps, times):
                at = at.replace(second=0, microsecond=0)
                s = step["close" if name == "send_back" else name]
                actor = chief if name in ("close", "send_back") else rectifier
                comment = "整改不到位，请按要求重新整改" if name == "send_back" else None
                target = s.return_to if name == "send_back" else s.target
                decision = {"close": "通过", "send_back": "退回修改"}.get(name)
                row_logs.append((name, at, actor, comment, state, target, decision))
                state = target
                if name == "close":
                    closed_at, accepted_by = at, chief
            hazards[-1].update(closed_at=closed_at, accepted_by_id=accepted_by)
            hazards[-1]["_logs"] = row_logs
        hazards.sort(key=lambda h: h["found_at"])
        for hazard in hazards:
            hazard["code"] = self.number("YH", hazard["found_at"].date())
        hazards.sort(key=lambda h: h["status"] == H.closed)  # open ones first (lowest ids); numbers stay in time order
        ids = self.insert_ids(Hazard, [{k: v for k, v in h.items() if k != "_logs"} for h in hazards])
        for hid, hazard in zip(ids, hazards):
            for name, at, actor, comment, source, target, decision in hazard["_logs"]:
                row = self.log("Hazard", hid, step["close" if name == "send_back" else name], at, actor, comment,
                               source, target)
                logs.append(dict(row, decision=decision))
        self.bulk(WorkflowLog, logs)

    # -- satisfaction --------------------------------------------------------------------------------
    def build_satisfaction(self) -> None:
        from models.satisfaction import Identity, Rating, Survey, SurveyAnswer, SurveyItem, SurveyResponse

        rng = self.rng("satisfaction")
        b, today = self.b, self.today
        spring = date(today.year if today.month >= 7 else today.year - 1, 6, 8)
        surveys = [  # (title, period, start, end, responses)
            (f"{spring.year}年春季学期后勤服务满意度调查", f"{spring.year}年春季学期", spring, spring + timedelta(days=11),
             400 * self.scale),
        ]
        autumn = date(today.year, 11, 16) if today.month >= 9 else None
        if autumn is not None and autumn <= today:
            surveys.append((f"{today.year}年秋季学期后勤服务满意度调查", f"{today.year}年秋季学期", autumn,
                            autumn + timedelta(days=14), 120 * self.scale))
        survey_ids = self.insert_ids(Survey, [dict(title=t, period=p, starts_on=s, ends_on=e,
                                                   description="面向全体教职工和寄宿学生，匿名填写；满意率目标 ≥90%",
                                                   row_version=1) for t, p, s, e, _ in surveys])
        items = [dict(survey_id=sid, name=name, unit_id=b.dept_ids[unit], sort=10 * (k + 1), row_version=1)
                 for sid in survey_ids for k, (name, unit, _p) in enumerate(SURVEY_ITEMS)]
        item_ids = self.insert_ids(SurveyItem, items)
        per_survey = len(SURVEY_ITEMS)
        jiaoshi = b.demo_users["jiaoshi"]
        for s, (sid, (_t, _p, starts, ends, count)) in enumerate(zip(survey_ids, surveys)):
            last = min(ends, today)
            responses = []
            for n in range(count):
                identity = Identity.staff if rng.random() < 0.25 else Identity.student
                responses.append(dict(survey_id=sid, identity=identity, submitted_on=between(rng, starts, last),
                                      comment=rng.choice(SURVEY_COMMENTS) if rng.random() < 0.25 else None,
                                      submitter_id=None, row_version=1))
            responses[0].update(identity=Identity.staff, submitter_id=jiaoshi)  # the teacher's own answer sheet
            response_ids = self.insert_ids(SurveyResponse, responses)
            # Exact shares per item: the 满意率 lands where the school's results are (85–97 %).
            for k, (_name, _unit, share) in enumerate(SURVEY_ITEMS):
                item_id = item_ids[s * per_survey + k]
                share = min(0.98, max(0.84, share + rng.uniform(-0.015, 0.015)))
                satisfied = round(count * share)
                very = round(satisfied * rng.uniform(0.45, 0.55))
                fair = round(satisfied * rng.uniform(0.12, 0.2))
                less = round((count - satisfied) * 0.7)
                ratings = ([Rating.very_satisfied] * very + [Rating.satisfied] * (satisfied - very - fair)
                           + [Rating.basic] * fair + [Rating.less] * less
                           + [Rating.dissatisfied] * (count - satisfied - less))
                rng.shuffle(ratings)
                self.bulk(SurveyAnswer, [dict(response_id=rid, item_id=item_id, rating=rating, row_version=1)
                                         for rid, rating in zip(response_ids, ratings)])
