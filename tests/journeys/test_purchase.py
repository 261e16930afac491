"""A canteen purchase of 2,500 元 from request to the public posting: 请购 (two lines and its budget subject,
submitted from the same page) → 后勤主任 and 校长 approve from their inboxes → 财产保管员 buys, receives and does 验收入库, then opens the
asset card it made and finds the ladles in the store → 财务 records 报销 → a teacher sees it on 采购公示."""
from __future__ import annotations

import uuid

from playwright.sync_api import expect


def test_a_canteen_purchase_from_request_to_public_posting(person):
    mark = uuid.uuid4().hex[:4]
    cooker, ladle = f"商用电饭锅{mark}", f"不锈钢饭勺{mark}"

    canteen = person("shitang", "食堂管理员")
    with canteen.task("两行明细的采购申请，同页提交", budget=12):
        canteen.tap("申请采购")
        canteen.type("购置理由", "食堂原电饭锅内胆变形，饭勺不够用")
        canteen.choose("经费预算", "食堂运营费", search="食堂运营")  # a request names its budget subject
        canteen.type("第1行品名", cooker)
        canteen.type("第1行规格型号", "30升")
        canteen.type("第1行计量单位", "台")
        canteen.type("第1行数量", "1")
        canteen.type("第1行单价", "2200")
        canteen.choose("第1行资产分类", "厨房设备", search="厨房")
        canteen.tap("添加一行")
        canteen.type("第2行品名", ladle)
        canteen.type("第2行计量单位", "把")
        canteen.type("第2行数量", "20")
        canteen.type("第2行单价", "15")
        canteen.tap("保存并提交审批")
        canteen.sees("已保存并提交审批")
    page = canteen.page
    expect(page.locator("body")).to_contain_text("¥2,500.00")
    expect(page.locator(".engine-workflow")).to_contain_text("待审批")
    code = page.locator("th:text-is('申请单号') + td").inner_text().strip()
    assert code.startswith("CG-")
    canteen.shot("已提交")

    for username, role, tier in (("zongwu", "后勤主任", "后勤主任审批"), ("xiaozhang", "校长", "校长审批")):
        approver = person(username, role)
        with approver.task(f"从我的待办{tier}", budget=4):
            approver.inbox()
            card = approver.card(code)
            expect(card).to_contain_text("¥2,500.00")  # what is needed to decide: amount and department
            expect(card).to_contain_text("师生食堂")
            approver.tap(card.get_by_role("link", name=tier))
            expect(approver.page.locator(".engine-lines-show")).to_contain_text(cooker)  # reads the lines first
            approver.tap(f"确认{tier}")
            approver.sees(f"已办理「{tier}」（通过）")

    keeper = person("baoguan", "财产保管员")
    with keeper.task("采购、到货并验收入库", budget=5):
        keeper.inbox()
        keeper.tap(keeper.card(code).get_by_role("button", name="开始采购"))
        keeper.sees("已办理「开始采购」")  # and the request's page, where the next steps are
        keeper.tap("到货，送验收")
        keeper.tap("确认验收入库")
        keeper.sees("已办理「验收入库」")
    with keeper.task("打开验收入库生成的资产卡片", budget=1):  # the request's page shows the cards it made
        keeper.tap(keeper.page.locator("th:text-is('入库资产卡片') + td a").first)
    expect(keeper.page.locator("body")).to_contain_text(cooker)
    expect(keeper.page.locator("th:text-is('来源采购单') + td")).to_contain_text(code)
    keeper.shot("资产卡片")
    with keeper.task("不是固定资产的明细已入仓库", budget=4):
        keeper.menu("物资仓库", "物资")
        keeper.type("关键字", ladle)
        keeper.tap("搜索")
    expect(keeper.page.locator(".engine-list-table tbody tr")).to_have_count(1)
    expect(keeper.page.locator(".engine-list-table tbody tr")).to_contain_text("20.00")  # 库存数量
    expect(keeper.page.locator(".engine-list-table tbody tr")).to_contain_text("¥15.00")  # its cost
    keeper.shot("饭勺已入库")

    cashier = person("caiwu", "财务")
    with cashier.task("报销", budget=4):
        cashier.inbox()
        cashier.tap(cashier.card(code).get_by_role("link", name="报销"))
        cashier.type("发票号", f"3300{mark}{uuid.uuid4().int % 10**10:010d}")
        cashier.type("金额", "2500")
        cashier.tap("确认报销")
        cashier.sees("已办理「报销」")

    teacher = person("jiaoshi", "教职工")
    with teacher.task("在采购公示上看到这次采购", budget=3):
        teacher.menu("采购管理", "采购公示")
        expect(teacher.page.locator("body")).to_contain_text(cooker)
        expect(teacher.page.locator("body")).to_contain_text(ladle)
    teacher.shot("采购公示")
