"""The SQL statements a block runs on an engine, counted: what every bench prints beside its times."""
from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def statement_counter(engine):
    from sqlalchemy import event

    box = {"n": 0}

    def count(*_args):
        box["n"] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield box
    finally:
        event.remove(engine, "before_cursor_execute", count)
