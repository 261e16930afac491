"""The declarative vocabulary models are written in.

A column carries its own Chinese label, display format and prefill rule in
``Column.info``; a model carries its screen (menu, list, search, order, quick
filters, data scope) in ``__admin__``. The engine reads nothing else.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field as dc_field
from typing import Any, Callable, Mapping, Sequence

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Enum as SAEnum,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import declared_attr, relationship


# Named constraints, so that migrations can alter them on every database (SQLite included).
Model.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Choice(enum.Enum):
    """An enum whose values are the Chinese words users see; the database stores member names."""

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def from_label(cls, label: str) -> "Choice":
        for member in cls:
            if member.value == label or member.name == label:
                return member
        raise ValueError(label)


@dataclass(frozen=True)
class QuickFilter:
    """A one-click filter above a list: equal-to conditions, or an expression built from the model."""

    label: str
    equals: Mapping[str, Any] = dc_field(default_factory=dict)
    where: Callable[[type], Any] | None = None

    def criteria(self, model: type) -> list:
        found = [getattr(model, name) == value for name, value in self.equals.items()]
        if self.where is not None:
            found.append(self.where(model))
        return found


def quick(label: str, where: Callable[[type], Any] | None = None, **equals: Any) -> QuickFilter:
    return QuickFilter(label, equals, where)


@dataclass(frozen=True)
class Scope:
    """Which relation paths place a record in a department and with people, for data scope.

    Each may be one path or several (any of them counts): ``owner=("reporter", "worker")``.
    "self" means the record itself (a Department is in its own department; a Staff record is its person).
    """

    department: str | tuple[str, ...] | None = None
    owner: str | tuple[str, ...] | None = None


@dataclass(frozen=True)
class Qualify:
    """Which records a relation may point at, for the record being filled in (``relation(..., qualify=)``).

    ``where(target_model, record)`` returns an SQL criterion on the target (or None: any record); ``record``
    is the record being edited, or a stand-in carrying the values of the form's ``depends`` fields, so a
    dropdown offers only qualifying records and a save naming another is refused with ``message``.
    """

    where: Callable[[type, Any], Any]
    message: str
    depends: tuple[str, ...] = ()


@dataclass(frozen=True)
class FollowUp:
    """A document this record can start with one click (app/follow_ups.py): the ``target`` model's add form,
    with ``carry`` = {target field: source path, or "self" for the record itself} filled in; ``per_line``: one
    button per line of that text field; ``when``: only for records it holds for."""

    target: str
    label: str
    carry: Mapping[str, str] = dc_field(default_factory=dict)
    per_line: str | None = None
    when: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class Account:
    """The person's login, opened and kept on the person's own form (app/accounts.py): ``relation`` to the
    login user, the column with the person's ``name``, and an optional ``email`` column."""

    relation: str = "user"
    name: str = "name"
    email: str | None = None


@dataclass(frozen=True)
class Lines:
    """Child rows entered on the parent's own form (采购明细 on a 采购申请): a one-to-many relation."""

    relation: str
    columns: Sequence[str]
    min_rows: int = 1
    show: Sequence[str] = ()  # read-only columns also shown (金额 computed from 数量 × 单价)
    steps: Sequence[str] = ()  # entered on these workflow steps' forms (耗材 on 完工), not on the add/edit form


@dataclass(frozen=True)
class Import:
    """Rows of an Excel/CSV file create or update this model (导入; app/importing.py).

    ``match``: the column(s) that find an existing record (its 编号), so a re-import updates instead of
    duplicating. ``columns``: the sheet's columns in order; ``"meter.meter_no"`` finds the related record
    by that column. ``parents``: relations found by their own match columns, or created, from the row's
    ``"room.…"`` columns (a 床位 row creates its 房间). ``clean``: per column, a function tidying a raw
    cell. ``one_by_one``: each row (with its parent) is written before the next is checked, for rules
    that read earlier records (上次读数).
    """

    match: str | tuple[str, ...]
    columns: Sequence[str] = ()
    parents: Mapping[str, tuple[str, ...]] = dc_field(default_factory=dict)
    clean: Mapping[str, Callable[[Any], Any]] = dc_field(default_factory=dict)
    one_by_one: bool = False


@dataclass
class Admin:
    """How a model appears: its name, menu place, columns, ordering, quick filters and scope."""

    label: str
    menu: str | None = None
    icon: str = "fa-table"
    list: Sequence[str] = ()
    search: Sequence[str] = ()
    show: Sequence[str] = ()
    form: Sequence[str] = ()
    # What people filing for themselves fill in (users whose data scope for the model is narrower than 全部):
    # the rest of the form takes its prefills (报修人 and 部门 are the person's own).
    self_form: Sequence[str] = ()
    order: tuple[str, str] | None = None
    quick_filters: Sequence[QuickFilter] = ()
    lookup: Sequence[str] = ()  # text columns searched when this model is chosen in a dropdown
    lines: Sequence[Lines] = ()  # child tables edited on this model's form
    workflow: Any = None  # an app.workflow.Workflow: states, steps, who may take them
    imports: Import | None = None  # bulk import from Excel (导入 button on the list page)
    account: Account | None = None  # a person model whose form opens their login account (app/accounts.py)
    follow_ups: Sequence[FollowUp] = ()  # documents started from this one (a patrol finding → a hazard)
    scope: Scope = dc_field(default_factory=Scope)
    # The few facts that tell one record from another at a glance: its card on a phone, its row in 我的待办.
    summary: Sequence[str] = ()
    overdue: Callable[[Any], bool] | None = None  # shown 逾期 and listed first in 我的待办
    urgent: Callable[[Any], bool] | None = None  # shown 紧急 and listed next
    start: str | None = None  # the home page's big button for those who may add (我要报修)
    menu_order: int = 100
    api: bool = True
    generate: bool = True


class Entity(Model):
    """Base of every domain model: a display name and the hooks the engine calls on save."""

    __abstract__ = True
    __admin__: Admin

    # Optimistic locking: a save based on a stale read is refused instead of overwriting.
    row_version = Column(Integer, nullable=False, default=1, info={"label": "版本"})

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        from .pinyin import hidden_columns

        args: dict[str, Any] = {"version_id_col": cls.__table__.c.row_version}
        if hidden_columns(cls.__table__):
            args["exclude_properties"] = hidden_columns(cls.__table__)  # the engine's pinyin columns
        return args

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Before the class is mapped: a ``<name>_pinyin`` companion for each ``text(..., pinyin=True)``."""
        from .pinyin import SUFFIX, companion_column

        for name, value in list(cls.__dict__.items()):
            if isinstance(value, Column) and value.info.get("pinyin") and f"{name}{SUFFIX}" not in cls.__dict__:
                setattr(cls, f"{name}{SUFFIX}",
                        companion_column(value.info.get("label", name), name, getattr(value.type, "length", None)))
        super().__init_subclass__(**kwargs)

    def __str__(self) -> str:
        for attr in ("name", "title", "code"):
            value = getattr(self, attr, None)
            if value:
                return str(value)
        return f"#{getattr(self, 'id', '')}"

    def before_save(self) -> None:
        """Compute derived fields (金额 = 数量 × 单价 …) before validation and saving."""

    def validate(self) -> dict[str, str]:
        """Return {field name: Chinese message} for every rule this record breaks."""
        return {}

    def edit_refusal(self) -> str | None:
        """Why this record may not be edited now (e.g. it has left 草稿), or None."""
        return None

    def delete_refusal(self) -> str | None:
        """Why this record may not be deleted now, beyond records referring to it, or None."""
        return None


def pk() -> Column:
    return Column(Integer, primary_key=True)


def field(
    type_: Any,
    label: str,
    *,
    required: bool = False,
    unique: bool = False,
    index: bool = False,
    default: Any = None,
    prefill: str | None = None,
    fmt: str | None = None,
    help: str | None = None,
    **kwargs: Any,
) -> Column:
    """A column with its Chinese label and, optionally, a display format and a prefill rule."""
    info: dict[str, Any] = {"label": label}
    if prefill:
        info["prefill"] = prefill
    if fmt:
        info["format"] = fmt
    if help:
        info["description"] = help
    return Column(
        type_,
        nullable=not required,
        unique=unique,
        index=index or unique,
        default=default,
        info=info,
        **kwargs,
    )


def serial(label: str, prefix: str, **kwargs: Any) -> Column:
    """A document number the engine assigns on first save: PREFIX-YYYYMMDD-0001, unique under concurrency."""
    column = field(String(30), label, unique=True, **kwargs)
    column.info["serial"] = prefix
    return column


def text(label: str, length: int = 100, *, pinyin: bool = False, **kwargs: Any) -> Column:
    """A short text. ``pinyin=True`` (names of people, departments, things): the engine adds an indexed
    companion column ``<name>_pinyin`` ("zhangsan zs") so that search boxes and dropdowns find 张三 by
    ``zs`` or ``zhangsan`` (app/pinyin.py)."""
    column = field(String(length), label, **kwargs)
    if pinyin:
        column.info["pinyin"] = True
    return column


def long_text(label: str, **kwargs: Any) -> Column:
    return field(Text, label, **kwargs)


def integer(label: str, **kwargs: Any) -> Column:
    return field(Integer, label, **kwargs)


def decimal(label: str, scale: int = 2, **kwargs: Any) -> Column:
    return field(Numeric(14, scale), label, **kwargs)


def money(label: str, **kwargs: Any) -> Column:
    return field(Numeric(14, 2), label, fmt="money", **kwargs)


def day(label: str, **kwargs: Any) -> Column:
    return field(Date, label, fmt="date", **kwargs)


def moment(label: str, **kwargs: Any) -> Column:
    return field(DateTime, label, fmt="datetime", **kwargs)


def stars(label: str, **kwargs: Any) -> Column:
    """A rating of 1 to 5, given by tapping stars on forms and shown as ★★★★☆."""
    return field(Integer, label, fmt="stars", **kwargs)


def telephone(label: str, length: int = 30, **kwargs: Any) -> Column:
    """A telephone number: a tap on a phone calls it (a tel: link on lists and detail pages)."""
    return field(String(length), label, fmt="tel", **kwargs)


def flag(label: str, default: bool = False, **kwargs: Any) -> Column:
    return field(Boolean, label, default=default, **kwargs)


def photo(label: str, length: int = 255, **kwargs: Any) -> Column:
    """An uploaded image (jpg, png, gif, webp; app/uploads.py): a file input on forms, a thumbnail on
    detail pages. The column stores "yyyy/mm/<random>.ext|原始文件名.jpg"."""
    column = field(String(length), label, fmt="upload", **kwargs)
    column.info["upload"] = "image"
    return column


def choice(enum_class: type[Choice], label: str, **kwargs: Any) -> Column:
    """An enum column: stored by member name, shown and chosen by its Chinese value."""
    sa_type = SAEnum(enum_class, native_enum=False, length=32, create_constraint=False)
    return field(sa_type, label, **kwargs)


def key(
    target: str,
    *,
    required: bool = False,
    index: bool = True,
    use_alter: bool = False,
    ondelete: str | None = None,
    **kwargs: Any,
) -> Column:
    """A foreign key column; its relationship carries the label.

    ``use_alter`` breaks a cycle between two tables (the constraint is named and added last).
    """
    return Column(
        Integer,
        ForeignKey(target, use_alter=use_alter, ondelete=ondelete),
        nullable=not required,
        index=index,
        **kwargs,
    )


def relation(target: str, label: str, *, prefill: str | None = None, qualify: Qualify | None = None, **kwargs: Any):
    """A relationship with its Chinese label (shown in forms, lists and filters); ``qualify`` limits the records
    it may point at (app/qualify.py)."""
    info: dict[str, Any] = {"label": label}
    if prefill:
        info["prefill"] = prefill
    if qualify is not None:
        info["qualify"] = qualify
    return relationship(target, info=info, **kwargs)


def computed(label: str, fmt: str | None = None):
    """Mark a model method as a read-only computed column with a label (for lists and detail)."""

    def wrap(func: Callable) -> Callable:
        func.label = label
        func.fmt = fmt
        return func

    return wrap
