"""What a page loads with its records so that showing them reads nothing more, whatever their number.

A shown relation (a list column, a summary fact) is loaded with the records, and so are the relations its
record's name reads (``Admin.loads`` of the related model, ``Budget`` → its department), as are those the
records' own name, summary and flags read (their own ``Admin.loads``): one statement per relation
(selectinload), not one per record.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable, Iterable

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import MANYTOONE, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.meta import introspect

DEPTH = 3  # a name reading a relation whose name reads another …: enough for every model, never a loop


def _named_by(model: type, depth: int) -> list[str]:
    """The paths a record of ``model`` reads to show its name (its ``loads`` and what their names read)."""
    meta = getattr(model, "__admin__", None)
    if meta is None or depth <= 0:
        return []
    found = []
    for path in meta.loads:
        found.append(path)
        found += [f"{path}.{sub}" for sub in _named_by(_target(model, path), depth - 1)]
    return found


def _target(model: type, path: str) -> type:
    for part in path.split("."):
        model = introspect.relation_target(model, part)
    return model


def paths(model: type, columns: Iterable[str] = ()) -> list[str]:
    """Relation paths to load with records of ``model`` shown with ``columns`` (and their names)."""
    found = _named_by(model, DEPTH)
    for name in columns:
        if introspect.is_relation(model, name):
            found.append(name)
            found += [f"{name}.{sub}" for sub in _named_by(introspect.relation_target(model, name), DEPTH - 1)]
    return list(dict.fromkeys(found))


def options(model: type, columns: Iterable[str] = ()) -> list:
    """The loader options of :func:`paths`, for ``query.options(...)``."""
    return options_of(model, paths(model, columns))


def options_of(model: type, chosen: Iterable[str]) -> list:
    """selectinload options for relation paths of ``model`` ("lines.item")."""
    found = []
    for path in chosen:
        current, loader = model, None
        for part in path.split("."):
            attr = getattr(current, part)
            loader = selectinload(attr) if loader is None else loader.selectinload(attr)
            current = attr.property.mapper.class_
        found.append(loader)
    return found


def load_together(session, found: Iterable[tuple[type, list]], paths_of: Callable[[type], Iterable[str]]) -> None:
    """Load ``paths_of(model)`` for already loaded records of several models at once: the records a
    many-to-one relation points at in one statement per related model, whichever models point at it
    (我的待办's ten kinds name their people: one statement for all the staff, not one per kind).

    A path whose first step is to-many ("lines.item") is not loaded here: give it to the records' query
    (:func:`to_many_options`).
    """
    work = [(model, records, list(paths_of(model))) for model, records in found if records]
    while work:
        wanted: dict[type, set] = defaultdict(set)
        links = []
        for model, records, chosen in work:
            for head, below in _by_head(chosen).items():
                prop = sa_inspect(model).relationships[head]
                key = _foreign_key(prop)
                if key is None:
                    continue
                links.append((records, prop, key, below))
                wanted[prop.mapper.class_].update(getattr(r, key) for r in records
                                                  if head in sa_inspect(r).unloaded)
        loaded = {}
        for target, ids in wanted.items():
            ids.discard(None)
            present = _present(session, target, ids)  # loaded by an earlier step (a department's head is staff)
            missing = sorted(ids - present.keys())
            rows = session.query(target).filter(_pk(target).in_(missing)).all() if missing else []
            loaded[target] = present | {_pk_value(row): row for row in rows}
        work = []
        for records, prop, key, below in links:
            target, reached = prop.mapper.class_, []
            for record in records:
                if prop.key in sa_inspect(record).unloaded:
                    value = loaded[target].get(getattr(record, key))
                    set_committed_value(record, prop.key, value)
                else:
                    value = getattr(record, prop.key)
                if value is not None:
                    reached.append(value)
            if below and reached:
                work.append((target, list({id(r): r for r in reached}.values()), below))


def _present(session, target: type, ids: set) -> dict:
    """The records of ``target`` with these keys the session holds loaded and current."""
    found = {}
    for key in ids:
        record = session.identity_map.get(session.identity_key(target, key))
        if record is not None and not sa_inspect(record).expired_attributes:
            found[key] = record
    return found


def to_many_options(model: type, chosen: Iterable[str]) -> list:
    """selectinload options for the paths :func:`load_together` leaves out (first step to-many)."""
    return options_of(model, [path for path in chosen
                              if _foreign_key(sa_inspect(model).relationships[path.split(".")[0]]) is None])


def _by_head(chosen: Iterable[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in chosen:
        head, _, rest = path.partition(".")
        found.setdefault(head, [])
        if rest:
            found[head].append(rest)
    return found


def _foreign_key(prop) -> str | None:
    """The attribute holding the key of a plain many-to-one relation (one column to the target's key), else None."""
    if prop.direction is not MANYTOONE or prop.secondary is not None or len(prop.local_remote_pairs) != 1:
        return None
    local, remote = prop.local_remote_pairs[0]
    if list(prop.mapper.primary_key) != [remote]:
        return None
    return prop.parent.get_property_by_column(local).key


def _pk(model: type):
    return getattr(model, sa_inspect(model).get_property_by_column(sa_inspect(model).primary_key[0]).key)


def _pk_value(row):
    return sa_inspect(row).identity[0]
