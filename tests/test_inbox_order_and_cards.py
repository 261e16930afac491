"""我的待办 order and cards, 我的申请, list cards, and related records as links on detail pages.

Repair orders are made here with chosen times (a random token in their titles) and removed when each test ends;
the expected order and facts are worked out from the database, not by the inbox code.
"""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func

from app.meta import clock
from tests.conftest import department_budget, flashes

CARD = re.compile(r'<div class="engine-card(?: [^"]*)?">')


# ----------------------------------------------------------------------------- helpers
def token() -> str:
    return uuid.uuid4().hex[:10]


def staff_of(db, username):
    from flask_appbuilder.security.sqla.models import User

    from models.org import Staff

    return db.session.query(Staff).join(User, Staff.user_id == User.id).filter(User.username == username).one()


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", fragment)).strip()


def cards(page: str) -> list[dict]:
    """Each card of a page: the link of its title, its title, its labels (逾期, 紧急, state) and facts."""
    found = []
    for chunk in CARD.split(page)[1:]:
        title = re.search(r'class="engine-card-title"(?: href="([^"]*)")?>(.*?)</(?:a|span)>', chunk, re.S)
        labels = re.findall(r'<span class="label label-(\w+)">([^<]*)</span>', chunk.split("engine-card-facts")[0])
        facts = {label.rstrip("："): text_of(value) for label, value in re.findall(
            r'<span class="engine-fact"><span class="text-muted">([^<]*)</span>(.*?)</span>(?=<span class="engine-fact">|\s*</div>)',
            chunk, re.S)}
        found.append({"href": (title.group(1) or "") if title else "", "title": text_of(title.group(2)) if title else "",
                      "labels": [(kind, text.strip()) for kind, text in labels], "facts": facts})
    return found


def record_id(href: str, route: str) -> int | None:
    found = re.match(rf"/{route}/show/(\d+)", href)
    return int(found.group(1)) if found else None


@pytest.fixture
def cleanup(db):
    made: list = []
    yield made
    from app.rules.history import WorkflowLog

    db.session.rollback()
    for model, pk in reversed(made):
        record = db.session.get(model, pk)
        if record is None:
            continue
        db.session.query(WorkflowLog).filter_by(model=model.__name__, record_id=pk).delete()
        db.session.delete(record)
        db.session.flush()
    db.session.commit()


def new_order(db, cleanup, title, reporter, *, urgency, reported_at, promised_at, place="测试楼 101"):
    from app.rules import write
    from models.repairs import RepairCategory, RepairOrder, RepairStatus, Urgency

    order = RepairOrder(title=title, description="测试用报修", category=RepairCategory.water, place=place,
                        urgency=Urgency[urgency], reporter=reporter, department=reporter.department,
                        reported_at=reported_at, promised_at=promised_at, status=RepairStatus.pending)
    write.save(db.session, order)
    cleanup.append((RepairOrder, order.id))
    return order


# ============================================================================= 我的待办
def test_todo_lists_overdue_then_urgent_then_the_longest_waiting(as_user, db, cleanup):
    from app.rules.history import WorkflowLog
    from models.repairs import OPEN, RepairOrder, Urgency

    t = token()
    me = staff_of(db, "jiaoshi")
    now = clock.now().replace(second=0, microsecond=0)
    logged_before = db.session.query(func.max(WorkflowLog.id)).scalar() or 0  # SQLite may reuse deleted ids
    # Made in the reverse of the expected order, and the overdue one reported last: neither id nor time
    # alone gives the expected order.
    made = [
        new_order(db, cleanup, f"{t} 四", me, urgency="normal", reported_at=now - timedelta(hours=2),
                  promised_at=now + timedelta(hours=10)),
        new_order(db, cleanup, f"{t} 三", me, urgency="normal", reported_at=now - timedelta(hours=3),
                  promised_at=now + timedelta(hours=10)),
        new_order(db, cleanup, f"{t} 二", me, urgency="urgent", reported_at=now - timedelta(hours=1),
                  promised_at=now + timedelta(hours=23)),
        new_order(db, cleanup, f"{t} 一", me, urgency="normal", reported_at=now - timedelta(minutes=30),
                  promised_at=now - timedelta(minutes=10)),
    ]
    ids = [o.id for o in made]
    assert db.session.query(WorkflowLog).filter(WorkflowLog.model == "RepairOrder", WorkflowLog.id > logged_before,
                                                WorkflowLog.record_id.in_(ids)).count() == 0
    rows = db.session.query(RepairOrder).filter(RepairOrder.id.in_(ids)).all()

    def rank(o):
        overdue = o.status in OPEN and o.promised_at < clock.now()
        return (0 if overdue else 1 if o.urgency == Urgency.urgent else 2, o.reported_at, o.id)

    expected = [o.id for o in sorted(rows, key=rank)]
    assert expected == list(reversed(ids))  # 一 (overdue), 二 (urgent), 三 (older), 四

    page = as_user("zongwu").get("/todo/")
    assert page.status_code == 200
    shown = cards(page.text)
    order_ids = [record_id(c["href"], "repair-order") for c in shown]
    assert [i for i in order_ids if i in ids] == expected

    # The whole page keeps the rule: no card flagged 逾期 after one that is not, no 紧急 after a plain one.
    ranks = [0 if ("danger", "逾期") in c["labels"] else 1 if ("warning", "紧急") in c["labels"] else 2
             for c in shown]
    assert ranks == sorted(ranks)
    by_id = {record_id(c["href"], "repair-order"): c for c in shown}
    assert ("danger", "逾期") in by_id[ids[3]]["labels"]
    assert ("warning", "紧急") in by_id[ids[2]]["labels"]


def test_todo_cards_show_the_declared_facts(as_user, db, cleanup):
    from models.dorms import DormChange, DormChangeKind, DormChangeStatus
    from models.purchasing import PurchaseRequest

    t = token()
    me = staff_of(db, "jiaoshi")
    now = clock.now().replace(second=0, microsecond=0)
    urgent = new_order(db, cleanup, f"{t} 跳闸", me, urgency="urgent", place=f"实验楼{t} 204",
                       reported_at=now - timedelta(minutes=20), promised_at=now + timedelta(hours=20))

    # A purchase request submitted by the canteen (保存并提交审批), awaiting 后勤主任.
    shitang = as_user("shitang")
    posted = shitang.post("/purchase-request/add", data={
        "reason": f"{t} 采购", "fund_source": "budget", "method": "self_buy", "_submit": "1",
        "budget": department_budget(db, "shitang"),
        "items-0-name": "菜刀", "items-0-unit": "把", "items-0-quantity": "3", "items-0-unit_price": "45.5"})
    assert posted.status_code == 302, flashes(posted.text)
    request = db.session.query(PurchaseRequest).filter_by(reason=f"{t} 采购").one()
    cleanup.append((PurchaseRequest, request.id))
    assert request.status.value == "待审批"

    change = (db.session.query(DormChange)
              .filter_by(status=DormChangeStatus.pending, kind=DormChangeKind.transfer)
              .filter(DormChange.new_bed_id.isnot(None)).order_by(DormChange.id).first())
    assert change is not None, "the demo has a pending 调宿 request"

    page = as_user("zongwu").get("/todo/").text
    shown = cards(page)
    repair = next(c for c in shown if record_id(c["href"], "repair-order") == urgent.id)
    assert repair["facts"]["地点"] == f"实验楼{t} 204"
    assert repair["facts"]["紧急程度"] == "紧急"
    assert repair["title"] == f"{urgent.code} {urgent.title}"

    purchase = next(c for c in shown if record_id(c["href"], "purchase-request") == request.id)
    assert purchase["facts"]["合计金额"] == f"¥{request.total:,.2f}" == "¥136.50"
    assert purchase["facts"]["申请部门"] == request.department.name == "师生食堂"

    dorm = next(c for c in shown if record_id(c["href"], "dorm-change") == change.id)
    assert dorm["facts"]["学生"] == str(change.student)
    assert dorm["facts"]["新床位"] == str(change.new_bed)


# ============================================================================= 我的申请
def test_mine_lists_a_just_created_request_first(as_user, db, cleanup):
    from models.repairs import RepairOrder

    client = as_user("jiaoshi")
    title = f"{token()} 窗户关不上"
    response = client.post("/repair-order/add", data={"title": title, "category": "door_window",
                                                     "urgency": "normal", "place": "教学楼A 201",
                                                     "description": "窗扣坏了"})
    assert response.status_code == 302, flashes(response.text)
    order = db.session.query(RepairOrder).filter_by(title=title).one()
    cleanup.append((RepairOrder, order.id))
    page = client.get("/mine/")
    assert page.status_code == 200
    shown = cards(page.text)
    assert shown, "我的申请 lists the teacher's requests"
    assert record_id(shown[0]["href"], "repair-order") == order.id
    assert shown[0]["title"] == f"{order.code} {title}"
    assert ("info", "待受理") in shown[0]["labels"]


# ============================================================================= list cards
def test_each_listed_record_is_also_a_card_with_its_title_and_state(as_user, db, cleanup):
    from models.repairs import RepairOrder

    t = token()
    me = staff_of(db, "jiaoshi")
    now = clock.now().replace(second=0, microsecond=0)
    made = [new_order(db, cleanup, f"{t} 卡片{n}", me, urgency="normal", reported_at=now - timedelta(minutes=n),
                      promised_at=now + timedelta(hours=5)) for n in (1, 2, 3)]
    page = as_user("admin").get("/repair-order/list/", query_string={"q": t})
    assert page.status_code == 200
    assert 'class="engine-cards engine-list-cards"' in page.text
    listed = {record_id(c["href"], "repair-order"): c for c in cards(page.text.split("engine-list-cards", 1)[1])}
    assert set(listed) == {o.id for o in made}
    for o in db.session.query(RepairOrder).filter(RepairOrder.id.in_([m.id for m in made])):
        assert listed[o.id]["title"] == f"{o.code} {o.title}"
        assert ("info", o.status.value) in listed[o.id]["labels"]


# ============================================================================= related records as links
def _row(page: str, label: str) -> str:
    found = re.search(rf"<th[^>]*>{label}</th>\s*<td>(.*?)</td>", page, re.S)
    assert found, label
    return found.group(1)


def test_related_records_link_to_their_pages_where_the_user_may_read_them(as_user, db, cleanup):
    t = token()
    me = staff_of(db, "jiaoshi")
    now = clock.now().replace(second=0, microsecond=0)
    order = new_order(db, cleanup, f"{t} 黑板松动", me, urgency="normal", reported_at=now - timedelta(minutes=3),
                      promised_at=now + timedelta(hours=5))
    department = me.department

    admin_page = as_user("admin").get(f"/repair-order/show/{order.id}").text
    assert re.search(rf'<a href="/department/show/{department.id}">{re.escape(department.name)}</a>',
                     _row(admin_page, "报修部门"))
    assert re.search(rf'<a href="/staff/show/{me.id}">{re.escape(me.name)}</a>', _row(admin_page, "报修人"))
    assert as_user("admin").get(f"/department/show/{department.id}").status_code == 200

    # A teacher may not open departments or staff records: the same facts as plain text.
    own_page = as_user("jiaoshi").get(f"/repair-order/show/{order.id}").text
    cell = _row(own_page, "报修部门")
    assert text_of(cell) == department.name and "<a" not in cell
    cell = _row(own_page, "报修人")
    assert text_of(cell) == me.name and "<a" not in cell
    assert "/department/show/" not in own_page
