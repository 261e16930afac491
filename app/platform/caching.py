"""The cache (Flask-Caching): per process by default, Redis when ``CACHE_REDIS_URL`` is set — then every worker
and every host shares the cached figures and the model generations that keep them fresh (app/rules/generations.py).

:func:`remember` is how the engine caches a value that is computed within the login user's data scope: its key
names the value, the user (account, roles, staff record, department and the departments below it), today's date,
and the generations of the models it reads — so a value is never shown to another user, role or scope, never
outlives a write to what it counts, and never carries yesterday into today. A cache that fails (Redis down)
is logged and the value computed as if nothing were cached.
"""
from __future__ import annotations

import hashlib
import logging
from typing import Any, Callable, Iterable

from flask import Flask

from app.extensions import cache
from app.meta import clock
from app.rules import generations, identity

log = logging.getLogger(__name__)


def configure(app: Flask) -> None:
    """SimpleCache unless CACHE_REDIS_URL is set (then RedisCache); an explicit CACHE_TYPE is kept."""
    url = app.config.get("CACHE_REDIS_URL") or ""
    if not app.config.get("CACHE_TYPE"):
        app.config["CACHE_TYPE"] = "RedisCache" if url else "SimpleCache"
    app.config.setdefault("CACHE_KEY_PREFIX", "houqin:")
    app.config.setdefault("CACHE_THRESHOLD", 5000)  # SimpleCache: entries per process before it prunes
    cache.init_app(app)
    from app.extensions import db

    generations.install(db.session)


def uses_redis(app: Flask) -> bool:
    """Whether the app's cache is Redis (shared by every worker and host)."""
    backend = app.extensions.get("cache", {}).get(cache)
    return type(backend).__name__.startswith("Redis")


def scope_key(user: Any) -> tuple:
    """Who the value is for: account, roles, and place (staff record, department and the departments below,
    the unit's departments)."""
    acting = identity.acting_user()
    same = getattr(acting, "id", None) == getattr(user, "id", None)
    place = identity.current_identity() if same else identity.of(user)
    roles = tuple(sorted(role.name for role in getattr(user, "roles", ())))
    return (getattr(user, "id", None), roles, place.staff_id, place.department_id, place.department_tree,
            place.unit_tree)


def key_of(name: str, user: Any, reads: Iterable[str] | None) -> str:
    """The cache key of value ``name`` for ``user`` today, with the generations of the models it reads
    (``None``: it may read anything, and every write renews it)."""
    names = [generations.ANY] if reads is None else list(reads)
    parts = (name, scope_key(user), clock.today().isoformat(), generations.stamp(names))
    return "value:" + hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def remember(name: str, user: Any, reads: Iterable[str] | None, compute: Callable[[], Any]) -> Any:
    """The cached value for this key, else ``compute()`` stored under it (None is not cached)."""
    try:
        key = key_of(name, user, reads)
        found = cache.get(key)
    except Exception:  # noqa: BLE001 — a cache that fails must not take the page down
        log.warning("cache unavailable, computing %s", name, exc_info=True)
        return compute()
    if found is not None:
        return found
    value = compute()
    if value is not None:
        try:
            cache.set(key, value)
        except Exception:  # noqa: BLE001
            log.warning("cache unavailable, %s not stored", name, exc_info=True)
    return value
