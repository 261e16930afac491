"""预算控制 (issue 15): a request names its budget to be submitted; 超出预算 is warned, past the tolerance stopped, at
submission and at each approval; the 预算执行情况 report, the 支出公示 and the 代办费 posting."""
from __future__ import annotations

import io
import uuid
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.meta import clock
from tests.conftest import flashes


def said(response) -> list[str]:
    return [m.replace("&times;", "").strip() for m in flashes(response.text)]


def token() -> str:
    return uuid.uuid4().hex[:6]


def staff_of(db, username):
    from models.org import Staff

    return db.session.query(Staff).filter(Staff.user.has(username=username)).one()


@pytest.fixture
def made(db):
    """Records to delete when the test ends (purchase requests with their lines, claims and history)."""
    found: list = []
    yield found
    from app.rules.history import WorkflowLog
    from models.purchasing import PurchaseRequest, Reimbursement

    db.session.rollback()
    for record in reversed(found):
        record = db.session.get(type(record), record.id)
        if record is None:
            continue
        if isinstance(record, PurchaseRequest):
            db.session.query(Reimbursement).filter_by(request_id=record.id).delete()
            db.session.query(WorkflowLog).filter_by(model="PurchaseRequest", record_id=record.id).delete()
        db.session.delete(record)
        db.session.flush()
    db.session.commit()


def canteen_budget(db, made, amount="10000", year=None, subject=None):
    """A budget of 师生食堂 (the 食堂管理员's department) of its own, so no other request uses it."""
    from models.purchasing import Budget

    budget = Budget(department=staff_of(db, "shitang").department, year=year or clock.today().year,
                    subject=subject or f"测试科目{token()}", amount=D(amount))
    db.session.add(budget)
    db.session.commit()
    made.append(budget)
    return budget


def request_page(client, reason, price, budget=None, submit=True):
    """The canteen's 申请采购 form: 100 plates worth ``price`` 元, 保存并提交审批 unless ``submit`` is False."""
    data = {"reason": reason, "fund_source": "budget", "method": "self_buy", "items-0-name": "不锈钢餐盘",
            "items-0-unit": "个", "items-0-quantity": "100", "items-0-unit_price": str(D(price) / 100)}
    if budget is not None:
        data["budget"] = budget.id
    if submit:
        data["_submit"] = "1"
    return client.post("/purchase-request/add", data=data, follow_redirects=True)


def saved(db, made, reason):
    from models.purchasing import PurchaseRequest

    db.session.expire_all()
    record = db.session.query(PurchaseRequest).filter_by(reason=reason).one()
    made.append(record)
    return record


# ============================================================================= naming the budget
def test_a_request_is_submitted_only_with_its_budget_named_but_a_draft_may_lack_it(as_user, db, made):
    from models.purchasing import PurchaseRequest, PurchaseStatus

    assert PurchaseRequest(status=PurchaseStatus.draft, requested_on=date(2026, 3, 1)).validate() == {}
    assert PurchaseRequest(status=PurchaseStatus.pending, requested_on=date(2026, 3, 1)).validate()["budget"] == \
        "提交审批前请选择经费预算（本部门本年度的经费科目）"
    client = as_user("shitang")
    reason = f"{token()} 未选预算"
    response = request_page(client, reason, 300)
    record = saved(db, made, reason)
    assert record.status == PurchaseStatus.draft and record.total == D("300.00")  # what was typed is kept
    assert "已保存，但未能提交审批：提交审批前请选择经费预算（本部门本年度的经费科目）" in said(response)


def test_the_budget_offered_is_the_departments_of_the_year(as_user, db, made):
    from models.org import Department

    own = canteen_budget(db, made)
    other_department = db.session.query(Department).filter(Department.id != own.department_id).first()
    foreign = canteen_budget(db, made)
    foreign.department = other_department
    old = canteen_budget(db, made, year=clock.today().year - 1)
    db.session.commit()
    client = as_user("admin")  # sees every budget: the rule, not the scope, leaves the others out
    me = staff_of(db, "shitang")
    ids = {row["id"] for row in client.get("/purchase-request/lookup/budget", query_string={
        "q": "测试科目", "dep_department": me.department_id}).get_json()["results"]}
    assert own.id in ids and foreign.id not in ids and old.id not in ids


# ============================================================================= warn and stop
def test_within_the_budget_the_request_goes_quietly_and_shows_the_balance_after(as_user, db, made):
    budget = canteen_budget(db, made)
    client = as_user("shitang")
    reason = f"{token()} 预算内"
    response = request_page(client, reason, 4000, budget)
    record = saved(db, made, reason)
    assert record.status.value == "待审批"
    assert "已保存并提交审批" in said(response) and not [m for m in said(response) if "超出预算" in m]
    assert record.budget_after() == D("6000.00")
    assert record.budget_standing() == "预算 ¥10,000.00，已用 ¥0.00，本单 ¥4,000.00，本单后余额 ¥6,000.00"
    page = response.text
    assert "预算余额（本单后）" in page and "¥6,000.00" in page
    card = as_user("zongwu").get("/todo/").text  # where the approver decides
    assert record.code in card and "预算余额（本单后）" in card


def test_over_the_budget_within_the_tolerance_is_submitted_with_a_warning(as_user, db, made):
    budget = canteen_budget(db, made)
    client = as_user("shitang")
    reason = f"{token()} 略超预算"
    response = request_page(client, reason, 10500, budget)
    record = saved(db, made, reason)
    assert record.status.value == "待审批"
    assert "已保存并提交审批" in said(response)
    assert f"超出预算：「{budget}」本单后余额将为 -¥500.00（预算 ¥10,000.00，已用 ¥0.00，本单 ¥10,500.00）" \
        in said(response)
    assert 'class="alert alert-warning' in response.text


def test_past_the_tolerance_submission_is_stopped_and_the_draft_kept(as_user, db, made):
    budget = canteen_budget(db, made)
    client = as_user("shitang")
    reason = f"{token()} 严重超预算"
    response = request_page(client, reason, 11500, budget)
    record = saved(db, made, reason)
    assert record.status.value == "草稿" and record.total == D("11500.00") and record.budget_id == budget.id
    refusal = next(m for m in said(response) if m.startswith("已保存，但未能提交审批"))
    assert f"超出预算过多，不能提交或审批：「{budget}」预算 ¥10,000.00，已用 ¥0.00，本单 ¥11,500.00，" in refusal
    assert "合计 ¥11,500.00（预算的 115%），超过允许的 110%（最多 ¥11,000.00）" in refusal
    # A draft over the tolerance is warned that submitting will be refused.
    edited = client.post(f"/purchase-request/edit/{record.id}", follow_redirects=True, data={
        "reason": reason, "fund_source": "budget", "method": "self_buy", "budget": budget.id,
        "seen_version": record.row_version, "items-0-id": record.items[0].id, "items-0-name": "不锈钢餐盘",
        "items-0-unit": "个", "items-0-quantity": "100", "items-0-unit_price": "116"})
    assert any("已超过允许的超支比例，提交审批时将被拒绝" in m for m in said(edited)), said(edited)


def approve(client, record):
    return client.post(f"/purchase-request/step/approve/{record.id}", data={"decision": "通过"},
                       follow_redirects=True)


def test_each_approval_checks_what_is_already_committed_and_the_tolerance_is_configured(app, as_user, db, made,
                                                                                        monkeypatch):
    import models.purchasing as purchasing

    budget = canteen_budget(db, made, amount="1000")
    canteen = as_user("shitang")
    first, second = f"{token()} 先批", f"{token()} 后批"
    request_page(canteen, first, 700, budget)
    request_page(canteen, second, 500, budget)  # alone within the budget: submitted
    first, second = saved(db, made, first), saved(db, made, second)
    assert (first.status.value, second.status.value) == ("待审批", "待审批")
    locked = []
    original = purchasing.lock_budget
    monkeypatch.setattr(purchasing, "lock_budget", lambda session, b: (locked.append(b.id), original(session, b)))
    director = as_user("zongwu")
    assert "已办理「后勤主任审批」（通过）" in said(approve(director, first))
    assert locked == [budget.id]  # the check held the budget's row
    refused = approve(director, second)
    db.session.expire_all()
    assert db.session.get(purchasing.PurchaseRequest, second.id).status.value == "待审批"
    assert any("超出预算过多" in m and "已用 ¥700.00，本单 ¥500.00，合计 ¥1,200.00（预算的 120%）" in m
               for m in said(refused)), said(refused)
    monkeypatch.setitem(app.config, "BUDGET_OVERRUN_TOLERANCE", 0.25)
    passed = approve(director, second)
    assert "已办理「后勤主任审批」（通过）" in said(passed)
    assert f"超出预算：「{budget}」本单后余额将为 -¥200.00（预算 ¥1,000.00，已用 ¥700.00，本单 ¥500.00）" in said(passed)
    db.session.expire_all()
    assert db.session.get(purchasing.PurchaseRequest, second.id).status.value == "已批准"
    assert budget.used() == D("1200.00") and budget.remaining() == D("-200.00")


def test_tolerance_defaults_to_ten_percent(app, monkeypatch):
    from models.purchasing import overrun_tolerance

    assert app.config["BUDGET_OVERRUN_TOLERANCE"] == 0.10
    assert overrun_tolerance() == D("0.1")
    monkeypatch.delitem(app.config, "BUDGET_OVERRUN_TOLERANCE")
    assert overrun_tolerance() == D("0.10")


# ============================================================================= 预算执行情况
def committed_request(db, made, budget, total, day, department=None, status="reimbursed"):
    from models.purchasing import PurchaseItem, PurchaseRequest, PurchaseStatus

    me = staff_of(db, "shitang")
    record = PurchaseRequest(department=department or me.department, applicant=me, requested_on=day,
                             reason=f"{token()} 报表", budget=budget, status=PurchaseStatus[status],
                             items=[PurchaseItem(name="测试物品", unit="个", quantity=10, unit_price=D(total) / 10)])
    record.refresh_total()
    db.session.add(record)
    db.session.commit()
    made.append(record)
    return record


def test_the_execution_report_shows_each_subject_by_month_and_the_unassigned_once(as_user, db, made):
    year = 2033
    budget = canteen_budget(db, made, amount="5000", year=year, subject="报表测试科目")
    committed_request(db, made, budget, 1200, date(year, 3, 5))
    committed_request(db, made, budget, 800, date(year, 3, 20), status="approved")
    committed_request(db, made, budget, 300, date(year, 11, 2), status="pending")  # not committed yet
    committed_request(db, made, None, 450, date(year, 6, 1))  # names no budget
    page = as_user("zongwu").get(f"/budget-report/?year={year}").text
    assert "预算执行情况（2033年）" in page and "<td>报表测试科目</td>" in page and "<td>未指定预算</td>" in page
    workbook = load_workbook(io.BytesIO(as_user("zongwu").get(f"/budget-report/export.xlsx?year={year}").data))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("部门", "科目", "1月") and rows[0][-4:] == ("预算金额", "已用", "余额", "执行率")
    subject = next(r for r in rows if r[1] == "报表测试科目")
    assert subject[0] == "师生食堂" and subject[2 + 2] == D("2000.00")  # March
    assert subject[-4:] == (D("5000.00"), D("2000.00"), D("3000.00"), "40.0%")
    unassigned = next(r for r in rows if r[1] == "未指定预算")
    assert unassigned[0] == "师生食堂" and unassigned[2 + 5] == D("450.00") and unassigned[-3] == D("450.00")
    assert unassigned[-4] is None and unassigned[-2] is None  # no budget, so no 余额
    total = rows[-1]
    assert total[0] == "合计" and total[-3] == D("2450.00")


def test_the_execution_report_is_read_within_scope(as_user, db, made):
    from models.org import Department

    year = 2034
    own = canteen_budget(db, made, amount="5000", year=year, subject="本部门科目")
    other = canteen_budget(db, made, amount="5000", year=year, subject="他部门科目")
    other.department = db.session.query(Department).filter(Department.id != own.department_id).first()
    db.session.commit()
    canteen = as_user("shitang").get(f"/budget-report/?year={year}").text
    assert "本部门科目" in canteen and "他部门科目" not in canteen
    director = as_user("zongwu").get(f"/budget-report/?year={year}").text
    assert "本部门科目" in director and "他部门科目" in director
    teacher = as_user("jiaoshi").get(f"/budget-report/?year={year}")
    assert "本部门科目" not in teacher.text  # no grant: 教职工 do not see budgets


# ============================================================================= 支出公示
def test_the_spending_board_sums_a_months_reimbursements_by_subject_for_all_staff(as_user, db, made):
    from models.purchasing import Reimbursement

    year = 2033
    budget = canteen_budget(db, made, amount="9000", year=year, subject="公示测试科目")
    cashier = staff_of(db, "caiwu")
    linked = committed_request(db, made, budget, 1000, date(year, 4, 2))
    unlinked = committed_request(db, made, None, 260, date(year, 4, 3))
    claims = [Reimbursement(request=linked, invoice_no=f"T{token()}1", amount=D("600"), reimbursed_on=date(year, 4, 9),
                            cashier=cashier),
              Reimbursement(request=linked, invoice_no=f"T{token()}2", amount=D("400"), reimbursed_on=date(year, 4, 28),
                            cashier=cashier),
              Reimbursement(request=unlinked, invoice_no=f"T{token()}3", amount=D("260"),
                            reimbursed_on=date(year, 5, 1), cashier=cashier)]  # another month
    db.session.add_all(claims)
    db.session.commit()
    teacher = as_user("jiaoshi")
    page = teacher.get(f"/spending-board/?month={year}-04")
    assert page.status_code == 200
    assert "2033年4月共报销 <strong>2</strong> 笔，支出合计 <strong>¥1,000.00</strong>" in page.text
    assert "<td>公示测试科目</td>" in page.text and "<td>未指定预算</td>" not in page.text
    may = teacher.get(f"/spending-board/?month={year}-05").text
    assert "<td>未指定预算</td>" in may and "¥260.00" in may
    rows = list(load_workbook(io.BytesIO(teacher.get(f"/spending-board/export.xlsx?month={year}-04").data))
                .active.iter_rows(values_only=True))
    assert rows == [("部门", "经费科目", "报销笔数", "报销金额"), ("师生食堂", "公示测试科目", 2, D("1000.00")),
                    ("合计", None, 2, D("1000.00"))]
    wrong = teacher.get("/spending-board/?month=2033-4").text
    assert "月份格式应为 年-月" in wrong


# ============================================================================= 代办费
def test_agency_fee_rules_and_balance():
    from models.fees import AgencyFee

    fee = AgencyFee(term="2032-2033学年第一学期", item="校服费", payers=10, income=D("3800"), spending=D("3650.5"))
    assert fee.validate() == {} and fee.balance() == D("149.50")
    assert AgencyFee(term="2032学年上学期", item="保险费", income=D("1"), spending=D("0")).validate() == \
        {"term": "学期格式应为「2025-2026学年第二学期」"}
    assert AgencyFee(term="2032-2034学年第一学期", item="保险费", income=D("1"), spending=D("0")).validate()["term"]


def test_the_agency_fee_posting_shows_a_terms_figures_once_entered(as_user, db, made):
    from models.fees import AgencyFee

    term = "2032-2033学年第一学期"
    teacher = as_user("jiaoshi")
    assert term not in teacher.get("/agency-fee-board/").text
    finance = as_user("caiwu")
    response = finance.post("/agency-fee/add", data={"term": term, "item": "教辅资料费", "payers": "120",
                                                     "income": "31200", "spending": "30100", "remark": "结余退还"},
                            follow_redirects=True)
    assert "已保存" in said(response), said(response)
    entered = db.session.scalars(select(AgencyFee).where(AgencyFee.term == term)).one()
    made.append(entered)
    other = AgencyFee(term=term, item="保险费", payers=118, income=D("11800"), spending=D("11800"))
    db.session.add(other)
    db.session.commit()
    made.append(other)
    page = as_user("jiaoshi").get(f"/agency-fee-board/?term={term}").text
    assert f"代办费收支公示（{term}）" in page and "教辅资料费" in page and "¥1,100.00" in page
    assert "¥43,000.00" in page and "¥41,900.00" in page  # 合计 收入, 支出
    unknown = as_user("jiaoshi").get("/agency-fee-board/?term=2099-2100学年第一学期").text
    assert "尚未录入代办费收支" in unknown
    assert as_user("jiaoshi").post("/agency-fee/add", data={"term": term, "item": "伪造", "income": "1",
                                                            "spending": "0"}).status_code in (302, 403)
    assert db.session.scalars(select(AgencyFee).where(AgencyFee.item == "伪造")).first() is None


# ============================================================================= demo data
def test_demo_requests_name_their_budget_and_most_budgets_are_not_overspent(db):
    from models.purchasing import Budget, PurchaseRequest, PurchaseStatus

    today = clock.today()
    requests = db.session.execute(select(PurchaseRequest.requested_on, PurchaseRequest.budget_id, PurchaseRequest.status)
                                  .where(PurchaseRequest.code.like("CG-2%"))).all()
    recent = [r for r in requests if r.requested_on > today - timedelta(days=240)]
    assert recent and all(r.budget_id is not None for r in recent)
    unassigned = [r for r in requests if r.budget_id is None]
    assert 5 <= len(unassigned) <= len(requests) // 5  # a few old ones
    budgets = db.session.scalars(select(Budget).where(Budget.year == today.year, Budget.remark == "年初部门预算")).all()
    negative = [b for b in budgets if b.remaining() < 0]
    assert 1 <= len(negative) <= 2, [(str(b), b.remaining()) for b in negative]
    near = [b for b in budgets if D("0") <= b.remaining() <= b.amount * D("0.06")]
    assert near, "one budget of this year is nearly spent"
    assert all(b.used() <= b.amount * D("1.10") for b in budgets)  # within the tolerance: none stopped already
    assert {r.status for r in unassigned} <= {PurchaseStatus.rejected, PurchaseStatus.to_accept, PurchaseStatus.stored,
                                             PurchaseStatus.void, PurchaseStatus.reimbursed}


def test_an_approved_request_is_checked_again_only_when_its_amount_or_budget_changes(db, made):
    from app.rules import write

    budget = canteen_budget(db, made, amount="1000")
    record = committed_request(db, made, budget, 1500, clock.today(), status="approved")  # the budget cut since
    record.reason = "补充说明：加急"
    assert write.save(db.session, record) == [f"超出预算：「{budget}」本单后余额将为 -¥500.00"
                                             f"（预算 ¥1,000.00，已用 ¥0.00，本单 ¥1,500.00）"]
    record.items[0].unit_price = D("160")  # more money: back to 待审批, and checked
    with pytest.raises(write.Refused) as refused:
        write.save(db.session, record)
    assert "超出预算过多" in refused.value.errors["budget"]
