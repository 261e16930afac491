"""A rule the database itself keeps, even against writers racing each other (stock never below zero, one booking
per room and 节次), with the Chinese reason a write it refuses is given on every door (app/rules/write.py,
app/rules/steps.py)."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, UniqueConstraint

MESSAGES: dict[str, str] = {}
UNIQUES: dict[str, UniqueConstraint] = {}


def guard(condition: str, name: str, message: str) -> CheckConstraint:
    """A CHECK constraint named ``name`` (the table's name is prefixed by the naming convention)."""
    MESSAGES[name] = message
    return CheckConstraint(condition, name=name)


def unique(*columns: str, name: str, message: str) -> UniqueConstraint:
    """A UNIQUE constraint named ``name`` (as given): the second of two writers racing for the same values is
    refused with ``message``."""
    constraint = UniqueConstraint(*columns, name=name)
    MESSAGES[name] = message
    UNIQUES[name] = constraint
    return constraint


def _sqlite_names(constraint: UniqueConstraint) -> str:
    """How SQLite names a unique constraint it enforces: by its columns ("UNIQUE constraint failed: t.a, t.b")."""
    table = constraint.table
    return "UNIQUE constraint failed: " + ", ".join(f"{table.name}.{column.name}" for column in constraint.columns)


def message_for(error: Exception) -> str | None:
    """The declared reason of the guard a database error names, if it names one."""
    text = str(getattr(error, "orig", error))
    found = next((message for name, message in MESSAGES.items() if name in text), None)
    if found is None:
        found = next((MESSAGES[name] for name, constraint in UNIQUES.items()
                      if _sqlite_names(constraint) in text), None)
    return found
