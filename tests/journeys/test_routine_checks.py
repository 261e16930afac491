"""绿化环卫 on a phone: today's patrol of 教学楼A as a checklist from 今日检查, one item 异常 with a note and a
photo, then that item registered as a hazard with one tap (its words and photo carried over) — within 12 taps.
后勤主任 then finds the plan's missed patrols counted."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

from playwright.sync_api import expect

from app.meta import clock
from tests.journeys.photos import photo_file


def test_todays_patrol_checklist_turns_one_abnormal_item_into_a_hazard(person, tmp_path):
    mark = uuid.uuid4().hex[:4]
    problem = f"二楼消防栓箱水带缺失{mark}"
    cleaner = person("lvhua", "绿化环卫", phone=True)
    with cleaner.task("今日巡视检查表，一项异常登记为隐患", budget=12):
        cleaner.menu("日常检查", "今日检查")
        cleaner.tap(cleaner.page.locator(".routine-task").filter(has_text="教学楼A每日巡视"))
        item = cleaner.page.locator("fieldset.routine-item").first
        name = item.get_attribute("data-item")
        cleaner.tap(item.locator("label.routine-abnormal"))
        cleaner.type(f"{name}情况说明", problem)
        cleaner.attach(f"{name}照片", photo_file(tmp_path / "消防栓.png", rgb=(200, 40, 40)))
        cleaner.shot("检查表")
        cleaner.tap("提交检查结果")
        cleaner.sees("发现 1 项异常")
        cleaner.shot("检查完成")
        cleaner.tap(cleaner.page.locator(".routine-follow-ups a").filter(has_text="登记为隐患"))
        expect(cleaner.field("描述")).to_have_value(re.compile(re.escape(problem)))
        expect(cleaner.field("地点")).to_have_value("教学楼A")
        cleaner.sees("已选择 消防栓.png")  # the photo came along
        cleaner.type("整改时限", (clock.today() + timedelta(days=3)).isoformat())
        cleaner.tap("保存")
        expect(cleaner.page).to_have_url(re.compile(r"/hazard/show/\d+"))
        cleaner.sees("已保存")
    expect(cleaner.page.locator("th:text-is('来源检查') + td")).to_contain_text(name)
    expect(cleaner.page.locator("th:text-is('照片') + td img")).to_be_visible()
    cleaner.shot("隐患已登记")

    director = person("zongwu", "后勤主任")
    with director.task("查看巡视计划的漏检次数", budget=4):
        director.menu("日常检查", "检查计划")
        director.type("关键字", "教学楼A每日巡视")
        director.tap("搜索")
        director.tap(director.page.locator(".engine-list-table a[href*='/show/']").first)
        director.sees("漏检次数")
    missed = director.page.locator("th:text-is('漏检次数') + td").inner_text().strip()
    assert missed.isdigit() and int(missed) > 0  # the demo year has missed patrols, and they are counted
    director.shot("计划漏检次数")
