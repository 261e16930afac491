"""Roles from one declarative matrix: role → permission names → allowed actions, plus a data scope."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Mapping

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
