"""Document lines entered on the parent's own form: one table row per child record, added and removed in place."""
from __future__ import annotations

from typing import Any

from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, SelectField

from app.declare.admin import Lines
from app.fab.datamodel import EngineInterface
from app.meta import introspect
from app.web.forms import LookupConverter


def child_model(parent: type, spec: Lines) -> type:
    return introspect.relation_target(parent, spec.relation)


class RowMeta:
    """Row forms are plain WTForms forms (no CSRF of their own): give them WTForms' Chinese messages."""

    locales = ("zh",)


def row_form(parent: type, spec: Lines, endpoint: str) -> type[Form]:
    """A plain (CSRF-free) WTForms form for one line, built by the same converter as every other form."""
    child = child_model(parent, spec)
    converter = LookupConverter(EngineInterface(child), endpoint, column_prefix=f"{spec.relation}.")
    columns = list(spec.columns)
    generated = converter.create_form(introspect.labels(child, columns), columns, introspect.descriptions(child))
    fields = {name: getattr(generated, name) for name in columns}
    fields["id"] = HiddenField()
    fields["Meta"] = RowMeta
    return type(f"{child.__name__}Row", (Form,), fields)


def list_field(parent: type, spec: Lines, endpoint: str):
    label = introspect.label(parent, spec.relation)
    return FieldList(FormField(row_form(parent, spec, endpoint)), label=label, min_entries=max(spec.min_rows, 1))


def _is_blank(row) -> bool:
    for name, field in row._fields.items():
        if name == "id" or isinstance(field, (BooleanField, HiddenField, SelectField)):
            continue
        if field.data not in (None, "", []):
            return False
    return not row.id.data


def prune_blank_rows(form, specs) -> list[str]:
    """Drop rows left entirely empty; return Chinese messages for tables with too few rows."""
    problems = []
    for spec in specs:
        field = form[spec.relation]
        field.entries = [entry for entry in field.entries if not _is_blank(entry.form)]
        field.last_index = len(field.entries) - 1
        if len(field.entries) < spec.min_rows:
            problems.append(f"请至少填写 {spec.min_rows} 行「{field.label.text}」")
    return problems


def populate(item: Any, form, specs) -> None:
    """Set the children from the rows: rows with a known id update that child, others add one; the rest go."""
    for spec in specs:
        model = child_model(type(item), spec)
        existing = {child.id: child for child in getattr(item, spec.relation)}
        children = []
        for entry in form[spec.relation].entries:
            raw_id = entry.form.id.data
            child = existing.get(int(raw_id)) if str(raw_id or "").isdigit() else None
            child = child if child is not None else model()
            for name in spec.columns:
                entry.form[name].populate_obj(child, name)
            children.append(child)
        setattr(item, spec.relation, children)


def attach_row_error(form, key: str, message: str) -> bool:
    """Put an error keyed ``relation-index-field`` next to that cell; False if no such cell."""
    relation, _, rest = key.partition("-")
    index, _, name = rest.partition("-")
    if relation not in form._fields or not index.isdigit():
        return False
    entries = form[relation].entries
    if int(index) >= len(entries) or name not in entries[int(index)].form._fields:
        return False
    cell = entries[int(index)].form[name]
    cell.errors = list(cell.errors or []) + [message]
    return True


def display(item: Any, spec: Lines) -> dict:
    """Labels and formatted values of an item's lines, for its detail page."""
    from app.meta import formatting

    child = child_model(type(item), spec)
    shown = list(dict.fromkeys(list(spec.columns) + list(spec.show)))
    rows = []
    for record in getattr(item, spec.relation):
        values = []
        for name in shown:
            value = getattr(record, name)
            value = value() if callable(value) else value
            values.append(formatting.formatter(introspect.display_format(child, name))(value))
        rows.append(values)
    return {"label": introspect.label(type(item), spec.relation),
            "headers": [introspect.label(child, c) for c in shown], "rows": rows}
