"""The base of every declared model: a display name, the hooks the engine calls on save (before_save, validate,
warnings), optimistic locking; and Choice, the enum whose values are the Chinese words people see."""
from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

from flask_appbuilder import Model
from sqlalchemy import Column, Integer
from sqlalchemy.orm import declared_attr

if TYPE_CHECKING:
    from app.declare.admin import Admin

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


class Entity(Model):
    """Base of every domain model: a display name and the hooks the engine calls on save."""

    __abstract__ = True
    __admin__: Admin

    # Optimistic locking: a save based on a stale read is refused instead of overwriting.
    row_version = Column(Integer, nullable=False, default=1, info={"label": "版本"})

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        from app.meta.pinyin import hidden_columns

        args: dict[str, Any] = {"version_id_col": cls.__table__.c.row_version}
        if hidden_columns(cls.__table__):
            args["exclude_properties"] = hidden_columns(cls.__table__)  # the engine's pinyin columns
        return args

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Before the class is mapped: a ``<name>_pinyin`` companion for each ``text(..., pinyin=True)``."""
        from app.meta.pinyin import SUFFIX, companion_column

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

    def warnings(self) -> list[str]:
        """Chinese messages about what this record's rules warn of without refusing (超出预算): asked after
        ``validate`` passed, on every save (app/rules/write.py) and workflow step (app/rules/steps.py); the
        write goes ahead and the person is shown each message after it."""
        return []

    def edit_refusal(self) -> str | None:
        """Why this record may not be edited now (e.g. it has left 草稿), or None."""
        return None

    def delete_refusal(self) -> str | None:
        """Why this record may not be deleted now, beyond records referring to it, or None."""
        return None


