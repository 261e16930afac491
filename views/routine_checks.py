"""今日检查: the checks due today for the person on duty, each filled in as a checklist on a phone.

The list shows the tasks of 检查计划 the login user answers for (its 责任人, or a holder of its 责任岗位 in its
department), due today, read within the user's data scope; opening the page first makes any task the schedule
still owes (``routines.catch_up``). A checklist is one form: each item 正常 or 异常, with a note and a photo.
It is saved through the one write path (``write.save``): the task's lock (a finished task stays as it was),
the rules of the model (an 异常 needs its note; a task past its 截止日期 is 漏检 and is no longer filled in),
the audit row. A refused save shows the reason with everything typed kept, photos included. After saving, each
异常 item offers 「登记为隐患」 and 「报修」 with what was found carried over (app/features/follow_ups.py).
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from app.extensions import db
from app.features import follow_ups, uploads
from app.meta import clock, formatting
from app.rules import read, write
from models.org import current_staff
from models.routines import CheckOutcome, InspectionTask, TaskStatus, catch_up, due_for, may_do

from .base import SchoolPage


class ChecklistForm(FlaskForm):
    """Carries only the CSRF token; the items are read from the request by their result's id."""


def _roles() -> set[str]:
    return {role.name for role in getattr(current_user, "roles", ())}


class RoutineChecksView(SchoolPage):
    route_base = "/checks"
    default_view = "index"
    class_permission_name = "RoutineChecks"
    method_permission_name = {"index": "read", "task": "read", "submit": "add", "done": "read"}
    menu_label = "今日检查"
    menu_category = "日常检查"
    menu_icon = "fa-check-square-o"

    @expose("/")
    @has_access
    def index(self):
        catch_up(db.session)
        staff = current_staff()
        tasks = due_for(db.session, staff, _roles(), read.criteria(InspectionTask)) if staff else []
        month_start = clock.today().replace(day=1)
        missed = 0
        if staff is not None:
            missed = db.session.scalar(select(func.count(InspectionTask.id)).where(
                InspectionTask.status == TaskStatus.pending, InspectionTask.due_by < clock.today(),
                InspectionTask.due_by >= month_start, InspectionTask.assignee_id == staff.id,
                *read.criteria(InspectionTask))) or 0
        return self.render("views/routine_checks.html", tasks=tasks, missed=missed, staff=staff,
                           today=clock.today(), day=formatting.day)

    def _task(self, pk: int) -> InspectionTask:
        task = read.one(db.session, InspectionTask, pk)
        if task is None:
            abort(404)
        return task

    def _may_fill(self, task: InspectionTask) -> str | None:
        """Why this user cannot fill the task now; None when they can."""
        if task.status == TaskStatus.done:
            return f"「{task}」已由{task.done_by or '他人'}完成检查"
        if not may_do(task, current_staff(), _roles()):
            return f"「{task}」不是您负责的检查"
        today = clock.today()
        if task.due_on > today:
            return f"「{task}」自 {task.due_on:%Y-%m-%d} 起才能检查"
        if task.due_by < today:
            return f"「{task}」已过截止日期 {task.due_by:%Y-%m-%d}，计为漏检"
        return None

    @expose("/<int:pk>")
    @has_access
    def task(self, pk):
        task = self._task(pk)
        if task.status == TaskStatus.done:
            return redirect(url_for(".done", pk=pk))
        problem = self._may_fill(task)
        if problem:
            flash(problem, "warning")
            return redirect(url_for(".index"))
        return self._checklist(task)

    def _checklist(self, task, typed: dict | None = None, kept: dict | None = None, errors: dict | None = None):
        return self.render("views/routine_check_task.html", title=str(task), task=task, form=ChecklistForm(),
                           typed=typed or {}, kept=kept or {}, errors=errors or {}, day=formatting.day,
                           abnormal=CheckOutcome.abnormal, accept=uploads.ACCEPT, upload_help=uploads.help_text())

    @expose("/<int:pk>", methods=["POST"])
    @has_access
    def submit(self, pk):
        task = self._task(pk)
        problem = self._may_fill(task)
        if problem:
            flash(problem, "danger")
            return redirect(url_for(".index"))
        if not ChecklistForm().validate_on_submit():
            flash("页面已过期，请重新填写", "danger")
            return redirect(url_for(".task", pk=pk))
        typed, kept, errors = self._read(task)
        if errors:
            db.session.rollback()
            return self._checklist(task, typed, kept, errors)
        # The checker is looked up before anything changes on the task: the lookup's query would flush the new
        # state first, and the lock would then read the task as already 已完成.
        checker = current_staff()
        task.status = TaskStatus.done
        task.done_by = checker
        task.done_at = clock.now().replace(microsecond=0)
        task.note = (request.form.get("note") or "").strip()[:2000] or None
        try:
            write.save(db.session, task)
        except write.Refused as refused:
            task = self._task(pk)
            message = "；".join(dict.fromkeys(refused.errors.values())) or refused.message
            return self._checklist(task, typed, kept, {"form": message})
        flash(f"已完成「{task}」的检查" + (f"，发现 {task.abnormal} 项异常" if task.abnormal else "，全部正常"),
              "warning" if task.abnormal else "success")
        return redirect(url_for(".done", pk=pk))

    def _read(self, task) -> tuple[dict, dict, dict]:
        """Put what was posted on the task's results; (typed values, kept photos, errors by result id)."""
        typed, kept, errors = {}, {}, {}
        for result in task.results:
            key = str(result.id)
            outcome = request.form.get(f"outcome-{key}", CheckOutcome.normal.name)
            note = (request.form.get(f"note-{key}") or "").strip()[:200]
            typed[key] = {"outcome": outcome, "note": note}
            result.outcome = CheckOutcome.abnormal if outcome == CheckOutcome.abnormal.name else CheckOutcome.normal
            result.note = note or None
            upload = request.files.get(f"photo-{key}")
            stored = None
            if upload is not None and upload.filename:
                message = uploads.check(upload)
                if message:
                    errors[key] = message
                else:
                    stored = uploads.store(upload, staged=False)
            elif request.form.get(f"photo-{key}-kept"):
                stored = uploads.kept_value(request.form[f"photo-{key}-kept"])
            if stored:
                result.photo = stored
                kept[key] = {"token": uploads.kept_token(stored), "name": uploads.split(stored)[1],
                             "url": url_for("uploads.serve", stored=uploads.split(stored)[0],
                                            kept=uploads.kept_token(stored))}
            if result.outcome == CheckOutcome.abnormal and not note:
                errors.setdefault(key, "异常项请写明情况")
        return typed, kept, errors

    @expose("/<int:pk>/done")
    @has_access
    def done(self, pk):
        task = self._task(pk)
        found = [(result, follow_ups.offered(result)) for result in task.results
                 if result.outcome == CheckOutcome.abnormal]
        return self.render("views/routine_check_done.html", title=str(task), task=task, found=found,
                           moment=formatting.moment)
