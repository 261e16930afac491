"""A NUL byte in a URL's arguments (``?q=%00``, ``?_flt_0_name=a%00``) means nothing to anyone, and PostgreSQL's
driver refuses any text holding one with an error (a 500 on a search): it is dropped from every argument
before any view reads them."""
from __future__ import annotations

from flask import Flask, request
from werkzeug.datastructures import ImmutableMultiDict


def _drop_nul() -> None:
    if "%00" not in request.query_string.decode("latin-1"):
        return
    request.args = ImmutableMultiDict([(k.replace("\x00", ""), v.replace("\x00", ""))
                                       for k, v in request.args.items(multi=True)])


def register(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, _drop_nul)
