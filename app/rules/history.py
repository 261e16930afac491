"""The workflow history: one row per step taken on any record (who, when, from which state to which,
decision, comment), read back as a record's timeline."""
from __future__ import annotations

from typing import Any, Iterable

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text

from app.meta import clock


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

    # What the record's rules warned of when the step was taken (app/rules/steps.py take); shown once, not stored.
    warnings = ()


def history(session, record: Any) -> Iterable[WorkflowLog]:
    return (session.query(WorkflowLog)
            .filter(WorkflowLog.model == type(record).__name__, WorkflowLog.record_id == record.id)
            .order_by(WorkflowLog.created_at, WorkflowLog.id).all())
