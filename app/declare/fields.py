"""The column vocabulary models are written in: each field carries its Chinese label, display format and
prefill rule in ``Column.info``; relations carry their label and qualifying rule."""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import relationship

from app.declare.admin import Qualify
from app.declare.entity import Choice


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
    ``zs`` or ``zhangsan`` (app/meta/pinyin.py)."""
    column = field(String(length), label, **kwargs)
    if pinyin:
        column.info["pinyin"] = True
    return column


def long_text(label: str, **kwargs: Any) -> Column:
    return field(Text, label, **kwargs)


def _bounded(column: Column, minimum: Any, maximum: Any) -> Column:
    """The smallest and largest value a door accepts (app/rules/values.py), beyond what the type holds."""
    if minimum is not None:
        column.info["min"] = minimum
    if maximum is not None:
        column.info["max"] = maximum
    return column


def integer(label: str, *, min: int | None = None, max: int | None = None, **kwargs: Any) -> Column:
    """A whole number; ``min``/``max`` bound what a door accepts (a room's 床位数), within what the column holds."""
    return _bounded(field(Integer, label, **kwargs), min, max)


def decimal(label: str, scale: int = 2, *, min: Any = None, max: Any = None, **kwargs: Any) -> Column:
    return _bounded(field(Numeric(14, scale), label, **kwargs), min, max)


def money(label: str, *, min: Any = None, max: Any = None, **kwargs: Any) -> Column:
    return _bounded(field(Numeric(14, 2), label, fmt="money", **kwargs), min, max)


def day(label: str, **kwargs: Any) -> Column:
    return field(Date, label, fmt="date", **kwargs)


def moment(label: str, **kwargs: Any) -> Column:
    return field(DateTime, label, fmt="datetime", **kwargs)


def stars(label: str, **kwargs: Any) -> Column:
    """A rating of 1 to 5, given by tapping stars on forms and shown as ★★★★☆."""
    return _bounded(field(Integer, label, fmt="stars", **kwargs), 1, 5)


def telephone(label: str, length: int = 30, **kwargs: Any) -> Column:
    """A telephone number: a tap on a phone calls it (a tel: link on lists and detail pages)."""
    return field(String(length), label, fmt="tel", **kwargs)


def flag(label: str, default: bool = False, **kwargs: Any) -> Column:
    return field(Boolean, label, default=default, **kwargs)


def photo(label: str, length: int = 255, **kwargs: Any) -> Column:
    """An uploaded image (jpg, png, gif, webp; app/features/uploads.py): a file input on forms, a thumbnail on
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


def relation(target: str, label: str, *, prefill: str | None = None, qualify: Qualify | None = None,
             help: str | None = None, **kwargs: Any):
    """A relationship with its Chinese label (shown in forms, lists and filters); ``qualify`` limits the records
    it may point at (app/rules/qualify.py); ``help`` is the hint under its form field."""
    info: dict[str, Any] = {"label": label}
    if help:
        info["description"] = help
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
