"""The vocabulary the school's models are written in: fields with Chinese labels, ``Entity``, ``Admin`` and
what it holds, workflows, roles. Models import from here; the engine reads nothing else of them.
"""
from app.declare.admin import (
    Account,
    Admin,
    FollowUp,
    Import,
    Lines,
    Lock,
    Qualify,
    QuickFilter,
    Scope,
    quick,
)
from app.declare.entity import Choice, Entity
from app.declare.fields import (
    choice,
    computed,
    day,
    decimal,
    field,
    flag,
    integer,
    key,
    long_text,
    moment,
    money,
    photo,
    pk,
    relation,
    serial,
    stars,
    telephone,
    text,
)
from app.declare.guards import guard, unique

__all__ = [
    "Account", "Admin", "Choice", "Entity", "FollowUp", "Import", "Lines", "Lock", "Qualify", "QuickFilter", "Scope",
    "choice", "computed", "day", "decimal", "field", "flag", "guard", "integer", "key", "long_text", "moment", "money",
    "photo", "pk", "quick", "relation", "serial", "stars", "telephone", "text", "unique",
]
