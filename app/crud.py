"""The generated CRUD view: FAB's ModelView with Chinese, kept input, rules, safe deletes and scoped actions."""
from __future__ import annotations

import logging

from flask import abort, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import ModelView, expose
from flask_appbuilder.exceptions import FABException
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args, get_order_args
from wtforms import HiddenField

from . import export, introspect, lines, persistence, prefill, scope
from .datamodel import ExpressionFilter
from .forms import LookupConverter, lookup as lookup_rows
from .step_views import StepsMixin
from .widgets import AddFormWidget, EditFormWidget

log = logging.getLogger(__name__)

ACCESS_DENIED = "您没有权限执行此操作"


class EngineModelView(StepsMixin, ModelView):
    """Base of every generated view; the registry sets datamodel, columns and meta per model."""

    list_template = "engine/list.html"
    # FAB's /download/<filename> serves any file of UPLOAD_FOLDER by name; uploads have their own route.
    exclude_route_methods = {"download"}
    show_template = "engine/show.html"
    add_widget = AddFormWidget
    edit_widget = EditFormWidget

    quick_filters: tuple = ()
    line_specs: tuple = ()
    models_in_registry: list = []
    entity_label = ""

    add_row_message = "已保存"
    edit_row_message = "修改已保存"
    delete_row_message = "已删除"

    def _init_titles(self):
        super()._init_titles()
        self.list_title = self.entity_label
        self.add_title = f"新增{self.entity_label}"
        self.edit_title = f"编辑{self.entity_label}"
        self.show_title = f"{self.entity_label}详情"
        self.title = self.list_title

    def _init_forms(self):
        """FAB's forms, built by the LookupConverter so relation fields never load whole tables."""
        name, model = self.__class__.__name__, self.datamodel.obj
        conv = LookupConverter(self.datamodel, name)
        self.search_form = conv.create_form(self.label_columns, self.search_columns)
        line_fields = {spec.relation: lines.list_field(model, spec, name) for spec in self.line_specs}
        add_form = conv.create_form(
            self.label_columns, self.add_columns, self.description_columns, self.validators_columns)
        self.add_form = type(add_form.__name__, (add_form,), line_fields)
        edit_form = conv.create_form(
            self.label_columns, self.edit_columns, self.description_columns, self.validators_columns)
        # The version read with the edit form travels with it, so a stale save is detected.
        self.edit_form = type(edit_form.__name__, (edit_form,), {"seen_version": HiddenField(), **line_fields})
        self._init_step_forms(conv)

    @expose("/lookup/<column>")
    @has_access
    def lookup(self, column):
        """Select2 data for a relation field of this view's forms: ?q=term&page=N, or ?id=pk."""
        model = self._lookup_target(column)
        if model is None:
            abort(404)
        session = self.datamodel.session
        if request.args.get("id", "").isdigit():
            row = session.query(model).filter(model.id == int(request.args["id"]), *scope.criteria(model)).first()
            rows, more = ([row] if row is not None else []), False
        else:
            page = request.args.get("page", "1")
            page = max(int(page) - 1, 0) if page.isdigit() else 0
            rows, more = lookup_rows(session, model, request.args.get("q", "")[:50], page)
        return jsonify(results=[{"id": r.id, "text": str(r)} for r in rows], pagination={"more": more})

    def _lookup_target(self, column: str):
        """The model a form field chooses from: a relation of this model's forms or of its lines."""
        relation, _, child_column = column.partition(".")
        if child_column:
            spec = next((s for s in self.line_specs if s.relation == relation), None)
            if spec is None or child_column not in spec.columns:
                return self.step_child_target(relation, child_column)
            child = lines.child_model(self.datamodel.obj, spec)
            return introspect.relation_target(child, child_column) if introspect.is_relation(child, child_column) else None
        allowed = self.add_columns + self.edit_columns + self.search_columns + self.step_columns()
        if column not in allowed or not self.datamodel.is_relation_many_to_one(column):
            return None
        return self.datamodel.get_related_model(column)

    # ----------------------------------------------------------------- list
    @expose("/list/")
    @has_access
    def list(self):
        """FAB flashes "An error occurred: …" in English when a filter cannot be applied."""
        self.update_redirect()
        try:
            widgets = self._list()
        except FABException:
            log.exception("list filter failed")
            flash("查询条件无法使用，已显示全部记录", "warning")
            return redirect(url_for(f"{self.endpoint}.list"))
        return self.render_template(self.list_template, title=self.list_title, widgets=widgets)

    def _list(self, **kwargs):
        order = get_order_args().get(self.__class__.__name__)
        order_column, order_direction = order if order and order[0] in self.order_columns else ("", "")
        name = self.__class__.__name__
        from flask_appbuilder import baseviews  # patched, bounded parsers (see fab_fixes)

        get_filter_args(self._filters)
        widgets = self._get_list_widget(
            filters=self._filters,
            order_column=order_column,
            order_direction=order_direction,
            page=baseviews.get_page_args().get(name),
            page_size=baseviews.get_page_size_args().get(name),
            **kwargs,
        )
        form = self.search_form.refresh()
        self.update_redirect()
        return self._get_search_widget(form=form, widgets=widgets)

    def active_quick_filter(self) -> int | None:
        raw = request.args.get("_qf", "")
        if raw.isdigit() and int(raw) < len(self.quick_filters):
            return int(raw)
        return None

    def with_quick_filter(self, filters):
        chosen = self.active_quick_filter()
        if chosen is not None:
            filters = filters.copy()
            quick = self.quick_filters[chosen]
            filters.add_filter(self.datamodel.get_pk_name(), ExpressionFilter, quick.criteria)
        return filters

    def _get_list_widget(self, filters, **kwargs):
        return super()._get_list_widget(filters=self.with_quick_filter(filters), **kwargs)

    @expose("/export.xlsx")
    @has_access
    def export_xlsx(self):
        """The list as shown (filters, quick filter, order, scope) as an Excel file (app/export.py)."""
        return export.export_list(self, "xlsx")

    @expose("/export.csv")
    @has_access
    def export_csv(self):
        return export.export_list(self, "csv")

    def render_template(self, template, **kwargs):
        if template == self.show_template:
            kwargs.update(self.render_show_extras())
        kwargs.setdefault("quick_filters", self.quick_filters)
        kwargs.setdefault("active_quick_filter", self.active_quick_filter())
        kwargs.setdefault("view_name", self.__class__.__name__)
        return super().render_template(template, **kwargs)

    # ----------------------------------------------------------------- add / edit
    def _prefill(self, form) -> None:
        for name, rule in introspect.prefills(self.datamodel.obj).items():
            field = getattr(form, name, None)
            if field is not None and field.data in (None, "", []):
                try:
                    field.data = prefill.value_of(rule)
                except KeyError:
                    log.warning("unknown prefill rule %s on %s", rule, name)

    def _add(self):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if self._validate(form) and self._save(form, self.datamodel.obj(), is_new=True):
                return None
        else:
            self._prefill(form)
            self.update_redirect()
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def _edit(self, pk):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        pk = self.datamodel.get_pk_value(item)
        refusal = item.edit_refusal()
        if refusal:
            flash(refusal, "warning")
            return None
        if request.method == "POST":
            # FAB passes request.form as the form's obj too: a lines relation named like a dict method
            # ("items") would then read MultiDict.items; Flask-WTF takes the posted data by itself.
            form = self.edit_form.refresh()
            self._fill_form_exclude_cols(exclude_cols, form)
            form._id = pk
            if self._validate(form):
                if str(item.row_version) != (form.seen_version.data or ""):
                    flash(persistence.STALE, "danger")
                elif self._save(form, item, is_new=False):
                    return None
        else:
            form = self.edit_form.refresh(obj=item)
            form.seen_version.data = str(item.row_version)
            self.prefill_form(form, pk)
            self.update_redirect()
        widgets = self._get_edit_widget(form=form, exclude_cols=exclude_cols)
        return self._get_related_views_widgets(item, filters={}, orders={}, pages={}, page_sizes={}, widgets=widgets)

    def _validate(self, form) -> bool:
        problems = lines.prune_blank_rows(form, self.line_specs)
        valid = form.validate()
        for problem in problems:
            flash(problem, "danger")
        if not valid:
            flash("保存未成功，请按提示修改标红的项目", "danger")
        return valid and not problems

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        widgets = super()._get_add_widget(form, exclude_cols=exclude_cols, widgets=widgets)
        widgets["add"].template_args["line_specs"] = self.line_specs
        return widgets

    def _get_edit_widget(self, form, exclude_cols=None, widgets=None):
        widgets = super()._get_edit_widget(form, exclude_cols=exclude_cols, widgets=widgets)
        widgets["edit"].template_args["line_specs"] = self.line_specs
        return widgets

    def _save(self, form, item, is_new: bool) -> bool:
        """Populate, compute, check the model's rules and commit; on any refusal keep the form as typed."""
        skip = {spec.relation for spec in self.line_specs} | {"csrf_token", "seen_version"}

        def populate():
            self.process_form(form, is_new)
            for name, field in form._fields.items():
                if name not in skip:
                    field.populate_obj(item, name)
            lines.populate(item, form, self.line_specs)

        try:
            persistence.save(self.datamodel.session, item, populate)
        except persistence.Refused as refused:
            self._attach_errors(form, refused)
            return False
        (self.post_add if is_new else self.post_update)(item)
        flash(self.add_row_message if is_new else self.edit_row_message, "success")
        return True

    def _attach_errors(self, form, refused: "persistence.Refused") -> None:
        for name, message in refused.errors.items():
            field = form._fields.get(name)
            if field is not None:
                field.errors = list(field.errors or []) + [message]
            elif not lines.attach_row_error(form, name, message):
                flash(f"{introspect.label(self.datamodel.obj, name)}：{message}", "danger")
        flash(refused.message, "danger")

    def post_add_redirect(self):
        if request.form.get("_continue"):
            return redirect(url_for(f"{self.endpoint}.add"))
        return redirect(self.get_redirect())

    # ----------------------------------------------------------------- show
    def _show(self, pk):
        widgets = super()._show(pk)
        g.engine_record = self.datamodel.get(pk, self._base_filters)
        return widgets

    def render_show_extras(self) -> dict:
        record = g.get("engine_record")
        if record is None:
            return {}
        return {
            "line_tables": [lines.display(record, spec) for spec in self.line_specs],
            **self.step_context(record),
        }

    # ----------------------------------------------------------------- delete
    def _delete(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        try:
            self.pre_delete(item)
            persistence.delete(self.datamodel.session, item, self.models_in_registry)
        except persistence.Refused as refused:
            flash(refused.message, "danger")
            return
        self.post_delete(item)
        flash(self.delete_row_message, "success")
        self.update_redirect()

    # ----------------------------------------------------------------- actions
    def _allowed_action(self, name: str):
        action = self.actions.get(name)
        if action is None:
            abort(404)
        permission = self.get_action_permission_name(name)
        if not self.appbuilder.sm.has_access(permission, self.class_permission_name):
            flash(ACCESS_DENIED, "danger")
            return None
        return action

    @expose("/action/<string:name>/<pk>", methods=["POST"])
    def action(self, name, pk):
        """FAB loads the record without base filters; here it must be within them (and POST only)."""
        action = self._allowed_action(name)
        if action is None:
            return redirect(self.get_redirect())
        item = self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
        if item is None:
            abort(404)
        return action.func(item)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        """FAB's mass action ignores base_filters; every selected record must be within them."""
        action = self._allowed_action(request.form.get("action", ""))
        if action is None:
            return redirect(self.get_redirect())
        items = []
        for pk in request.form.getlist("rowid"):
            item = self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
            if item is None:
                abort(404)
            items.append(item)
        if not items:
            flash("请先勾选要操作的记录", "warning")
            return redirect(self.get_redirect())
        return action.func(items)
