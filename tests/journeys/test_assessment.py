"""后勤主任 at the end of a term: a 维修工's 考核 opened by the menus, the facts behind its proposed scores, one
fact followed to exactly its records, then 考核排名 of the 水电维修组 and its Excel file."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from app.meta import clock
from demo.loader.common import last_term


def late_repairs_of(app, username: str) -> tuple[str, int]:
    """The 维修工's name and how many of his repairs finished late in the last term, counted here by a loop."""
    from app.extensions import db
    from models import school_calendar
    from models.org import Staff
    from models.repairs import RepairOrder

    term = school_calendar.term_named(last_term(clock.today()))
    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)
        me = db.session.query(Staff).filter_by(user_id=user.id).one()
        late = [r for r in db.session.query(RepairOrder).filter_by(worker_id=me.id).all()
                if r.finished_at and term.start <= r.finished_at.date() <= term.end and r.finished_late()]
        return me.name, len(late)


def test_director_reads_a_repair_workers_assessment_from_its_facts(person, app):
    name, late = late_repairs_of(app, "weixiu")
    assert late > 0
    term = last_term(clock.today())
    director = person("zongwu", "后勤主任")
    with director.task("打开维修工的考核，看事实依据", budget=6):
        director.menu("机构与人员", "考核")
        director.type("关键字", name)
        director.tap("搜索")
        director.sees(term)
        director.tap(director.page.locator("a[href*='/assessment/show/']:visible").first)  # the row's 查看
        director.sees("过程考核分")
        director.tap("事实依据")
        director.sees("本学期的事实")
        director.sees("过程考核分的计算")
        director.sees("民主评议")
    facts = director.page.locator("table.assessment-facts")
    row = facts.locator("tr").filter(has_text="超时完工的报修")
    expect(row.locator("a.fact-link")).to_have_text(re.compile(rf"^\s*{late} 单\s*$"))
    expect(director.page.locator(".proposed-process")).to_have_text(re.compile(r"^\d+\.\d$"))
    director.sees("按时完工率 = 按时完工 ÷（按时完工 + 超时完工）")
    director.sees("被投诉")
    director.shot("事实依据")

    with director.task("点开超时完工，看到的正是这些报修单", budget=1):
        director.tap(row.locator("a.fact-link"))
        expect(director.page).to_have_url(re.compile(r"/repair-order/list/"))
    director.sees("快速筛选：超时完工")
    expect(director.page.locator("body")).to_contain_text(re.compile(rf"记录数:\s*{late}\b"))
    director.shot("超时完工的报修单")

    with director.task("看水电维修组的考核排名", budget=5):
        director.menu("机构与人员", "考核排名")
        director.pick("部门", "水电维修组")
        director.tap("查询")
        director.sees(name)
    ranking = director.page.locator("table.assessment-ranking tbody tr")
    totals = [float(t) for t in ranking.locator("td:nth-child(11)").all_inner_texts()]
    assert totals and totals == sorted(totals, reverse=True)
    expect(director.page.locator(".assessment-ranking-summary")).to_contain_text("水电维修组")
    director.shot("考核排名")
    with director.page.expect_download() as download:
        director.tap("导出 Excel")
    assert download.value.suggested_filename.startswith("考核排名-")


def test_a_repair_worker_reads_his_own_assessment_on_his_phone(person, app):
    name, late = late_repairs_of(app, "weixiu")
    worker = person("weixiu", "维修工", phone=True)
    with worker.task("在手机上看自己的考核和事实依据", budget=6):
        worker.menu("机构与人员", "考核")
        expect(worker.page.locator(".engine-card:visible")).to_have_count(1)  # only his own
        worker.tap(worker.page.locator(".engine-card:visible a.engine-card-title").first)
        worker.tap("事实依据")
        worker.sees("过程考核分的计算")
    row = worker.page.locator("table.assessment-facts tr").filter(has_text="超时完工的报修")
    expect(row.locator("a.fact-link")).to_have_text(re.compile(rf"^\s*{late} 单\s*$"))
    worker.shot("我的事实依据")
