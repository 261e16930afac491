"""Follow-up documents: a record that starts another with one click, its text carried over.

``Admin(follow_ups=[FollowUp("Hazard", "登记为隐患", carry={"description": "findings", "patrol": "self"})])``
puts a button on the record's page, for those who may add the target; it opens the target's add form with
the carried values filled in (read from the source record within the user's data scope). With
``per_line="findings"`` each line of that text gets its own button and carries only its line.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for

from app.declare.admin import FollowUp
from app.features.uploads import ImageUploadField, kept_token
from app.meta import introspect
from app.rules import read

SOURCE_ARG, LINE_ARG = "_from", "_line"


def _view_of(model_name: str):
    for model, view in current_app.extensions["engine"].views.items():
        if model.__name__ == model_name:
            return model, view
    return None, None


def _lines(text: Any) -> list[str]:
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


def offered(record: Any) -> list[tuple[str, str]]:
    """(button label, add-form URL) of each follow-up the login user may start from ``record``."""
    found = []
    sm = current_app.appbuilder.sm
    for follow in getattr(type(record).__admin__, "follow_ups", ()):
        if follow.when is not None and not follow.when(record):
            continue
        model, view = _view_of(follow.target)
        if view is None or not sm.has_access("can_add", view.class_permission_name):
            continue
        source = f"{type(record).__name__}:{record.id}"
        lines = _lines(getattr(record, follow.per_line, None)) if follow.per_line else [None]
        for index, line in enumerate(lines):
            label = f"{follow.label}：{line[:20]}{'…' if len(line) > 20 else ''}" if line and len(lines) > 1 \
                else follow.label
            args = {SOURCE_ARG: source, **({LINE_ARG: index} if line is not None else {})}
            found.append((label, url_for(f"{view.endpoint}.add", **args)))
    return found


def _value(source: Any, path: str, follow: FollowUp, line: str | None) -> Any:
    if path == "self":
        return source
    if line is not None and path == follow.per_line:
        return line
    value = source
    for part in path.split("."):
        value = getattr(value, part, None) if value is not None else None
    return value() if callable(value) else value


def prefill(form, target: type) -> None:
    """Fill an add form of ``target`` from the record named by ``?_from=Model:id`` (and ``_line``)."""
    model_name, _, raw_id = request.args.get(SOURCE_ARG, "").partition(":")
    if not raw_id.isdigit():
        return
    model, view = _view_of(model_name)
    if model is None:
        return
    follow = next((f for f in getattr(model.__admin__, "follow_ups", ()) if f.target == target.__name__), None)
    if follow is None:
        return
    source = read.one(view.datamodel.session, model, int(raw_id))
    if source is None:
        return
    line = None
    if follow.per_line:
        lines = _lines(getattr(source, follow.per_line, None))
        raw_line = request.args.get(LINE_ARG, "")
        line = lines[int(raw_line)] if raw_line.isdigit() and int(raw_line) < len(lines) else None
    for field_name, path in follow.carry.items():
        field = getattr(form, field_name, None)
        value = _value(source, path, follow, line)
        if field is None or value in (None, ""):
            continue
        if isinstance(field, ImageUploadField):  # a carried photo travels as a kept upload, saved with the form
            field.kept, field.kept_token = value, kept_token(value)
        else:
            field.data = value


def check(models: list[type]) -> None:
    """Declarations checked at start: a follow-up names a model and carries into its fields from real paths."""
    names = {m.__name__: m for m in models}
    for model in models:
        for follow in getattr(model.__admin__, "follow_ups", ()):
            target = names.get(follow.target)
            if target is None:
                raise ValueError(f"{model.__name__}: follow-up target {follow.target!r} is not a declared model")
            for field_name in follow.carry:
                if field_name not in introspect.all_names(target):
                    raise ValueError(f"{model.__name__} → {follow.target}: no field {field_name!r} to carry into")
