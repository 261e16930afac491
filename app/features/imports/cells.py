"""One cell of a sheet into a Python value (text, number, date, 是/否, a choice), or a Chinese error (CellError)."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from app.features.imports.columns import Field

TRUE_WORDS = {"是", "√", "✓", "对", "有", "y", "yes", "true", "1", "t"}
FALSE_WORDS = {"否", "×", "✗", "x", "不", "无", "n", "no", "false", "0", "f"}
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                        r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_INVISIBLE_CHARS = "\u200b\u200c\u200d\ufeff"
_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE_CHARS), None)


class CellError(ValueError):
    """A cell that cannot be read as its column's kind; the message completes 「列名」…"""


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    stripped = value.strip()
    return not stripped or (stripped[0] in _INVISIBLE_CHARS and not _tidy(stripped))


def _tidy(text: str) -> str:
    return text.translate(_INVISIBLE).replace("\u3000", " ").strip()


def options(words: Sequence[str]) -> str:
    """["男", "女"] → "男 或 女"; three or more → "在用、闲置 或 借出"."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return f"{'、'.join(words[:-1])} 或 {words[-1]}"


def _text_of(raw: Any) -> str:
    """A cell as text (strings arrive tidied: read() and the row loop tidy them once)."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime):
        return raw.strftime("%Y-%m-%d") if raw.time() == datetime.min.time() else raw.strftime("%Y-%m-%d %H:%M")
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, Decimal):
        return format(raw, "f")
    return _tidy(str(raw))


def _number_text(raw: Any) -> str:
    text = _text_of(raw).replace(",", "").replace("，", "").replace(" ", "")
    return text[1:] if text[:1] in ("¥", "￥") else text


def _date(raw: Any, with_time: bool = False):
    if isinstance(raw, datetime):
        return raw if with_time else raw.date()
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day) if with_time else raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 1 <= raw < 2958466:
        from openpyxl.utils.datetime import from_excel  # a date cell Excel saved as its serial number

        found = from_excel(raw)
        return found if with_time else found.date()
    text = _text_of(raw)
    found = _DATE_TEXT.match(text) or _DATE_DIGITS.match(text)
    if found:
        parts = [int(p) if p else 0 for p in found.groups()] + [0, 0, 0]
        try:
            if with_time:
                return datetime(*parts[:6])
            return date(*parts[:3])
        except ValueError:
            pass
    example = "2026-09-01 08:30" if with_time else "2026-09-01 或 2026/9/1"
    raise CellError(f"应为日期，例如 {example}；「{text}」不是日期")


def _number(f: Field, raw: Any, text: str) -> int | Decimal:
    what = "整数" if f.kind == "int" else "数字"
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(f"应为{what}；「{text}」不是数字")
    if isinstance(raw, bool) or not number.is_finite():
        raise CellError(f"应为{what}；「{text}」不是数字")
    if f.kind == "int":
        if number.adjusted() > 9 or abs(number) > 2_000_000_000:
            raise CellError("数值过大")
        if number != number.to_integral_value():
            raise CellError(f"应为整数；「{text}」不是整数")
        return int(number)
    if number and number.adjusted() >= (f.precision or 28) - (f.scale or 0):  # more digits than the column
        raise CellError("数值过大")
    step = Decimal(1).scaleb(-(f.scale or 0))
    if isinstance(raw, float):  # a binary fraction Excel computed: rounded as Excel shows it
        return number.quantize(step, ROUND_HALF_UP)
    if number != number.quantize(step, ROUND_HALF_UP):
        raise CellError(f"最多 {f.scale} 位小数" if f.scale else "应为整数")
    return number


def convert(f: Field, raw: Any) -> Any:
    """The value of one non-empty cell for field ``f`` (relations: the text to look up); CellError if unreadable."""
    kind = f.kind
    if kind in ("text", "relation"):
        text = _text_of(raw)
        if kind == "text" and f.length and len(text) > f.length:
            raise CellError(f"不能超过 {f.length} 个字（现有 {len(text)} 个）")
        return text
    if kind in ("int", "decimal"):
        text = _number_text(raw)
        try:
            return _number(f, raw, text)
        except CellError:
            raise
        except (ArithmeticError, ValueError):  # anything the decimal module still refuses
            raise CellError(f"应为数字；「{text}」不是可用的数字")
    if kind == "date":
        return _date(raw)
    if kind == "datetime":
        return _date(raw, with_time=True)
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = _text_of(raw).lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise CellError("只能是 是 或 否")
    if kind == "choice":
        text = _text_of(raw)
        try:
            return f.choices.from_label(text)
        except ValueError:
            raise CellError(f"只能是 {options([m.value for m in f.choices])}")
    raise CellError("无法读取")
