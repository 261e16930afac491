"""食堂管理员's morning on a phone: enters the day's delivery (one 进货单, two lines, a photo of the delivery note),
does today's 晨检 on 今日检查 (all 正常) and records the lunch 留样; a teacher then finds those lines and the day's
total on 食堂公示; the canteen's and the director's home pages show the day's status."""
from __future__ import annotations

import re
import uuid
from decimal import Decimal

from playwright.sync_api import expect

from app.meta import clock
from tests.journeys.photos import photo_file


def day_total(db) -> Decimal:
    from sqlalchemy import func, select

    from app.meta import clock
    from models.canteen import CanteenDelivery

    db.session.expire_all()
    found = db.session.scalar(select(func.coalesce(func.sum(CanteenDelivery.total), 0))
                              .where(CanteenDelivery.delivered_on == clock.today()))
    return Decimal(found or 0).quantize(Decimal("0.01"))


def test_the_canteens_day_from_delivery_to_public_posting(person, db, tmp_path):
    mark = uuid.uuid4().hex[:4]
    today = f"{clock.today().month}月{clock.today().day}日"  # the period of today's daily checks
    cabbage, pork = f"大白菜{mark}", f"猪前腿肉{mark}"

    canteen = person("shitang", "食堂管理员", phone=True)
    with canteen.task("登记一张两行明细的进货单，拍送货单", budget=10):
        canteen.tap("登记进货")
        canteen.choose("供应商", "杭州勾庄蔬菜批发配送有限公司", search="勾庄")
        canteen.attach("送货单照片", photo_file(tmp_path / "送货单.png", rgb=(230, 230, 210)))
        canteen.type("第1行品名", cabbage)
        canteen.type("第1行单位", "公斤")
        canteen.type("第1行数量", "40")
        canteen.type("第1行单价", "2.2")
        canteen.pick("第1行类别", "蔬菜")
        canteen.tap("添加一行")
        canteen.type("第2行品名", pork)
        canteen.type("第2行单位", "公斤")
        canteen.type("第2行数量", "25.5")
        canteen.type("第2行单价", "26")
        canteen.pick("第2行类别", "肉禽蛋")
        canteen.tap("保存")
        canteen.sees("已保存")
    page = canteen.page
    expect(page).to_have_url(re.compile(r"/canteen-delivery/show/\d+"))
    expect(page.locator("body")).to_contain_text("¥751.00")  # 40 × 2.2 + 25.5 × 26 = 88 + 663
    expect(page.locator("th:text-is('送货单照片') + td img")).to_be_visible()
    canteen.shot("进货单已保存")

    with canteen.task("今日检查：晨检全部正常", budget=5):
        canteen.menu("日常检查", "今日检查")
        canteen.tap(page.locator(".routine-task").filter(has_text="食堂晨检").filter(has_text=today).first)
        canteen.sees("从业人员健康状况")
        canteen.shot("晨检清单")
        canteen.tap("提交检查结果")
        canteen.sees("全部正常")

    with canteen.task("登记午餐留样", budget=6):
        canteen.tap(page.locator(".navbar-brand").first)  # home: its 登记留样 button
        canteen.tap("登记留样")
        canteen.pick("餐次", "午餐")
        canteen.type("菜品", f"红烧肉{mark}、清炒青菜、番茄炒蛋、米饭")
        canteen.type("每样留样量（克）", "150")
        canteen.tap("保存")
        canteen.sees("已保存")
    expect(page.locator("th:text-is('最早销毁时间') + td")).to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"))
    canteen.shot("留样已登记")

    total = day_total(db)
    teacher = person("jiaoshi", "教职工")
    with teacher.task("在食堂公示上看到今天的进货", budget=3):
        teacher.menu("食堂管理", "食堂公示")
    board = teacher.page.locator("table.canteen-board")
    expect(board.locator("tr").filter(has_text=cabbage)).to_contain_text("¥88.00")
    expect(board.locator("tr").filter(has_text=pork)).to_contain_text("¥663.00")
    expect(board.locator("tr").filter(has_text=pork)).to_contain_text("吴海涛")  # 验收人
    expect(teacher.page.locator(".canteen-board-total")).to_have_text(f"¥{total:,.2f}")
    expect(teacher.page.locator(".canteen-board-summary")).to_contain_text(f"¥{total:,.2f}")
    expect(teacher.page.locator("body")).not_to_contain_text("送货单照片")
    teacher.shot("食堂公示")

    for someone in (canteen, person("zongwu", "后勤主任")):
        with someone.task("首页看今日食堂", budget=1):
            someone.tap(someone.page.locator(".navbar-brand").first)
        widget = someone.page.locator("[data-widget='canteen_today']")
        expect(widget).to_contain_text("已留样 1 / 3 餐")
        expect(widget).to_contain_text(f"合计 ¥{total:,.2f}")
        expect(widget).to_contain_text(re.compile(r"已完成 [1-9]\d* / \d+ 项"))
        expect(widget).to_have_class(re.compile(r"panel-warning"))  # dinner's sample and 餐具消毒 are still to do
        someone.shot("今日食堂")
