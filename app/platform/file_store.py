"""Files kept in the database (table ``stored_file``), so that every host of one installation sees the same bytes.

Uploaded photos and import files between preview and confirm live here rather than on one machine's disk: a
request may reach any worker of any host. A row is found by its key; its bytes are a deferred column, read only
by :func:`read`, never by a page that lists rows.

A row with ``expires_at`` is provisional — a photo chosen on a form not yet saved, an import file awaiting its
confirm. A photo becomes permanent (:func:`make_permanent`) in the transaction that saves a record holding it, so a
refused save leaves it provisional; :func:`sweep` removes provisional rows once their time has passed.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, Integer, LargeBinary, String, delete, insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import deferred

from app.meta import clock


class StoredFile(Model):
    __tablename__ = "stored_file"
    key = Column(String(100), primary_key=True)
    kind = Column(String(20), nullable=False)  # what the file is for: "upload", "import"
    owner_id = Column(Integer)  # the user who stored it
    purpose = Column(String(100))  # an import file: the model it was previewed for
    name = Column(String(200), nullable=False)  # the name it had on the uploader's computer
    content_type = Column(String(100), nullable=False)
    size = Column(Integer, nullable=False)
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, index=True)  # None: permanent
    data = deferred(Column(LargeBinary, nullable=False))

    def __repr__(self) -> str:
        return self.name


TABLE = StoredFile.__table__


def _engine():
    from app.extensions import db

    return db.engine


def put(connection: Connection, key: str, data: bytes, *, kind: str, content_type: str, name: str,
        owner_id: int | None = None, purpose: str | None = None, expires_at: datetime | None = None) -> None:
    """Insert a file in ``connection``'s transaction (it goes if that transaction is rolled back)."""
    connection.execute(insert(TABLE).values(
        key=key, kind=kind, owner_id=owner_id, purpose=purpose, name=name, content_type=content_type,
        size=len(data), created_at=clock.now(), expires_at=expires_at, data=data))


def put_now(key: str, data: bytes, **fields) -> None:
    """Insert a file and commit it at once, whatever becomes of the request's own transaction."""
    with _engine().begin() as connection:
        put(connection, key, data, **fields)
        sweep(connection)


def read(session_or_connection, key: str) -> Row | None:
    """The row of ``key`` with its bytes (one statement, by primary key), or None."""
    return session_or_connection.execute(select(TABLE).where(TABLE.c.key == key)).first()


def exists(session_or_connection, key: str) -> bool:
    return session_or_connection.execute(select(TABLE.c.key).where(TABLE.c.key == key)).first() is not None


def take(key: str, **conditions) -> Row | None:
    """Remove and return the row of ``key`` whose columns equal ``conditions``: of two hosts taking the same
    row at once, only one gets it."""
    statement = delete(TABLE).where(TABLE.c.key == key, *(TABLE.c[k] == v for k, v in conditions.items()))
    with _engine().begin() as connection:
        return connection.execute(statement.returning(*TABLE.c)).first()


def forget(key: str) -> None:
    with _engine().begin() as connection:
        connection.execute(delete(TABLE).where(TABLE.c.key == key))


def sweep(connection: Connection | None = None) -> int:
    """Remove provisional files whose time has passed; how many."""
    statement = delete(TABLE).where(TABLE.c.expires_at < clock.now())
    if connection is not None:
        return connection.execute(statement).rowcount
    with _engine().begin() as own:
        return own.execute(statement).rowcount


def make_permanent(connection: Connection, keys: Iterable[str]) -> None:
    keys = sorted(set(keys))
    if keys:
        connection.execute(update(TABLE).where(TABLE.c.key.in_(keys), TABLE.c.expires_at.is_not(None))
                           .values(expires_at=None))
