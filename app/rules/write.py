"""Saving and deleting a record by its model's rules; shared by the pages and the REST API."""
from __future__ import annotations

import logging
from typing import Callable

from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from app.meta import formatting, introspect
from app.rules import identity, numbering, qualify, scope

log = logging.getLogger(__name__)

STALE = "该记录已被他人修改，您的修改未保存。请刷新页面查看最新内容后再改。"
CONFLICT = "保存失败：与已有记录冲突（编号重复或关联的记录不存在），请检查后再保存"
DATABASE = "操作失败：数据库错误，请稍后重试"
OUT_OF_SCOPE = "未保存：这条记录不在您的数据范围内（只能登记或修改本部门或本人的记录）"


class Refused(Exception):
    """A save or delete that did not happen; ``errors`` maps fields to Chinese messages."""

    def __init__(self, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


def children(item, specs) -> list[tuple[str, int, object]]:
    """(relation, index, child) of each document line of ``item`` (app.declare.Lines)."""
    return [(spec.relation, index, child) for spec in specs for index, child in enumerate(getattr(item, spec.relation))]


def save(session, item, populate: Callable[[], dict | None] | None = None) -> None:
    """Fill ``item`` (``populate``, which may return field errors of its own), compute derived fields, check
    rules and commit, or raise Refused."""
    try:
        with session.no_autoflush:
            filled = (populate() if populate is not None else None) or {}
            rows = children(item, getattr(getattr(item, "__admin__", None), "lines", ()))
            for _, _, child in rows:
                child.before_save()
            item.before_save()
            errors = {**filled, **qualify.refusals(session, item), **item.validate()}
            for relation, index, child in rows:
                for name, message in {**qualify.refusals(session, child), **child.validate()}.items():
                    errors[f"{relation}-{index}-{name}"] = message
        if errors:
            session.rollback()
            raise Refused("保存未成功，请按提示修改标红的项目", errors)
        session.add(item)
        moved = _settle_workflow(session, item)
        numbering.assign(session, item)
        session.flush()
        if moved is not None:
            _log_state_change(session, item, *moved)
        if not scope.contains(session, item):
            session.rollback()
            raise Refused(OUT_OF_SCOPE)
        session.commit()
    except StaleDataError:
        session.rollback()
        raise Refused(STALE)
    except IntegrityError as exc:
        session.rollback()
        log.info("integrity error on save: %s", exc.orig)
        raise Refused(CONFLICT)
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
    reason = item.delete_refusal() or delete_blockers(session, item, models)
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
