"""The domain: one module per area. Each Entity subclass declared here becomes screens, API and permissions.

``MENU`` orders the top menu and gives each category its icon; ``ROLES`` (in roles.py) is the role matrix.
"""

MENU = {
    "机构与人员": "fa-sitemap",
    "校产管理": "fa-archive",
}
