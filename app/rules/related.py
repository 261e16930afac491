"""SQL: a record's many-to-one related record matches a criterion, as ``fk IN (SELECT id FROM target WHERE …)``.

SQLAlchemy's ``relation.has(…)`` writes a correlated ``EXISTS``, which PostgreSQL runs once for each row it
checks: the keyword box over 200,000 assets (category, department, keeper, location) took 2.6 s to count, and a
scope through ``room.building.department`` makes every list of a 宿管员 check three nested ``EXISTS`` per row.
The ``IN`` form is looked up once (a hashed subplan). ``fk IS NOT NULL AND fk IN (…)`` is exactly ``EXISTS``,
negated too (``NOT``, as 我的待办 uses a person criterion): a row without the relation is false, never NULL.
"""
from __future__ import annotations

from sqlalchemy import and_, select


def matches(model: type, relation: str, inner):
    """``model.relation`` (many-to-one) is a record for which ``inner`` holds."""
    attr = getattr(model, relation)
    pairs = attr.property.local_remote_pairs
    if attr.property.uselist or len(pairs) != 1:
        return attr.any(inner) if attr.property.uselist else attr.has(inner)
    local, remote = pairs[0]
    return and_(local.is_not(None), local.in_(select(remote).where(inner).correlate(None)))
