"""Readable document numbers, PREFIX-YYYYMMDD-0001, drawn from a per-day counter inside the saving transaction.

The counter row is incremented with INSERT … ON CONFLICT DO UPDATE … RETURNING, so two saves at the same
moment never draw the same number (PostgreSQL locks the row until commit; SQLite serialises writers),
and a save that fails returns its number with the rollback.
"""
from __future__ import annotations

from typing import Any

from flask_appbuilder import Model
from sqlalchemy import Column, Integer, String
from sqlalchemy.dialects import postgresql, sqlite

from app.meta import clock


class SerialCounter(Model):
    __tablename__ = "serial_counter"

    prefix = Column(String(10), primary_key=True)
    day = Column(String(8), primary_key=True)
    value = Column(Integer, nullable=False)


def next_number(session, prefix: str) -> str:
    day = clock.today().strftime("%Y%m%d")
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = SerialCounter.__table__
    stmt = (insert(table).values(prefix=prefix, day=day, value=1)
            .on_conflict_do_update(index_elements=[table.c.prefix, table.c.day], set_={"value": table.c.value + 1})
            .returning(table.c.value))
    value = session.execute(stmt).scalar_one()
    return f"{prefix}-{day}-{value:04d}"


def assign(session, item: Any) -> None:
    """Give ``item`` a number in each of its serial columns that is still empty."""
    for column in item.__table__.columns:
        prefix = column.info.get("serial")
        if prefix and not getattr(item, column.key, None):
            setattr(item, column.key, next_number(session, prefix))
