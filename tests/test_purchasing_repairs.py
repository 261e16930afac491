"""采购 and 报修: every rule at model level (derived fields, Chinese messages, budgets, overdue), the workflow
declaration and its effects, and each new screen answering in Chinese."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from app.meta import clock, introspect
from tests.conftest import flashes, one_school_columns

D = Decimal


# ============================================================================== purchasing
@pytest.fixture
def purchasing(app):
    import models.purchasing as purchasing

    return purchasing


def item(p, **values):
    defaults = {"name": "办公椅", "unit": "把", "quantity": 1, "unit_price": D("200")}
    defaults.update(values)
    return p.PurchaseItem(**defaults)


def test_item_amount_is_quantity_times_price(purchasing):
    line = item(purchasing, quantity=3, unit_price=D("120.5"))
    line.before_save()
    assert line.amount == D("361.50")
    assert not line.is_fixed_asset
    assert line.validate() == {}


def test_item_of_1000_yuan_or_more_becomes_a_fixed_asset_automatically(purchasing):
    from models.assets import AssetCategory

    for price in ("1000", "4500.00"):
        line = item(purchasing, quantity=2, unit_price=D(price), is_fixed_asset=False)
        line.before_save()
        assert line.is_fixed_asset is True, price
        # a fixed-asset line needs its category: 入库 turns it into asset cards
        assert line.validate() == {"category": "固定资产须选择资产分类（入库建卡时使用）"}
        line.category = AssetCategory(code="T", name="测试分类")
        assert line.validate() == {}
    cheap = item(purchasing, unit_price=D("999.99"))
    cheap.before_save()
    assert cheap.is_fixed_asset is False  # below the threshold it stays the user's choice


@pytest.mark.parametrize("values,field,message", [
    ({"quantity": 0}, "quantity", "数量至少为 1"),
    ({"unit_price": D("-1")}, "unit_price", "单价不能为负数"),
])
def test_bad_item_values_are_refused(purchasing, values, field, message):
    line = item(purchasing, **values)
    line.before_save()
    assert line.validate()[field] == message


def test_request_total_is_the_sum_of_its_lines_and_not_in_the_form(purchasing):
    p = purchasing
    request = p.PurchaseRequest(requested_on=date(2026, 3, 1), reason="教室添置",
                                items=[item(p, quantity=2, unit_price=D("150")), item(p, quantity=1, unit_price=D("99.9"))])
    request.before_save()
    assert request.total == D("399.90")
    assert [line.amount for line in request.items] == [D("300.00"), D("99.90")]
    assert request.status == p.PurchaseStatus.draft
    form = p.PurchaseRequest.__admin__.form
    assert not {"total", "code", "status", "items"} & set(form)
    assert p.PurchaseRequest.__admin__.lines[0].relation == "items"
    assert p.PurchaseRequest.items.property.cascade.delete_orphan


def test_a_line_saved_on_its_own_keeps_its_requests_total(purchasing):
    """The total follows the lines; sending a changed approved request back for approval is the request's
    declared Lock, applied by the one write path (tests/test_one_door.py)."""
    p = purchasing
    request = p.PurchaseRequest(id=12345, status=p.PurchaseStatus.approved, total=D("300.00"),
                                items=[item(p, quantity=2, unit_price=D("150"))])
    request.before_save()
    assert request.total == D("300.00")
    request.items[0].quantity = 3
    request.items[0].before_save()  # a line saved on its own updates its request too
    assert request.total == D("450.00")
    assert p.PurchaseRequest.__admin__.lock.reopen_on == ("items", "budget", "fund_source")


def test_request_rules(purchasing):
    p = purchasing
    submitted = p.PurchaseRequest(status=p.PurchaseStatus.pending, requested_on=date(2026, 3, 1))
    assert submitted.validate()["items"] == "请至少填写一行采购明细"
    draft = p.PurchaseRequest(status=p.PurchaseStatus.draft, requested_on=date(2026, 3, 1))
    assert draft.validate() == {}
    draft.budget = p.Budget(year=2025, subject="办公经费", amount=D("1000"))
    assert draft.validate()["budget"] == "所选预算属于 2025 年度，与申请日期的年度不符"


def test_only_a_request_awaiting_acceptance_can_be_accepted(purchasing):
    p = purchasing
    request = p.PurchaseRequest(status=p.PurchaseStatus.approved, requested_on=date(2026, 3, 1))
    acceptance = p.Acceptance(request=request, accepted_on=date(2026, 3, 9), conclusion=p.AcceptanceConclusion.passed)
    assert acceptance.validate() == {"request": "只有「待验收」的采购申请才能验收（该申请当前为「已批准」）"}
    request.status = p.PurchaseStatus.to_accept
    assert acceptance.validate() == {}
    acceptance.accepted_on = date(2026, 2, 1)
    assert acceptance.validate() == {"accepted_on": "验收日期不能早于申请日期"}


def test_failed_acceptance_needs_a_reason_and_a_passed_one_is_not_repeated(purchasing):
    p = purchasing
    request = p.PurchaseRequest(status=p.PurchaseStatus.to_accept, requested_on=date(2026, 3, 1))
    failed = p.Acceptance(request=request, accepted_on=date(2026, 3, 9), conclusion=p.AcceptanceConclusion.failed)
    assert failed.validate() == {"note": "验收不合格须说明原因"}
    failed.note = "规格与合同不符"
    assert failed.validate() == {}
    p.Acceptance(request=request, conclusion=p.AcceptanceConclusion.passed)
    again = p.Acceptance(request=request, conclusion=p.AcceptanceConclusion.passed)
    assert again.validate() == {"request": "该采购申请已验收合格，不能重复验收"}


def test_reimbursement_never_exceeds_the_request_total(purchasing):
    p = purchasing
    request = p.PurchaseRequest(status=p.PurchaseStatus.stored, total=D("1000.00"))
    first = p.Reimbursement(request=request, invoice_no="F1", amount=D("1200"))
    assert first.validate() == {"amount": "报销金额不能超过采购申请合计金额 ¥1,000.00"}
    first.amount = D("600")
    assert first.validate() == {}
    second = p.Reimbursement(request=request, invoice_no="F2", amount=D("500"))
    assert second.validate() == {"amount": "该申请已报销 ¥600.00，本次报销后将超过合计金额 ¥1,000.00（最多还可报销 ¥400.00）"}
    second.amount = D("400")
    assert second.validate() == {}
    assert p.Reimbursement(request=request, invoice_no="F3", amount=D("0")).validate()["amount"] == "报销金额须大于 0"


def test_only_a_stored_request_can_be_reimbursed(purchasing):
    p = purchasing
    request = p.PurchaseRequest(status=p.PurchaseStatus.to_accept, total=D("100"))
    claim = p.Reimbursement(request=request, invoice_no="F9", amount=D("100"))
    assert claim.validate() == {"request": "采购申请须验收入库后才能报销（该申请当前为「待验收」）"}


def test_budget_rules(purchasing):
    p = purchasing
    assert p.Budget(year=26, amount=D("1")).validate() == {"year": "年度须为四位年份，例如 2026"}
    assert p.Budget(year=2026, amount=D("-1")).validate() == {"amount": "预算金额不能为负数"}
    assert p.Budget(year=2026, amount=D("1")).used() == D("0.00")  # not saved yet: nothing spent


def test_budget_used_and_remaining_come_from_its_own_approved_to_reimbursed_requests(purchasing, db):
    from models.org import Department, Staff

    p, s = purchasing, db.session
    own, other = s.query(Department).order_by(Department.id).limit(2).all()
    staff = s.query(Staff).first()
    budget = p.Budget(department=own, year=2031, subject="测试科目", amount=D("5000"))
    other_subject = p.Budget(department=own, year=2031, subject="另一科目", amount=D("100"))
    s.add_all([budget, other_subject])
    s.flush()

    def request(department, total, status, day=date(2031, 5, 1), linked=None):
        row = p.PurchaseRequest(department=department, applicant=staff, requested_on=day, reason="测试",
                                total=D(total), status=status, budget=linked)
        s.add(row)
        return row

    S = p.PurchaseStatus
    rows = [
        request(own, "1000", S.approved, linked=budget),          # counted: linked
        request(other, "200", S.reimbursed, linked=budget),       # counted: linked, from another department
        request(own, "500", S.stored),                            # not counted: names no budget (未指定预算)
        request(own, "300", S.purchasing, linked=budget),         # counted
        request(own, "700", S.draft, linked=budget),              # not approved
        request(own, "800", S.pending, linked=budget),            # not approved yet
        request(own, "900", S.void, linked=budget),               # voided
        request(own, "400", S.approved, day=date(2030, 12, 31)),  # another year, no budget
        request(other, "600", S.approved, day=date(2031, 6, 1)),  # another department, no budget
        request(own, "50", S.approved, linked=other_subject),     # charged to another budget
    ]
    s.commit()
    try:
        assert budget.used() == D("1500.00")
        assert budget.remaining() == D("3500.00")
        assert budget.execution_rate() == "30.0%"
        assert other_subject.used() == D("50.00")  # its own line only: unassigned spending is not spread over it
        assert str(budget) == f"2031年 {own} 测试科目"
    finally:
        for row in rows + [budget, other_subject]:
            s.delete(row)
        s.commit()


# ============================================================================== repairs
@pytest.fixture
def repairs(app):
    import models.repairs as repairs

    return repairs


def order(r, **values):
    defaults = {"title": "302 教室灯管不亮", "description": "两根灯管闪烁后熄灭", "place": "教学楼 302",
                "category": r.RepairCategory.electric, "urgency": r.Urgency.normal,
                "reported_at": datetime(2026, 3, 2, 10, 15), "status": r.RepairStatus.pending}
    defaults.update(values)
    return r.RepairOrder(**defaults)


def test_promised_time_defaults_to_end_of_reporting_day(repairs):
    normal = order(repairs)
    normal.before_save()
    assert normal.promised_at == datetime(2026, 3, 2, 23, 59)
    assert normal.validate() == {}


def test_urgent_promised_time_defaults_to_24_hours(repairs):
    urgent = order(repairs, urgency=repairs.Urgency.urgent, reported_at=datetime(2026, 3, 2, 22, 40))
    urgent.before_save()
    assert urgent.promised_at == datetime(2026, 3, 3, 22, 40)


def test_a_promised_time_given_is_kept_and_checked(repairs):
    kept = order(repairs, promised_at=datetime(2026, 3, 5, 12, 0))
    kept.before_save()
    assert kept.promised_at == datetime(2026, 3, 5, 12, 0)
    early = order(repairs, promised_at=datetime(2026, 3, 1, 12, 0))
    early.before_save()
    assert early.validate() == {"promised_at": "承诺完成时间不能早于报修时间"}


def test_new_order_gets_status_time_and_place_from_location(repairs):
    from models.assets import Location

    fresh = repairs.RepairOrder(title="门锁坏", description="锁芯卡住", place="",
                                location=Location(campus="本部", building="实验楼", room="201"))
    fresh.before_save()
    assert fresh.status == repairs.RepairStatus.pending
    assert fresh.reported_at is not None and fresh.promised_at is not None
    assert fresh.place == "本部实验楼201"
    nowhere = order(repairs, place=" ")
    assert nowhere.validate() == {"place": "请填写地点或选择房间/场所"}


@pytest.mark.parametrize("rating,ok", [(0, False), (1, True), (5, True), (6, False), (None, True)])
def test_rating_is_1_to_5(repairs, rating, ok):
    rated = order(repairs, rating=rating)
    rated.before_save()
    assert rated.validate() == ({} if ok else {"rating": "评分须为 1 到 5 分"})


def test_finished_time_not_before_reported_time(repairs):
    done = order(repairs, finished_at=datetime(2026, 3, 2, 9, 0))
    done.before_save()
    assert done.validate() == {"finished_at": "完工时间不能早于报修时间"}
    done.finished_at = datetime(2026, 3, 2, 16, 0)
    done.checked_at = datetime(2026, 3, 2, 15, 0)
    assert done.validate() == {"checked_at": "验收时间不能早于完工时间"}


def test_checker_is_the_reporter_or_from_the_reporters_department(repairs, db):
    """The 验收人 rule is the relation's qualifying rule (app/rules/qualify.py), checked in SQL on save."""
    from app.rules import qualify
    from models.org import Staff

    reporter = db.session.query(Staff).filter(Staff.department_id.isnot(None)).first()
    colleague = db.session.query(Staff).filter(Staff.department_id == reporter.department_id,
                                               Staff.id != reporter.id).first()
    outsider = db.session.query(Staff).filter(Staff.department_id != reporter.department_id).first()
    checked = order(repairs, reporter=reporter, checker=reporter)
    assert qualify.refusals(db.session, checked) == {}
    checked.checker = colleague
    assert qualify.refusals(db.session, checked) == {}
    checked.checker = outsider
    assert qualify.refusals(db.session, checked) == {"checker": "验收人须为报修人本人或报修部门的人员"}
    db.session.expunge_all()


def test_overdue_is_past_promise_and_still_open(repairs):
    S = repairs.RepairStatus
    now = clock.now()
    late = order(repairs, promised_at=now - timedelta(hours=1))
    for status in (S.pending, S.dispatched, S.repairing, S.waiting_parts):
        late.status = status
        assert late.is_overdue() is True, status
    for status in (S.to_check, S.done, S.cancelled, S.rejected):
        late.status = status
        assert late.is_overdue() is False, status
    on_time = order(repairs, promised_at=now + timedelta(hours=1), status=S.repairing)
    assert on_time.is_overdue() is False
    assert "is_overdue" in repairs.RepairOrder.__admin__.list
    assert "is_overdue" not in repairs.RepairOrder.__admin__.form


def test_finished_late_and_material_totals(repairs):
    job = order(repairs, promised_at=datetime(2026, 3, 2, 23, 59), finished_at=datetime(2026, 3, 3, 9, 0),
                materials=[repairs.RepairMaterial(name="灯管", unit="根", quantity=D("2"), unit_price=D("18.5")),
                           repairs.RepairMaterial(name="电线", unit="米", quantity=D("2.5"), unit_price=D("3"))])
    job.before_save()
    assert [m.amount for m in job.materials] == [D("37.00"), D("7.50")]
    assert job.material_total() == D("44.50")
    assert job.finished_late() is True


@pytest.mark.parametrize("values,field,message", [
    ({"quantity": D("0")}, "quantity", "数量须大于 0"),
    ({"unit_price": D("-2")}, "unit_price", "单价不能为负数"),
])
def test_bad_material_values_are_refused(repairs, values, field, message):
    material = repairs.RepairMaterial(name="水龙头", unit="个", **{"quantity": D("1"), "unit_price": D("25"), **values})
    material.before_save()
    assert material.validate() == {field: message}


def test_workflow_declares_the_repair_steps(repairs):
    S = repairs.RepairStatus
    flow = repairs.RepairOrder.__admin__.workflow
    assert flow.field == "status"
    moves = {s.name: (s.label, s.source, s.target) for s in flow.steps}
    assert moves == {
        "dispatch": ("受理派工", (S.pending,), S.dispatched),
        "reject": ("驳回", (S.pending,), S.rejected),
        "accept": ("接单", (S.dispatched,), S.repairing),
        "suspend": ("挂起待料", (S.repairing,), S.waiting_parts),
        "resume": ("恢复维修", (S.waiting_parts,), S.repairing),
        "finish": ("完工", (S.repairing,), S.to_check),
        "check": ("验收", (S.to_check,), S.done),
        "rework": ("返修", (S.to_check,), S.repairing),  # not fixed to the reporter's satisfaction
        "rate": ("评价", (S.done,), S.done),
        "cancel": ("取消", (S.pending,), S.cancelled),
    }
    assert flow.step("dispatch").by.roles == ("后勤主任",) and flow.step("reject").comment
    assert flow.step("finish").by.people == ("worker",) and flow.step("finish").required == ("work_record",)
    assert flow.step("check").by.people == ("reporter",) and flow.step("rate").required == ("rating",)
    assert flow.step("rework").by.people == ("reporter",) and flow.step("rework").comment == "返修原因"
    assert [spec.steps for spec in repairs.RepairOrder.__admin__.lines] == [("finish",)]  # 耗材 entered on 完工
    columns = set(introspect.all_names(repairs.RepairOrder))
    for step in flow.steps:
        assert set(step.fields) <= columns, step.name
        assert step.effect is None or callable(getattr(repairs.RepairOrder, step.effect)), step.name


def test_dispatch_accept_and_check_effects_record_who_and_when(repairs):
    from models.org import Staff

    boss, reporter = Staff(name="李国强"), Staff(name="林晓燕")
    job = order(repairs, reporter=reporter)
    job.on_dispatched(None, actor=boss)
    assert job.dispatcher is boss and job.dispatched_at is not None
    job.on_accepted(None)
    assert job.accepted_at is not None
    job.on_checked(None)  # no login user here: the reporter checks their own job
    assert job.checker is reporter and job.checked_at is not None


def test_finishing_with_human_damage_opens_an_asset_damage_record(repairs, db):
    from models.assets import Asset, AssetDamage, DamageCause
    from models.org import Staff

    asset = db.session.query(Asset).first()
    reporter = db.session.query(Staff).first()
    try:
        with db.session.no_autoflush:
            job = order(repairs, reporter=reporter, asset=asset, code="BX-TEST-0001",
                        damage_cause=repairs.DamageOrigin.human)
            damage = job.on_finished(db.session)
            assert job.finished_at is not None
            assert isinstance(damage, AssetDamage) and damage in db.session.new
            assert damage.asset is asset and damage.cause == DamageCause.human
            assert damage.liable == reporter.name and damage.compensation == 0
            assert "BX-TEST-0001" in damage.remark
            assert damage.validate() == {}
            anonymous = order(repairs, asset=asset, damage_cause=repairs.DamageOrigin.human)
            assert anonymous.on_finished(db.session).liable == "待查"
            natural = order(repairs, asset=asset, damage_cause=repairs.DamageOrigin.natural)
            assert natural.on_finished(db.session) is None
            no_asset = order(repairs, damage_cause=repairs.DamageOrigin.human)
            assert no_asset.on_finished(db.session) is None
    finally:
        db.session.rollback()


def test_delay_takes_the_old_time_from_the_order_and_must_move_it_later(repairs):
    S = repairs.RepairStatus
    job = order(repairs, status=S.repairing)
    job.before_save()
    delay = repairs.RepairDelay(order=job, new_promised_at=datetime(2026, 3, 2, 20, 0), reason="等配件")
    delay.before_save()
    assert delay.old_promised_at == datetime(2026, 3, 2, 23, 59)
    assert delay.status == repairs.DelayStatus.pending
    assert delay.validate() == {"new_promised_at": "新承诺时间须晚于当前承诺完成时间（2026-03-02 23:59）"}
    delay.new_promised_at = datetime(2026, 3, 4, 18, 0)
    assert delay.validate() == {}
    second = repairs.RepairDelay(order=job, new_promised_at=datetime(2026, 3, 6, 18, 0), reason="再等等")
    assert second.validate() == {"order": "该报修单已有一条待审批的延期申请"}
    delay.apply(None)
    assert job.promised_at == datetime(2026, 3, 4, 18, 0)
    delay.status = repairs.DelayStatus.approved
    delay.before_save()
    assert delay.old_promised_at == datetime(2026, 3, 2, 23, 59)
    assert delay.validate() == {}


def test_closed_orders_cannot_be_delayed(repairs):
    job = order(repairs, status=repairs.RepairStatus.done, promised_at=datetime(2026, 3, 2, 23, 59))
    delay = repairs.RepairDelay(order=job, new_promised_at=datetime(2026, 3, 9, 18, 0), reason="x")
    assert delay.validate() == {"order": "该报修单已「已完成」，不能再申请延期"}


def test_overdue_quick_filter_selects_open_orders_past_their_promise(repairs, db):
    from models.org import Department, Staff

    S = repairs.RepairStatus
    staff = db.session.query(Staff).first()
    department = db.session.query(Department).first()
    now = clock.now()
    made = {}
    for name, status, promised in [("已逾期", S.repairing, now - timedelta(hours=2)),
                                   ("逾期待受理", S.pending, now - timedelta(days=1)),
                                   ("未到期", S.repairing, now + timedelta(hours=2)),
                                   ("逾期已完成", S.done, now - timedelta(hours=2)),
                                   ("逾期待验收", S.to_check, now - timedelta(hours=2))]:
        made[name] = order(repairs, title=f"逾期测试-{name}", status=status, promised_at=promised,
                           reported_at=promised - timedelta(days=2), reporter=staff, department=department)
        db.session.add(made[name])
    db.session.commit()
    try:
        quick = next(q for q in repairs.RepairOrder.__admin__.quick_filters if q.label == "逾期")
        found = {o.title for o in db.session.query(repairs.RepairOrder).filter(*quick.criteria(repairs.RepairOrder))}
        assert {"逾期测试-已逾期", "逾期测试-逾期待受理"} <= found
        assert not {"逾期测试-未到期", "逾期测试-逾期已完成", "逾期测试-逾期待验收"} & found
        assert all(o.is_overdue() == (o.title in found) for o in made.values())
    finally:
        for row in made.values():
            db.session.delete(row)
        db.session.commit()


# ============================================================================== screens
SCREENS = [
    ("PurchaseRequest", "/purchase-request", "采购申请"),
    ("PurchaseItem", "/purchase-item", "采购明细"),
    ("Acceptance", "/acceptance", "验收"),
    ("Reimbursement", "/reimbursement", "报销"),
    ("Budget", "/budget", "经费预算"),
    ("Supplier", "/supplier", "供应商"),
    ("RepairOrder", "/repair-order", "报修单"),
    ("RepairMaterial", "/repair-material", "维修耗材"),
    ("RepairDelay", "/repair-delay", "延期申请"),
]


def _model(app, name):
    return next(m for m in app.extensions["engine"].models if m.__name__ == name)


@pytest.fixture(scope="module")
def sample(app):
    """One record of each new model (a list shows its column headers only when it has rows), removed after."""
    from app.extensions import db
    from models.assets import AssetCategory
    from models.org import Staff
    from models.purchasing import (
        Acceptance,
        Budget,
        PurchaseItem,
        PurchaseRequest,
        PurchaseStatus,
        Reimbursement,
        Supplier,
    )
    from models.repairs import RepairDelay, RepairMaterial, RepairOrder, RepairStatus

    with app.app_context():
        s = db.session
        staff = s.query(Staff).first()
        supplier = Supplier(name="样例供应商（测试）", contact="钱经理", phone="0571-88880000", address="文二路 1 号")
        budget = Budget(department=staff.department, year=2032, subject="样例科目", amount=D("20000"))
        request = PurchaseRequest(code="CG-TEST-0001", department=staff.department, applicant=staff,
                                  requested_on=date(2032, 3, 1), reason="样例请购", budget=budget, supplier=supplier,
                                  status=PurchaseStatus.purchasing,  # still editable: its edit page must open
                                  items=[PurchaseItem(name="投影仪", unit="台", quantity=1, unit_price=D("3200"),
                                                      category=s.query(AssetCategory).first())])
        request.before_save()
        acceptance = Acceptance(request=request, inspector=staff, accepted_on=date(2032, 3, 9))
        claim = Reimbursement(request=request, invoice_no="FP-TEST-0001", amount=D("3200"),
                              reimbursed_on=date(2032, 3, 12), cashier=staff)
        job = RepairOrder(code="BX-TEST-0002", title="样例报修", description="门锁损坏", place="办公楼 101",
                          reporter=staff, department=staff.department, reported_at=datetime(2032, 3, 2, 9, 0),
                          worker=staff, status=RepairStatus.repairing,
                          materials=[RepairMaterial(name="锁芯", unit="个", quantity=D("1"), unit_price=D("45"))])
        job.before_save()
        delay = RepairDelay(order=job, applicant=staff, new_promised_at=datetime(2032, 3, 4, 18, 0), reason="等锁芯到货")
        delay.before_save()
        rows = [supplier, budget, request, acceptance, claim, job, delay]
        s.add_all(rows)
        s.commit()
        ids = {type(row).__name__: row.id for row in rows}
        ids["PurchaseItem"], ids["RepairMaterial"] = request.items[0].id, job.materials[0].id
        s.remove()
    yield ids
    with app.app_context():
        s = db.session
        for name in ("RepairDelay", "RepairOrder", "Reimbursement", "Acceptance", "PurchaseRequest", "Budget", "Supplier"):
            s.delete(s.get(_model(app, name), ids[name]))
            s.commit()
        s.remove()


@pytest.mark.parametrize("name,base,title", SCREENS)
def test_list_add_show_and_edit_pages_answer_in_chinese(app, admin, sample, name, base, title):
    model = _model(app, name)
    view = app.extensions["engine"].views[model]
    assert view.route_base == base and model.__admin__.label == title
    listing = admin.get(f"{base}/list/")
    assert listing.status_code == 200
    assert title in listing.text
    for column in view.list_columns:
        assert introspect.label(model, column) in listing.text, column
    for quick in model.__admin__.quick_filters:
        assert f">{quick.label}</a>" in listing.text
    add = admin.get(f"{base}/add")
    assert add.status_code == 200
    assert f"新增{title}" in add.text
    for column in one_school_columns(model, view.add_columns):
        assert introspect.label(model, column) in add.text, column
    show = admin.get(f"{base}/show/{sample[name]}")
    assert show.status_code == 200
    for column in one_school_columns(model, view.show_columns):
        assert introspect.label(model, column) in show.text, column
    assert admin.get(f"{base}/edit/{sample[name]}").status_code == 200


@pytest.mark.parametrize("name,base,title", SCREENS)
def test_rest_api_lists_and_shows(admin, sample, name, base, title):
    listing = admin.get(f"/api/v1{base}/")
    assert listing.status_code == 200 and listing.get_json()["count"] >= 1
    assert admin.get(f"/api/v1{base}/{sample[name]}").status_code == 200


def test_budget_list_shows_used_and_remaining(admin, sample):
    html = admin.get("/budget/list/").text
    assert "¥3,200.00" in html and "¥16,800.00" in html  # the stored sample request is charged to its budget


def test_repair_list_quick_filters(app, admin, sample):
    from models.repairs import RepairOrder

    labels = [q.label for q in RepairOrder.__admin__.quick_filters]
    assert "样例报修" in admin.get(f"/repair-order/list/?_qf={labels.index('维修中')}").text
    assert "样例报修" not in admin.get(f"/repair-order/list/?_qf={labels.index('待受理')}").text
    assert "样例报修" not in admin.get(f"/repair-order/list/?_qf={labels.index('逾期')}").text  # promised in 2032


def test_repair_order_added_through_the_page_gets_number_and_promise(app, admin, db):
    from models.org import Staff
    from models.repairs import RepairOrder, RepairStatus

    me = db.session.query(Staff).filter(Staff.user.has(username="admin")).one()
    data = {"title": "页面报修测试-水龙头漏水", "category": "water", "urgency": "urgent",
            "place": "男生宿舍 3 号楼 201", "description": "洗手池水龙头关不紧",
            "reporter": me.id, "department": me.department_id, "reported_at": "2026-03-02 08:30:00"}
    response = admin.post("/repair-order/add", data=data)
    assert response.status_code == 302, flashes(response.text)
    db.session.expire_all()
    saved = db.session.query(RepairOrder).filter_by(title=data["title"]).one()
    try:
        assert re.fullmatch(r"BX-\d{8}-\d{4}", saved.code)
        assert saved.status == RepairStatus.pending
        assert saved.promised_at == datetime(2026, 3, 3, 8, 30)
        assert saved.phone == me.phone
        show = admin.get(f"/repair-order/show/{saved.id}")
        assert show.status_code == 200 and saved.code in show.text and "是否逾期" in show.text
    finally:
        db.session.delete(saved)
        db.session.commit()


def test_purchase_request_added_with_lines_totals_them(app, admin, db):
    from models.org import Staff
    from models.purchasing import PurchaseRequest

    me = db.session.query(Staff).filter(Staff.user.has(username="admin")).one()
    data = {"department": me.department_id, "applicant": me.id, "requested_on": "2026-03-02",
            "reason": "页面请购测试", "fund_source": "budget", "method": "inquiry",
            "items-0-name": "白板笔", "items-0-unit": "盒", "items-0-quantity": "10", "items-0-unit_price": "12.5",
            "items-1-name": "文件柜", "items-1-unit": "个", "items-1-quantity": "2", "items-1-unit_price": "680"}
    response = admin.post("/purchase-request/add", data=data)
    assert response.status_code == 302, flashes(response.text)
    db.session.expire_all()
    saved = db.session.query(PurchaseRequest).filter_by(reason="页面请购测试").one()
    try:
        assert re.fullmatch(r"CG-\d{8}-\d{4}", saved.code)
        assert saved.total == D("1485.00")
        assert [(i.name, i.amount) for i in saved.items] == [("白板笔", D("125.00")), ("文件柜", D("1360.00"))]
        show = admin.get(f"/purchase-request/show/{saved.id}")
        assert show.status_code == 200 and "白板笔" in show.text and "¥1,485.00" in show.text
    finally:
        db.session.delete(saved)
        db.session.commit()
