"""Notification latency: from a 受理派工 step's commit to the 企业微信 robot's request, with the worker polling.

    .venv/bin/python bench/notify_latency.py                 # 20 dispatches, the worker polling every second
    .venv/bin/python bench/notify_latency.py --poll 5 --repeat 10

Demo scale 1 in a temporary SQLite file (or DATABASE_URL). The 维修工 chooses 企业微信 for 待我办理 with a local
stand-in robot (tests/notify_stand_ins.py); a worker thread runs `flask notify-worker`'s loop; the 后勤主任
dispatches repairs through the test client. Each latency is the robot's arrival time minus the moment the step's
transaction was about to commit (a step listener), printed with the time the dispatch request itself took.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--poll", type=float, default=1.0)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="houqin-bench-notify-")
    os.environ["INSTANCE_DIR"] = tmp
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.db")
    os.environ.setdefault("SECRET_KEY", "bench-only")

    from app import create_app
    from app.extensions import db
    from app.features.notifications import worker
    from app.features.notifications.tables import Address, Choice
    from app.platform.cli import prepare_database
    from app.rules import steps
    from demo.loader import load_demo
    from models.org import Staff
    from models.repairs import RepairOrder
    from tests.notify_stand_ins import Robot

    robot = Robot()
    app = create_app({"TESTING": True, "DEMO_MODE": True, "WTF_CSRF_ENABLED": False,
                      "WECOM_WEBHOOK_PREFIX": f"{robot.url}/send?key="})
    with app.app_context():
        prepare_database()
        load_demo(scale=1)
        weixiu = app.appbuilder.sm.find_user(username="weixiu")
        worker_staff = db.session.query(Staff).filter_by(user_id=weixiu.id).one().id
        reporter = db.session.query(Staff).filter_by(
            user_id=app.appbuilder.sm.find_user(username="jiaoshi").id).one()
        db.session.add(Choice(user_id=weixiu.id, kind="todo", channel="wecom"))
        db.session.add(Address(user_id=weixiu.id, wecom_url=f"{robot.url}/send?key=bench"))
        db.session.commit()
        reporter_id, department_id = reporter.id, reporter.department_id

    committed: list[float] = []
    steps.LISTENERS.append(lambda *a: committed.append(time.time()))
    stop = threading.Event()

    def serve():
        with app.app_context():
            worker.run(poll=args.poll, stop=stop)

    teacher, director = app.test_client(), app.test_client()
    teacher.post("/login/", data={"username": "jiaoshi", "password": "Houqin@2026"})
    director.post("/login/", data={"username": "zongwu", "password": "Houqin@2026"})
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    latencies, requests = [], []
    try:
        for n in range(args.repeat):
            title = f"延迟测试 {n}"
            teacher.post("/repair-order/add", data={
                "title": title, "category": "electric", "urgency": "normal", "place": "实验楼",
                "description": "测试", "reporter": reporter_id, "department": department_id})
            with app.app_context():
                order_id = db.session.query(RepairOrder.id).filter_by(title=title).scalar()
            before = len(robot.received)
            started = time.time()
            answer = director.post(f"/repair-order/step/dispatch/{order_id}", data={"worker": worker_staff})
            requests.append(time.time() - started)
            assert answer.status_code == 302, answer.text[:300]
            deadline = time.time() + args.poll + 30
            while len(robot.received) == before:
                assert time.time() < deadline, "机器人没有收到消息"
                time.sleep(0.01)
            latencies.append(robot.received[-1]["at"] - committed[-1])
            time.sleep((n % 7) / 7 * args.poll)  # the next step falls elsewhere in the poll cycle
    finally:
        stop.set()
        thread.join(10)
        robot.close()
    result = {"database": app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0], "poll_seconds": args.poll,
              "dispatches": args.repeat, "median_seconds": round(statistics.median(latencies), 3),
              "max_seconds": round(max(latencies), 3), "min_seconds": round(min(latencies), 3),
              "dispatch_request_median_ms": round(statistics.median(requests) * 1000, 1)}
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
