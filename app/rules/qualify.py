"""Which records a relation may point at: the ``qualify`` rule declared on a relation (app/declare/fields.py Qualify).

The same declaration narrows the relation's dropdown (app/web/forms.py lookup) and is checked again on every save
of a record, or of a document's line, that sets the relation (app/rules/write.py, app/rules/steps.py): a form, an
edited URL or an API call naming a record outside the rule is refused with the rule's Chinese message.
"""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import inspect
from sqlalchemy.orm import RelationshipProperty

from app.declare.admin import Qualify


def rule(model: type, name: str) -> Qualify | None:
    prop = inspect(model).attrs.get(name)
    if isinstance(prop, RelationshipProperty):
        return prop.info.get("qualify")
    return None


def rules(model: type) -> Iterable[tuple[str, Qualify]]:
    for prop in inspect(model).relationships:
        found = prop.info.get("qualify")
        if found is not None:
            yield prop.key, found


class StandIn:
    """The record as the form has it so far: the saved record (if any) with the form's values on top.

    A rule reads ``record.student``; a new record has no row yet, and filling a real instance would put it
    into the session through its relations' back references, so the rule reads this stand-in instead.
    """

    def __init__(self, record: Any | None, values: dict[str, Any]):
        self._record = record
        self._values = values

    def __getattr__(self, name: str) -> Any:
        if name in self._values:
            return self._values[name]
        return getattr(self._record, name, None) if self._record is not None else None


def criterion(model: type, name: str, record: Any) -> Any:
    """SQL limiting the targets of ``model.name`` for ``record`` (None: no rule, or the rule allows any)."""
    found = rule(model, name)
    if found is None:
        return None
    target = inspect(model).attrs[name].mapper.class_
    return found.where(target, record)


def _changed(record: Any, name: str) -> bool:
    state = inspect(record)
    if state.transient or state.pending:
        return True
    return state.attrs[name].history.has_changes()


def refusals(session, record: Any) -> dict[str, str]:
    """{relation: message} for each relation of ``record`` set (or changed) to a record its rule refuses."""
    errors = {}
    model = type(record)
    for name, found in rules(model):
        value = getattr(record, name)
        if value is None or not _changed(record, name):
            continue
        target = type(value)
        where = found.where(target, record)
        if where is None:
            continue
        key = inspect(target).primary_key[0]
        with session.no_autoflush:
            ok = getattr(value, key.key) is not None and \
                session.query(key).filter(key == getattr(value, key.key), where).first() is not None
        if not ok:
            errors[name] = found.message
    return errors
