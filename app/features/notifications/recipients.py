"""Who may act on a record now, by the same rule as 我的待办 (``Step.offered_to``, within each person's data scope),
and who asked for it (the workflow's requester, as 我的申请 finds "mine")."""
from __future__ import annotations

from typing import Any, Iterable

from flask import current_app
from flask_appbuilder.security.sqla.models import Role, User

from app.declare.workflow import Actor, Workflow, resolve
from app.rules import read


def user_of(target: Any, session) -> User | None:
    """The login of the person at a path: a staff record's user, or a user itself."""
    if target is None:
        return None
    if isinstance(target, User):
        return target
    user_id = getattr(target, "user_id", None)
    return session.get(User, user_id) if user_id else None


def candidates(session, record: Any, actor: Actor) -> list[User]:
    """The active logins an actor names on a record: the people its paths lead to, then its roles' holders."""
    found: dict[int, User] = {}
    for path in actor.people:
        user = user_of(resolve(record, path), session)
        if user is not None and user.active:
            found.setdefault(user.id, user)
    if actor.roles:
        holders = (session.query(User).join(User.roles).filter(Role.name.in_(actor.roles), User.active.is_(True))
                   .order_by(User.id).all())
        for user in holders:
            found.setdefault(user.id, user)
    return list(found.values())


def may_read(session, record: Any, user: User) -> bool:
    """Whether ``user`` may open the record's page: a role of theirs reads the model, and it is in their scope."""
    model = type(record)
    names = {role.name for role in user.roles}
    if current_app.config.get("AUTH_ROLE_ADMIN") not in names:
        engine = current_app.extensions["engine"]
        if not any("read" in engine.roles[n].actions_for(model.__name__) for n in names if n in engine.roles):
            return False
    return session.query(model.id).filter(model.id == record.id, *read.criteria(model, user)).first() is not None


def awaiting(session, record: Any, workflow: Workflow) -> dict[int, tuple[User, list[str]]]:
    """Everyone a non-optional step of the record's present state awaits: user id → (user, step labels)."""
    state, stage = workflow.state_of(record), workflow.stage_of(record)
    found: dict[int, tuple[User, list[str]]] = {}
    for step in workflow.steps:
        if step.optional or not step.applies(record, state):
            continue
        for user in candidates(session, record, step.actor(record, stage)):
            if not step.offered_to(record, user, state, stage):
                continue
            if user.id not in found:
                if not may_read(session, record, user):
                    continue
                found[user.id] = (user, [])
            found[user.id][1].append(step.label_at(stage))
    return found


def requester(session, record: Any, workflow: Workflow) -> User | None:
    if not workflow.requester:
        return None
    user = user_of(resolve(record, workflow.requester), session)
    return user if user is not None and user.active else None


def readers(session, record: Any, actor: Actor) -> Iterable[User]:
    """The people an actor names on a record who may read it (a reminder's recipients)."""
    return [user for user in candidates(session, record, actor) if may_read(session, record, user)]
