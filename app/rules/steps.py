"""Taking a workflow step: re-check who and when, apply fields and effect, write the history row, commit once.

The history row returned carries ``warnings``: what the record's rules warned of (``Entity.warnings``, not stored)
once the step passed, for the door to show after it (超出预算)."""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from app.declare import guards
from app.declare.workflow import APPROVE, REJECT, RETURN, Step, Workflow
from app.meta import formatting, introspect
from app.rules import numbering, qualify, references, values, write
from app.rules.history import WorkflowLog
from app.rules.write import Refused

# Called as ``listener(session, record, workflow, step, log, user)`` inside the step's transaction, once its history
# row is added and before the commit: what they write is committed with the step or rolled back with it (消息通知).
LISTENERS: list[Callable[..., Any]] = []

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


def new_child(record: Any, step: Step) -> Any:
    """The record a ``creates`` step adds, not yet attached (its form fills it first)."""
    return introspect.relation_target(type(record), step.creates.relation)()


def take(session, record: Any, workflow: Workflow, step: Step, user: Any, *, decision: str = APPROVE,
         comment: str = "", populate: Callable[[], None] | None = None,
         populate_child: Callable[[Any], None] | None = None, seen_version: Any = None) -> WorkflowLog:
    """Apply ``step`` to ``record`` for ``user`` or raise Refused; exactly one of two racing calls succeeds.

    ``seen_version`` is the row version the user's page showed: a second submit of the same page (a
    double click, or a colleague who acted first) finds the version moved on and is refused.
    """
    session.refresh(record)
    before, stage = workflow.state_of(record), workflow.stage_of(record)
    label = step.label_at(stage)
    version = getattr(record, "row_version", None)
    if seen_version not in (None, "") and str(seen_version) != str(version):
        session.rollback()
        raise Refused(HANDLED.format(label=label))
    if not step.offered_to(record, user, before, stage):
        session.rollback()
        raise Refused(HANDLED.format(label=label))
    comment = (comment or "").strip()
    if decision not in decisions(step):
        raise Refused("请选择审批结论")
    if decision == REJECT and not comment:
        raise Refused("驳回须写明理由", {"comment": "请填写驳回理由"})
    if decision == RETURN and not comment:
        raise Refused("退回修改须写明要修改什么", {"comment": "请写明需要修改的内容"})
    if step.comment and decision == APPROVE and not comment:
        raise Refused(f"请填写{step.comment_label}", {"comment": f"请填写{step.comment_label}"})
    try:
        with session.no_autoflush:
            errors = {}
            if decision == APPROVE:
                if populate is not None:
                    populate()
                errors = {name: "请填写此项" for name in step.required_at(stage)
                          if getattr(record, name) in (None, "")}
                errors.update(references.out_of_scope(session, record, user))  # what the step's form set
                if step.creates is not None:
                    errors.update(_add_child(session, record, step, populate_child))
                typed = write.typed_refusals(record, write.children(record, _step_lines(record, step)))
                if typed:  # nothing computes with a value its column cannot hold
                    raise Refused("未办理，请按提示补充或修改", {**errors, **typed})
                errors.update(_line_errors(session, record, step))
            target = _target(session, workflow, record, step, decision, stage)
            setattr(record, workflow.field, target)
            flag_modified(record, workflow.field)  # the row's version moves even when the state stays
            if decision == APPROVE and step.effect and target == step.target:
                getattr(record, step.effect)(session)
            record.before_save()
            errors.update(qualify.refusals(session, record))
            errors.update(record.validate())
            if not errors and workflow.stage and target != before:
                workflow.settle(session, record)
        if errors:
            session.rollback()
            raise Refused("未办理，请按提示补充或修改", errors)
        log = WorkflowLog(
            model=type(record).__name__, record_id=record.id, step=step.name, step_label=label,
            from_state=_state_name(before), to_state=_state_name(workflow.state_of(record)),
            decision=decision if step.is_approval else None, comment=comment or None,
            actor_id=user.id, actor_name=formatting.signature(user))
        session.add(log)
        for listener in LISTENERS:
            listener(session, record, workflow, step, log, user)
        with session.no_autoflush:
            warned = write.warnings_of(record)
        session.commit()
        log.warnings = warned
        return log
    except StaleDataError:
        session.rollback()
        raise Refused(HANDLED.format(label=label))
    except Refused:
        session.rollback()
        raise
    except SQLAlchemyError as exc:
        session.rollback()
        raise Refused(guards.message_for(exc) or write.DATABASE)


def _target(session, workflow: Workflow, record: Any, step: Step, decision: str, stage: str | None) -> Any:
    """Where the record goes: for a tiered approval, on to the next tier while one remains."""
    if decision == REJECT:
        target = step.reject_to
    elif decision == RETURN:
        target = step.return_to
    elif step.tiers:
        following = workflow.next_tier(session, record, step, after=stage)
        if following is not None:
            setattr(record, workflow.stage, following.name)
            return workflow.state_of(record)
        target = step.target
    else:
        target = step.target
    if workflow.stage and step.tiers:
        setattr(record, workflow.stage, None)
    return target


def _step_lines(record: Any, step: Step) -> list:
    return [spec for spec in getattr(getattr(record, "__admin__", None), "lines", ()) if step.name in spec.steps]


def _line_errors(session, record: Any, step: Step) -> dict[str, str]:
    """The rules of the document lines this step's form enters, keyed ``relation-index-field``."""
    errors = {}
    for relation, index, child in write.children(record, _step_lines(record, step)):
        child.before_save()
        found = {**qualify.refusals(session, child), **child.validate(),
                 **references.out_of_scope(session, child)}
        for name, message in found.items():
            errors[f"{relation}-{index}-{name}"] = message
    return errors


def _add_child(session, record: Any, step: Step, populate_child) -> dict[str, str]:
    """Fill the step's new child record, add it to its relation, and return its rule errors."""
    child = new_child(record, step)
    if populate_child is not None:
        populate_child(child)
    errors = {name: "请填写此项" for name in step.creates.required if getattr(child, name) in (None, "")}
    typed = values.refusals(child)
    if typed:  # nothing computes with a value its column cannot hold
        raise Refused("未办理，请按提示补充或修改", {**errors, **typed})
    errors.update(references.out_of_scope(session, child))
    getattr(record, step.creates.relation).append(child)
    child.before_save()
    errors.update(qualify.refusals(session, child))
    errors.update(child.validate())
    session.add(child)
    numbering.assign(session, child)
    return errors

