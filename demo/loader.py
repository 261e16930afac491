"""演示数据：一所寄宿制高中的后勤处、演示账号，以及一个学年的校产业务。

``load_demo(scale)`` fills an empty database (no 教职工 yet) with a believable school: ~40 × scale staff,
~2,000 × scale asset cards, loans, transfers, damages, disposals, one stocktake and a term's
assessments, plus the demo accounts (password ``Houqin@2026``). It refuses to run unless the
application is in DEMO_MODE, and does nothing when staff already exist.

The big tables are written with bulk Core inserts, so ``--scale 100`` (≈200,000 asset cards) takes
minutes, not hours. Everything is drawn from ``random.Random(2026)``: the same day gives the same data.
"""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Iterable

from flask import current_app

from app import clock
from sqlalchemy import func, insert, select

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
    "01": (2, None, {"副校长": 1}),
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
    for campus, building, floors, rooms in (("本部", "男生宿舍1号楼", 6, 20), ("本部", "女生宿舍2号楼", 6, 20),
                                            ("东校区", "学生公寓3号楼", 5, 12)):
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
          "盘点", "盘点明细")


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------

def load_demo(scale: int = 1) -> dict[str, int]:
    """Prepare the database and, when it holds no 教职工 yet, fill it with demo data. Returns counts."""
    if not current_app.config.get("DEMO_MODE"):
        raise RuntimeError("演示数据只能在演示模式（DEMO_MODE）下载入：它会创建公开密码的演示账号，切勿用于正式环境。")
    if scale < 1:
        raise ValueError("scale 至少为 1")
    from app import db
    from app.cli import prepare_database
    from models.org import Staff

    prepare_database()
    session = db.session
    if not session.scalar(select(func.count()).select_from(Staff)):
        _Builder(session, scale).build()
        session.commit()
    return counts(session)


def load_demo_if_empty(scale: int = 1) -> dict[str, int]:
    """`python run.py --demo`: switch the app to demo mode and load the demo data once."""
    current_app.config["DEMO_MODE"] = True
    return load_demo(scale=scale)


def counts(session) -> dict[str, int]:
    from app import engine
    from flask_appbuilder.security.sqla.models import User

    by_label = {m.__admin__.label: m for m in engine().models}
    found = {label: session.scalar(select(func.count()).select_from(by_label[label]))
             for label in LABELS if label in by_label}
    found["登录账号"] = session.scalar(select(func.count()).select_from(User))
    return found


# ---------------------------------------------------------------------------------------------
# The builder
# ---------------------------------------------------------------------------------------------

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
        for i in range(0, len(rows), CHUNK):
            self.session.execute(insert(table), rows[i:i + CHUNK])

    def day_between(self, first: date, last: date) -> date:
        if last <= first:
            return first
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def person_name(self, male: bool) -> str:
        rng = self.rng
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

    def build_locations(self) -> None:
        from models.assets import Location

        s = self.session
        existing = {(loc.campus, loc.building, loc.room): loc.id for loc in s.scalars(select(Location))}
        plan = location_plan()
        missing = [dict(campus=c, building=b, room=r, row_version=1)
                   for c, b, r, _, _ in plan if (c, b, r) not in existing]
        self.bulk(Location, missing)
        ids = {(loc.campus, loc.building, loc.room): loc.id for loc in s.scalars(select(Location))}
        # department code → tag → [location id]
        self.places: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        self.location_tag: dict[int, str] = {}
        for c, b, r, dept, tag in plan:
            self.places[dept][tag].append(ids[(c, b, r)])
            self.location_tag[ids[(c, b, r)]] = tag

    def build_accounts(self) -> None:
        from app import engine
        from app.cli import ensure_user

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
            status = rng.choices(list(DisposalStatus), (0.3, 0.6, 0.1))[0]
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
                                       residual_value=residual,
                                       status=status, row_version=1))
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
        from models.assets import AssetStatus

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
                                   returned_on=returned, return_condition=condition, row_version=1))
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
        from models.assets import (AssetDamage, AssetDisposal, AssetLoan, AssetTransfer, Stocktake, StocktakeLine,
                                   StocktakeStatus)

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
