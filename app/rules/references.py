"""Every record a save points at must be one the user could have chosen: within their data scope for the
target model and the relation's qualifying rule — exactly what the form's dropdown offers
(app/web/crud.py lookup). Checked on every door for each reference the save sets or changes; references the
record already had, and those the engine sets itself (a step's effect, a computed field), are not the
user's choice and are not re-checked. The unit a record belongs to has its own rule (app/rules/units.py)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

from app.meta import introspect
from app.rules import qualify, scope, units

OUT_OF_SCOPE = "所选的「{target}」不在您的数据范围内，请从下拉列表中选择"


def _changed_references(record: Any, every: bool = False) -> list[tuple[str, Any]]:
    state = inspect(record)
    new = every or state.transient or state.pending
    found = []
    unit = units.field(type(record))
    for prop in inspect(type(record)).relationships:
        if prop.uselist or prop.viewonly or prop.key == unit:
            continue
        value = getattr(record, prop.key, None)
        if value is None or inspect(value).transient or inspect(value).pending:
            continue  # none, or a record made in this same save (a line's new document), checked itself
        if new or state.attrs[prop.key].history.has_changes():
            found.append((prop.key, value))
    return found


def out_of_scope(session, record: Any, user: Any = None, every: bool = False) -> dict[str, str]:
    """{relation: Chinese message} for each reference set or changed (``every``: each one) outside the
    user's data scope."""
    errors = {}
    for name, value in _changed_references(record, every):
        target = type(value)
        where = scope.criterion(target, user)
        if where is None:
            continue
        key = inspect(target).primary_key[0]
        pk = getattr(value, key.key)
        with session.no_autoflush:
            ok = pk is not None and session.query(key).filter(key == pk, where).first() is not None
        if not ok:
            label = getattr(getattr(target, "__admin__", None), "label", None) or introspect.label(type(record), name)
            errors[name] = OUT_OF_SCOPE.format(target=label)
    return errors


def refusals(session, record: Any, user: Any = None) -> dict[str, str]:
    """The references' refusals as a save reports them: a model's own rule (``validate``) may explain a
    qualifying failure better and takes its place; going outside the data scope is said as such."""
    return qualify.refusals(session, record), out_of_scope(session, record, user)
