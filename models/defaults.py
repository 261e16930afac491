"""First-install data: the default department tree and the asset categories every school starts with.

``seed(session)`` runs on every ``flask init`` (production included), so it is idempotent: rows are
matched on their unique ``code``; missing ones are added, existing ones are left exactly as the school
has edited them, and nothing is ever deleted.
"""
from __future__ import annotations

from sqlalchemy import select

from .assets import AssetCategory
from .org import Department, DepartmentKind

L, A, T = DepartmentKind.logistics, DepartmentKind.admin, DepartmentKind.teaching

# (编码, 名称, 上级编码, 类型, 职责) — parents come before their children.
DEPARTMENTS: list[tuple[str, str, str | None, DepartmentKind, str]] = [
    ("01", "校长室", None, A, "全面主持学校工作；重大事项终审。"),
    ("02", "办公室", None, A, "行政事务、公文档案、会议接待、信息化。"),
    ("03", "教务处", None, A, "教学管理、实验室与图书馆、考试与学籍。"),
    ("04", "德育处", None, A, "学生德育、班主任管理、学生违纪处理。"),
    ("05", "后勤处", None, L, "学校后勤保障：校产、采购、维修、宿舍、食堂、水电、绿化环卫与安全。"),
    ("0501", "财务室", "05", L, "会计核算、出纳、报销、经费预算与水电费结算。"),
    ("0502", "服务中心", "05", L, "后勤服务的日常运行：报修受理与派工、资产保管、物资收发。"),
    ("050201", "师生食堂", "0502", L, "师生用餐、食品安全、食堂设备与采购。"),
    ("050202", "宿舍管理", "0502", L, "学生宿舍床位分配、卫生检查、纪律与安全。"),
    ("050203", "水电维修组", "0502", L, "水电抄表、水电及门窗木工维修、设备保养。"),
    ("050204", "校园绿化环卫组", "0502", L, "校园绿化养护、保洁、垃圾分类清运、巡视。"),
    ("050205", "学生生活服务部", "0502", L, "学生超市、洗衣房、开水房等生活服务。"),
    ("11", "高一年级组", None, T, "高一年级教育教学。"),
    ("12", "高二年级组", None, T, "高二年级教育教学。"),
    ("13", "高三年级组", None, T, "高三年级教育教学。"),
    ("14", "体育组", None, T, "体育教学、课外活动与体育场馆器材。"),
]

# (分类代码, 名称, 上级代码): GB/T 14885 top groups, then the sub-groups a school uses.
CATEGORIES: list[tuple[str, str, str | None]] = [
    ("1", "土地房屋及构筑物", None),
    ("2", "通用设备", None),
    ("3", "专用设备", None),
    ("4", "文物和陈列品", None),
    ("5", "图书档案", None),
    ("6", "家具用具装具", None),
    ("101", "土地", "1"),
    ("102", "房屋", "1"),
    ("103", "构筑物", "1"),
    ("201", "计算机设备", "2"),
    ("202", "办公设备", "2"),
    ("203", "车辆", "2"),
    ("205", "机械设备", "2"),
    ("206", "电气设备", "2"),
    ("207", "空调设备", "2"),
    ("208", "通信网络设备", "2"),
    ("209", "音像设备", "2"),
    ("211", "安防设备", "2"),
    ("301", "教学仪器", "3"),
    ("302", "体育器材", "3"),
    ("303", "厨房设备", "3"),
    ("304", "环卫绿化设备", "3"),
    ("305", "医疗卫生设备", "3"),
    ("401", "文物", "4"),
    ("402", "陈列品", "4"),
    ("501", "图书", "5"),
    ("502", "档案", "5"),
    ("601", "办公家具", "6"),
    ("602", "宿舍家具", "6"),
    ("603", "教学家具", "6"),
    ("604", "食堂家具", "6"),
    ("605", "被服装具", "6"),
]


def seed(session) -> None:
    """Add whatever default departments and categories are missing (matched on 编码), then commit."""
    departments = {d.code: d for d in session.scalars(select(Department))}
    for code, name, parent_code, kind, duty in DEPARTMENTS:
        if code in departments:
            continue
        dept = Department(code=code, name=name, kind=kind, duty=duty, parent=departments.get(parent_code))
        session.add(dept)
        departments[code] = dept

    categories = {c.code: c for c in session.scalars(select(AssetCategory))}
    for code, name, parent_code in CATEGORIES:
        if code in categories:
            continue
        category = AssetCategory(code=code, name=name, parent=categories.get(parent_code))
        session.add(category)
        categories[code] = category
    session.commit()
