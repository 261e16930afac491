"""导入: rows of an Excel (.xlsx) or CSV file create or update the records of a model that declares
``imports=Import(...)`` on its ``__admin__`` (app/declare/fields.py).

The sheet's header row names the columns by the model's Chinese labels. Each row is read into typed values
(numbers, dates — Excel dates or text like 2026-09-01 and 2026/9/1 —, 是/否, the Chinese words of an
enum) and relations are found by what a person types: a code (unique column), a name, or the record's
display name, always within the user's data scope (app.rules.scope.criteria). Then each row is matched to an
existing record by the declared ``match`` column(s), filled, and checked by the model's own before_save()
and validate(); relations named in ``parents`` (a 床位's 房间) are found by their own match columns or
created. Every problem is named by row and column, in Chinese.

One function, :func:`run`, does all of it for the preview and for the import alike: in one transaction,
written and flushed (so that the data scope of new records and the database's own constraints are checked
too), then rolled back for the preview, or committed only if no row has any error — all or nothing. The
preview therefore says exactly what the import will do: 新增 N 行 / 更新 M 行 / 无变化 K 行.

Speed: lookups never run one query per row. Related records and existing records are read in chunks of
``IN (…)`` queries before any row is built; rows are written in one flush (or, for models whose rules read
earlier records, ``one_by_one``, one flush per row or parent group). Audit log rows are written by the
session events of app/rules/audit.py, like any other save.

The file between preview and import stays on the server, under ``<instance>/imports/`` with a random name
and a note of who uploaded it for which model; the confirm form carries only that token. Files are deleted
after the import, on cancel, and when older than ``IMPORT_KEEP_MINUTES``.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from flask import current_app, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, String, Text, func, inspect, or_, select
from sqlalchemy import Enum as SAEnum
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import RelationshipProperty
from sqlalchemy.orm.attributes import get_history
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.interfaces import MANYTOONE

from app.declare.admin import Import
from app.declare.entity import Choice
from app.meta import formatting, introspect, prefill
from app.rules import audit, numbering, scope

log = logging.getLogger(__name__)

CHUNK = 500  # values per IN (…) query
SCAN_LIMIT = 5000  # a relation found by its display name: read at most this many records of it
MAX_ROWS = 50_000
MAX_COLUMNS = 200
DEFAULT_MAX_MB = 10
DEFAULT_KEEP_MINUTES = 60
SHOWN_ERRORS = 1000
SHOWN_ROWS = 100
TOKEN = re.compile(r"[0-9a-f]{32}")
EXTENSIONS = ("xlsx", "csv")

NOT_A_FILE = "只能导入 Excel 文件（.xlsx）或逗号分隔文件（.csv）"
OLD_EXCEL = "不能读取旧版 Excel 文件（.xls），请在 Excel 中“另存为” .xlsx 后再上传"
BROKEN_EXCEL = "无法读取该 Excel 文件：文件已损坏或不是 .xlsx 格式"
BAD_ENCODING = "无法识别该 .csv 文件的编码，请在 Excel 中“另存为” UTF-8 编码的逗号分隔文件（.csv）后再上传"
NO_FILE = "请选择要导入的文件"
EXPIRED = "导入文件已过期或已处理，请重新上传"
EMPTY = "文件中没有数据：第 1 行应为列名，从第 2 行起每行一条记录"
TRUE_WORDS = {"是", "√", "✓", "对", "有", "y", "yes", "true", "1", "t"}
FALSE_WORDS = {"否", "×", "✗", "x", "不", "无", "n", "no", "false", "0", "f"}
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                        r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_INVISIBLE_CHARS = "\u200b\u200c\u200d\ufeff"
_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE_CHARS), None)


class Refused(Exception):
    """The file as a whole cannot be read (its type, size, encoding); the message is for the user."""


class CellError(ValueError):
    """A cell that cannot be read as its column's kind; the message completes 「列名」…"""


# ---------------------------------------------------------------------------------------------
# What a model declares: its import columns
# ---------------------------------------------------------------------------------------------

@dataclass
class Field:
    """One column of the sheet."""

    path: str  # as declared: "code", "meter.meter_no", "room.number"
    label: str  # its header
    owner: type  # the model the value is set on (the imported model, or a parent)
    name: str  # the attribute on ``owner``
    parent: str | None  # the parent relation of the imported model, when ``owner`` is a parent
    kind: str  # text | int | decimal | date | datetime | bool | choice | relation
    required: bool
    has_default: bool  # a column default or a prefill rule fills it when the header is absent
    prefill: str | None = None
    target: type | None = None  # relation: the related model
    by: str | None = None  # relation: found by this column of the target (else code, name, display name)
    length: int | None = None
    scale: int | None = None
    precision: int | None = None
    choices: type | None = None
    clean: Callable[[Any], Any] | None = None
    help: str = ""
    fk_key: str | None = None  # relation: the attribute of its foreign key


@dataclass
class ParentSpec:
    name: str  # relation on the imported model
    model: type
    label: str
    match: tuple[str, ...]


@dataclass
class Plan:
    model: type
    label: str
    spec: Import
    fields: list[Field]
    match: tuple[str, ...]
    parents: dict[str, ParentSpec]

    def field(self, path: str) -> Field | None:
        return next((f for f in self.fields if f.path == path), None)

    def match_fields(self) -> list[Field]:
        """The fields whose values make up the match key (a parent counts through its own match)."""
        found = []
        for name in self.match:
            if name in self.parents:
                found += self.parent_match_fields(name)
            else:
                found += [f for f in self.fields if f.parent is None and f.name == name]
        return found

    def parent_match_fields(self, name: str) -> list[Field]:
        return [next(f for f in self.fields if f.parent == name and f.name == part)
                for part in self.parents[name].match]

    def label_of(self, owner: type, name: str) -> str:
        for f in self.fields:
            if f.owner is owner and f.name == name:
                return f.label
        return introspect.label(owner, name)

    @property
    def match_label(self) -> str:
        return "+".join(f.label for f in self.match_fields())


def _as_tuple(value) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _field(model: type, path: str, spec: Import) -> Field:
    head, _, rest = path.partition(".")
    parent = None
    owner = model
    if head in spec.parents:
        parent, owner = head, introspect.relation_target(model, head)
        head, _, rest = rest.partition(".")
    prop = inspect(owner).attrs.get(head)
    if prop is None:
        raise ValueError(f"{model.__name__} import: unknown column {path}")
    info = dict(prop.info if isinstance(prop, RelationshipProperty) else prop.columns[0].info)
    common = {"path": path, "owner": owner, "name": head, "parent": parent,
              "clean": spec.clean.get(path), "help": info.get("description", ""), "prefill": info.get("prefill")}
    if isinstance(prop, RelationshipProperty):
        if prop.direction is not MANYTOONE:
            raise ValueError(f"{model.__name__} import: {path} is not a many-to-one relation")
        fk = list(prop.local_columns)[0]
        target = prop.mapper.class_
        label = introspect.label(target, rest) if rest else introspect.label(owner, head)
        fk_key = next(p.key for p in inspect(owner).column_attrs if p.columns[0] is fk)
        return Field(label=label, kind="relation", required=not fk.nullable, has_default=bool(info.get("prefill")),
                     target=target, by=rest or None, fk_key=fk_key, **common)
    if rest:
        raise ValueError(f"{model.__name__} import: {path} is not a relation")
    column = prop.columns[0]
    sa_type = column.type
    kind, extra = "text", {}
    if isinstance(sa_type, SAEnum) and isinstance(sa_type.enum_class, type) and issubclass(sa_type.enum_class, Choice):
        kind, extra = "choice", {"choices": sa_type.enum_class}
    elif isinstance(sa_type, Boolean):
        kind = "bool"
    elif isinstance(sa_type, DateTime):
        kind = "datetime"
    elif isinstance(sa_type, Date):
        kind = "date"
    elif isinstance(sa_type, Integer):
        kind = "int"
    elif isinstance(sa_type, Numeric):
        kind, extra = "decimal", {"scale": sa_type.scale or 0, "precision": sa_type.precision}
    elif isinstance(sa_type, (String, Text)):
        extra = {"length": getattr(sa_type, "length", None)}
    else:
        raise ValueError(f"{model.__name__} import: column {path} of a type the import cannot read")
    if column.info.get("upload") or column.info.get("serial"):
        raise ValueError(f"{model.__name__} import: {path} is filled by the engine, not by a sheet")
    return Field(label=introspect.label(owner, head), kind=kind, required=not column.nullable,
                 has_default=column.default is not None or column.server_default is not None or bool(info.get("prefill")),
                 **common, **extra)


@lru_cache(maxsize=None)
def plan_for(model: type) -> Plan:
    """The import columns of ``model``, checked once: a misdeclared import fails at start-up."""
    meta = model.__admin__
    spec: Import = meta.imports
    if spec is None:
        raise ValueError(f"{model.__name__} declares no import")
    if getattr(meta, "workflow", None) is not None:
        raise ValueError(f"{model.__name__}: documents with a workflow cannot be imported")
    paths = list(spec.columns) or list(meta.form)
    fields = [_field(model, p, spec) for p in paths]
    labels = [f.label for f in fields]
    twice = {label for label in labels if labels.count(label) > 1}
    if twice:
        raise ValueError(f"{model.__name__} import: two columns share the header {twice}")
    parents = {}
    for name, match in spec.parents.items():
        parents[name] = ParentSpec(name, introspect.relation_target(model, name), introspect.label(model, name),
                                   _as_tuple(match))
        for part in parents[name].match:
            if not any(f.parent == name and f.name == part for f in fields):
                raise ValueError(f"{model.__name__} import: parent {name} is matched by {part}, which is no column")
    match = _as_tuple(spec.match)
    for name in match:
        if name not in parents and not any(f.parent is None and f.name == name for f in fields):
            raise ValueError(f"{model.__name__} import: match column {name} is no column")
    for f in fields:
        if f.parent is None and f.name in match or f.parent and f.name in parents[f.parent].match:
            f.required = True  # a record is found by them: never empty
    return Plan(model, meta.label, spec, fields, match, parents)


def importable(model: type) -> bool:
    return getattr(getattr(model, "__admin__", None), "imports", None) is not None


# ---------------------------------------------------------------------------------------------
# Reading a file into a header and rows
# ---------------------------------------------------------------------------------------------

@dataclass
class Sheet:
    headers: list[Any]
    rows: list[tuple[int, list[Any]]]  # (row number as the spreadsheet shows it, cell values)


def extension_of(filename: str | None) -> str:
    name = (filename or "").strip().lower()
    return name.rsplit(".", 1)[-1] if "." in name else ""


def read(data: bytes, ext: str) -> Sheet:
    """The first sheet of an .xlsx (or the CSV) as a header and numbered rows; Refused if unreadable."""
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise Refused(OLD_EXCEL)
    if ext == "xlsx" or data[:4] == b"PK\x03\x04":
        if data[:4] != b"PK\x03\x04":
            raise Refused(BROKEN_EXCEL)
        return _read_xlsx(data)
    if ext == "csv":
        return _read_csv(data)
    if ext == "xls":
        raise Refused(OLD_EXCEL)
    raise Refused(NOT_A_FILE)


def _split(lines: Iterable[tuple[int, Sequence[Any]]]) -> Sheet:
    """The first non-blank row is the header; blank rows are skipped; at most MAX_ROWS rows."""
    headers: list[Any] | None = None
    rows: list[tuple[int, list[Any]]] = []
    for number, values in lines:
        values = list(values[:MAX_COLUMNS])
        if all(_blank(v) for v in values):
            continue
        if headers is None:
            headers = values
            continue
        rows.append((number, values))
        if len(rows) > MAX_ROWS:
            raise Refused(f"一次最多导入 {MAX_ROWS} 行，请把文件拆开分批导入")
    if headers is None:
        raise Refused(EMPTY)
    return Sheet(headers, rows)


def _read_xlsx(data: bytes) -> Sheet:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a zip that is no workbook, a damaged file: openpyxl raises many kinds
        log.info("unreadable workbook", exc_info=True)
        raise Refused(BROKEN_EXCEL)
    try:
        if not book.worksheets:
            raise Refused(EMPTY)
        sheet = book.worksheets[0]
        return _split(enumerate(_xlsx_rows(sheet), start=1))
    except Refused:
        raise
    except Exception:
        log.info("unreadable worksheet", exc_info=True)
        raise Refused(BROKEN_EXCEL)
    finally:
        book.close()


def _xlsx_rows(sheet) -> Iterable[tuple]:
    """Every row of a read-only sheet, as wide as its header (plus some): the size the file states is not
    trusted (another program may write a stale one, which would cut rows off) and never computed (that
    would read the whole sheet twice)."""
    width = MAX_COLUMNS
    for row in sheet.iter_rows(min_row=1, max_row=MAX_ROWS + 100, max_col=MAX_COLUMNS, values_only=True):
        if any(not _blank(v) for v in row):
            width = min(MAX_COLUMNS, max(i for i, v in enumerate(row) if not _blank(v)) + 1 + 20)
            break
    yield from sheet.iter_rows(min_row=1, max_row=MAX_ROWS + 100, max_col=width, values_only=True)


def _read_csv(data: bytes) -> Sheet:
    if b"\x00" in data[:4096]:
        raise Refused(BAD_ENCODING)
    for encoding in ("utf-8-sig", "gb18030"):  # Excel's 「CSV UTF-8」, else its Chinese default
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Refused(BAD_ENCODING)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return _split(((reader.line_num, row) for row in reader))
    except csv.Error:
        raise Refused("无法读取该 .csv 文件：格式有误（引号不配对等），请在 Excel 中重新“另存为” .csv 文件")


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    stripped = value.strip()
    return not stripped or (stripped[0] in _INVISIBLE_CHARS and not _tidy(stripped))


def _tidy(text: str) -> str:
    return text.translate(_INVISIBLE).replace("\u3000", " ").strip()


def _header(value: Any) -> str:
    """A header cell as a label: spaces, a required mark (*, （必填）) and line breaks dropped."""
    text = _tidy(str(value)) if value is not None else ""
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"[（(]必填[)）]$", "", text)
    return text.strip("*＊")


# ---------------------------------------------------------------------------------------------
# Cells into values
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Relations: found by what a person types, within the data scope, without a query per row
# ---------------------------------------------------------------------------------------------

def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def key_columns(model: type) -> tuple[list[str], list[str]]:
    """(unique text columns: a code finds one record; name-like text columns: a name may find several)."""
    table = model.__table__
    unique, names = [], []
    mapped = inspect(model).column_attrs
    for prop in mapped:
        column = prop.columns[0]
        if not isinstance(column.type, String) or column.info.get("pinyin_of"):
            continue
        if column.unique:
            unique.append(prop.key)
        elif prop.key in ("name", "title"):
            names.append(prop.key)
    for constraint in table.constraints:  # a one-column UniqueConstraint counts as unique too
        cols = list(getattr(constraint, "columns", []))
        if constraint.__class__.__name__ == "UniqueConstraint" and len(cols) == 1 and isinstance(cols[0].type, String):
            key = next((p.key for p in mapped if p.columns[0] is cols[0]), None)
            if key and key not in unique:
                unique.append(key)
    return unique, names


class Lookups:
    """Related records by typed text, read in chunks per target model, within the login user's scope."""

    def __init__(self, session):
        self.session = session
        self.wanted: dict[tuple[type, str | None], set[str]] = {}
        self.found: dict[tuple[type, str | None], dict[str, list[Any]]] = {}

    def want(self, target: type, by: str | None, value: str) -> None:
        self.wanted.setdefault((target, by), set()).add(value)

    def resolve(self) -> None:
        for (target, by), values in self.wanted.items():
            self.found[(target, by)] = self._read(target, by, values)

    def _query(self, target: type, criterion) -> list[Any]:
        return list(self.session.scalars(select(target).where(criterion, *scope.criteria(target))))

    def _read(self, target: type, by: str | None, values: set[str]) -> dict[str, list[Any]]:
        found: dict[str, list[Any]] = {}

        def add(key: str, record: Any) -> None:
            records = found.setdefault(key, [])
            if record not in records:
                records.append(record)

        if by is not None:
            column = getattr(target, by)
            for chunk in _chunks(sorted(values)):
                for record in self._query(target, column.in_(chunk)):
                    add(str(getattr(record, by)), record)
            return found
        unique, names = key_columns(target)
        strong: dict[str, Any] = {}
        if unique or names:
            for chunk in _chunks(sorted(values)):
                criterion = or_(*[getattr(target, c).in_(chunk) for c in unique + names])
                for record in self._query(target, criterion):
                    for c in unique:
                        value = getattr(record, c)
                        if value in values:
                            strong[value] = record
                    for c in names:
                        value = getattr(record, c)
                        if value in values:
                            add(value, record)
        missing = values - set(strong) - set(found)
        if missing:
            count = self.session.scalar(select(func.count()).select_from(target).where(*scope.criteria(target)))
            if count and count <= SCAN_LIMIT:  # by display name (存放地点 "本部教学楼101")
                for record in self._query(target, inspect(target).primary_key[0].is_not(None)):
                    shown = str(record)
                    if shown in missing:
                        add(shown, record)
        for value, record in strong.items():
            found[value] = [record]  # a code wins over a name that happens to be the same text
        return found

    def get(self, f: Field, value: str) -> tuple[Any, str | None]:
        """(record, None) or (None, the message completing 「列名」…)."""
        records = self.found.get((f.target, f.by), {}).get(value, [])
        if len(records) == 1:
            return records[0], None
        if records:
            unique, _ = key_columns(f.target)
            hint = f"，请改填{'或'.join(introspect.label(f.target, c) for c in unique)}" if unique else ""
            return None, f"「{value}」对应 {len(records)} 条记录，无法确定是哪一条{hint}"
        where = "或不在您的数据范围内" if scope.criteria(f.target) else ""
        return None, f"「{value}」不存在{where}"


def display_key(session, f: Field, record: Any) -> str:
    """What to type to find ``record`` in field ``f`` (the template's example row)."""
    if f.by is not None:
        return str(getattr(record, f.by) or "")
    unique, names = key_columns(f.target)
    for c in names:
        value = getattr(record, c)
        if value:
            count = session.scalar(select(func.count()).select_from(f.target)
                                   .where(getattr(f.target, c) == value, *scope.criteria(f.target)))
            if count == 1:
                return str(value)
    for c in unique:
        if getattr(record, c):
            return str(getattr(record, c))
    return str(record)


# ---------------------------------------------------------------------------------------------
# The outcome
# ---------------------------------------------------------------------------------------------

@dataclass
class Problem:
    row: int | None
    column: str | None  # the header it concerns
    message: str

    @property
    def text(self) -> str:
        if self.row is None:
            return self.message
        if self.column:
            return f"第{self.row}行「{self.column}」{self.message}"
        return f"第{self.row}行：{self.message}"


@dataclass
class Outcome:
    label: str
    headers: list[str] = dc_field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    parents: dict[str, list[int]] = dc_field(default_factory=dict)  # label → [created, updated]
    extra: dict[str, int] = dc_field(default_factory=dict)  # records made by the models' rules (床位 by 床位数)
    problems: list[Problem] = dc_field(default_factory=list)
    created_rows: list[tuple[int, list[str]]] = dc_field(default_factory=list)  # a sample, for the preview
    updated_rows: list[tuple[int, str, list[dict]]] = dc_field(default_factory=list)
    saved: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(row, column, message))

    @property
    def summary(self) -> str:
        text = f"新增 {self.created} 行 / 更新 {self.updated} 行 / 无变化 {self.unchanged} 行"
        for label, (created, updated) in self.parents.items():
            text += f"；{label}：新增 {created} 个，更新 {updated} 个"
        for label, count in self.extra.items():
            text += f"；另按规则自动生成{label} {count} 个"
        return text


@dataclass
class Row:
    number: int
    values: dict[str, Any] = dc_field(default_factory=dict)  # path → value (None: empty cell)
    shown: list[str] = dc_field(default_factory=list)  # the cells as read, for the preview
    failed: bool = False
    record: Any = None
    existing: bool = False
    parents: dict[str, Any] = dc_field(default_factory=dict)
    key: tuple = ()


# ---------------------------------------------------------------------------------------------
# The import
# ---------------------------------------------------------------------------------------------

def _headers(plan: Plan, sheet: Sheet, out: Outcome) -> list[tuple[int, Field]]:
    by_label = {f.label: f for f in plan.fields}
    columns: list[tuple[int, Field]] = []
    seen: dict[str, int] = {}
    unnamed = set()
    for index, raw in enumerate(sheet.headers):
        label = _header(raw)
        if not label:
            unnamed.add(index)
            continue
        if label in seen:
            out.problem(None, None, f"第1行：列名「{label}」出现了两次")
            continue
        seen[label] = index
        f = by_label.get(label)
        if f is None:
            out.problem(None, None, f"第1行：「{label}」不是{plan.label}的列。可以导入的列："
                                    f"{'、'.join(f.label for f in plan.fields)}")
            continue
        columns.append((index, f))
        out.headers.append(label)
    for number, values in sheet.rows:
        stray = next((i for i in unnamed if i < len(values) and not _blank(values[i])), None)
        if stray is not None:
            out.problem(number, None, f"第 {stray + 1} 列有内容，但这一列没有列名")
            break
    present = {f.path for _, f in columns}
    for f in plan.fields:
        if f.path in present:
            continue
        if f in plan.match_fields():
            out.problem(None, None, f"缺少列「{f.label}」（用它查找已有记录，必须有）")
        elif f.required and not f.has_default:
            out.problem(None, None, f"缺少必填列「{f.label}」")
    return columns


def _existing(session, model: type, names: Sequence[str], keys: Iterable[tuple]) -> dict[tuple, Any]:
    """Records of ``model`` whose ``names`` columns hold one of ``keys`` — not limited by scope (a code is
    unique over the whole table); the caller checks the scope of what it found."""
    keys = [k for k in keys if all(v is not None for v in k)]
    if not keys:
        return {}
    mapper = inspect(model)
    columns = []
    for name in names:
        prop = mapper.attrs[name]
        columns.append(list(prop.local_columns)[0] if isinstance(prop, RelationshipProperty) else prop.columns[0])
    found: dict[tuple, Any] = {}
    firsts = sorted({k[0] for k in keys}, key=str)
    others = [sorted({k[i] for k in keys}, key=str) for i in range(1, len(names))]
    for chunk in _chunks(firsts):
        criteria = [columns[0].in_(chunk)]
        criteria += [columns[i + 1].in_(vals) for i, vals in enumerate(others) if len(vals) <= CHUNK]
        for record in session.scalars(select(model).where(*criteria)):
            key = tuple(getattr(record, c.key) for c in columns)
            found[key] = record
    return found


def _in_scope(session, model: type, ids: Iterable[int]) -> set[int]:
    ids = [i for i in ids if i is not None]
    criteria = scope.criteria(model)
    if not criteria:
        return set(ids)
    pk = inspect(model).primary_key[0]
    found: set[int] = set()
    for chunk in _chunks(ids):
        found.update(session.scalars(select(pk).where(pk.in_(chunk), *criteria)))
    return found


def _key_value(value: Any) -> Any:
    return value.id if hasattr(value, "__table__") else value


def _shown_key(values: Sequence[Any]) -> str:
    return " / ".join(formatting.plain(v) if not hasattr(v, "__table__") else str(v) for v in values)


def _discard(session, records: Iterable[Any]) -> None:
    """Forget what a failed row did to the session: a new record leaves it (and its related collections),
    an existing one gets its stored values back."""
    for record in records:
        state = inspect(record)
        if state.persistent:
            session.expire(record)
            continue
        if record in session:
            session.expunge(record)
        for prop in state.mapper.relationships:
            if prop.direction is MANYTOONE and (prop.back_populates or prop.backref) \
                    and state.dict.get(prop.key) is not None:
                setattr(record, prop.key, None)


def run(session, model: type, sheet: Sheet, commit: bool = False) -> Outcome:
    """Check every row of ``sheet`` and write them in one transaction: committed only if ``commit`` and
    no row has an error, else rolled back (the preview). Never raises for bad data."""
    started = time.perf_counter()
    plan = plan_for(model)
    out = Outcome(plan.label)
    try:
        with session.no_autoflush:
            _run(session, plan, sheet, out)
    except Exception:
        session.rollback()
        raise
    if out.ok and commit:
        try:
            session.commit()
            out.saved = True
        except SQLAlchemyError:
            session.rollback()
            log.exception("import commit failed")
            out.problem(None, None, "导入未成功：数据库错误，请稍后重试。所有行均未保存。")
    else:
        session.rollback()
    out.seconds = time.perf_counter() - started
    return out


def _run(session, plan: Plan, sheet: Sheet, out: Outcome) -> None:
    model = plan.model
    columns = _headers(plan, sheet, out)
    if out.problems:
        return
    if not sheet.rows:
        out.problem(None, None, EMPTY)
        return
    present = {f.path for _, f in columns}
    rows: list[Row] = []
    lookups = Lookups(session)

    # 1. Cells into values; relation texts collected.
    for number, values in sheet.rows:
        row = Row(number)
        for index, f in columns:
            raw = values[index] if index < len(values) else None
            if isinstance(raw, str):
                raw = _tidy(raw) or None
            value, message = None, None
            try:
                if f.clean is not None and raw is not None:
                    raw = f.clean(raw)
                    if isinstance(raw, str):
                        raw = _tidy(raw) or None
                value = None if _blank(raw) else convert(f, raw)
            except CellError as error:
                message = str(error)
            except Exception:  # a model's clean() that could not cope
                log.exception("import clean of %s", f.path)
                message = "无法读取"
            row.values[f.path] = value
            row.shown.append("" if raw is None else raw if isinstance(raw, str) else _text_of(raw))
            if message is None and value is None and _required(plan, f):
                message = "不能为空"
            if message is not None:
                out.problem(number, f.label, message)
                row.failed = True
            if value is not None and f.kind == "relation":
                lookups.want(f.target, f.by, value)
        rows.append(row)
    out.rows = len(rows)

    # 2. Relations, read once per target model.
    lookups.resolve()
    relation_fields = [f for _, f in columns if f.kind == "relation"]
    for row in rows:
        for f in relation_fields:
            text = row.values.get(f.path)
            if text is None:
                continue
            record, message = lookups.get(f, text)
            if message:
                out.problem(row.number, f.label, message)
                row.failed = True
            row.values[f.path] = record

    # 3. Parents (a 床位's 房间): found by their match columns, else created once per key.
    for name, spec in plan.parents.items():
        match_fields = plan.parent_match_fields(name)
        keys = {}
        for row in rows:
            if row.failed:
                continue
            keys[row.number] = tuple(_key_value(row.values[f.path]) for f in match_fields)
        found = _existing(session, spec.model, spec.match, keys.values())
        allowed = _in_scope(session, spec.model, [r.id for r in found.values()])
        records: dict[tuple, Any] = {}
        for row in rows:
            if row.failed:
                continue
            key = keys[row.number]
            record = found.get(key)
            if record is not None and record.id not in allowed:
                out.problem(row.number, None, f"{spec.label}「{_shown_key([row.values[f.path] for f in match_fields])}」"
                                              "不在您的数据范围内，不能导入")
                row.failed = True
                continue
            if key not in records:
                records[key] = record if record is not None else spec.model()
            row.parents[name] = records[key]

    # 4. The match key of each row; duplicates within the file.
    match_paths = [f.path for f in plan.match_fields()]
    first_of: dict[tuple, int] = {}
    for row in rows:
        parts = []
        for name in plan.match:
            if name in plan.parents:
                parent = row.parents.get(name)
                parts.append(("parent", id(parent)) if parent is not None and parent.id is None else _key_value(parent))
            else:
                f = next(f for f in plan.fields if f.parent is None and f.name == name)
                parts.append(_key_value(row.values.get(f.path)))
        if any(part is None for part in parts):
            continue
        row.key = tuple(parts)
        if row.key in first_of:
            out.problem(row.number, plan.match_label,
                        f"「{_shown_key([row.values.get(p) for p in match_paths])}」与第{first_of[row.key]}行重复")
            row.failed = True
        else:
            first_of[row.key] = row.number
    existing = _existing(session, model, plan.match,
                         [r.key for r in rows if not r.failed and not any(isinstance(p, tuple) for p in r.key)])
    allowed = _in_scope(session, model, [r.id for r in existing.values()])
    for row in rows:
        if row.failed:
            continue
        record = existing.get(row.key)
        if record is not None and record.id not in allowed:
            out.problem(row.number, plan.match_label,
                        f"「{_shown_key([row.values.get(p) for p in match_paths])}」的记录不在您的数据范围内，不能修改")
            row.failed = True
        row.record, row.existing = record, record is not None

    # Other unique columns (a 工号 is not the match but must not repeat either).
    _check_unique(session, plan, columns, rows, out)

    # 5. Records filled, checked by the model's rules, written: per parent group (or row), in one flush
    #    (or one flush per group, one_by_one).
    groups: dict[tuple, list[Row]] = {}
    for row in rows:
        if not row.failed:
            key = tuple(id(row.parents[n]) for n in plan.parents) if plan.parents else (row.number,)
            groups.setdefault(key, []).append(row)
    touched: list[Row] = []
    mine: set[int] = set()
    prefilled = _prefills(plan, present)
    for group in groups.values():
        if _write_group(session, plan, present, group, out, mine, prefilled):
            touched += [r for r in group if not r.failed]
            if plan.spec.one_by_one and not _flush(session, out, group[0].number, mine):
                return  # the database refused a write: nothing further can be trusted
    if not plan.spec.one_by_one and (session.new or session.dirty) and not _flush(session, out, None, mine):
        return

    # 6. The data scope of what was written.
    allowed = _in_scope(session, model, [r.record.id for r in touched])
    for row in touched:
        if row.record.id not in allowed:
            out.problem(row.number, None, "这条记录不在您的数据范围内（只能导入本部门或本人的记录）")


def _required(plan: Plan, f: Field) -> bool:
    """Whether every row must fill ``f`` (a parent's other columns are filled once per parent)."""
    return f.required and not (f.parent and f.name not in plan.parents[f.parent].match)


def _check_unique(session, plan: Plan, columns, rows: list[Row], out: Outcome) -> None:
    model = plan.model
    for _, f in columns:
        if f.parent or f.kind == "relation" or f.name in plan.match:
            continue
        column = inspect(model).attrs[f.name].columns[0]
        if not column.unique:
            continue
        seen: dict[Any, int] = {}
        for row in rows:
            value = row.values.get(f.path)
            if row.failed or value is None:
                continue
            if value in seen:
                out.problem(row.number, f.label, f"「{formatting.plain(value)}」与第{seen[value]}行重复")
                row.failed = True
            else:
                seen[value] = row.number
        taken: dict[Any, int] = {}
        for chunk in _chunks(list(seen)):
            for value, pk in session.execute(select(column, inspect(model).primary_key[0]).where(column.in_(chunk))):
                taken[value] = pk
        for row in rows:
            value = row.values.get(f.path)
            if row.failed or value is None or value not in taken:
                continue
            if row.record is None or row.record.id != taken[value]:
                out.problem(row.number, f.label, f"「{formatting.plain(value)}」已被其他记录使用")
                row.failed = True


def _holds(record: Any, f: Field, value: Any) -> bool:
    """Whether a loaded record already holds ``value`` in field ``f`` (a relation: by its key, no loading)."""
    if f.kind == "relation":
        key = f.fk_key
        return value is not None and value.id is not None and getattr(record, key) == value.id \
            or value is None and getattr(record, key) is None
    current = getattr(record, f.name)
    return current is value or (current is not None and value is not None and type(current) is type(value)
                                and current == value)


def _changed(record: Any) -> bool:
    """Whether any attribute set on a loaded record (by the row or its before_save) now differs."""
    state = inspect(record)
    return any(get_history(record, key).has_changes() for key in list(state.committed_state))


def _prefills(plan: Plan, present: set[str]) -> dict[str, Any]:
    """Absent columns of new records get the form's prefill (今天, 本部门, 本人 …), worked out once per file."""
    found = {}
    for f in plan.fields:
        if f.parent is None and f.path not in present and f.prefill:
            try:
                value = prefill.value_of(f.prefill)
            except KeyError:
                continue
            if value is not None:
                found[f.name] = value
    return found


def _fill(session, plan: Plan, present: set[str], row: Row, prefilled: dict[str, Any]) -> Any:
    record = row.record if row.existing else plan.model()
    if not row.existing:
        for name, value in prefilled.items():
            setattr(record, name, value)
    for f in plan.fields:
        if f.parent is None and f.path in present:
            value = row.values[f.path]
            if row.existing and _holds(record, f, value):
                continue  # an unchanged record stays clean: nothing to write, nothing to compare
            setattr(record, f.name, value)
    for name, parent in row.parents.items():
        if getattr(record, name) is not parent:
            setattr(record, name, parent)
    row.record = record
    return record


def _fill_parent(plan: Plan, present: set[str], name: str, parent: Any, group: list[Row], out: Outcome) -> None:
    """Parent columns from the group's rows: the first filled cell counts; others must agree."""
    for f in plan.fields:
        if f.parent != name or f.path not in present:
            continue
        value, first = None, None
        for row in group:
            cell = row.values.get(f.path)
            if cell is None:
                continue
            if first is None:
                value, first = cell, row
            elif cell != value:
                out.problem(row.number, f.label, f"与第{first.number}行不一致（同一{plan.parents[name].label}只能填一个值）")
                row.failed = True
        if first is not None:
            if getattr(parent, f.name) != value:
                setattr(parent, f.name, value)
        elif parent.id is None and f.required and not f.has_default:
            out.problem(group[0].number, f.label, "不能为空")
            group[0].failed = True


def _write_group(session, plan: Plan, present: set[str], group: list[Row], out: Outcome, mine: set[int],
                 prefilled: dict[str, Any]) -> bool:
    """Fill, check and add one parent group (or one row). True if it may be written."""
    parents = {name: group[0].parents[name] for name in plan.parents if name in group[0].parents}
    for name, parent in parents.items():
        _fill_parent(plan, present, name, parent, group, out)
    live = [r for r in group if not r.failed]
    for row in live:
        _fill(session, plan, present, row, prefilled)
    parents_in_play = [p for p in parents.values()
                       if p.id is None or session.is_modified(p) or any(not r.existing for r in live)]
    failed = False
    try:
        for row in live:
            row.record.before_save()
        for parent in parents_in_play:
            parent.before_save()
        for row in live:
            for name, message in row.record.validate().items():
                out.problem(row.number, plan.label_of(plan.model, name), message)
                row.failed = failed = True
        for parent in parents_in_play:
            first = group[0]
            for name, message in parent.validate().items():
                out.problem(first.number, plan.label_of(type(parent), name), message)
                failed = True
    except Exception:  # a model rule that could not cope with this row
        log.exception("import rules of %s", plan.model.__name__)
        out.problem(group[0].number, None, "该行数据无法检查，请核对后重试")
        failed = True
    if failed or any(r.failed for r in group):
        _discard(session, [r.record for r in group if r.record is not None] + list(parents.values()))
        for row in group:
            if not row.existing:
                row.record = None
        return False
    for row in live:
        if row.existing:
            changes = audit.changes_of(session, row.record) if _changed(row.record) else []
            if changes:
                out.updated += 1
                if len(out.updated_rows) < SHOWN_ROWS:
                    out.updated_rows.append((row.number, audit.display_name(row.record), changes))
            else:
                out.unchanged += 1
                if not parents:
                    session.expunge(row.record)  # nothing to write: out of the flush (10,000 unchanged rows)
        else:
            out.created += 1
            if len(out.created_rows) < SHOWN_ROWS:
                out.created_rows.append((row.number, row.shown))
            session.add(row.record)
    for name, parent in parents.items():
        counts = out.parents.setdefault(plan.parents[name].label, [0, 0])
        if parent.id is None:
            counts[0] += 1
        elif session.is_modified(parent):
            counts[1] += 1
    mine.update(id(r.record) for r in live)
    mine.update(id(p) for p in parents.values())
    return True


def _flush(session, out: Outcome, row: int | None, mine: set[int]) -> bool:
    """Number and write what is pending; records the rows did not name (床位 made by 床位数) are counted."""
    try:
        for record in list(session.new):
            if id(record) not in mine:
                label = getattr(getattr(record, "__admin__", None), "label", "")
                if label:
                    out.extra[label] = out.extra.get(label, 0) + 1
            numbering.assign(session, record)
        session.flush()
        return True
    except StaleDataError:
        message = "记录已被他人修改，请重新上传"
    except IntegrityError as error:
        log.info("import integrity error: %s", error.orig)
        message = "与已有记录冲突（编号重复或关联的记录不存在）"
    except SQLAlchemyError:
        log.exception("import flush failed")
        message = "数据库错误，请稍后重试"
    session.rollback()
    where = f"第{row}行：" if row is not None else ""
    out.problem(None, None, f"{where}{message}。所有行均未保存。")
    return False


# ---------------------------------------------------------------------------------------------
# The template
# ---------------------------------------------------------------------------------------------

def describe(f: Field) -> str:
    """How to fill a column, in words."""
    if f.kind == "text":
        text = f"文字，最多 {f.length} 个字" if f.length else "文字"
    elif f.kind == "int":
        text = "整数"
    elif f.kind == "decimal":
        text = f"数字，最多 {f.scale} 位小数" if f.scale else "整数"
    elif f.kind == "date":
        text = "日期，例如 2026-09-01 或 2026/9/1"
    elif f.kind == "datetime":
        text = "日期时间，例如 2026-09-01 08:30"
    elif f.kind == "bool":
        text = "是 或 否"
    elif f.kind == "choice":
        text = f"可选：{'、'.join(m.value for m in f.choices)}"
    else:
        target = getattr(getattr(f.target, "__admin__", None), "label", "")
        if f.by:
            text = f"填写已有{target}的{introspect.label(f.target, f.by)}"
        else:
            unique, names = key_columns(f.target)
            ways = [introspect.label(f.target, c) for c in names + unique] or ["名称"]
            text = f"填写已有{target}的{'或'.join(dict.fromkeys(ways))}"
    if f.help:
        text += f"。{f.help}"
    return text


def example_values(session, plan: Plan) -> tuple[list[Any], Any]:
    """One example row: the newest record the user may see (re-imported unchanged), else made-up values."""
    model = plan.model
    record = session.scalars(select(model).where(*scope.criteria(model))
                             .order_by(inspect(model).primary_key[0].desc()).limit(1)).first()
    values = []
    for f in plan.fields:
        holder = record
        if record is not None and f.parent:
            holder = getattr(record, f.parent)
        if record is not None:
            value = getattr(holder, f.name) if holder is not None else None
            if f.kind == "relation" and value is not None:
                value = display_key(session, f, value)
        else:
            value = _made_up(session, f)
        if isinstance(value, Choice):
            value = value.value
        elif isinstance(value, bool):
            value = "是" if value else "否"
        values.append(value)
    return values, record


def _made_up(session, f: Field) -> Any:
    if f.kind == "relation":
        first = session.scalars(select(f.target).where(*scope.criteria(f.target)).limit(1)).first()
        return display_key(session, f, first) if first is not None else None
    if f.kind == "choice":
        return next(iter(f.choices)).value
    if f.kind == "bool":
        return "否"
    if f.kind in ("date", "datetime"):
        from app.meta import clock

        return clock.today()
    if f.kind in ("int", "decimal"):
        return 1
    return f"示例{f.label}"[: f.length or 100]


def template_workbook(session, plan: Plan) -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "导入数据"
    values, record = example_values(session, plan)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, (f, value) in enumerate(zip(plan.fields, values), start=1):
        letter = get_column_letter(index)
        head = sheet.cell(row=1, column=index, value=f.label)
        head.fill = fill
        head.alignment = Alignment(horizontal="center")
        required = _required(plan, f)
        head.font = Font(bold=True, color="C00000" if required else "000000")
        head.comment = Comment(("必填。" if required else "") + describe(f), "学校后勤管理系统")
        cell = sheet.cell(row=2, column=index, value=value)
        if f.kind == "text" or f.kind == "relation":
            cell.data_type = "s"  # a code like 001 or =1 stays text
            cell.number_format = "@"
        elif f.kind == "date":
            cell.number_format = "yyyy-mm-dd"
        elif f.kind == "datetime":
            cell.number_format = "yyyy-mm-dd hh:mm"
        width = max(len(f.label) * 2 + 4, len(str(value or "")) + 4, 10)
        sheet.column_dimensions[letter].width = min(width, 40)
        words = (["是", "否"] if f.kind == "bool" else
                 [m.value for m in f.choices] if f.kind == "choice" else None)
        if words and len(",".join(words)) < 250:
            check = DataValidation(type="list", formula1='"' + ",".join(words) + '"', allow_blank=True,
                                   showErrorMessage=True, errorTitle="输入有误",
                                   error=f"「{f.label}」只能是 {options(words)}")
            check.add(f"{letter}2:{letter}{MAX_ROWS}")
            sheet.add_data_validation(check)
    sheet.freeze_panes = "A2"

    notes = book.create_sheet("填写说明")
    notes.append(["列名", "必填", "填写说明"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
        cell.fill = fill
    for f in plan.fields:
        required = _required(plan, f)
        notes.append([f.label, "是" if required else "", describe(f)])
    notes.append([])
    for line in guide(plan, record):
        notes.append([line])
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 8
    notes.column_dimensions["C"].width = 90
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def guide(plan: Plan, record: Any = None) -> list[str]:
    """The rules of this import, in sentences (template and import page)."""
    lines = [
        "第 1 行是列名（与系统中的字段名一致），从第 2 行起每行一条记录；列的顺序可以调整，不需要的非必填列可以删除。",
        f"按「{plan.match_label}」查找已有记录：已有的按表格内容更新，没有的新增；同一文件重复导入不会重复登记。",
        "有任何一行出错时，整个文件都不会导入；请按提示改正后重新上传。",
    ]
    for spec in plan.parents.values():
        lines.append(f"{spec.label}按「{'+'.join(plan.label_of(spec.model, n) for n in spec.match)}」查找，"
                     f"不存在时自动新建；同一{spec.label}的多行，{spec.label}的其他信息填一次即可，填多次须一致。")
    if record is not None:
        lines.append(f"模板第 2 行取自现有记录「{audit.display_name(record)}」作为示例，原样导入不会改变它；请改写或删除该行。")
    else:
        lines.append("模板第 2 行是示例（取自一条现有记录时，原样导入不会改变它），导入前请改写或删除该行。")
    return lines


# ---------------------------------------------------------------------------------------------
# The uploaded file between preview and import
# ---------------------------------------------------------------------------------------------

def folder() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def keep_seconds() -> float:
    return float(current_app.config.get("IMPORT_KEEP_MINUTES", DEFAULT_KEEP_MINUTES)) * 60


def max_mb() -> float:
    return float(current_app.config.get("IMPORT_MAX_MB", DEFAULT_MAX_MB))


def max_bytes() -> int:
    return int(max_mb() * 1024 * 1024)


def sweep() -> None:
    """Remove files left by previews nobody confirmed."""
    limit = time.time() - keep_seconds()
    for path in folder().iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove old import file %s", path)


def keep(data: bytes, ext: str, model: type, user_id: int, original: str) -> str:
    token = secrets.token_hex(16)
    base = folder()
    (base / f"{token}.{ext}").write_bytes(data)
    note = {"user": user_id, "model": model.__name__, "ext": ext, "name": original, "time": time.time()}
    (base / f"{token}.json").write_text(json.dumps(note, ensure_ascii=False), encoding="utf-8")
    return token


def kept(token: str, model: type, user_id: int, claim: bool = False) -> tuple[bytes, str, str] | None:
    """(data, extension, original name) of a file this user uploaded for this model, if still kept.

    ``claim``: taken for the import — a second confirm of the same file (a double click) finds nothing."""
    if not TOKEN.fullmatch(token or ""):
        return None
    base = folder()
    try:
        note = json.loads((base / f"{token}.json").read_text(encoding="utf-8"))
        if note.get("user") != user_id or note.get("model") != model.__name__ or note.get("ext") not in EXTENSIONS:
            return None
        if time.time() - float(note.get("time", 0)) > keep_seconds():
            forget(token)
            return None
        if claim:
            os.rename(base / f"{token}.json", base / f"{token}.claimed")  # atomic: only one confirm gets it
        return (base / f"{token}.{note['ext']}").read_bytes(), note["ext"], str(note.get("name") or "")
    except (OSError, ValueError):
        return None


def forget(token: str) -> None:
    if not TOKEN.fullmatch(token or ""):
        return
    for ext in EXTENSIONS + ("json", "claimed"):
        try:
            (folder() / f"{token}.{ext}").unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove import file %s", token)


def original_name(filename: str | None) -> str:
    raw = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in raw if ch.isprintable()).strip()[:100] or "导入文件"


# ---------------------------------------------------------------------------------------------
# The pages
# ---------------------------------------------------------------------------------------------

class ImportView(BaseView):
    """导入 for one model: the page, the template, the preview, the import. Needs the model's "add"."""

    default_view = "index"
    model: type = None  # set per model by register()
    list_endpoint = ""
    # FAB's add_permissions_view deletes every permission of a view-menu name that the last view registered
    # under it does not list: this view shares the model's name, so it lists all of the model's permissions.
    base_permissions = sorted({"can_read", "can_add", "can_edit", "can_delete"})
    method_permission_name = {"index": "add", "template": "add", "preview": "add", "confirm": "add",
                              "cancel": "add"}

    @property
    def plan(self) -> Plan:
        return plan_for(self.model)

    def _page(self, **kwargs):
        plan = self.plan
        kwargs.setdefault("outcome", None)
        kwargs.setdefault("error", None)
        return self.render_template(
            "engine/import.html", title=f"导入{plan.label}", plan=plan, describe=describe,
            guide=guide(plan), list_url=url_for(f"{self.list_endpoint}.list"), endpoint=self.__class__.__name__,
            max_mb=f"{max_mb():g}", shown_errors=SHOWN_ERRORS, shown_rows=SHOWN_ROWS,
            required=lambda f: _required(plan, f), **kwargs)

    @expose("/")
    @has_access
    def index(self):
        return self._page()

    @expose("/template")
    @has_access
    def template(self):
        from app.extensions import db

        data = template_workbook(db.session, self.plan)
        db.session.rollback()
        return send_file(io.BytesIO(data), as_attachment=True, download_name=f"{self.plan.label}导入模板.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", max_age=0)

    @expose("/preview", methods=["POST"])
    @has_access
    def preview(self):
        from flask_login import current_user

        from app.extensions import db

        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return self._page(error=NO_FILE)
        data = upload.stream.read(max_bytes() + 1)
        if len(data) > max_bytes():
            return self._page(error=f"文件不能超过 {max_mb():g} MB")
        ext = extension_of(upload.filename)
        try:
            sheet = read(data, ext)
        except Refused as refused:
            return self._page(error=str(refused))
        ext = "xlsx" if data[:4] == b"PK\x03\x04" else "csv"
        sweep()
        outcome = run(db.session, self.model, sheet, commit=False)
        token = keep(data, ext, self.model, current_user.id, original_name(upload.filename)) if outcome.ok else None
        return self._page(outcome=outcome, token=token, filename=original_name(upload.filename))

    @expose("/confirm", methods=["POST"])
    @has_access
    def confirm(self):
        from flask_login import current_user

        from app.extensions import db

        token = request.form.get("token", "")
        found = kept(token, self.model, current_user.id, claim=True)
        if found is None:
            flash(EXPIRED, "warning")
            return redirect(url_for(f"{self.__class__.__name__}.index"))
        data, ext, name = found
        try:
            sheet = read(data, ext)
        except Refused as refused:
            forget(token)
            return self._page(error=str(refused))
        outcome = run(db.session, self.model, sheet, commit=True)
        forget(token)
        if not outcome.saved:
            return self._page(outcome=outcome, token=None, filename=name,
                              error="导入未成功，所有行均未保存：数据在预览之后有了变化，请按下列提示修改后重新上传")
        flash(f"导入完成：{outcome.summary}", "success")
        return redirect(url_for(f"{self.list_endpoint}.list"))

    @expose("/cancel", methods=["POST"])
    @has_access
    def cancel(self):
        from flask_login import current_user

        token = request.form.get("token", "")
        if kept(token, self.model, current_user.id) is not None:
            forget(token)
        flash("已取消导入，没有保存任何数据", "info")
        return redirect(url_for(f"{self.list_endpoint}.list"))


def import_url(view_name: str | None) -> str | None:
    """The 导入 button's address on a list page, for users who may add records of its model; else None."""
    if not view_name:
        return None
    views = current_app.extensions.get("engine_imports", {})
    entry = views.get(view_name)
    if entry is None:
        return None
    model, endpoint = entry
    sm = current_app.appbuilder.sm
    if not sm.has_access("can_add", model.__name__):
        return None
    return url_for(f"{endpoint}.index")


def register(app, appbuilder, engine) -> None:
    """An import page per model declaring ``imports=``, and the ``import_url`` template global."""
    registered = {}
    for model, view in engine.views.items():
        if not importable(model):
            continue
        plan_for(model)  # a misdeclared import fails here, at start-up
        view_class = type(f"{model.__name__}Import", (ImportView,), {
            "model": model,
            "route_base": f"/{model.__tablename__.replace('_', '-')}/import",
            "class_permission_name": model.__name__,
            "list_endpoint": view.__class__.__name__,
        })
        appbuilder.add_view_no_menu(view_class)
        registered[view.__class__.__name__] = (model, view_class.__name__)
    app.extensions["engine_imports"] = registered
    app.jinja_env.globals["import_url"] = import_url
