"""师生食堂: the purchase ledger (金额 and 合计 computed, dates and figures checked), 留样 and its 48-hour rule,
the data scope of both, the public 食堂公示 (posted columns only, xlsx with Chinese headers), the 今日食堂 widget
counted again here by hand, and the demo year."""
from __future__ import annotations

import io
import re
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
from openpyxl import load_workbook

from app.meta import clock
from tests.conftest import flashes
from tests.test_dashboard import widgets

BOARD_HEADERS = ["品名", "数量", "单位", "单价", "金额", "供应商", "验收人"]


def uid() -> str:
    return uuid.uuid4().hex[:6]


def field_errors(html: str) -> list[str]:
    """The texts shown next to fields (and next to line cells) and in lists of errors."""
    found = re.findall(r'class="(?:help-block|text-danger|alert alert-danger)[^"]*"[^>]*>(.*?)<', html, re.S)
    return [unescape(re.sub(r"<[^>]+>", "", e)).strip() for e in found if re.search(r"[\u4e00-\u9fff]", e)]


def staff_of(db, username):
    from flask_appbuilder.security.sqla.models import User

    from models.org import Staff

    user = db.session.query(User).filter_by(username=username).one()
    return db.session.query(Staff).filter_by(user_id=user.id).one()


def department(db, name):
    from models.org import Department

    return db.session.query(Department).filter_by(name=name).one()


def food_supplier(db):
    from models.purchasing import Supplier

    return db.session.query(Supplier).filter_by(name="杭州勾庄蔬菜批发配送有限公司").one()


@pytest.fixture
def cleanup(db):
    made: list = []
    yield made
    db.session.rollback()
    for model, pk in reversed(made):
        found = db.session.get(model, pk)
        if found is not None:
            db.session.delete(found)
    db.session.commit()


def delivery_form(db, mark: str, **changes) -> dict:
    data = {"delivered_on": clock.today().isoformat(), "supplier": food_supplier(db).id, "remark": mark,
            "receiver": staff_of(db, "shitang").id,
            "lines-0-name": f"青菜{mark}", "lines-0-unit": "公斤", "lines-0-quantity": "12.5",
            "lines-0-unit_price": "4.20", "lines-0-category": "vegetable",
            "lines-1-name": f"土豆{mark}", "lines-1-spec": "黄心", "lines-1-unit": "公斤", "lines-1-quantity": "30",
            "lines-1-unit_price": "3", "lines-1-category": "vegetable"}
    data.update(changes)
    return data


def delivery_of(db, mark):
    from models.canteen import CanteenDelivery

    db.session.expire_all()
    return db.session.query(CanteenDelivery).filter_by(remark=mark).one_or_none()


# ============================================================================= 进货台账
def test_a_delivery_computes_its_amounts_and_total_and_is_the_canteens(db, clients, cleanup):
    from models.canteen import CanteenDelivery

    mark = uid()
    response = clients("shitang").post("/canteen-delivery/add", data=delivery_form(db, mark))
    assert response.status_code == 302, field_errors(response.text) + flashes(response.text)
    delivery = delivery_of(db, mark)
    cleanup.append((CanteenDelivery, delivery.id))
    assert [(line.name, line.amount) for line in delivery.lines] == [(f"青菜{mark}", Decimal("52.50")),
                                                                     (f"土豆{mark}", Decimal("90.00"))]
    assert delivery.total == Decimal("142.50")
    me = staff_of(db, "shitang")
    assert (delivery.receiver_id, delivery.department_id) == (me.id, me.department_id)
    assert delivery.code.startswith("JH-")
    # A line changed on its own keeps the total right.
    line = delivery.lines[0]
    page = clients("shitang").post(f"/canteen-delivery/edit/{delivery.id}", data=delivery_form(
        db, mark, **{"lines-0-id": line.id, "lines-0-quantity": "10", "lines-1-id": delivery.lines[1].id,
                     "seen_version": delivery.row_version}))
    assert page.status_code == 302, field_errors(page.text) + flashes(page.text)
    assert delivery_of(db, mark).total == Decimal("132.00")


@pytest.mark.parametrize("changes,message", [
    ({"delivered_on": (date.today() + timedelta(days=400)).isoformat()}, "进货日期不能晚于今天"),
    ({"lines-0-quantity": "0"}, "数量须大于 0"),
    ({"lines-1-unit_price": "-3"}, "单价须大于 0"),
])
def test_a_future_date_or_a_figure_not_above_zero_is_refused(db, clients, changes, message):
    mark = uid()
    response = clients("shitang").post("/canteen-delivery/add", data=delivery_form(db, mark, **changes))
    assert response.status_code == 200
    assert message in " ".join(field_errors(response.text) + flashes(response.text))
    assert delivery_of(db, mark) is None


# ============================================================================= 留样
def sample_form(db, **changes) -> dict:
    data = {"sampled_on": "2020-03-02", "meal": "lunch", "dishes": f"红烧肉、青菜{uid()}", "grams": "150",
            "sampled_at": "2020-03-02 11:30:00", "sampler": staff_of(db, "shitang").id}
    data.update(changes)
    return data


def sample_of(db, dishes):
    from models.canteen import FoodSample

    db.session.expire_all()
    return db.session.query(FoodSample).filter_by(dishes=dishes).one_or_none()


def test_a_sample_is_destroyed_only_48_hours_after_it_was_taken(db, clients, cleanup):
    from models.canteen import FoodSample

    shitang = clients("shitang")
    data = sample_form(db)
    assert shitang.post("/food-sample/add", data=data).status_code == 302
    sample = sample_of(db, data["dishes"])
    cleanup.append((FoodSample, sample.id))
    me = staff_of(db, "shitang")
    assert (sample.sampler_id, sample.department_id) == (me.id, me.department_id)
    assert sample.keep_until() == datetime(2020, 3, 4, 11, 30)

    data["seen_version"] = sample.row_version
    early = shitang.post(f"/food-sample/edit/{sample.id}",
                         data={**data, "destroyed_at": "2020-03-04 11:29:00", "destroyer": me.id})
    assert early.status_code == 200
    assert "留样须保存满 48 小时，最早可于 2020-03-04 11:30 销毁" in " ".join(field_errors(early.text))
    assert sample_of(db, data["dishes"]).destroyed_at is None

    no_one = shitang.post(f"/food-sample/edit/{sample.id}", data={**data, "destroyed_at": "2020-03-04 11:30:00"})
    assert "请填写销毁人" in " ".join(field_errors(no_one.text))

    on_time = shitang.post(f"/food-sample/edit/{sample.id}",
                           data={**data, "destroyed_at": "2020-03-04 11:30:00", "destroyer": me.id})
    assert on_time.status_code == 302, field_errors(on_time.text)
    assert sample_of(db, data["dishes"]).destroyed_at == datetime(2020, 3, 4, 11, 30)


@pytest.mark.parametrize("changes,message", [
    ({"sampled_on": (date.today() + timedelta(days=400)).isoformat()}, "留样日期不能晚于今天"),
    ({"sampled_at": (datetime.now() + timedelta(days=400)).strftime("%Y-%m-%d %H:%M:%S")}, "留样时间不能晚于现在"),
    ({"sampled_at": "2020-03-03 11:30:00"}, "留样时间应在留样日期当天"),
    ({"grams": "100"}, "125"),
])
def test_a_sample_in_the_future_or_too_small_is_refused(db, clients, changes, message):
    data = sample_form(db, **changes)
    response = clients("shitang").post("/food-sample/add", data=data)
    assert response.status_code == 200
    assert message in " ".join(field_errors(response.text) + flashes(response.text))
    assert sample_of(db, data["dishes"]) is None


def test_one_sample_per_meal_and_day(db, clients, cleanup):
    from models.canteen import FoodSample

    first = sample_form(db, sampled_on="2020-03-05", sampled_at="2020-03-05 07:00:00", meal="breakfast")
    assert clients("shitang").post("/food-sample/add", data=first).status_code == 302
    cleanup.append((FoodSample, sample_of(db, first["dishes"]).id))
    second = sample_form(db, sampled_on="2020-03-05", sampled_at="2020-03-05 07:10:00", meal="breakfast")
    response = clients("shitang").post("/food-sample/add", data=second)
    assert "2020-03-05 的早餐已有留样记录" in " ".join(field_errors(response.text))
    assert sample_of(db, second["dishes"]) is None


def test_quick_filters_split_the_samples_kept_by_the_48_hours(db, cleanup):
    from sqlalchemy import select

    from models.canteen import FoodSample, Meal

    now = clock.now()
    dorms = department(db, "宿舍管理")  # a department of its own: the canteen's days stay as the demo made them
    someone = staff_of(db, "sushe")
    fresh = FoodSample(sampled_on=(now - timedelta(hours=1)).date(), meal=Meal.dinner, dishes=f"新鲜{uid()}",
                       grams=150, sampled_at=now - timedelta(hours=1), sampler=someone, department=dorms)
    old = FoodSample(sampled_on=(now - timedelta(hours=49)).date(), meal=Meal.dinner, dishes=f"满期{uid()}",
                     grams=150, sampled_at=now - timedelta(hours=49), sampler=someone, department=dorms)
    db.session.add_all([fresh, old])
    db.session.commit()
    cleanup.extend([(FoodSample, fresh.id), (FoodSample, old.id)])
    quick = {f.label: f for f in FoodSample.__admin__.quick_filters}
    chosen = {label: set(db.session.scalars(select(FoodSample.id).where(*quick[label].criteria(FoodSample))))
              for label in ("未满48小时", "可销毁")}
    assert fresh.id in chosen["未满48小时"] and old.id in chosen["可销毁"]
    rows = db.session.query(FoodSample).all()
    limit = clock.now() - timedelta(hours=48)
    assert chosen["未满48小时"] == {s.id for s in rows if s.destroyed_at is None and s.sampled_at > limit}
    assert chosen["可销毁"] == {s.id for s in rows if s.destroyed_at is None and s.sampled_at <= limit}


# ============================================================================= scope
@pytest.fixture
def dorms_delivery(db, cleanup):
    """A delivery of another department (宿舍管理's own small shop order), on the demo's last delivery day."""
    from sqlalchemy import func, select

    from models.canteen import CanteenDelivery, CanteenDeliveryLine, FoodCategory

    mark = uid()
    day = db.session.scalar(select(func.max(CanteenDelivery.delivered_on)).where(CanteenDelivery.code.like("JH-2%")))
    delivery = CanteenDelivery(code=f"JH-TEST-{mark}", delivered_on=day,
                               supplier=food_supplier(db), receiver=staff_of(db, "sushe"),
                               department=department(db, "宿舍管理"), remark=mark, total=Decimal("10.00"),
                               lines=[CanteenDeliveryLine(name=f"外部门{mark}", unit="公斤", quantity=Decimal("2"),
                                                          unit_price=Decimal("5"), amount=Decimal("10.00"),
                                                          category=FoodCategory.fruit)])
    db.session.add(delivery)
    db.session.commit()
    cleanup.append((CanteenDelivery, delivery.id))
    return delivery


def test_the_canteen_cannot_reach_another_departments_delivery(db, clients, dorms_delivery):
    shitang = clients("shitang")
    assert shitang.get(f"/canteen-delivery/show/{dorms_delivery.id}").status_code == 404
    assert shitang.get(f"/api/v1/canteen-delivery/{dorms_delivery.id}").status_code == 404
    assert shitang.post(f"/canteen-delivery/edit/{dorms_delivery.id}",
                        data={"remark": "被改了"}).status_code in (302, 403, 404)
    assert dorms_delivery.code not in shitang.get("/canteen-delivery/list/?psize_CanteenDeliveryView=100").text
    assert delivery_of(db, dorms_delivery.remark).remark == dorms_delivery.remark
    # The director reads the whole school's.
    assert clients("zongwu").get(f"/canteen-delivery/show/{dorms_delivery.id}").status_code == 200


@pytest.mark.parametrize("username", ["sushe", "jiaoshi", "shuidian"])
def test_other_roles_read_the_posting_but_not_the_ledger(clients, username):
    client = clients(username)
    for path in ("/canteen-delivery/list/", "/canteen-delivery-line/list/", "/food-sample/list/",
                 "/api/v1/canteen-delivery/", "/api/v1/food-sample/"):
        assert client.get(path).status_code in (302, 401, 403), path
    assert client.post("/canteen-delivery/add", data={}).status_code in (302, 403)
    assert client.get("/canteen-board/").status_code == 200


def test_the_director_reads_and_corrects_but_does_not_enter(clients):
    director = clients("zongwu")
    assert director.get("/canteen-delivery/list/").status_code == 200
    assert director.get("/food-sample/list/").status_code == 200
    assert director.get("/canteen-delivery/add").status_code in (302, 403)


# ============================================================================= 食堂公示
def board_rows(html: str) -> list[list[str]]:
    table = re.search(r'<table[^>]*canteen-board.*?</table>', html, re.S)
    assert table
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(0), re.S).group(1)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    cells = [[unescape(re.sub(r"<[^>]+>|\s+", " ", c).strip()) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
             for r in rows]
    return [row for row in cells if len(row) == len(BOARD_HEADERS)]


def test_the_posting_shows_the_days_lines_with_posted_columns_only(db, clients, dorms_delivery):
    from models.canteen import CanteenDelivery, CanteenDeliveryLine

    day = dorms_delivery.delivered_on
    page = clients("jiaoshi").get(f"/canteen-board/?day={day.isoformat()}").text
    headers = re.findall(r"<th>(.*?)</th>", re.search(r"<thead>(.*?)</thead>", page, re.S).group(1))
    assert headers == BOARD_HEADERS
    lines = (db.session.query(CanteenDeliveryLine).join(CanteenDelivery)
             .filter(CanteenDelivery.delivered_on == day).all())
    rows = board_rows(page)
    assert len(rows) == len(lines) > 1
    assert ["外部门" + dorms_delivery.remark, "2", "公斤", "¥5.00", "¥10.00", "杭州勾庄蔬菜批发配送有限公司",
            staff_of(db, "sushe").name] in rows
    total = sum((line.amount for line in lines), Decimal("0"))
    assert f"共 <strong>{len(lines)}</strong> 项，金额合计 <strong>¥{total:,.2f}</strong>" in page
    # Nothing else of the ledger: no document numbers, remarks or delivery-note photos.
    assert dorms_delivery.code not in page and "送货单" not in page and "JH-" not in page


def test_the_posting_defaults_to_today_and_explains_a_bad_day(clients):
    client = clients("jiaoshi")
    assert f'value="{clock.today().isoformat()}"' in client.get("/canteen-board/").text
    bad = client.get("/canteen-board/?day=2026-13-45").text
    assert "日期格式应为 年-月-日" in bad and f'value="{clock.today().isoformat()}"' in bad


def test_the_posting_exports_its_rows_with_chinese_headers(db, clients, dorms_delivery):
    day = dorms_delivery.delivered_on
    client = clients("jiaoshi")
    response = client.get(f"/canteen-board/export.xlsx?day={day.isoformat()}")
    assert response.status_code == 200
    assert f"{day:%Y%m%d}" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.values)
    assert list(values[0]) == BOARD_HEADERS
    page_rows = board_rows(client.get(f"/canteen-board/?day={day.isoformat()}").text)
    assert len(values) == 1 + len(page_rows) + 1
    assert values[-1][0] == "合计"
    assert Decimal(str(values[-1][4])) == sum((Decimal(str(row[4])) for row in values[1:-1]), Decimal("0"))


# ============================================================================= 今日食堂
def expected_day(db, username) -> dict:
    """Today's figures counted by hand: food-safety tasks covering today, meals sampled, deliveries."""
    from models.canteen import CanteenDelivery, FoodSample
    from models.routines import InspectionTask, PlanKind, TaskStatus

    today = clock.today()
    departments = None  # 全部
    if username == "shitang":
        departments = set(staff_of(db, "shitang").department.subtree_ids())

    def mine(record) -> bool:
        return departments is None or record.department_id in departments

    db.session.expire_all()
    tasks = [t for t in db.session.query(InspectionTask).all()
             if t.plan.kind == PlanKind.food_safety and t.due_on <= today <= t.due_by and mine(t)]
    samples = [s for s in db.session.query(FoodSample).filter_by(sampled_on=today) if mine(s)]
    deliveries = [d for d in db.session.query(CanteenDelivery).filter_by(delivered_on=today) if mine(d)]
    return {"checks_due": len(tasks), "checks_done": sum(t.status == TaskStatus.done for t in tasks),
            "meals": len({s.meal for s in samples}), "deliveries": len(deliveries),
            "total": sum((d.total for d in deliveries), Decimal("0"))}


@pytest.mark.parametrize("username", ["shitang", "zongwu"])
def test_the_home_widget_equals_the_days_records(db, clients, username):
    shown = widgets(clients(username).get("/").text)
    assert "canteen_today" in shown
    want = expected_day(db, username)
    assert want["checks_due"] >= 3  # 晨检, 餐具消毒 and this week's 五防 of the demo
    details = {k: re.sub(r"<[^>]+>", "", v).strip() for k, v in shown["canteen_today"]["details"].items()}
    assert details == {"食品安全检查": f"已完成 {want['checks_done']} / {want['checks_due']} 项",
                       "留样": f"已留样 {want['meals']} / 3 餐",
                       "进货": f"{want['deliveries']} 单，合计 ¥{want['total']:,.2f}"}
    missing = (want["checks_due"] - want["checks_done"]) > 0, want["meals"] < 3, want["deliveries"] == 0
    assert shown["canteen_today"]["value"] == str(sum(missing))
    assert ("panel-warning" if any(missing) else "panel-success") in shown["canteen_today"]["html"]
    assert "/food-sample/list/?_qf=" in shown["canteen_today"]["html"]


def test_the_widget_is_not_shown_to_those_who_do_not_keep_the_canteen(clients):
    for username in ("jiaoshi", "sushe", "caiwu"):
        assert "canteen_today" not in widgets(clients(username).get("/").text), username


# ============================================================================= the demo year
def test_demo_deliveries_samples_and_checks_follow_the_rules(db):
    from sqlalchemy import func

    from models.canteen import CanteenDelivery, CanteenDeliveryLine, FoodSample
    from models.routines import CheckResult, InspectionPlan, InspectionTask, PlanKind, TaskStatus

    today = clock.today()
    s = db.session
    lines = s.query(CanteenDeliveryLine).all()
    assert len(lines) > 1500
    assert all(line.amount == (line.quantity * line.unit_price).quantize(Decimal("0.01")) for line in lines)
    sums = dict(s.query(CanteenDeliveryLine.delivery_id, func.sum(CanteenDeliveryLine.amount))
                .group_by(CanteenDeliveryLine.delivery_id).all())
    deliveries = s.query(CanteenDelivery).filter(CanteenDelivery.code.like("JH-2%")).all()
    assert all(d.total == sums[d.id] for d in deliveries)
    per_day = {}
    for d in deliveries:
        per_day.setdefault(d.delivered_on, set()).add(d.supplier_id)
    assert all(2 <= len(v) <= 4 for v in per_day.values())
    assert max(per_day) < today  # today is the person on duty's

    samples = s.query(FoodSample).filter(FoodSample.sampled_on >= today - timedelta(days=370)).all()
    assert samples and all(x.grams >= 125 for x in samples)
    destroyed = [x for x in samples if x.destroyed_at is not None]
    assert destroyed and all(x.destroyed_at >= x.sampled_at + timedelta(hours=48) for x in destroyed)
    assert not [x for x in samples if x.sampled_on >= today - timedelta(days=2) and x.destroyed_at is not None]
    by_day = {}
    for x in samples:
        by_day.setdefault(x.sampled_on, set()).add(x.meal)
    assert all(len(meals) == 3 for day, meals in by_day.items() if day < today)

    plans = s.query(InspectionPlan).filter_by(kind=PlanKind.food_safety).all()
    assert {p.name for p in plans} >= {"食堂晨检", "餐具消毒", "食堂五防检查"}
    for plan in plans:
        tasks = s.query(InspectionTask).filter_by(plan_id=plan.id).all()
        current = [t for t in tasks if t.due_on <= today <= t.due_by]
        assert len(current) == 1 and current[0].status == TaskStatus.pending
        assert all(len(t.results) == len(plan.items) for t in tasks)
    all_tasks = s.query(InspectionTask).join(InspectionPlan).filter(InspectionPlan.kind == PlanKind.food_safety).all()
    done = [t for t in all_tasks if t.status == TaskStatus.done]
    missed = [t for t in all_tasks if t.missed()]
    assert len(done) > 0.9 * len(all_tasks) and 0 < len(missed) < 0.05 * len(all_tasks)
    abnormal = [t for t in done if t.abnormal]
    assert abnormal and all(sum(r.outcome.value == "异常" and bool(r.note) for r in t.results) == t.abnormal
                            for t in abnormal)
    assert s.query(CheckResult).count() >= 2000


# ============================================================================= food-safety checks
def test_todays_morning_check_is_filled_on_todays_checks_page(db, clients):
    """The 晨检 of the demo, due today, is on the canteen's 今日检查 and saved with an 异常 item and its note."""
    from models.routines import CheckOutcome, InspectionPlan, InspectionTask, TaskStatus

    task = (db.session.query(InspectionTask).join(InspectionPlan)
            .filter(InspectionPlan.name == "餐具消毒", InspectionTask.due_on == clock.today()).one())
    assert task.status == TaskStatus.pending
    client = clients("shitang")
    assert f"/checks/{task.id}" in client.get("/checks/").text
    assert "从业人员健康状况" not in client.get(f"/checks/{task.id}").text  # 餐具消毒's own items
    first, *rest = task.results
    data = {f"outcome-{first.id}": "abnormal", f"note-{first.id}": "二号消毒柜温度显示不准"}
    data.update({f"outcome-{r.id}": "normal" for r in rest})
    response = client.post(f"/checks/{task.id}", data=data)
    assert response.status_code == 302, flashes(response.text)
    db.session.expire_all()
    done = db.session.get(InspectionTask, task.id)
    assert done.status == TaskStatus.done and done.abnormal == 1
    assert done.done_by_id == staff_of(db, "shitang").id
    assert [r.outcome for r in done.results] == [CheckOutcome.abnormal] + [CheckOutcome.normal] * len(rest)
