"""Shared by every seeding module: the seed, money and chunk constants, bulk inserts and the school calendar."""
from __future__ import annotations

import enum
import io
import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, text

SEED = 2026  # every generator is seeded from it: the same day gives the same data
CHUNK = 5000
CENT = Decimal("0.01")


def area_rng(name: str) -> random.Random:
    """The generator of one activity area, seeded by its name (changing one area leaves the others alone)."""
    return random.Random(f"{SEED}-{name}")


# -- bulk inserts ----------------------------------------------------------------------------------

def _copy_text(value) -> str:
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _copy_converter(column):
    """How one column's values are written in PostgreSQL's COPY text format (NULL is \\N)."""
    from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric
    from sqlalchemy import Enum as SAEnum

    kind = column.type
    if isinstance(kind, SAEnum):  # stored by member name
        return lambda v: "\\N" if v is None else (v.name if isinstance(v, enum.Enum) else str(v))
    if isinstance(kind, Boolean):
        return lambda v: "\\N" if v is None else ("t" if v else "f")
    if isinstance(kind, (Date, DateTime)):
        return lambda v: "\\N" if v is None else v.isoformat()
    if isinstance(kind, (Integer, Numeric)):
        return lambda v: "\\N" if v is None else str(v)
    return lambda v: "\\N" if v is None else _copy_text(v)


def copy_rows(session, table, rows: list[dict]) -> None:
    """Bulk insert through COPY FROM STDIN (PostgreSQL): several times faster than multi-row INSERTs."""
    if not rows:
        return
    columns = list(rows[0])
    converters = [(c, _copy_converter(table.c[c])) for c in columns]
    cursor = session.connection().connection.cursor()
    try:
        for start in range(0, len(rows), 50000):
            buffer = io.StringIO()
            buffer.writelines("\t".join([convert(row[c]) for c, convert in converters]) + "\n"
                              for row in rows[start:start + 50000])
            buffer.seek(0)
            cursor.copy_expert(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN", buffer)
    finally:
        cursor.close()


def is_postgresql(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def bulk(session, model, rows: list[dict]) -> None:
    """Insert ``rows`` into ``model``'s table: COPY on PostgreSQL, multi-row INSERTs of CHUNK rows elsewhere."""
    table = model.__table__
    if is_postgresql(session):
        copy_rows(session, table, rows)
        return
    for i in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[i:i + CHUNK])


def insert_ids(session, model, rows: list[dict]) -> list[int]:
    """Insert ``rows`` and return their new ids in the same order."""
    table = model.__table__
    if not rows:
        return []
    if is_postgresql(session):  # ids drawn from the table's own sequence, then COPY
        sequence = session.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar()
        ids = list(session.execute(text("SELECT nextval(:s) FROM generate_series(1, :n)"),
                                   {"s": sequence, "n": len(rows)}).scalars())
        copy_rows(session, table, [dict(row, id=i) for row, i in zip(rows, ids)])
        return ids
    if session.get_bind().dialect.name == "sqlite":
        # The load runs in one write transaction, so nobody else can take ids meanwhile; SQLite gives the
        # next row max(id) + 1, exactly what the application's own inserts will continue from.
        first = (session.execute(select(func.max(table.c.id))).scalar() or 0) + 1
        ids = list(range(first, first + len(rows)))
        bulk(session, model, [dict(row, id=i) for row, i in zip(rows, ids)])
        return ids
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids = []
    for i in range(0, len(rows), CHUNK):
        ids.extend(session.execute(stmt, rows[i:i + CHUNK]).scalars().all())
    return ids


# -- calendar --------------------------------------------------------------------------------------

def school_year_start(today: date) -> date:
    return date(today.year if today.month >= 9 else today.year - 1, 9, 1)


def last_term(today: date) -> str:
    """The most recent finished term, e.g. 2025-2026学年第二学期 in November 2026."""
    if today.month >= 9:
        return f"{today.year - 1}-{today.year}学年第二学期"
    if today.month >= 2:
        return f"{today.year - 1}-{today.year}学年第一学期"
    return f"{today.year - 2}-{today.year - 1}学年第二学期"


def between(rng: random.Random, first: date, last: date) -> date:
    """A random day from ``first`` to ``last`` (``first`` when the range is empty)."""
    if last <= first:
        return first
    return first + timedelta(days=rng.randint(0, (last - first).days))


def in_winter_break(d: date) -> bool:
    return (d.month == 1 and d.day >= 20) or (d.month == 2 and d.day <= 16)


def in_summer_break(d: date) -> bool:
    return (d.month == 7 and d.day >= 10) or d.month == 8


def is_public_holiday(d: date) -> bool:
    return (d.month == 10 and d.day <= 7) or (d.month == 5 and d.day <= 5) or (d.month == 1 and d.day == 1)


def is_school_day(d: date) -> bool:
    return d.weekday() < 5 and not (in_winter_break(d) or in_summer_break(d) or is_public_holiday(d))


def activity_weight(d: date) -> float:
    """How busy a day is for reports and requests: term weekdays 1, weekends less, breaks much less."""
    if in_winter_break(d):
        return 0.12
    if in_summer_break(d):
        return 0.3
    if is_public_holiday(d):
        return 0.2
    return 1.0 if d.weekday() < 5 else 0.45


def term_start(today: date) -> date:
    """First day of the term under way (autumn from 1 September, spring from 17 February)."""
    if today.month >= 9:
        return date(today.year, 9, 1)
    if today.month >= 3 or (today.month == 2 and today.day >= 17):
        return date(today.year, 2, 17)
    return date(today.year - 1, 9, 1)
