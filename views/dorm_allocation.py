"""批量分配床位: the dorm manager picks students and a building; free beds are filled by the rules."""
from __future__ import annotations

import logging

from flask import flash, request
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.rules import read, write
from models.dorms import Accommodation, AccommodationStatus, Building, Student, allocate

from .base import SchoolPage

log = logging.getLogger(__name__)

MAX_SHOWN = 600
# Another 宿管员 placed students in the same building between this page's reading of the free beds and its
# writing (a bed's, room's or student's row version moved, or the database refused a second active stay).
RACED = "床位已被他人修改（有人同时在这栋楼分配床位），本次分配全部未保存。请重新选择学生后再分配。"


class AllocationForm(FlaskForm):
    """Carries only the CSRF token; the chosen students and building come as plain fields."""


def unhoused_students(building: Building | None, grade: str, class_name: str) -> list[Student]:
    housed = select(Accommodation.student_id).where(Accommodation.status == AccommodationStatus.active)
    stmt = select(Student).where(Student.id.not_in(housed))
    if building is not None:
        stmt = stmt.where(Student.gender == building.gender)
    if grade:
        stmt = stmt.where(Student.grade == grade)
    if class_name:
        stmt = stmt.where(Student.class_name == class_name)
    stmt = stmt.order_by(Student.grade, Student.class_name, Student.student_no).limit(MAX_SHOWN)
    return list(db.session.scalars(stmt))


class DormAllocationView(SchoolPage):
    route_base = "/dorm-allocation"
    default_view = "index"
    class_permission_name = "DormAllocation"
    method_permission_name = {"index": "read", "allocate": "add"}
    menu_label = "批量分配床位"
    menu_category = "宿舍管理"
    menu_icon = "fa-users"

    def _page(self, building, placed=(), refused=(), form=None):
        grade = request.values.get("grade", "").strip()
        class_name = request.values.get("class_name", "").strip()
        buildings = db.session.query(Building).filter(*read.criteria(Building)).order_by(Building.name).all()
        grades = [g for (g,) in db.session.query(Student.grade).distinct().order_by(Student.grade) if g]
        return self.render("views/dorm_allocation.html", buildings=buildings, building=building,
                           students=unhoused_students(building, grade, class_name), grades=grades,
                           grade=grade, class_name=class_name, placed=placed, refused=refused,
                           form=form or AllocationForm(), max_shown=MAX_SHOWN)

    def _building(self):
        """The chosen building, only if it is within the user's data scope (a 宿管员's own buildings)."""
        raw = request.values.get("building", "")
        if not raw.isdigit():
            return None
        return db.session.query(Building).filter(Building.id == int(raw), *read.criteria(Building)).first()

    def _lost_race(self, building, form, problem, message: str = RACED):
        """Nothing of this allocation is kept: the session rolls back; the page says why in Chinese."""
        db.session.rollback()
        if message is RACED:
            log.info("allocation lost a race: %s", problem)
        else:
            log.exception("database error while allocating beds")
        flash(message, "danger")
        return self._page(building, form=form)

    @expose("/")
    @has_access
    def index(self):
        return self._page(self._building())

    @expose("/allocate", methods=["POST"])
    @has_access
    def allocate(self):
        form = AllocationForm()
        building = self._building()
        ids = [int(v) for v in request.form.getlist("student") if v.isdigit()]
        if not form.validate():
            flash("页面已过期，请刷新后重试", "danger")
            return self._page(building, form=form)
        if building is None or not ids:
            flash("请选择宿舍楼，并至少勾选一名学生", "warning")
            return self._page(building, form=form)
        students = list(db.session.scalars(select(Student).where(Student.id.in_(ids), *read.criteria(Student))))
        try:
            placed, refused = allocate(db.session, students, building)  # flushes each stay as it places it
        except (StaleDataError, IntegrityError) as lost:
            return self._lost_race(building, form, lost)
        except SQLAlchemyError as failed:
            return self._lost_race(building, form, failed, message=write.DATABASE)
        pairs = {(id(student), id(bed)) for student, bed in placed}
        stays = [record for record in db.session.identity_map.values() if isinstance(record, Accommodation)
                 and (id(record.student), id(record.bed)) in pairs]
        try:
            write.save_all(db.session, stays, created=True)
        except write.Refused as problem:
            flash(problem.message if not problem.errors else f"{problem.message}：{'；'.join(problem.errors.values())}",
                  "danger")
            return self._page(building, form=form)
        placed_rows = [(s.student_no, s.name, s.class_name, str(bed)) for s, bed in placed]
        refused_rows = [(s.student_no, s.name, s.class_name, reason) for s, reason in refused]
        if placed_rows:
            flash(f"已为 {len(placed_rows)} 名学生分配床位", "success")
        if refused_rows:
            flash(f"{len(refused_rows)} 名学生未能分配，原因见下表", "warning")
        return self._page(building, placed_rows, refused_rows, form)
