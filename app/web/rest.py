"""The generated REST API: FAB's ModelRestApi saving through the same rules as the pages."""
from __future__ import annotations

from flask import request
from flask_appbuilder import ModelRestApi
from flask_appbuilder.const import API_RESULT_RES_KEY
from marshmallow import ValidationError

from app.rules import write


class EngineRestApi(ModelRestApi):
    allow_browser_login = True
    models_in_registry: list = []

    def _refused(self, refused: write.Refused):
        messages = {name: [message] for name, message in refused.errors.items()}
        return self.response_422(message=messages or refused.message)

    def post_headless(self):
        if not request.is_json:
            return self.response_400(message="请求内容须为 JSON")
        try:
            item = self.add_model_schema.load(request.json)
        except ValidationError as err:
            return self.response_422(message=err.messages)
        try:
            self.pre_add(item)
            write.save(self.datamodel.session, item)
        except write.Refused as refused:
            return self._refused(refused)
        self.post_add(item)
        return self.response(201, **{API_RESULT_RES_KEY: self.add_model_schema.dump(item, many=False),
                                     "id": self.datamodel.get_pk_value(item)})

    def put_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not request.is_json:
            return self.response_400(message="请求内容须为 JSON")
        if not item:
            return self.response_404()
        try:
            data = self._merge_update_item(item, request.json)
            with self.datamodel.session.no_autoflush:
                item = self.edit_model_schema.load(data, instance=item)
        except ValidationError as err:
            self.datamodel.session.rollback()
            return self.response_422(message=err.messages)
        try:
            self.pre_update(item)
            write.save(self.datamodel.session, item)
        except write.Refused as refused:
            return self._refused(refused)
        self.post_update(item)
        return self.response(200, **{API_RESULT_RES_KEY: self.edit_model_schema.dump(item, many=False)})

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
