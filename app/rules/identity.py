"""Who the login user is to the engine: their account, and where they sit (staff record, department and the
departments below it), as the school's domain says (``identity_provider``, registered by models/)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from flask import g, has_request_context, request
from flask_login import current_user


@dataclass(frozen=True)
class Identity:
    """Where the login user sits: their staff record and department (and the departments below it).

    ``unit_tree``: the departments of the unit they belong to (a school among several, under a bureau), which
    bounds even a 全部 scope; None where the organisation is one unit (or the user belongs to none: a
    bureau-wide reader); ``unit_id``: that unit's own department."""

    user_id: int
    staff_id: int | None = None
    department_id: int | None = None
    department_tree: tuple[int, ...] = ()
    unit_tree: tuple[int, ...] | None = None
    unit_id: int | None = None


_identity_provider: Callable[[Any], Identity] | None = None
_units_provider: Callable[[], tuple[int, ...]] | None = None
_NO_ONE = Identity(user_id=-1)


def request_cache(name: str) -> dict:
    """A dict living exactly as long as the current request (flask.g may outlive it, as in tests)."""
    return request.environ.setdefault("houqin.cache", {}).setdefault(name, {})


def identity_provider(func: Callable[[Any], Identity]) -> Callable[[Any], Identity]:
    """The domain tells the engine how a login user maps to staff and department."""
    global _identity_provider
    _identity_provider = func
    return func


def units_provider(func: Callable[[], tuple[int, ...]]) -> Callable[[], tuple[int, ...]]:
    """The domain tells the engine which departments are units (the schools of a bureau; none in one school)."""
    global _units_provider
    _units_provider = func
    return func


def units() -> tuple[int, ...]:
    """The organisation's units: empty where it is one."""
    return _units_provider() if _units_provider else ()


def acting_user():
    """The user of this request: the session's, or the one a REST bearer token names (FAB puts it in g.user)."""
    user = getattr(g, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return current_user


def current_identity() -> Identity:
    user = acting_user() if has_request_context() else None
    if user is None or not user.is_authenticated:
        return _NO_ONE
    cache = request_cache("scope_identity")
    if user.id not in cache:
        cache[user.id] = _identity_provider(user) if _identity_provider else Identity(user.id)
    return cache[user.id]


def of(user: Any) -> Identity:
    """The place of any login user (not only the current one)."""
    return _identity_provider(user) if _identity_provider else Identity(user.id)
