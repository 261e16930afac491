"""功能室预约: a 节次 is held by one booking only — refused with who holds it on the calendar's form and on REST, and
by the database when two bookings race (two connections at once); a cancelled or refused booking frees its 节次;
rooms that need approval wait for their 管理员; closed days and 节次, past times and too many people are refused;
each person sees their own bookings and a 管理员 their rooms'; the demo rooms and bookings keep the same rules."""
from __future__ import annotations

import re
import threading
import uuid
from datetime import date, timedelta
from html import unescape

import pytest

from app.meta import clock
from tests.conftest import flashes

RACE_LOST = "该时段刚刚已被他人预约，请返回预约日历另选时段"  # the slot constraint's message (models/venues.py)


def uid() -> str:
    return uuid.uuid4().hex[:6]


def staff_of(db, username):
    from flask_appbuilder.security.sqla.models import User

    from models.org import Staff

    user = db.session.query(User).filter_by(username=username).one()
    return db.session.query(Staff).filter_by(user_id=user.id).one()


def user_of(db, username):
    from flask_appbuilder.security.sqla.models import User

    return db.session.query(User).filter_by(username=username).one()


def next_weekday(after: date, weekday: int) -> date:
    """The first day after ``after`` falling on ``weekday`` (0 = Monday), at least two days ahead."""
    on = after + timedelta(days=2)
    while on.weekday() != weekday:
        on += timedelta(days=1)
    return on


@pytest.fixture
def room(db):
    """A room of its own for each test (nobody else books it): open Monday to Friday, not at noon or in the
    evening, 40 people, managed by 维修工 孙立新 (a 管理员 whose own data scope is 仅本人)."""
    from models.venues import Venue, VenueBooking, VenueKind

    made = []

    def make(approval: bool = False, manager: str = "weixiu") -> Venue:
        venue = Venue(name=f"测试功能室{uid()}", kind=VenueKind.functional, capacity=40,
                      manager=staff_of(db, manager), needs_approval=approval, open_days="一二三四五", bookable=True)
        db.session.add(venue)
        db.session.commit()
        made.append(venue.id)
        return venue

    yield make
    db.session.rollback()
    for venue_id in made:
        for booking in db.session.query(VenueBooking).filter_by(venue_id=venue_id):
            db.session.delete(booking)
        db.session.commit()
        db.session.delete(db.session.get(Venue, venue_id))
        db.session.commit()


def book(db, venue, on, start, end=None, who="jiaoshi", purpose="物理分组实验", attendees=None):
    """A booking through the one write path, as the calendar's form makes it."""
    from app.rules import write
    from models.venues import Period, VenueBooking

    staff = staff_of(db, who)
    booking = VenueBooking(venue=venue, day=on, start_period=Period[start], end_period=Period[end or start],
                           purpose=purpose, attendees=attendees, applicant=staff, department=staff.department)
    write.save(db.session, booking)
    return booking


def refusal(db, *args, **kwargs) -> dict[str, str]:
    from app.rules import write

    with pytest.raises(write.Refused) as refused:
        book(db, *args, **kwargs)
    return refused.value.errors


def held(db, venue_id: int) -> list[tuple[date, str, int]]:
    from models.venues import VenueSlot

    db.session.expire_all()
    slots = db.session.query(VenueSlot).filter_by(venue_id=venue_id)
    return sorted((s.day, s.period.name, s.booking_id) for s in slots)


def errors_on(html: str) -> list[str]:
    found = re.findall(r'class="(?:help-block[^"]*|alert alert-danger[^"]*)"[^>]*>(.*?)<', html, re.S)
    return [unescape(e).strip() for e in found if e.strip()]


# ---------------------------------------------------------------------------------------------- overlap
def test_a_taken_period_is_refused_naming_who_holds_it(db, room):
    venue = room()
    on = next_weekday(clock.today(), 1)
    first = book(db, venue, on, "p3", "p4", purpose="高一（3）班物理分组实验")
    assert first.status.value == "已批准"  # a room without approval is booked at once
    assert [(d, p) for d, p, _ in held(db, venue.id)] == [(on, "p3"), (on, "p4")]

    errors = refusal(db, venue, on, "p2", "p4", who="sushe", purpose="宿管会议")
    assert errors["start_period"] == "该时段已被预约：第3节、第4节 林晓燕（高一（3）班物理分组实验）"
    assert [(d, p) for d, p, _ in held(db, venue.id)] == [(on, "p3"), (on, "p4")]  # nothing of the refused one
    assert book(db, venue, on, "p2", who="sushe").status.value == "已批准"  # the 节次 before is free


def test_the_calendar_form_refuses_a_taken_period_and_keeps_what_was_typed(db, room, clients):
    venue = room()
    on = next_weekday(clock.today(), 2)
    teacher, other = clients("jiaoshi"), clients("sushe")
    page = teacher.get(f"/venues/{venue.id}?day={on.isoformat()}").get_data(as_text=True)
    assert f"/venues/{venue.id}/book?day={on.isoformat()}&amp;period=p2" in page  # 第2节 free, with its link

    form = teacher.get(f"/venues/{venue.id}/book?day={on.isoformat()}&period=p2").get_data(as_text=True)
    assert "第2节" in form and venue.name in form and "提交预约" in form
    typed = {"day": on.isoformat(), "start_period": "p2", "end_period": "p2", "purpose": "化学兴趣小组",
             "attendees": "30"}
    done = teacher.post(f"/venues/{venue.id}/book", data=typed, follow_redirects=True)
    assert done.status_code == 200
    assert not errors_on(done.get_data(as_text=True)), errors_on(done.get_data(as_text=True))
    assert any("预约成功：" in f for f in flashes(done.get_data(as_text=True))), flashes(done.get_data(as_text=True))
    assert "已约 林晓燕（化学兴趣小组）" in done.get_data(as_text=True)

    refused = other.post(f"/venues/{venue.id}/book",
                         data=dict(typed, end_period="p3", purpose="宿舍长例会", attendees="12"))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "该时段已被预约：第2节 林晓燕（化学兴趣小组）" in errors_on(html)
    assert 'value="宿舍长例会"' in html and 'value="12"' in html and '<option value="p3" selected>' in html
    assert len(held(db, venue.id)) == 1


def test_rest_gets_the_same_rule(db, room, clients):
    venue = room()
    on = next_weekday(clock.today(), 3)
    book(db, venue, on, "p1", purpose="物理演示实验")
    teacher = clients("sushe")
    payload = {"venue": venue.id, "day": on.isoformat(), "start_period": "第1节", "end_period": "第2节",
               "purpose": "宿管培训"}
    answer = teacher.post("/api/v1/venue-booking/", json=payload)
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert "该时段已被预约：第1节 林晓燕（物理演示实验）" in answer.get_data(as_text=True)
    payload["start_period"] = payload["end_period"] = "第3节"
    created = teacher.post("/api/v1/venue-booking/", json=payload)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert [p for _, p, _ in held(db, venue.id)] == ["p1", "p3"]


# ---------------------------------------------------------------------------------------------- concurrency
def _race(app, venue_id: int, on: date, purposes: tuple[str, ...], start=None) -> list[str]:
    """Each purpose books 第6节 of the room on its own connection, all at the same moment; what each got."""
    from app.extensions import db as database
    from app.rules import write
    from models.org import Staff
    from models.venues import Period, Venue, VenueBooking

    barrier = threading.Barrier(len(purposes))
    results: list[str] = []

    def one(purpose):
        with app.app_context():
            session = database.session
            staff = session.get(Staff, staff_of(database, "jiaoshi").id)
            booking = VenueBooking(venue=session.get(Venue, venue_id), day=on, start_period=Period.p6,
                                   end_period=Period.p6, purpose=purpose, applicant=staff, department=staff.department)
            barrier.wait()
            try:
                write.save(session, booking)
                results.append("ok")
            except write.Refused as refused:
                results.append("；".join(refused.errors.values()) or refused.message)
            finally:
                session.remove()

    threads = [threading.Thread(target=one, args=(p,)) for p in purposes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_of_two_bookings_racing_for_a_period_exactly_one_is_saved(app, db, room):
    venue = room()
    on = next_weekday(clock.today(), 4)
    results = _race(app, venue.id, on, ("甲组排练", "乙组排练"))
    assert sorted(results)[0] == "ok" and results.count("ok") == 1, results
    refused = next(r for r in results if r != "ok")
    assert refused.startswith("该时段已被预约：第6节 林晓燕") or refused == RACE_LOST
    assert len(held(db, venue.id)) == 1


def test_the_database_refuses_the_second_of_two_open_transactions(app, db, room):
    """The model's own check cannot see a booking not yet committed: the unique slot row refuses the second."""
    from app.extensions import db as database
    from app.rules import write
    from models.org import Staff
    from models.venues import Period, Venue, VenueBooking

    venue = room()
    venue_id = venue.id
    on = next_weekday(clock.today(), 0)
    engine = database.engine
    from sqlalchemy.orm import Session

    first = Session(engine)
    staff = first.get(Staff, staff_of(db, "sushe").id)
    holding = VenueBooking(venue=first.get(Venue, venue_id), day=on, start_period=Period.p6, end_period=Period.p6,
                           purpose="先到者", applicant=staff, department=staff.department)
    holding.before_save()
    first.add(holding)
    first.flush()  # its slot row written, not committed: the second booking's rules cannot see it
    outcome: list = []

    def second():
        with app.app_context():
            session = database.session
            teacher = session.get(Staff, staff_of(database, "jiaoshi").id)
            booking = VenueBooking(venue=session.get(Venue, venue_id), day=on, start_period=Period.p6,
                                   end_period=Period.p6, purpose="后到者", applicant=teacher,
                                   department=teacher.department)
            try:
                write.save(session, booking)
                outcome.append("ok")
            except write.Refused as refused:
                outcome.append(refused.message)
            finally:
                session.remove()

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(1.5)  # it waits on the first's uncommitted row (PostgreSQL) or the database lock (SQLite)
    first.commit()
    first.close()
    thread.join(30)
    assert outcome == [RACE_LOST]
    assert [(d, p) for d, p, _ in held(db, venue_id)] == [(on, "p6")]


# ---------------------------------------------------------------------------------------------- workflow
def _take(db, booking, step_name, username, decision="通过", comment=""):
    from app.rules import steps
    from models.venues import VenueBooking

    db.session.expire_all()
    record = db.session.get(VenueBooking, booking.id)
    workflow = VenueBooking.__admin__.workflow
    return steps.take(db.session, record, workflow, workflow.step(step_name), user_of(db, username),
                      decision=decision, comment=comment)


def test_cancelling_frees_the_periods(db, room):
    venue = room()
    on = next_weekday(clock.today(), 1)
    booking = book(db, venue, on, "p1", "p2")
    assert len(held(db, venue.id)) == 2
    _take(db, booking, "cancel", "jiaoshi")
    assert held(db, venue.id) == []
    assert book(db, venue, on, "p2", who="sushe").status.value == "已批准"


def test_a_room_needing_approval_waits_for_its_manager(db, room, clients):
    from app.rules import write
    from models.venues import VenueBooking

    venue = room(approval=True)
    on = next_weekday(clock.today(), 2)
    booking = book(db, venue, on, "p7", purpose="合唱排练")
    assert booking.status.value == "待审批"
    assert len(held(db, venue.id)) == 1  # a booking awaiting approval already holds its 节次
    step_url = f"/venue-booking/step/approve/{booking.id}"
    assert step_url in clients("weixiu").get(f"/venue-booking/show/{booking.id}").get_data(as_text=True)
    assert step_url not in clients("jiaoshi").get(f"/venue-booking/show/{booking.id}").get_data(as_text=True)
    with pytest.raises(write.Refused):
        _take(db, booking, "approve", "jiaoshi")  # nobody approves their own booking
    _take(db, booking, "approve", "weixiu")
    assert db.session.get(VenueBooking, booking.id).status.value == "已批准"

    second = book(db, venue, on, "p8", purpose="社团活动", who="sushe")
    _take(db, second, "approve", "weixiu", decision="驳回", comment="当天有考试")
    assert db.session.get(VenueBooking, second.id).status.value == "已驳回"
    assert [p for _, p, _ in held(db, venue.id)] == ["p7"]  # the refused booking's 节次 is free again

    own = book(db, venue, on, "p5", who="weixiu", purpose="设备检修")
    assert own.status.value == "已批准"  # the manager's own booking of their room needs no approval


def test_closed_days_and_periods_past_times_and_capacity_are_refused(db, room):
    venue = room()
    saturday = next_weekday(clock.today(), 5)
    assert refusal(db, venue, saturday, "p1")["day"] == f"「{venue.name}」周六不开放（开放日：周一二三四五）"
    monday = next_weekday(clock.today(), 0)
    assert refusal(db, venue, monday, "p4", "noon")["start_period"] == f"「{venue.name}」午间不开放预约"
    assert refusal(db, venue, monday, "evening")["start_period"] == f"「{venue.name}」晚间不开放预约"
    assert refusal(db, venue, monday, "p3", "p2")["end_period"] == "结束节次不能早于开始节次"
    assert refusal(db, venue, clock.today() - timedelta(days=1), "p1")["day"] == "不能预约已经过去的日期"
    assert refusal(db, venue, monday, "p1", attendees=41)["attendees"] == f"人数超过「{venue.name}」的容纳人数（40 人）"
    venue.bookable = False
    db.session.commit()
    assert refusal(db, venue, monday, "p1")["venue"] == f"「{venue.name}」暂停预约"
    assert held(db, venue.id) == []


def test_a_period_already_begun_today_is_refused(db, room, monkeypatch):
    from datetime import datetime

    from models import venues

    venue = room()
    venue.open_days = "一二三四五六日"
    db.session.commit()
    today = clock.today()
    five_past_ten = datetime(today.year, today.month, today.day, 10, 5)  # 第3节 began at 10:00
    monkeypatch.setattr(venues.clock, "now", lambda: five_past_ten)
    assert refusal(db, venue, today, "p3")["start_period"] == "第3节已经开始，不能再预约"
    assert book(db, venue, today, "p4").status.value == "已批准"


# ---------------------------------------------------------------------------------------------- scope
def test_each_sees_their_own_bookings_and_a_manager_their_rooms(db, room, clients):
    venue = room(manager="weixiu")
    on = next_weekday(clock.today(), 3)
    mine = book(db, venue, on, "p1", who="jiaoshi", purpose=f"林老师公开课{uid()}")
    theirs = book(db, venue, on, "p2", who="sushe", purpose=f"宿管例会{uid()}")
    teacher = clients("jiaoshi").get("/api/v1/venue-booking/?q=(page_size:100)").get_json()
    ids = {row["id"] for row in teacher["result"]} if "result" in teacher else set(teacher.get("ids", []))
    assert mine.id in ids and theirs.id not in ids
    assert clients("jiaoshi").get(f"/venue-booking/show/{theirs.id}").status_code == 404
    manager = clients("weixiu")
    for booking in (mine, theirs):
        assert manager.get(f"/venue-booking/show/{booking.id}").status_code == 200
    day_page = manager.get(f"/venues/today?day={on.isoformat()}").get_data(as_text=True)
    assert mine.purpose in day_page and theirs.purpose in day_page
    # On the room's calendar everyone sees which 节次 are taken and by whom: the sheet at the room's door.
    calendar = clients("sushe").get(f"/venues/{venue.id}?day={on.isoformat()}").get_data(as_text=True)
    assert f"已约 林晓燕（{mine.purpose}）" in calendar


def test_the_managers_home_page_lists_todays_bookings(db, clients):
    from models.venues import HOLDING, Venue, VenueBooking

    page = clients("zongwu").get("/").get_data(as_text=True)
    assert 'data-widget="todays_bookings"' in page
    today_count = db.session.query(VenueBooking).filter(VenueBooking.day == clock.today(),
                                                        VenueBooking.status.in_(HOLDING)).count()
    assert f"今天共 {today_count} 项预约" in page
    assert 'data-widget="todays_bookings"' not in clients("jiaoshi").get("/").get_data(as_text=True)
    assert db.session.query(Venue).filter_by(name="报告厅").one().manager == staff_of(db, "zongwu")


# ---------------------------------------------------------------------------------------------- demo
def test_demo_rooms_and_bookings_keep_the_rules(db):
    from models.venues import HOLDING, Venue, VenueBooking, VenueSlot

    venues = db.session.query(Venue).filter(~Venue.name.startswith("测试功能室")).all()
    assert {v.name for v in venues} == {"物理实验室", "化学实验室", "计算机教室", "音乐教室", "美术教室", "舞蹈室",
                                        "第一会议室", "报告厅"}
    assert all(v.manager is not None and v.location is not None for v in venues)
    bookings = db.session.query(VenueBooking).filter(VenueBooking.venue_id.in_([v.id for v in venues])).all()
    assert len(bookings) > 50
    assert {b.status.value for b in bookings} >= {"已批准", "待审批", "已取消"}
    assert any(b.day < clock.today() for b in bookings) and any(b.day > clock.today() for b in bookings)
    for booking in bookings:
        periods = {s.period for s in booking.slots}
        assert periods == (set(booking.periods()) if booking.status in HOLDING else set()), booking.code
        if booking.status.value == "待审批":
            assert booking.venue.needs_approval
    slots = db.session.query(VenueSlot.venue_id, VenueSlot.day, VenueSlot.period).all()
    assert len(slots) == len(set(slots))
