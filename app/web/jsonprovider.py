"""JSON for the API and lookups: enums by their Chinese names, Decimals exact, dates in ISO form, and a record
(a computed field's 入库资产卡片) as its id and display name, never its columns."""
from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

from flask.json.provider import DefaultJSONProvider
from flask_appbuilder import Model

from app.fab.rest_schema import reference


class EngineJSONProvider(DefaultJSONProvider):
    ensure_ascii = False

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, enum.Enum):
            return o.value
        if isinstance(o, Decimal):
            return str(o)
        if isinstance(o, Model):
            return reference(o)
        return DefaultJSONProvider.default(o)
