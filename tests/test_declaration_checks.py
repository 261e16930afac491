"""Declarations are checked at start (app/declare/checks.py): each kind of mistake is named, with its model and
declaration, and the app does not start; the school's own declarations pass."""
from __future__ import annotations

import dataclasses
import os

import pytest

from app.declare import checks


@pytest.fixture
def matrix():
    from models.roles import ROLES

    return dict(ROLES)


def _problems(model, matrix, **changes):
    original = model.__admin__
    model.__admin__ = dataclasses.replace(original, **changes)
    try:
        return checks.problems([model], matrix, admin_role="系统管理员")
    finally:
        model.__admin__ = original


def _grantable(app):
    return {getattr(v, "class_permission_name", "") for v in app.extensions["engine"].appbuilder.baseviews}


def test_the_schools_declarations_all_resolve(app, matrix):
    assert checks.problems(app.extensions["engine"].models, matrix, app.config["AUTH_ROLE_ADMIN"]) == []
    assert checks.grant_problems(matrix, _grantable(app)) == []


@pytest.mark.parametrize("what", ["list", "search", "show", "form", "self_form", "summary", "lookup"])
def test_an_unknown_column_in_an_admin_list_is_named(matrix, what):
    from models.repairs import RepairOrder

    (found,) = _problems(RepairOrder, matrix, **{what: ["title", "titel"]})
    assert "RepairOrder" in found and what in found and "titel" in found


def test_a_scope_path_that_does_not_resolve_is_named(matrix):
    from app.declare import Scope
    from models.repairs import RepairOrder

    (found,) = _problems(RepairOrder, matrix, scope=Scope(department="departmnt", owner="reporter"))
    assert "RepairOrder" in found and "scope.department" in found and "departmnt" in found
    (found,) = _problems(RepairOrder, matrix, scope=Scope(department="title.name"))
    assert "title.name" in found  # through a plain column: not a path


def test_a_unit_path_that_does_not_resolve_is_named(matrix):
    from app.declare import Scope
    from models.dorms import Student

    (found,) = _problems(Student, matrix, scope=Scope(unit="schol"))
    assert "Student" in found and "scope.unit" in found and "schol" in found
    assert _problems(Student, matrix, scope=Scope(unit="school")) == []


def test_a_workflow_role_missing_from_the_matrix_is_named(matrix):
    from models.repairs import RepairOrder

    del matrix["后勤主任"]
    found = checks.problems([RepairOrder], matrix, admin_role="系统管理员")  # the role itself is gone
    assert found and all("后勤主任" in f and "RepairOrder" in f for f in found)
    assert any("受理派工" in f for f in found)


def test_a_grant_naming_no_model_or_page_is_named(app, matrix):
    from app.declare.roles import RoleSpec

    spec = matrix["维修工"]
    matrix["维修工"] = RoleSpec(spec.scope, {**spec.grants, "RepairOrdr": "read"})
    (found,) = checks.grant_problems(matrix, _grantable(app))
    assert "维修工" in found and "RepairOrdr" in found


def test_a_qualifying_rule_on_a_plain_column_is_named(matrix):
    from app.declare import Qualify
    from models.repairs import RepairOrder

    column = RepairOrder.__table__.c.title
    column.info["qualify"] = Qualify(lambda target, record: None, "不会用到")
    try:
        (found,) = checks.problems([RepairOrder], matrix, admin_role="系统管理员")
    finally:
        del column.info["qualify"]
    assert "RepairOrder" in found and "qualify" in found and "title" in found


def test_a_lock_naming_a_state_of_another_kind_is_named(matrix):
    from app.declare import Lock
    from models.purchasing import PurchaseStatus
    from models.repairs import RepairOrder

    (found,) = _problems(RepairOrder, matrix, lock=Lock(closed_in=(PurchaseStatus.void,)))
    assert "RepairOrder" in found and "lock" in found and "RepairStatus" in found


def test_line_columns_and_steps_are_checked(matrix):
    from app.declare import Lines
    from models.repairs import RepairOrder

    found = _problems(RepairOrder, matrix, lines=[Lines("materials", ["name", "qty"], steps=("finnish",))])
    assert len(found) == 2 and any("qty" in f for f in found) and any("finnish" in f for f in found)


def test_a_mistaken_declaration_stops_the_start(tmp_path, monkeypatch):
    from app import create_app
    from models.repairs import RepairOrder

    monkeypatch.setattr(RepairOrder, "__admin__", dataclasses.replace(RepairOrder.__admin__, list=["titel"]))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'start.db'}")
    with pytest.raises(checks.DeclarationError) as refused:
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"]})
    assert "RepairOrder" in str(refused.value) and "titel" in str(refused.value) and "系统未启动" in str(refused.value)
