"""Which columns a model imports (checked once, at start-up), the header row mapped onto them, and the template."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, String, Text, inspect
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import RelationshipProperty
from sqlalchemy.orm.interfaces import MANYTOONE

from app.declare.admin import Import
from app.declare.entity import Choice
from app.features.imports.cells import _blank, _tidy, options
from app.features.imports.outcome import Outcome
from app.features.imports.reading import MAX_ROWS, Sheet
from app.features.imports.relations import display_key, key_columns
from app.meta import introspect
from app.rules import audit, read

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


def _required(plan: Plan, f: Field) -> bool:
    """Whether every row must fill ``f`` (a parent's other columns are filled once per parent)."""
    return f.required and not (f.parent and f.name not in plan.parents[f.parent].match)


# ---------------------------------------------------------------------------------------------
# The header row
# ---------------------------------------------------------------------------------------------

def _header(value: Any) -> str:
    """A header cell as a label: spaces, a required mark (*, （必填）) and line breaks dropped."""
    text = _tidy(str(value)) if value is not None else ""
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"[（(]必填[)）]$", "", text)
    return text.strip("*＊")


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
    record = session.scalars(read.select(model)
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
        first = session.scalars(read.select(f.target).limit(1)).first()
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
