"""Data scope: which rows of a model a user may reach, from their roles' scopes and the model's Scope.

A model declares the paths that place a record in a department and with people
(``Scope(department="room.building.department", owner=("reporter", "worker"))``). A role has one of
全部 / 本部门及下级 / 本部门 / 仅本人. For a model, the scopes that count are those of the user's roles
that may read it (or, where none may — a dropdown of a model the user cannot open — all their roles');
several roles give the union. A model whose records belong to a unit (``Scope(unit=...)``, a school within a
bureau: app/rules/units.py) is, for a user within a unit, further limited to that unit's records. The result
is one SQL criterion, applied to lists, detail, edit, delete, bulk actions, dropdowns, search, the REST API,
exports and dashboards, and checked on every save.
On a page without login the scope is what that page names, nothing else (app/rules/public.py).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from flask import current_app, has_request_context
from sqlalchemy import and_, false, inspect, or_

from app.declare.roles import DataScope
from app.rules import identity, public, related
from app.rules.identity import Identity, acting_user, current_identity, request_cache


def _paths(value) -> tuple[str, ...]:
    if not value:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _walk(model: type, path: str, leaf: Callable[[type, Any], Any]):
    """Criterion on ``model`` following ``path`` through relations; ``leaf(model, attr)`` ends it."""
    head, _, rest = path.partition(".")
    if head == "self":
        return leaf(model, None)
    attr = getattr(model, head)
    prop = attr.property
    if not rest:
        return leaf(model, attr)
    inner = _walk(prop.mapper.class_, rest, leaf)
    return related.matches(model, head, inner)


def _fk(attr):
    return list(attr.property.local_columns)[0]


def _department_criterion(model: type, path: str, ids: tuple[int, ...]):
    def leaf(owner_model, attr):
        column = owner_model.id if attr is None else _fk(attr)
        return column.in_(ids) if ids else false()

    return _walk(model, path, leaf)


def _owner_criterion(model: type, path: str, me: Identity):
    def leaf(owner_model, attr):
        target = owner_model if attr is None else attr.property.mapper.class_
        if target.__tablename__ == "ab_user":
            column = owner_model.id if attr is None else _fk(attr)
            return column == me.user_id
        if attr is None:
            return owner_model.id == me.staff_id if me.staff_id else false()
        return _fk(attr) == me.staff_id if me.staff_id else false()

    return _walk(model, path, leaf)


def _one_scope(model: type, scope: DataScope, me: Identity):
    """The criterion for one role scope; None means every row."""
    declared = getattr(getattr(model, "__admin__", None), "scope", None)
    departments = _paths(getattr(declared, "department", None))
    owners = _paths(getattr(declared, "owner", None))
    if not (departments or owners):
        return None
    if scope == DataScope.all:
        # 全部: the whole organisation, or the whole of the user's unit (their school within a bureau)
        return by_unit(model, departments, owners, me) if me.unit_tree is not None else None
    by_department = lambda ids: or_(*[_department_criterion(model, p, ids) for p in departments])  # noqa: E731
    by_owner = lambda: or_(*[_owner_criterion(model, p, me) for p in owners])  # noqa: E731
    if scope == DataScope.own:
        return by_owner() if owners else by_department(_own_department(me))
    ids = me.department_tree if scope == DataScope.department_tree else _own_department(me)
    if departments:
        return or_(by_department(ids), by_owner()) if owners else by_department(ids)
    return by_owner()


def by_unit(model: type, departments: tuple[str, ...], owners: tuple[str, ...], me: Identity):
    """Within the user's unit: a record placed in one of its departments; a record placed by its people only,
    by where they are (the person's own department path, e.g. a staff record's 部门)."""
    if departments:
        return or_(*[_department_criterion(model, p, me.unit_tree) for p in departments])
    found = []
    for path in owners:
        def leaf(owner_model, attr):
            target = owner_model if attr is None else attr.property.mapper.class_
            placed = _paths(getattr(getattr(target, "__admin__", None), "scope", None) and
                            target.__admin__.scope.department)
            if not placed:
                return None
            inner = or_(*[_department_criterion(target, p, me.unit_tree) for p in placed])
            return inner if attr is None else related.matches(owner_model, attr.key, inner)

        criterion = _walk_or_none(model, path, leaf)
        if criterion is not None:
            found.append(criterion)
    return or_(*found) if found else None


def _walk_or_none(model: type, path: str, leaf):
    """:func:`_walk`, but None when the leaf has no criterion."""
    head, _, rest = path.partition(".")
    if head == "self":
        return leaf(model, None)
    attr = getattr(model, head)
    if not rest:
        return leaf(model, attr)
    inner = _walk_or_none(attr.property.mapper.class_, rest, leaf)
    return related.matches(model, head, inner) if inner is not None else None


def unit_path(model: type) -> str | None:
    """The declared path to the department (unit) the model's records belong to, if any."""
    return getattr(getattr(getattr(model, "__admin__", None), "scope", None), "unit", None)


def within_unit(model: type, me: Identity):
    """For a user within a unit, a record of a unit-declared model belongs to one of the unit's departments;
    None where that does not limit (no declaration, or the user belongs to no unit)."""
    path = unit_path(model)
    if path is None or me.unit_tree is None:
        return None
    if "." not in path and me.unit_id is not None:
        # The record's own field names the unit itself (app/rules/units.py places nothing else there): one value,
        # so an index on (unit, list order) serves the page in order.
        return _fk(getattr(model, path)) == me.unit_id
    return _department_criterion(model, path, me.unit_tree)


def _own_department(me: Identity) -> tuple[int, ...]:
    return (me.department_id,) if me.department_id else ()


def is_administrator(user: Any) -> bool:
    return current_app.config.get("AUTH_ROLE_ADMIN") in [role.name for role in getattr(user, "roles", [])]


def scopes_for(model: type, user: Any) -> set[DataScope]:
    """The scopes of the user's roles that may read ``model``; all their roles' scopes if none may."""
    engine = current_app.extensions["engine"]
    names = [role.name for role in getattr(user, "roles", [])]
    if is_administrator(user):
        return {DataScope.all}
    declared = [engine.roles[n] for n in names if n in engine.roles]
    readers = [spec for spec in declared if "read" in spec.actions_for(model.__name__)]
    chosen = readers or declared
    return {spec.scope for spec in chosen} or {DataScope.own}


def criterion(model: type, user: Any = None):
    """One SQL criterion limiting ``model`` to what ``user`` (default: the login user) may reach, or None."""
    if public.active():
        return public.criterion(model)
    acting = None
    if user is None:
        if not has_request_context():
            return None  # the system's own work: init, demo data, scripts
        user = acting = acting_user()
    if not getattr(user, "is_authenticated", False):
        return false()
    cache = request_cache("scope_criteria") if has_request_context() else {}
    key = (user.id, model)
    if key in cache:
        return cache[key]
    me = current_identity() if user is acting else identity.of(user)
    if is_administrator(user):
        me = replace(me, unit_tree=None)  # the system administrator sees every unit
    parts = [_one_scope(model, scope, me) for scope in scopes_for(model, user)]
    result = None if any(p is None for p in parts) else or_(*parts)
    unit = within_unit(model, me)
    if unit is not None:
        result = unit if result is None else and_(result, unit)
    cache[key] = result
    return result


def criteria(model: type) -> list:
    """The scope as a list of criteria (empty when unrestricted), for filters that take several."""
    found = criterion(model)
    return [] if found is None else [found]


def contains(session, record: Any) -> bool:
    """Whether a saved (flushed) record is within the login user's scope."""
    found = criterion(type(record))
    if found is None:
        return True
    model = type(record)
    pk = inspect(model).primary_key[0]
    return session.query(pk).filter(pk == record.id, found).first() is not None


def person_criterion(model: type, path: str, user: Any = None):
    """SQL: the person at ``path`` on ``model`` (a staff record or a login user) is ``user`` (default: the
    login user) — the query form of app.declare.workflow.is_person, for inboxes."""
    if user is None or user is acting_user():
        me = current_identity()
    else:
        me = identity.of(user)
    return _owner_criterion(model, path, me)
