"""消息通知 from the one workflow mechanism: who is told what by each step, the bell, the list, the settings,
reminders from ``quick(..., remind=)``, and that a message never opens a record its reader may not see."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError

from app.meta import clock
from tests.conftest import flashes
from tests.test_approvals import new_request, step
from tests.test_repair_steps import staff_of


def user_of(app, username):
    return app.appbuilder.sm.find_user(username=username)


def messages_of(db, user, record_id=None, model=None):
    from app.features.notifications.tables import Message

    db.session.expire_all()
    query = db.session.query(Message).filter(Message.user_id == user.id)
    if record_id is not None:
        query = query.filter(Message.record_id == record_id, Message.model == model)
    return query.order_by(Message.id).all()


def dispatch(client, db, order_id):
    worker = staff_of(db, "weixiu")
    response = client.post(f"/repair-order/step/dispatch/{order_id}", data={"worker": worker.id})
    assert response.status_code == 302, flashes(response.text)


def bell(html: str) -> int:
    return int(re.search(r'id="message-count">(\d+)<', html).group(1))


def test_a_dispatch_tells_the_worker_and_nobody_else_and_the_message_opens_the_repair(app, db, clients):
    jiaoshi = clients("jiaoshi")
    order_id = _report(jiaoshi, db)
    weixiu = user_of(app, "weixiu")
    before = bell(clients("weixiu").get("/todo/").text)
    dispatch(clients("zongwu"), db, order_id)

    told = messages_of(db, weixiu, order_id, "RepairOrder")
    assert [m.kind for m in told] == ["todo"]
    assert re.fullmatch(r"报修单「BX-\d{8}-\d{4} 教室日光灯不亮」待您办理：接单（.+受理派工）", told[0].text)
    assert told[0].link == f"/repair-order/show/{order_id}"
    director = messages_of(db, user_of(app, "zongwu"), order_id, "RepairOrder")
    assert [m.text.split("待您办理：")[1][:4] for m in director] == ["受理派工"]  # of the new order; not of his step
    assert messages_of(db, user_of(app, "jiaoshi"), order_id, "RepairOrder") == []  # not finished: nothing yet

    page = clients("weixiu").get("/messages/").text
    assert bell(page) == before + 1 and "报修单「BX-" in page and "未读" in page
    opened = clients("weixiu").get(f"/messages/{told[0].id}/open")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/repair-order/show/{order_id}")
    assert clients("weixiu").get(opened.headers["Location"]).status_code == 200
    assert messages_of(db, weixiu, order_id, "RepairOrder")[0].read_at is not None
    assert bell(clients("weixiu").get("/todo/").text) == before


def _report(client, db) -> int:
    from models.repairs import RepairOrder

    reporter = staff_of(db, "jiaoshi")
    data = {"title": "教室日光灯不亮", "category": "electric", "urgency": "normal", "place": "教学楼A 301",
            "description": "三盏灯管不亮", "reporter": reporter.id, "department": reporter.department_id,
            "reported_at": clock.now().strftime("%Y-%m-%d %H:%M:%S")}
    response = client.post("/repair-order/add", data=data)
    assert response.status_code == 302, flashes(response.text)
    db.session.expire_all()
    return db.session.query(RepairOrder).filter_by(reporter_id=reporter.id).order_by(RepairOrder.id.desc()).first().id


def test_a_new_repair_awaits_the_director_and_its_reporter_is_not_told_of_their_own_report(app, db, clients):
    order_id = _report(clients("jiaoshi"), db)
    told = messages_of(db, user_of(app, "zongwu"), order_id, "RepairOrder")
    assert [m.kind for m in told] == ["todo"]
    assert re.fullmatch(r"报修单「BX-\d{8}-\d{4} 教室日光灯不亮」待您办理：受理派工（.+新建）", told[0].text)
    assert messages_of(db, user_of(app, "jiaoshi"), order_id, "RepairOrder") == []
    assert messages_of(db, user_of(app, "weixiu"), order_id, "RepairOrder") == []


def test_a_deleted_records_messages_go_with_it(app, db, clients, admin):
    order_id = _report(clients("jiaoshi"), db)
    assert messages_of(db, user_of(app, "zongwu"), order_id, "RepairOrder") != []
    deleted = admin.post(f"/repair-order/delete/{order_id}")
    assert deleted.status_code == 302, flashes(deleted.text)
    assert messages_of(db, user_of(app, "zongwu"), order_id, "RepairOrder") == []


def test_the_reporter_is_asked_to_check_and_told_when_done(app, db, clients):
    order_id = _report(clients("jiaoshi"), db)
    dispatch(clients("zongwu"), db, order_id)
    worker = clients("weixiu")
    assert worker.post(f"/repair-order/step/accept/{order_id}").status_code == 302
    finished = worker.post(f"/repair-order/step/finish/{order_id}", data={"work_record": "换了灯管"})
    assert finished.status_code == 302, flashes(finished.text)
    reporter = user_of(app, "jiaoshi")
    asked = messages_of(db, reporter, order_id, "RepairOrder")
    assert [m.kind for m in asked] == ["todo"] and "待您办理：验收" in asked[0].text
    assert clients("jiaoshi").post(f"/repair-order/step/check/{order_id}").status_code == 302
    done = messages_of(db, reporter, order_id, "RepairOrder")
    assert [m.kind for m in done] == ["todo"]  # the reporter checked it themself: not told of their own step
    assert [m.kind for m in messages_of(db, user_of(app, "weixiu"), order_id, "RepairOrder")] == ["todo"]


def test_a_rework_goes_back_to_the_worker_with_what_is_still_wrong(app, db, clients):
    order_id = _report(clients("jiaoshi"), db)
    dispatch(clients("zongwu"), db, order_id)
    worker = clients("weixiu")
    worker.post(f"/repair-order/step/accept/{order_id}")
    worker.post(f"/repair-order/step/finish/{order_id}", data={"work_record": "换了灯管"})
    again = clients("jiaoshi").post(f"/repair-order/step/rework/{order_id}", data={"comment": "左边的灯管还在闪"})
    assert again.status_code == 302, flashes(again.text)
    told = messages_of(db, user_of(app, "weixiu"), order_id, "RepairOrder")
    assert [m.kind for m in told] == ["todo", "todo"]
    assert "待您办理：完工" in told[-1].text and told[-1].text.endswith("返修：左边的灯管还在闪）")


def test_a_repair_rejected_tells_the_reporter_with_the_reason(app, db, clients):
    order_id = _report(clients("jiaoshi"), db)
    rejected = clients("zongwu").post(f"/repair-order/step/reject/{order_id}", data={"comment": "已由总务处统一更换"})
    assert rejected.status_code == 302, flashes(rejected.text)
    told = messages_of(db, user_of(app, "jiaoshi"), order_id, "RepairOrder")
    assert [m.kind for m in told] == ["sent_back"]
    assert "被" in told[0].text and "驳回：已由总务处统一更换" in told[0].text


def test_a_submitted_purchase_awaits_the_director_and_a_rejection_tells_the_requester(app, db, clients):
    pk = new_request(clients("jiaoshi"), db, "jiaoshi", [("书柜", 1, "600", False)], reason="消息：驳回")
    assert step(clients("jiaoshi"), pk, "submit").status_code == 302
    director = messages_of(db, user_of(app, "zongwu"), pk, "PurchaseRequest")
    assert [m.kind for m in director] == ["todo"] and "待您办理：后勤主任审批" in director[0].text
    assert messages_of(db, user_of(app, "xiaozhang"), pk, "PurchaseRequest") == []  # 600 元: not the principal's
    assert messages_of(db, user_of(app, "jiaoshi"), pk, "PurchaseRequest") == []
    step(clients("zongwu"), pk, "approve", decision="驳回", comment="办公室已有书柜可调剂")
    told = messages_of(db, user_of(app, "jiaoshi"), pk, "PurchaseRequest")
    assert [m.kind for m in told] == ["sent_back"] and told[0].text.endswith("驳回：办公室已有书柜可调剂")


def test_a_returned_purchase_tells_the_requester_what_to_change(app, db, clients):
    pk = new_request(clients("jiaoshi"), db, "jiaoshi", [("电子白板", 1, "800", False)], reason="消息：退回")
    step(clients("jiaoshi"), pk, "submit")
    step(clients("zongwu"), pk, "approve", decision="退回修改", comment="请补充型号")
    told = messages_of(db, user_of(app, "jiaoshi"), pk, "PurchaseRequest")
    assert [m.kind for m in told] == ["sent_back"]  # one message, though resubmitting is now theirs
    assert told[0].text.endswith("退回修改：请补充型号")


def test_a_step_rolled_back_leaves_no_message(app, db, clients):
    from app.rules import steps

    order_id = _report(clients("jiaoshi"), db)

    def fail(*args):
        raise OperationalError("COMMIT", {}, Exception("磁盘已满"))

    steps.LISTENERS.append(fail)
    try:
        refused = clients("zongwu").post(f"/repair-order/step/dispatch/{order_id}",
                                         data={"worker": staff_of(db, "weixiu").id}, follow_redirects=True)
    finally:
        steps.LISTENERS.remove(fail)
    assert "未办理" in " ".join(flashes(refused.text)) or "失败" in " ".join(flashes(refused.text))
    assert messages_of(db, user_of(app, "weixiu"), order_id, "RepairOrder") == []
    from models.repairs import RepairOrder

    assert db.session.get(RepairOrder, order_id).status.value == "待受理"


def test_reminders_come_once_a_day_to_those_the_filter_names(app, db, clients):
    from app.features.notifications import worker
    from models.repairs import RepairOrder

    order_id = _report(clients("jiaoshi"), db)
    order = db.session.get(RepairOrder, order_id)
    order.promised_at = order.reported_at = clock.now() - timedelta(days=2)
    db.session.commit()
    worker.remind()
    worker.remind()  # a second scan the same day adds nothing
    director = [m for m in messages_of(db, user_of(app, "zongwu"), order_id, "RepairOrder") if m.kind == "reminder"]
    assert [m.text for m in director] == [f"提醒：报修单「{order}」逾期"]
    assert messages_of(db, user_of(app, "weixiu"), order_id, "RepairOrder") == []  # not named by remind=
    tomorrow = clock.today() + timedelta(days=1)
    worker.remind(tomorrow)
    reminders = [m for m in messages_of(db, user_of(app, "zongwu"), order_id, "RepairOrder") if m.kind == "reminder"]
    assert len(reminders) == 2  # and again the next day


def test_a_message_never_opens_a_record_its_reader_may_not_see(app, db, clients):
    from app.features.notifications import recipients
    from app.features.notifications.tables import Message
    from models.repairs import RepairOrder

    order_id = _report(clients("jiaoshi"), db)
    order = db.session.get(RepairOrder, order_id)
    weixiu = user_of(app, "weixiu")
    assert not recipients.may_read(db.session, order, weixiu)  # not yet his: outside a worker's scope
    assert recipients.may_read(db.session, order, user_of(app, "zongwu"))
    # A message made for someone else cannot be opened (nor marked) by the worker.
    other = Message(user_id=user_of(app, "zongwu").id, kind="todo", text="测试", model="RepairOrder",
                    record_id=order_id, link=f"/repair-order/show/{order_id}", created_at=clock.now())
    db.session.add(other)
    db.session.commit()
    assert clients("weixiu").get(f"/messages/{other.id}/open").status_code == 404
    assert clients("weixiu").post(f"/messages/{other.id}/read").status_code == 404
    # Even a link that reaches him leads to the scoped detail page, which refuses him.
    assert clients("weixiu").get(f"/repair-order/show/{order_id}").status_code == 404


def test_mark_all_read_empties_the_bell(app, db, clients):
    order_id = _report(clients("jiaoshi"), db)
    dispatch(clients("zongwu"), db, order_id)
    assert bell(clients("weixiu").get("/messages/").text) >= 1
    done = clients("weixiu").post("/messages/read-all", follow_redirects=True)
    assert "已将" in " ".join(flashes(done.text)) and bell(done.text) == 0


def test_the_bell_costs_at_most_one_query_and_is_renewed_by_a_new_message(app, db, clients):
    import re

    from sqlalchemy import event

    from app.extensions import db as database
    from app.features.notifications.tables import Message

    def bell(html: str) -> int:
        return int(re.search(r'id="message-count">(\d+)<', html).group(1))

    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    client = clients("weixiu")
    before = bell(client.get("/todo/").text)
    event.listen(database.engine, "before_cursor_execute", listener)
    try:
        client.get("/todo/")
    finally:
        event.remove(database.engine, "before_cursor_execute", listener)
    weixiu = app.appbuilder.sm.find_user(username="weixiu")
    db.session.add(Message(user_id=weixiu.id, kind="todo", text="测试铃铛", created_at=clock.now()))
    db.session.commit()
    try:
        after = bell(client.get("/todo/").text)
    finally:
        db.session.query(Message).filter(Message.text == "测试铃铛").delete()
        db.session.commit()
    assert sum("notify_message" in statement for statement in seen) <= 1  # one indexed count, or the cached one
    assert after == before + 1  # a new message renews the cached count


@pytest.fixture
def own_settings(app, db):
    yield
    from app.features.notifications.tables import Address, Choice

    db.session.query(Choice).delete()
    db.session.query(Address).delete()
    db.session.commit()


def test_settings_choose_channels_per_kind_and_refuse_other_addresses(app, db, clients, own_settings):
    from app.features.notifications.tables import Address, Choice

    client = clients("weixiu")
    page = client.get("/messages/settings")
    assert page.status_code == 200 and "企业微信群机器人地址" in page.text and "每日汇总" in page.text
    bad = client.post("/messages/settings", data={"todo:wecom": "1", "wecom_url": "http://10.0.0.1/steal"})
    assert bad.status_code == 200 and "以 https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key= 开头" in bad.text
    missing = client.post("/messages/settings", data={"todo:dingtalk": "1"})
    assert "选择了钉钉，请填写群机器人的地址" in missing.text
    no_mail = client.post("/messages/settings", data={"todo:email": "1"})
    assert "系统尚未配置邮件服务器" in no_mail.text
    assert db.session.query(Choice).filter_by(user_id=user_of(app, "weixiu").id).count() == 0
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123"
    saved = client.post("/messages/settings", data={"todo:wecom": "1", "digest:wecom": "1", "wecom_url": url},
                        follow_redirects=True)
    assert "消息通知设置已保存" in " ".join(flashes(saved.text))
    db.session.expire_all()
    me = user_of(app, "weixiu").id
    assert {(c.kind, c.channel) for c in db.session.query(Choice).filter_by(user_id=me)} == {
        ("todo", "wecom"), ("digest", "wecom")}
    assert db.session.get(Address, me).wecom_url == url
    assert 'name="todo:wecom" value="1"' in saved.text and "checked" in saved.text
    profile = client.get("/users/userinfo/")
    assert profile.status_code == 200 and 'id="notify-profile"' in profile.text
    assert "待我办理：企业微信" in profile.text and "每日汇总：企业微信" in profile.text
    assert "目前没有选择" in clients("jiaoshi").get("/users/userinfo/").text


def test_a_message_is_queued_for_the_channels_chosen_for_its_kind(app, db, clients, own_settings):
    from app.features.notifications.tables import Delivery

    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1"
    clients("weixiu").post("/messages/settings", data={"todo:wecom": "1", "reminder:wecom": "1", "wecom_url": url})
    order_id = _report(clients("jiaoshi"), db)
    dispatch(clients("zongwu"), db, order_id)
    message = messages_of(db, user_of(app, "weixiu"), order_id, "RepairOrder")[0]
    queued = db.session.query(Delivery).filter_by(message_id=message.id).all()
    assert [(d.channel, d.status, d.attempts) for d in queued] == [("wecom", "待发送", 0)]
    assert queued[0].link.endswith(f"/repair-order/show/{order_id}") and queued[0].link.startswith("http")
    db.session.query(Delivery).filter_by(message_id=message.id).delete()
    db.session.commit()


def test_a_reminder_naming_an_unknown_role_stops_the_start():
    from app.declare import Admin, quick
    from app.declare.checks import problems
    from app.declare.workflow import person, role
    from models.repairs import RepairOrder

    meta = Admin("报修单", quick_filters=[quick("逾期", status=None, remind=role("无此角色")),
                                       quick("待办", status=None, remind=person("nobody")),
                                       quick("坏", status=None, remind="后勤主任")])
    original = RepairOrder.__admin__
    RepairOrder.__admin__ = meta
    try:
        found = problems([RepairOrder], {"后勤主任": None})
    finally:
        RepairOrder.__admin__ = original
    assert any("remind" in p and "无此角色" in p for p in found)
    assert any("remind" in p and "nobody" in p for p in found)
    assert any("须写成 role(...) 或 person(...)" in p for p in found)
