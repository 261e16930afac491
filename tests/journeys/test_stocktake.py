"""财产保管员 counts one room of 25 desks on a phone by scanning their labels: one desk is missing, and a desk
booked in the room next door stands here. 后勤主任 approves from 我的待办; the cards then read 盘亏 and the new
place, and the report lists the missing desk with its 责任人."""
from __future__ import annotations

import uuid
from datetime import date

from playwright.sync_api import expect


def _room_of_desks(app, mark: str) -> tuple[list[str], str, str, str]:
    """25 desks booked in room 201 and one in room 202, in a category of their own (the count's scope)."""
    from decimal import Decimal

    from app.extensions import db
    from models.assets import Asset, AssetCategory, AssetStatus, Location
    from models.org import Department, Staff

    with app.app_context():
        category = AssetCategory(code=f"J{mark}", name=f"阶梯教室课桌{mark}")
        here, next_door = (Location(campus="本部", building=f"实验楼{mark}", room=r) for r in ("201", "202"))
        department = db.session.query(Department).filter(Department.name == "教务处").first()
        keeper = db.session.query(Staff).filter(Staff.user.has(username="jiaoshi")).one()
        desks = [Asset(code=f"KZ{mark}-{i:02d}", name="学生课桌", category=category, unit="张", quantity=1,
                       unit_price=Decimal("260"), purchased_on=date(2024, 9, 1), department=department, keeper=keeper,
                       location=here if i <= 25 else next_door, status=AssetStatus.in_use) for i in range(1, 27)]
        db.session.add_all([category, here, next_door, *desks])
        for desk in desks:
            desk.before_save()
        db.session.commit()
        codes = [d.code for d in desks]
        names = (category.name, str(here), keeper.name)
        db.session.remove()
    return codes, *names


def _asset_page(app, code: str) -> int:
    from app.extensions import db
    from models.assets import Asset

    with app.app_context():
        found = db.session.query(Asset.id).filter(Asset.code == code).scalar()
        db.session.remove()
    return found


def test_a_room_of_25_assets_counted_by_scanning_on_a_phone(person, app):
    mark = uuid.uuid4().hex[:4].upper()
    codes, category, room, responsible = _room_of_desks(app, mark)
    missing, elsewhere = codes[24], codes[25]  # desk 25 is not found; desk 26 (booked in 202) stands in 201

    keeper = person("baoguan", "财产保管员", phone=True)
    with keeper.task("开始盘点（按资产分类）", budget=7):
        keeper.tap("开始盘点")
        keeper.type("名称", f"期中抽查 实验楼{mark}")
        keeper.choose("资产分类", category, search=mark)
        keeper.tap("保存")
        keeper.sees("已保存")
    expect(keeper.page.locator("th:text-is('进度') + td")).to_have_text("已盘 0 / 应盘 26")

    with keeper.task("逐件扫码一个房间的 25 件资产", budget=40):
        keeper.tap("扫码盘点")
        keeper.tap(keeper.page.locator(".stocktake-rooms a").filter(has_text=room))
        expect(keeper.page.locator(".stocktake-lines li")).to_have_count(25)
        for code in codes[:24] + [elsewhere]:
            keeper.scan(code)  # a USB scanner or the camera: the code and Enter
        expect(keeper.page.locator(".stocktake-message")).to_contain_text("位置不符")
        expect(keeper.page.locator(".stocktake-room-found")).to_have_text("24")
        expect(keeper.page.locator(".stocktake-extra")).to_contain_text(elsewhere)
        keeper.shot("扫码后")
        keeper.tap("选择其他房间")
        expect(keeper.page.locator(".stocktake-progress")).to_contain_text("已找到 25 / 应盘 26")
        keeper.tap("返回盘点单")
        keeper.tap(keeper.page.locator(".engine-workflow").get_by_role("button", name="提交审核"))
        keeper.tap(keeper.page.locator(".engine-confirm").get_by_role("button", name="确定"))
        keeper.sees("已办理「提交审核」")

    director = person("zongwu", "后勤主任")
    with director.task("从我的待办审核盘点结果", budget=4):
        director.inbox()
        director.tap(director.card(f"期中抽查 实验楼{mark}").get_by_role("link", name="审核盘点结果"))
        expect(director.page.locator("body")).to_contain_text("盘亏 1")
        director.tap("确认审核盘点结果")
        director.sees("已办理「审核盘点结果」（通过）")

    with keeper.task("看盘点结果：盘亏的卡片和盘点报告", budget=3):
        keeper.page.reload()
        with keeper.page.expect_popup() as opened:
            keeper.tap("盘点报告")
        report = opened.value
        expect(report.locator("body")).to_contain_text("盘亏清单（1 项）")
        expect(report.locator("body")).to_contain_text(missing)
        expect(report.locator("body")).to_contain_text(responsible)  # the missing desk's 责任人
        report.close()
        keeper.tap(keeper.page.locator(".engine-lines-show a").filter(has_text=missing))
    expect(keeper.page.locator("th:text-is('状态') + td")).to_have_text("盘亏")
    keeper.shot("盘亏卡片")
    keeper.page.goto(f"{keeper.base}/asset/show/{_asset_page(app, elsewhere)}")
    expect(keeper.page.locator("th:text-is('存放地点') + td")).to_have_text(room)
    expect(keeper.page.locator("th:text-is('履历') + td")).to_contain_text("调拨")
    expect(keeper.page.locator("th:text-is('上次盘点日期') + td")).not_to_be_empty()
    keeper.shot("位置更正的卡片")
