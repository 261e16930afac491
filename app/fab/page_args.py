"""Smallest overrides of Flask-AppBuilder internals, each in one place with its reason."""
from __future__ import annotations

import re

from flask import current_app, request
from flask_appbuilder import baseviews


def _int_args(prefix: str, minimum: int, maximum: int | None = None) -> dict[str, int]:
    found = {}
    for arg in request.args:
        match = re.fullmatch(prefix + "(.+)", arg)
        if not match:
            continue
        try:
            value = int(request.args.get(arg, ""))
        except ValueError:
            continue
        value = max(value, minimum)
        found[match.group(1)] = min(value, maximum) if maximum else value
    return found


def safe_page_args() -> dict[str, int]:
    """FAB's get_page_args raises (500) on a non-numeric page number."""
    return _int_args("page_", 0)


def capped_page_size_args() -> dict[str, int]:
    """FAB's get_page_size_args has no upper bound: ?psize_X=1000000 would load a whole table."""
    return _int_args("psize_", 1, current_app.config.get("MAX_PAGE_SIZE", 100))


def install() -> None:
    baseviews.get_page_args = safe_page_args
    baseviews.get_page_size_args = capped_page_size_args
