"""Declarations checked at start, as Django's admin checks its ModelAdmins: a name that does not resolve stops
the app before any request, with a message naming the model and the declaration (in Chinese and English).

Checked: every column named in ``Admin`` (list, search, show, form, self_form, summary, lookup, order, quick
filters' columns), document lines and imports; ``Scope`` paths; ``Lock`` fields and states; the workflow's
fields, step fields, people paths and roles (against the role matrix); quick filters' reminders (``remind=``); qualifying rules only on relations;
role grants naming a model or a page that exists.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from sqlalchemy import inspect
from sqlalchemy.orm import ColumnProperty, RelationshipProperty

from app.declare.admin import Admin


class DeclarationError(RuntimeError):
    """A declaration names something the model does not have."""


def _attribute(model: type, name: str):
    """The mapped attribute (column or relation) or computed field ``name`` of ``model``, or None."""
    prop = inspect(model).attrs.get(name)
    if prop is not None:
        return prop
    found = getattr(model, name, None)
    if callable(found) and hasattr(found, "label"):
        return found
    return None


def _resolves(model: type, path: str, relations_only: bool = False) -> bool:
    """Whether a dotted path walks from ``model`` through relations to an attribute ("self" is the model)."""
    if path == "self":
        return True
    current = model
    parts = path.split(".")
    for index, part in enumerate(parts):
        found = _attribute(current, part)
        if found is None:
            return False
        last = index == len(parts) - 1
        if isinstance(found, RelationshipProperty):
            current = found.mapper.class_
        elif not last or relations_only:
            return False
    return True


def _paths(value) -> tuple[str, ...]:
    if not value:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _problem(model: type, what: str, name: str, english: str) -> str:
    return f"{model.__name__}.__admin__ 的 {what} 写了「{name}」，但{english[0]}（{model.__name__}: {what} names '{name}', {english[1]}）"


NO_SUCH = ("该模型没有这一项", "which the model does not have")


def _columns(model: type, meta: Admin) -> Iterable[str]:
    for what in ("list", "search", "show", "form", "self_form", "summary", "lookup", "public"):
        for name in getattr(meta, what):
            if _attribute(model, name) is None and not _resolves(model, name):
                yield _problem(model, what, name, NO_SUCH)
    for path in meta.loads:
        if not _resolves(model, path, relations_only=True) or path == "self":
            yield _problem(model, "loads", path, ("这不是关联（或关联的关联）", "which is not a relation path"))
    if meta.order and _attribute(model, meta.order[0]) is None:
        yield _problem(model, "order", meta.order[0], NO_SUCH)
    if meta.order and meta.order[1] not in ("asc", "desc"):
        yield _problem(model, "order", meta.order[1], ("排序方向只能是 asc 或 desc", "the direction must be asc or desc"))
    for quick in meta.quick_filters:
        for name in quick.equals:
            if _attribute(model, name) is None:
                yield _problem(model, f"quick_filters「{quick.label}」", name, NO_SUCH)


def _lines(model: type, meta: Admin) -> Iterable[str]:
    for spec in meta.lines:
        prop = inspect(model).attrs.get(spec.relation)
        if not isinstance(prop, RelationshipProperty) or not prop.uselist:
            yield _problem(model, "lines", spec.relation, ("它不是一对多的关联", "which is not a one-to-many relation"))
            continue
        child = prop.mapper.class_
        for name in list(spec.columns) + list(spec.show):
            if _attribute(child, name) is None:
                yield _problem(model, f"lines「{spec.relation}」", name, (f"{child.__name__} 没有这一项",
                                                                         f"which {child.__name__} does not have"))
        workflow = meta.workflow
        for step in spec.steps:
            if workflow is None or workflow.step(step) is None:
                yield _problem(model, f"lines「{spec.relation}」.steps", step, ("工作流里没有这一步",
                                                                                "which is no step of the workflow"))


def _scope(model: type, meta: Admin) -> Iterable[str]:
    for what in ("department", "owner", "unit"):
        for path in _paths(getattr(meta.scope, what)):
            if not _resolves(model, path, relations_only=True):
                yield _problem(model, f"scope.{what}", path, ("这条路径走不通（须经由关联）",
                                                              "a path that does not resolve through relations"))


def _lock(model: type, meta: Admin) -> Iterable[str]:
    lock = meta.lock
    if lock is None:
        return
    field = lock.field or (meta.workflow.field if meta.workflow is not None else None)
    if field is None or not isinstance(inspect(model).attrs.get(field), ColumnProperty):
        yield _problem(model, "lock.field", str(field), ("没有这一列（无工作流时须写明 field）",
                                                         "no such column (name field= when there is no workflow)"))
        return
    enum_class = getattr(inspect(model).attrs[field].columns[0].type, "enum_class", None)
    for state in list(lock.open_in) + list(lock.closed_in) + list(lock.reopen_in) + \
            ([lock.reopen_to] if lock.reopen_to is not None else []):
        if enum_class is not None and not isinstance(state, enum_class):
            yield _problem(model, "lock", str(state), (f"它不是 {enum_class.__name__} 的状态",
                                                       f"which is not a state of {enum_class.__name__}"))
    if lock.open_in and lock.closed_in:
        yield _problem(model, "lock", "open_in/closed_in", ("两者只能写一个", "give one of them, not both"))
    for name in lock.reopen_on:
        if _attribute(model, name) is None:
            yield _problem(model, "lock.reopen_on", name, NO_SUCH)
    if lock.reopen_on and lock.reopen_to is None:
        yield _problem(model, "lock.reopen_to", "None", ("写了 reopen_on 就须写 reopen_to",
                                                         "reopen_on needs reopen_to"))


def _workflow(model: type, meta: Admin, roles: Mapping[str, Any], admin_role: str | None) -> Iterable[str]:
    workflow = meta.workflow
    if workflow is None:
        return
    for what in ("field", "stage", "requester", "started"):
        name = getattr(workflow, what)
        if name and not _resolves(model, name):
            yield _problem(model, f"workflow.{what}", name, NO_SUCH)
    if workflow.submit and workflow.step(workflow.submit) is None:
        yield _problem(model, "workflow.submit", workflow.submit, ("工作流里没有这一步", "which is no step"))
    known_roles = set(roles) | ({admin_role} if admin_role else set())
    for step in workflow.steps:
        actors = [step.by] + [tier.by for tier in step.tiers]
        for actor in actors:
            for name in actor.roles:
                if name not in known_roles:
                    yield _problem(model, f"workflow「{step.label}」", name, ("角色表里没有这个角色",
                                                                            "a role missing from the roles matrix"))
            for path in actor.people:
                if not _resolves(model, path):
                    yield _problem(model, f"workflow「{step.label}」person", path, NO_SUCH)
        for path in step.not_by:
            if not _resolves(model, path):
                yield _problem(model, f"workflow「{step.label}」not_by", path, NO_SUCH)
        for name in list(step.all_fields) + list(step.required) + \
                [f for tier in step.tiers for f in tier.required]:
            if _attribute(model, name) is None:
                yield _problem(model, f"workflow「{step.label}」fields", name, NO_SUCH)
        if step.effect and not callable(getattr(model, step.effect, None)):
            yield _problem(model, f"workflow「{step.label}」effect", step.effect, ("模型没有这个方法",
                                                                                  "a method the model lacks"))
        if step.creates is not None:
            prop = inspect(model).attrs.get(step.creates.relation)
            if not isinstance(prop, RelationshipProperty):
                yield _problem(model, f"workflow「{step.label}」creates", step.creates.relation, NO_SUCH)
            else:
                for name in list(step.creates.fields) + list(step.creates.required):
                    if _attribute(prop.mapper.class_, name) is None:
                        yield _problem(model, f"workflow「{step.label}」creates", name, NO_SUCH)


def _reminders(model: type, meta: Admin, roles: Mapping[str, Any], admin_role: str | None) -> Iterable[str]:
    from app.declare.workflow import Actor

    known_roles = set(roles) | ({admin_role} if admin_role else set())
    for quick in meta.quick_filters:
        what = f"quick_filters「{quick.label}」.remind"
        if quick.remind is None:
            continue
        if not isinstance(quick.remind, Actor):
            yield _problem(model, what, str(quick.remind), ("须写成 role(...) 或 person(...)",
                                                            "which must be role(...) or person(...)"))
            continue
        for name in quick.remind.roles:
            if name not in known_roles:
                yield _problem(model, what, name, ("角色表里没有这个角色", "a role missing from the roles matrix"))
        for path in quick.remind.people:
            if not _resolves(model, path, relations_only=True):
                yield _problem(model, what, path, NO_SUCH)


def _qualify(model: type) -> Iterable[str]:
    for prop in inspect(model).column_attrs:
        for column in prop.columns:
            if "qualify" in getattr(column, "info", {}):
                yield _problem(model, "qualify", prop.key, ("资格规则只能写在关联上", "a qualifying rule on a non-relation"))
    for prop in inspect(model).relationships:
        rule = prop.info.get("qualify")
        if rule is None:
            continue
        for name in rule.depends:
            if _attribute(model, name) is None:
                yield _problem(model, f"qualify「{prop.key}」.depends", name, NO_SUCH)


def _imports(model: type, meta: Admin) -> Iterable[str]:
    spec = meta.imports
    if spec is None:
        return
    for name in _paths(spec.match) + tuple(spec.columns):
        if not _resolves(model, name):
            yield _problem(model, "imports", name, NO_SUCH)


def _follow_ups(model: type, meta: Admin, names: set[str]) -> Iterable[str]:
    for follow_up in meta.follow_ups:
        if follow_up.target not in names:
            yield _problem(model, "follow_ups", follow_up.target, ("没有这个模型", "a model that does not exist"))


def problems(models: list[type], roles: Mapping[str, Any], admin_role: str | None = None) -> list[str]:
    """Every declaration of ``models`` that does not resolve (the roles matrix: for workflow roles)."""
    names = {m.__name__ for m in models}
    found: list[str] = []
    for model in models:
        meta = getattr(model, "__admin__", None)
        if not isinstance(meta, Admin):
            found.append(f"{model.__name__}.__admin__ 须为 Admin(...)（{model.__name__}: __admin__ must be an Admin）")
            continue
        for check in (_columns, _lines, _scope, _lock, _imports):
            found.extend(check(model, meta))
        found.extend(_workflow(model, meta, roles, admin_role))
        found.extend(_reminders(model, meta, roles, admin_role))
        found.extend(_qualify(model))
        found.extend(_follow_ups(model, meta, names))
    return found


def grant_problems(roles: Mapping[str, Any], grantable: Iterable[str]) -> list[str]:
    """Every grant of the roles matrix naming no model or page (``grantable``: their permission names)."""
    known = set(grantable) | {"*"}
    return [f"角色「{role_name}」授予了「{grant}」，但没有这个模型或页面"
            f"（role '{role_name}' grants '{grant}', which names no model or page）"
            for role_name, spec in roles.items() for grant in spec.grants if grant not in known]


def _stop(found: list[str]) -> None:
    if found:
        raise DeclarationError("声明有误，系统未启动（declarations do not resolve）：\n" + "\n".join(found))


def check(models: list[type], roles: Mapping[str, Any], admin_role: str | None = None) -> None:
    """Stop the start when a model's declaration does not resolve (before any view is built from it)."""
    _stop(problems(models, roles, admin_role))


def check_grants(roles: Mapping[str, Any], grantable: Iterable[str]) -> None:
    """Stop the start when a role is granted a screen that does not exist (once every screen is registered)."""
    _stop(grant_problems(roles, grantable))
