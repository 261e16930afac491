"""Records that belong to a unit — a school within a bureau — though no department or person places them (学生,
存放地点): ``Scope(unit="school")`` names the relation to the department the record belongs to.

Reading (app/rules/scope.py): a user within a unit reaches only the records of their unit's departments, whatever
their role's scope; users outside every unit (the bureau's own) and the system administrator reach all. A record
placed in no unit is reached only by them. Where the organisation has no units (one school) nothing is limited.

Writing (the one write path, app/rules/write.py): a new record left without a unit is placed in the writer's; a
writer within a unit may place a record in no other; a writer outside the units may choose one of the units only.
The forms offer the field to writers outside the units only, and only in an organisation that has units; its
dropdown offers the units.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import has_request_context
from sqlalchemy import inspect

from app.meta import introspect
from app.rules import identity, public, scope

NOT_YOURS = "「{label}」只能是您所在的「{unit}」，不能登记到其他单位"
NOT_A_UNIT = "「{label}」须从下拉列表中选择一个独立单位（学校）"


def field(model: type) -> str | None:
    """The model's own relation naming its unit, where the declared path is one (a dotted path follows a parent)."""
    path = scope.unit_path(model)
    return path if path and "." not in path else None


def chooses(model: type) -> bool:
    """Whether the login user's form offers the unit field: an organisation with units, a writer outside them."""
    if field(model) is None or not has_request_context() or not identity.units():
        return False
    return _writer().unit_tree is None


def choice_criterion(model: type, name: str):
    """What the unit field's dropdown offers (the units), or None for any other field."""
    if name != field(model):
        return None
    return introspect.relation_target(model, name).id.in_(identity.units())


def place(session, item: Any) -> dict[str, str]:
    """Place a new record left without a unit in the writer's; {field: Chinese message} if the unit set or
    changed is one the writer may not choose."""
    name = field(type(item))
    if name is None or not has_request_context() or public.active():
        return {}
    me = _writer()
    relation = inspect(type(item)).relationships[name]
    key = relation.parent.get_property_by_column(list(relation.local_columns)[0]).key
    chosen = getattr(item, name)
    value = chosen.id if chosen is not None else getattr(item, key)
    state = inspect(item)
    new = state.transient or state.pending
    if value is None:
        if new and me.unit_id is not None:
            setattr(item, name, session.get(relation.mapper.class_, me.unit_id))
        return {}
    if not (new or state.attrs[name].history.has_changes() or state.attrs[key].history.has_changes()):
        return {}
    label = introspect.label(type(item), name)
    if me.unit_tree is not None:
        if value == me.unit_id:
            return {}
        return {name: NOT_YOURS.format(label=label, unit=session.get(relation.mapper.class_, me.unit_id))}
    units = identity.units()
    return {name: NOT_A_UNIT.format(label=label)} if units and value not in units else {}


def _writer() -> identity.Identity:
    me = identity.current_identity()
    if me.unit_tree is not None and scope.is_administrator(identity.acting_user()):
        return replace(me, unit_tree=None, unit_id=None)  # the system administrator writes for every unit
    return me
