"""Workflows declared on a model: states, steps, who may take each, and what a step does.

A step moves a record from one of its ``source`` states to ``target``. It is offered to a user whom
its actor allows: a role (``role("后勤主任")``) or a person the record names (``person("reporter")``,
a relation to a record with a ``user_id``, or to the login user itself). A step may ask the actor to
fill some fields (派工: 维修人, 承诺完成时间), may require a comment, may be refused to certain people
(``not_by``: nobody approves their own request) and may apply only ``when`` a condition holds (tiers).
An approval step also offers 驳回 (``reject_to``, a reason required) and 退回修改 (``return_to``).

Every step taken is a row of ``WorkflowLog``; taking a step re-reads the record under its version, so
two people acting at once never both succeed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from typing import Any, Callable, Iterable, Sequence

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text

from . import clock

APPROVE, REJECT, RETURN = "通过", "驳回", "退回修改"


@dataclass(frozen=True)
class Actor:
    """Who may take a step: any of the roles, or any of the people the record names."""

    roles: tuple[str, ...] = ()
    people: tuple[str, ...] = ()

    def __or__(self, other: "Actor") -> "Actor":
        return Actor(self.roles + other.roles, self.people + other.people)

    def allows(self, record: Any, user: Any) -> bool:
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if self.roles and {r.name for r in user.roles} & set(self.roles):
            return True
        return any(is_person(record, path, user) for path in self.people)

    def describe(self) -> str:
        return "、".join(list(self.roles) + [f"〔{p}〕" for p in self.people])


def role(*names: str) -> Actor:
    return Actor(roles=tuple(names))


def person(*paths: str) -> Actor:
    return Actor(people=tuple(paths))


def resolve(record: Any, path: str) -> Any:
    try:
        return reduce(lambda obj, part: getattr(obj, part) if obj is not None else None, path.split("."), record)
    except AttributeError:
        return None


def is_person(record: Any, path: str, user: Any) -> bool:
    """Whether the person at ``path`` on ``record`` is the login ``user`` (a staff record or a user)."""
    target = resolve(record, path)
    if target is None:
        return False
    if hasattr(target, "user_id"):
        return target.user_id is not None and target.user_id == user.id
    return getattr(target, "id", None) == user.id and target.__class__.__name__ == user.__class__.__name__


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    source: tuple
    target: Any
    by: Actor
    fields: Sequence[str] = ()
    required: Sequence[str] = ()
    effect: str | None = None
    comment: bool = False
    when: Callable[[Any], bool] | None = None
    not_by: Sequence[str] = ()
    reject_to: Any = None
    return_to: Any = None
    style: str = "primary"

    @property
    def is_approval(self) -> bool:
        return self.reject_to is not None or self.return_to is not None

    def applies(self, record: Any, state: Any) -> bool:
        return state in self.source and (self.when is None or self.when(record))

    def offered_to(self, record: Any, user: Any, state: Any) -> bool:
        if not self.applies(record, state) or not self.by.allows(record, user):
            return False
        return not any(is_person(record, path, user) for path in self.not_by)


@dataclass(frozen=True)
class Workflow:
    field: str
    steps: Sequence[Step] = field(default_factory=tuple)

    def state_of(self, record: Any) -> Any:
        return getattr(record, self.field)

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    def offered(self, record: Any, user: Any) -> list[Step]:
        state = self.state_of(record)
        return [s for s in self.steps if s.offered_to(record, user, state)]


class WorkflowLog(Model):
    """One row per step taken on any record: who, when, from which state to which, decision, comment."""

    __tablename__ = "workflow_log"
    __table_args__ = (Index("ix_workflow_log_record", "model", "record_id"),)

    id = Column(Integer, primary_key=True)
    model = Column(String(60), nullable=False)
    record_id = Column(Integer, nullable=False)
    step = Column(String(40), nullable=False)
    step_label = Column(String(40), nullable=False)
    from_state = Column(String(40))
    to_state = Column(String(40))
    decision = Column(String(10))
    comment = Column(Text)
    actor_id = Column(Integer, ForeignKey("ab_user.id"), index=True)
    actor_name = Column(String(100))
    created_at = Column(DateTime, nullable=False, default=clock.now)


def history(session, record: Any) -> Iterable[WorkflowLog]:
    return (session.query(WorkflowLog)
            .filter(WorkflowLog.model == type(record).__name__, WorkflowLog.record_id == record.id)
            .order_by(WorkflowLog.created_at, WorkflowLog.id).all())
