"""Named prefill rules for add forms ("today", "current_staff" …); domains register their own."""
from __future__ import annotations

from typing import Any, Callable

from flask_login import current_user

from app.meta import clock

_providers: dict[str, Callable[[], Any]] = {
    "today": clock.today,
    "now": lambda: clock.now().replace(second=0),
    "current_user": lambda: current_user if current_user.is_authenticated else None,
}


def register(name: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    def wrap(func: Callable[[], Any]) -> Callable[[], Any]:
        _providers[name] = func
        return func

    return wrap


def value_of(name: str) -> Any:
    provider = _providers.get(name)
    if provider is None:
        raise KeyError(f"unknown prefill rule: {name}")
    return provider()
