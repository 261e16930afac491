"""Workflow steps on a generated view: buttons on the detail page, a small form per step, the history."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_login import current_user
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired

from . import introspect, steps
from .persistence import Refused
from .workflow import APPROVE, Step, history


class StepsMixin:
    workflow = None  # an app.workflow.Workflow, set by the registry from the model's __admin__
    step_template = "engine/step.html"

    def _init_step_forms(self, converter) -> None:
        self.step_forms = {}
        if self.workflow is None:
            return
        model = self.datamodel.obj
        for step in self.workflow.steps:
            fields = list(step.fields)
            required = {name: [DataRequired()] for name in step.required}
            form = converter.create_form(introspect.labels(model, fields), fields,
                                         introspect.descriptions(model), required)
            extra = {"comment": TextAreaField("驳回或退回的理由 / 意见" if step.is_approval else "意见")}
            if step.is_approval:
                choices = [(d, d) for d in steps.decisions(step)]
                extra["decision"] = RadioField("审批结论", choices=choices, default=APPROVE)
            self.step_forms[step.name] = type(f"{step.name.title()}StepForm", (form,), extra)

    def step_columns(self) -> list[str]:
        if self.workflow is None:
            return []
        return [name for step in self.workflow.steps for name in step.fields]

    @staticmethod
    def step_needs_form(step: Step) -> bool:
        return bool(step.fields or step.comment or step.is_approval)

    def step_context(self, record) -> dict:
        if self.workflow is None:
            return {}
        state = self.workflow.state_of(record)
        return {
            "workflow_state": state,
            "workflow_steps": self.workflow.offered(record, current_user),
            "workflow_history": history(self.datamodel.session, record),
            "step_needs_form": self.step_needs_form,
            "step_form": lambda step: self.step_forms[step.name](formdata=None),
        }

    @expose("/step/<name>/<int:pk>", methods=["GET", "POST"])
    @has_access
    def step(self, name, pk):
        step = self.workflow.step(name) if self.workflow else None
        record = self.datamodel.get(pk, self._base_filters) if step else None
        if record is None:
            abort(404)
        show_url = url_for(f"{self.endpoint}.show", pk=pk)
        if request.method == "GET":
            if not step.offered_to(record, current_user, self.workflow.state_of(record)):
                flash(steps.HANDLED.format(label=step.label), "warning")
                return redirect(show_url)
            form = self.step_forms[name](obj=record)
        else:
            form = self.step_forms[name]()
            if form.validate():
                decision = form.decision.data if step.is_approval else APPROVE
                try:
                    steps.take(self.datamodel.session, record, self.workflow, step, current_user,
                               decision=decision, comment=form.comment.data,
                               populate=lambda: [form[f].populate_obj(record, f) for f in step.fields])
                except Refused as refused:
                    if not refused.errors:
                        flash(refused.message, "warning")
                        return redirect(show_url)
                    for field_name, message in refused.errors.items():
                        target = form._fields.get(field_name)
                        if target is not None:
                            target.errors = list(target.errors or []) + [message]
                    flash(refused.message, "danger")
                else:
                    flash(f"已办理「{step.label}」", "success")
                    return redirect(show_url)
            else:
                flash("未办理，请按提示补充或修改", "danger")
        return self.render_template(self.step_template, title=f"{step.label}：{record}", step=step,
                                    record=record, form=form, show_url=show_url,
                                    fields=list(step.fields))
