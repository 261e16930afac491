"""A parent scans the canteen's 投诉建议 QR code on a phone and sends a complaint without logging in; the canteen
manager finds it in 我的待办 and replies; the parent opens the private link kept from the sending and reads the
reply."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect


def test_a_parent_complains_by_qr_code_and_reads_the_canteens_reply(person):
    mark = uuid.uuid4().hex[:4]
    complaint = f"孩子说今天午饭的鱼有刺没挑干净{mark}，希望注意"
    answer = f"已要求厨房改用无刺鱼片{mark}，感谢您的提醒。"

    parent = person("", "家长", phone=True)
    parent.visit("/feedback/st1")  # what the QR code posted in the canteen opens
    with parent.task("扫码投诉（不登录）", budget=6):
        parent.sees("师生食堂一楼大厅")
        parent.tap("投诉")
        parent.type("内容", complaint)
        parent.type("联系方式（选填）", "高一(3)班 林同学家长")
        parent.tap("提交")
        parent.sees("已收到您的反馈")
    page = parent.page
    expect(page).to_have_url(re.compile(r"/feedback/reply/[\w-]{20,}"))
    expect(page.locator(".public-status")).to_have_text("待处理")
    kept = page.locator(".public-link a").inner_text()  # the private link the page asks to keep
    assert kept.endswith(page.url.split("/feedback")[1].split("?")[0])
    expect(page.locator(".public-qr svg")).to_be_visible()
    parent.shot("已提交")

    canteen = person("shitang", "食堂管理员")
    with canteen.task("在我的待办里找到并回复", budget=4):
        canteen.inbox()
        card = canteen.card(complaint[:12])
        expect(card).to_contain_text("投诉")
        canteen.tap(card.get_by_role("button", name="回复"))
        canteen.type("回复内容", answer)
        canteen.tap(canteen.page.get_by_role("button", name="回复"))
        canteen.sees("已回复")
    canteen.shot("已回复")

    with parent.task("打开保存的链接看回复", budget=0):
        parent.visit(kept)
        parent.sees(answer)
    expect(page.locator(".public-status")).to_have_text("已回复")
    expect(page.locator(".public-reply")).to_contain_text("师生食堂的回复")
    expect(page.locator("body")).not_to_contain_text("我的待办")
    parent.shot("看到回复")


def test_a_student_answers_a_survey_by_the_code_on_a_slip(person, db):
    from datetime import timedelta

    from sqlalchemy import select

    from app.meta import clock
    from models.satisfaction import Identity, Survey, SurveyItem, SurveyResponse
    from models.survey_links import Admission, SurveyLink

    mark = uuid.uuid4().hex[:4]
    survey = Survey(title=f"食堂满意度快速调查{mark}", period="本周", starts_on=clock.today(),
                    ends_on=clock.today() + timedelta(days=3),
                    items=[SurveyItem(name="饭菜质量", sort=10), SurveyItem(name="饭菜价格", sort=20),
                           SurveyItem(name="服务态度", sort=30)])
    link = SurveyLink(survey=survey, audience=Identity.student, admission=Admission.code, batch=2)
    db.session.add_all([survey, link])
    link.before_save()
    db.session.commit()
    code = link.codes[0].code

    student = person("", "学生", phone=True)
    student.visit(f"/survey/{link.slug}?code={code}")  # the slip's QR code
    with student.task("扫纸条上的码填问卷", budget=4):
        student.sees("填写人身份")
        expect(student.page.locator(".survey-audience")).to_have_text("学生")
        expect(student.field("答卷码")).to_have_value(code)
        student.tap(student.page.get_by_label("饭菜质量非常满意"))
        student.tap(student.page.get_by_label("饭菜价格欠满意"))
        student.tap(student.page.get_by_label("服务态度较满意"))
        student.shot("问卷")
        student.tap("提交问卷")
        student.sees("提交成功")
    student.visit(f"/survey/{link.slug}?code={code}")
    with student.task("同一个码再交一次", budget=4):
        student.tap(student.page.get_by_label("饭菜质量不满意"))
        student.tap(student.page.get_by_label("饭菜价格不满意"))
        student.tap(student.page.get_by_label("服务态度不满意"))
        student.tap("提交问卷")
        student.sees("该答卷码已经用过")
    student.shot("答卷码已用过")
    db.session.expire_all()
    [sheet] = db.session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)).all()
    assert sheet.identity == Identity.student and sorted(a.rating.value for a in sheet.answers) == \
        sorted(["非常满意", "欠满意", "较满意"])
