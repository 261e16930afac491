"""The 导入 pages of each importable model (page, template, preview, confirm, cancel) and the list page's 导入 button."""
from __future__ import annotations

import io

from flask import current_app, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.features.imports.columns import Plan, _required, describe, guide, importable, plan_for, template_workbook
from app.features.imports.outcome import SHOWN_ROWS
from app.features.imports.reading import Refused, extension_of, max_bytes, max_mb, read
from app.features.imports.rows import run
from app.features.imports.staging import forget, keep, kept, original_name, sweep

SHOWN_ERRORS = 1000
NO_FILE = "请选择要导入的文件"
EXPIRED = "导入文件已过期或已处理，请重新上传"


class ImportView(BaseView):
    """导入 for one model: the page, the template, the preview, the import. Needs the model's "add"."""

    default_view = "index"
    model: type = None  # set per model by register()
    list_endpoint = ""
    # FAB's add_permissions_view deletes every permission of a view-menu name that the last view registered
    # under it does not list: this view shares the model's name, so it lists all of the model's permissions.
    base_permissions = sorted({"can_read", "can_add", "can_edit", "can_delete"})
    method_permission_name = {"index": "add", "template": "add", "preview": "add", "confirm": "add",
                              "cancel": "add"}

    @property
    def plan(self) -> Plan:
        return plan_for(self.model)

    def _page(self, **kwargs):
        plan = self.plan
        kwargs.setdefault("outcome", None)
        kwargs.setdefault("error", None)
        return self.render_template(
            "engine/import.html", title=f"导入{plan.label}", plan=plan, describe=describe,
            guide=guide(plan), list_url=url_for(f"{self.list_endpoint}.list"), endpoint=self.__class__.__name__,
            max_mb=f"{max_mb():g}", shown_errors=SHOWN_ERRORS, shown_rows=SHOWN_ROWS,
            required=lambda f: _required(plan, f), **kwargs)

    @expose("/")
    @has_access
    def index(self):
        return self._page()

    @expose("/template")
    @has_access
    def template(self):
        from app.extensions import db

        data = template_workbook(db.session, self.plan)
        db.session.rollback()
        return send_file(io.BytesIO(data), as_attachment=True, download_name=f"{self.plan.label}导入模板.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", max_age=0)

    @expose("/preview", methods=["POST"])
    @has_access
    def preview(self):
        from flask_login import current_user

        from app.extensions import db

        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return self._page(error=NO_FILE)
        data = upload.stream.read(max_bytes() + 1)
        if len(data) > max_bytes():
            return self._page(error=f"文件不能超过 {max_mb():g} MB")
        ext = extension_of(upload.filename)
        try:
            sheet = read(data, ext)
        except Refused as refused:
            return self._page(error=str(refused))
        ext = "xlsx" if data[:4] == b"PK\x03\x04" else "csv"
        sweep()
        outcome = run(db.session, self.model, sheet, commit=False)
        token = keep(data, ext, self.model, current_user.id, original_name(upload.filename)) if outcome.ok else None
        return self._page(outcome=outcome, token=token, filename=original_name(upload.filename))

    @expose("/confirm", methods=["POST"])
    @has_access
    def confirm(self):
        from flask_login import current_user

        from app.extensions import db

        token = request.form.get("token", "")
        found = kept(token, self.model, current_user.id, claim=True)
        if found is None:
            flash(EXPIRED, "warning")
            return redirect(url_for(f"{self.__class__.__name__}.index"))
        data, ext, name = found
        try:
            sheet = read(data, ext)
        except Refused as refused:
            forget(token)
            return self._page(error=str(refused))
        outcome = run(db.session, self.model, sheet, commit=True)
        forget(token)
        if not outcome.saved:
            return self._page(outcome=outcome, token=None, filename=name,
                              error="导入未成功，所有行均未保存：数据在预览之后有了变化，请按下列提示修改后重新上传")
        flash(f"导入完成：{outcome.summary}", "success")
        return redirect(url_for(f"{self.list_endpoint}.list"))

    @expose("/cancel", methods=["POST"])
    @has_access
    def cancel(self):
        from flask_login import current_user

        token = request.form.get("token", "")
        if kept(token, self.model, current_user.id) is not None:
            forget(token)
        flash("已取消导入，没有保存任何数据", "info")
        return redirect(url_for(f"{self.list_endpoint}.list"))


def import_url(view_name: str | None) -> str | None:
    """The 导入 button's address on a list page, for users who may add records of its model; else None."""
    if not view_name:
        return None
    views = current_app.extensions.get("engine_imports", {})
    entry = views.get(view_name)
    if entry is None:
        return None
    model, endpoint = entry
    sm = current_app.appbuilder.sm
    if not sm.has_access("can_add", model.__name__):
        return None
    return url_for(f"{endpoint}.index")


def register(app, appbuilder, engine) -> None:
    """An import page per model declaring ``imports=``, and the ``import_url`` template global."""
    registered = {}
    for model, view in engine.views.items():
        if not importable(model):
            continue
        plan_for(model)  # a misdeclared import fails here, at start-up
        view_class = type(f"{model.__name__}Import", (ImportView,), {
            "model": model,
            "route_base": f"/{model.__tablename__.replace('_', '-')}/import",
            "class_permission_name": model.__name__,
            "list_endpoint": view.__class__.__name__,
        })
        appbuilder.add_view_no_menu(view_class)
        registered[view.__class__.__name__] = (model, view_class.__name__)
    app.extensions["engine_imports"] = registered
    app.jinja_env.globals["import_url"] = import_url
