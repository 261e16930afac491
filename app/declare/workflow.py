"""Workflows declared on a model: states, steps, who may take each, and what a step does.

A step moves a record from one of its ``source`` states to ``target``. It is offered to a user whom
its actor allows: a role (``role("后勤主任")``) or a person the record names (``person("reporter")``,
a relation to a record with a ``user_id``, or to the login user itself). A step may ask the actor to
fill some fields (派工: 维修人, 承诺完成时间), may require a comment, may be refused to certain people
(``not_by``: nobody approves their own request) and may apply only ``when`` a condition holds (tiers).
An approval step also offers 驳回 (``reject_to``, a reason required) and 退回修改 (``return_to``).

An approval may run through ``tiers`` (后勤主任 → 校长 → 校务会): each tier that applies to the record
(``when``, e.g. an amount over a configured limit) approves in turn; the tier now holding the record is
kept in the workflow's ``stage`` column. Nobody approves their own request: when the requester is the only
holder of a tier, the record passes to the next tier. A step may also record a new child document while
it is taken (``creates``: 验收 writes an acceptance record, 报销 a reimbursement).

Every step taken is a row of ``WorkflowLog``; taking a step re-reads the record under its version, so
two people acting at once never both succeed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from typing import Any, Callable, Sequence

from flask import current_app, has_app_context
from sqlalchemy import inspect as sa_inspect

from app.meta import formatting

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
class Tier:
    """One level of an approval: its name (kept in the stage column), who holds it, when it applies."""

    name: str
    label: str
    by: Actor
    when: Callable[[Any], bool] | None = None
    fields: Sequence[str] = ()
    required: Sequence[str] = ()

    def applies(self, record: Any) -> bool:
        return self.when is None or bool(self.when(record))


def exceeds(field_name: str, setting: str, key: str) -> Callable[[Any], bool]:
    """A tier condition: the record's ``field_name`` is above the limit ``config[setting][key]`` (元)."""

    def check(record: Any) -> bool:
        limits = current_app.config.get(setting, {}) if has_app_context() else {}
        limit = limits.get(key)
        value = getattr(record, field_name, None)
        return limit is not None and value is not None and value > limit

    check.setting = (setting, key)
    return check


@dataclass(frozen=True)
class Creates:
    """A child record filled in on the step's form and added to ``relation`` when the step is taken."""

    relation: str
    fields: Sequence[str]
    required: Sequence[str] = ()


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    source: tuple
    target: Any
    by: Actor = Actor()
    fields: Sequence[str] = ()
    required: Sequence[str] = ()
    effect: str | None = None
    comment: bool | str = False  # a comment is required; a text names it (返修原因, 驳回理由)
    when: Callable[[Any], bool] | None = None
    not_by: Sequence[str] = ()
    reject_to: Any = None
    return_to: Any = None
    style: str = "primary"
    tiers: Sequence[Tier] = ()
    creates: Creates | None = None
    optional: bool = False  # an option (取消, 评价), not something awaiting anyone: kept out of 我的待办
    confirm: str | None = None  # asked before a step that cannot be undone (作废, 取消, 驳回)

    @property
    def comment_label(self) -> str:
        if isinstance(self.comment, str) and self.comment:
            return self.comment
        return "驳回或退回的理由 / 意见" if self.is_approval else "意见"

    @property
    def is_approval(self) -> bool:
        return self.reject_to is not None or self.return_to is not None

    @property
    def all_fields(self) -> list[str]:
        return list(dict.fromkeys(list(self.fields) + [f for tier in self.tiers for f in tier.fields]))

    def applies(self, record: Any, state: Any) -> bool:
        return state in self.source and (self.when is None or self.when(record))

    def actor(self, record: Any, stage: str | None = None) -> Actor:
        """Who may take the step now: for a tiered approval, the holders of the tier holding the record."""
        if not self.tiers:
            return self.by
        tier = self.tier(stage)
        return tier.by if tier is not None else Actor()

    def tier(self, stage: str | None) -> Tier | None:
        return next((t for t in self.tiers if t.name == stage), None)

    def label_at(self, stage: str | None) -> str:
        tier = self.tier(stage) if self.tiers else None
        return tier.label if tier is not None else self.label

    def fields_at(self, stage: str | None) -> list[str]:
        tier = self.tier(stage) if self.tiers else None
        return list(self.fields) + (list(tier.fields) if tier is not None else [])

    def required_at(self, stage: str | None) -> list[str]:
        tier = self.tier(stage) if self.tiers else None
        return list(self.required) + (list(tier.required) if tier is not None else [])

    def offered_to(self, record: Any, user: Any, state: Any, stage: str | None = None) -> bool:
        if not self.applies(record, state) or not self.actor(record, stage).allows(record, user):
            return False
        return not any(is_person(record, path, user) for path in self.not_by)


@dataclass(frozen=True)
class Workflow:
    """``field`` holds the state; ``stage`` (optional) the tier now holding a tiered approval;
    ``requester`` the path to the person who asked (我的申请, and nobody approves their own request);
    ``started`` the column saying when the record was made (报修时间, 申请日期), for 我的待办's "waiting since";
    ``submit`` the step the add form offers as 保存并<step> (a purchase request saved and submitted at once)."""

    field: str
    steps: Sequence[Step] = field(default_factory=tuple)
    stage: str | None = None
    requester: str | None = None
    started: str | None = None
    submit: str | None = None

    def state_of(self, record: Any) -> Any:
        return getattr(record, self.field)

    def stage_of(self, record: Any) -> str | None:
        return getattr(record, self.stage) if self.stage else None

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    def offered(self, record: Any, user: Any) -> list[Step]:
        state, stage = self.state_of(record), self.stage_of(record)
        return [s for s in self.steps if s.offered_to(record, user, state, stage)]

    def states(self) -> list:
        """Every state a step leads from or to (a loan that needs no approval is in none of them)."""
        found = []
        for step in self.steps:
            for state in (*step.source, step.target, step.reject_to, step.return_to):
                if state is not None and state not in found:
                    found.append(state)
        return found

    def tiered_step(self, state: Any) -> Step | None:
        return next((s for s in self.steps if s.tiers and state in s.source), None)

    def first_tier(self, session, record: Any, step: Step) -> Tier | None:
        return self.next_tier(session, record, step, after=None)

    def next_tier(self, session, record: Any, step: Step, after: str | None) -> Tier | None:
        """The next tier that applies after ``after``; a tier none but the requester could take passes on
        to the tier after it, whether or not that one applies by amount."""
        names = [t.name for t in step.tiers]
        start = names.index(after) + 1 if after in names else 0
        escalating = False
        for tier in step.tiers[start:]:
            if not (escalating or tier.applies(record)):
                continue
            if has_other_holder(session, record, tier.by, step.not_by):
                return tier
            escalating = True
        return None

    def settle(self, session, record: Any) -> None:
        """Keep the stage consistent with the state: a record entering a tiered approval (or re-entering it,
        say after its amount changed) starts at its first tier; outside one it has no stage."""
        if not self.stage:
            return
        state = self.state_of(record)
        if state is None:  # a new record takes its column default (待审批) before it is inserted
            default = getattr(type(record), self.field).property.columns[0].default
            if default is not None and default.is_scalar:
                state = default.arg
                setattr(record, self.field, state)
        step = self.tiered_step(state)
        if step is None:
            setattr(record, self.stage, None)
            return
        history = sa_inspect(record).attrs[self.field].history
        entered = record.id is None or bool(history.added)
        if entered or step.tier(self.stage_of(record)) is None:
            tier = self.first_tier(session, record, step)
            setattr(record, self.stage, tier.name if tier is not None else step.tiers[-1].name)

    def holders(self, session, record: Any) -> list[str]:
        """Who holds the record now: the people or role holders who may take a step awaiting someone."""
        state, stage = self.state_of(record), self.stage_of(record)
        found: list[str] = []
        for step in self.steps:
            if step.optional or not step.applies(record, state):
                continue
            actor = step.actor(record, stage)
            label = step.label_at(stage)
            names = [person_name(resolve(record, path)) for path in actor.people]
            names += [f"{role_name}（{'、'.join(role_holders(session, role_name)) or '暂无人员'}）"
                      for role_name in actor.roles]
            names = [n for n in names if n]
            if names:
                found.append(f"{label}：{'、'.join(names)}")
        return found


def person_name(target: Any) -> str:
    if target is None:
        return ""
    return str(getattr(target, "name", None) or target)


def _user_model():
    from flask_appbuilder.security.sqla.models import User

    return User


def role_holders(session, role_name: str) -> list[str]:
    from flask import has_request_context
    from flask_appbuilder.security.sqla.models import Role

    from app.rules.identity import request_cache

    cache = request_cache("role_holders") if has_request_context() else {}
    if role_name in cache:
        return cache[role_name]
    User = _user_model()
    users = (session.query(User).join(User.roles).filter(Role.name == role_name, User.active.is_(True))
             .order_by(User.id).limit(5).all())
    cache[role_name] = [formatting.signature(u) for u in users]
    return cache[role_name]


def _user_id_of(target: Any) -> int | None:
    if target is None:
        return None
    if hasattr(target, "user_id"):
        return target.user_id
    return getattr(target, "id", None) if target.__class__.__name__ == _user_model().__name__ else None


def has_other_holder(session, record: Any, actor: Actor, not_by: Sequence[str]) -> bool:
    """Whether someone other than the people ``not_by`` names (the requester) may act as ``actor``."""
    excluded = {uid for uid in (_user_id_of(resolve(record, path)) for path in not_by) if uid is not None}
    for path in actor.people:
        uid = _user_id_of(resolve(record, path))
        if uid is not None and uid not in excluded:
            return True
    if actor.roles and session is not None:
        from flask_appbuilder.security.sqla.models import Role

        User = _user_model()
        query = session.query(User.id).join(User.roles).filter(Role.name.in_(actor.roles), User.active.is_(True))
        if excluded:
            query = query.filter(User.id.notin_(excluded))
        with session.no_autoflush:
            return query.first() is not None
    return False
