"""Reads what a declared model says about itself: labels, formats, prefills, references to it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from sqlalchemy import Boolean, Date, DateTime, inspect
from sqlalchemy.orm import RelationshipProperty


def _info(model: type, name: str) -> dict[str, Any]:
    prop = inspect(model).attrs.get(name)
    if prop is None:
        attr = getattr(model, name, None)
        if callable(attr) and hasattr(attr, "label"):
            return {"label": attr.label, "format": getattr(attr, "fmt", None), "computed": True}
        return {}
    if isinstance(prop, RelationshipProperty):
        return prop.info
    return prop.columns[0].info


def label(model: type, name: str) -> str:
    if "." in name:
        head, _, rest = name.partition(".")
        return label(relation_target(model, head), rest)
    return _info(model, name).get("label", name)


def labels(model: type, names: list[str] | None = None) -> dict[str, str]:
    names = names if names is not None else all_names(model)
    return {name: label(model, name) for name in names}


def all_names(model: type) -> list[str]:
    mapper = inspect(model)
    names = [p.key for p in mapper.attrs]
    names += [n for n in dir(model) if callable(getattr(model, n, None)) and hasattr(getattr(model, n), "label")]
    return names


def descriptions(model: type) -> dict[str, str]:
    return {n: _info(model, n)["description"] for n in all_names(model) if _info(model, n).get("description")}


def display_format(model: type, name: str) -> str | None:
    info = _info(model, name)
    if info.get("format"):
        return info["format"]
    prop = inspect(model).attrs.get(name)
    if isinstance(prop, RelationshipProperty):
        return "record"  # a related record reads as a link to its own page
    if prop is not None and not isinstance(prop, RelationshipProperty):
        sa_type = prop.columns[0].type
        if isinstance(sa_type, Boolean):
            return "bool"
        if isinstance(sa_type, DateTime):
            return "datetime"
        if isinstance(sa_type, Date):
            return "date"
    return None


def prefills(model: type) -> dict[str, str]:
    return {n: _info(model, n)["prefill"] for n in all_names(model) if _info(model, n).get("prefill")}


def is_relation(model: type, name: str) -> bool:
    return isinstance(inspect(model).attrs.get(name), RelationshipProperty)


def relation_target(model: type, name: str) -> type:
    return inspect(model).attrs[name].mapper.class_


def is_computed(model: type, name: str) -> bool:
    return bool(_info(model, name).get("computed"))


@dataclass(frozen=True)
class Reference:
    """Rows of ``model`` point at the inspected model through ``column``."""

    model: type
    column: Any
    label: str


def references_to(target: type, registry_models: list[type]) -> Iterator[Reference]:
    """Every foreign key in the declared models that points at ``target``, except owned children."""
    target_table = target.__table__
    owned = {
        fk_col
        for rel in inspect(target).relationships
        if rel.cascade.delete_orphan or rel.cascade.delete
        for fk_col in rel.remote_side
    }
    for model in registry_models:
        for column in model.__table__.columns:
            for fk in column.foreign_keys:
                if fk.column.table is target_table and column not in owned:
                    yield Reference(model, column, model.__admin__.label)
