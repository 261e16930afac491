"""A teacher asks the store for two things; 后勤主任 approves from 我的待办; 财产保管员 issues them from 我的待办;
the store's stock of both falls by what was issued, and 财务 finds the issue in the item's 库存台账."""
from __future__ import annotations

import uuid
from decimal import Decimal

from playwright.sync_api import expect

from app.meta import clock


def _stocked(app, mark: str) -> list[str]:
    from app.extensions import db
    from models.store import MovementKind, StockCategory, StockItem, StockMovement, book

    with app.app_context():
        names = []
        for name, unit, quantity in ((f"A4复印纸{mark}", "包", 40), (f"白板笔{mark}", "支", 12)):
            item = StockItem(name=name, spec="70克" if unit == "包" else "黑色", unit=unit,
                             category=StockCategory.office, safety_stock=Decimal("5"), place="行政楼仓库 A 架",
                             on_hand=Decimal("0"), unit_cost=Decimal("0"))
            db.session.add(item)
            db.session.flush()
            book(db.session, StockMovement(item=item, kind=MovementKind.receive, quantity=Decimal(quantity),
                                           unit_price=Decimal("21.50"), moved_on=clock.today()))
            names.append(name)
        db.session.commit()
        db.session.remove()
    return names


def test_a_teacher_requests_two_items_and_the_store_issues_them(person, app):
    mark = uuid.uuid4().hex[:4]
    paper, pens = _stocked(app, mark)

    teacher = person("jiaoshi", "教职工")
    with teacher.task("领用两样物资", budget=9):
        teacher.tap("领用物资")
        teacher.type("用途", "期末复习资料印制")
        teacher.choose("第1行物资", paper, search=mark)
        teacher.type("第1行数量", "5")
        teacher.tap("添加一行")
        teacher.choose("第2行物资", pens, search=f"白板笔{mark}")
        teacher.type("第2行数量", "4")
        teacher.tap("保存")
        teacher.sees("已保存")
    expect(teacher.page.locator(".engine-workflow")).to_contain_text("待审批")
    code = teacher.page.locator("th:text-is('领用单号') + td").inner_text().strip()
    assert code.startswith("LY-")
    teacher.shot("已申请")

    director = person("zongwu", "后勤主任")
    with director.task("从我的待办批准领用", budget=4):
        director.inbox()
        card = director.card(code)
        expect(card).to_contain_text(paper)  # what is asked for, on the card
        director.tap(card.get_by_role("link", name="领用审批"))
        director.tap("确认领用审批")
        director.sees("已办理「领用审批」（通过）")

    keeper = person("baoguan", "财产保管员", phone=True)
    with keeper.task("从我的待办发放", budget=3):
        keeper.inbox()
        keeper.tap(keeper.card(code).get_by_role("button", name="发放"))
        keeper.sees("已办理「发放」")
    expect(keeper.page.locator(".engine-card").filter(has_text=code)).to_have_count(0)  # done: off the list
    with keeper.task("在物资列表里查这两样的库存", budget=5):
        keeper.menu("物资仓库", "物资")
        keeper.type("关键字", mark)
        keeper.tap("搜索")
    rows = keeper.page.locator(".engine-card:visible")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text=paper)).to_contain_text("库存数量：35")
    expect(rows.filter(has_text=pens)).to_contain_text("库存数量：8")
    keeper.shot("库存减少")

    accountant = person("caiwu", "财务")
    with accountant.task("库存台账：复印纸本月的明细账", budget=5):
        accountant.menu("物资仓库", "库存台账")
        accountant.pick("物资", f"{paper} 70克")
        accountant.tap("查询")
    ledger = accountant.page.locator("table.stock-ledger")
    expect(ledger).to_contain_text("期初结存")
    issued = ledger.locator("tr").filter(has_text="领用出库")
    expect(issued).to_contain_text("35")  # 结存 after the issue
    expect(issued).to_contain_text(code)
    accountant.shot("库存台账")
