"""``next=`` and every other return address a URL may carry: only a path of this site is ever followed.

FAB's own check (flask_appbuilder.utils.base.is_safe_redirect_url) lets ``/\\evil.example`` through, which
browsers read as ``//evil.example``; a value with CR/LF could end as a 500. Rather than trust each reader
(FAB's login, the workflow pages' return address, templates), every request's ``next`` argument is checked once,
before any view runs: a value that is not a plain local path is dropped, and each reader falls back to its own
safe page (the home page after login, the record after a workflow step).
"""
from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.datastructures import ImmutableMultiDict

RETURN_ARGS = ("next",)
MAX_LENGTH = 2000


def safe_local_path(url: str | None) -> str | None:
    """``url`` when it is a path of this site (``/asset/list/?page=2``), else None."""
    if not isinstance(url, str) or not url or len(url) > MAX_LENGTH:
        return None
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return None
    # Tabs, CR/LF and other control or invisible characters: browsers drop some of them (/\t/evil → //evil).
    if any(ch.isspace() or unicodedata.category(ch)[0] in "CZ" for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        return None
    return url


def _drop_unsafe_return_addresses() -> None:
    args = request.args
    if not any(name in args for name in RETURN_ARGS):
        return
    kept = [(k, v) for k, v in args.items(multi=True) if k not in RETURN_ARGS or safe_local_path(v) is not None]
    if len(kept) != len(list(args.items(multi=True))):
        request.args = ImmutableMultiDict(kept)  # werkzeug caches the parsed query here; readers see only this


def register(app: Flask) -> None:
    # First, before any other hook or view reads the arguments.
    app.before_request_funcs.setdefault(None, []).insert(0, _drop_unsafe_return_addresses)
