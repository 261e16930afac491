"""我的待办 and 我的申请: every document, of every model with a workflow, awaiting the login user or asked by them.

The candidates come from one SQL query per model (state, tier and who may act, within the user's data scope);
each is then checked with the same rule the detail page uses (``Step.offered_to``), so the inbox never lists a
document the user could not act on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from flask import current_app, url_for
from sqlalchemy import and_, func, not_, or_, select, true

from app.declare.workflow import Step, Workflow
from app.meta import formatting, introspect
from app.platform import caching
from app.rules import batch, identity, loading, read, scope
from app.rules.history import WorkflowLog

LIMIT = 200  # per document type on one page; the count in the top bar is exact
FACT_LENGTH = 40  # a long text (购置理由) is cut on a card


@dataclass
class Entry:
    kind: str  # the model's Chinese label
    record: Any
    state: str
    actions: list[str]  # what the user may do now (我的待办) or who holds it (我的申请)
    url: str
    since: datetime | None  # waiting since: the last step taken, else when the record was made
    facts: list[tuple[str, Any]] = field(default_factory=list)  # (label, shown value) from Admin.summary
    flags: list[str] = field(default_factory=list)  # 逾期, 紧急
    steps: list = field(default_factory=list)  # the Step objects the user may take now (我的待办)
    view: Any = None
    made: datetime | None = None  # when the record was made, for 我的申请's newest first

    @property
    def rank(self) -> int:
        """逾期 first, then 紧急, then the rest."""
        return 0 if "逾期" in self.flags else 1 if "紧急" in self.flags else 2


def workflow_views(user) -> list[tuple[type, Any]]:
    """(model, generated view) for every model with a workflow the user may open."""
    engine = current_app.extensions["engine"]
    sm = current_app.appbuilder.sm
    found = []
    for model, view in engine.views.items():
        if getattr(view, "workflow", None) is None:
            continue
        if sm.has_access("can_show", view.class_permission_name) or sm.has_access("can_read", view.class_permission_name):
            found.append((model, view))
    return found


def _actors(step: Step) -> list[tuple[str | None, Any]]:
    return [(tier.name, tier.by) for tier in step.tiers] if step.tiers else [(None, step.by)]


def awaiting_criterion(model: type, workflow: Workflow, user: Any):
    """SQL: records in a state where some non-optional step is the user's to take (None: none can be)."""
    roles = {role.name for role in getattr(user, "roles", [])}
    clauses = []
    for step in workflow.steps:
        if step.optional:
            continue
        who = []
        for stage, actor in _actors(step):
            parts = [true()] if set(actor.roles) & roles else []
            parts += [scope.person_criterion(model, path, user) for path in actor.people]
            if not parts:
                continue
            clause = or_(*parts)
            if stage is not None:
                clause = and_(getattr(model, workflow.stage) == stage, clause)
            who.append(clause)
        if not who:
            continue
        clause = and_(getattr(model, workflow.field).in_(step.source), or_(*who))
        for path in step.not_by:
            clause = and_(clause, not_(scope.person_criterion(model, path, user)))
        clauses.append(clause)
    return or_(*clauses) if clauses else None


def _exact_in_sql(workflow: Workflow) -> bool:
    return not any(step.when is not None for step in workflow.steps if not step.optional)


def awaiting_count(user: Any) -> int:
    """How many documents await the user (the number in the top bar)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    cache = identity.request_cache("inbox")
    if "count" not in cache:
        # Counted already if this request listed them (:func:`awaiting`); else counted in SQL.
        known = cache.get("listed_count")
        compute = (lambda: known) if known is not None else (lambda: _count(user))
        # Across requests: the shared cache, renewed by any write (a step's rule may read any record).
        cache["count"] = caching.remember("inbox:awaiting_count", user, None, compute)
    return cache["count"]


def _count(user: Any) -> int:
    session = current_app.appbuilder.session
    total = 0
    for model, view in workflow_views(user):
        criterion = awaiting_criterion(model, view.workflow, user)
        if criterion is None:
            continue
        if _exact_in_sql(view.workflow):
            total += read.query(session, model, criterion, entity=func.count(model.id)).scalar()
        else:
            total += len(_awaiting_records(session, model, view.workflow, user, criterion))
    return total


def _loaded_paths(model: type, workflow: Workflow) -> list[str]:
    """The relations a card reads: the people the steps check (requester, worker …), the record's name, its
    summary facts and their names (app/rules/loading.py)."""
    people = {workflow.requester} if workflow.requester else set()
    for step in workflow.steps:
        people.update(step.not_by)
        for _, actor in _actors(step):
            people.update(actor.people)
    found = []
    for path in sorted(p for p in people if p):
        parts = path.split(".")
        current = model
        for index, part in enumerate(parts):  # the longest stretch of relations ("department.head")
            if not introspect.is_relation(current, part):
                break
            current = introspect.relation_target(current, part)
            found.append(".".join(parts[: index + 1]))
    return list(dict.fromkeys(found + loading.paths(model, model.__admin__.summary)))


def _query_records(session, model: type, workflow: Workflow, *where) -> list:
    """At most LIMIT records of ``model`` within scope, newest first, with their to-many relations a card reads."""
    return (read.query(session, model, *where).options(*loading.to_many_options(model, _loaded_paths(model, workflow)))
            .order_by(model.id.desc()).limit(LIMIT).all())


def _load_shown(session, found: list[tuple[Any, list]]) -> None:
    """What every card reads, for the records of every kind at once (one statement per related model)."""
    workflows = {view.datamodel.obj: view.workflow for view, _ in found}
    loading.load_together(session, [(view.datamodel.obj, rows) for view, rows in found],
                          lambda model: _loaded_paths(model, workflows[model]))


def _awaiting_records(session, model, workflow, user, criterion) -> list:
    rows = _query_records(session, model, workflow, criterion)
    loading.load_together(session, [(model, rows)], lambda m: _loaded_paths(m, workflow))
    return [row for row in rows if _offered(workflow, row, user)]


def _counts(session, queries: list) -> list[int]:
    """Several counts (queries of one count each) in one statement."""
    if not queries:
        return []
    return list(session.execute(select(*[q.scalar_subquery() for q in queries])).one())


def _offered(workflow: Workflow, record: Any, user: Any) -> list[Step]:
    return [step for step in workflow.offered(record, user) if not step.optional]


def _since(session, found: list[tuple[type, list]]) -> dict[tuple[str, int], datetime]:
    """When each record last took a step, for the records of every kind in one statement."""
    return _latest(session, WorkflowLog, found)


def _latest(session, log: type, found: list[tuple[type, list]], *where) -> dict[tuple[str, int], datetime]:
    """The latest ``created_at`` of ``log`` rows (workflow or audit log) per (model name, record id)."""
    wanted = [and_(log.model == model.__name__, log.record_id.in_([r.id for r in records]))
              for model, records in found if records]
    if not wanted:
        return {}
    rows = (session.query(log.model, log.record_id, func.max(log.created_at))
            .filter(or_(*wanted), *where).group_by(log.model, log.record_id).all())
    return {(name, record_id): at for name, record_id, at in rows}


def _started(workflow: Workflow, record: Any) -> datetime | None:
    value = getattr(record, workflow.started, None) if workflow.started else None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time.min)
    return None


def _state(workflow: Workflow, record: Any) -> str:
    value = workflow.state_of(record)
    return str(getattr(value, "value", value) or "")


def facts(view, record: Any) -> list[tuple[str, Any]]:
    meta = type(record).__admin__
    found = []
    for name in meta.summary:
        value = getattr(record, name, None)
        value = value() if callable(value) else value
        if value in (None, ""):
            continue
        shown = view.formatters_columns.get(name)
        label = view.label_columns.get(name) or introspect.label(type(record), name)
        text = shown(value) if shown else formatting.plain(value)
        if isinstance(text, str) and not hasattr(text, "__html__") and len(text) > FACT_LENGTH:
            text = formatting.clip(text, FACT_LENGTH)
        found.append((label, text))
    return found


def _flags(record: Any) -> list[str]:
    meta = type(record).__admin__
    found = []
    if meta.overdue is not None and meta.overdue(record):
        found.append("逾期")
    if meta.urgent is not None and meta.urgent(record):
        found.append("紧急")
    return found


def _entry(view, record, actions, since, steps=()) -> Entry:
    workflow = view.workflow
    return Entry(type(record).__admin__.label, record, _state(workflow, record), actions,
                 url_for(f"{view.endpoint}.show", pk=record.id), since or _started(workflow, record),
                 facts(view, record), _flags(record), list(steps), view)


def awaiting(user: Any) -> list[Entry]:
    """The documents awaiting the user: overdue first, then urgent, then those waiting longest."""
    session = current_app.appbuilder.session
    candidates = []
    for model, view in workflow_views(user):
        criterion = awaiting_criterion(model, view.workflow, user)
        if criterion is not None:
            candidates.append((view, criterion, _query_records(session, model, view.workflow, criterion)))
    _load_shown(session, [(view, rows) for view, _, rows in candidates])
    found, total, uncounted = [], 0, []
    for view, criterion, rows in candidates:
        model = view.datamodel.obj
        records = [row for row in rows if _offered(view.workflow, row, user)]
        found.append((view, records))
        if not _exact_in_sql(view.workflow) or len(rows) < LIMIT:
            total += len(records) if not _exact_in_sql(view.workflow) else len(rows)
        else:  # more than a page holds: counted in SQL, as :func:`_count` counts them
            uncounted.append(read.query(session, model, criterion, entity=func.count(model.id)))
    total += sum(_counts(session, uncounted))
    identity.request_cache("inbox")["listed_count"] = total  # the top bar's number, counted on the way
    since = _since(session, [(view.datamodel.obj, records) for view, records in found])
    entries = []
    with batch.page(session, [record for _, records in found for record in records]):
        for view, records in found:
            stage_of = view.workflow.stage_of
            for record in records:
                offered = sorted(view.workflow.offered(record, user), key=lambda s: s.optional)
                actions = [step.label_at(stage_of(record)) for step in offered]
                entries.append(_entry(view, record, actions, since.get((type(record).__name__, record.id)),
                                      offered))
    return sorted(entries, key=lambda e: (e.rank, e.since or datetime.max, e.record.id))


def mine(user: Any, open_only: bool = False) -> list[Entry]:
    """The user's own documents (the workflow's requester is them), newest first, with who holds each now."""
    from app.rules.audit import CREATE, AuditLog

    session = current_app.appbuilder.session
    found = []
    for model, view in workflow_views(user):
        workflow = view.workflow
        if not workflow.requester:
            continue
        found.append((view, _query_records(session, model, workflow,
                                           scope.person_criterion(model, workflow.requester, user),
                                           getattr(model, workflow.field).in_(workflow.states()))))
    _load_shown(session, found)
    kinds = [(view.datamodel.obj, records) for view, records in found]
    since = _since(session, kinds)
    # When each record was made: its latest 新增 row of the audit log (records loaded in bulk have none; a
    # number SQLite gave again after a delete has two).
    made = _latest(session, AuditLog, kinds, AuditLog.action == CREATE)
    entries = []
    with batch.page(session, [record for _, records in found for record in records]):
        for view, records in found:
            workflow = view.workflow
            for record in records:
                holders = workflow.holders(session, record)
                if open_only and not holders:
                    continue
                key = (type(record).__name__, record.id)
                entry = _entry(view, record, holders, since.get(key))
                entry.made = made.get(key) or _started(workflow, record)
                entries.append(entry)
    return sorted(entries, key=lambda e: (e.made or datetime.min, e.record.id), reverse=True)
