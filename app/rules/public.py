"""A public page (no login: a feedback form reached by a QR code): what its visitor may reach and write.

Inside ``reach({Model: criterion, …})`` — one request of a public page — the data scope of each named model is
exactly its criterion and every other model is out of reach, whoever is logged in on that browser: the page
behaves the same for a parent and for a member of staff, and shows nothing that needs a login. Its saves go
through the one write path (app/rules/write.py) like any other, which then refuses a value set on any field the
model does not declare public (``Admin.public``): status, reply and the like stay the model's own.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Mapping

from flask import has_request_context
from sqlalchemy import false
from sqlalchemy import inspect as sa_inspect

from app.meta import introspect
from app.rules.identity import request_cache

NOT_PUBLIC = "公开页面不能填写「{label}」"
_KEY = "grants"


@contextmanager
def reach(grants: Mapping[type, Any]) -> Iterator[None]:
    """Within the block the public reaches exactly ``grants``; an enclosing reach is restored after it."""
    cache = request_cache("public_reach")
    enclosing = cache.get(_KEY)
    cache[_KEY] = dict(grants)
    try:
        yield
    finally:
        if enclosing is None:
            cache.pop(_KEY, None)
        else:
            cache[_KEY] = enclosing


def active() -> bool:
    return has_request_context() and _KEY in request_cache("public_reach")


def criterion(model: type):
    """The public's criterion for ``model`` in this request (nothing, for a model the page did not name)."""
    found = request_cache("public_reach")[_KEY].get(model)
    return false() if found is None else found


def unwritable(item: Any) -> dict[str, str]:
    """{field: Chinese message} for each value set on ``item`` outside its model's declared public fields."""
    allowed = set(getattr(getattr(item, "__admin__", None), "public", ()))
    mapper = sa_inspect(type(item))
    for prop in mapper.relationships:  # a public relation brings its foreign key along
        if prop.key in allowed:
            allowed.update(column.key for column in prop.local_columns)
    state = sa_inspect(item)
    errors = {}
    for attr in state.attrs:
        if attr.key not in allowed and attr.history.added and list(attr.history.added) != [None]:
            errors[attr.key] = NOT_PUBLIC.format(label=introspect.label(type(item), attr.key))
    return errors
