"""A satisfaction survey answered through its 问卷链接 (views/public_survey.py, models/survey_links.py): the 身份 is
the link's, each one-time code answers once (also when two phones send it at the same instant), a logged-in
person answers once per link, and the sheets count in the survey's 满意率, per 身份 too."""
from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.meta import clock
from models.satisfaction import Identity, Rating, Survey, SurveyItem, SurveyResponse, audience_rates, satisfaction_rates
from models.survey_links import Admission, SurveyCode, SurveyLink


@pytest.fixture
def survey(db):
    """An open survey of two items, linked to 学生 (by code, 4 codes), 家长 (by code) and 教职工 (by login)."""
    made = Survey(title=f"链接测试{uuid.uuid4().hex[:4]}", period="测试", starts_on=clock.today() - timedelta(days=1),
                  ends_on=clock.today() + timedelta(days=7),
                  items=[SurveyItem(name="饭菜质量", sort=10), SurveyItem(name="宿舍卫生", sort=20)])
    links = {audience: SurveyLink(survey=made, audience=audience, admission=admission, batch=batch)
             for audience, admission, batch in ((Identity.student, Admission.code, 4), (Identity.parent, Admission.code, 1),
                                                (Identity.staff, Admission.login, None))}
    db.session.add(made)
    db.session.add_all(links.values())
    for link in links.values():
        link.before_save()
    db.session.commit()
    yield made, links
    db.session.rollback()
    for response in db.session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == made.id)):
        db.session.delete(response)
    db.session.flush()
    for link in links.values():
        db.session.delete(link)
    db.session.delete(made)
    db.session.commit()


def answers(survey, **extra) -> dict:
    return {**{f"rating-{item.id}": Rating.satisfied.name for item in survey.items}, **extra}


def sheets(db, survey) -> list[SurveyResponse]:
    db.session.expire_all()
    return list(db.session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)))


def test_a_student_answers_by_code_and_the_identity_is_the_links(client, db, survey):
    made, links = survey
    link = links[Identity.student]
    code = link.codes[0].code
    page = client.get(f"/survey/{link.slug}?code={code.lower()}")
    assert page.status_code == 200 and "填写人身份：<strong class=\"survey-audience\">学生" in page.text
    assert f'value="{code}"' in page.text and 'name="identity"' not in page.text and "家长" not in page.text
    sent = client.post(f"/survey/{link.slug}", data=answers(made, code=code, identity="parent", comment="很好"))
    assert sent.status_code == 200 and "提交成功" in sent.text
    [sheet] = sheets(db, made)
    assert sheet.identity == Identity.student and sheet.code.code == code and sheet.submitter is None
    assert sheet.comment == "很好" and len(sheet.answers) == 2 and sheet.link_id == link.id
    assert db.session.get(SurveyCode, sheet.code_id).used_at is not None


def test_a_code_used_twice_or_mistyped_is_refused_in_chinese(client, db, survey):
    made, links = survey
    link = links[Identity.student]
    code = link.codes[1].code
    assert "提交成功" in client.post(f"/survey/{link.slug}", data=answers(made, code=code)).text
    again = client.post(f"/survey/{link.slug}", data=answers(made, code=code))
    assert again.status_code == 400 and "该答卷码已经用过" in again.text
    wrong = client.post(f"/survey/{link.slug}", data=answers(made, code="ZZZZ2222"))
    assert wrong.status_code == 400 and "答卷码不正确" in wrong.text
    other_links_code = links[Identity.parent].codes[0].code  # a parent's code does not open the students' link
    assert "答卷码不正确" in client.post(f"/survey/{link.slug}", data=answers(made, code=other_links_code)).text
    unrated = client.post(f"/survey/{link.slug}", data={"code": link.codes[2].code})
    assert unrated.status_code == 400 and "请为「饭菜质量」选择评价" in unrated.text
    assert len(sheets(db, made)) == 1


def test_two_sessions_using_one_code_at_once_save_one_sheet(app, db, survey):
    """Both read the code unused; the database lets only the first sheet in (a unique index on the code)."""
    from app.rules import public, write

    made, links = survey
    link = links[Identity.student]
    code_id, survey_id, link_id = link.codes[3].id, made.id, link.id
    item_ids = [item.id for item in made.items]
    outcomes = []

    def send(session: Session):
        from models.satisfaction import SurveyAnswer

        code = session.get(SurveyCode, code_id)
        sheet = SurveyResponse(survey_id=survey_id, link_id=link_id, code=code, identity=Identity.student,
                               submitted_on=clock.today(),
                               answers=[SurveyAnswer(item_id=i, rating=Rating.very_satisfied) for i in item_ids])
        code.used_at = clock.now()
        return sheet

    first, second = Session(db.engine), Session(db.engine)
    try:
        sheets_made = [send(first), send(second)]  # both have read the code as unused
        for session, sheet in zip((first, second), sheets_made):
            with app.test_request_context("/survey/x", method="POST"):
                with public.reach({SurveyLink: SurveyLink.id == link_id, Survey: Survey.id == survey_id,
                                   SurveyItem: SurveyItem.survey_id == survey_id, SurveyCode: SurveyCode.id == code_id,
                                   SurveyResponse: SurveyResponse.code_id == code_id}):
                    try:
                        write.save(session, sheet)
                        outcomes.append("saved")
                    except write.Refused as refused:
                        outcomes.append(refused.message)
    finally:
        first.close()
        second.close()
    assert outcomes[0] == "saved" and outcomes[1] != "saved"
    assert db.session.scalar(select(func.count(SurveyResponse.id)).where(SurveyResponse.code_id == code_id)) == 1


def test_two_phones_sending_one_code_at_the_same_moment_get_one_sheet(app, db, survey):
    made, links = survey
    link = links[Identity.parent]
    code = link.codes[0].code
    data = answers(made, code=code)
    start, texts = threading.Barrier(2), []

    def phone():
        client = app.test_client()
        start.wait()
        texts.append(client.post(f"/survey/{link.slug}", data=data).text)

    threads = [threading.Thread(target=phone) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted("提交成功" in t for t in texts) == [False, True]
    assert any("该答卷码已经用过" in t for t in texts)
    assert len(sheets(db, made)) == 1


def test_a_login_link_admits_one_sheet_per_person(client, clients, db, survey):
    made, links = survey
    link = links[Identity.staff]
    assert "/login/" in client.get(f"/survey/{link.slug}").headers["Location"]  # no login: asked to log in
    teacher = clients("jiaoshi")
    assert "填写人身份：<strong class=\"survey-audience\">教职工" in teacher.get(f"/survey/{link.slug}").text
    assert "提交成功" in teacher.post(f"/survey/{link.slug}", data=answers(made, identity="student")).text
    assert "已经填写过" in teacher.post(f"/survey/{link.slug}", data=answers(made)).text
    assert "已经填写过" in teacher.get(f"/survey/{link.slug}").text
    assert "提交成功" in clients("shitang").post(f"/survey/{link.slug}", data=answers(made)).text
    found = sheets(db, made)
    assert len(found) == 2 and {s.identity for s in found} == {Identity.staff}
    assert len({s.submitter_id for s in found}) == 2


def test_a_closed_or_unknown_link_answers_in_chinese(client, db, survey):
    made, links = survey
    assert "问卷链接已停用或不存在" in client.get("/survey/no-such-link").text
    made.ends_on = clock.today() - timedelta(days=1)
    db.session.commit()
    assert "不在填写时间内" in client.get(f"/survey/{links[Identity.student].slug}").text


def test_sheets_by_link_count_in_the_satisfaction_rates_per_identity(client, clients, db, survey):
    made, links = survey
    student, parent = links[Identity.student], links[Identity.parent]
    client.post(f"/survey/{student.slug}", data=answers(made, code=student.codes[0].code))
    client.post(f"/survey/{parent.slug}", data={**answers(made, code=parent.codes[0].code),
                                                 f"rating-{made.items[0].id}": Rating.dissatisfied.name})
    db.session.expire_all()
    rates = satisfaction_rates(db.session, made)
    assert rates["responses"] == 2 and rates["overall"]["total"] == 4 and rates["overall"]["satisfied"] == 3
    by_identity = {a["identity"]: a for a in audience_rates(db.session, made)}
    assert by_identity["学生"]["rate_text"] == "100.0%" and by_identity["家长"]["rate_text"] == "50.0%"
    report = clients("zongwu").get(f"/satisfaction-report/?survey={made.id}").text
    assert "按填写人身份" in report and "家长" in report and "50.0%" in report


def test_the_director_prints_the_unused_codes_as_slips_whose_qr_opens_the_link_with_the_code(clients, db, survey):
    from views.printing import qr_svg

    made, links = survey
    link = links[Identity.student]
    used, unused = link.codes[0], link.codes[1]
    used.used_at = clock.now()
    db.session.commit()
    sheet = clients("zongwu").get(f"/print/survey-slips/{link.id}").text
    url = f"http://localhost/survey/{link.slug}?code={unused.code}"
    assert unused.code in sheet and used.code not in sheet and qr_svg(url) in sheet and "学生" in sheet
    assert clients("jiaoshi").get(f"/print/survey-slips/{link.id}").status_code != 200
