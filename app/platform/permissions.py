"""The role matrix written into FAB's permission tables: each declared role gets exactly what it grants."""
from __future__ import annotations

from typing import Iterable, Mapping

from app.declare.roles import MenuEntry, RoleSpec


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
