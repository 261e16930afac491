"""The domain: one module per area. Each Entity subclass declared here becomes screens, API and permissions.

``MENU`` orders the top menu and gives each category its icon; ``ROLES`` (in roles.py) is the role matrix.
"""

MENU = {
    "我的工作": "fa-inbox",
    "维修管理": "fa-wrench",
    "采购管理": "fa-shopping-cart",
    "校产管理": "fa-archive",
    "物资仓库": "fa-cubes",
    "宿舍管理": "fa-bed",
    "水电管理": "fa-tint",
    "安全巡查": "fa-shield",
    "日常检查": "fa-calendar-check-o",
    "食堂管理": "fa-cutlery",
    "满意度": "fa-smile-o",
    "功能室预约": "fa-calendar",
    "机构与人员": "fa-sitemap",
}


def seed_defaults(session) -> None:
    """First-install data every school starts with: the default department tree and asset categories."""
    from .defaults import seed

    seed(session)
