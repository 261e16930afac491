"""The one scoped read: lists, detail, export, print, REST answers and ``_info``, dropdowns, the 导入 lookups,
我的待办 and the dashboards read a model's records through here — the login user's data scope
(app/rules/scope.py) applied once, the same way, whatever the door.

The generated pages, export and REST add it as their base filter (``base_filters``, app/web/registry.py,
through :func:`criteria`); everything else builds its query with :func:`query`, :func:`select` or
:func:`one`.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select as sql_select

from app.rules import scope


def criteria(model: type, user: Any = None) -> list:
    """The SQL conditions keeping ``model`` within ``user``'s (default: the login user's) data scope."""
    found = scope.criterion(model, user)
    return [] if found is None else [found]


def query(session, model: type, *where, entity: Any = None):
    """An ORM query of ``model`` (or of ``entity``: a column, ``func.count(...)``) within the data scope."""
    return session.query(entity if entity is not None else model).filter(*where, *criteria(model))


def select(model: type, *where, columns: tuple = ()):
    """A Core/ORM ``select`` of ``model`` (or of ``columns``) within the data scope."""
    return sql_select(*(columns or (model,))).where(*where, *criteria(model))


ID_LIMIT = 2**63 - 1  # what a database key holds; a larger number names no record (and overflows drivers)


def one(session, model: type, pk: Any, *where) -> Any:
    """The record ``pk`` of ``model`` if it exists and the user may reach it (and ``where`` holds), else None."""
    if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk <= ID_LIMIT:
        return None
    return query(session, model, model.id == pk, *where).first()
