"""投诉建议 without login (views/public_feedback.py, models/feedback.py): the public form writes through the one door
and only its own fields, is rate limited, the private page shows only its own item, each unit's manager sees and
answers only theirs, and the dashboard's figures match a hand count."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.meta import clock
from models.feedback import Feedback, FeedbackPoint, FeedbackStatus, monthly_figures
from models.org import Department


def send(client, code="st1", follow_redirects=False, **data):
    data = {"kind": "complaint", "content": f"饭菜凉了{uuid.uuid4().hex[:6]}", **data}
    return client.post(f"/feedback/{code}", data=data, follow_redirects=follow_redirects)


def sent_item(db, response) -> Feedback:
    token = re.search(r"/feedback/reply/([\w-]+)", response.headers["Location"]).group(1)
    db.session.expire_all()
    return db.session.scalar(select(Feedback).where(Feedback.token == token))


def test_the_form_opens_without_login_and_shows_nothing_of_the_system(client):
    page = client.get("/feedback/st1")
    assert page.status_code == 200
    assert "投诉建议" in page.text and "师生食堂一楼大厅" in page.text and "内容" in page.text
    for hidden in ("我的待办", "navbar", "退出", 'href="/login', "服务单位</label>"):  # the QR names its unit
        assert hidden not in page.text
    assert page.headers["Cache-Control"] == "no-store"


def test_an_anonymous_sender_writes_through_the_one_door_and_only_the_public_fields(client, db):
    response = send(client, content="  红烧肉是凉的  ", contact="138****0000", status="closed", reply="已处理",
                    replier="冒名", replied_at="2020-01-01 00:00", token="chosen-by-me", unit="1")
    assert response.status_code == 302
    item = sent_item(db, response)
    assert item is not None and item.content == "红烧肉是凉的" and item.contact == "138****0000"
    assert item.status == FeedbackStatus.pending and item.reply is None and item.replier is None
    assert item.replied_at is None and item.token != "chosen-by-me" and len(item.token) >= 30
    assert item.unit.code == "050201" and item.point.code == "st1"  # fixed by the QR code, not by the post
    from app.rules.audit import AuditLog

    logged = db.session.scalar(select(AuditLog).where(AuditLog.model == "Feedback", AuditLog.record_id == item.id))
    assert logged is not None  # the audit row the one door writes


def test_the_write_path_refuses_a_non_public_field_set_by_a_public_page(app, db):
    from app.rules import public, write

    point = db.session.scalar(select(FeedbackPoint).where(FeedbackPoint.code == "st1"))
    token = "t" + uuid.uuid4().hex
    with app.test_request_context("/feedback/st1", method="POST"):
        item = Feedback(point=point, unit=point.unit, content="测试", token=token, reply="自己回复自己")
        with public.reach({FeedbackPoint: FeedbackPoint.id == point.id, Department: Department.id == point.unit_id,
                           Feedback: Feedback.token == token}):
            with pytest.raises(write.Refused) as refused:
                write.save(db.session, item)
    assert refused.value.errors == {"reply": "公开页面不能填写「回复内容」"}
    assert db.session.scalar(select(Feedback).where(Feedback.token == token)) is None


def test_a_public_page_reaches_nothing_it_did_not_name(app, db):
    from app.rules import public, read
    from models.repairs import RepairOrder

    with app.test_request_context("/feedback/st1"):
        with public.reach({FeedbackPoint: FeedbackPoint.code == "st1"}):
            assert read.query(db.session, RepairOrder).count() == 0
            assert read.query(db.session, Feedback).count() == 0
            assert [p.code for p in read.query(db.session, FeedbackPoint)] == ["st1"]


def test_bad_input_is_refused_in_chinese_and_kept(client):
    empty = send(client, content="   ")
    assert empty.status_code == 400 and "请填写内容" in empty.text
    long = send(client, content="很" * 1001, contact="电话")
    assert long.status_code == 400 and "不能超过 1000 字" in long.text and 'value="电话"' in long.text
    odd = send(client, kind="nonsense")
    assert odd.status_code == 400 and "请选择投诉、建议或表扬" in odd.text
    robot = send(client, website="http://spam")
    assert robot.status_code == 400 and "提交未成功" in robot.text


def test_the_office_qr_asks_which_unit_and_offers_only_service_units(client, db):
    page = client.get("/feedback/hq1")
    assert "服务单位" in page.text and "宿舍管理" in page.text and "校长室" not in page.text
    assert "请选择服务单位" in send(client, code="hq1").text
    principal = db.session.scalar(select(Department).where(Department.code == "01"))
    assert "请选择服务单位" in send(client, code="hq1", unit=str(principal.id)).text
    dorms = db.session.scalar(select(Department).where(Department.code == "050202"))
    item = sent_item(db, send(client, code="hq1", unit=str(dorms.id)))
    assert item.unit.code == "050202" and item.point.code == "hq1"


def test_an_unknown_or_stopped_qr_code_is_a_chinese_404(client, db):
    missing = client.get("/feedback/no-such-code")
    assert missing.status_code == 404 and "二维码已停用或不存在" in missing.text
    point = FeedbackPoint(name="停用测试", code=f"off-{uuid.uuid4().hex[:6]}", active=False)
    db.session.add(point)
    db.session.commit()
    assert client.get(f"/feedback/{point.code}").status_code == 404
    assert send(client, code=point.code).status_code == 404


def test_the_private_page_shows_only_its_item_and_a_wrong_token_is_a_chinese_404(client, db):
    first = sent_item(db, send(client, content="第一条只属于我"))
    second = sent_item(db, send(client, content="第二条是别人的"))
    page = client.get(f"/feedback/reply/{first.token}")
    assert page.status_code == 200 and "第一条只属于我" in page.text and "第二条是别人的" not in page.text
    assert "待处理" in page.text and "还没有回复" in page.text and "<svg" in page.text
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    for wrong in (first.token[:-1], first.token + "x", "x" * 500, second.token.upper()):
        answer = client.get(f"/feedback/reply/{wrong}")
        assert answer.status_code == 404 and "找不到这条反馈" in answer.text and "第一条" not in answer.text


def test_the_public_form_is_rate_limited_per_address_with_a_chinese_page(app):
    from app import create_app

    limited = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "PUBLIC_FORM_RATE_LIMIT": "2 per minute",
                          "RATELIMIT_STORAGE_URI": "memory://"})
    client = limited.test_client()
    here = {"REMOTE_ADDR": "10.7.7.7"}
    answers = [client.post("/feedback/st1", data={"kind": "complaint", "content": ""}, environ_base=here)
               for _ in range(3)]
    assert [a.status_code for a in answers] == [400, 400, 429]
    assert "操作太频繁" in answers[-1].text and "Too Many Requests" not in answers[-1].text
    assert client.get("/feedback/st1", environ_base=here).status_code == 200  # reading is not limited
    other = client.post("/feedback/st1", data={"kind": "complaint", "content": ""},
                        environ_base={"REMOTE_ADDR": "10.7.7.8"})
    assert other.status_code == 400  # another address has its own budget


def test_each_manager_sees_only_their_units_feedback_and_the_director_all(clients, client, db):
    canteen = sent_item(db, send(client, content="食堂的只给食堂看"))
    dorm = sent_item(db, send(client, code="ss1", content="宿舍的只给宿舍看"))
    assert dorm.unit.code == "050202"
    shitang = clients("shitang").get("/feedback/list/?_flt_2_content=只给").text
    assert "食堂的只给食堂看" in shitang and "宿舍的只给宿舍看" not in shitang
    assert clients("shitang").get(f"/feedback/show/{dorm.id}").status_code in (302, 404)
    sushe = clients("sushe").get("/feedback/list/?_flt_2_content=只给").text
    assert "宿舍的只给宿舍看" in sushe and "食堂的只给食堂看" not in sushe
    zongwu = clients("zongwu").get("/feedback/list/?_flt_2_content=只给").text
    assert "食堂的只给食堂看" in zongwu and "宿舍的只给宿舍看" in zongwu
    assert clients("jiaoshi").get(f"/feedback/show/{canteen.id}").status_code != 200
    staff_page = clients("shitang").get(f"/feedback/show/{canteen.id}").text
    assert canteen.token not in staff_page  # the sender's private link is theirs alone


def test_the_manager_replies_and_closes_and_the_sender_sees_the_reply(clients, client, db):
    item = sent_item(db, send(client, content="米饭夹生"))
    shitang = clients("shitang")
    assert "米饭夹生" in shitang.get("/todo/").text
    assert shitang.post(f"/feedback/step/reply/{item.id}", data={"reply": ""}).status_code != 302
    db.session.expire_all()
    assert db.session.get(Feedback, item.id).status == FeedbackStatus.pending
    assert clients("sushe").post(f"/feedback/step/reply/{item.id}", data={"reply": "宿舍来回复"}).status_code != 302
    assert shitang.post(f"/feedback/step/reply/{item.id}", data={"reply": "已调整蒸饭时间"}).status_code == 302
    db.session.expire_all()
    item = db.session.get(Feedback, item.id)
    assert item.status == FeedbackStatus.replied and item.reply == "已调整蒸饭时间" and item.replied_at is not None
    assert item.replier == "吴海涛"  # the canteen manager, who replied
    page = client.get(f"/feedback/reply/{item.token}").text
    assert "已回复" in page and "已调整蒸饭时间" in page
    assert shitang.post(f"/feedback/step/close/{item.id}").status_code == 302
    db.session.expire_all()
    assert db.session.get(Feedback, item.id).status == FeedbackStatus.closed
    assert "已关闭" in client.get(f"/feedback/reply/{item.token}").text


def test_monthly_figures_match_a_hand_count(app, db):
    canteen = db.session.scalar(select(Department).where(Department.code == "050201"))
    now = clock.now().replace(microsecond=0)
    made = [Feedback(unit=canteen, content="手数一", token=uuid.uuid4().hex, submitted_at=now - timedelta(days=5),
                     replied_at=now - timedelta(days=4), status=FeedbackStatus.replied),
            Feedback(unit=canteen, content="手数二", token=uuid.uuid4().hex, submitted_at=now - timedelta(days=5),
                     replied_at=now, status=FeedbackStatus.replied),
            Feedback(unit=canteen, content="手数三", token=uuid.uuid4().hex, submitted_at=now)]
    before = monthly_figures(db.session)
    db.session.add_all(made)
    db.session.commit()
    try:
        after = monthly_figures(db.session)
        unit_before = next((u for u in before["units"] if u["unit"] == "师生食堂"), {"total": 0, "answered": 0})
        unit_after = next(u for u in after["units"] if u["unit"] == "师生食堂")
        assert unit_after["total"] - unit_before["total"] == 3
        assert unit_after["answered"] - unit_before["answered"] == 1  # only the first within 3 days
        assert after["total"] - before["total"] == 3 and len(after["months"]) == 6
        assert sum(unit_after["counts"]) == unit_after["total"]
        rows = db.session.execute(select(Feedback.submitted_at, Feedback.replied_at).join(Department)
                                  .where(Department.code == "050201")).all()
        first = after["months"][0]
        hand = [r for r in rows if f"{r[0]:%Y-%m}" >= first]
        in_time = [r for r in hand if r[1] is not None and r[1] - r[0] <= timedelta(days=3)]
        assert unit_after["total"] == len(hand) and unit_after["answered"] == len(in_time)
        assert unit_after["share_text"] == f"{len(in_time) * 100 / len(hand):.1f}%"
    finally:
        for item in made:
            db.session.delete(item)
        db.session.commit()


def test_the_home_pages_of_the_director_and_the_managers_show_the_months_figures(clients, client, db):
    from views.feedback_dashboard import feedback_by_month

    sent_item(db, send(client, content="看板上要数到我"))
    for username in ("zongwu", "shitang"):
        home = clients(username).get("/").text
        assert "投诉建议（近6个月）" in home and "3日内回复" in home
    assert "投诉建议（近6个月）" not in clients("jiaoshi").get("/").text
    with clients("shitang").application.test_request_context("/"):
        from flask_login import login_user

        from models.org import Staff

        login_user(db.session.scalar(select(Staff).join(Staff.user).where(Staff.name == "吴海涛")).user)
        chart = feedback_by_month()
        assert [name for name, _ in chart.details] == ["师生食堂"]  # the canteen manager's unit only


def test_the_director_prints_each_points_qr_poster_encoding_its_public_address(clients):
    from views.printing import qr_svg

    director = clients("zongwu")
    sheet = director.get("/print/feedback-posters/").text
    url = "http://localhost/feedback/st1"
    assert "师生食堂一楼大厅" in sheet and "男生宿舍1号楼门厅" in sheet and "后勤办公室" in sheet
    assert f'data-url="{url}"' in sheet and qr_svg(url) in sheet
    assert clients("jiaoshi").get("/print/feedback-posters/").status_code != 200
