"""On SQLite, a page near the start of a filtered or scoped list read along its order's index.

SQLite plans ``WHERE department_id IN (…) OR keeper_id = ? ORDER BY code DESC LIMIT 25`` by collecting every row
of the scope through the two indexes and sorting them all (37,000 rows of one department: ~60 ms), where walking the
``(code, id)`` index from its end and keeping the matching rows finds the 25 after ~140 (under 1 ms). Statistics
(``ANALYZE``) do not change its choice. The list knows what SQLite does not — how many rows match (it counts them for
the pager) and about how many the table holds — so it asks for the walk when it is short: the rows skipped and shown,
times the table's rows per matching row, at most :data:`WALK_ROWS`. That estimate holds where the order does not
follow the condition — the list's declared order (编号, dates), not one the reader picks (app/fab/datamodel.py).
PostgreSQL plans this from its statistics.

The request travels as an execution option on the page's statement and is applied as SQLite's ``INDEXED BY`` to
the statement's own table (SQLAlchemy's SQLite compiler drops table hints).
"""
from __future__ import annotations

import re

from sqlalchemy import Index, event
from sqlalchemy.engine import Engine

WALK_ROWS = 5000
OPTION = "read_along_index"


def index_for(table, column_name: str, pk_name: str) -> str | None:
    """A named index of ``table`` that starts with the order column (best: the order column then the key)."""
    found = None
    for index in table.indexes:
        if any(key.endswith("_where") and value is not None for key, value in index.kwargs.items()):
            continue  # a partial index holds only some rows: walking it would miss the others
        names = [column.name for column in index.columns]
        if names == [column_name, pk_name]:
            return index.name
        if names and names[0] == column_name and found is None and isinstance(index, Index):
            found = index.name
    return found


def worth_walking(rows_before_end: int, matching: int, extent: int) -> bool:
    """Whether reading along the order finds ``rows_before_end`` (offset + page size) matching rows within
    :data:`WALK_ROWS` rows of a table of about ``extent`` rows of which ``matching`` match."""
    if matching <= 0 or extent <= 0:
        return False
    return rows_before_end * max(extent, matching) / matching <= WALK_ROWS


def _apply(conn, cursor, statement, parameters, context, executemany):
    wanted = context.execution_options.get(OPTION) if context is not None else None
    if not wanted or conn.dialect.name != "sqlite":
        return statement, parameters
    table, index = wanted
    pattern = re.compile(rf"\bFROM {re.escape(table)}( AS \w+)?(?=\s|$)")
    if len(pattern.findall(statement)) != 1:  # the table also read in a subquery: leave the statement as it is
        return statement, parameters
    return pattern.sub(lambda found: f"{found.group(0)} INDEXED BY {index}", statement), parameters


def install() -> None:
    if not event.contains(Engine, "before_cursor_execute", _apply):
        event.listen(Engine, "before_cursor_execute", _apply, retval=True)
