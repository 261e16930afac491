"""A repair from the teacher's phone to the rating: 报修 with a photo → 派工 from 我的待办 → the worker takes it
and finishes it with the materials used → 返修 → done again → 验收 → ★★★★."""
from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.journeys.photos import photo_file


def test_a_repair_from_the_teachers_phone_to_the_rating(person, tmp_path):
    title = f"办公室灯管不亮{uuid.uuid4().hex[:4]}"
    photo = photo_file(tmp_path / "灯管.png")

    teacher = person("jiaoshi", "教职工", phone=True)
    with teacher.task("手机报修（带照片）", budget=8):
        teacher.tap("我要报修")
        teacher.type("标题", title)
        teacher.choose("故障类别", "电")
        teacher.type("地点", "行政楼 305 办公室")
        teacher.type("故障描述", "两根灯管都不亮，开关是好的")
        teacher.attach("照片", photo)
        teacher.tap("保存")
        teacher.sees("已保存")
    expect(teacher.page.locator("body")).to_contain_text(title)
    expect(teacher.page.locator(".engine-upload img")).to_be_visible()  # the photo came along
    teacher.shot("报修已保存")
    with teacher.task("在我的申请里找到它", budget=4):
        teacher.menu("我的工作", "我的申请")
        newest = teacher.page.locator(".engine-mine .engine-card").first
        expect(newest).to_contain_text(title)
        expect(newest).to_contain_text("待受理")
        expect(newest).to_contain_text("受理派工")  # who holds it now
    teacher.shot("我的申请")

    director = person("zongwu", "后勤主任")
    with director.task("从我的待办派工", budget=4):
        director.inbox()
        card = director.card(title)
        expect(card).to_contain_text("行政楼 305 办公室")  # the facts needed to decide: place and urgency
        expect(card).to_contain_text("一般")
        director.choose("维修人", "孙立新", within=card)
        director.tap(card.get_by_role("button", name="受理派工"))
        director.sees("已办理「受理派工」")
    director.shot("派工后")

    worker = person("weixiu", "维修工", phone=True)
    with worker.task("接单、记录耗材并完工", budget=8):
        worker.inbox()
        worker.tap(worker.card(title).get_by_role("button", name="接单"))
        worker.sees("已办理「接单」")  # and the order's page, with 完工 on top
        worker.type("维修记录", "更换两根 LED 灯管")
        worker.type("第1行名称", "LED 灯管")
        worker.type("第1行单位", "根")
        worker.type("第1行数量", "2")
        worker.type("第1行单价", "18")
        worker.tap("确认完工")
        worker.sees("已办理「完工」")
    worker.shot("完工后")

    with teacher.task("验收时发现没修好，返修", budget=6):
        teacher.inbox()
        card = teacher.card(title)
        teacher.tap(card.get_by_role("link", name="返修"))
        teacher.tap(teacher.page.locator("summary").filter(has_text="返修"))
        teacher.type("返修原因", "左边的灯管还在闪")
        teacher.tap("确认返修")
        teacher.sees("已办理「返修」")
    expect(teacher.page.locator(".engine-card").filter(has_text=title)).to_have_count(0)  # back with the worker

    with worker.task("返修后再次完工", budget=6):
        worker.inbox()
        card = worker.card(title)
        expect(card).to_contain_text("维修中")
        worker.tap(card.get_by_role("link", name="完工"))
        worker.type("维修记录", "左边灯管的镇流器也换了")
        worker.tap("确认完工")
        worker.sees("已办理「完工」")


    with teacher.task("验收并打四星", budget=6):
        teacher.inbox()
        teacher.tap(teacher.card(title).get_by_role("button", name="验收"))
        teacher.sees("已办理「验收」")
        teacher.tap(teacher.page.locator("summary").filter(has_text="评价"))
        teacher.tap(teacher.page.locator(".engine-stars label[title='4 星']"))
        teacher.type("评价", "修得很快，谢谢")
        teacher.tap("确认评价")
        teacher.sees("已办理「评价」")
    teacher.menu("我的工作", "我的申请")
    teacher.tap(teacher.card(title).get_by_role("link", name=title))
    expect(teacher.page.locator("body")).to_contain_text("★★★★☆ 4 分")
    expect(teacher.page.locator("body")).to_contain_text("已完成")
    expect(teacher.page.locator(".engine-history")).to_contain_text("左边的灯管还在闪")  # the 返修 reason, kept
    expect(teacher.page.locator(".engine-lines-show")).to_contain_text("LED 灯管")  # the materials used
    teacher.shot("评价后")
