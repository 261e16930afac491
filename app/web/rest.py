"""The generated REST API: FAB's ModelRestApi writing through the one write path, with the pages' rules.

A POST or PUT may name only the fields the same person's form offers (app/web/crud.py ``form_columns``); a
field left out that the form would prefill (报修人, 部门, 日期) takes its prefill. A PUT carries the
``row_version`` it read (every answer includes it); a stale one is refused with 409. Related records are
answered as id and display name only (app/fab/rest_schema.py), and ``_info`` offers, for each relation,
what the form's dropdown would: the user's data scope and the relation's qualifying rule.
"""
from __future__ import annotations

from typing import Any

from flask import request
from flask_appbuilder import ModelRestApi
from flask_appbuilder.const import API_RESULT_RES_KEY
from marshmallow import ValidationError

from app.extensions import engine
from app.fab.datamodel import ExpressionFilter
from app.fab.rest_schema import ReferenceSchemaConverter
from app.meta import introspect, prefill
from app.rules import qualify, read, units, write

NOT_AN_OBJECT = "请求内容须为 JSON 对象，例如 {\"字段\": 值}"
NO_VERSION = "请带上读取记录时得到的版本号 row_version，以免覆盖他人刚做的修改"


def related_criteria(owner: type, name: str):
    """The criteria a relation's choices must meet: the target's data scope and the qualifying rule (for the
    unit a record belongs to: the units)."""

    def criteria(target: type) -> list:
        found = read.criteria(target)
        for rule in (qualify.criterion(owner, name, qualify.StandIn(None, {})), units.choice_criterion(owner, name)):
            if rule is not None:
                found.append(rule)
        return found

    return criteria


class EngineRestApi(ModelRestApi):
    allow_browser_login = True
    models_in_registry: list = []
    model2schemaconverter = ReferenceSchemaConverter

    # ----------------------------------------------------------------- what this person may write
    def writable(self) -> list[str]:
        """The fields this user's form for the model offers: the short form for people filing for themselves."""
        view = engine().view_of(self.datamodel.obj)
        offered = view.form_columns() if view is not None else self.add_columns
        return [name for name in offered if name in self.add_columns]

    def _unwritable(self, data: dict) -> dict[str, list[str]]:
        allowed = set(self.writable())
        refused = {}
        for key in data:
            if key in allowed:
                continue
            label = self.label_columns.get(key) if key in self.label_columns else None
            refused[key] = [f"不能填写「{label}」" if label else "没有这一项，或不能通过接口填写"]
        return refused

    def _bad_references(self, data: dict) -> dict[str, list[str]]:
        """A relation is named by a record number: not text, not true/false, not beyond what a key holds."""
        refused = {}
        for key, value in data.items():
            if value is None or not self.datamodel.is_relation_many_to_one(key):
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= read.ID_LIMIT:
                refused[key] = ["请选择有效的记录（填写记录编号）"]
        return refused

    def _prefills(self, data: dict) -> dict[str, Any]:
        """Fields the request left out whose form would prefill them, with their values."""
        found = {}
        for name, rule in introspect.prefills(self.datamodel.obj).items():
            if name in self.add_columns and name not in data:
                found[name] = prefill.value_of(rule)
        return found

    def _refused(self, refused: write.Refused):
        if refused.conflict:
            return self.response(409, message=refused.message)
        messages = {name: [message] for name, message in refused.errors.items()}
        return self.response_422(message=messages or refused.message)

    # ----------------------------------------------------------------- the doors
    def post_headless(self):
        if not request.is_json:
            return self.response_400(message="请求内容须为 JSON")
        data = request.json
        if not isinstance(data, dict):
            return self.response_400(message=NOT_AN_OBJECT)
        refused = self._unwritable(data) or self._bad_references(data)
        if refused:
            return self.response_422(message=refused)
        prefilled = self._prefills(data)
        try:
            item = self.add_model_schema.load(data, partial=tuple(prefilled))
        except ValidationError as err:
            return self.response_422(message=err.messages)
        for name, value in prefilled.items():
            if getattr(item, name, None) is None:
                setattr(item, name, value)
        try:
            self.pre_add(item)
            write.save(self.datamodel.session, item)
        except write.Refused as refused:
            return self._refused(refused)
        self.post_add(item)
        return self.response(201, **{API_RESULT_RES_KEY: self.add_model_schema.dump(item, many=False),
                                     "id": self.datamodel.get_pk_value(item), "row_version": item.row_version})

    def put_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not request.is_json:
            return self.response_400(message="请求内容须为 JSON")
        if not item:
            return self.response_404()
        data = request.json
        if not isinstance(data, dict):
            return self.response_400(message=NOT_AN_OBJECT)
        data = dict(data)
        seen_version = data.pop("row_version", None)
        if seen_version is None:
            return self.response_422(message={"row_version": [NO_VERSION]})
        refused = self._unwritable(data) or self._bad_references(data)
        if refused:
            return self.response_422(message=refused)
        try:
            data = self._merge_update_item(item, data)
            with self.datamodel.session.no_autoflush:
                item = self.edit_model_schema.load(data, instance=item)
        except ValidationError as err:
            self.datamodel.session.rollback()
            return self.response_422(message=err.messages)
        try:
            self.pre_update(item)
            write.save(self.datamodel.session, item, seen_version=seen_version)
        except write.Refused as refused:
            return self._refused(refused)
        self.post_update(item)
        return self.response(200, **{API_RESULT_RES_KEY: self.edit_model_schema.dump(item, many=False),
                                     "row_version": item.row_version})

    def delete_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        try:
            self.pre_delete(item)
            write.delete(self.datamodel.session, item, self.models_in_registry)
        except write.Refused as refused:
            return self._refused(refused)
        self.post_delete(item)
        return self.response(200, message="已删除")

    def _get_fields_info(self, cols, model_schema, filter_rel_fields, **kwargs):
        """``_info``'s add and edit columns: the fields this user's form offers, not every form's."""
        allowed = set(self.writable())
        return super()._get_fields_info([c for c in cols if c in allowed], model_schema, filter_rel_fields, **kwargs)

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        """FAB translates an empty description, which gettext answers with the catalogue's header."""
        found = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        if not self.description_columns.get(field.name):
            found["description"] = ""
        return found

    def _get_list_related_field(self, field, filter_rel_field, page=None, page_size=None):
        """A relation's choices in ``_info``: what the form's dropdown offers this user."""
        limited = list(filter_rel_field or []) + [
            ["id", ExpressionFilter, related_criteria(self.datamodel.obj, field.name)]]
        return super()._get_list_related_field(field, limited, page=page, page_size=page_size)
