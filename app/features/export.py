"""Export of what a list shows — the same rows, columns, Chinese headers and values — as .xlsx or CSV.

The rows are the list's own: its search filters (``_flt_*``), quick filter (``_qf``), order and base filters
(the data scope), without paging. They are read from the database in batches (``yield_per``) and written out as
they come, so memory stays flat whatever the row count. Where every column is a table column of the model or a
many-to-one relation, only those columns are selected (plain rows, no records built), converted a column at a
time, and each related record is read once per export, by key, for its name; otherwise the records are loaded
with their shown relations per batch. CSV (UTF-8 with BOM, so that Excel reads Chinese) is streamed straight to
the browser; .xlsx is written by openpyxl's write-only workbook into a temporary file, which is then streamed.

Text cells beginning with = + - @ (or tab / carriage return) are prefixed with a single quote, so that a
spreadsheet never runs them as formulas; numbers stay numbers.
"""
from __future__ import annotations

import csv
import enum
import io
import logging
import re
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from itertools import repeat
from typing import Any, Callable, Iterable, Iterator, Sequence
from urllib.parse import quote

from flask import Response, flash, redirect, request, stream_with_context, url_for
from flask_appbuilder.exceptions import FABException
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.urltools import get_filter_args, get_order_args
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy import Column as TableColumn
from sqlalchemy import Enum as SAEnum
from sqlalchemy import Float, Numeric, type_coerce
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ColumnProperty, RelationshipProperty
from sqlalchemy.orm.interfaces import MANYTOONE
from sqlalchemy.types import NullType
from werkzeug.wsgi import wrap_file

from app.meta import clock, formatting, introspect

log = logging.getLogger(__name__)

BATCH_SIZE = 1000  # rows per database fetch (and per relation-loading statement)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"

MONEY_FORMAT = '"¥"#,##0.00'
NUMBER_FORMATS = {"money": MONEY_FORMAT, "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
FAILED = "导出未成功：查询条件无法使用，请修改后重试"


# ----------------------------------------------------------------- values
def neutralise(text: str) -> str:
    """A text a spreadsheet could run as a formula gets a leading single quote."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


READ_FROM_TEXT = ("money", "upload", "bool")  # kinds whose values are converted (the others show them as they are)
SHOWN_AS_THEY_ARE = (str, int, float, date)  # exactly these classes (not bool, not datetime)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Column:
    """One exported column: the attribute the list shows, its header and how its values are written."""

    name: str
    label: str
    kind: str  # money | date | datetime | bool | upload | number | text

    def value(self, raw: Any) -> Any:
        """The value as the list shows it, typed: numbers, dates, or text (never neutralised here)."""
        if raw.__class__ in SHOWN_AS_THEY_ARE and self.kind not in READ_FROM_TEXT:  # the commonest values
            return raw if raw != "" else None
        if raw is None or raw == "":
            return None
        if self.kind == "money":
            try:
                return (raw if raw.__class__ is Decimal else Decimal(str(raw))).quantize(CENT)
            except (InvalidOperation, ValueError):
                return str(raw)
        if self.kind == "upload":
            from app.features.uploads import split

            return split(raw)[1] or None
        if isinstance(raw, bool) or self.kind == "bool":
            return formatting.yes_no(raw)
        if isinstance(raw, datetime):
            return raw.astimezone(clock.zone()).replace(tzinfo=None) if raw.tzinfo else raw.replace(microsecond=0)
        if isinstance(raw, date):
            return raw
        if is_number(raw):
            return raw
        if isinstance(raw, enum.Enum):
            return str(raw.value)
        return formatting.plain(raw)


def _kind(model: type, name: str) -> str:
    fmt = introspect.display_format(model, name)
    if fmt in ("money", "date", "datetime", "bool", "upload"):
        return fmt
    prop = sa_inspect(model).attrs.get(name) if "." not in name else None
    columns = getattr(prop, "columns", None)
    if columns is not None:
        try:
            python_type = columns[0].type.python_type
        except NotImplementedError:
            python_type = None
        if python_type in (int, float, Decimal):
            return "number"
    return "text"


def columns_of(model: type, names: Iterable[str], labels: dict[str, str]) -> list[Column]:
    return [Column(n, labels.get(n) or introspect.label(model, n), _kind(model, n)) for n in names]


def csv_text(value: Any, column: Column | None = None) -> str:
    if value.__class__ is str:
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if value is None:
        return ""
    if isinstance(value, Decimal) and column is not None and column.kind == "money":
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return formatting.moment(value)
    if isinstance(value, date):
        return value.isoformat()
    if is_number(value):
        return str(value)
    return neutralise(str(value))


def xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", neutralise(value))
    return value


# ----------------------------------------------------------------- rows
def batched(query, size: int | None = None) -> Iterator[list]:
    """The query's records, ``size`` at a time, fetched as they are consumed (never the whole result)."""
    batch: list = []
    for record in query.yield_per(size or BATCH_SIZE):
        batch.append(record)
        if len(batch) >= (size or BATCH_SIZE):
            yield batch
            batch = []
    if batch:
        yield batch


def rows(query, columns: list[Column], read: Callable[[Any, str], Any]) -> Iterator[list[list]]:
    """Batches of rows of typed values, one list per record, in the columns' order."""
    for batch in batched(query, BATCH_SIZE):
        yield [[column.value(read(record, column.name)) for column in columns] for record in batch]


@dataclass(frozen=True)
class Source:
    """Where a column's value comes from in a plain row: a table column, or a many-to-one relation's key (with
    the related model, whose records are read by that key)."""

    attribute: Any
    related: type | None = None


def plain_sources(model: type, columns: list[Column]) -> list[Source] | None:
    """How to read every column from plain rows, or None when some column needs the record itself (a computed
    value, a dotted path, a to-many relation)."""
    mapper = sa_inspect(model)
    sources = []
    for column in columns:
        prop = mapper.attrs.get(column.name) if "." not in column.name else None
        if isinstance(prop, ColumnProperty) and len(prop.columns) == 1 \
                and isinstance(prop.columns[0], TableColumn) and prop.columns[0].table is model.__table__:
            sources.append(Source(getattr(model, column.name)))
        elif isinstance(prop, RelationshipProperty) and prop.direction is MANYTOONE and len(prop.local_columns) == 1:
            related = prop.mapper.class_
            remote = list(prop.remote_side)
            if len(remote) != 1 or remote[0] is not sa_inspect(related).primary_key[0]:
                return None
            key = mapper.get_property_by_column(list(prop.local_columns)[0]).key
            sources.append(Source(getattr(model, key), related))
        else:
            return None
    return sources


# A plain row's values are converted a column at a time, a batch at a time: each column's converter takes the
# batch's values of that column and gives what the file holds. The common columns convert with C-level maps, or
# not at all; a batch holding a value the fast converter does not expect goes value by value through
# ``Column.value`` and the file's own conversion (``csv_cell``/``xlsx_cell``), so the file is the one the
# records give.
Convert = Callable[[Sequence], Sequence]
Cell = Callable[[Any], Any]
NONE = type(None)
RISKY_START = re.compile(r"(?:\A|\n)[=+\-@\t\r]")  # FORMULA_STARTS, in a column's values joined by newlines


def csv_cell(column: Column) -> Cell:
    """One value of the column as the CSV holds it."""
    return lambda raw: csv_text(column.value(raw), column)


def xlsx_cell(column: Column) -> Cell:
    """One value of the column as the workbook holds it."""
    return lambda raw: xlsx_value(column.value(raw))


CELLS = {"csv": csv_cell, "xlsx": xlsx_cell}


def _each(cell: Cell) -> Convert:
    return lambda values: list(map(cell, values))


def _when(classes: set, fast: Convert, cell: Cell) -> Convert:
    """``fast`` for a batch whose values are all of ``classes``, else value by value."""
    return lambda values: fast(values) if set(map(type, values)) <= classes else list(map(cell, values))


def _csv_text(values):
    if RISKY_START.search("\n".join(filter(None, values))) is None:
        return values  # "" and None are both written blank
    return ["'" + v if v and v.startswith(FORMULA_STARTS) else v for v in values]


def _xlsx_text(cell: Cell) -> Convert:
    def convert(values):
        joined = "\n".join(filter(None, values))
        if RISKY_START.search(joined) is not None or ILLEGAL_CHARACTERS_RE.search(joined) is not None:
            return list(map(cell, values))
        return [v or None for v in values] if "" in values else values  # an empty text is no cell at all
    return convert


def _csv_money(values):
    """Two decimals. Read without SQLAlchemy's Decimal: the driver's float or int (SQLite) gives the text
    SQLAlchemy's Decimal("%.2f" % value) would; a Decimal (PostgreSQL) is the same Decimal."""
    if None in values:
        return [None if v is None else format(v, ".2f") for v in values]
    return list(map(format, values, repeat(".2f")))


def _xlsx_money(values):
    if None in values:
        return [None if v is None else v.quantize(CENT) for v in values]
    return list(map(Decimal.quantize, values, repeat(CENT)))


def _csv_date(values):
    if None in values:
        return [None if v is None else v.isoformat() for v in values]
    return list(map(date.isoformat, values))


def _unchanged(values):
    return values


class _Lookup:
    """A column of a few distinct values (a relation's key, an enum's stored name), each converted once per
    export, when a batch first holds it."""

    def __init__(self, convert_new: Callable[[set], dict]):
        self.known: dict = {None: None}
        self.convert_new = convert_new

    def __call__(self, values):
        wanted = set(values) - self.known.keys()
        if wanted:
            self.known.update(self.convert_new(wanted))
        return list(map(self.known.__getitem__, values))


def _related(session, model: type, cell: Cell) -> _Lookup:
    """The related records of a batch's new keys, read in one statement."""
    pk = sa_inspect(model).primary_key[0]

    def convert_new(keys: set) -> dict:
        found = {getattr(record, pk.key): cell(record) for record in session.query(model).filter(pk.in_(keys))}
        return {key: found.get(key) for key in keys}  # a key naming no record shows blank, as the relation would
    return _Lookup(convert_new)


def _converter(column: Column, source: Source, target: str, session) -> tuple[Any, Convert]:
    """What to select for the column and how to convert a batch of its values."""
    cell = CELLS[target](column)
    if source.related is not None:
        return source.attribute, _related(session, source.related, cell)
    sa_type = source.attribute.property.columns[0].type
    try:
        python_type = sa_type.python_type
    except NotImplementedError:
        python_type = None
    csv = target == "csv"
    dialect = session.get_bind().dialect
    unprocessed = type_coerce(source.attribute, NullType())  # the driver's value, as SQLAlchemy receives it
    if isinstance(sa_type, SAEnum) and sa_type.enum_class is not None:
        member = sa_type.result_processor(dialect, None)
        return unprocessed, _Lookup(lambda names: {name: cell(member(name)) for name in names})
    if column.kind == "text" and python_type is str:
        return source.attribute, _when({str, NONE}, _csv_text if csv else _xlsx_text(cell), cell)
    if column.kind == "number" and python_type in (int, float, Decimal):
        return source.attribute, _when({int, float, Decimal, NONE}, _unchanged, cell)
    if column.kind == "money" and isinstance(sa_type, Numeric) and not isinstance(sa_type, Float) \
            and sa_type.asdecimal and csv and not dialect.supports_native_decimal:
        to_decimal = sa_type.result_processor(dialect, None)
        return unprocessed, _when({float, int, Decimal, NONE}, _csv_money, lambda raw: cell(to_decimal(raw)))
    if column.kind == "money" and isinstance(sa_type, Numeric):
        return source.attribute, _when({Decimal, NONE}, _csv_money if csv else _xlsx_money, cell)
    if column.kind == "date" and python_type is date:
        return source.attribute, _when({date, NONE}, _csv_date if csv else _unchanged, cell)
    return source.attribute, _each(cell)


def plain_rows(query, columns: list[Column], sources: list[Source], target: str) -> Iterator[Iterable[tuple]]:
    """Batches of rows from the selected columns alone, as the target file ("csv" or "xlsx") holds them. A batch
    is an iterator, each row made as it is written (no row tuples pile up for the garbage collector). Each related
    record is read once (per batch of new keys) and its value kept for the rest of the export (a school has a
    few hundred departments, places and people)."""
    session = query.session
    selected, converters = zip(*(_converter(c, s, target, session) for c, s in zip(columns, sources)))
    statement = query.with_entities(*selected).statement
    result = session.connection().execute(statement.execution_options(yield_per=BATCH_SIZE))
    for batch in result.partitions():
        yield zip(*[convert(values) for convert, values in zip(converters, zip(*batch))])


def file_rows(batches: Iterable[list[list]], columns: list[Column], target: str) -> Iterator[list[list]]:
    """Rows of typed values (``rows``) as the target file holds them."""
    if target == "csv":
        for batch in batches:
            yield [[csv_text(v, c) for v, c in zip(row, columns)] for row in batch]
    else:
        for batch in batches:
            yield [[xlsx_value(v) for v in row] for row in batch]


def csv_chunks(columns: list[Column], batches: Iterable[Iterable[Sequence]]) -> Iterator[bytes]:
    """The CSV file: BOM and header first, then one chunk per batch of rows (as ``file_rows`` gives them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([neutralise(c.label) for c in columns])
    for batch in batches:
        writer.writerows(batch)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    tail = buffer.getvalue()
    if tail:
        yield tail.encode("utf-8")


def display_width(text: str) -> int:
    """Characters as wide as Excel draws them: a Chinese character counts two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _column_width(column: Column) -> float:
    by_kind = {"money": 14, "date": 12, "datetime": 17, "number": 10, "bool": 8}
    return min(max(display_width(column.label) + 4, by_kind.get(column.kind, 18)), 50)


def write_xlsx(columns: list[Column], batches: Iterable[list[list]], sheet_title: str):
    """A write-only workbook of rows of typed values, saved into a temporary file (returned at position 0)."""
    return xlsx_file(columns, file_rows(batches, columns, "xlsx"), sheet_title)


def xlsx_file(columns: list[Column], batches: Iterable[Iterable[Sequence]], sheet_title: str):
    """A write-only workbook of rows as ``file_rows`` gives them, saved into a temporary file (at position 0)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(sheet_title or "导出"))
    for index, column in enumerate(columns, 1):
        sheet.column_dimensions[_letter(index)].width = _column_width(column)
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=xlsx_value(column.label))
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        header.append(cell)
    sheet.append(header)
    # One styled cell per formatted column, refilled for every row (each row is written out at once).
    styled = []
    for index, column in enumerate(columns):
        if column.kind in NUMBER_FORMATS:
            cell = WriteOnlyCell(sheet)
            cell.number_format = NUMBER_FORMATS[column.kind]
            styled.append((index, cell))
    for batch in batches:
        for row in batch:
            if styled:
                row = list(row)
                for index, cell in styled:
                    value = row[index]
                    if value is not None and not isinstance(value, str):
                        cell.value = value
                        row[index] = cell
            sheet.append(row)
    target = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(target)
    target.seek(0)
    return target


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _sheet_title(title: str) -> str:
    cleaned = "".join("_" if ch in '[]:*?/\\' else ch for ch in title).strip("'")
    return (cleaned or "导出")[:31]


# ----------------------------------------------------------------- responses
def filename(label: str, extension: str, suffix: str | None = None) -> str:
    """资产卡片-20261121.xlsx"""
    return f"{label}-{suffix or clock.today().strftime('%Y%m%d')}.{extension}"


def content_disposition(name: str) -> str:
    """The Chinese name as RFC 5987 ``filename*``, with an ASCII ``filename`` for old clients."""
    stem, _, extension = name.rpartition(".")
    fallback = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "" for ch in stem).strip("-_")
    fallback = f"{fallback or clock.today().strftime('%Y%m%d')}.{extension}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _no_store(response: Response, name: str) -> Response:
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def file_response(handle, name: str, mimetype: str = XLSX_MIMETYPE) -> Response:
    """Stream an open (temporary) file and close it at the end."""
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    handle.seek(0)
    response = Response(wrap_file(request.environ, handle), mimetype=mimetype, direct_passthrough=True)
    response.content_length = size
    return _no_store(response, name)


def csv_response(chunks: Iterator[bytes], name: str) -> Response:
    return _no_store(Response(stream_with_context(chunks), mimetype=CSV_MIMETYPE), name)


# ----------------------------------------------------------------- a list view's export
def list_query(view, load_relations: bool = True):
    """The query of the view's list page for this request: filters, quick filter, order, scope; no paging
    (and, unless ``load_relations`` is False, the shown relations loaded with each batch of records)."""
    get_filter_args(view._filters)
    filters = view.with_list_conditions(view._filters).get_joined_filters(view._base_filters)
    order = get_order_args().get(view.__class__.__name__)
    if order and order[0] in view.order_columns:
        order_column, order_direction = order
    else:
        order_column, order_direction = view.base_order or ("", "")
    datamodel = view.datamodel
    query = datamodel.session.query(datamodel.obj)
    if not load_relations:
        return SQLAInterface.apply_all(datamodel, query, filters, order_column, order_direction)
    return datamodel.apply_all(query, filters, order_column, order_direction)


def list_rows(view, columns: list[Column], target: str) -> Iterator[Iterable[Sequence]]:
    """The list's rows for this request as the target file ("csv" or "xlsx") holds them, from plain rows where
    the columns allow, else from the records."""
    sources = plain_sources(view.datamodel.obj, columns)
    if sources is not None:
        return plain_rows(list_query(view, load_relations=False), columns, sources, target)
    return file_rows(rows(list_query(view), columns, view.datamodel._get_attr_value), columns, target)


def export_list(view, kind: str) -> Response:
    """The view's list, as shown to this user, as a download (kind: "xlsx" or "csv")."""
    datamodel = view.datamodel
    columns = columns_of(datamodel.obj, view.list_columns, view.label_columns)
    name = filename(view.entity_label or datamodel.obj.__name__, kind)
    try:
        if kind == "xlsx":
            handle = xlsx_file(columns, list_rows(view, columns, "xlsx"), view.entity_label)
        else:
            list_query(view)  # a filter that cannot apply is reported here, not in half a file
    except (FABException, SQLAlchemyError):
        log.exception("export failed")
        datamodel.session.rollback()
        flash(FAILED, "warning")
        return redirect(url_for(f"{view.endpoint}.list"))
    if kind == "xlsx":
        return file_response(handle, name)
    return csv_response(csv_chunks(columns, _rows_when_sent(view, columns)), name)


def _rows_when_sent(view, columns: list[Column]) -> Iterator[Iterable[Sequence]]:
    """The rows, queried only while the response is sent: Flask ends the request's database session when
    the view returns, and stream_with_context brings the request back (with a new session) for the body."""
    yield from list_rows(view, columns, "csv")
