"""The generated CRUD view: FAB's ModelView with Chinese, kept input, rules, safe deletes and scoped actions."""
from __future__ import annotations

import logging

from flask import abort, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import ModelView, expose
from flask_appbuilder.exceptions import FABException
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args, get_order_args
from markupsafe import Markup, escape
from sqlalchemy import and_
from wtforms import HiddenField

from app.declare.roles import DataScope
from app.fab.datamodel import ExpressionFilter
from app.features import accounts, export, follow_ups, inbox
from app.meta import formatting, introspect, prefill
from app.rules import batch, identity, locks, qualify, read, scope, search, steps, units, write
from app.web import lines, list_conditions, search_panel
from app.web.forms import LookupConverter
from app.web.forms import lookup as lookup_rows
from app.web.step_views import StepsMixin, flash_warnings
from app.web.widgets import AddFormWidget, EditFormWidget

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
        line_fields = {spec.relation: lines.list_field(model, spec, name) for spec in self.form_line_specs}
        add_form = conv.create_form(
            self.label_columns, self.add_columns, self.description_columns, self.validators_columns)
        account_fields = accounts.form_fields() if model.__admin__.account is not None else {}
        self.add_form = type(add_form.__name__, (add_form,), {**line_fields, **account_fields})
        edit_form = conv.create_form(
            self.label_columns, self.edit_columns, self.description_columns, self.validators_columns)
        # The version read with the edit form travels with it, so a stale save is detected.
        self.edit_form = type(edit_form.__name__, (edit_form,),
                              {"seen_version": HiddenField(), **line_fields, **account_fields})
        self.self_columns = [c for c in model.__admin__.self_form if c in self.add_columns]
        if self.self_columns:
            own = conv.create_form(self.label_columns, self.self_columns, self.description_columns,
                                   self.validators_columns)
            self.self_add_form = type(own.__name__, (own,), line_fields)
            self.self_edit_form = type(own.__name__, (own,), {"seen_version": HiddenField(), **line_fields})
        self._init_step_forms(conv)

    @expose("/lookup/<column>")
    @has_access
    def lookup(self, column):
        """Select2 data for a relation field of this view's forms: ?q=term&page=N, or ?id=pk.

        The choices are the target's records within the user's data scope and the relation's qualifying
        rule, read for the record being edited (``record``) with the form's current ``dep_<field>`` values."""
        found = self._lookup_target(column)
        if found is None:
            abort(404)
        owner, name, model = found
        session = self.datamodel.session
        # A search filter looks for records as they are, qualifying or not; a form offers what may be chosen.
        where = None if request.args.get("filter") else qualify.criterion(owner, name, self._stand_in(owner, name))
        offered = units.choice_criterion(owner, name)
        if offered is not None:
            where = offered if where is None else and_(where, offered)
        if request.args.get("id", "").isdigit():
            row = read.one(session, model, int(request.args["id"]), *([where] if where is not None else []))
            rows, more = ([row] if row is not None else []), False
        else:
            page = request.args.get("page", "1")
            page = min(max(int(page) - 1, 0), 1000) if page.isdigit() else 0
            rows, more = lookup_rows(session, model, request.args.get("q", "")[:50], page, where)
        return jsonify(results=[{"id": r.id, "text": str(r)} for r in rows], pagination={"more": more})

    def _stand_in(self, owner, name):
        """The record a qualifying rule reads: the one being edited (within scope), with the form's values."""
        rule = qualify.rule(owner, name)
        if rule is None:
            return None
        record = None
        raw = request.args.get("record", "")
        if owner is self.datamodel.obj and raw.isdigit():
            record = self.datamodel.get(int(raw), self._base_filters)
        values = {}
        for field in rule.depends:
            raw = request.args.get(f"dep_{field}", "")
            if introspect.is_relation(owner, field):
                target = introspect.relation_target(owner, field)
                values[field] = read.one(self.datamodel.session, target, int(raw)) if raw.isdigit() else None
            else:
                values[field] = raw or None
        return qualify.StandIn(record, values)

    def _lookup_target(self, column: str):
        """(model holding the field, field name, model chosen from) for a form field of this view or its lines."""
        relation, _, child_column = column.partition(".")
        if child_column:
            spec = next((s for s in self.line_specs if s.relation == relation), None)
            if spec is None or child_column not in spec.columns:
                return self.step_child_target(relation, child_column)
            child = lines.child_model(self.datamodel.obj, spec)
            if not introspect.is_relation(child, child_column):
                return None
            return child, child_column, introspect.relation_target(child, child_column)
        allowed = self.add_columns + self.edit_columns + self.search_columns + self.step_columns()
        if column not in allowed or not self.datamodel.is_relation_many_to_one(column):
            return None
        return self.datamodel.obj, column, self.datamodel.get_related_model(column)

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
        self.update_redirect()
        if not self._filters.filters:  # no condition set: the panel every reader of this list sees
            widgets["search"] = search_panel.kept(name, lambda: self._get_search_widget(
                form=self.search_form.refresh(), widgets={})["search"]())
            return widgets
        return self._get_search_widget(form=self.search_form.refresh(), widgets=widgets)

    def active_quick_filter(self) -> int | None:
        raw = request.args.get("_qf", "")
        if raw.isdigit() and int(raw) < len(self.quick_filters):
            return int(raw)
        return None

    def active_keyword(self) -> str:
        return " ".join(request.args.get("q", "").split())[:100]

    def with_list_conditions(self, filters):
        """The search filters plus the chosen quick filter and the keyword box, as the list and its export apply them."""
        filters = filters.copy()
        chosen = self.active_quick_filter()
        if chosen is not None:
            filters.add_filter(self.datamodel.get_pk_name(), ExpressionFilter, self.quick_filters[chosen].criteria)
        keyword = self.active_keyword()
        if keyword:
            columns = [c for c in self.search_columns if not introspect.is_computed(self.datamodel.obj, c)]
            filters.add_filter(self.datamodel.get_pk_name(), ExpressionFilter,
                               lambda model: search.criterion(model, columns, keyword))
        return filters

    def _get_list_widget(self, filters, actions=None, order_column="", order_direction="", page=None,
                         page_size=None, widgets=None, **kwargs):
        """FAB 5.3.0's ModelView._get_list_widget, with the quick filter and keyword applied and the records
        themselves handed to the template too (a phone shows each as a card: its name, status and facts)."""
        widgets = widgets or {}
        actions = actions or self.actions
        page_size = page_size or self.page_size
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        filters = self.with_list_conditions(filters)
        joined_filters = filters.get_joined_filters(self._base_filters)
        count, records = self.datamodel.query(joined_filters, order_column, order_direction, page=page,
                                              page_size=page_size)
        pks = [self._serialize_pk_if_composite(pk) for pk in self.datamodel.get_keys(records)]
        with batch.page(self.datamodel.session, records):  # per-record figures of the page in one go
            values = list(self.datamodel.get_values(records, self.list_columns))
            cells = self.list_cells(values)
            cards = [self.card(record, row) for record, row in zip(records, cells)]
        widgets["list"] = self.list_widget(
            label_columns=self.label_columns, include_columns=self.list_columns,
            value_columns=values, order_columns=self.order_columns,
            formatters_columns=self.formatters_columns, page=page, page_size=page_size, count=count, pks=pks,
            actions=actions, filters=filters, modelview_name=self.__class__.__name__,
            cards=cards, row_cells=[Markup("".join([f"<td>{cell}</td>" for cell in row])) for row in cells], **kwargs)
        return widgets

    def list_cells(self, values: list[dict]) -> list[list[Markup]]:
        """Each listed value as its table cell shows it (and the phone's card), formatted once, in Python."""
        formatters = self.formatters_columns
        columns = [(name, formatters.get(name)) for name in self.list_columns]
        shown = formatting.shown
        return [[escape(form(row[name])) if form else shown(row[name]) for name, form in columns] for row in values]

    def card(self, record, cells: list[Markup]) -> dict:
        """A record as a phone shows it in a list: its name, its state, its flags, and its facts (the model's
        summary, else the row's non-blank cells with their column labels)."""
        state = self.workflow.state_of(record) if self.workflow is not None else None
        meta = self.datamodel.obj.__admin__
        flags = [label for label, test in (("逾期", meta.overdue), ("紧急", meta.urgent)) if test and test(record)]
        if meta.summary:
            facts = inbox.facts(self, record)
        else:
            labels = self.label_columns
            facts = [(labels.get(name), cell) for name, cell in zip(self.list_columns, cells) if cell.strip()]
        return {"title": str(record), "state": formatting.plain(state) if state is not None else "", "flags": flags,
                "facts": facts}

    @expose("/export.xlsx")
    @has_access
    def export_xlsx(self):
        """The list as shown (filters, quick filter, order, scope) as an Excel file (app/features/export.py)."""
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
        if template == self.list_template:
            kwargs.update(keyword=self.active_keyword(), chips=list_conditions.chips(self),
                          advanced_search_open=any(k.startswith("_flt_") for k in request.args),
                          list_url=lambda **changes: list_conditions.url_with(self, **changes))
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

    def filing_for_self(self) -> bool:
        """Whether the login user files this model for themselves only (their data scope is not 全部), and so
        gets the model's short ``self_form``."""
        return bool(self.self_columns) and DataScope.all not in scope.scopes_for(self.datamodel.obj, identity.acting_user())

    def form_columns(self) -> list[str]:
        if self.filing_for_self():
            return self.self_columns
        return [c for c in self.add_columns if c not in self.unit_not_chosen()] + \
            (list(accounts.FIELDS) if self.manages_accounts() else [])

    def unit_not_chosen(self) -> tuple[str, ...]:
        """The unit field (所属学校), where this writer does not choose it: the write path places the record."""
        name = units.field(self.datamodel.obj)
        return (name,) if name is not None and not units.chooses(self.datamodel.obj) else ()

    def _offered_form(self, form):
        """The form without the fields this writer does not fill in, so saving leaves them as they are."""
        for name in self.unit_not_chosen():
            if name in form._fields:
                del form[name]
        return form

    def manages_accounts(self) -> bool:
        return self.datamodel.obj.__admin__.account is not None and accounts.may_manage(identity.acting_user())

    def _prepare_account(self, form, item) -> None:
        spec = self.datamodel.obj.__admin__.account
        if spec is not None and hasattr(form, "account_roles"):
            accounts.prepare(form, item, spec)

    def _add(self):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self._offered_form((self.self_add_form if self.filing_for_self() else self.add_form).refresh())
        self._prepare_account(form, None)
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if self._validate(form) and self._save(form, self.datamodel.obj(), is_new=True):
                return None
        else:
            self._prefill(form)
            follow_ups.prefill(form, self.datamodel.obj)
            self.update_redirect()
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def _edit(self, pk):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        pk = self.datamodel.get_pk_value(item)
        g.engine_editing = item
        refusal = locks.refusal(item)
        if refusal:
            flash(refusal, "warning")
            return None
        if request.method == "POST":
            # FAB passes request.form as the form's obj too: a lines relation named like a dict method
            # ("items") would then read MultiDict.items; Flask-WTF takes the posted data by itself.
            form = self._offered_form((self.self_edit_form if self.filing_for_self() else self.edit_form).refresh())
            self._prepare_account(form, item)
            self._fill_form_exclude_cols(exclude_cols, form)
            form._id = pk
            if self._validate(form) and self._save(form, item, is_new=False, seen_version=form.seen_version.data or ""):
                return None
        else:
            form = self._offered_form(
                (self.self_edit_form if self.filing_for_self() else self.edit_form).refresh(obj=item))
            self._prepare_account(form, item)
            form._id = pk
            form.seen_version.data = str(item.row_version)
            self.prefill_form(form, pk)
            self.update_redirect()
        widgets = self._get_edit_widget(form=form, exclude_cols=exclude_cols)
        return self._get_related_views_widgets(item, filters={}, orders={}, pages={}, page_sizes={}, widgets=widgets)

    @property
    def form_line_specs(self) -> tuple:
        """The lines entered on the add and edit forms (the others belong to a workflow step's form)."""
        return tuple(spec for spec in self.line_specs if not spec.steps and spec.entered)

    def _validate(self, form) -> bool:
        problems = lines.prune_blank_rows(form, self.form_line_specs)
        valid = form.validate()
        for problem in problems:
            flash(problem, "danger")
        if not valid:
            flash("保存未成功，请按提示修改标红的项目", "danger")
        return valid and not problems

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        widgets = super()._get_add_widget(form, exclude_cols=exclude_cols, widgets=widgets)
        widgets["add"].template_args.update(line_specs=self.form_line_specs, include_cols=self.form_columns(),
                                            submit_label=self._submit_label())
        return widgets

    def _get_edit_widget(self, form, exclude_cols=None, widgets=None):
        widgets = super()._get_edit_widget(form, exclude_cols=exclude_cols, widgets=widgets)
        step = self._submit_step()
        item = g.get("engine_editing")
        offered = step is not None and item is not None and step.offered_to(
            item, identity.acting_user(), self.workflow.state_of(item), self.workflow.stage_of(item))
        widgets["edit"].template_args.update(line_specs=self.form_line_specs, include_cols=self.form_columns(),
                                             submit_label=self._submit_label() if offered else None)
        return widgets

    def _save(self, form, item, is_new: bool, seen_version=None) -> bool:
        """Populate, compute, check the model's rules and commit; on any refusal keep the form as typed."""
        skip = {spec.relation for spec in self.form_line_specs} | {"csrf_token", "seen_version", *accounts.FIELDS}

        def populate():
            self.process_form(form, is_new)
            for name, field in form._fields.items():
                if name not in skip:
                    field.populate_obj(item, name)
            lines.populate(item, form, self.form_line_specs)
            if is_new:  # a field the person's form leaves out takes its prefill (their own name, department)
                for name, rule in introspect.prefills(self.datamodel.obj).items():
                    if name not in form._fields and getattr(item, name, None) is None:
                        setattr(item, name, prefill.value_of(rule))
            if self.manages_accounts() and hasattr(form, "account_username"):
                return accounts.apply(self.datamodel.session, form, item, self.datamodel.obj.__admin__.account)
            return None

        try:
            warned = write.save(self.datamodel.session, item, populate, seen_version=seen_version)
        except write.Refused as refused:
            self._attach_errors(form, refused)
            return False
        (self.post_add if is_new else self.post_update)(item)
        g.engine_saved = item
        step = self._submit_step()
        if step is not None and request.form.get("_submit"):
            try:
                taken = steps.take(self.datamodel.session, item, self.workflow, step, identity.acting_user())
            except write.Refused as refused:
                # What was typed is saved; the reasons the step was refused are said, not only that it was.
                reasons = "；".join(dict.fromkeys(refused.errors.values())) or refused.message
                flash(f"已保存，但未能{step.label}：{reasons}", "danger")
                return True
            else:
                flash(f"已保存并{step.label}", "success")
                flash_warnings(taken.warnings)
                return True
        flash(self.add_row_message if is_new else self.edit_row_message, "success")
        flash_warnings(warned)
        return True

    def _submit_step(self):
        """The step the form offers to take right after saving (``Workflow(submit=…)``: 保存并提交审批)."""
        if self.workflow is None or not self.workflow.submit:
            return None
        return self.workflow.step(self.workflow.submit)

    def _submit_label(self) -> str | None:
        step = self._submit_step()
        return f"保存并{step.label}" if step is not None else None

    def _attach_errors(self, form, refused: "write.Refused") -> None:
        for name, message in refused.errors.items():
            field = form._fields.get(name)
            if field is not None:
                field.errors = list(field.errors or []) + [message]
            elif not lines.attach_row_error(form, name, message):
                flash(f"{introspect.label(self.datamodel.obj, name)}：{message}", "danger")
        flash(refused.message, "danger")

    def post_add_redirect(self):
        """After adding: another blank form (保存并继续添加), else the new record's own page."""
        if request.form.get("_continue"):
            return redirect(url_for(f"{self.endpoint}.add"))
        saved = g.get("engine_saved")
        if saved is not None:
            return redirect(url_for(f"{self.endpoint}.show", pk=saved.id))
        return redirect(self.get_redirect())

    def post_edit_redirect(self):
        saved = g.get("engine_saved")
        if saved is not None and request.form.get("_submit"):
            return redirect(url_for(f"{self.endpoint}.show", pk=saved.id))
        return redirect(self.get_redirect())

    # ----------------------------------------------------------------- show
    def _show(self, pk):
        g.engine_record = None
        return super()._show(pk)

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        """The record FAB read within the base filters (the data scope) is the one the workflow panel and lines
        show: read once, not again."""
        g.engine_record = item
        unit = units.field(self.datamodel.obj)
        if unit is None or identity.units():
            return super()._get_show_widget(pk, item, widgets=widgets, actions=actions, show_fieldsets=show_fieldsets)
        # FAB's own, without the unit (所属学校) where the organisation has no units
        columns = [c for c in self.show_columns if c != unit]
        widgets = widgets or {}
        widgets["show"] = self.show_widget(
            pk=pk, label_columns=self.label_columns, include_columns=columns,
            value_columns=self.datamodel.get_values_item(item, columns), formatters_columns=self.formatters_columns,
            actions=actions or self.actions, fieldsets=show_fieldsets or self.show_fieldsets,
            modelview_name=self.__class__.__name__)
        return widgets

    def render_show_extras(self) -> dict:
        record = g.get("engine_record")
        if record is None:
            return {}
        return {
            "line_tables": [lines.display(record, spec) for spec in self.line_specs],
            "follow_ups": follow_ups.offered(record),
            "edit_url": self._edit_url(record),
            **self.step_context(record),
        }

    def _edit_url(self, record) -> str | None:
        """修改 on the record's page, for who may edit it while its lock leaves it open (a draft stopped at
        submission is put right from where the person sees why)."""
        if not self.appbuilder.sm.has_access("can_edit", self.class_permission_name):
            return None
        if locks.refusal(record):
            return None
        return url_for(f"{self.endpoint}.edit", pk=record.id)

    # ----------------------------------------------------------------- delete
    def _delete(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        try:
            self.pre_delete(item)
            write.delete(self.datamodel.session, item, self.models_in_registry)
        except write.Refused as refused:
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
