"""Generated from the declarations: every model × door × rule of the one write path (app/rules/write.py).

Doors: the generated form (its edit page replayed as the browser would post it), REST (POST/PUT/DELETE), a
document's lines on their own pages, import (``write.refusals``, which the import calls per row). Rules: the
declared lock, the row version seen, the fields a door may write, each reference within the user's scope.
Every refusal leaves the record as it was (read back as the administrator) and writes no audit row.
"""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import func, inspect, update

from tests.conftest import DEMO_ACCOUNTS, DEMO_PASSWORD, flashes, login

READ_ONLY_ROLES = ("admin",)


def _declared_models():
    import models
    from app.web.registry import discover

    return [m for m in discover(models) if m.__admin__.generate and m.__admin__.api]


MODELS = _declared_models()
LOCKED = [m for m in MODELS if m.__admin__.lock is not None]
assert len(MODELS) > 30 and len(LOCKED) >= 7  # the generated cases below are not silently empty


def resource(model) -> str:
    return model.__tablename__.replace("_", "-")


def audit_count(db) -> int:
    from app.rules.audit import AuditLog

    db.session.expire_all()
    return db.session.query(func.count(AuditLog.id)).scalar()


def snapshot(db, model, pk):
    """The stored row, column by column, as the administrator reads it."""
    db.session.expire_all()
    record = db.session.get(model, pk)
    return {c.key: getattr(record, c.key) for c in inspect(model).column_attrs}


def restore(db, model, pk, row) -> None:
    """Put a row back as it was (other tests read the demo as loaded)."""
    db.session.rollback()
    values = {p.columns[0].name: row[p.key] for p in inspect(model).column_attrs if p.key in row and p.key != "id"}
    db.session.execute(update(model.__table__).where(model.__table__.c.id == pk).values(values))
    db.session.commit()
    db.session.expire_all()


def any_record(db, model):
    return db.session.query(model).order_by(model.id).first()


class FormFields(HTMLParser):
    """The fields of the page's record form as a browser would post them (selected options, checked boxes)."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "").lower() == "post" and "engine-once" not in a.get("class", "x") \
                or tag == "form" and a.get("id") == "model_form":
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text.strip("\n")))
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form = False


def form_of(html: str) -> dict[str, list[str]]:
    parser = FormFields()
    parser.feed(html)
    found: dict[str, list[str]] = {}
    for name, value in parser.fields:
        found.setdefault(name, []).append(value)
    return found


def _lock_of(record):
    from app.rules import locks

    return locks.refusal(record)


# ----------------------------------------------------------------------------- the row version
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_stale_version_is_refused_on_rest_and_on_the_form(app, db, admin, model):
    record = any_record(db, model)
    if record is None:  # a kind the demo leaves empty: make sure it is not a kind with edits to test
        pytest.fail(f"the demo has no {model.__name__}")
    before, audits = snapshot(db, model, record.id), audit_count(db)
    stale = record.row_version - 1 if record.row_version > 1 else record.row_version + 7
    put = admin.put(f"/api/v1/{resource(model)}/{record.id}", json={"row_version": stale})
    refusal = put.json.get("message")
    locked = put.status_code == 422 and refusal == _lock_of(record)  # its own lock or its document's
    assert put.status_code == 409 or locked, (put.status_code, refusal)
    assert "已被他人修改" in str(refusal) or locked
    page = admin.get(f"/{resource(model)}/edit/{record.id}")
    if page.status_code == 200:  # a locked record's page explains and goes back instead (tested below)
        fields = form_of(page.text)
        assert "seen_version" in fields, model.__name__
        fields["seen_version"] = [str(stale)]
        posted = admin.post(f"/{resource(model)}/edit/{record.id}", data=fields)
        assert posted.status_code == 200, (model.__name__, posted.status_code)
        assert any("已被他人修改" in f for f in flashes(posted.text)), (model.__name__, flashes(posted.text))
    assert snapshot(db, model, record.id) == before
    assert audit_count(db) == audits


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_current_version_saves_unchanged_through_both_doors(app, db, admin, model):
    """The same replayed form and PUT with the version read do save (so the refusals above are the version's)."""
    record = db.session.query(model).order_by(model.id.desc()).first()
    page = admin.get(f"/{resource(model)}/edit/{record.id}")
    if page.status_code != 200:
        assert _lock_of(record), (model.__name__, page.status_code)
        return
    row = snapshot(db, model, record.id)
    try:
        posted = admin.post(f"/{resource(model)}/edit/{record.id}", data=form_of(page.text))
        assert posted.status_code == 302, (model.__name__, flashes(posted.text))
        db.session.expire_all()
        version = db.session.get(model, record.id).row_version
        assert version >= row["row_version"]  # no change, no UPDATE; a change moves it on
        put = admin.put(f"/api/v1/{resource(model)}/{record.id}", json={"row_version": version})
        assert put.status_code == 200, (model.__name__, put.json)
    finally:
        restore(db, model, record.id, row)


# ----------------------------------------------------------------------------- declared locks
def _lock_it(db, model):
    """A record of ``model`` put into a state its lock forbids changing (by SQL, as a finished workflow would)."""
    from app.rules import locks

    lock = model.__admin__.lock
    field = lock.field or model.__admin__.workflow.field
    column = inspect(model).attrs[field].columns[0]
    states = list(column.type.enum_class)
    closed = list(lock.closed_in) or [s for s in states if s not in lock.open_in]
    record = db.session.query(model).order_by(model.id.desc()).first()
    original = getattr(record, field)
    db.session.execute(update(model).where(model.id == record.id).values({field: closed[0]}))
    db.session.commit()
    db.session.expire_all()
    record = db.session.get(model, record.id)
    message = locks.refusal(record)
    assert message, (model.__name__, closed[0])
    return record, message, lambda: _put_back(db, model, record.id, field, original)


def _put_back(db, model, pk, field, value):
    """Other tests read the demo as loaded: the state set by SQL goes back the same way."""
    db.session.rollback()
    db.session.execute(update(model).where(model.id == pk).values({field: value}))
    db.session.commit()


@pytest.mark.parametrize("model", LOCKED, ids=lambda m: m.__name__)
def test_a_locked_record_refuses_every_door(app, db, admin, model):
    from app.rules import write

    record, message, put_back = _lock_it(db, model)
    try:
        before, audits = snapshot(db, model, record.id), audit_count(db)
        put = admin.put(f"/api/v1/{resource(model)}/{record.id}", json={"row_version": record.row_version})
        assert put.status_code == 422 and put.json["message"] == message, put.json
        page = admin.get(f"/{resource(model)}/edit/{record.id}", follow_redirects=True)
        assert message in " ".join(flashes(page.text)), flashes(page.text)
        posted = admin.post(f"/{resource(model)}/edit/{record.id}", data={"seen_version": record.row_version},
                            follow_redirects=True)
        assert message in " ".join(flashes(posted.text))
        assert write.refusals(db.session, record) == {"": message}  # what the import reports for such a row
        db.session.rollback()
        assert snapshot(db, model, record.id) == before
        assert audit_count(db) == audits
    finally:
        put_back()


def _line_models():
    from app.meta import introspect

    found = []
    for model in LOCKED:
        for spec in model.__admin__.lines:
            child = introspect.relation_target(model, spec.relation)
            if child in MODELS:
                found.append((model, spec.relation, child))
    return found


@pytest.mark.parametrize("model,relation,child", _line_models(), ids=lambda v: getattr(v, "__name__", v))
def test_the_lines_of_a_locked_document_refuse_their_own_doors(app, db, admin, model, relation, child):
    from app.rules import locks

    document = None
    for candidate in db.session.query(model).order_by(model.id.desc()):
        if getattr(candidate, relation):
            document = candidate
            break
    assert document is not None, f"the demo has no {model.__name__} with {relation}"
    lock = model.__admin__.lock
    field = lock.field or model.__admin__.workflow.field
    states = list(inspect(model).attrs[field].columns[0].type.enum_class)
    closed = list(lock.closed_in) or [s for s in states if s not in lock.open_in]
    original = getattr(document, field)
    db.session.execute(update(model).where(model.id == document.id).values({field: closed[0]}))
    db.session.commit()
    try:
        db.session.expire_all()
        document = db.session.get(model, document.id)
        message = locks.refusal(document)
        line = getattr(document, relation)[0]
        before, audits = snapshot(db, child, line.id), audit_count(db)
        put = admin.put(f"/api/v1/{resource(child)}/{line.id}", json={"row_version": line.row_version})
        assert put.status_code == 422 and put.json["message"] == message, put.json
        assert admin.delete(f"/api/v1/{resource(child)}/{line.id}").status_code == 422
        page = admin.get(f"/{resource(child)}/edit/{line.id}", follow_redirects=True)
        assert message in " ".join(flashes(page.text))
        assert snapshot(db, child, line.id) == before
        assert audit_count(db) == audits
    finally:
        _put_back(db, model, document.id, field, original)


# ----------------------------------------------------------------------------- fields a door may write
def _roles_that_add(app, model):
    roles = app.extensions["engine"].roles
    return [(u, r) for u, r in sorted(DEMO_ACCOUNTS.items())
            if r in roles and "add" in roles[r].actions_for(model.__name__)]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_rest_refuses_fields_the_persons_form_does_not_offer(app, db, model):
    """An unknown key, the workflow's state, an engine-made number, and — for people filing for themselves —
    the fields their short form leaves to its prefills: each is named in a Chinese refusal; nothing is made."""
    from app.declare.roles import DataScope
    from app.meta import introspect

    meta = model.__admin__
    forbidden = {"不存在的字段"}
    if meta.workflow is not None:
        forbidden.add(meta.workflow.field)
    forbidden |= {c.key for c in model.__table__.columns if c.info.get("serial")}
    count = db.session.query(func.count(model.id)).scalar()
    users = _roles_that_add(app, model) + [("admin", "系统管理员")]
    for username, role in users:
        client = app.test_client()
        login(client, username, DEMO_PASSWORD)
        own = set()
        spec = app.extensions["engine"].roles.get(role)
        if meta.self_form and spec is not None and spec.scope != DataScope.all:
            own = {n for n in meta.form if n not in meta.self_form and not introspect.is_computed(model, n)}
        for name in sorted(forbidden | own):
            response = client.post(f"/api/v1/{resource(model)}/", json={name: None})
            assert response.status_code == 422, (model.__name__, username, name, response.status_code)
            said = response.json["message"][name][0]
            assert said.startswith("不能填写") or said.startswith("没有这一项"), said
    assert db.session.query(func.count(model.id)).scalar() == count


# ----------------------------------------------------------------------------- references within scope
def _references(model):
    return [p for p in inspect(model).relationships if not p.uselist and not p.viewonly
            and p.mapper.class_ in MODELS]


# The school a record belongs to (Scope(unit=...)) is not a reference the writer's scope bounds: a school's 宿管员
# places a student in the school itself, above their department. Its own rule is tested in tests/test_units.py.
CASES = [(m, p.key) for m in MODELS for p in _references(m) if p.key != m.__admin__.scope.unit]


def test_a_reference_outside_the_scope_is_refused_for_every_limited_role(app, db):
    """For every model × reference × role that may add the model and whose scope of the target is narrower
    than the school: a target outside it is refused by the check every door runs (app/rules/references.py)
    with the message the REST and form doors show, and a target inside it is accepted."""
    from flask_login import login_user

    from app.rules import references, scope
    from models.org import User

    problems, checked = [], set()
    for model, relation in CASES:
        target = inspect(model).attrs[relation].mapper.class_
        for username, _ in _roles_that_add(app, model):
            with app.test_request_context():
                login_user(db.session.query(User).filter_by(username=username).one())
                where = scope.criterion(target)
                if where is None:
                    continue
                outside = db.session.query(target).filter(~where).order_by(target.id).first()
                inside = db.session.query(target).filter(where).order_by(target.id).first()
                if outside is None:
                    continue
                with db.session.no_autoflush:
                    record = model()
                    setattr(record, relation, outside)
                    refused = references.out_of_scope(db.session, record).get(relation, "")
                    if not refused.endswith("不在您的数据范围内，请从下拉列表中选择"):
                        problems.append((model.__name__, relation, username, "outside accepted"))
                    if inside is not None:
                        setattr(record, relation, inside)
                        if relation in references.out_of_scope(db.session, record):
                            problems.append((model.__name__, relation, username, "inside refused"))
                    if record in db.session:
                        db.session.expunge(record)
                db.session.rollback()
                checked.add((model.__name__, relation, username))
    assert problems == []
    assert len(checked) >= 20, sorted(checked)  # the demo's limited roles reach many references
