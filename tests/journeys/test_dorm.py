"""A 宿管员's day: beds allocated in bulk, a hygiene inspection with a safety veto, a 调宿 request choosing only
from free beds of the student's gender → 后勤主任 approves → the student's page shows the new bed."""
from __future__ import annotations

import re

from playwright.sync_api import expect


def test_a_dorm_managers_day(person, app):
    manager = person("sushe", "宿管员")
    with manager.task("批量分配床位", budget=9):
        manager.menu("宿舍管理", "批量分配床位")
        manager.pick("宿舍楼", "男生宿舍1号楼（男）")
        manager.tap("筛选学生")
        boxes = manager.page.locator(".allocation-students input[name=student]")
        assert boxes.count() >= 2
        rows = manager.page.locator(".allocation-students tbody tr")
        placed_names = [rows.nth(i).locator("td").nth(2).inner_text() for i in range(2)]
        first_no = rows.nth(0).locator("td").nth(1).inner_text()
        manager.tap(boxes.nth(0))
        manager.tap(boxes.nth(1))
        manager.tap("按规则分配床位")
        manager.sees("已为 2 名学生分配床位")
    placed = manager.page.locator(".allocation-placed")
    for name in placed_names:
        expect(placed).to_contain_text(name)
        expect(placed.locator("tr").filter(has_text=name)).to_contain_text("男生宿舍1号楼")
    manager.shot("分配结果")

    with manager.task("卫生检查（安全一票否决）", budget=8):
        manager.menu("宿舍管理", "卫生检查")
        manager.tap("新增卫生检查")
        manager.choose("房间", "男生宿舍4号楼 101室", search="男生宿舍4号楼 101")
        manager.tick("安全一票否决")
        manager.type("违规情况", "使用电热锅，私拉电线")
        manager.tap("保存")
        manager.sees("已保存")
    expect(manager.page.locator("th:text-is('总分') + td")).to_have_text("0")
    expect(manager.page.locator("th:text-is('安全一票否决') + td")).to_have_text("是")

    student = f"{placed_names[0]}（{first_no}）"
    with manager.task("调宿申请，只能选同性别的空床", budget=9):
        manager.menu("宿舍管理", "调宿/退宿申请")
        manager.tap("新增调宿/退宿申请")
        manager.choose("学生", student, search=first_no)
        offered = manager.options("新床位")
        assert offered, "no free bed offered"
        manager.choose("新床位", "男生宿舍6号楼", search="男生宿舍6号楼")
        manager.type("原因", "与同学作息不同，申请调到 6 号楼")
        manager.tap("保存")
        manager.sees("已保存")
    new_bed = manager.page.locator("th:text-is('新床位') + td").inner_text().strip()
    assert new_bed.startswith("男生宿舍6号楼")
    check_offered_beds(app, offered)

    director = person("zongwu", "后勤主任")
    with director.task("从我的待办批准调宿", budget=4):
        director.inbox()
        card = director.card(student)
        expect(card).to_contain_text(new_bed)  # the facts: student and beds
        director.tap(card.get_by_role("link", name="调宿审批"))
        director.tap("确认调宿审批")
        director.sees("已办理「调宿审批」（通过）")

    with manager.task("在学生页面看到新床位", budget=6):
        manager.menu("宿舍管理", "学生")
        manager.type("关键字", first_no)
        manager.tap("搜索")
        manager.tap(manager.page.locator(".engine-list-table a[href*='/show/']").first)
    expect(manager.page.locator("th:text-is('当前床位') + td")).to_have_text(new_bed)
    manager.shot("学生新床位")


def check_offered_beds(app, offered: list[str]) -> None:
    """Every bed the dropdown offered is free and in a boys' building (the student is a boy)."""
    from app.extensions import db
    from models.dorms import Accommodation, AccommodationStatus, Bed, Building
    from models.org import Gender

    with app.app_context():
        for text in offered:
            bed = db.session.query(Bed).filter(Bed.full_name == text).one_or_none()
            assert bed is not None, (text, offered)
            assert bed.room.building.gender == Gender.male, text
            assert db.session.query(Accommodation).filter(
                Accommodation.bed_id == bed.id, Accommodation.status == AccommodationStatus.active).count() == 0, text
        girls = db.session.query(Building).filter(Building.gender == Gender.female).all()
        assert not any(re.match(re.escape(b.name), t) for b in girls for t in offered)
        db.session.remove()
