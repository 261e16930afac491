"""Related records found by what a person types (a code, a name, a display name), within the data scope, in chunks."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Sequence

from sqlalchemy import String, func, inspect, or_

from app.meta import introspect
from app.rules import read

if TYPE_CHECKING:
    from app.features.imports.columns import Field

CHUNK = 500  # values per IN (…) query
SCAN_LIMIT = 5000  # a relation found by its display name: read at most this many records of it


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def key_columns(model: type) -> tuple[list[str], list[str]]:
    """(unique text columns: a code finds one record; name-like text columns: a name may find several)."""
    table = model.__table__
    unique, names = [], []
    mapped = inspect(model).column_attrs
    for prop in mapped:
        column = prop.columns[0]
        if not isinstance(column.type, String) or column.info.get("pinyin_of"):
            continue
        if column.unique:
            unique.append(prop.key)
        elif prop.key in ("name", "title"):
            names.append(prop.key)
    for constraint in table.constraints:  # a one-column UniqueConstraint counts as unique too
        cols = list(getattr(constraint, "columns", []))
        if constraint.__class__.__name__ == "UniqueConstraint" and len(cols) == 1 and isinstance(cols[0].type, String):
            key = next((p.key for p in mapped if p.columns[0] is cols[0]), None)
            if key and key not in unique:
                unique.append(key)
    return unique, names


class Lookups:
    """Related records by typed text, read in chunks per target model, within the login user's scope."""

    def __init__(self, session):
        self.session = session
        self.wanted: dict[tuple[type, str | None], set[str]] = {}
        self.found: dict[tuple[type, str | None], dict[str, list[Any]]] = {}

    def want(self, target: type, by: str | None, value: str) -> None:
        self.wanted.setdefault((target, by), set()).add(value)

    def resolve(self) -> None:
        for (target, by), values in self.wanted.items():
            self.found[(target, by)] = self._read(target, by, values)

    def _query(self, target: type, criterion) -> list[Any]:
        return list(self.session.scalars(read.select(target, criterion)))

    def _read(self, target: type, by: str | None, values: set[str]) -> dict[str, list[Any]]:
        found: dict[str, list[Any]] = {}

        def add(key: str, record: Any) -> None:
            records = found.setdefault(key, [])
            if record not in records:
                records.append(record)

        if by is not None:
            column = getattr(target, by)
            for chunk in _chunks(sorted(values)):
                for record in self._query(target, column.in_(chunk)):
                    add(str(getattr(record, by)), record)
            return found
        unique, names = key_columns(target)
        strong: dict[str, Any] = {}
        if unique or names:
            for chunk in _chunks(sorted(values)):
                criterion = or_(*[getattr(target, c).in_(chunk) for c in unique + names])
                for record in self._query(target, criterion):
                    for c in unique:
                        value = getattr(record, c)
                        if value in values:
                            strong[value] = record
                    for c in names:
                        value = getattr(record, c)
                        if value in values:
                            add(value, record)
        missing = values - set(strong) - set(found)
        if missing:
            count = self.session.scalar(read.select(target, columns=(func.count(),)).select_from(target))
            if count and count <= SCAN_LIMIT:  # by display name (存放地点 "本部教学楼101")
                for record in self._query(target, inspect(target).primary_key[0].is_not(None)):
                    shown = str(record)
                    if shown in missing:
                        add(shown, record)
        for value, record in strong.items():
            found[value] = [record]  # a code wins over a name that happens to be the same text
        return found

    def get(self, f: Field, value: str) -> tuple[Any, str | None]:
        """(record, None) or (None, the message completing 「列名」…)."""
        records = self.found.get((f.target, f.by), {}).get(value, [])
        if len(records) == 1:
            return records[0], None
        if records:
            unique, _ = key_columns(f.target)
            hint = f"，请改填{'或'.join(introspect.label(f.target, c) for c in unique)}" if unique else ""
            return None, f"「{value}」对应 {len(records)} 条记录，无法确定是哪一条{hint}"
        where = "或不在您的数据范围内" if read.criteria(f.target) else ""
        return None, f"「{value}」不存在{where}"


def display_key(session, f: Field, record: Any) -> str:
    """What to type to find ``record`` in field ``f`` (the template's example row)."""
    if f.by is not None:
        return str(getattr(record, f.by) or "")
    unique, names = key_columns(f.target)
    for c in names:
        value = getattr(record, c)
        if value:
            count = session.scalar(read.select(f.target, getattr(f.target, c) == value, columns=(func.count(),))
                                   .select_from(f.target))
            if count == 1:
                return str(value)
    for c in unique:
        if getattr(record, c):
            return str(getattr(record, c))
    return str(record)
