"""The one write path: every create, update and delete — generated forms, REST, workflow steps' forms,
imports, document lines, hand-written pages — saves here, in this order: the record's declared lock (as
stored), the row version the writer saw, the fields (filled by the door, which offers only the fields that
door may write: app/web/crud.py form_columns, app/web/rest.py writable; a page without login writes only the
model's declared public fields, app/rules/public.py), the unit a record belongs to (a new one placed in the
writer's school, no other chosen: app/rules/units.py), every reference within scope and its qualifying rule
(app/rules/references.py), a change that reopens an approved record, the model's own rules, and the commit —
whose flush writes the audit row (app/rules/audit.py).

Warnings: a model's ``warnings()`` (app/declare/entity.py) are what its rules say without refusing — 超出预算 within
the tolerance. They are asked once the rules passed, before the commit, and returned by :func:`save` (and set on the
history row :func:`app.rules.steps.take` returns, ``log.warnings``), for the door to show after the write."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Callable

from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from app.declare import guards
from app.meta import formatting, introspect
from app.rules import identity, locks, numbering, public, qualify, references, scope, units, values

log = logging.getLogger(__name__)

STALE = "该记录已被他人修改，您的修改未保存。请刷新页面查看最新内容后再改。"
CONFLICT = "保存失败：与已有记录冲突（编号重复或关联的记录不存在），请检查后再保存"
DATABASE = "操作失败：数据库错误，请稍后重试"
OUT_OF_SCOPE = "未保存：这条记录不在您的数据范围内（只能登记或修改本部门或本人的记录）"


# Called as ``listener(session, record)`` when a save creates a record, flushed, before the commit: what they write
# is committed with the record or rolled back with it (消息通知: a new 报修 awaits 受理派工).
CREATED_LISTENERS: list[Callable] = []


class Refused(Exception):
    """A save or delete that did not happen; ``errors`` maps fields to Chinese messages."""

    def __init__(self, message: str, errors: dict[str, str] | None = None, *, conflict: bool = False):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.conflict = conflict  # the record changed since the writer read it (REST answers 409)


def children(item, specs) -> list[tuple[str, int, object]]:
    """(relation, index, child) of each document line of ``item`` (app.declare.Lines)."""
    return [(spec.relation, index, child) for spec in specs for index, child in enumerate(getattr(item, spec.relation))]


def lines_changed(item, specs) -> set[str]:
    """The line relations of ``item`` whose rows were added, removed or changed in this save."""
    changed = set()
    for spec in specs:
        state = inspect(item)
        if spec.relation in state.attrs and state.attrs[spec.relation].history.has_changes():
            changed.add(spec.relation)
            continue
        for child in getattr(item, spec.relation):
            child_state = inspect(child)
            if child_state.transient or child_state.pending or child_state.modified and any(
                    child_state.attrs[a.key].history.has_changes() for a in child_state.mapper.column_attrs):
                changed.add(spec.relation)
                break
    return changed


def check_open(item) -> None:
    """Refuse a change to a record its declared lock (or its document's) forbids now."""
    state = inspect(item)
    found = locks.document_refusal(item) if state.transient or state.pending else locks.refusal(item)
    if found:
        raise Refused(found)


def check_version(item, seen_version) -> None:
    """Refuse a write based on an older read of the record than the one stored."""
    if seen_version is None or inspect(item).transient or inspect(item).pending:
        return
    stored = locks.stored(item, "row_version")
    if str(seen_version) != str(stored):
        raise Refused(STALE, conflict=True)


def typed_refusals(item, rows=()) -> dict[str, str]:
    """Values their columns cannot hold (app/rules/values.py), on the record and on its lines."""
    found = values.refusals(item)
    for relation, index, child in rows:
        found.update({f"{relation}-{index}-{name}": m for name, m in values.refusals(child).items()})
    return found


def refusals(session, item) -> dict[str, str]:
    """What this path refuses about a filled ``item`` before its model rules, for doors that report problems
    their own way (import): its lock (key ""), values its columns cannot hold, a unit the writer may not choose
    (a new record left without one is placed in theirs), each reference outside the data scope or qualifying
    rule."""
    state = inspect(item)
    found = locks.document_refusal(item) if state.transient or state.pending else locks.refusal(item)
    if found:
        return {"": found}
    typed = values.refusals(item)
    if typed:
        return typed
    placed = units.place(session, item)
    unqualified, outside = references.refusals(session, item)
    return {**placed, **unqualified, **outside}


def save(session, item, populate: Callable[[], dict | None] | None = None, *, seen_version=None) -> list[str]:
    """Check the lock and the version seen, fill ``item`` (``populate``, which may return field errors of its
    own), check every reference, reopen an approved record whose declared content changed, compute derived
    fields, check the model's rules and commit, or raise Refused (the session rolled back). Returns the
    model's warnings about the record as saved (empty when none)."""
    with _database_refusals(session):
        try:
            check_open(item)
            check_version(item, seen_version)
        except Refused:
            session.rollback()
            raise
        specs = getattr(getattr(item, "__admin__", None), "lines", ())
        with session.no_autoflush:
            filled = (populate() if populate is not None else None) or {}
            if public.active():  # a page without login writes only what its model declares public
                filled.update(public.unwritable(item))
            found = locks.document_refusal(item)  # a line put under (or moved to) a locked document
            if found:
                session.rollback()
                raise Refused(found)
            rows = children(item, specs)
            typed = {**filled, **typed_refusals(item, rows)}
            if typed:  # nothing computes with a value its column cannot hold
                session.rollback()
                raise Refused("保存未成功，请按提示修改标红的项目", typed)
            placed = units.place(session, item)
            unqualified, outside = references.refusals(session, item)
            line_refusals = [references.refusals(session, child) for _, _, child in rows]
            locks.reopen(item, lines_changed(item, specs))
            locks.reopen_documents(item)
            for _, _, child in rows:
                child.before_save()
            item.before_save()
            errors = {**filled, **placed, **unqualified, **item.validate(), **outside}
            for (relation, index, child), (line_unqualified, line_outside) in zip(rows, line_refusals):
                found = {**line_unqualified, **child.validate(), **line_outside}
                errors.update({f"{relation}-{index}-{name}": message for name, message in found.items()})
        if errors:
            session.rollback()
            raise Refused("保存未成功，请按提示修改标红的项目", errors)
        created = inspect(item).transient or inspect(item).pending
        session.add(item)
        moved = _settle_workflow(session, item)
        numbering.assign(session, item)
        session.flush()
        if moved is not None:
            _log_state_change(session, item, *moved)
        if created:
            for listener in CREATED_LISTENERS:
                listener(session, item)
        warned = warnings_of(item)
        _commit_within_scope(session, [item])
        return warned


def warnings_of(item) -> list[str]:
    """The record's own warnings (``Entity.warnings``), each once, in its order."""
    return list(dict.fromkeys(item.warnings()))


def save_all(session, items: list, *, created: bool = False) -> None:
    """A hand-written page's batch (beds allocated, a month of readings) through the same rules, all or
    nothing: each record's lock, its references within scope and qualifying rules, its model rules, then
    one commit; ``created``: the records were made (and flushed) by this request, so every reference they
    hold was chosen now. Refused.errors is keyed by the record's index in ``items``."""
    with _database_refusals(session):
        errors = {}
        with session.no_autoflush:
            for index, item in enumerate(items):
                state = inspect(item)
                fresh = created or state.transient or state.pending
                found = locks.document_refusal(item) if fresh else locks.refusal(item)
                if found:
                    errors[str(index)] = found
                    continue
                typed = values.refusals(item)
                if typed:
                    errors[str(index)] = "；".join(dict.fromkeys(typed.values()))
                    continue
                placed = units.place(session, item)
                unqualified = qualify.refusals(session, item) if not created else {}
                outside = references.out_of_scope(session, item, every=created)
                item.before_save()
                problems = {**placed, **unqualified, **item.validate(), **outside}
                if problems:
                    errors[str(index)] = "；".join(dict.fromkeys(problems.values()))
        if errors:
            session.rollback()
            raise Refused("未保存：有的记录不符合要求，请按提示修改", errors)
        session.add_all(items)
        for item in items:
            numbering.assign(session, item)
        session.flush()
        _commit_within_scope(session, items)


def _commit_within_scope(session, items: list) -> None:
    """Commit flushed records only if each is within the user's data scope as saved."""
    if not all(scope.contains(session, item) for item in items):
        session.rollback()
        raise Refused(OUT_OF_SCOPE)
    session.commit()


@contextmanager
def _database_refusals(session):
    """What the database refuses, said in Chinese, the session rolled back."""
    try:
        yield
    except StaleDataError:
        session.rollback()
        raise Refused(STALE, conflict=True)
    except IntegrityError as exc:
        session.rollback()
        log.info("integrity error on save: %s", exc.orig)
        raise Refused(guards.message_for(exc) or CONFLICT)
    except SQLAlchemyError:
        session.rollback()
        log.exception("database error on save")
        raise Refused(DATABASE)


def _settle_workflow(session, item):
    """A save that moves the workflow state (say, an approved amount changed) restarts its approval;
    returns (old, new) states when the state moved on an existing record."""
    workflow = getattr(getattr(item, "__admin__", None), "workflow", None)
    if workflow is None:
        return None
    history = inspect(item).attrs[workflow.field].history
    workflow.settle(session, item)
    if item.id is None or not history.added or not history.deleted:
        return None
    return history.deleted[0], history.added[0]


def _log_state_change(session, item, old, new) -> None:
    from flask import has_request_context

    from app.rules.history import WorkflowLog

    user = identity.acting_user() if has_request_context() else None
    named = user is not None and getattr(user, "is_authenticated", False)
    session.add(WorkflowLog(
        model=type(item).__name__, record_id=item.id, step="edit", step_label="修改",
        from_state=str(getattr(old, "value", old)), to_state=str(getattr(new, "value", new)),
        comment="修改后状态自动变更", actor_id=user.id if named else None,
        actor_name=formatting.signature(user) if named else "系统"))


def delete_blockers(session, item, models: list[type]) -> str | None:
    """Why ``item`` may not be deleted: the records that still refer to it, counted by kind."""
    found = []
    pk = item.id
    for ref in introspect.references_to(type(item), models):
        count = session.scalar(select(func.count()).select_from(ref.model).where(ref.column == pk))
        if count:
            found.append(f"{count} 条「{ref.label}」")
    if found:
        return f"不能删除「{item}」：仍有 {'、'.join(found)}引用它。请先修改或删除这些记录。"
    return None


def delete(session, item, models: list[type]) -> None:
    reason = locks.document_refusal(item) or item.delete_refusal() or delete_blockers(session, item, models)
    if reason:
        raise Refused(reason)
    try:
        session.delete(item)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Refused(f"不能删除「{item}」：仍有其他记录引用它")
    except SQLAlchemyError:
        session.rollback()
        log.exception("database error on delete")
        raise Refused(DATABASE)
