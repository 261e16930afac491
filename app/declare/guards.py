"""A rule the database itself keeps, even against writers racing each other (stock never below zero),
with the Chinese reason a write it refuses is given on every door (app/rules/write.py, app/rules/steps.py)."""
from __future__ import annotations

from sqlalchemy import CheckConstraint

MESSAGES: dict[str, str] = {}


def guard(condition: str, name: str, message: str) -> CheckConstraint:
    """A CHECK constraint named ``name`` (the table's name is prefixed by the naming convention)."""
    MESSAGES[name] = message
    return CheckConstraint(condition, name=name)


def message_for(error: Exception) -> str | None:
    """The declared reason of the guard a database error names, if it names one."""
    text = str(getattr(error, "orig", error))
    return next((message for name, message in MESSAGES.items() if name in text), None)
