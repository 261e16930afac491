"""日常检查: periods of each frequency, tasks made for every period owed (missed ones counted), the 今日检查
checklist saved through the one write path (异常 needs its note, a refused save keeps the photo, a finished
task is locked), the follow-ups an 异常 offers with its photo carried, scope, and 下次保养 on an asset card."""
from __future__ import annotations

import io
import itertools
import re
from datetime import date, timedelta

from sqlalchemy import func, select

from app.meta import clock
from tests.conftest import flashes
from tests.test_approvals import staff_of
from tests.test_uploads import png_bytes

_numbers = itertools.count(1)


def test_periods_of_each_frequency():
    from models.routines import Frequency, periods

    assert [p[:2] for p in periods(Frequency.daily, date(2026, 3, 30), date(2026, 4, 1))] == [
        (date(2026, 3, 30), date(2026, 3, 30)), (date(2026, 3, 31), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 4, 1))]
    weeks = periods(Frequency.weekly, date(2026, 4, 1), date(2026, 4, 14))
    assert [p[:2] for p in weeks] == [(date(2026, 3, 30), date(2026, 4, 5)), (date(2026, 4, 6), date(2026, 4, 12)),
                                      (date(2026, 4, 13), date(2026, 4, 19))]
    assert [p[:2] for p in periods(Frequency.monthly, date(2026, 1, 31), date(2026, 2, 1))] == [
        (date(2026, 1, 1), date(2026, 1, 31)), (date(2026, 2, 1), date(2026, 2, 28))]
    quarters = periods(Frequency.quarterly, date(2026, 11, 30), date(2027, 1, 1))
    assert [(p[0], p[1], p[2]) for p in quarters] == [(date(2026, 10, 1), date(2026, 12, 31), "2026年第4季度"),
                                                    (date(2027, 1, 1), date(2027, 3, 31), "2027年第1季度")]
    assert periods(Frequency.yearly, date(2026, 6, 1), date(2026, 6, 1))[0][:2] == (date(2026, 1, 1), date(2026, 12, 31))
    term = periods(Frequency.term, date(2026, 9, 1), date(2027, 1, 20))
    assert [p[2] for p in term] == ["2026-2027学年第一学期期初", "2026-2027学年第一学期期中", "2026-2027学年第一学期期末"]
    assert term[0][:2] == (date(2026, 9, 1), date(2026, 9, 14)) and term[2][1] == date(2027, 1, 20)
    assert periods(Frequency.term, date(2026, 7, 20), date(2026, 8, 20)) == []  # the summer break has none


def test_the_school_calendar_names_terms_as_staff_write_them():
    from models.school_calendar import latest_term, term_at, term_named

    autumn = term_named("2026-2027学年第一学期")
    assert (autumn.start, autumn.end) == (date(2026, 9, 1), date(2027, 1, 20))
    assert term_named("2026-2027学年第二学期").start == date(2027, 2, 17)
    assert term_named("2026-2028学年第一学期") is None and term_named("下学期") is None
    assert term_at(date(2026, 8, 1)) is None
    assert latest_term(date(2026, 8, 1)).name == "2025-2026学年第二学期"
    assert term_at(date(2026, 12, 1)).name == "2026-2027学年第一学期"


def _plan(db, *, days_ago=10, role="绿化环卫", department="050204", responsible=None, frequency="daily",
          items=("消防器材", "疏散通道")):
    from models.org import Department
    from models.routines import DutyRole, Frequency, InspectionPlan, PlanItem, PlanKind

    n = next(_numbers)
    plan = InspectionPlan(name=f"测试巡视计划{n}", kind=PlanKind.patrol, frequency=Frequency[frequency],
                          department=db.session.scalars(select(Department).where(Department.code == department)).one(),
                          duty_role=DutyRole[role] if role else None, responsible=responsible,
                          starts_on=clock.today() - timedelta(days=days_ago), area=f"测试楼{n}", active=True,
                          items=[PlanItem(name=name, standard=f"{name}完好") for name in items])
    db.session.add(plan)
    db.session.commit()
    return plan


def _tasks(db, plan):
    from models.routines import InspectionTask

    db.session.expire_all()
    return db.session.scalars(select(InspectionTask).where(InspectionTask.plan_id == plan.id)
                              .order_by(InspectionTask.due_on)).all()


def test_every_period_owed_gets_its_task_once_and_the_unchecked_ones_count_as_missed(db):
    from models.routines import catch_up

    plan = _plan(db, days_ago=10)
    catch_up(db.session)
    tasks = _tasks(db, plan)
    assert [t.due_on for t in tasks] == [clock.today() - timedelta(days=d) for d in range(10, -1, -1)]
    assert [r.item for r in tasks[0].results] == ["消防器材", "疏散通道"]
    assert sum(t.missed() for t in tasks) == 10 and not tasks[-1].missed()
    assert plan.missed_count() == 10 and plan.next_due() == clock.today()
    catch_up(db.session)
    assert len(_tasks(db, plan)) == 11  # nothing made twice


def _checklist(client, task):
    page = client.get(f"/checks/{task.id}")
    assert page.status_code == 200, page.status_code
    return page.text


def test_a_checklist_is_filled_on_todays_page_and_an_abnormal_item_becomes_a_hazard(db, clients, app):
    from models.routines import CheckOutcome, InspectionTask, TaskStatus

    plan = _plan(db, days_ago=1)
    worker = clients("lvhua")
    listing = worker.get("/checks/").text
    today_task = _tasks(db, plan)[-1]
    assert plan.name in listing and f"/checks/{today_task.id}" in listing
    assert f"/checks/{_tasks(db, plan)[0].id}\"" not in listing  # yesterday's is missed, not offered
    assert "消防器材" in _checklist(worker, today_task)
    first, second = today_task.results

    # 异常 without a note: refused, what was typed and the photo kept.
    data = {f"outcome-{first.id}": "abnormal", f"note-{first.id}": "", f"outcome-{second.id}": "normal",
            f"photo-{first.id}": (io.BytesIO(png_bytes()), "消防栓.png")}
    refused = worker.post(f"/checks/{today_task.id}", data=data, content_type="multipart/form-data")
    assert refused.status_code == 200 and "异常项请写明情况" in refused.text
    kept = re.search(rf'name="photo-{first.id}-kept" value="([^"]+)"', refused.text)
    assert kept and "消防栓.png" in refused.text
    assert _tasks(db, plan)[-1].status == TaskStatus.pending

    done = worker.post(f"/checks/{today_task.id}", data={
        f"outcome-{first.id}": "abnormal", f"note-{first.id}": "三楼消防栓箱水带缺失",
        f"photo-{first.id}-kept": kept.group(1), f"outcome-{second.id}": "normal"}, follow_redirects=True)
    assert "发现 1 项异常" in done.text and "登记为隐患" in done.text and "报修" in done.text
    task = db.session.get(InspectionTask, today_task.id)
    assert task.status == TaskStatus.done and task.abnormal == 1 and task.done_by == staff_of(db, "lvhua")
    result = next(r for r in task.results if r.id == first.id)
    assert result.outcome == CheckOutcome.abnormal and result.photo.endswith("|消防栓.png")

    hazard_form = worker.get(f"/hazard/add?_from=CheckResult:{result.id}").text
    assert "三楼消防栓箱水带缺失" in hazard_form and plan.area in hazard_form
    assert "已选择 消防栓.png" in hazard_form  # the photo travels with the follow-up

    again = worker.post(f"/checks/{today_task.id}", data={f"outcome-{first.id}": "normal"}, follow_redirects=True)
    assert "已由" in again.text and db.session.get(InspectionTask, today_task.id).abnormal == 1
    edit = clients("zongwu").post(f"/inspection-task/edit/{task.id}", data={"note": "改一下"}, follow_redirects=True)
    assert edit.status_code in (200, 403, 409) and "已完成，不能再修改" in edit.text
    assert db.session.get(InspectionTask, task.id).note is None


def test_only_those_who_answer_for_a_task_may_fill_it(db, clients):
    plan = _plan(db, days_ago=0)
    clients("lvhua").get("/checks/")  # opening the page makes today's task
    task = _tasks(db, plan)[-1]
    assert clients("sushe").get(f"/checks/{task.id}").status_code == 404  # another department: not in scope
    assert clients("jiaoshi").get("/checks/").status_code in (302, 403)  # teachers have no checks
    other = _plan(db, days_ago=0, role="宿管员", department="050204")
    clients("lvhua").get("/checks/")
    mine = clients("lvhua").get(f"/checks/{_tasks(db, other)[-1].id}", follow_redirects=True)
    assert "不是您负责的检查" in mine.text


def test_a_missed_task_can_no_longer_be_filled(db, clients):
    from models.routines import catch_up

    plan = _plan(db, days_ago=3)
    catch_up(db.session)
    old = _tasks(db, plan)[0]
    answer = clients("lvhua").post(f"/checks/{old.id}", data={f"outcome-{old.results[0].id}": "normal"},
                                   follow_redirects=True)
    assert "计为漏检" in answer.text and _tasks(db, plan)[0].status.value == "待检查"


def test_the_next_maintenance_shows_on_the_asset_card(db, clients):
    from models.assets import Asset
    from models.routines import Frequency, InspectionPlan, PlanItem, PlanKind, catch_up

    asset = db.session.scalars(select(Asset).order_by(Asset.id)).first()
    plan = InspectionPlan(name="测试设备月度保养", kind=PlanKind.maintenance, frequency=Frequency.monthly,
                          department=asset.department, responsible=staff_of(db, "shuidian"), asset=asset,
                          starts_on=clock.today(), area="测试", active=True, items=[PlanItem(name="运行检查")])
    db.session.add(plan)
    db.session.commit()
    catch_up(db.session)
    month_end = (clock.today().replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    page = clients("zongwu").get(f"/asset/show/{asset.id}").text
    assert "下次保养" in page and f"{month_end:%Y-%m-%d}" in page


def test_the_demo_tasks_match_their_plans_periods(db, app):
    from models.routines import InspectionPlan, InspectionTask, catch_up, periods

    plans = db.session.scalars(select(InspectionPlan).where(InspectionPlan.name.like("%巡视"))).all()
    assert plans, "the demo has patrol plans"
    for plan in plans[:3]:
        have = db.session.scalar(select(func.count(InspectionTask.id)).where(InspectionTask.plan_id == plan.id))
        assert have == len(periods(plan.frequency, plan.starts_on, clock.today()))
    assert catch_up(db.session, plans=plans[:3]) == 0


def test_the_home_page_counts_todays_checks_and_overdue_maintenance_within_scope(db, clients):
    from models.routines import InspectionTask, catch_up

    catch_up(db.session)
    home = clients("lvhua").get("/").text
    assert "今日检查" in home and "项检查今天要完成" in home
    missed_maintenance = [t for t in db.session.scalars(select(InspectionTask)).all()
                          if t.missed() and t.plan.kind.name == "maintenance"]
    assert missed_maintenance, "the demo year has undone maintenance"
    director = clients("zongwu").get("/").text
    assert "保养逾期" in director and f"{len(missed_maintenance)}" in director
    assert "保养逾期" not in clients("jiaoshi").get("/").text  # teachers do not read the tasks


def test_a_plan_is_made_on_its_form_with_its_checklist_and_its_rules_say_what_is_missing(db, clients):
    from models.org import Department
    from models.routines import InspectionPlan

    director = clients("zongwu")
    department = db.session.scalars(select(Department).where(Department.code == "050203")).one()
    base = {"name": "锅炉房每周检查", "kind": "maintenance", "department": department.id, "frequency": "weekly",
            "starts_on": clock.today().isoformat(), "area": "锅炉房", "active": "y"}
    refused = director.post("/inspection-plan/add", data=base)
    assert refused.status_code == 200 and "请至少填写 1 行「检查项目」" in refused.text
    refused = director.post("/inspection-plan/add", data={**base, "items-0-name": "压力表"})
    assert "请选择责任人或责任岗位" in refused.text and "设备保养计划须选择保养资产或资产类别" in refused.text
    assert 'value="锅炉房每周检查"' in refused.text and 'value="压力表"' in refused.text  # what was typed stays
    made = director.post("/inspection-plan/add", data={
        **base, "kind": "patrol", "duty_role": "水电工", "items-0-name": "压力表", "items-0-standard": "指针在绿区",
        "items-1-name": "安全阀"})
    assert made.status_code == 302, flashes(made.text)
    plan = db.session.scalars(select(InspectionPlan).where(InspectionPlan.name == "锅炉房每周检查")).one()
    assert [i.name for i in plan.items] == ["压力表", "安全阀"]
    assert clients("shuidian").get("/checks/").text.count("锅炉房每周检查") == 1  # its first week is due


def test_tasks_another_process_made_first_are_left_to_it(db):
    """Two hosts catching up at once: the loser of the unique (plan, 应检日期) race makes only what is still owed."""
    from models.routines import Frequency, _catch_up_one_by_one, periods, task_for

    plan = _plan(db, days_ago=4)
    first, last, label = periods(Frequency.daily, clock.today() - timedelta(days=2), clock.today() - timedelta(days=2))[0]
    db.session.add(task_for(plan, first, last, label))  # the other host's
    db.session.commit()
    assert _catch_up_one_by_one(db.session, clock.today()) >= 4
    tasks = _tasks(db, plan)
    assert [t.due_on for t in tasks] == [clock.today() - timedelta(days=d) for d in range(4, -1, -1)]
