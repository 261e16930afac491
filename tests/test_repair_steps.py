"""Repair steps that need no approval are buttons on the order, each offered only to whoever may take it."""
from __future__ import annotations

import re
from datetime import timedelta

from app.meta import clock
from tests.conftest import flashes

BUTTONS = ("受理派工", "驳回", "接单", "挂起待料", "完工", "验收", "评价", "取消")


def staff_of(db, username):
    from flask import current_app

    from models.org import Staff

    user = current_app.appbuilder.sm.find_user(username=username)
    return db.session.query(Staff).filter_by(user_id=user.id).one()


def offered(client, order_id) -> set[str]:
    html = client.get(f"/repair-order/show/{order_id}").text
    assert 'engine-workflow' in html, "workflow panel missing"
    return set(re.findall(r'data-step-label="([^"]+)"', html)) & set(BUTTONS)


def state(db, order_id):
    from models.repairs import RepairOrder

    db.session.expire_all()
    return db.session.get(RepairOrder, order_id).status.value


def report(as_user, db, **extra) -> int:
    from models.repairs import RepairOrder

    reporter = staff_of(db, "jiaoshi")
    client = as_user("jiaoshi")
    data = {"title": "教室日光灯不亮", "category": "electric", "urgency": "normal", "place": "教学楼A 301",
            "description": "三盏灯管不亮", "reporter": reporter.id, "department": reporter.department_id,
            "phone": "13800000000", "reported_at": clock.now().strftime("%Y-%m-%d %H:%M:%S")}
    data.update(extra)
    response = client.post("/repair-order/add", data=data)
    assert response.status_code == 302, flashes(response.text)
    return db.session.query(RepairOrder).filter_by(reporter_id=reporter.id).order_by(RepairOrder.id.desc()).first().id


def test_a_new_order_gets_a_number_and_the_promised_time_of_the_day(as_user, db):
    from models.repairs import RepairOrder

    order = db.session.get(RepairOrder, report(as_user, db))
    assert re.fullmatch(r"BX-\d{8}-\d{4}", order.code)
    assert order.promised_at.date() == order.reported_at.date()  # the end of the reporting day
    assert (order.promised_at.hour, order.promised_at.minute) == (23, 59)
    urgent = db.session.get(RepairOrder, report(as_user, db, urgency="urgent"))
    assert urgent.promised_at - urgent.reported_at == timedelta(hours=24)


def test_each_step_is_offered_to_its_role_and_refused_to_the_others(as_user, db):
    from models.assets import Asset, AssetDamage

    asset = db.session.query(Asset).filter_by(keeper_id=staff_of(db, "jiaoshi").id).first()  # within their scope
    order_id = report(as_user, db, asset=asset.id)
    assert offered(as_user("zongwu"), order_id) == {"受理派工", "驳回"}
    assert offered(as_user("jiaoshi"), order_id) == {"取消"}
    # Not yet assigned to him: outside a repair worker's scope (仅本人) altogether.
    assert as_user("weixiu").get(f"/repair-order/show/{order_id}").status_code == 404
    assert as_user("weixiu").post(f"/repair-order/step/dispatch/{order_id}", data={"worker": "1"}).status_code == 404
    refused = as_user("jiaoshi").post(f"/repair-order/step/dispatch/{order_id}", data={"worker": "1"},
                                      follow_redirects=True)
    assert "未办理" in " ".join(flashes(refused.text)) and state(db, order_id) == "待受理"

    worker = staff_of(db, "weixiu")
    chief = as_user("zongwu")
    assert chief.post(f"/repair-order/step/dispatch/{order_id}", data={"worker": ""}).status_code == 200
    assert state(db, order_id) == "待受理"  # 维修人 is required
    promised = (clock.now() + timedelta(hours=6)).strftime("%Y-%m-%d %H:%M:%S")
    dispatched = chief.post(f"/repair-order/step/dispatch/{order_id}",
                            data={"worker": worker.id, "promised_at": promised})
    assert dispatched.status_code == 302, flashes(dispatched.text)
    assert state(db, order_id) == "已派工"

    assert offered(as_user("weixiu"), order_id) == {"接单"}
    assert offered(as_user("zongwu"), order_id) == set()
    assert offered(as_user("jiaoshi"), order_id) == set()
    refused = as_user("jiaoshi").post(f"/repair-order/step/accept/{order_id}", follow_redirects=True)
    assert "未办理" in " ".join(flashes(refused.text)) and state(db, order_id) == "已派工"

    fixer = as_user("weixiu")
    assert fixer.post(f"/repair-order/step/accept/{order_id}").status_code == 302
    assert offered(fixer, order_id) == {"挂起待料", "完工"}
    damages_before = db.session.query(AssetDamage).filter_by(asset_id=asset.id).count()
    assert fixer.post(f"/repair-order/step/finish/{order_id}",
                      data={"work_record": "更换灯管三支", "damage_cause": "human"}).status_code == 302
    assert state(db, order_id) == "待验收"
    assert db.session.query(AssetDamage).filter_by(asset_id=asset.id).count() == damages_before + 1

    assert offered(as_user("weixiu"), order_id) == set()  # still his job, nothing left to do
    reporter = as_user("jiaoshi")
    assert offered(reporter, order_id) == {"验收"}
    assert reporter.post(f"/repair-order/step/check/{order_id}").status_code == 302
    assert state(db, order_id) == "已完成"
    assert offered(reporter, order_id) == {"评价"}
    assert reporter.post(f"/repair-order/step/rate/{order_id}", data={"rating": "9"}).status_code == 200
    assert reporter.post(f"/repair-order/step/rate/{order_id}",
                         data={"rating": "5", "feedback": "修得又快又好"}).status_code == 302
    assert offered(reporter, order_id) == set()  # rated once

    history = reporter.get(f"/repair-order/show/{order_id}").text
    for step in ("受理派工", "接单", "完工", "验收", "评价"):
        assert step in history


def test_reject_needs_a_reason(as_user, db):
    order_id = report(as_user, db)
    chief = as_user("zongwu")
    no_reason = chief.post(f"/repair-order/step/reject/{order_id}", data={"comment": ""})
    assert no_reason.status_code == 200 and state(db, order_id) == "待受理"
    assert chief.post(f"/repair-order/step/reject/{order_id}", data={"comment": "不属于后勤维修范围"}).status_code == 302
    assert state(db, order_id) == "已驳回"


def test_overdue_orders_are_flagged_and_filterable(as_user, db):
    from models.repairs import RepairOrder

    order_id = report(as_user, db, title="逾期测试：下水道堵塞")
    order = db.session.get(RepairOrder, order_id)
    order.promised_at = clock.now() - timedelta(hours=3)
    order.reported_at = clock.now() - timedelta(hours=30)
    db.session.commit()
    admin = as_user("admin")
    quick = [q.label for q in RepairOrder.__admin__.quick_filters]
    overdue_list = admin.get(f"/repair-order/list/?_qf={quick.index('逾期')}&psize_RepairOrderView=100").text
    assert "逾期测试：下水道堵塞" in overdue_list
    assert "逾期测试：下水道堵塞" not in admin.get(f"/repair-order/list/?_qf={quick.index('待验收')}").text
    assert order.is_overdue() is True
    assert "是否逾期" in admin.get(f"/repair-order/show/{order_id}").text
