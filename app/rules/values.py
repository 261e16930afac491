"""Every value a door writes, checked by its column's type and declared bounds before any rule computes with
it: decimals finite and within their precision, whole numbers within the column and the declared
``min``/``max`` (a room's 床位数), texts without NUL and within their length, dates within years a school's
records can hold (so that 报修时间 + 24 小时 cannot overflow). The one write path (app/rules/write.py) runs
these first for forms, REST, workflow steps, imports and hand-written pages alike; each problem is a Chinese
message on its field, and nothing else runs on a record that has one.
"""
from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, Float, Integer, Numeric, String, inspect

from app.meta import clock

INT32 = 2**31 - 1
INT64 = 2**63 - 1
FIRST_YEAR, LAST_YEAR = 1900, 2100

NOT_FINITE = "请填写一个有限的数字（不能是 NaN 或无穷大）"
NUL = "不能包含空字符"


def _integer_range(column) -> tuple[int, int]:
    top = INT64 if isinstance(column.type, BigInteger) else INT32
    low = column.info.get("min", -top)
    high = column.info.get("max", top)
    return max(low, -top), min(high, top)


def _number_problem(column, value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return NOT_FINITE
    if isinstance(value, Decimal):
        if not value.is_finite():
            return NOT_FINITE
        precision, scale = getattr(column.type, "precision", None), getattr(column.type, "scale", None)
        if precision is not None and scale is not None and abs(value) >= Decimal(10) ** (precision - scale):
            return f"数值太大：整数部分最多 {precision - scale} 位"
    low, high = column.info.get("min"), column.info.get("max")
    if low is not None and value < low:
        return f"不能小于 {low}"
    if high is not None and value > high:
        return f"不能大于 {high}"
    return None


def problem(column, value: Any) -> str | None:
    """The Chinese message for ``value`` in ``column``, or None when the column can hold it."""
    if value is None:
        return None
    kind = column.type
    if isinstance(value, str):
        if "\x00" in value:
            return NUL
        length = getattr(kind, "length", None)
        if isinstance(kind, String) and length and len(value) > length:
            return f"最多 {length} 个字，现有 {len(value)} 个"
        return None
    if isinstance(kind, Integer) and isinstance(value, int) and not isinstance(value, bool):
        if column.foreign_keys or column.primary_key:
            return None if 0 < value <= INT64 else "所选记录不存在"
        low, high = _integer_range(column)
        if value < low:
            return f"不能小于 {low}"
        if value > high:
            return f"不能大于 {high}"
        return None
    if isinstance(kind, (Numeric, Float)):
        return _number_problem(column, value)
    if isinstance(kind, (Date, DateTime)) and isinstance(value, (dt.date, dt.datetime)):
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            return f"日期须在 {FIRST_YEAR} 年到 {LAST_YEAR} 年之间"
    return None


def refusals(record: Any) -> dict[str, str]:
    """{field: Chinese message} for each value set on ``record`` (new, or changed) that its column refuses.
    A time given with a zone (REST's ``…T08:00:00Z``) is first stored as the school's local time, as every
    other time is."""
    state = inspect(record)
    new = state.transient or state.pending
    found = {}
    for prop in state.mapper.column_attrs:
        if not new and not state.attrs[prop.key].history.has_changes():
            continue
        value = getattr(record, prop.key, None)
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            try:
                setattr(record, prop.key, value.astimezone(clock.zone()).replace(tzinfo=None))
            except (OverflowError, ValueError):
                found[prop.key] = f"日期须在 {FIRST_YEAR} 年到 {LAST_YEAR} 年之间"
                continue
        message = problem(prop.columns[0], getattr(record, prop.key, None))
        if message:
            found[prop.key] = message
    return found
