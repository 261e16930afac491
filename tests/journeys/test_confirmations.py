"""What cannot be undone asks first, in Chinese, and a refused save loses nothing — photo included."""
from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.journeys.photos import photo_file


def test_cancelling_a_report_asks_first_and_a_refused_save_keeps_the_photo(person, tmp_path):
    title = f"走廊灯不亮{uuid.uuid4().hex[:4]}"
    teacher = person("jiaoshi", "教职工", phone=True)
    with teacher.task("漏填必填项，改正后保存（照片不用重选）", budget=6):
        teacher.tap("我要报修")
        teacher.type("标题", title)
        teacher.attach("照片", photo_file(tmp_path / "走廊.png"))
        teacher.tap("保存")  # 地点 and 故障描述 left empty
        expect(teacher.page.locator(".has-error").first).to_be_visible()
        expect(teacher.field("标题")).to_have_value(title)  # what was typed is still there
        expect(teacher.page.locator(".engine-upload-kept")).to_contain_text("已选择 走廊.png")
        teacher.check_page()
        teacher.shot("保存被拒")
        teacher.type("地点", "综合楼二楼走廊")
        teacher.type("故障描述", "走廊东头两盏灯不亮")
        teacher.tap("保存")
        teacher.sees("已保存")
    expect(teacher.page.locator(".engine-upload img")).to_be_visible()  # saved with the photo chosen the first time

    with teacher.task("取消报修：先问一句（先点了不，再确定）", budget=4):
        teacher.tap(teacher.page.locator(".engine-workflow").get_by_role("button", name="取消"))
        dialog = teacher.page.locator(".engine-confirm")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("确定取消这张报修单吗")
        teacher.tap(dialog.get_by_role("button", name="取消"))  # changed her mind: nothing happens
        expect(dialog).to_be_hidden()
        expect(teacher.page.locator(".engine-workflow")).to_contain_text("待受理")
        teacher.tap(teacher.page.locator(".engine-workflow").get_by_role("button", name="取消"))
        teacher.tap(teacher.page.locator(".engine-confirm").get_by_role("button", name="确定"))
        teacher.sees("已办理「取消」")
    expect(teacher.page.locator(".engine-workflow")).to_contain_text("已取消")


def test_rejecting_a_purchase_asks_first(person):
    canteen = person("shitang", "食堂管理员")
    canteen.tap("申请采购")
    canteen.type("购置理由", f"测试驳回{uuid.uuid4().hex[:4]}")
    canteen.choose("经费预算", "食堂运营费", search="食堂运营")
    canteen.type("第1行品名", "保鲜膜")
    canteen.type("第1行计量单位", "卷")
    canteen.type("第1行数量", "10")
    canteen.type("第1行单价", "12")
    canteen.tap("保存并提交审批")
    canteen.sees("已保存并提交审批")
    code = canteen.page.locator("th:text-is('申请单号') + td").inner_text().strip()

    director = person("zongwu", "后勤主任")
    with director.task("驳回前确认", budget=6):
        director.inbox()
        director.tap(director.card(code).get_by_role("link", name="后勤主任审批"))
        director.tick("驳回")
        director.type("驳回或退回的理由 / 意见", "保鲜膜库存还够，本月不买")
        director.tap("确认后勤主任审批")
        dialog = director.page.locator(".engine-confirm")
        expect(dialog).to_contain_text("确定驳回吗")
        director.tap(dialog.get_by_role("button", name="确定"))
        director.sees("已办理「后勤主任审批」（驳回）")
