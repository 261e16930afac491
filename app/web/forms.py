"""How a model becomes a form: FAB's converter with server-searched relations and safe Chinese selects.

Relationship fields search on the server: a select renders only the chosen record, never the table.

FAB's QuerySelectField loads every related row into every add, edit and search form; with 200,000
assets a single loan form would carry them all. Here a field holds one primary key, the browser asks
``<view>/lookup/<field>?q=…`` for matches page by page, and the server checks the chosen key exists.
"""
from __future__ import annotations

from flask import url_for
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.forms import GeneralModelConverter
from markupsafe import Markup, escape
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session
from wtforms import Field, SelectField, ValidationError, validators
from wtforms.validators import StopValidation
from wtforms.widgets import html_params

from app.rules import qualify, read, search, values

PAGE = 20


class LookupWidget:
    def __call__(self, field: "LookupField", **kwargs) -> Markup:
        kwargs.setdefault("id", field.id)
        classes = ["form-control", "engine-lookup", kwargs.pop("class", ""), kwargs.pop("class_", "")]
        option = ""
        if field.data is not None:
            option = Markup('<option value="{}" selected>{}</option>').format(field.pk_of(field.data), str(field.data))
        attrs = {
            "name": field.name,
            "class": " ".join(c for c in classes if c),
            "data-url": field.url(),
            "data-placeholder": "请选择或输入关键字搜索",
            "data-allow-clear": "true" if field.allow_blank else "false",
            **({"data-depends": " ".join(field.depends)} if field.depends else {}),
            **{k: v for k, v in kwargs.items() if k != "name_"},
        }
        if "name_" in kwargs:
            attrs["name"] = kwargs["name_"]
        rendered = " ".join(f'{k}="{escape(v)}"' for k, v in attrs.items())
        blank = Markup('<option value=""></option>') if field.allow_blank else ""
        return Markup(f"<select {rendered}>{blank}{option}</select>")


class LookupField(Field):
    """A many-to-one field whose value is one record of ``model``, chosen by server-side search."""

    widget = LookupWidget()

    def __init__(self, label=None, validators=None, *, model, session_func, endpoint, column, allow_blank=True,
                 depends=(), **kwargs):
        super().__init__(label, validators, **kwargs)
        self.depends = tuple(depends)  # other fields of the form whose values narrow the choices (Qualify)
        self.model = model
        self.session_func = session_func
        self.endpoint = endpoint
        self.column = column
        self.allow_blank = allow_blank
        self._unknown = False

    def url(self) -> str:
        return url_for(f"{self.endpoint}.lookup", column=self.column)

    @staticmethod
    def pk_of(obj) -> str:
        return str(obj.id)

    def process_formdata(self, valuelist):
        self._unknown = False
        raw = (valuelist[0] if valuelist else "") or ""
        if raw in ("", "__None"):
            self.data = None
            return
        try:
            pk = int(raw)
        except ValueError:
            pk = None
        self.data = read.one(self.session_func(), self.model, pk)
        self._unknown = self.data is None

    def pre_validate(self, form):
        if self._unknown:
            raise StopValidation("所选记录不存在、已被删除或不在您的数据范围内，请重新选择")


def no_nul(form, field) -> None:
    raw = field.raw_data[0] if getattr(field, "raw_data", None) else None
    if isinstance(raw, str) and "\x00" in raw:
        raise StopValidation(values.NUL)


def lookup(session: Session, model, term: str, page: int, where=None) -> tuple[list, bool]:
    """One page of records of ``model`` within the user's data scope (and ``where``, a relation's qualifying
    rule) whose displayed text matches ``term`` (app/rules/search.py), and whether more exist."""
    stmt = read.select(model)
    if where is not None:
        stmt = stmt.where(where)
    matched = search.criterion(model, search.display_paths(model), term)
    if matched is not None:
        stmt = stmt.where(matched)
    order = getattr(getattr(model, "__admin__", None), "order", None)
    if order and order[0] in sa_inspect(model).column_attrs:
        column = getattr(model, order[0])
        stmt = stmt.order_by(column.desc() if order[1] == "desc" else column.asc())
    stmt = stmt.order_by(model.id).offset(page * PAGE).limit(PAGE + 1)
    rows = list(session.scalars(stmt))
    return rows[:PAGE], len(rows) > PAGE


class ChoiceField(SelectField):
    """An enum select offering the Chinese names; an unknown submitted value is a field error, not a crash."""

    def __init__(self, label=None, validators=None, enum_class=None, required=True, **kwargs):
        self.enum_class = enum_class
        choices = [(member.name, member.value) for member in enum_class]
        if not required:
            choices.insert(0, ("", ""))
        super().__init__(label, validators, choices=choices, coerce=self._coerce, **kwargs)

    def _coerce(self, value):
        if value is None or value == "" or isinstance(value, self.enum_class):
            return value or None
        if value in self.enum_class.__members__:
            return self.enum_class[value]
        raise ValueError("请从列表中选择")

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            self.process_errors.append("请从列表中选择")

    def pre_validate(self, form):
        if self.data is not None and self.data not in self.enum_class:
            raise ValidationError("请从列表中选择")


class Required(validators.DataRequired):
    """DataRequired that keeps a field's own reason for an unreadable value (a rating of 6 stars: 请点选 1 到 5
    颗星) instead of replacing it with 必填."""

    def __call__(self, form, field):
        if field.process_errors:
            raise StopValidation(field.process_errors[0])
        super().__call__(form, field)


class StarsWidget:
    """Five stars to tap (radio buttons 1–5 under the hood, so the value still reads without a script)."""

    def __call__(self, field, **kwargs) -> Markup:
        try:
            chosen = int(field.data) if field.data not in (None, "") else None
        except (TypeError, ValueError):
            chosen = None
        parts = []
        for score in range(5, 0, -1):  # drawn right to left, so that CSS can light a star and those before it
            box_id = f"{field.id}-{score}"
            parts.append(Markup('<input type="radio" id="{0}" name="{1}" value="{2}"{3}>'
                                '<label for="{0}" title="{2} 星" aria-label="{2} 星">★</label>').format(
                box_id, field.name, score, Markup(" checked") if chosen == score else ""))
        return Markup('<span class="engine-stars" id="{0}" role="radiogroup" aria-label="{1}">{2}</span>').format(
            field.id, field.label.text, Markup("").join(parts))


class StarsField(Field):
    widget = StarsWidget()

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "") or ""
        if raw == "":
            self.data = None
            return
        try:
            self.data = int(raw)
        except ValueError:
            self.data = None
            raise ValueError("请点选 1 到 5 颗星")
        if not 1 <= self.data <= 5:
            self.data = None
            raise ValueError("请点选 1 到 5 颗星")


DATETIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")  # shown and picked as 2026-11-21 09:30


class PickerWidget:
    """A date (or date and time) text field that app/static/engine/engine.js turns into a Chinese picker."""

    def __init__(self, with_time: bool = False):
        self.with_time = with_time

    def __call__(self, field, **kwargs) -> Markup:
        kind = "engine-datetime" if self.with_time else "engine-date"
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("name", field.name)
        kwargs["class"] = " ".join(c for c in ("form-control", kind, kwargs.pop("class", ""), kwargs.pop("class_", "")) if c)
        kwargs.setdefault("placeholder", "选择日期和时间" if self.with_time else "选择日期")
        kwargs.setdefault("autocomplete", "off")
        if "name_" in kwargs:
            kwargs["name"] = kwargs.pop("name_")
        value = field._value() if field.data or field.raw_data else ""
        return Markup('<div class="input-group engine-picker"><span class="input-group-addon">'
                      '<i class="fa fa-calendar"></i></span><input {}></div>').format(
            Markup(html_params(type="text", value=value, **kwargs)))


class LookupConverter(GeneralModelConverter):
    """FAB's form converter, except that many-to-one relations become server-searched LookupFields
    and enum columns a ChoiceField that refuses unknown values politely."""

    def __init__(self, datamodel, endpoint: str, column_prefix: str = ""):
        super().__init__(datamodel)
        self.endpoint = endpoint
        self.column_prefix = column_prefix  # "items." for the fields of a document's lines

    def _convert_simple(self, col_name, label, description, lst_validators, form_props):
        # First of every field's checks: a NUL byte stops the field before any validator sends it to the
        # database (FAB's unique check queries with it; PostgreSQL's driver refuses it with a 500).
        lst_validators.insert(0, no_nul)
        form_props = super()._convert_simple(col_name, label, description, lst_validators, form_props)
        column = self.datamodel.list_columns.get(col_name)
        if getattr(column, "info", {}).get("upload") == "image":  # app/declare/fields.py photo(): a checked image upload
            from app.features.uploads import ImageUploadField, help_text

            form_props[col_name] = ImageUploadField(label, description=description or help_text())
            return form_props
        if getattr(column, "info", {}).get("format") == "stars":
            form_props[col_name] = StarsField(label, lst_validators, description=description)
            return form_props
        if self.datamodel.is_enum(col_name):
            column = self.datamodel.list_columns[col_name]
            default = column.default.arg if column.default is not None else None
            form_props[col_name] = ChoiceField(
                label, lst_validators, enum_class=column.type.enum_class, description=description,
                default=default, required=not column.nullable, widget=Select2Widget())
        elif self.datamodel.is_date(col_name) or self.datamodel.is_datetime(col_name):
            unbound = form_props[col_name]  # FAB's DateField / DateTimeField: a Chinese picker, minutes
            with_time = self.datamodel.is_datetime(col_name)
            unbound.kwargs["widget"] = PickerWidget(with_time)
            if with_time:
                unbound.kwargs["format"] = list(DATETIME_FORMATS)
        return form_props

    def _convert_many_to_one(self, col_name, label, description, lst_validators, filter_rel_fields, form_props):
        required = not self.datamodel.is_nullable(col_name)
        lst_validators.append(validators.DataRequired() if required else validators.Optional())
        datamodel = self.datamodel
        rule = qualify.rule(datamodel.obj, col_name)
        form_props[col_name] = LookupField(
            label,
            lst_validators,
            description=description,
            model=datamodel.get_related_model(col_name),
            session_func=lambda: datamodel.session,
            endpoint=self.endpoint,
            column=self.column_prefix + col_name,
            allow_blank=not required,
            depends=rule.depends if rule is not None else (),
        )
        return form_props
