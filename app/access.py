"""Roles from one declarative matrix: role → permission names → allowed actions, plus a data scope."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable, Mapping



ACTIONS = ("read", "add", "edit", "delete")  # what a role may be granted on a model or page


class DataScope(Enum):
    all = "全部"
    department_tree = "本部门及下级"
    department = "本部门"
    own = "仅本人"


@dataclass(frozen=True)
class RoleSpec:
    """``grants`` maps a permission name (a model's class name, or "*" for every model) to actions."""

    scope: DataScope
    grants: Mapping[str, str] = field(default_factory=dict)
    description: str = ""

    def actions_for(self, permission_name: str) -> set[str]:
        words = self.grants.get(permission_name, self.grants.get("*", ""))
        actions = set(words.split())
        if "all" in actions:
            actions = set(ACTIONS)
        return actions


@dataclass(frozen=True)
class MenuEntry:
    """A screen roles can be granted: its permission name and where it sits in the menu."""

    permission: str
    label: str
    category: str | None
    everyone: bool = False  # a page every role may read (我的待办, the home dashboard)


def sync_roles(sm, roles: Mapping[str, RoleSpec], entries: Iterable[MenuEntry]) -> None:
    """Create every declared role and set exactly the permissions the matrix grants it."""
    entries = list(entries)
    admin_role = sm.auth_role_admin
    for role_name, spec in roles.items():
        role = sm.find_role(role_name) or sm.add_role(role_name)
        if role_name == admin_role:
            continue  # FAB grants the administrator role every permission as it is created.
        wanted = []
        categories = set()
        for entry in entries:
            actions = spec.actions_for(entry.permission) or ({"read"} if entry.everyone else set())
            if not actions:
                continue
            for action in actions:
                wanted.append(sm.find_permission_view_menu(f"can_{action}", entry.permission))
            wanted.append(sm.add_permission_view_menu("menu_access", entry.label))
            if entry.category:
                categories.add(entry.category)
        for category in categories:
            wanted.append(sm.add_permission_view_menu("menu_access", category))
        role.permissions = [pv for pv in dict.fromkeys(wanted) if pv is not None]
    sm.session.commit()
