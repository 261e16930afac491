"""后勤主任 dispatches a repair from 我的待办; the 维修工's bell shows it on his phone, the message opens the repair,
and the 企业微信 group robot he set up (a local stand-in) receives it from the worker, polling every second.

The latency from the step's transaction to the robot's request is measured and written to
bench/results/notification_latency.json."""
from __future__ import annotations

import json
import threading
import time
import uuid

from playwright.sync_api import expect

from tests.browser import RESULTS
from tests.conftest import login
from tests.notify_stand_ins import Robot


def _report(app, title: str) -> None:
    """The teacher's report, filed beforehand (the repair journey files one from the phone)."""
    from models.org import Staff

    client = app.test_client()
    login(client, "jiaoshi")
    with app.app_context():
        user = app.appbuilder.sm.find_user(username="jiaoshi")
        from app.extensions import db

        reporter = db.session.query(Staff).filter_by(user_id=user.id).one()
        data = {"title": title, "category": "electric", "urgency": "normal", "place": "实验楼 204",
                "description": "插座没电", "reporter": reporter.id, "department": reporter.department_id}
        db.session.remove()
    assert client.post("/repair-order/add", data=data).status_code == 302


def test_a_dispatch_reaches_the_workers_bell_and_his_wecom_group(person, app, monkeypatch):
    from app.features.notifications import worker
    from app.features.notifications.tables import Address, Choice
    from app.rules import steps

    robot = Robot()
    monkeypatch.setitem(app.config, "WECOM_WEBHOOK_PREFIX", f"{robot.url}/cgi-bin/webhook/send?key=")
    title = f"实验室插座没电{uuid.uuid4().hex[:4]}"
    _report(app, title)
    committed: list[float] = []
    stop = threading.Event()

    def serve():
        with app.app_context():
            worker.run(poll=1.0, stop=stop)

    def note_commit(*args):
        committed.append(time.time())  # inside the step's transaction, just before its commit

    polling = threading.Thread(target=serve, daemon=True)
    try:
        worker_phone = person("weixiu", "维修工", phone=True)
        with worker_phone.task("设置企业微信群机器人", budget=5):
            worker_phone.tap(worker_phone.page.locator(".engine-bell-phone"))
            worker_phone.tap("消息通知设置")
            worker_phone.tick("待我办理·企业微信")
            worker_phone.type("企业微信群机器人地址", f"{robot.url}/cgi-bin/webhook/send?key=weixiu-group")
            worker_phone.tap("保存")
            worker_phone.sees("消息通知设置已保存")
        worker_phone.shot("消息通知设置")
        unread_before = int(worker_phone.page.locator("#message-count-phone").inner_text())

        polling.start()
        director = person("zongwu", "后勤主任")
        steps.LISTENERS.append(note_commit)
        with director.task("从我的待办派工", budget=4):
            director.inbox()
            card = director.card(title)
            director.choose("维修人", "孙立新", within=card)
            director.tap(card.get_by_role("button", name="受理派工"))
            director.sees("已办理「受理派工」")
        steps.LISTENERS.remove(note_commit)

        with worker_phone.task("铃铛里看到派工，点开就是这张报修单", budget=3):
            worker_phone.page.reload()
            bell = worker_phone.page.locator("#message-count-phone")
            expect(bell).to_have_text(str(unread_before + 1))
            worker_phone.shot("铃铛")
            worker_phone.tap(worker_phone.page.locator(".engine-bell-phone"))
            message = worker_phone.page.locator(".engine-message").filter(has_text=title).first
            expect(message).to_contain_text("待您办理：接单")
            worker_phone.shot("消息列表")
            worker_phone.tap(message.get_by_role("link"))
            expect(worker_phone.page.locator("body")).to_contain_text(title)
            expect(worker_phone.page.get_by_role("button", name="接单")).to_be_visible()
        worker_phone.shot("报修单")
        expect(worker_phone.page.locator("#message-count-phone")).to_have_text(str(unread_before))

        deadline = time.time() + 15
        while not any(title in json.dumps(r["json"], ensure_ascii=False) for r in robot.received):
            assert time.time() < deadline, "企业微信机器人 15 秒内没有收到消息"
            time.sleep(0.05)
    finally:
        stop.set()
        if polling.is_alive():
            polling.join(10)
        if note_commit in steps.LISTENERS:
            steps.LISTENERS.remove(note_commit)
        robot.close()
        with app.app_context():
            from app.extensions import db

            user = app.appbuilder.sm.find_user(username="weixiu")
            db.session.query(Choice).filter_by(user_id=user.id).delete()
            db.session.query(Address).filter_by(user_id=user.id).delete()
            db.session.commit()
            db.session.remove()

    [call] = [r for r in robot.received if title in json.dumps(r["json"], ensure_ascii=False)]
    assert call["path"] == "/cgi-bin/webhook/send?key=weixiu-group"
    content = call["json"]["markdown"]["content"]
    assert call["json"]["msgtype"] == "markdown" and "待您办理：接单" in content and "/repair-order/show/" in content
    latency = call["at"] - committed[0]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "notification_latency.json").write_text(json.dumps(
        {"from": "受理派工 committed", "to": "企业微信 webhook request received", "poll_seconds": 1.0,
         "seconds": round(latency, 3)}, ensure_ascii=False), encoding="utf-8")
    print(f"\n消息延迟：派工提交 → 企业微信机器人收到 {latency:.2f} 秒（worker 每 1 秒轮询）")
    assert 0 < latency < 5
