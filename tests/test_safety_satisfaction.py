"""安全巡查与满意度: patrol and hazard rules, the hazard workflow, overdue hazards, survey answers and 满意率."""
from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from app.meta import clock
from app.rules import locks
from tests.conftest import flashes, one_school_columns
from tests.test_dorms_utilities import count, refused, save, staff
from tests.test_forms import field_errors

MODELS = ("Patrol", "Hazard", "Survey", "SurveyItem", "SurveyResponse", "SurveyAnswer")


def uid() -> str:
    return uuid.uuid4().hex[:12]


def staff_of(db, username):
    from flask_appbuilder.security.sqla.models import User

    from models.org import Staff

    user = db.session.query(User).filter_by(username=username).one()
    return user, db.session.query(Staff).filter_by(user_id=user.id).one()


# ------------------------------------------------------------------------------------------ patrols


def test_a_patrol_that_found_something_says_what(db):
    from models.safety import Patrol

    patrol = Patrol(patrolled_on=clock.today(), patroller=staff(db), area="学生宿舍3号楼", items="消防器材",
                    normal=False)
    assert refused(db, patrol) == {"findings": "巡视发现异常时，请填写发现的问题"}
    patrol = Patrol(patrolled_on=clock.today(), patroller=staff(db), area="学生宿舍3号楼", items="消防器材",
                    normal=False, findings="三楼灭火器压力不足")
    assert save(db, patrol).id is not None
    late = Patrol(patrolled_on=clock.today() + timedelta(days=1), patroller=staff(db), area="操场")
    assert refused(db, late) == {"patrolled_on": "日期不能晚于今天"}


# ------------------------------------------------------------------------------------------ hazards


def hazard(db, days_left=7, **extra):
    from models.safety import Hazard, HazardCategory

    found = extra.pop("found_at", clock.now() - timedelta(days=3))
    values = dict(found_at=found, location=f"实验楼{uid()}", category=HazardCategory.electrical,
                  description="配电箱门锁损坏，线路裸露", deadline=found.date() + timedelta(days=days_left),
                  reporter=staff(db))
    values.update(extra)
    return Hazard(**values)


def test_hazard_gets_a_number_and_its_deadline_is_checked(db):
    from models.safety import HazardStatus

    record = save(db, hazard(db))
    assert record.code.startswith(f"YH-{clock.today():%Y%m%d}-") and record.status == HazardStatus.pending
    assert refused(db, hazard(db, days_left=-1)) == {"deadline": "整改时限不能早于发现日期"}
    assert refused(db, hazard(db, found_at=clock.now() + timedelta(days=2)))["found_at"] == "发现时间不能晚于现在"


def test_hazard_takes_the_department_of_its_rectifier(db):
    _, lvhua = staff_of(db, "lvhua")
    record = save(db, hazard(db, rectifier=lvhua))
    assert record.rectify_department is lvhua.department


def test_overdue_is_derived_from_deadline_and_status(db):
    from models.safety import HazardStatus

    late = save(db, hazard(db, days_left=1))  # found 3 days ago, due 2 days ago
    assert late.overdue() is True
    assert save(db, hazard(db, days_left=10)).overdue() is False
    late.status, late.measures = HazardStatus.closed, "更换门锁，线路穿管"
    save(db, late)
    assert late.overdue() is False


def test_hazard_workflow_is_declared_on_status():
    from models.safety import Hazard
    from models.safety import HazardStatus as S

    workflow = Hazard.__admin__.workflow
    assert workflow.field == "status"
    steps = {s.label: s for s in workflow.steps}
    assert list(steps) == ["开始整改", "提交验收", "销号验收"]
    assert (steps["开始整改"].source, steps["开始整改"].target) == ((S.pending,), S.rectifying)
    assert steps["提交验收"].required == ("measures", "result_photo")  # with a photo of the result
    assert steps["提交验收"].fields == ("measures", "result_photo")
    assert steps["开始整改"].by.people == ("rectifier",) and steps["开始整改"].by.roles == ("后勤主任",)
    assert steps["销号验收"].by.roles == ("后勤主任",) and steps["销号验收"].effect == "sign_off"
    assert steps["销号验收"].target == S.closed and steps["销号验收"].return_to == S.rectifying  # 退回整改


def test_hazard_workflow_from_found_to_closed(app, db):
    from flask_login import login_user

    from app.rules import steps
    from app.rules.history import history
    from app.rules.write import Refused
    from models.safety import Hazard, HazardStatus

    lvhua_user, lvhua = staff_of(db, "lvhua")
    director_user, director = staff_of(db, "zongwu")
    record = save(db, hazard(db, rectifier=lvhua))
    flow = Hazard.__admin__.workflow

    def take(name, user, **kwargs):
        with app.test_request_context():
            login_user(user)
            return steps.take(db.session, record, flow, flow.step(name), user, **kwargs)

    assert [s.name for s in flow.offered(record, lvhua_user)] == ["start"]
    assert locks.refusal(record) is None and record.delete_refusal() is None
    with pytest.raises(Refused):
        take("close", lvhua_user)  # not offered: wrong state and not 后勤主任
    take("start", lvhua_user)
    assert record.status == HazardStatus.rectifying
    with pytest.raises(Refused) as caught:
        take("submit", lvhua_user)
    assert caught.value.errors == {"measures": "提交验收前须填写整改措施", "result_photo": "请填写此项"}

    def rectified():
        record.measures = "更换配电箱门锁，裸露线路穿管"
        record.result_photo = "2026/11/" + "a" * 32 + ".jpg|整改后.jpg"

    take("submit", lvhua_user, populate=rectified)
    assert record.status == HazardStatus.awaiting_acceptance
    assert [s.name for s in flow.offered(record, lvhua_user)] == []
    with pytest.raises(Refused) as caught:
        take("close", director_user, decision="退回修改")  # sending back says what is still wrong
    assert "comment" in caught.value.errors
    take("close", director_user, decision="退回修改", comment="穿管不到位，请重新整改")
    assert record.status == HazardStatus.rectifying
    take("submit", lvhua_user)
    take("close", director_user)
    db.session.expire_all()
    assert record.status == HazardStatus.closed and record.accepted_by is director
    assert record.closed_at is not None and record.overdue() is False
    assert "已销号，不能再修改" in locks.refusal(record) and "不能删除" in record.delete_refusal()
    assert [h.step_label for h in history(db.session, record)] == ["开始整改", "提交验收", "销号验收", "提交验收", "销号验收"]
    assert [h.decision for h in history(db.session, record)][2:] == ["退回修改", None, "通过"]


# ------------------------------------------------------------------------------------------ satisfaction


def department(db, name):
    from models.org import Department

    return db.session.query(Department).filter_by(name=name).one()


def survey_with_items(db, *items):
    from models.satisfaction import Survey, SurveyItem

    survey = Survey(title=f"后勤服务满意度调查{uid()}", period="2026年秋季学期", starts_on=clock.today(),
                    ends_on=clock.today() + timedelta(days=14))
    survey.items = [SurveyItem(name=name, unit=department(db, unit) if unit else None, sort=i)
                    for i, (name, unit) in enumerate(items, 1)]
    return save(db, survey)


def response(survey, ratings: dict, identity="student"):
    from models.satisfaction import Identity, Rating, SurveyAnswer, SurveyResponse

    sheet = SurveyResponse(survey=survey, identity=Identity[identity], submitted_on=clock.today())
    sheet.answers = [SurveyAnswer(item=item, rating=Rating.from_label(label)) for item, label in ratings.items()]
    return sheet


def test_satisfaction_rates_per_item_and_unit_against_the_target(db):
    from models.satisfaction import satisfaction_rates

    survey = survey_with_items(db, ("饭菜质量", "师生食堂"), ("就餐环境", "师生食堂"), ("宿舍卫生", "宿舍管理"),
                               ("开水供应", "学生生活服务部"))
    food, hall, dorm, water = survey.items
    food_ratings = ["非常满意"] * 4 + ["较满意"] * 3 + ["基本满意"] * 2 + ["欠满意"]
    hall_ratings = ["非常满意"] * 2 + ["较满意"] * 3 + ["基本满意"] * 3 + ["不满意"] * 2
    for n in range(10):
        save(db, response(survey, {food: food_ratings[n], hall: hall_ratings[n], dorm: "非常满意"},
                          identity="staff" if n % 3 == 0 else "student"))

    rates = satisfaction_rates(db.session, survey)
    assert rates["responses"] == 10 and rates["target"] == Decimal("0.90")
    items = {row["item"]: row for row in rates["items"]}
    assert list(items) == ["饭菜质量", "就餐环境", "宿舍卫生", "开水供应"]
    assert items["饭菜质量"]["counts"] == {"非常满意": 4, "较满意": 3, "基本满意": 2, "欠满意": 1, "不满意": 0}
    assert (items["饭菜质量"]["rate"], items["饭菜质量"]["rate_text"], items["饭菜质量"]["meets_target"]) == (
        Decimal("0.9"), "90.0%", True)  # exactly 90 % meets the target
    assert (items["就餐环境"]["satisfied"], items["就餐环境"]["total"], items["就餐环境"]["meets_target"]) == (8, 10, False)
    assert items["宿舍卫生"]["rate"] == 1 and items["宿舍卫生"]["unit"] == "宿舍管理"
    assert (items["开水供应"]["total"], items["开水供应"]["rate"], items["开水供应"]["meets_target"]) == (0, None, None)

    units = {row["unit"]: row for row in rates["units"]}
    assert (units["师生食堂"]["satisfied"], units["师生食堂"]["total"]) == (17, 20)
    assert (units["师生食堂"]["rate"], units["师生食堂"]["meets_target"]) == (Decimal("0.85"), False)
    assert units["宿舍管理"]["meets_target"] is True and units["学生生活服务部"]["rate"] is None
    assert (rates["overall"]["satisfied"], rates["overall"]["total"], rates["overall"]["meets_target"]) == (27, 30, True)


def test_an_answer_must_be_about_an_item_of_the_response_survey_and_only_once(db):
    from models.satisfaction import Rating, SurveyAnswer, SurveyResponse

    survey = survey_with_items(db, ("维修及时性", "水电维修组"))
    other = survey_with_items(db, ("饭菜价格", "师生食堂"))
    item, foreign = survey.items[0], other.items[0]
    before = count(db, SurveyResponse)
    errors = refused(db, response(survey, {foreign: "较满意"}))
    assert errors == {"answers-0-item": f"「饭菜价格」不属于本答卷的调查「{survey.title}」"}

    sheet = response(survey, {item: "较满意"})
    sheet.answers.append(SurveyAnswer(item=item, rating=Rating.dissatisfied))
    errors = refused(db, sheet)
    assert errors["answers-1-item"] == "本答卷已评价过「维修及时性」，每个项目只能评价一次"
    assert count(db, SurveyResponse) == before

    saved = save(db, response(survey, {item: "较满意"}))
    extra = SurveyAnswer(response=saved, item=item, rating=Rating.satisfied)
    assert refused(db, extra) == {"item": "本答卷已评价过「维修及时性」，每个项目只能评价一次"}


def test_survey_end_not_before_start(db):
    from models.satisfaction import Survey

    survey = Survey(title="测试", period="2026年秋季学期", starts_on=clock.today(),
                    ends_on=clock.today() - timedelta(days=1))
    assert refused(db, survey) == {"ends_on": "结束日期不能早于开始日期"}


# ------------------------------------------------------------------------------------------ pages


@pytest.mark.parametrize("name", MODELS)
def test_list_and_add_pages_answer_in_chinese(app, admin, name):
    from app.meta import introspect

    model, view = next((m, v) for m, v in app.extensions["engine"].views.items() if m.__name__ == name)
    listing = admin.get(f"{view.route_base}/list/")
    assert listing.status_code == 200
    assert model.__admin__.label in listing.text and model.__admin__.menu in listing.text
    for column in view.list_columns:
        assert introspect.label(model, column) in listing.text, column
    add = admin.get(f"{view.route_base}/add")
    assert add.status_code == 200 and f"新增{model.__admin__.label}" in add.text
    for column in one_school_columns(model, view.add_columns):
        assert introspect.label(model, column) in add.text, column
        assert not introspect.is_computed(model, column)


def hazard_form(db, **changes):
    _, lvhua = staff_of(db, "lvhua")
    data = {"found_at": clock.now().strftime("%Y-%m-%d %H:%M:%S"), "location": f"体育馆{uid()}",
            "category": "sports", "level": "major", "description": "篮球架底座松动",
            "rectifier": lvhua.id, "deadline": clock.today().isoformat(), "reporter": lvhua.id}
    data.update(changes)
    return data


def test_hazard_posted_from_the_page(admin, db):
    from models.safety import Hazard, HazardStatus

    before = count(db, Hazard)
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    response = admin.post("/hazard/add", data=hazard_form(db, deadline=yesterday))
    assert response.status_code == 200
    assert "整改时限不能早于发现日期" in " ".join(field_errors(response.text) + flashes(response.text))
    assert count(db, Hazard) == before

    data = hazard_form(db)
    assert admin.post("/hazard/add", data=data).status_code == 302
    record = db.session.query(Hazard).filter_by(location=data["location"]).one()
    assert record.code.startswith("YH-") and record.status == HazardStatus.pending
    show = admin.get(f"/hazard/show/{record.id}").text
    assert record.code in show and "是否逾期" in show and "整改责任部门" in show


def test_overdue_quick_filter_lists_only_overdue_hazards(admin, db):
    from models.safety import Hazard

    late, fresh = save(db, hazard(db, days_left=1)), save(db, hazard(db, days_left=30))
    position = [q.label for q in Hazard.__admin__.quick_filters].index("逾期")
    html = admin.get(f"/hazard/list/?_qf={position}&psize_HazardView=100").text
    assert late.location in html and fresh.location not in html
    assert "逾期" in admin.get("/hazard/list/").text


def test_survey_response_with_answer_lines_from_the_page(admin, db):
    from models.satisfaction import SurveyResponse

    survey = survey_with_items(db, ("饭菜质量", "师生食堂"), ("宿舍卫生", "宿舍管理"))
    food, dorm = survey.items
    data = {"survey": survey.id, "identity": "student", "submitted_on": clock.today().isoformat(),
            "comment": "希望增加夜宵窗口", "answers-0-item": food.id, "answers-0-rating": "satisfied",
            "answers-1-item": food.id, "answers-1-rating": "less"}
    before = count(db, SurveyResponse)
    page = admin.post("/survey-response/add", data=data)
    assert page.status_code == 200
    assert '<div class="text-danger small">本答卷已评价过「饭菜质量」，每个项目只能评价一次</div>' in page.text
    assert count(db, SurveyResponse) == before

    page = admin.post("/survey-response/add", data={**data, "answers-1-item": dorm.id})
    assert page.status_code == 302
    sheet = db.session.query(SurveyResponse).filter_by(survey_id=survey.id).one()
    assert {(a.item.name, a.rating.value) for a in sheet.answers} == {("饭菜质量", "较满意"), ("宿舍卫生", "欠满意")}
    assert sheet.submitter is not None and sheet.submitter.username == "admin"


def test_show_and_edit_pages_answer_in_chinese(app, admin, db):
    from app.meta import introspect
    from models.safety import Patrol

    survey = survey_with_items(db, ("饭菜质量", "师生食堂"))
    sheet = save(db, response(survey, {survey.items[0]: "非常满意"}))
    records = {
        "Patrol": save(db, Patrol(patrolled_on=clock.today(), patroller=staff(db), area="食堂后厨")),
        "Hazard": save(db, hazard(db)), "Survey": survey, "SurveyItem": survey.items[0],
        "SurveyResponse": sheet, "SurveyAnswer": sheet.answers[0],
    }
    views = {model.__name__: (model, view) for model, view in app.extensions["engine"].views.items()}
    for name, item in records.items():
        model, view = views[name]
        show = admin.get(f"{view.route_base}/show/{item.id}")
        assert show.status_code == 200, name
        for column in one_school_columns(model, view.show_columns):
            assert introspect.label(model, column) in show.text, (name, column)
        edit = admin.get(f"{view.route_base}/edit/{item.id}")
        assert edit.status_code == 200 and "seen_version" in edit.text, name
    assert "饭菜质量" in admin.get(f"/survey/show/{survey.id}").text  # its items as lines
    assert "非常满意" in admin.get(f"/survey-response/show/{sheet.id}").text
