"""Writing one group of rows (a parent and its rows, or one row): filled, checked as the one write path checks
(app/rules/write.py ``refusals``: locks, references within scope and qualifying rules) and by the model's
rules, flushed."""
from __future__ import annotations

import logging
from typing import Any, Iterable

from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.attributes import get_history
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.interfaces import MANYTOONE

from app.features.imports.columns import Field, Plan
from app.features.imports.outcome import SHOWN_ROWS, Outcome, Row
from app.meta import prefill
from app.rules import audit, numbering, write

log = logging.getLogger(__name__)


def _discard(session, records: Iterable[Any]) -> None:
    """Forget what a failed row did to the session: a new record leaves it (and its related collections),
    an existing one gets its stored values back."""
    for record in records:
        state = inspect(record)
        if state.persistent:
            session.expire(record)
            continue
        if record in session:
            session.expunge(record)
        for prop in state.mapper.relationships:
            if prop.direction is MANYTOONE and (prop.back_populates or prop.backref) \
                    and state.dict.get(prop.key) is not None:
                setattr(record, prop.key, None)


def _holds(record: Any, f: Field, value: Any) -> bool:
    """Whether a loaded record already holds ``value`` in field ``f`` (a relation: by its key, no loading)."""
    if f.kind == "relation":
        key = f.fk_key
        return value is not None and value.id is not None and getattr(record, key) == value.id \
            or value is None and getattr(record, key) is None
    current = getattr(record, f.name)
    return current is value or (current is not None and value is not None and type(current) is type(value)
                                and current == value)


def _changed(record: Any) -> bool:
    """Whether any attribute set on a loaded record (by the row or its before_save) now differs."""
    state = inspect(record)
    return any(get_history(record, key).has_changes() for key in list(state.committed_state))


def _prefills(plan: Plan, present: set[str]) -> dict[str, Any]:
    """Absent columns of new records get the form's prefill (今天, 本部门, 本人 …), worked out once per file."""
    found = {}
    for f in plan.fields:
        if f.parent is None and f.path not in present and f.prefill:
            try:
                value = prefill.value_of(f.prefill)
            except KeyError:
                continue
            if value is not None:
                found[f.name] = value
    return found


def _fill(session, plan: Plan, present: set[str], row: Row, prefilled: dict[str, Any]) -> Any:
    record = row.record if row.existing else plan.model()
    if not row.existing:
        for name, value in prefilled.items():
            setattr(record, name, value)
    for f in plan.fields:
        if f.parent is None and f.path in present:
            value = row.values[f.path]
            if row.existing and _holds(record, f, value):
                continue  # an unchanged record stays clean: nothing to write, nothing to compare
            setattr(record, f.name, value)
    for name, parent in row.parents.items():
        if getattr(record, name) is not parent:
            setattr(record, name, parent)
    row.record = record
    return record


def _fill_parent(plan: Plan, present: set[str], name: str, parent: Any, group: list[Row], out: Outcome) -> None:
    """Parent columns from the group's rows: the first filled cell counts; others must agree."""
    for f in plan.fields:
        if f.parent != name or f.path not in present:
            continue
        value, first = None, None
        for row in group:
            cell = row.values.get(f.path)
            if cell is None:
                continue
            if first is None:
                value, first = cell, row
            elif cell != value:
                out.problem(row.number, f.label, f"与第{first.number}行不一致（同一{plan.parents[name].label}只能填一个值）")
                row.failed = True
        if first is not None:
            if getattr(parent, f.name) != value:
                setattr(parent, f.name, value)
        elif parent.id is None and f.required and not f.has_default:
            out.problem(group[0].number, f.label, "不能为空")
            group[0].failed = True


def _write_group(session, plan: Plan, present: set[str], group: list[Row], out: Outcome, mine: set[int],
                 prefilled: dict[str, Any]) -> bool:
    """Fill, check and add one parent group (or one row). True if it may be written."""
    parents = {name: group[0].parents[name] for name in plan.parents if name in group[0].parents}
    for name, parent in parents.items():
        _fill_parent(plan, present, name, parent, group, out)
    live = [r for r in group if not r.failed]
    for row in live:
        _fill(session, plan, present, row, prefilled)
    parents_in_play = [p for p in parents.values()
                       if p.id is None or session.is_modified(p) or any(not r.existing for r in live)]
    failed = False
    try:
        with session.no_autoflush:
            for row in live:  # the one write path's own checks: locks, references within scope and rules
                for name, message in write.refusals(session, row.record).items():
                    out.problem(row.number, plan.label_of(plan.model, name) if name else None, message)
                    row.failed = failed = True
        for row in live:
            row.record.before_save()
        for parent in parents_in_play:
            parent.before_save()
        for row in live:
            for name, message in row.record.validate().items():
                out.problem(row.number, plan.label_of(plan.model, name), message)
                row.failed = failed = True
        for parent in parents_in_play:
            first = group[0]
            for name, message in parent.validate().items():
                out.problem(first.number, plan.label_of(type(parent), name), message)
                failed = True
    except Exception:  # a model rule that could not cope with this row
        log.exception("import rules of %s", plan.model.__name__)
        out.problem(group[0].number, None, "该行数据无法检查，请核对后重试")
        failed = True
    if failed or any(r.failed for r in group):
        _discard(session, [r.record for r in group if r.record is not None] + list(parents.values()))
        for row in group:
            if not row.existing:
                row.record = None
        return False
    for row in live:
        if row.existing:
            changes = audit.changes_of(session, row.record) if _changed(row.record) else []
            if changes:
                out.updated += 1
                if len(out.updated_rows) < SHOWN_ROWS:
                    out.updated_rows.append((row.number, audit.display_name(row.record), changes))
            else:
                out.unchanged += 1
                if not parents:
                    session.expunge(row.record)  # nothing to write: out of the flush (10,000 unchanged rows)
        else:
            out.created += 1
            if len(out.created_rows) < SHOWN_ROWS:
                out.created_rows.append((row.number, row.shown))
            session.add(row.record)
    for name, parent in parents.items():
        counts = out.parents.setdefault(plan.parents[name].label, [0, 0])
        if parent.id is None:
            counts[0] += 1
        elif session.is_modified(parent):
            counts[1] += 1
    mine.update(id(r.record) for r in live)
    mine.update(id(p) for p in parents.values())
    return True


def _flush(session, out: Outcome, row: int | None, mine: set[int]) -> bool:
    """Number and write what is pending; records the rows did not name (床位 made by 床位数) are counted."""
    try:
        for record in list(session.new):
            if id(record) not in mine:
                label = getattr(getattr(record, "__admin__", None), "label", "")
                if label:
                    out.extra[label] = out.extra.get(label, 0) + 1
            numbering.assign(session, record)
        session.flush()
        return True
    except StaleDataError:
        message = "记录已被他人修改，请重新上传"
    except IntegrityError as error:
        log.info("import integrity error: %s", error.orig)
        message = "与已有记录冲突（编号重复或关联的记录不存在）"
    except SQLAlchemyError:
        log.exception("import flush failed")
        message = "数据库错误，请稍后重试"
    session.rollback()
    where = f"第{row}行：" if row is not None else ""
    out.problem(None, None, f"{where}{message}。所有行均未保存。")
    return False
