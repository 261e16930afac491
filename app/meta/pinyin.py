"""Pinyin search: 张三 is found by ``zs``, ``zhangsan`` or ``zhang``; 办公室 by ``bgs``.

A text column declared with ``text("姓名", 30, pinyin=True)`` (app/declare/fields.py) gets a companion column
``<name>_pinyin`` holding the full pinyin without spaces and the initials, lower case:
``"zhangsan zs"``. Polyphonic characters take the reading pypinyin gives in context (heteronym=False).

The companion is the engine's own: it is in the table (indexed) but not mapped on the model, so no
form, list, detail page, REST schema or 操作日志 ever shows it. It is filled on every insert — ORM or
Core, one row or many — by its column default, which reads the row's name; on every ORM update that
changes the name by the after_update hook below; and, for rows that got no value that way (written
before the column existed, or by PostgreSQL COPY in the demo loader), by :func:`backfill`.
Search boxes and relation dropdowns match it besides the column itself (app/fab/datamodel.py, app/web/forms.py).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable

from pypinyin import Style, lazy_pinyin
from sqlalchemy import String, bindparam, event, inspect, or_, select, update
from sqlalchemy.orm import Mapper, Session

SUFFIX = "_pinyin"
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
CHUNK = 2000


def companion_length(length: int | None) -> int:
    """Room for the longest reading: six letters and one initial per character, and the space."""
    return (length or 100) * 7 + 1


def _squash(parts: Iterable[str]) -> str:
    return _NOT_ALNUM.sub("", "".join(parts).lower())


@lru_cache(maxsize=50_000)
def romanise(text: str | None) -> str | None:
    """'张三' → 'zhangsan zs'; '办公室' → 'bangongshi bgs'; empty → None."""
    if not text or not text.strip():
        return None
    full = _squash(lazy_pinyin(text, style=Style.NORMAL))
    initials = _squash(lazy_pinyin(text, style=Style.FIRST_LETTER))
    return f"{full} {initials}".strip() or None


def search_term(term: str) -> str:
    """What a typed term is compared with: lower case, spaces and punctuation dropped ('Zhang San' → 'zhangsan')."""
    return _NOT_ALNUM.sub("", (term or "").lower())


def companion_column(label: str, source: str, length: int | None) -> Any:
    from sqlalchemy import Column

    def from_row(context) -> str | None:
        return romanise(context.get_current_parameters().get(source))

    return Column(String(companion_length(length)), nullable=True, index=True, default=from_row,
                  info={"label": f"{label}（拼音）", "pinyin_of": source})


@lru_cache(maxsize=None)
def companions(model: type) -> tuple[tuple[str, str], ...]:
    """(source attribute, companion attribute) pairs of a mapped class."""
    table = getattr(model, "__table__", None)
    if table is None:
        return ()
    return tuple((c.info["pinyin_of"], c.key) for c in table.columns if c.info.get("pinyin_of"))


def hidden_columns(table) -> list[str]:
    """The companion columns of a table: kept out of the model's mapping (app/declare/fields.py Entity)."""
    return [c.key for c in table.columns if c.info.get("pinyin_of")]


def companion_of(model: type, name: str) -> Any | None:
    """The companion column (a table column; it is not mapped) of ``model.name``, if that column has one."""
    for source, target in companions(model):
        if source == name:
            return model.__table__.c[target]
    return None


def matches(model: type, name: str, term: str, starts: bool = False):
    """SQL: the companion of ``model.name`` contains ``term`` as pinyin (``starts``: the full pinyin or the
    initials begin with it); None when there is nothing to match."""
    companion = companion_of(model, name)
    wanted = search_term(term)
    if companion is None or not wanted:
        return None
    if starts:
        return or_(companion.like(f"{wanted}%"), companion.like(f"% {wanted}%"))
    return companion.like(f"%{wanted}%")


@event.listens_for(Mapper, "after_update")
def _after_update(mapper, connection, target) -> None:
    """An ORM save that changed a name: write its pinyin in the same transaction."""
    pairs = companions(type(target))
    if not pairs:
        return
    state = inspect(target)
    values = {companion: romanise(getattr(target, source)) for source, companion in pairs
              if state.attrs[source].history.has_changes()}
    if values:
        table = type(target).__table__
        connection.execute(update(table).where(table.c.id == target.id).values(values))


def models_with_pinyin() -> list[type]:
    from app.declare.entity import Entity

    found, todo = [], [Entity]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__dict__.get("__abstract__") or not hasattr(cls, "__table__"):
            continue
        if companions(cls):
            found.append(cls)
    return sorted(found, key=lambda c: c.__name__)


def backfill(session: Session, models: Iterable[type] | None = None) -> int:
    """Fill every empty companion column (rows written by bulk inserts); return how many rows were filled.

    Idempotent and cheap when there is nothing to do: call it after loading data in bulk.
    """
    filled = 0
    for model in models if models is not None else models_with_pinyin():
        table = model.__table__
        pk = table.c.id
        for source, target in companions(model):
            src, dst = table.c[source], table.c[target]
            stmt = select(pk, src).where(dst.is_(None), src.is_not(None)).order_by(pk)
            rows = session.execute(stmt).all()
            change = (update(table).where(pk == bindparam("_pk")).values({target: bindparam("_value")})
                      .execution_options(synchronize_session=False))
            for start in range(0, len(rows), CHUNK):
                batch = [{"_pk": key, "_value": romanise(value)} for key, value in rows[start:start + CHUNK]]
                batch = [b for b in batch if b["_value"] is not None]
                if batch:
                    session.connection().execute(change, batch)
                    filled += len(batch)
    session.commit()
    return filled
