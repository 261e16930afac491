"""JSON for the API and lookups: enums by their Chinese names, Decimals exact, dates in ISO form."""
from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

from flask.json.provider import DefaultJSONProvider


class EngineJSONProvider(DefaultJSONProvider):
    ensure_ascii = False

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, enum.Enum):
            return o.value
        if isinstance(o, Decimal):
            return str(o)
        return DefaultJSONProvider.default(o)
