"""操作日志: every create, update and delete of a domain record, written append-only in the same transaction.

One mechanism covers every path (pages, REST API, workflow steps, bulk pages, scripts): events of the
application's SQLAlchemy session. ``before_flush`` reads what is about to change — new, changed and
deleted records, and for a change each field's old and new value through the attribute history —
and ``after_flush`` writes one ``AuditLog`` row per record with Core inserts on the flush's own
connection, so a rolled-back save leaves no trace and a committed one always has its rows.

Values are stored as a person reads them (enums by their Chinese value, relations by their display
name, money and dates as the pages show them), as JSON text: ``[{"field", "label", "old", "new"}]``.
A record created and then completed within one transaction (a document number drawn after the first
INSERT) has one 新增 row, not 新增 + 修改. A delete keeps the record's last values.

Recorded: every model declared on ``app.declare.Entity`` (also removed document lines), and FAB's users
and roles (names, e-mail, enabled, roles, password as 「已修改」; a role's permissions only when a
person changes them — the permission sync at start-up is not an action). Not recorded: the engine's
own tables (this log, workflow history, counters) and Core bulk inserts (the demo loader).

Append-only: the admin screen has no add, edit or delete, and the ORM refuses to update or delete a
row of this table (a flush with a changed or deleted AuditLog, or an ORM UPDATE/DELETE statement on it).
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from flask import has_request_context
from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, Index, Integer, String, Text, event, insert, inspect, select, update
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import RelationshipProperty
from sqlalchemy.orm.base import NO_VALUE
from sqlalchemy.orm.interfaces import MANYTOMANY, MANYTOONE

from app.declare.entity import Entity
from app.meta import clock, formatting, introspect

log = logging.getLogger(__name__)

CREATE, UPDATE, DELETE = "新增", "修改", "删除"
SYSTEM = "系统"
VALUE_LIMIT = 500
READ_ONLY = "操作日志只能追加，不能修改或删除"


class AuditLog(Model):
    """One row per record created, changed or deleted: who, when, which record, what changed."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_record", "model", "record_id"),)

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, index=True, info={"label": "时间"})
    # No foreign key: the log outlives the accounts it names (the name is kept in user_name).
    user_id = Column(Integer, index=True, info={"label": "用户编号"})
    user_name = Column(String(100), nullable=False, info={"label": "操作人"})
    action = Column(String(10), nullable=False, index=True, info={"label": "操作"})
    model = Column(String(60), nullable=False, info={"label": "数据类型代码"})
    model_label = Column(String(60), nullable=False, info={"label": "数据类型"})
    record_id = Column(Integer, info={"label": "记录编号"})
    record_name = Column(String(255), info={"label": "记录"})
    changes = Column(Text, info={"label": "变更内容"})

    def __str__(self) -> str:
        return f"{self.action} {self.model_label} {self.record_name or ''}".strip()

    def change_list(self) -> list[dict[str, str]]:
        try:
            found = json.loads(self.changes or "[]")
        except ValueError:
            return []
        return found if isinstance(found, list) else []


class AuditLogReadOnly(InvalidRequestError):
    """An attempt to change or delete a row of the audit log."""


# ---------------------------------------------------------------------------------------------
# What is recorded, and how a value reads
# ---------------------------------------------------------------------------------------------

def _fab_models() -> tuple[type, type]:
    from flask_appbuilder.security.sqla.models import Role, User

    return User, Role


USER_FIELDS = {"username": "用户名", "first_name": "名", "last_name": "姓", "email": "邮箱",
               "active": "是否启用", "password": "密码", "roles": "角色"}
ROLE_FIELDS = {"name": "名称", "permissions": "权限"}


def audited(obj: Any) -> bool:
    return isinstance(obj, Entity) or isinstance(obj, _fab_models())


def model_label(obj_or_model: Any) -> str:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    user_model, role_model = _fab_models()
    if issubclass(model, user_model):
        return "用户"
    if issubclass(model, role_model):
        return "角色"
    meta = getattr(model, "__admin__", None)
    return getattr(meta, "label", None) or model.__name__


def display_name(obj: Any) -> str:
    try:
        user_model, _ = _fab_models()
        if isinstance(obj, user_model):
            full = f"{obj.first_name or ''}{obj.last_name or ''}"
            return f"{full}（{obj.username}）" if full else str(obj.username or "")
        return str(obj)
    except Exception:  # a display name must never stop a save
        log.exception("display name of %r", obj)
        return f"#{getattr(obj, 'id', '')}"


def _cap(text: str) -> str:
    return text if len(text) <= VALUE_LIMIT else text[:VALUE_LIMIT - 1] + "…"


@lru_cache(maxsize=None)
def _fields(model: type) -> dict[str, str]:
    """The audited attributes of ``model`` and their Chinese labels."""
    user_model, role_model = _fab_models()
    if issubclass(model, user_model):
        return USER_FIELDS
    if issubclass(model, role_model):
        return ROLE_FIELDS
    mapper = inspect(model)
    covered = set()  # foreign keys shown through their relation
    found = {}
    for prop in mapper.relationships:
        if prop.viewonly or prop.direction not in (MANYTOONE, MANYTOMANY):
            continue
        if prop.direction == MANYTOONE:
            covered.update(c.key for c in prop.local_columns)
        found[prop.key] = introspect.label(model, prop.key)
    version = mapper.version_id_col
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if column.primary_key or column is version or prop.key in covered or prop.key == "row_version":
            continue
        found[prop.key] = introspect.label(model, prop.key)
    ordered = [p.key for p in mapper.attrs if p.key in found]  # declaration order
    return {key: found[key] for key in ordered}


def format_value(model: type, key: str, value: Any) -> str:
    """A stored value as the pages show it."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set)):
        return _cap("、".join(display_name(v) for v in value))
    if audited(value) or hasattr(value, "__table__"):
        return _cap(display_name(value))
    if key == "password":
        return "******"
    prop = inspect(model).attrs.get(key)
    info = prop.columns[0].info if prop is not None and not isinstance(prop, RelationshipProperty) else {}
    if info.get("upload"):
        from app.features.uploads import split

        return _cap(split(value)[1])
    try:
        fmt = introspect.display_format(model, key)
    except Exception:
        fmt = None
    return _cap(formatting.text_formatter(fmt)(value))


def _same(old: Any, new: Any) -> bool:
    try:
        if isinstance(old, Decimal) or isinstance(new, Decimal):
            return old is not None and new is not None and Decimal(old) == Decimal(new)
        return old == new
    except Exception:
        return False


def _relation_values(session, obj, prop) -> tuple[bool, Any, Any]:
    """(changed, old, new) of a many-to-one relation, whether set as an object or through its key."""
    state = inspect(obj)
    rel = state.attrs[prop.key].history
    local = list(prop.local_columns)[0]
    fk = state.attrs[local.key].history if local.key in state.attrs else None
    target = prop.mapper.class_
    if not rel.has_changes() and not (fk is not None and fk.has_changes()):
        return False, None, None

    committed = state.committed_state.get(local.key)
    if fk is not None and fk.deleted:
        old_id = fk.deleted[0]
    elif fk is not None and fk.unchanged:
        old_id = fk.unchanged[0]
    elif fk is not None and fk.added and committed is not NO_VALUE:
        old_id = None  # the key was empty
    else:  # not loaded, or its old value forgotten: the row still holds it
        old_id = _stored_values(session, obj, [local.key]).get(local.key)

    if rel.has_changes():
        new = rel.added[0] if rel.added else None
        old = rel.deleted[0] if rel.deleted else (session.get(target, old_id) if old_id is not None else None)
    else:
        new_id = fk.added[0] if fk.added else None
        new = session.get(target, new_id) if new_id is not None else None
        old = session.get(target, old_id) if old_id is not None else None
    new_id = getattr(new, "id", None) if new is not None else None
    old_key = getattr(old, "id", None) if old is not None else old_id
    if new is not None and new_id is None:
        return True, old, new  # a record created in this same flush
    return new_id != old_key, old, new


def _stored_values(session, obj, keys: list[str]) -> dict[str, Any]:
    """The values the row still holds (before this flush) for ``keys``."""
    if not keys or not inspect(obj).persistent:
        return {}
    mapper = inspect(obj).mapper
    columns = [mapper.attrs[k].columns[0] for k in keys]
    pk = mapper.primary_key[0]
    row = session.connection().execute(select(*columns).where(pk == getattr(obj, pk.key))).first()
    return dict(zip(keys, row)) if row is not None else {}


def changes_of(session, obj) -> list[dict[str, str]]:
    """Each changed field of a persistent record: its label, old value and new value, formatted."""
    model = type(obj)
    state = inspect(obj)
    found = []
    # flag_modified (a workflow step moving a state) forgets the old value: read it from the row.
    forgotten = [key for key, prop in state.mapper.column_attrs.items()
                 if key in _fields(model) and state.committed_state.get(key, None) is NO_VALUE]
    stored = _stored_values(session, obj, forgotten)
    for key, label in _fields(model).items():
        prop = state.mapper.attrs.get(key)
        if prop is None:
            continue
        if isinstance(prop, RelationshipProperty) and prop.direction == MANYTOONE:
            changed, old, new = _relation_values(session, obj, prop)
            if not changed:
                continue
        else:
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            if isinstance(prop, RelationshipProperty):  # a collection: whole before and after
                if key == "permissions" and not has_request_context():
                    continue  # the permission sync at start-up is not a person's action
                old = list(history.unchanged) + list(history.deleted)
                new = list(history.unchanged) + list(history.added)
            else:
                old = history.deleted[0] if history.deleted else stored.get(key)
                new = history.added[0] if history.added else None
                if _same(old, new):
                    continue
        old_text, new_text = format_value(model, key, old), format_value(model, key, new)
        if key == "password":
            old_text, new_text = "", "（已修改）"
        elif old_text == new_text:
            continue
        found.append({"field": key, "label": label, "old": old_text, "new": new_text})
    return found


def snapshot(session, obj) -> list[dict[str, str]]:
    """The last values of a record being deleted (old → blank)."""
    model = type(obj)
    state = inspect(obj)
    found = []
    for key, label in _fields(model).items():
        if key == "password":
            continue
        prop = state.mapper.attrs.get(key)
        if prop is None:
            continue
        try:
            if isinstance(prop, RelationshipProperty):
                if prop.direction == MANYTOONE:
                    value = state.dict.get(key)
                    if value is None:
                        fk = getattr(obj, list(prop.local_columns)[0].key, None)
                        value = session.get(prop.mapper.class_, fk) if fk is not None else None
                else:
                    value = state.dict.get(key)  # only a loaded collection; never load during a flush
            else:
                value = state.dict.get(key)
            text = format_value(model, key, value)
        except Exception:
            log.exception("audit snapshot of %s.%s", model.__name__, key)
            continue
        if text:
            found.append({"field": key, "label": label, "old": text, "new": ""})
    return found


# ---------------------------------------------------------------------------------------------
# Who
# ---------------------------------------------------------------------------------------------

def actor() -> tuple[int | None, str]:
    """The login user (id and display name), or 系统 for init, demo data, scripts and anonymous requests."""
    if not has_request_context():
        return None, SYSTEM
    try:
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            name = formatting.signature(current_user)
            return current_user.id, name
    except Exception:  # no login manager on this app
        log.debug("no login user for the audit log", exc_info=True)
    return None, SYSTEM


# ---------------------------------------------------------------------------------------------
# The session events
# ---------------------------------------------------------------------------------------------

@dataclass
class Pending:
    obj: Any
    action: str
    changes: list = field(default_factory=list)
    name: str | None = None  # known before the flush for a delete
    otherwise: list | None = None  # a removed line the flush did not delete after all: its changes


_READY: set[str] = set()


def _table_ready(session) -> bool:
    """Whether the audit table exists (it always does once migrated; not before `flask db upgrade`)."""
    bind = session.get_bind()
    key = str(bind.url)
    if key in _READY:
        return True
    if inspect(session.connection()).has_table(AuditLog.__tablename__):
        _READY.add(key)
        return True
    return False


def _orphan_candidates(obj) -> list:
    """Lines removed from a document's collection (delete-orphan): the flush deletes them itself."""
    found = []
    state = inspect(obj)
    for prop in state.mapper.relationships:
        if prop.uselist and prop.cascade.delete_orphan and prop.key in state.dict:
            found.extend(child for child in state.attrs[prop.key].history.deleted
                         if child is not None and inspect(child).persistent)
    return found


def before_flush(session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditLog) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogReadOnly(READ_ONLY)
    session.info["audit_flush"] = pending = []
    objects = [o for o in list(session.new) + list(session.dirty) + list(session.deleted) if audited(o)]
    if not objects or not _table_ready(session):
        return
    seen = set()
    for obj in session.new:
        if audited(obj):
            pending.append(Pending(obj, CREATE))
            seen.add(id(obj))
    for obj in session.deleted:
        if audited(obj):
            pending.append(Pending(obj, DELETE, snapshot(session, obj), display_name(obj)))
            seen.add(id(obj))
    for obj in list(session.dirty):
        for child in _orphan_candidates(obj) if audited(obj) else ():
            if audited(child) and id(child) not in seen:
                pending.append(Pending(child, DELETE, snapshot(session, child), display_name(child),
                                       otherwise=changes_of(session, child)))
                seen.add(id(child))
    for obj in session.dirty:
        if not audited(obj) or id(obj) in seen:
            continue
        if not session.is_modified(obj, include_collections=True):
            continue
        changes = changes_of(session, obj)
        if changes:
            pending.append(Pending(obj, UPDATE, changes))
            seen.add(id(obj))


def after_flush(session, flush_context) -> None:
    pending = session.info.pop("audit_flush", None)
    if not pending:
        return
    user_id, user_name = actor()
    now = clock.now()
    created = session.info.setdefault("audit_created", {})
    table = AuditLog.__table__
    connection = session.connection()
    creates, others = [], []
    for entry in pending:
        obj = entry.obj
        state = inspect(obj)
        if entry.action == DELETE and not flush_context.is_deleted(state):
            if not entry.otherwise:
                continue  # a line moved to another document is not deleted, only changed
            entry = Pending(obj, UPDATE, entry.otherwise)
        record_id = getattr(obj, "id", None)
        key = (type(obj).__name__, record_id)
        name = (entry.name or display_name(obj))[:255]
        if entry.action == UPDATE and key in created:
            # Completed within the transaction that created it (its number, derived fields): one 新增 row.
            connection.execute(update(table).where(table.c.id == created[key]).values(record_name=name))
            continue
        row = {
            "created_at": now, "user_id": user_id, "user_name": user_name[:100], "action": entry.action,
            "model": type(obj).__name__, "model_label": model_label(obj)[:60], "record_id": record_id,
            "record_name": name,
            "changes": json.dumps(entry.changes, ensure_ascii=False) if entry.changes else None,
        }
        (creates if entry.action == CREATE else others).append((key, row))
    # Every row of the flush in one statement each for 新增 and the rest (batched on PostgreSQL: an import of
    # 10,000 rows is not 10,000 round trips); the new rows' ids in order, for a later change to complete.
    if others:
        connection.execute(insert(table), [row for _, row in others])
    if creates:
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        ids = connection.execute(stmt, [row for _, row in creates]).scalars().all()
        for (key, _), new_id in zip(creates, ids):
            created[key] = new_id


def _forget(session, transaction) -> None:
    """A transaction ended (commit, rollback or close): its new records are settled."""
    if transaction.parent is None:
        session.info.pop("audit_created", None)
        session.info.pop("audit_flush", None)


def refuse_bulk_changes(orm_execute_state) -> None:
    """session.query(AuditLog).update()/.delete() and ORM update()/delete() statements bypass flushes."""
    if not (orm_execute_state.is_update or orm_execute_state.is_delete):
        return
    for mapper in orm_execute_state.all_mappers:
        if mapper.class_ is AuditLog:
            raise AuditLogReadOnly(READ_ONLY)


def install(session) -> None:
    """Listen on the application's session (a scoped session: every session it makes); idempotent."""
    listeners = (("before_flush", before_flush), ("after_flush", after_flush),
                 ("after_transaction_end", _forget), ("do_orm_execute", refuse_bulk_changes))
    for name, func in listeners:
        if not event.contains(session, name, func):
            event.listen(session, name, func)


# ---------------------------------------------------------------------------------------------
# Reading it: a record's history (detail pages) and the admin screen
# ---------------------------------------------------------------------------------------------

def lifetime(session, model_name: str, record_id: int):
    """SQL: the audit rows of this record's own life — since its latest 新增. SQLite may give a new record the
    number of a deleted one, whose rows must not read as the new record's history."""
    from sqlalchemy import func

    of_record = (AuditLog.model == model_name, AuditLog.record_id == record_id)
    born = session.query(func.max(AuditLog.id)).filter(*of_record, AuditLog.action == CREATE).scalar_subquery()
    return (*of_record, AuditLog.id >= func.coalesce(born, 0))
