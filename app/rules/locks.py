"""Declared locks (app/declare/admin.py Lock): whether a record, or a line of a document, may be changed now,
read from the state as stored — whatever a form or an API call is trying to set — and the changes that send
an approved record back for approval. Every door asks here: pages, REST, import, a line's own pages."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import RelationshipProperty

from app.declare.admin import Lock


def declared(model: type) -> Lock | None:
    return getattr(getattr(model, "__admin__", None), "lock", None)


def _field(model: type, lock: Lock) -> str:
    if lock.field:
        return lock.field
    workflow = model.__admin__.workflow
    if workflow is None:
        raise ValueError(f"{model.__name__}: Lock needs field= when the model has no workflow")
    return workflow.field


def stored(record: Any, name: str) -> Any:
    """The value of ``name`` as the database has it (before any change pending on this record)."""
    state = inspect(record)
    if state.transient or state.pending:
        return None
    history = state.attrs[name].history
    if history.deleted:
        return history.deleted[0]
    if not history.added:
        return getattr(record, name)
    return _from_database(record, name)  # set while its old value was not loaded (expired after a commit)


def _from_database(record: Any, name: str) -> Any:
    state = inspect(record)
    session, mapper = state.session, state.mapper
    prop = mapper.attrs[name]
    where = [column == value for column, value in zip(mapper.primary_key, state.identity)]
    if isinstance(prop, RelationshipProperty):
        columns = list(prop.local_columns)
        with session.no_autoflush:
            key = session.execute(select(*columns).where(*where)).first()
            return session.get(prop.mapper.class_, tuple(key)) if key and None not in key else None
    with session.no_autoflush:
        return session.execute(select(prop.columns[0]).where(*where)).scalar()


def _own_refusal(record: Any) -> str | None:
    lock = declared(type(record))
    if lock is None:
        return None
    value = stored(record, _field(type(record), lock))
    if value is None:
        return None
    open_now = value in lock.open_in if lock.open_in else value not in lock.closed_in
    if open_now:
        return None
    return lock.message.format(record=record, state=getattr(value, "value", value))


@lru_cache(maxsize=None)
def _parents(child_model: type) -> tuple[tuple[str, str], ...]:
    """(relation from the line to its document, the document's lines relation) for each declared Lines
    whose rows are ``child_model``."""
    found = []
    for model in _registry():
        for spec in getattr(model.__admin__, "lines", ()):
            prop = inspect(model).relationships[spec.relation]
            if prop.mapper.class_ is child_model:
                reverse = [p for p in prop._reverse_property if p.mapper.class_ is model]
                if reverse:
                    found.append((reverse[0].key, spec.relation))
    return tuple(found)


def documents(record: Any) -> list[tuple[Any, str]]:
    """(document, its lines relation) for a line record: the one it belongs to, and the one it had."""
    found = []
    for relation, lines in _parents(type(record)):
        for parent in (stored(record, relation), getattr(record, relation, None)):
            if parent is not None and all(parent is not seen for seen, _ in found):
                found.append((parent, lines))
    return found


def _registry() -> list[type]:
    from app.extensions import engine

    return engine().models


def refusal(record: Any) -> str | None:
    """Why ``record`` may not be changed now: its own lock, its document's lock for a line, then the model's
    own ``edit_refusal``; None when it may."""
    return _own_refusal(record) or document_refusal(record) or record.edit_refusal()


def document_refusal(record: Any) -> str | None:
    """For a line (added, changed, moved or deleted): the lock of the document it belongs or belonged to."""
    for parent, _ in documents(record):
        found = _own_refusal(parent)
        if found:
            return found
    return None


def reopen(record: Any, changed_lines: set[str]) -> bool:
    """Send the record back (``reopen_to``) when a ``reopen_on`` field or line relation changed while it
    was in ``reopen_in``; whether it was sent back."""
    lock = declared(type(record))
    if lock is None or not lock.reopen_on or inspect(record).transient or inspect(record).pending:
        return False
    name = _field(type(record), lock)
    if stored(record, name) not in lock.reopen_in:
        return False
    state = inspect(record)
    changed = any(relation in changed_lines or
                  (relation in state.attrs and state.attrs[relation].history.has_changes())
                  for relation in lock.reopen_on)
    if changed:
        setattr(record, name, lock.reopen_to)
    return changed


def reopen_documents(line: Any) -> None:
    """A line saved on its own pages reopens its document as a change on the document's form would."""
    state = inspect(line)
    if not (state.transient or state.pending or any(
            state.attrs[a.key].history.has_changes() for a in state.mapper.column_attrs)):
        return
    for parent, lines in documents(line):
        reopen(parent, {lines})
