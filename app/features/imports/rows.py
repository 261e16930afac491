"""The import itself (run): every row of a sheet read, matched, checked, written in one transaction, all or nothing."""
from __future__ import annotations

import logging
import time
from typing import Any, Iterable, Sequence

from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import RelationshipProperty

from app.features.imports.cells import CellError, _blank, _text_of, _tidy, convert
from app.features.imports.columns import Plan, _headers, _required, plan_for
from app.features.imports.outcome import Outcome, Row
from app.features.imports.reading import EMPTY, Sheet
from app.features.imports.relations import CHUNK, Lookups, _chunks
from app.features.imports.writing import _flush, _prefills, _write_group
from app.meta import formatting
from app.rules import read

log = logging.getLogger(__name__)


def _existing(session, model: type, names: Sequence[str], keys: Iterable[tuple]) -> dict[tuple, Any]:
    """Records of ``model`` whose ``names`` columns hold one of ``keys`` — not limited by scope (a code is
    unique over the whole table); the caller checks the scope of what it found."""
    keys = [k for k in keys if all(v is not None for v in k)]
    if not keys:
        return {}
    mapper = inspect(model)
    columns = []
    for name in names:
        prop = mapper.attrs[name]
        columns.append(list(prop.local_columns)[0] if isinstance(prop, RelationshipProperty) else prop.columns[0])
    found: dict[tuple, Any] = {}
    firsts = sorted({k[0] for k in keys}, key=str)
    others = [sorted({k[i] for k in keys}, key=str) for i in range(1, len(names))]
    for chunk in _chunks(firsts):
        criteria = [columns[0].in_(chunk)]
        criteria += [columns[i + 1].in_(vals) for i, vals in enumerate(others) if len(vals) <= CHUNK]
        for record in session.scalars(select(model).where(*criteria)):
            key = tuple(getattr(record, c.key) for c in columns)
            found[key] = record
    return found


def _in_scope(session, model: type, ids: Iterable[int]) -> set[int]:
    ids = [i for i in ids if i is not None]
    criteria = read.criteria(model)
    if not criteria:
        return set(ids)
    pk = inspect(model).primary_key[0]
    found: set[int] = set()
    for chunk in _chunks(ids):
        found.update(session.scalars(select(pk).where(pk.in_(chunk), *criteria)))
    return found


def _key_value(value: Any) -> Any:
    return value.id if hasattr(value, "__table__") else value


def _shown_key(values: Sequence[Any]) -> str:
    return " / ".join(formatting.plain(v) if not hasattr(v, "__table__") else str(v) for v in values)


def run(session, model: type, sheet: Sheet, commit: bool = False) -> Outcome:
    """Check every row of ``sheet`` and write them in one transaction: committed only if ``commit`` and
    no row has an error, else rolled back (the preview). Never raises for bad data."""
    started = time.perf_counter()
    plan = plan_for(model)
    out = Outcome(plan.label)
    try:
        with session.no_autoflush:
            _run(session, plan, sheet, out)
    except Exception:
        session.rollback()
        raise
    if out.ok and commit:
        try:
            session.commit()
            out.saved = True
        except SQLAlchemyError:
            session.rollback()
            log.exception("import commit failed")
            out.problem(None, None, "导入未成功：数据库错误，请稍后重试。所有行均未保存。")
    else:
        session.rollback()
    out.seconds = time.perf_counter() - started
    return out


def _run(session, plan: Plan, sheet: Sheet, out: Outcome) -> None:
    model = plan.model
    columns = _headers(plan, sheet, out)
    if out.problems:
        return
    if not sheet.rows:
        out.problem(None, None, EMPTY)
        return
    present = {f.path for _, f in columns}
    rows: list[Row] = []
    lookups = Lookups(session)

    # 1. Cells into values; relation texts collected.
    for number, values in sheet.rows:
        row = Row(number)
        for index, f in columns:
            raw = values[index] if index < len(values) else None
            if isinstance(raw, str):
                raw = _tidy(raw) or None
            value, message = None, None
            try:
                if f.clean is not None and raw is not None:
                    raw = f.clean(raw)
                    if isinstance(raw, str):
                        raw = _tidy(raw) or None
                value = None if _blank(raw) else convert(f, raw)
            except CellError as error:
                message = str(error)
            except Exception:  # a model's clean() that could not cope
                log.exception("import clean of %s", f.path)
                message = "无法读取"
            row.values[f.path] = value
            row.shown.append("" if raw is None else raw if isinstance(raw, str) else _text_of(raw))
            if message is None and value is None and _required(plan, f):
                message = "不能为空"
            if message is not None:
                out.problem(number, f.label, message)
                row.failed = True
            if value is not None and f.kind == "relation":
                lookups.want(f.target, f.by, value)
        rows.append(row)
    out.rows = len(rows)

    # 2. Relations, read once per target model.
    lookups.resolve()
    relation_fields = [f for _, f in columns if f.kind == "relation"]
    for row in rows:
        for f in relation_fields:
            text = row.values.get(f.path)
            if text is None:
                continue
            record, message = lookups.get(f, text)
            if message:
                out.problem(row.number, f.label, message)
                row.failed = True
            row.values[f.path] = record

    # 3. Parents (a 床位's 房间): found by their match columns, else created once per key.
    for name, spec in plan.parents.items():
        match_fields = plan.parent_match_fields(name)
        keys = {}
        for row in rows:
            if row.failed:
                continue
            keys[row.number] = tuple(_key_value(row.values[f.path]) for f in match_fields)
        found = _existing(session, spec.model, spec.match, keys.values())
        allowed = _in_scope(session, spec.model, [r.id for r in found.values()])
        records: dict[tuple, Any] = {}
        for row in rows:
            if row.failed:
                continue
            key = keys[row.number]
            record = found.get(key)
            if record is not None and record.id not in allowed:
                out.problem(row.number, None, f"{spec.label}「{_shown_key([row.values[f.path] for f in match_fields])}」"
                                              "不在您的数据范围内，不能导入")
                row.failed = True
                continue
            if key not in records:
                records[key] = record if record is not None else spec.model()
            row.parents[name] = records[key]

    # 4. The match key of each row; duplicates within the file.
    match_paths = [f.path for f in plan.match_fields()]
    first_of: dict[tuple, int] = {}
    for row in rows:
        parts = []
        for name in plan.match:
            if name in plan.parents:
                parent = row.parents.get(name)
                parts.append(("parent", id(parent)) if parent is not None and parent.id is None else _key_value(parent))
            else:
                f = next(f for f in plan.fields if f.parent is None and f.name == name)
                parts.append(_key_value(row.values.get(f.path)))
        if any(part is None for part in parts):
            continue
        row.key = tuple(parts)
        if row.key in first_of:
            out.problem(row.number, plan.match_label,
                        f"「{_shown_key([row.values.get(p) for p in match_paths])}」与第{first_of[row.key]}行重复")
            row.failed = True
        else:
            first_of[row.key] = row.number
    existing = _existing(session, model, plan.match,
                         [r.key for r in rows if not r.failed and not any(isinstance(p, tuple) for p in r.key)])
    allowed = _in_scope(session, model, [r.id for r in existing.values()])
    for row in rows:
        if row.failed:
            continue
        record = existing.get(row.key)
        if record is not None and record.id not in allowed:
            out.problem(row.number, plan.match_label,
                        f"「{_shown_key([row.values.get(p) for p in match_paths])}」的记录不在您的数据范围内，不能修改")
            row.failed = True
        row.record, row.existing = record, record is not None

    # Other unique columns (a 工号 is not the match but must not repeat either).
    _check_unique(session, plan, columns, rows, out)

    # 5. Records filled, checked by the model's rules, written: per parent group (or row), in one flush
    #    (or one flush per group, one_by_one).
    groups: dict[tuple, list[Row]] = {}
    for row in rows:
        if not row.failed:
            key = tuple(id(row.parents[n]) for n in plan.parents) if plan.parents else (row.number,)
            groups.setdefault(key, []).append(row)
    touched: list[Row] = []
    mine: set[int] = set()
    prefilled = _prefills(plan, present)
    for group in groups.values():
        if _write_group(session, plan, present, group, out, mine, prefilled):
            touched += [r for r in group if not r.failed]
            if plan.spec.one_by_one and not _flush(session, out, group[0].number, mine):
                return  # the database refused a write: nothing further can be trusted
    if not plan.spec.one_by_one and (session.new or session.dirty) and not _flush(session, out, None, mine):
        return

    # 6. The data scope of what was written.
    allowed = _in_scope(session, model, [r.record.id for r in touched])
    for row in touched:
        if row.record.id not in allowed:
            out.problem(row.number, None, "这条记录不在您的数据范围内（只能导入本部门或本人的记录）")


def _check_unique(session, plan: Plan, columns, rows: list[Row], out: Outcome) -> None:
    model = plan.model
    for _, f in columns:
        if f.parent or f.kind == "relation" or f.name in plan.match:
            continue
        column = inspect(model).attrs[f.name].columns[0]
        if not column.unique:
            continue
        seen: dict[Any, int] = {}
        for row in rows:
            value = row.values.get(f.path)
            if row.failed or value is None:
                continue
            if value in seen:
                out.problem(row.number, f.label, f"「{formatting.plain(value)}」与第{seen[value]}行重复")
                row.failed = True
            else:
                seen[value] = row.number
        taken: dict[Any, int] = {}
        for chunk in _chunks(list(seen)):
            for value, pk in session.execute(select(column, inspect(model).primary_key[0]).where(column.in_(chunk))):
                taken[value] = pk
        for row in rows:
            value = row.values.get(f.path)
            if row.failed or value is None or value not in taken:
                continue
            if row.record is None or row.record.id != taken[value]:
                out.problem(row.number, f.label, f"「{formatting.plain(value)}」已被其他记录使用")
                row.failed = True
