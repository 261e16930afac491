"""The notification worker: e-mail over SMTP (a local aiosmtpd), the 企业微信 and 钉钉 robots' formats (a local HTTP
stand-in), retries then 失败 shown to the administrator with 重发, claims that skip rows another worker holds, and
the daily digest."""
from __future__ import annotations

import base64
import hashlib
import hmac
import socket
from datetime import timedelta
from urllib.parse import parse_qs, unquote_plus, urlparse

import pytest

from app.meta import clock
from tests.notify_stand_ins import Robot


def user_of(app, username):
    return app.appbuilder.sm.find_user(username=username)


@pytest.fixture
def robot(app):
    stand_in = Robot()
    yield stand_in
    stand_in.close()


@pytest.fixture
def outbox(app, db, monkeypatch, robot):
    """The robot addresses may be the stand-in's; the outbox and choices are emptied after the test."""
    from app.features.notifications.tables import Address, Choice, Delivery

    monkeypatch.setitem(app.config, "WECOM_WEBHOOK_PREFIX", f"{robot.url}/cgi-bin/webhook/send?key=")
    monkeypatch.setitem(app.config, "DINGTALK_WEBHOOK_PREFIX", f"{robot.url}/robot/send?access_token=")
    db.session.query(Delivery).delete()
    db.session.commit()
    yield
    db.session.rollback()
    for table in (Delivery, Choice, Address):
        db.session.query(table).delete()
    db.session.commit()


def queue(db, user, channel, title="报修单「BX-1」待您办理：接单", link="http://houqin.example/repair-order/show/1"):
    from app.features.notifications.tables import Delivery

    delivery = Delivery(user_id=user.id, channel=channel, title=title, body=title, link=link,
                        next_try=clock.now(), created_at=clock.now())
    db.session.add(delivery)
    db.session.commit()
    return delivery.id


def address(db, user, **urls):
    from app.features.notifications.tables import Address

    db.session.merge(Address(user_id=user.id, **urls))
    db.session.commit()


def delivery(db, pk):
    from app.features.notifications.tables import Delivery

    db.session.expire_all()
    return db.session.get(Delivery, pk)


def test_wecom_gets_its_markdown_message(app, db, outbox, robot):
    from app.features.notifications import worker

    weixiu = user_of(app, "weixiu")
    address(db, weixiu, wecom_url=f"{robot.url}/cgi-bin/webhook/send?key=abc")
    pk = queue(db, weixiu, "wecom")
    assert worker.send_due() == (1, 0)
    [call] = robot.received
    assert call["path"] == "/cgi-bin/webhook/send?key=abc"
    assert call["content_type"].startswith("application/json")
    assert call["json"] == {"msgtype": "markdown", "markdown": {
        "content": "**报修单「BX-1」待您办理：接单**\n\n[打开查看](http://houqin.example/repair-order/show/1)"}}
    sent = delivery(db, pk)
    assert (sent.status, sent.attempts, sent.last_error) == ("已发送", 1, None) and sent.sent_at is not None
    assert worker.send_due() == (0, 0)  # sent once only


def test_dingtalk_gets_markdown_with_its_signature(app, db, outbox, robot):
    from app.features.notifications import worker

    weixiu = user_of(app, "weixiu")
    secret = "SEC0123456789abcdef"
    address(db, weixiu, dingtalk_url=f"{robot.url}/robot/send?access_token=tok", dingtalk_secret=secret)
    queue(db, weixiu, "dingtalk")
    assert worker.send_due() == (1, 0)
    [call] = robot.received
    assert call["json"]["msgtype"] == "markdown"
    assert call["json"]["markdown"]["title"] == "报修单「BX-1」待您办理：接单"
    assert "[打开查看](http://houqin.example/repair-order/show/1)" in call["json"]["markdown"]["text"]
    query = parse_qs(urlparse(call["path"]).query)
    assert query["access_token"] == ["tok"]
    timestamp = query["timestamp"][0]
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest())
    assert query["sign"][0] == expected.decode()  # parse_qs already undid the url-encoding
    assert unquote_plus(call["path"].split("sign=")[1]) == expected.decode()


def test_email_goes_over_smtp(app, db, outbox, monkeypatch):
    from aiosmtpd.controller import Controller

    from app.features.notifications import worker

    class Keep:
        def __init__(self):
            self.mails = []

        async def handle_DATA(self, server, session, envelope):
            self.mails.append(envelope)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        monkeypatch.setitem(app.config, "MAIL_FROM", "houqin@school.local")
        weixiu = user_of(app, "weixiu")
        queue(db, weixiu, "email")
        assert worker.send_due() == (1, 0)
    finally:
        controller.stop()
    [mail] = handler.mails
    assert mail.rcpt_tos == [weixiu.email]
    from email import message_from_bytes
    from email.policy import default

    parsed = message_from_bytes(mail.original_content, policy=default)
    assert parsed["Subject"] == "报修单「BX-1」待您办理：接单"
    assert "http://houqin.example/repair-order/show/1" in parsed.get_content()


def test_a_refused_send_is_retried_then_failed_and_the_administrator_sees_it_and_resends(
        app, db, outbox, robot, monkeypatch, admin):
    from app.features.notifications import worker

    robot.errcode = 93000
    monkeypatch.setitem(app.config, "NOTIFY_RETRY_MINUTES", (0,))
    weixiu = user_of(app, "weixiu")
    address(db, weixiu, wecom_url=f"{robot.url}/cgi-bin/webhook/send?key=bad")
    pk = queue(db, weixiu, "wecom", title="检查任务「消防通道」今日待检")
    assert worker.send_due() == (0, 1)
    first = delivery(db, pk)
    assert (first.status, first.attempts) == ("待发送", 1) and "errcode=93000" in first.last_error
    assert worker.send_due() == (0, 1)
    failed = delivery(db, pk)
    assert (failed.status, failed.attempts) == ("失败", 2) and len(robot.received) == 2
    assert worker.send_due() == (0, 0)  # no more tries

    page = admin.get("/notify-deliveries/list/")
    assert page.status_code == 200 and "检查任务「消防通道」今日待检" in page.text
    assert "失败" in page.text and "机器人拒收：errcode=93000" in page.text
    resent = admin.post("/notify-deliveries/action_post", data={"action": "resend", "rowid": [str(pk)]},
                        follow_redirects=True)
    assert "已将 1 条失败的消息重新排入发送队列" in resent.text
    again = delivery(db, pk)
    assert (again.status, again.attempts) == ("待发送", 0)
    robot.errcode = 0
    assert worker.send_due() == (1, 0) and delivery(db, pk).status == "已发送"


def test_only_the_administrator_sees_the_outbox(app, clients):
    assert clients("zongwu").get("/notify-deliveries/list/").status_code in (302, 403, 404)


def test_an_address_outside_the_services_is_never_called(app, db, outbox, robot, monkeypatch):
    from app.features.notifications import worker

    monkeypatch.setitem(app.config, "NOTIFY_RETRY_MINUTES", ())
    weixiu = user_of(app, "weixiu")
    address(db, weixiu, wecom_url=f"{robot.url}/elsewhere")  # stored before the prefix changed, say
    pk = queue(db, weixiu, "wecom")
    assert worker.send_due() == (0, 1)
    assert robot.received == [] and delivery(db, pk).status == "失败"
    assert "不是企业微信或钉钉的地址" in delivery(db, pk).last_error


def test_a_claimed_delivery_is_skipped_by_another_worker(app, db, outbox):
    """PostgreSQL: rows another worker holds are skipped (FOR UPDATE SKIP LOCKED); on any database a claimed
    delivery's next try moves a lease ahead, so the next round leaves it alone."""
    from sqlalchemy import text
    from sqlalchemy.dialects import postgresql

    from app.extensions import db as database
    from app.features.notifications import worker
    from app.features.notifications.tables import Delivery

    weixiu = user_of(app, "weixiu")
    held, free = queue(db, weixiu, "wecom"), queue(db, weixiu, "wecom")
    if database.engine.dialect.name == "postgresql":
        other = database.engine.connect()
        transaction = other.begin()
        other.execute(text("SELECT id FROM notify_delivery WHERE id = :id FOR UPDATE"), {"id": held})
        try:
            taken = worker.claim(db.session, clock.now())
        finally:
            transaction.rollback()
            other.close()
        assert [d.id for d in taken] == [free]
    else:
        sql = str(db.session.query(Delivery).with_for_update(skip_locked=True).statement.compile(
            dialect=postgresql.dialect()))
        assert sql.rstrip().endswith("FOR UPDATE SKIP LOCKED")
        taken = worker.claim(db.session, clock.now(), limit=1)
        assert [d.id for d in taken] == [held]
    assert all(d.next_try > clock.now() for d in taken)
    assert [d.id for d in worker.claim(db.session, clock.now())] == [({held, free} - {taken[0].id}).pop()]


def test_the_digest_goes_once_a_day_to_those_who_chose_it(app, db, outbox, robot):
    from app.features.notifications import worker
    from app.features.notifications.tables import Choice, Delivery, Message

    weixiu = user_of(app, "weixiu")
    address(db, weixiu, wecom_url=f"{robot.url}/cgi-bin/webhook/send?key=d")
    db.session.add(Choice(user_id=weixiu.id, kind="digest", channel="wecom"))
    db.session.add(Message(user_id=weixiu.id, kind="todo", text="汇总测试：报修单待您接单", created_at=clock.now()))
    db.session.commit()
    today = clock.today()
    assert worker.digest(today) == 1
    assert worker.digest(today) == 0  # once a day, whichever worker runs it
    [made] = db.session.query(Delivery).filter_by(user_id=weixiu.id).all()
    assert made.title.startswith("每日汇总：您有") and "汇总测试：报修单待您接单" in made.body
    assert made.link.endswith("/messages/")
    assert worker.send_due() == (1, 0)
    assert "每日汇总" in robot.received[0]["json"]["markdown"]["content"]
    assert worker.digest(today + timedelta(days=1)) == 1
