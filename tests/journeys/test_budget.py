"""预算控制 in a day's work: the canteen asks for more than its budget allows past the tolerance and is stopped
(what was typed is kept as a draft), lowers the price and submits with a 超出预算 warning; 后勤主任 sees the 余额
the request leaves on its card and is warned again at approval. Then 财务 reads a month's total on 支出公示, a
teacher the term's 代办费 收支, and 后勤主任 the 预算执行情况 with the canteen's new subject in it."""
from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal

from playwright.sync_api import expect
from sqlalchemy import func, select

from app.meta import clock


def _canteen_budget(app, subject: str) -> str:
    """A budget subject of 师生食堂 for this year, 10,000 元, that nothing else is charged to."""
    from app.extensions import db
    from models.org import Staff
    from models.purchasing import Budget

    with app.app_context():
        staff = db.session.query(Staff).filter(Staff.user.has(username="shitang")).one()
        budget = Budget(department_id=staff.department_id, year=clock.today().year, subject=subject,
                        amount=Decimal("10000"), remark="旅程测试")
        db.session.add(budget)
        db.session.commit()
        name = str(budget)
        db.session.remove()
    return name


def _last_month_total(app) -> tuple[str, Decimal]:
    from app.extensions import db
    from models.purchasing import Reimbursement

    today = clock.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    first, after = date(year, month, 1), date(year + (month == 12), month % 12 + 1, 1)
    with app.app_context():
        total = db.session.scalar(select(func.coalesce(func.sum(Reimbursement.amount), 0)).where(
            Reimbursement.reimbursed_on >= first, Reimbursement.reimbursed_on < after))
        db.session.remove()
    return f"{year}年{month}月", Decimal(total).quantize(Decimal("0.01"))


def test_over_budget_is_warned_and_past_the_tolerance_stopped(person, app):
    mark = uuid.uuid4().hex[:4]
    subject, cabinet = f"设备更新{mark}", f"商用消毒柜{mark}"
    budget = _canteen_budget(app, subject)

    canteen = person("shitang", "食堂管理员")
    with canteen.task("超出预算容差的采购被拒，已填内容留作草稿", budget=7):
        canteen.tap("申请采购")
        canteen.type("购置理由", "食堂消毒柜老化，更换三台")
        canteen.choose("经费预算", subject, search=mark)
        canteen.type("第1行品名", cabinet)
        canteen.type("第1行规格型号", "康宝 XDR380-E2")
        canteen.type("第1行计量单位", "台")
        canteen.type("第1行数量", "3")
        canteen.type("第1行单价", "3900")
        canteen.choose("第1行资产分类", "厨房设备", search="厨房")
        canteen.tap("保存并提交审批")
        canteen.sees("超出预算过多", within=canteen.page.locator(".alert-danger"))
    page = canteen.page
    refusal = page.locator(".alert-danger").inner_text()
    assert f"「{budget}」预算 ¥10,000.00，已用 ¥0.00，本单 ¥11,700.00" in refusal, refusal
    assert "超过允许的 110%（最多 ¥11,000.00）" in refusal, refusal
    expect(page.locator(".engine-workflow")).to_contain_text("草稿")  # not submitted …
    expect(page.locator(".engine-lines-show")).to_contain_text(cabinet)  # … and nothing typed is lost
    expect(page.locator("th:text-is('预算余额（本单后）') + td")).to_have_text("-¥1,700.00")
    code = page.locator("th:text-is('申请单号') + td").inner_text().strip()
    canteen.shot("超出容差被拒")

    with canteen.task("压低单价后提交，看到超预算提醒", budget=3):
        canteen.tap("修改")
        canteen.type("第1行单价", "3600")
        canteen.tap("保存并提交审批")
        canteen.sees("已保存并提交审批")
    warning = page.locator(".alert-warning").inner_text()
    assert f"超出预算：「{budget}」本单后余额将为 -¥800.00（预算 ¥10,000.00，已用 ¥0.00，本单 ¥10,800.00）" in warning
    expect(page.locator(".engine-workflow")).to_contain_text("待审批")
    canteen.shot("提交并提醒超预算")

    director = person("zongwu", "后勤主任")
    with director.task("在待办卡片上看到本单后余额并审批", budget=3):
        director.inbox()
        card = director.card(code)
        expect(card).to_contain_text("预算余额（本单后）")
        expect(card).to_contain_text("-¥800.00")
        director.tap(card.get_by_role("link", name="后勤主任审批"))
        expect(director.page.locator("th:text-is('预算执行') + td")).to_contain_text("本单后余额 -¥800.00")
        director.tap("确认后勤主任审批")
        director.sees("已办理「后勤主任审批」（通过）")
    expect(director.page.locator(".alert-warning")).to_contain_text("超出预算")  # warned again at approval
    director.shot("审批时的超预算提醒")

    month, total = _last_month_total(app)
    cashier = person("caiwu", "财务")
    with cashier.task("打开支出公示看上月合计", budget=2):
        cashier.menu("采购管理", "支出公示")
    summary = cashier.page.locator(".spending-board-summary")
    expect(summary).to_contain_text(f"{month}共报销")
    expect(summary).to_contain_text(f"支出合计 ¥{total:,.2f}")
    assert total > 0  # the demo's reimbursements are spread over the year
    cashier.shot("支出公示")

    teacher = person("jiaoshi", "教职工")
    with teacher.task("打开代办费公示", budget=2):
        teacher.menu("采购管理", "代办费公示")
    board = teacher.page.locator(".agency-fee-board")
    expect(board).to_contain_text("校服费")
    expect(board.locator("tr.info")).to_contain_text("合计")
    expect(teacher.page.locator("#term")).to_have_value(re.compile(r"\d{4}-\d{4}学年第[一二]学期"))
    teacher.shot("代办费公示")

    with director.task("打开预算执行情况", budget=2):
        director.menu("采购管理", "预算执行情况")
    report = director.page.locator(".budget-report")
    row = report.locator("tr").filter(has_text=subject)
    expect(row).to_contain_text("¥10,000.00")  # 预算金额; the request is not committed until finally approved
    expect(report.locator("tr").filter(has_text="未指定预算").first).to_be_visible()
    expect(report.locator("thead")).to_contain_text("12月")
    director.shot("预算执行情况")
