"""What a page loads with its records so that showing them reads nothing more, whatever their number.

A shown relation (a list column, a summary fact) is loaded with the records, and so are the relations its
record's name reads (``Admin.loads`` of the related model, ``Budget`` → its department), as are those the
records' own name, summary and flags read (their own ``Admin.loads``): one statement per relation
(selectinload), not one per record.
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy.orm import selectinload

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
