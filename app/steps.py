"""Taking a workflow step: re-check who and when, apply fields and effect, write the history row, commit once."""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from . import persistence
from .persistence import Refused
from .workflow import APPROVE, REJECT, RETURN, Step, Workflow, WorkflowLog

HANDLED = "「{label}」未办理：该单据刚刚已被处理或状态已变化，请刷新页面查看最新状态。"


def _state_name(state: Any) -> str | None:
    return None if state is None else str(getattr(state, "value", state))


def decisions(step: Step) -> list[str]:
    found = [APPROVE]
    if step.reject_to is not None:
        found.append(REJECT)
    if step.return_to is not None:
        found.append(RETURN)
    return found


def take(session, record: Any, workflow: Workflow, step: Step, user: Any, *, decision: str = APPROVE,
         comment: str = "", populate: Callable[[], None] | None = None) -> WorkflowLog:
    """Apply ``step`` to ``record`` for ``user`` or raise Refused; exactly one of two racing calls succeeds."""
    session.refresh(record)
    before = workflow.state_of(record)
    if not step.offered_to(record, user, before):
        session.rollback()
        raise Refused(HANDLED.format(label=step.label))
    comment = (comment or "").strip()
    if decision not in decisions(step):
        raise Refused("请选择审批结论")
    if decision == REJECT and not comment:
        raise Refused("驳回须写明理由", {"comment": "请填写驳回理由"})
    if decision == RETURN and not comment:
        raise Refused("退回修改须写明要修改什么", {"comment": "请写明需要修改的内容"})
    if step.comment and decision == APPROVE and not comment:
        raise Refused("请填写意见", {"comment": "请填写意见"})
    target = {APPROVE: step.target, REJECT: step.reject_to, RETURN: step.return_to}[decision]
    try:
        with session.no_autoflush:
            if populate is not None:
                populate()
            errors = {name: "请填写此项" for name in step.required if getattr(record, name) in (None, "")}
            setattr(record, workflow.field, target)
            flag_modified(record, workflow.field)  # the row's version moves even when the state stays
            if decision == APPROVE and step.effect:
                getattr(record, step.effect)(session)
            record.before_save()
            errors.update(record.validate())
        if errors:
            session.rollback()
            raise Refused("未办理，请按提示补充或修改", errors)
        log = WorkflowLog(
            model=type(record).__name__, record_id=record.id, step=step.name, step_label=step.label,
            from_state=_state_name(before), to_state=_state_name(target),
            decision=decision if step.is_approval else None, comment=comment or None,
            actor_id=user.id, actor_name=display_name(user))
        session.add(log)
        session.commit()
        return log
    except StaleDataError:
        session.rollback()
        raise Refused(HANDLED.format(label=step.label))
    except Refused:
        raise
    except SQLAlchemyError:
        session.rollback()
        raise Refused(persistence.DATABASE)


def display_name(user: Any) -> str:
    return f"{user.first_name or ''}{user.last_name or ''}" or user.username
