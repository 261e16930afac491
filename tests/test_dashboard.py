"""The home page dashboard: each figure equals what the data says, counted here independently (plain Python over
the rows, with each role's data scope written out by hand), for the whole school and for a department."""
from __future__ import annotations

import html as htmllib
import json
import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from app.declare.roles import DataScope
from tests.conftest import DEMO_ACCOUNTS
from tests.test_no_english import english_tokens

ROOT = Path(__file__).resolve().parent.parent
# Each widget and the model a role must be able to read to see it (我的待办: every role).
NEEDS = {"overdue_repairs": "RepairOrder", "overdue_hazards": "Hazard", "repair_on_time": "RepairOrder",
         "repair_rating": "RepairOrder", "satisfaction": "SurveyAnswer", "budgets": "Budget",
         "asset_value": "Asset", "dorm_occupancy": "Bed", "low_stock": ("StockItem", "StockMovement"),
         "todays_checks": "RoutineChecks", "overdue_maintenance": "InspectionTask",
         "canteen_today": ("CanteenDelivery", "FoodSample", "InspectionTask"), "feedback_by_month": "Feedback",
         "todays_bookings": "VenueCalendar"}
CENT = Decimal("0.01")


# ----------------------------------------------------------------- reading the page
def widgets(page: str) -> dict[str, dict]:
    """Each widget on the home page: its value, link, details (label → text), badge and chart data."""
    page = page.split('<h4 class="dashboard-shortcuts"')[0]
    found = {}
    for chunk in re.split(r'<div class="col-md-\d+ col-sm-\d+ dashboard-cell">', page)[1:]:
        key = re.search(r'data-widget="([^"]+)"', chunk).group(1)
        value = re.search(r'class="dashboard-value"(?: href="([^"]*)")?>(.*?)</', chunk, re.S)
        chart = re.search(r'data-chart="([^"]*)"', chunk)
        badge = re.search(r'class="badge dashboard-total">(\d+)<', chunk)
        found[key] = {
            "value": value.group(2).strip() if value else None,
            "url": htmllib.unescape(value.group(1)) if value and value.group(1) else None,
            "details": {k.strip(): htmllib.unescape(v.strip())
                        for k, v in re.findall(r"<tr><th>(.*?)</th><td[^>]*>(.*?)</td></tr>", chunk)},
            "chart": json.loads(htmllib.unescape(chart.group(1))) if chart else None,
            "total": int(badge.group(1)) if badge else None,
            "html": chunk,
        }
    return found


def pct(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def pct_text(value) -> str:
    return "—" if value is None else f"{value}%"


def yuan(value: Decimal) -> str:
    return f"¥{value:,.2f}"


# ----------------------------------------------------------------- who sees what (written out by hand)
class Viewer:
    """A demo account and its data scope, as domain.md states it: 全部, or 本部门 (plus own records)."""

    def __init__(self, db, username: str):
        from flask_appbuilder.security.sqla.models import User

        from models.org import Staff

        user = db.session.query(User).filter_by(username=username).one()
        self.username = username
        self.staff = db.session.query(Staff).filter(Staff.user_id == user.id).one_or_none()
        self.department_id = self.staff.department_id if self.staff else None
        self.everything = DEMO_ACCOUNTS[username] in ("系统管理员", "校长", "后勤主任")

    def mine(self, department_ids=(), people=()) -> bool:
        if self.everything:
            return True
        return self.department_id in department_ids or (self.staff is not None and self.staff.id in people)


def expected(db, viewer: Viewer) -> dict:
    from app.meta import clock
    from models.assets import Asset, AssetCategory, AssetStatus
    from models.dorms import Accommodation, AccommodationStatus, Bed, BedStatus, RoomStatus
    from models.purchasing import Budget, PurchaseRequest, PurchaseStatus
    from models.repairs import RepairOrder, RepairStatus
    from models.safety import Hazard, HazardStatus
    from models.satisfaction import Rating, Survey, SurveyAnswer

    s, now, today = db.session, clock.now(), clock.today()
    out = {}

    orders = [o for o in s.query(RepairOrder)
              if viewer.mine((o.department_id,), (o.reporter_id, o.worker_id))]
    still_open = {RepairStatus.pending, RepairStatus.dispatched, RepairStatus.repairing, RepairStatus.waiting_parts}
    out["overdue_repairs"] = sum(1 for o in orders if o.status in still_open and o.promised_at and o.promised_at < now)
    finished = [o for o in orders if o.finished_at and (o.finished_at.year, o.finished_at.month) == (today.year, today.month)]
    on_time = [o for o in finished if o.promised_at is None or o.finished_at <= o.promised_at]
    ratings = [o.rating for o in finished if o.rating is not None]
    out["finished"], out["on_time"] = len(finished), len(on_time)
    out["rating"] = (Decimal(sum(ratings)) / len(ratings)).quantize(Decimal("0.1")) if ratings else None
    out["rated"] = len(ratings)

    hazards = [h for h in s.query(Hazard)
               if viewer.mine((h.rectify_department_id, h.reporter.department_id if h.reporter else None),
                              (h.rectifier_id, h.reporter_id))]
    out["overdue_hazards"] = sum(1 for h in hazards if h.status != HazardStatus.closed and h.deadline < today)

    survey = (s.query(Survey).filter(Survey.starts_on <= today)
              .order_by(Survey.starts_on.desc(), Survey.id.desc()).first())
    answers = [a for a in s.query(SurveyAnswer) if a.response.survey_id == survey.id
               and viewer.mine((a.item.unit_id,))]
    good = sum(1 for a in answers if a.rating in (Rating.very_satisfied, Rating.satisfied, Rating.basic))
    out["satisfaction"] = (pct(good, len(answers)), len(answers), survey, good * 10 >= len(answers) * 9)

    year = today.year
    budgets = [b for b in s.query(Budget) if b.year == year and viewer.mine((b.department_id,))]
    planned = defaultdict(Decimal)
    for b in budgets:
        planned[b.department_id] += b.amount
    budget_of = {b.id: b for b in s.query(Budget)}
    spent = defaultdict(Decimal)
    committed = {PurchaseStatus.approved, PurchaseStatus.purchasing, PurchaseStatus.to_accept,
                 PurchaseStatus.stored, PurchaseStatus.reimbursed}
    for r in s.query(PurchaseRequest).filter(PurchaseRequest.status.in_(committed)):
        if r.budget_id is not None:
            charged = budget_of[r.budget_id]
            department = charged.department_id if charged.year == year else None
        else:
            department = r.department_id if r.requested_on.year == year else None
        if department in planned:
            spent[department] += r.total
    names = {b.department_id: b.department.name for b in budgets}
    out["budgets"] = {names[d]: (planned[d], spent[d]) for d in planned}

    parents = {c.id: c.parent_id for c in s.query(AssetCategory)}
    category_names = {c.id: c.name for c in s.query(AssetCategory)}

    def root(category_id):
        while parents[category_id] is not None:
            category_id = parents[category_id]
        return category_id

    value, cards = defaultdict(Decimal), 0
    for a in s.query(Asset):
        if a.status != AssetStatus.scrapped and viewer.mine((a.department_id,), (a.keeper_id,)):
            value[category_names[root(a.category_id)]] += a.amount or 0
            cards += 1
    out["assets"] = ({k: v for k, v in value.items() if v}, cards)

    living = {a.bed_id for a in s.query(Accommodation).filter(Accommodation.status == AccommodationStatus.active)}
    beds = defaultdict(lambda: [0, 0])
    for bed in s.query(Bed):
        building = bed.room.building
        if bed.room.status == RoomStatus.disabled or bed.status not in (BedStatus.free, BedStatus.occupied):
            continue
        if not viewer.mine((building.department_id,), (building.manager_id,)):
            continue
        beds[building.name][0] += 1
        beds[building.name][1] += bed.id in living
    out["dorms"] = dict(beds)
    return out


@pytest.fixture
def home(as_user):
    def _home(username: str) -> tuple[str, dict]:
        page = as_user(username).get("/")
        assert page.status_code == 200
        return page.text, widgets(page.text)

    return _home


# ----------------------------------------------------------------- the figures
@pytest.mark.parametrize("username", ["admin", "xiaozhang", "sushe", "shitang"])
def test_figures_equal_the_data_within_the_users_scope(home, db, username):
    html, shown = home(username)
    want = expected(db, Viewer(db, username))
    if "overdue_repairs" in shown:
        assert shown["overdue_repairs"]["value"] == str(want["overdue_repairs"])
        assert shown["overdue_hazards"]["value"] == str(want["overdue_hazards"])
        assert shown["repair_on_time"]["value"] == pct_text(pct(want["on_time"], want["finished"]))
        caption = (f"本月完工 {want['finished']} 单，按承诺时间完成 {want['on_time']} 单" if want["finished"]
                   else "本月还没有完工的报修单")  # the first hours of a month
        assert caption in shown["repair_on_time"]["html"]
        assert shown["repair_rating"]["value"] == (f"{want['rating']} 分" if want["rating"] is not None else "—")
    if "satisfaction" in shown:
        rate, answers, survey, meets = want["satisfaction"]
        if answers:
            assert shown["satisfaction"]["value"] == pct_text(rate)
            assert f"{survey.period}，{answers} 项评价，目标 90%" in shown["satisfaction"]["html"]
            assert ("panel-success" if meets else "panel-danger") in shown["satisfaction"]["html"]
        else:  # no answer within the user's scope yet (a survey just opened): said, not shown as 0%
            assert shown["satisfaction"]["value"] == "—"
            assert f"{survey.period}：暂无评价（目标 90%）" in shown["satisfaction"]["html"]
    if "budgets" in shown:
        chart = shown["budgets"]["chart"]
        by_department = {name: (chart["series"][0]["data"][i], chart["series"][1]["data"][i])
                         for i, name in enumerate(chart["categories"])}
        assert by_department == {k: (float(a), float(u)) for k, (a, u) in want["budgets"].items()}
        total = sum((a for a, _ in want["budgets"].values()), Decimal(0))
        used = sum((u for _, u in want["budgets"].values()), Decimal(0))
        assert shown["budgets"]["details"] == {"预算合计": yuan(total), "已用": yuan(used), "余额": yuan(total - used),
                                               "执行率": pct_text(pct(used, total))}
    if "asset_value" in shown:
        chart = shown["asset_value"]["chart"]
        values, cards = want["assets"]
        assert chart["type"] == "pie"
        assert dict(zip(chart["categories"], chart["series"][0]["data"])) == {k: float(v) for k, v in values.items()}
        assert chart["series"][0]["data"] == sorted(chart["series"][0]["data"], reverse=True)
        assert shown["asset_value"]["details"] == {"资产总值": yuan(sum(values.values(), Decimal(0)).quantize(CENT)),
                                                   "卡片": f"{cards} 张"}
    if "dorm_occupancy" in shown:
        chart = shown["dorm_occupancy"]["chart"]
        dorms = want["dorms"]
        assert chart["categories"] == sorted(dorms)
        assert chart["series"][0]["data"] == [float(pct(dorms[b][1], dorms[b][0]) or 0) for b in chart["categories"]]
        assert chart["series"][0]["notes"] == [f"已住 {dorms[b][1]} / 可住 {dorms[b][0]} 床" for b in chart["categories"]]
        usable, taken = sum(v[0] for v in dorms.values()), sum(v[1] for v in dorms.values())
        assert shown["dorm_occupancy"]["details"] == {"合计": f"已住 {taken} / 可住 {usable} 床",
                                                      "入住率": pct_text(pct(taken, usable))}


def test_a_department_sees_its_own_figures_not_the_schools(home, db):
    _, school = home("admin")
    _, canteen = home("shitang")
    _, dorms = home("sushe")
    school_want, canteen_want = expected(db, Viewer(db, "admin")), expected(db, Viewer(db, "shitang"))
    # The demo data has overdue repairs outside the canteen and budgets of several departments.
    assert school_want["overdue_repairs"] > canteen_want["overdue_repairs"]
    assert int(school["overdue_repairs"]["value"]) > int(canteen["overdue_repairs"]["value"])
    assert canteen["budgets"]["chart"]["categories"] == ["师生食堂"]
    assert len(school["budgets"]["chart"]["categories"]) > 1
    assert dorms["budgets"]["chart"]["categories"] == ["宿舍管理"]
    assert canteen["asset_value"]["details"]["资产总值"] != school["asset_value"]["details"]["资产总值"]
    assert "师生食堂" in canteen["satisfaction"]["details"] and "宿舍管理" not in canteen["satisfaction"]["details"]


def test_an_overdue_repair_counts_for_its_department_only(home, db):
    from app.meta import clock
    from app.rules import write
    from models.org import Department, Staff
    from models.repairs import RepairCategory, RepairOrder, RepairStatus

    canteen = db.session.query(Department).filter_by(name="师生食堂").one()
    reporter = db.session.query(Staff).filter(Staff.department_id == canteen.id, Staff.user_id.is_(None)).first()
    before = {u: int(home(u)[1]["overdue_repairs"]["value"]) for u in ("admin", "shitang", "sushe")}
    now = clock.now()
    order = RepairOrder(title="看板测试：冷库门关不严", description="门封条老化", place="食堂冷库",
                        category=RepairCategory.other, reporter=reporter, department=canteen,
                        reported_at=now - timedelta(days=2), promised_at=now - timedelta(days=1),
                        status=RepairStatus.pending)
    write.save(db.session, order)
    try:
        after = {u: int(home(u)[1]["overdue_repairs"]["value"]) for u in ("admin", "shitang", "sushe")}
        assert after == {"admin": before["admin"] + 1, "shitang": before["shitang"] + 1, "sushe": before["sushe"]}
    finally:
        db.session.delete(db.session.get(RepairOrder, order.id))
        db.session.commit()


def test_overdue_figures_link_to_the_list_showing_the_same_records(home, as_user):
    _, shown = home("sushe")
    client = as_user("sushe")
    for key, path in (("overdue_repairs", "/repair-order/"), ("overdue_hazards", "/hazard/")):
        url = shown[key]["url"]
        assert url.startswith(f"{path}list/?_qf=")
        listed = set(re.findall(rf'href="{path}show/(\d+)"', client.get(url).text))
        assert len(listed) == int(shown[key]["value"])  # fewer than a page of them in the demo data


def test_todo_shows_the_inbox_count_and_its_first_documents(home, as_user):
    for username in ("sushe", "xiaozhang"):
        _, shown = home(username)
        todo = as_user(username).get("/todo/").text
        count = int(re.search(r"我的待办（(\d+)）", todo).group(1))
        assert shown["todo"]["total"] == count > 0
        first = re.findall(r'<a class="engine-card-title" href="(/[^"?]+/show/\d+)\?next=', todo)
        links = re.findall(r'<a class="list-group-item" href="([^"]+)"', shown["todo"]["html"])
        assert links == list(dict.fromkeys(first))[:5]


def test_widgets_show_only_to_roles_that_may_read_their_model(home):
    from models.roles import ROLES

    for username, role in DEMO_ACCOUNTS.items():
        _, shown = home(username)
        spec = ROLES[role]
        want = {"todo"} | {key for key, needs in NEEDS.items()
                           if role == "系统管理员" or all("read" in spec.actions_for(model)
                                                         for model in ((needs,) if isinstance(needs, str) else needs))}
        if spec.scope != DataScope.all:  # 今日预约 is for rooms' 管理员 (and 全部); no other demo account manages one
            want.discard("todays_bookings")
        assert set(shown) == want, username
    _, teacher = home("jiaoshi")
    assert not {"budgets", "asset_value", "dorm_occupancy", "satisfaction", "low_stock"} & set(teacher)


def test_charts_load_vendored_echarts_and_nothing_from_outside(home, client):
    html, shown = home("admin")
    assert '<script src="/static/vendor/echarts/echarts.min.js" nonce="' in html
    assert '<script src="/static/engine/dashboard.js" nonce="' in html
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    assert client.get("/static/vendor/echarts/echarts.min.js").status_code == 200
    readme = (ROOT / "app/static/vendor/README.md").read_text(encoding="utf-8")
    assert re.search(r"\| echarts \| \d+\.\d+\.\d+ \| Apache-2\.0", readme)
    script = (ROOT / "app/static/engine/dashboard.js").read_text(encoding="utf-8")
    assert 'locale: "ZH"' in script and "toolbox:" not in script
    assert shown["budgets"]["chart"]["type"] == "bar" and shown["asset_value"]["chart"]["type"] == "pie"


def test_no_english_on_the_dashboard(home):
    for username in ("admin", "sushe", "jiaoshi"):
        _, shown = home(username)
        for key, widget in shown.items():
            visible = re.sub(r"<[^>]+>", " ", widget["html"])
            texts = [htmllib.unescape(visible)]
            if widget["chart"]:
                chart = widget["chart"]
                texts += chart["categories"] + [chart["unit"]]
                texts += [s["name"] for s in chart["series"]] + [n for s in chart["series"] for n in s["notes"]]
            words = [w for text in texts for w in english_tokens(text)]
            assert not words, (username, key, words)


def test_a_failing_widget_does_not_take_the_home_page_down(home):
    from sqlalchemy.exc import OperationalError

    from app.features import dashboard

    def broken():
        raise OperationalError("select", {}, Exception("数据库暂时不可用"))

    dashboard.register(dashboard.Widget("broken_for_test", "测试统计", broken, needs=("Todo",)))
    try:
        _, shown = home("sushe")
        assert dashboard.FAILED in shown["broken_for_test"]["html"]
        assert shown["overdue_repairs"]["value"] is not None  # the others still shown
    finally:
        dashboard._WIDGETS.pop("broken_for_test")


def test_month_bounds_and_percentages():
    from app.features.dashboard import percent
    from views.dashboard import month_bounds

    assert month_bounds(date(2026, 12, 31)) == (datetime(2026, 12, 1), datetime(2027, 1, 1))
    assert month_bounds(date(2026, 2, 10)) == (datetime(2026, 2, 1), datetime(2026, 3, 1))
    assert percent(2, 3) == Decimal("66.7") and percent(1, 8) == Decimal("12.5") and percent(0, 0) is None


# ----------------------------------------------------------------- in a real browser
from tests.browser import LATIN  # noqa: E402


def test_charts_draw_with_chinese_tooltips_in_a_browser(session):
    page = session("admin").open("/")
    for key in ("budgets", "asset_value", "dorm_occupancy"):
        chart = page.locator(f'[data-widget="{key}"] .dashboard-chart')
        chart.locator("canvas").first.wait_for(state="attached")
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        texts = []
        for fx, fy in ((0.1, 0.7), (0.62, 0.3), (0.5, 0.5), (0.3, 0.8)):  # a bar or a slice under one of them
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy, steps=4)
            page.wait_for_timeout(300)
            texts = [t for t in chart.locator(":scope > div").all_inner_texts() if t.strip()]
            if texts:
                break
        assert texts and "：" in texts[0], key
        assert not LATIN.search(texts[0]), texts
    labels = page.evaluate("() => [...document.querySelectorAll('.dashboard-chart')].map("
                           "el => echarts.getInstanceByDom(el).getOption().legend[0].data || [])")
    assert not any(LATIN.search(str(label)) for group in labels for label in group)
