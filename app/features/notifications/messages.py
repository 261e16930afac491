"""Messages made in the transaction of the step that causes them: a rolled-back step leaves none.

A step taken tells everyone the record's new state awaits (待办), tells the requester when it was sent back or
rejected (with the reason) and when it is done (办结) — never the person who took the step. Each message is queued
for the channels its recipient chose for its kind (app/features/notifications/tables.py ``Choice``)."""
from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request, url_for
from flask_appbuilder.security.sqla.models import User

from app.declare.workflow import REJECT, RETURN, Workflow
from app.features.notifications import recipients
from app.features.notifications.tables import DONE, SENT_BACK, TODO, Choice, Delivery, Message
from app.meta import clock, formatting
from app.rules import identity

TITLE_LENGTH = 60


def record_path(record: Any) -> str | None:
    """The record's detail page (scoped: a reader outside the record's scope is refused there)."""
    view = current_app.extensions["engine"].views.get(type(record))
    if view is None:
        return None
    if has_request_context():
        return url_for(f"{view.endpoint}.show", pk=record.id)
    with current_app.test_request_context():
        return url_for(f"{view.endpoint}.show", pk=record.id)


def messages_path() -> str:
    if has_request_context():
        return url_for("MessagesView.index")
    with current_app.test_request_context():
        return url_for("MessagesView.index")


def absolute(path: str | None) -> str | None:
    """The address a mail or a chat message links to: PUBLIC_BASE_URL, else the address this request came by."""
    if not path:
        return None
    base = current_app.config.get("PUBLIC_BASE_URL") or (request.host_url if has_request_context() else "")
    return base.rstrip("/") + path if base else path


def naming(record: Any) -> str:
    return f"{type(record).__admin__.label}「{formatting.clip(str(record), TITLE_LENGTH)}」"


def add(session, user: User, kind: str, text: str, record: Any = None, link: str | None = None,
        key: str | None = None) -> Message:
    """One message for one person, and its deliveries by the channels they chose for its kind."""
    message = Message(user_id=user.id, kind=kind, text=text, key=key, created_at=clock.now(),
                      model=type(record).__name__ if record is not None else None,
                      record_id=getattr(record, "id", None), link=link)
    session.add(message)
    session.flush()
    channels = [c for (c,) in session.query(Choice.channel).filter(Choice.user_id == user.id, Choice.kind == kind)]
    for channel in sorted(channels):
        session.add(Delivery(user_id=user.id, message_id=message.id, channel=channel, title=text[:200], body=text,
                             link=absolute(link), next_try=clock.now(), created_at=clock.now()))
    return message


def record_created(session, record: Any) -> list[Message]:
    """A new record of a workflow tells everyone its first state awaits (a new 报修 → 受理派工), but its maker."""
    workflow = getattr(getattr(record, "__admin__", None), "workflow", None)
    if workflow is None:
        return []
    maker = identity.acting_user() if has_request_context() else None
    maker_id = maker.id if maker is not None and getattr(maker, "is_authenticated", False) else None
    name, link = naming(record), record_path(record)
    by = f"（{formatting.signature(maker)}新建）" if maker_id else ""
    return [add(session, user, TODO, f"{name}待您办理：{'、'.join(labels)}{by}", record, link)
            for user_id, (user, labels) in recipients.awaiting(session, record, workflow).items()
            if user_id != maker_id]


def step_taken(session, record: Any, workflow: Workflow, step, log, actor: User) -> list[Message]:
    """The messages a step causes; the record is in its new state, flushed, not yet committed."""
    session.flush()
    name, link = naming(record), record_path(record)
    who = formatting.signature(actor)
    made: list[Message] = []
    told = {actor.id}
    asker = recipients.requester(session, record, workflow)
    waiting = recipients.awaiting(session, record, workflow)
    verb = log.decision if log.decision in (REJECT, RETURN) else step.label if step.label in (REJECT, RETURN) else None
    if verb and asker is not None and asker.id not in told:
        made.append(add(session, asker, SENT_BACK, f"您的{name}被{who}{verb}：{log.comment or ''}", record, link))
        told.add(asker.id)
    said = f"：{log.comment}" if log.comment else ""  # 返修原因 for the worker the repair goes back to
    for user_id, (user, labels) in waiting.items():
        if user_id in told:
            continue
        made.append(add(session, user, TODO, f"{name}待您办理：{'、'.join(labels)}（{who}{log.step_label}{said}）",
                        record, link))
        told.add(user_id)
    if not waiting and asker is not None and asker.id not in told and log.from_state != log.to_state:
        made.append(add(session, asker, DONE, f"您的{name}已{log.step_label}，现为「{log.to_state}」{said}",
                        record, link))
    return made


def forget_deleted(session, _context) -> None:
    """A deleted record's messages go with it: SQLite may give its number to a new record, which they would name."""
    from sqlalchemy import delete

    gone = [(type(obj).__name__, obj.id) for obj in session.deleted if getattr(obj, "__admin__", None) is not None]
    for model, record_id in gone:
        session.connection().execute(delete(Message.__table__).where(
            Message.__table__.c.model == model, Message.__table__.c.record_id == record_id))
