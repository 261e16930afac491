"""A teacher books the 报告厅 for a 节次 tomorrow on her phone: menu → the room → tomorrow → a free 节次 → 用途 →
submitted, awaiting its 管理员. A colleague who opened the same 节次 a moment earlier is refused with who holds it,
what she typed kept; the room's 管理员 (后勤主任) sees the booking among the day's and approves it from 我的待办."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

from playwright.sync_api import expect

from app.meta import clock

ROOM = "报告厅"  # needs approval; its 管理员 is 李国强 (后勤主任) — demo/loader/venues.py


def test_a_teacher_books_a_room_on_her_phone_and_the_same_slot_is_refused_to_another(person):
    mark = uuid.uuid4().hex[:4]
    purpose = f"高二年级法治讲座{mark}"
    tomorrow = clock.today() + timedelta(days=1)
    next_week = tomorrow.weekday() == 0  # today is Sunday: tomorrow is on next week's page

    teacher = person("jiaoshi", "教职工", phone=True)
    with teacher.task("找到功能室预约，选报告厅明天的一个空闲节次", budget=6):
        teacher.menu("功能室预约", "预约功能室")
        teacher.tap(teacher.page.locator(".venue-room").filter(has_text=ROOM).first)
        if next_week:
            teacher.tap("下一周")
        else:
            teacher.tap(teacher.page.locator(".venue-days .venue-day:visible").nth(tomorrow.weekday()))
        expect(teacher.page.locator(".venue-oneday h4")).to_contain_text(f"{tomorrow.month}月{tomorrow.day}日")
        free = teacher.page.locator(".venue-oneday .venue-free").first
        period = free.get_attribute("data-period")
        teacher.shot("报告厅明天")
        teacher.tap(free.locator("a.venue-book"))
        teacher.sees("开始节次")
    expect(teacher.page.locator(".venue-chosen")).to_contain_text(period)
    expect(teacher.page.locator(".venue-chosen")).to_contain_text(f"{tomorrow.month}月{tomorrow.day}日")

    # A colleague on a computer opens the same 节次 of the week grid before the teacher submits.
    colleague = person("sushe", "宿管员")
    with colleague.task("打开同一节次的预约表", budget=5):
        colleague.menu("功能室预约", "预约功能室")
        colleague.tap(colleague.page.locator(".venue-room").filter(has_text=ROOM).first)
        if next_week:
            colleague.tap("下一周")
        colleague.tap(colleague.page.locator(
            f"td.venue-free[data-day='{tomorrow.isoformat()}'][data-period='{period}'] a"))
        colleague.type("用途", "宿舍长例会")
        colleague.type("人数", "25")

    with teacher.task("填写用途并提交预约", budget=1):
        teacher.type("用途", purpose)
        teacher.type("人数", "120")
        teacher.tap("提交预约")
        teacher.sees("预约已提交，等待管理员李国强审批")
    slot = teacher.page.locator(f".venue-oneday .venue-slot[data-period='{period}']")
    expect(slot).to_contain_text(f"待审批 林晓燕（{purpose}）")
    teacher.shot("已提交待审批")

    with colleague.task("提交同一节次，被拒绝", budget=1):
        colleague.tap("提交预约")
    expect(colleague.page.locator(".venue-error")).to_contain_text(f"该时段已被预约：{period} 林晓燕（{purpose}）")
    expect(colleague.field("用途")).to_have_value("宿舍长例会")  # nothing typed is lost
    expect(colleague.field("人数")).to_have_value("25")
    colleague.shot("同一节次被拒绝")

    manager = person("zongwu", "后勤主任")
    with manager.task("在今日预约里看到明天的这项预约", budget=5):
        manager.menu("功能室预约", "预约功能室")
        manager.tap("今日预约")
        if next_week:
            manager.tap("下一周")
        manager.tap(manager.page.locator(".venue-days .venue-day").nth(tomorrow.weekday()))
    entry = manager.page.locator(".venue-today-booking").filter(has_text=purpose)
    expect(entry).to_contain_text(ROOM)
    expect(entry).to_contain_text(period)
    expect(entry).to_contain_text("待审批")
    manager.shot("这一天的预约")

    with manager.task("从我的待办审批通过", budget=3):
        manager.inbox()
        card = manager.card(purpose)
        manager.tap(card.get_by_role("link", name="预约审批"))
        manager.tap("确认预约审批")
        manager.sees("已办理「预约审批」（通过）")
    expect(manager.page.locator("body")).to_contain_text(re.compile("已批准"))
    manager.shot("审批通过")
