"""The domain: one module per area. Each Entity subclass declared here becomes screens, API and permissions.

``MENU`` orders the top menu and gives each category its icon; ``ROLES`` (in roles.py) is the role matrix.
"""

MENU = {
    "机构与人员": "fa-sitemap",
    "校产管理": "fa-archive",
}


def seed_defaults(session) -> None:
    """First-install data every school starts with: the default department tree and asset categories."""
    from .defaults import seed

    seed(session)
