"""Workflow steps on a generated view: the 办理 panel of the detail page (the approval page), one form per step,
the history timeline."""
from __future__ import annotations

import logging
from urllib.parse import quote

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_login import current_user
from wtforms import HiddenField, RadioField, TextAreaField

from app.declare.workflow import APPROVE, Step
from app.fab.datamodel import EngineInterface
from app.meta import introspect, prefill
from app.platform import safe_next
from app.rules import steps
from app.rules.history import history
from app.rules.write import Refused
from app.web import lines
from app.web.forms import LookupConverter, Required

log = logging.getLogger(__name__)


def flash_warnings(warnings) -> None:
    """What the record's rules warned of after a save or a step that went ahead (``Entity.warnings``)."""
    for message in warnings or ():
        flash(message, "warning")


class StepsMixin:
    workflow = None  # an app.declare.workflow.Workflow, set by the registry from the model's __admin__
    step_template = "engine/step.html"

    def _init_step_forms(self, converter) -> None:
        self.step_forms = {}
        if self.workflow is None:
            return
        model = self.datamodel.obj
        for step in self.workflow.steps:
            fields = step.all_fields
            required = {name: [Required()] for name in step.required}
            form = converter.create_form(introspect.labels(model, fields), fields,
                                         introspect.descriptions(model), required)
            extra = {"comment": TextAreaField(step.comment_label),
                     "seen_version": HiddenField()}
            if step.is_approval:
                choices = [(d, d) for d in steps.decisions(step)]
                extra["decision"] = RadioField("审批结论", choices=choices, default=APPROVE)
            if step.creates is not None:
                extra.update(self._child_fields(model, step, set(fields) | set(extra)))
            for spec in self.step_line_specs(step):
                extra[spec.relation] = lines.list_field(model, spec, self.__class__.__name__)
            self.step_forms[step.name] = type(f"{step.name.title()}StepForm", (form,), extra)

    def _child_fields(self, model, step: Step, taken: set) -> dict:
        """The fields of the child record a ``creates`` step records, built like any other form's."""
        child = introspect.relation_target(model, step.creates.relation)
        columns = list(step.creates.fields)
        clash = taken & set(columns)
        if clash:
            raise ValueError(f"{model.__name__}.{step.name}: child fields {clash} clash with the step's own")
        converter = LookupConverter(EngineInterface(child), self.__class__.__name__,
                                    column_prefix=f"{step.creates.relation}.")
        required = {name: [Required()] for name in step.creates.required}
        generated = converter.create_form(introspect.labels(child, columns), columns,
                                          introspect.descriptions(child), required)
        return {name: getattr(generated, name) for name in columns}

    def step_columns(self) -> list[str]:
        if self.workflow is None:
            return []
        return [name for step in self.workflow.steps for name in step.all_fields]

    def step_child_target(self, relation: str, column: str):
        """The model a child field of a ``creates`` step chooses from (for the lookup endpoint)."""
        for step in self.workflow.steps if self.workflow else ():
            if step.creates is not None and step.creates.relation == relation and column in step.creates.fields:
                child = introspect.relation_target(self.datamodel.obj, relation)
                if introspect.is_relation(child, column):
                    return child, column, introspect.relation_target(child, column)
        return None

    def step_line_specs(self, step: Step) -> list:
        """The document lines entered on this step's form (耗材 on 完工)."""
        return [spec for spec in self.line_specs if step.name in spec.steps]

    def step_needs_form(self, step: Step) -> bool:
        return bool(step.all_fields or step.comment or step.is_approval or step.creates
                    or self.step_line_specs(step))

    def step_fields(self, step: Step, record) -> list[str]:
        names = step.fields_at(self.workflow.stage_of(record))
        if step.creates is not None:
            names += list(step.creates.fields)
        return names

    def step_form_for(self, step: Step, record, formdata=None):
        """A step form showing the record's current values, the child's prefills and the version seen."""
        form = self.step_forms[step.name](formdata=formdata, obj=record if formdata is None else None)
        for spec in self.step_line_specs(step):
            if formdata is None and not getattr(record, spec.relation):
                form[spec.relation].entries = []  # a new blank row is drawn by the template, not required
                form[spec.relation].last_index = -1
        if formdata is None:
            form.seen_version.data = getattr(record, "row_version", "")
            if step.creates is not None:
                child = introspect.relation_target(self.datamodel.obj, step.creates.relation)
                for name, rule in introspect.prefills(child).items():
                    if name in step.creates.fields:
                        try:
                            form[name].data = prefill.value_of(rule)
                        except KeyError:
                            log.warning("unknown prefill rule %s on %s", rule, name)
        return form

    def step_context(self, record) -> dict:
        if self.workflow is None:
            return {}
        stage = self.workflow.stage_of(record)
        session = self.datamodel.session
        return {
            "workflow_state": self.workflow.state_of(record),
            "workflow_holders": self.workflow.holders(session, record),
            "workflow_steps": self.workflow.offered(record, current_user),
            "workflow_history": history(session, record),
            "step_needs_form": self.step_needs_form,
            "step_label": lambda step: step.label_at(stage),
            "step_fields": lambda step: self.step_fields(step, record),
            "step_form": lambda step: self.step_form_for(step, record),
            "step_lines": self.step_line_specs,
            "record_version": getattr(record, "row_version", ""),
        }

    @expose("/step/<name>/<int:pk>", methods=["GET", "POST"])
    @has_access
    def step(self, name, pk):
        step = self.workflow.step(name) if self.workflow else None
        record = self.datamodel.get(pk, self._base_filters) if step else None
        if record is None:
            abort(404)
        show_url = url_for(f"{self.endpoint}.show", pk=pk)
        stage = self.workflow.stage_of(record)
        label = step.label_at(stage)
        fields = self.step_fields(step, record)
        if request.method == "GET":
            if not step.offered_to(record, current_user, self.workflow.state_of(record), stage):
                flash(steps.HANDLED.format(label=label), "warning")
                return redirect(show_url)
            form = self.step_form_for(step, record)
        else:
            form = self.step_forms[name]()
            specs = self.step_line_specs(step)
            problems = lines.prune_blank_rows(form, specs)
            if form.validate() and not problems:
                decision = form.decision.data if step.is_approval else APPROVE
                own = step.fields_at(stage)
                child_fields = list(step.creates.fields) if step.creates else []

                def populate():
                    for field_name in own:
                        form[field_name].populate_obj(record, field_name)
                    lines.populate(record, form, specs)

                try:
                    taken = steps.take(self.datamodel.session, record, self.workflow, step, current_user,
                               decision=decision, comment=form.comment.data,
                               seen_version=form.seen_version.data, populate=populate,
                               populate_child=lambda child: [form[f].populate_obj(child, f) for f in child_fields])
                except Refused as refused:
                    if not refused.errors:
                        flash(refused.message, "warning")
                        return redirect(show_url)
                    for field_name, message in refused.errors.items():
                        target = form._fields.get(field_name)
                        if target is not None:
                            target.errors = list(target.errors or []) + [message]
                        elif not lines.attach_row_error(form, field_name, message):
                            flash(message, "danger")
                    flash(refused.message, "danger")
                else:
                    flash(f"已办理「{label}」" + (f"（{decision}）" if step.is_approval else ""), "success")
                    flash_warnings(taken.warnings)
                    return redirect(self._after_step(record, step, show_url))
            else:
                for problem in problems:
                    flash(problem, "danger")
                flash("未办理，请按提示补充或修改", "danger")
        return self.render_template(self.step_template, title=f"{label}：{record}", step=step,
                                    step_label=label, record=record, form=form, show_url=show_url,
                                    fields=fields, step_lines=self.step_line_specs(step))

    def _after_step(self, record, step: Step, show_url: str) -> str:
        """Where a person goes after a step: the record again when it now offers them more (接单 → 完工,
        验收 → 评价) or shows what the step recorded (验收入库: the asset cards), else back where they came
        from (我的待办)."""
        back = _local(request.args.get("next"))
        session = self.datamodel.session
        session.refresh(record)
        if step.creates is not None or self.workflow.offered(record, current_user):
            return show_url + (f"?next={quote(back)}" if back else "")
        return back or show_url


def _local(url: str | None) -> str | None:
    """A return address within this site only (我的待办 sends users back to itself)."""
    return safe_next.safe_local_path(url)
