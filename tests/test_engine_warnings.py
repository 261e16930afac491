"""Engine: a model's warnings (``Entity.warnings``) — the save or step goes ahead, and the person is told after it;
and money below zero as accounts write it (-¥800.00), as a budget's 余额 may be."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.declare import Admin, Choice, Entity, choice, money, pk, text
from app.declare.workflow import Step, Workflow, role
from tests.conftest import DEMO_PASSWORD, flashes, login


class NoteState(Choice):
    draft = "草稿"
    sent = "已报送"


class WarnedNote(Entity):
    __tablename__ = "test_warned_note"
    __admin__ = Admin(
        "测试提醒单", menu="测试分类", list=["title", "amount", "state"], form=["title", "amount"],
        workflow=Workflow("state", [Step("send", "报送", (NoteState.draft,), NoteState.sent, by=role("后勤主任"))]))
    id = pk()
    title = text("标题", 50, required=True)
    amount = money("金额")
    state = choice(NoteState, "状态", required=True, default=NoteState.draft)

    def validate(self):
        return {"amount": "金额不能超过 1000"} if self.amount is not None and self.amount > 1000 else {}

    def warnings(self):
        if self.amount is not None and self.amount > 100:
            return [f"金额偏高：{int(self.amount)}（{self.state.value if self.state else '草稿'}）"] * 2  # said once
        return []


@pytest.fixture(scope="module")
def warn_app(app):
    from app import create_app
    from app.declare.roles import RoleSpec
    from app.extensions import db
    from app.platform.permissions import sync_roles
    from models.roles import ROLES

    application = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}, extra_models=[WarnedNote])
    with application.app_context():
        WarnedNote.__table__.create(db.engine, checkfirst=True)
        application.extensions["engine"].appbuilder.add_permissions(update_perms=True)
        roles = dict(ROLES)
        spec = roles["后勤主任"]
        roles["后勤主任"] = RoleSpec(spec.scope, {**spec.grants, "WarnedNote": "read add edit"}, spec.description)
        sync_roles(application.appbuilder.sm, roles, application.extensions["engine"].menu_entries())
    yield application
    with application.app_context():
        db.session.remove()
        WarnedNote.__table__.drop(db.engine)
        sync_roles(application.appbuilder.sm, ROLES, application.extensions["engine"].menu_entries())


def _note(warn_app, title):
    from app.extensions import db

    with warn_app.app_context():
        return db.session.query(WarnedNote).filter_by(title=title).one_or_none()


def test_save_returns_the_warnings_once_and_saves(warn_app):
    from app.extensions import db
    from app.rules import write

    with warn_app.app_context():  # the system's own write: no login, no data scope
        quiet = WarnedNote(title="平常", amount=Decimal("50"))
        assert write.save(db.session, quiet) == []
        loud = WarnedNote(title="偏高", amount=Decimal("300"))
        assert write.save(db.session, loud) == ["金额偏高：300（草稿）"]
        db.session.remove()
    assert _note(warn_app, "偏高").amount == Decimal("300.00")  # saved all the same


def test_a_refused_save_is_not_warned_about(warn_app):
    from app.extensions import db
    from app.rules import write

    with warn_app.app_context():
        with pytest.raises(write.Refused) as refused:
            write.save(db.session, WarnedNote(title="过高", amount=Decimal("5000")))
        assert refused.value.errors == {"amount": "金额不能超过 1000"}
        db.session.remove()
    assert _note(warn_app, "过高") is None


def said_on(response) -> list[str]:
    return [m.replace("&times;", "").strip() for m in flashes(response.text)]


def test_the_pages_show_the_warning_after_the_save_and_the_step(warn_app):
    client = warn_app.test_client()
    assert "您好" in login(client, "zongwu", DEMO_PASSWORD).text
    saved = client.post("/test-warned-note/add", data={"title": "页面偏高", "amount": "250"}, follow_redirects=True)
    said = said_on(saved)
    assert "金额偏高：250（草稿）" in said and said.count("金额偏高：250（草稿）") == 1
    assert 'alert-warning' in saved.text
    note = _note(warn_app, "页面偏高")
    sent = client.post(f"/test-warned-note/step/send/{note.id}", follow_redirects=True)
    assert "已办理「报送」" in said_on(sent) and "金额偏高：250（已报送）" in said_on(sent)
    assert _note(warn_app, "页面偏高").state == NoteState.sent
    calm = client.post("/test-warned-note/add", data={"title": "页面平常", "amount": "20"}, follow_redirects=True)
    assert said_on(calm) == ["已保存"]


def test_steps_take_hands_back_the_warnings_on_its_history_row(warn_app):
    from app.extensions import db
    from app.rules import steps

    with warn_app.test_request_context():
        from flask_login import login_user

        user = warn_app.appbuilder.sm.find_user(username="zongwu")
        login_user(user)
        note = WarnedNote(title="直接报送", amount=Decimal("120"))
        db.session.add(note)
        db.session.commit()
        workflow = WarnedNote.__admin__.workflow
        log = steps.take(db.session, note, workflow, workflow.step("send"), user)
        assert log.warnings == ["金额偏高：120（已报送）"]
        assert log.id is not None and note.state == NoteState.sent
        db.session.remove()


def test_money_below_zero_puts_the_sign_first():
    from app.meta import formatting

    assert formatting.money(Decimal("-800")) == "-¥800.00"
    assert formatting.money(Decimal("1234.5")) == "¥1,234.50"
    assert formatting.money(0) == "¥0.00" and formatting.money(None) == ""
