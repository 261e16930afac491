"""Values a page shows for many records, computed for all of them at once while the page is made.

A model's ``Admin.prepare(session, records)`` computes such values (a budget's 已用) for every record of the
page in a few grouped statements and hands each over with :func:`remember`; the model's display method asks
:func:`recall` first. Outside :func:`page` nothing is remembered, so a rule (a budget check before approval)
always counts afresh.
"""
from __future__ import annotations

import contextlib
from contextvars import ContextVar
from typing import Any, Iterable, Iterator

MISSING = object()
_known: ContextVar[dict | None] = ContextVar("batch_known", default=None)


@contextlib.contextmanager
def page(session, records: Iterable[Any]) -> Iterator[None]:
    """While the block runs, the values the records' models prepare for them are known."""
    outer = _known.get()
    token = _known.set({}) if outer is None else None  # a page within a page (我的待办's kinds) shares one
    try:
        by_model: dict[type, list] = {}
        for record in records:
            by_model.setdefault(type(record), []).append(record)
        for model, found in by_model.items():
            meta = getattr(model, "__admin__", None)
            if meta is not None and meta.prepare is not None:
                meta.prepare(session, found)
        yield
    finally:
        if token is not None:
            _known.reset(token)


def remember(record: Any, name: str, value: Any) -> None:
    known = _known.get()
    if known is not None:
        known[(type(record), record.id, name)] = value


def recall(record: Any, name: str) -> Any:
    """The value prepared for the record, else MISSING (outside a page, or not prepared)."""
    known = _known.get()
    if known is None:
        return MISSING
    return known.get((type(record), getattr(record, "id", None), name), MISSING)


def active() -> bool:
    return _known.get() is not None
