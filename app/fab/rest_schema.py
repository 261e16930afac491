"""The REST API's answers show a related record as its id and display name only.

FAB's converter (5.3.0, ``Model2SchemaConverter._column2relation``) dumps a relation named without dotted
columns as a nested schema of *every* column of the related model — a staff record's login user came out
with its password hash. Ours dumps ``{"id", "name"}`` for every related record; loading stays FAB's.
"""
from __future__ import annotations

from typing import Any

from flask_appbuilder.api.convert import Model2SchemaConverter
from marshmallow import fields


def reference(record: Any) -> dict | None:
    if record is None:
        return None
    return {"id": getattr(record, "id", None), "name": str(record)}


class RecordReference(fields.Field):
    """A related record (or a list of them) as ``{"id": …, "name": "its display name"}``; dump only."""

    def __init__(self, many: bool = False, **kwargs: Any):
        super().__init__(dump_only=True, **kwargs)
        self.many = many

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if self.many:
            return [reference(record) for record in (value or [])]
        return reference(value)


class ReferenceSchemaConverter(Model2SchemaConverter):
    def _column2relation(self, datamodel, column, nested: bool = False, parent_schema_name=None):
        if not nested:
            return super()._column2relation(datamodel, column, nested=nested, parent_schema_name=parent_schema_name)
        return RecordReference(many=not datamodel.is_relation_many_to_one(column.name))
