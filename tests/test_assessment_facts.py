"""考核 from facts: the facts of a person and a term counted independently (plain loops over every row) against
models/assessment_facts.py, the links showing exactly those records, the proposals at save, the formula as the one
place, data scope (a 维修工 sees only his own), 考核排名 and its Excel file."""
from __future__ import annotations

import dataclasses
import io
import re
import uuid
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from openpyxl import load_workbook

from app.meta import clock
from demo.loader.common import last_term
from tests.conftest import DEMO_PASSWORD, login
from tests.test_search_and_qualify import listed

SATISFIED = ("非常满意", "较满意", "基本满意")


def uid() -> str:
    return uuid.uuid4().hex[:8]


def the_term():
    from models import school_calendar

    return school_calendar.term_named(last_term(clock.today()))


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


# ----------------------------------------------------------------------------------- independent counts
def in_term(value, term) -> bool:
    if value is None:
        return False
    day = value.date() if isinstance(value, datetime) else value
    return term.start <= day <= term.end


def counted(session, staff_id: int, term) -> dict:
    """The facts of one person, from every row loaded and plain Python: not the module's SQL."""
    from models.repairs import RepairOrder
    from models.routines import InspectionTask
    from models.safety import Hazard, HazardStatus
    from models.satisfaction import SurveyAnswer

    today = clock.today()
    repairs = [r for r in session.query(RepairOrder).all() if r.worker_id == staff_id and in_term(r.finished_at, term)]
    late = [r for r in repairs if r.promised_at is not None and r.finished_at > r.promised_at]
    on_time = [r for r in repairs if r not in late]
    rated = [r.rating for r in repairs if r.rating is not None]
    complaints = [r for r in repairs if r.rating is not None and r.rating <= 2 and (r.feedback or "").strip()]
    tasks = [t for t in session.query(InspectionTask).all() if in_term(t.due_by, term)]
    done = [t for t in tasks if t.done_by_id == staff_id and t.status.value == "已完成"]
    missed = [t for t in tasks if t.assignee_id == staff_id and t.status.value == "待检查" and t.due_by < today]
    hazards = [h for h in session.query(Hazard).all() if h.rectifier_id == staff_id]
    closed = [h for h in hazards if h.status == HazardStatus.closed and in_term(h.closed_at, term)]
    in_time = [h for h in closed if h.closed_at.date() <= h.deadline]
    overdue = [h for h in hazards if h.status != HazardStatus.closed and in_term(h.deadline, term) and h.deadline < today]
    answers = [a for a in session.query(SurveyAnswer).all()
               if a.item.staff_id == staff_id and in_term(a.item.survey.starts_on, term)]
    return {
        "repairs_on_time": {r.id for r in on_time}, "repairs_late": {r.id for r in late},
        "rating": (Decimal(sum(rated)) / len(rated)).quantize(Decimal("0.01"), ROUND_HALF_UP) if rated else None,
        "rated": {r.id for r in repairs if r.rating is not None},
        "complaints": {r.id for r in complaints}, "checks_done": {t.id for t in done},
        "checks_missed": {t.id for t in missed}, "hazards_in_time": {h.id for h in in_time},
        "hazards_late": {h.id for h in closed if h not in in_time}, "hazards_overdue": {h.id for h in overdue},
        "answers": len(answers), "satisfied": sum(1 for a in answers if a.rating.value in SATISFIED),
    }


# ----------------------------------------------------------------------------------- planted facts
@pytest.fixture(scope="module")
def planted(app):
    """A member of staff of 水电维修组 with facts of every kind in the last finished term, and some just outside
    it; everything removed afterwards. Expected: 3 on time, 2 late, ratings 5/2/1, 1 complaint, 1 check done,
    2 missed, hazards 1 in time / 1 late / 1 overdue, and a rated item 3 of 4 satisfied."""
    from app.extensions import db
    from models.org import Department, Staff
    from models.repairs import RepairOrder, RepairStatus
    from models.routines import InspectionPlan, InspectionTask, TaskStatus
    from models.safety import Hazard, HazardStatus
    from models.satisfaction import Rating, Survey, SurveyAnswer, SurveyItem, SurveyResponse

    term = the_term()
    with app.app_context():
        s = db.session
        unit = s.query(Department).filter_by(code="050203").one()
        other = s.query(Staff).filter(Staff.department_id == unit.id).first()
        me = Staff(staff_no=f"KH{uid()}", name="考核测试员", department=unit, position="维修工", on_duty=True)
        colleague = Staff(staff_no=f"KH{uid()}", name="考核无评议", department=s.query(Department)
                          .filter_by(code="14").one(), position="体育教师", on_duty=True)
        s.add_all([me, colleague])
        s.flush()
        first, last = term.start, term.end

        def order(n, finished, promised, status=RepairStatus.done, rating=None, feedback=None):
            reported = (finished or at(first)) - timedelta(hours=5)
            return RepairOrder(code=f"KH{uid()}{n}", title=f"考核测试报修{n}", description="测试", place="测试楼",
                               reporter=other, department=unit, reported_at=reported, worker=me,
                               promised_at=promised, finished_at=finished, status=status, rating=rating,
                               feedback=feedback)

        s.add_all([
            order(1, at(first + timedelta(days=3)), at(first + timedelta(days=3), 18), rating=5),
            order(2, at(first + timedelta(days=4)), at(first + timedelta(days=4), 18), rating=2, feedback="态度不好"),
            order(3, at(first + timedelta(days=5), 20), at(first + timedelta(days=5), 18), rating=1, feedback=" "),
            order(4, at(first + timedelta(days=6), 20), at(first + timedelta(days=6), 18)),
            order(5, at(first - timedelta(days=1)), at(first - timedelta(days=1), 18), rating=1, feedback="太慢"),
            order(6, at(last, 23, 30), at(last, 23, 59)),
            order(7, None, at(first + timedelta(days=8)), status=RepairStatus.repairing),
        ])
        plan = InspectionPlan(name=f"考核测试巡视{uid()}", department=unit, responsible=me, frequency="daily",
                              starts_on=first - timedelta(days=30), area="测试楼", active=False)
        s.add(plan)
        s.flush()

        def task(due, status=TaskStatus.pending, done_by=None, assignee=me):
            return InspectionTask(plan=plan, period=str(due), area="测试楼", due_on=due, due_by=due,
                                  department=unit, assignee=assignee, status=status, done_by=done_by,
                                  done_at=at(due) if done_by else None, abnormal=0)

        s.add_all([
            task(first + timedelta(days=10), TaskStatus.done, me),
            task(first - timedelta(days=3), TaskStatus.done, me),
            task(first + timedelta(days=11)),
            task(first + timedelta(days=12), TaskStatus.done, other),
            task(last),
        ])

        def hazard(n, deadline, status=HazardStatus.pending, closed=None):
            return Hazard(code=f"KH{uid()}{n}", found_at=at(deadline - timedelta(days=5)), location="测试楼",
                          description="测试隐患", deadline=deadline, status=status, closed_at=closed, rectifier=me,
                          rectify_department=unit, measures="已整改" if closed else None)

        s.add_all([
            hazard(1, first + timedelta(days=20), HazardStatus.closed, at(first + timedelta(days=20), 17)),
            hazard(2, first + timedelta(days=20), HazardStatus.closed, at(first + timedelta(days=21), 9)),
            hazard(3, first + timedelta(days=25), HazardStatus.rectifying),
            hazard(4, clock.today() + timedelta(days=30)),
            hazard(5, first - timedelta(days=20), HazardStatus.closed, at(first - timedelta(days=10))),
        ])
        survey = Survey(title=f"考核测试评议{uid()}", period=term.name, starts_on=first + timedelta(days=30),
                        ends_on=first + timedelta(days=40))
        item = SurveyItem(survey=survey, name="维修工 考核测试员 服务态度", unit=unit, staff=me, sort=1)
        s.add_all([survey, item])
        for rating in (Rating.very_satisfied, Rating.satisfied, Rating.basic, Rating.less):
            response = SurveyResponse(survey=survey, identity="staff", submitted_on=first + timedelta(days=31))
            response.answers = [SurveyAnswer(item=item, rating=rating)]
            s.add(response)
        s.commit()
        ids = {"me": me.id, "colleague": colleague.id, "plan": plan.id, "survey": survey.id, "item": item.id}
    yield ids
    with app.app_context():
        from models.org import Assessment

        s = db.session
        s.query(Assessment).filter(Assessment.staff_id.in_([ids["me"], ids["colleague"]])).delete()
        s.query(SurveyAnswer).filter_by(item_id=ids["item"]).delete()
        s.query(SurveyResponse).filter_by(survey_id=ids["survey"]).delete()
        s.query(SurveyItem).filter_by(id=ids["item"]).delete()
        s.query(Survey).filter_by(id=ids["survey"]).delete()
        s.query(InspectionTask).filter_by(plan_id=ids["plan"]).delete()
        s.query(InspectionPlan).filter_by(id=ids["plan"]).delete()
        s.query(Hazard).filter_by(rectifier_id=ids["me"]).delete()
        s.query(RepairOrder).filter_by(worker_id=ids["me"]).delete()
        s.query(Staff).filter(Staff.id.in_([ids["me"], ids["colleague"]])).delete()
        s.commit()


def facts_for(db, staff_id):
    from models.assessment_facts import facts_of
    from models.org import Staff

    return facts_of(db.session, db.session.get(Staff, staff_id), the_term())


def as_numbers(facts) -> dict:
    return {key: value for key, value in facts.counts.items()}


def test_planted_facts_are_counted_exactly(db, planted):
    facts = facts_for(db, planted["me"])
    assert as_numbers(facts) == {
        "repairs_on_time": 3, "repairs_late": 2, "rating": Decimal("2.67"), "complaints": 1, "checks_done": 1,
        "checks_missed": 2, "hazards_in_time": 1, "hazards_late": 1, "hazards_overdue": 1}
    assert facts.rated == 3
    assert facts.value("repairs_on_time_rate") == Decimal("60.0")
    assert facts.democratic.source == "本人" and (facts.democratic.answers, facts.democratic.satisfied) == (4, 3)
    # 80 − 10 (按时完工率 60%: −15, at most 10) − 6.7 (2.67 星) − 1 (投诉) + 0.1 (1 次检查) − 2 (漏检)
    #    + 1 − 2 − 3 (隐患): worked out by hand from the rules as the page states them.
    assert facts.process_score() == Decimal("56.4")
    assert facts.democratic_score() == Decimal("75.0")


def test_demo_facts_agree_with_plain_counts_for_several_staff(db, planted):
    """Every fact of the demo's service staff (and the planted one) in the last term, counted again by loops."""
    from models.assessment_facts import gather
    from models.org import Staff
    from models.repairs import RepairOrder

    session = db.session
    term = the_term()
    workers = {r.worker_id for r in session.query(RepairOrder).all() if r.worker_id and in_term(r.finished_at, term)}
    names = ("孙立新", "郑卫东", "吴海涛", "周桂兰", "黄春梅", "李国强")
    chosen = session.query(Staff).filter(Staff.name.in_(names) | Staff.id.in_(workers)
                                         | (Staff.id == planted["me"])).all()
    assert len(chosen) >= 6
    found = gather(session, term, chosen)
    busy = 0
    for person in chosen:
        expected = counted(session, person.id, term)
        facts = found[person.id]
        for key in ("repairs_on_time", "repairs_late", "complaints", "checks_done", "checks_missed",
                    "hazards_in_time", "hazards_late", "hazards_overdue"):
            assert facts.counts[key] == len(expected[key]), (person.name, key)
        assert facts.counts["rating"] == expected["rating"], person.name
        assert facts.rated == len(expected["rated"])
        if expected["answers"]:
            assert facts.democratic.source == "本人"
            assert (facts.democratic.answers, facts.democratic.satisfied) == (expected["answers"], expected["satisfied"])
        busy += facts.counts["repairs_on_time"] + facts.counts["hazards_in_time"]
    assert busy > 50  # the demo gives these people real work in the term


def test_department_satisfaction_stands_in_when_nobody_rated_the_person(db, planted):
    from models.assessment_facts import gather
    from models.org import Staff

    term = the_term()
    people = db.session.query(Staff).filter(Staff.on_duty.is_(True)).all()
    found = gather(db.session, term, people)
    by_department = [f for f in found.values() if f.democratic.source == "所在部门"]
    assert by_department, "the demo's unit satisfaction survey covers staff no item names"
    for facts in by_department:
        person = db.session.get(Staff, facts.staff_id)
        items = {row[0] for row in facts.democratic.items}
        from models.satisfaction import SurveyItem

        for item in db.session.query(SurveyItem).filter(SurveyItem.id.in_(items)):
            assert item.staff_id is None and item.unit_id == person.department_id
            assert in_term(item.survey.starts_on, term)
    assert found[planted["colleague"]].democratic.source is None
    assert found[planted["colleague"]].democratic_score() is None


# ----------------------------------------------------------------------------------- the page and its links
def fact_links(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'class="fact-link" href="([^"]+)"', html)]


def test_each_fact_links_to_exactly_its_records(db, planted, clients):
    from models.org import Assessment
    from models.repairs import RepairOrder

    save_assessment(db, planted["me"])
    assessment = db.session.query(Assessment).filter_by(staff_id=planted["me"]).one()
    client = clients("zongwu")
    page = client.get(f"/assessment-facts/{assessment.id}")
    assert page.status_code == 200
    links = fact_links(page.text)
    expected = counted(db.session, planted["me"], the_term())
    keys = ["repairs_on_time", "repairs_late", "rated", "complaints", "checks_done", "checks_missed",
            "hazards_in_time", "hazards_late", "hazards_overdue"]
    assert len(links) == len(keys) + 1  # and the rated survey item
    for key, link in zip(keys, links):
        parts = urlsplit(link)
        route = parts.path.strip("/").split("/")[0]
        view = {"repair-order": "RepairOrderView", "inspection-task": "InspectionTaskView",
                "hazard": "HazardView"}[route]
        ids, _ = listed(client, route, view, **dict(parse_qsl(parts.query)))
        assert ids == expected[key], (key, link)
    assert db.session.get(RepairOrder, min(expected["repairs_late"])).finished_late()
    answers = urlsplit(links[-1])
    listing = client.get(f"{answers.path}?{answers.query}&psize_SurveyAnswerView=100")
    assert listing.text.count('class="engine-card-title"') == 4
    for text in ("按时完工率", "（按时完工率 − 90%）× 0.5 分，最多加减 10 分", "建议过程考核分", "56.4", "75.0",
                 "学校尚未设投诉登记", "过程考核分", "30%"):
        assert text in page.text, text


def test_the_detail_page_offers_the_facts(db, planted, clients):
    from models.org import Assessment

    save_assessment(db, planted["me"])
    assessment = db.session.query(Assessment).filter_by(staff_id=planted["me"]).one()
    page = clients("zongwu").get(f"/assessment/show/{assessment.id}")
    assert f'/assessment-facts/{assessment.id}' in page.text and "事实依据" in page.text


# ----------------------------------------------------------------------------------- proposals at save
def save_assessment(db, staff_id, **scores):
    from app.rules import write
    from models.org import Assessment, Staff

    found = db.session.query(Assessment).filter_by(staff_id=staff_id, term=the_term().name).one_or_none()
    if found is not None:
        return found
    values = {"self_score": Decimal("90"), "group_score": Decimal("80"), "leader_score": Decimal("85"), **scores}
    item = Assessment(staff=db.session.get(Staff, staff_id), term=the_term().name, **values)
    write.save(db.session, item)
    return item


def test_blank_scores_are_proposed_at_save_and_typed_ones_kept(db, planted):
    from app.rules import write
    from models.org import Assessment, Grade, Staff

    db.session.query(Assessment).filter_by(staff_id=planted["me"]).delete()
    db.session.commit()
    item = save_assessment(db, planted["me"])
    assert (item.process_score, item.satisfaction_score) == (Decimal("56.4"), Decimal("75.0"))
    # 90×10% + 80×20% + 85×20% + 56.4×30% + 75×20% = 9 + 16 + 17 + 16.92 + 15 = 73.92
    assert item.total == Decimal("73.9") and item.grade == Grade.qualified
    item.process_score = Decimal("70")
    write.save(db.session, item)
    assert item.process_score == Decimal("70") and item.total == Decimal("78.0")
    item.process_score = None  # cleared: proposed again
    write.save(db.session, item)
    assert item.process_score == Decimal("56.4")

    nobody_rated = Assessment(staff=db.session.get(Staff, planted["colleague"]), term=the_term().name,
                              self_score=Decimal("90"), group_score=Decimal("90"), leader_score=Decimal("90"))
    with pytest.raises(write.Refused) as refused:
        write.save(db.session, nobody_rated)
    assert refused.value.errors == {"satisfaction_score": "本学期没有评议此人（或其部门）的满意度调查，请填写民主评议分"}
    typed = Assessment(staff=db.session.get(Staff, planted["colleague"]), term=the_term().name,
                       self_score=Decimal("90"), group_score=Decimal("90"), leader_score=Decimal("90"),
                       satisfaction_score=Decimal("88"))
    write.save(db.session, typed)
    assert typed.process_score == Decimal("80.0") and typed.satisfaction_score == Decimal("88")
    wrong = Assessment(staff=db.session.get(Staff, planted["colleague"]), term="2026年春季",
                       self_score=Decimal("90"), group_score=Decimal("90"), leader_score=Decimal("90"),
                       satisfaction_score=Decimal("88"))
    with pytest.raises(write.Refused) as refused:
        write.save(db.session, wrong)
    assert refused.value.errors == {"term": "学期应写作“2026-2027学年第一学期”的格式"}
    db.session.delete(typed)
    db.session.commit()


def test_a_change_to_the_formula_shows_on_the_page_and_in_the_proposal(db, planted, clients, monkeypatch):
    from models import assessment_facts
    from models.assessment_facts import FORMULA, Rule

    save_assessment(db, planted["me"])
    from models.org import Assessment

    assessment = db.session.query(Assessment).filter_by(staff_id=planted["me"]).one()
    harsher = dataclasses.replace(FORMULA, base=Decimal("90"), rules=(
        Rule("checks_missed", "漏检", "次", Decimal("-4"), Decimal("30")),),
        weights={**FORMULA.weights, "self_score": Decimal("0"), "process_score": Decimal("0.4")})
    monkeypatch.setattr(assessment_facts, "FORMULA", harsher)
    assert facts_for(db, planted["me"]).process_score() == Decimal("82.0")  # 90 − 2 × 4
    page = clients("zongwu").get(f"/assessment-facts/{assessment.id}").text
    assert "每次 −4 分，最多扣 30 分" in page and "82.0" in page and "按时完工率 − 90%" not in page
    assert "40%" in page
    assessment.process_score = None
    from app.rules import write

    write.save(db.session, assessment)
    assert assessment.process_score == Decimal("82.0")
    # 80×20% + 85×20% + 82×40% + 75×20% = 16 + 17 + 32.8 + 15
    assert assessment.total == Decimal("80.8")
    monkeypatch.undo()
    assessment.process_score = None
    write.save(db.session, assessment)
    assert assessment.process_score == Decimal("56.4")


# ----------------------------------------------------------------------------------- scope
def test_a_repair_worker_sees_only_his_own_assessment_and_facts(app, db):
    from models.org import Assessment, Staff

    user = app.appbuilder.sm.find_user(username="weixiu")
    me = db.session.query(Staff).filter_by(user_id=user.id).one()
    mine = db.session.query(Assessment).filter_by(staff_id=me.id).one()
    other = db.session.query(Assessment).filter(Assessment.staff_id != me.id).first()
    client = app.test_client()
    login(client, "weixiu", DEMO_PASSWORD)
    ids, _ = listed(client, "assessment", "AssessmentView")
    assert ids == {mine.id}
    assert client.get(f"/assessment-facts/{mine.id}").status_code == 200
    assert client.get(f"/assessment-facts/{other.id}").status_code == 404
    ranking = client.get("/assessment-ranking/").text
    assert ranking.count('href="/assessment-facts/') == 1 and me.name in ranking
    assert other.staff.name not in ranking


def test_a_department_role_ranks_its_department_and_a_teacher_none(app, db):
    from models.org import Staff

    user = app.appbuilder.sm.find_user(username="sushe")
    me = db.session.query(Staff).filter_by(user_id=user.id).one()
    client = app.test_client()
    login(client, "sushe", DEMO_PASSWORD)
    page = client.get("/assessment-ranking/").text
    shown = re.findall(r'<a href="/assessment/show/(\d+)">', page)
    assert shown
    from models.org import Assessment

    for pk in shown:
        assert db.session.get(Assessment, int(pk)).staff.department_id == me.department_id
    teacher = app.test_client()
    login(teacher, "jiaoshi", DEMO_PASSWORD)
    assert teacher.get("/assessment-ranking/").status_code in (302, 403)
    principal = app.test_client()
    login(principal, "xiaozhang", DEMO_PASSWORD)
    everyone = db.session.query(Assessment).filter_by(term=the_term().name).count()
    assert principal.get("/assessment-ranking/").text.count('href="/assessment-facts/') == everyone


# ----------------------------------------------------------------------------------- ranking and export
def test_ranking_orders_by_total_per_department_and_exports_chinese_headers(db, clients):
    from models.org import Assessment, Department

    client = clients("zongwu")
    term = the_term().name
    everyone = sorted(db.session.query(Assessment).filter_by(term=term).all(), key=lambda a: -a.total)
    page = client.get("/assessment-ranking/", query_string={"term": term}).text
    shown = [int(pk) for pk in re.findall(r'<a href="/assessment/show/(\d+)">', page)]
    assert [db.session.get(Assessment, pk).total for pk in shown] == [a.total for a in everyone]
    assert len(shown) == len(everyone)

    unit = db.session.query(Department).filter_by(code="050203").one()
    page = client.get("/assessment-ranking/", query_string={"term": term, "department": unit.id}).text
    shown = [int(pk) for pk in re.findall(r'<a href="/assessment/show/(\d+)">', page)]
    expected = [a for a in everyone if a.staff.department_id == unit.id]
    assert sorted(shown) == sorted(a.id for a in expected) and shown

    response = client.get("/assessment-ranking/export.xlsx", query_string={"term": term, "department": unit.id})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ["名次", "工号", "姓名", "部门", "岗位", "自评分", "组评分", "领导评分", "过程考核分",
                             "民主评议分", "总分", "等级", "部门内名次"]
    assert len(rows) - 1 == len(expected)
    totals = [Decimal(str(row[10])) for row in rows[1:]]
    assert totals == sorted(totals, reverse=True)
    assert rows[1][0] == 1 and rows[1][12] == 1
