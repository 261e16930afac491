"""A generation per model, renewed by every commit that inserted, updated or deleted rows of that model.

Every door writes through the application's session (app/rules/write.py, steps, imports, bulk pages, FAB's own
account screens): its flushes know every change, and an ORM ``insert()``/``update()``/``delete()`` statement run through it
(which bypasses the flush) is noted from the models it names. A flush notes the models it wrote (a subclass
and the classes it inherits from); the commit gives them new generations, and a rollback forgets them. The generations
live in the shared cache (app/platform/caching.py): with Redis, every host sees a write made on another.

A generation is a random token, never a count: one lost (evicted, Redis restarted) is replaced by a new token,
so a value cached under an old generation can never match again. A cached value is keyed with the generations of
what it reads (:func:`stamp`), read before it is computed: a write committed meanwhile gives a new generation,
and the next reader computes again. ``ANY`` changes with every write (for values whose reads cannot be listed).
"""
from __future__ import annotations

import logging
import uuid
from typing import Iterable

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect

log = logging.getLogger(__name__)

ANY = "*"  # the counter every write moves
PREFIX = "generation:"
_PENDING = "generations_written"


def names_of(obj) -> set[str]:
    """The model names a change to ``obj`` moves: its class and every mapped class it inherits from."""
    mapper = sa_inspect(obj.__class__, raiseerr=False)
    if mapper is None:
        return {type(obj).__name__}
    return {m.class_.__name__ for m in mapper.iterate_to_root()}


def _after_flush(session, flush_context) -> None:
    written = session.info.setdefault(_PENDING, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if obj in session.dirty and not session.is_modified(obj, include_collections=True):
            continue
        written.update(names_of(obj))


def _bulk(orm_execute_state) -> None:
    if orm_execute_state.is_insert or orm_execute_state.is_update or orm_execute_state.is_delete:
        written = orm_execute_state.session.info.setdefault(_PENDING, set())
        for mapper in orm_execute_state.all_mappers:
            written.update(m.class_.__name__ for m in mapper.iterate_to_root())


def _after_commit(session) -> None:
    written = session.info.pop(_PENDING, None)
    if written:
        try:
            bump(written)
        except Exception:  # noqa: BLE001 — the write is committed; a cache that fails must not undo the answer
            log.error("cache unavailable: generations of %s not renewed", sorted(written), exc_info=True)


def _after_rollback(session) -> None:
    session.info.pop(_PENDING, None)


def _cache():
    from app.extensions import cache

    return cache if has_app_context() and "cache" in current_app.extensions else None


def bump(names: Iterable[str]) -> None:
    """Give these models (and ``ANY``) a new generation."""
    cache = _cache()
    if cache is None:
        return
    cache.set_many({PREFIX + name: _token() for name in {*names, ANY}}, timeout=0)


def _token() -> str:
    """A generation never given before: a counter lost to eviction or a restart cannot come back to an old one."""
    return uuid.uuid4().hex


def stamp(names: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """(model name, generation) of each model, read in one round trip; a model without one is given one."""
    cache = _cache()
    names = sorted(set(names))
    if cache is None or not names:
        return tuple((name, "") for name in names)
    keys = [PREFIX + name for name in names]
    values = cache.get_many(*keys)
    for index, value in enumerate(values):
        if value is None:  # never written, or evicted: a fresh one (add: the first of two racing hosts wins)
            cache.add(keys[index], _token(), timeout=0)
            values[index] = cache.get(keys[index])
    return tuple(zip(names, (str(v) for v in values)))


def install(session) -> None:
    """Listen on the application's session (a scoped session: every session it makes); idempotent."""
    listeners = (("after_flush", _after_flush), ("after_commit", _after_commit),
                 ("after_rollback", _after_rollback), ("do_orm_execute", _bulk))
    for name, func in listeners:
        if not event.contains(session, name, func):
            event.listen(session, name, func)
