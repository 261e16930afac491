"""One approval mechanism, end to end through the pages: purchase tiers by amount through 报销 with asset cards,
rejection, return and resubmit, amount changes, self-approval, the other document types, 我的待办 / 我的申请, and
two approvers at the same moment."""
from __future__ import annotations

import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest

from app.meta import clock
from tests.conftest import DEMO_PASSWORD, department_budget, flashes

D = Decimal


# ------------------------------------------------------------------------------------------ helpers
def user_of(app, username):
    return app.appbuilder.sm.find_user(username=username)


def staff_of(db, username):
    from models.org import Staff

    return db.session.query(Staff).filter(Staff.user.has(username=username)).one()


def fixed_category(db):
    from models.assets import AssetCategory

    return db.session.query(AssetCategory).order_by(AssetCategory.id.desc()).first()


def new_request(client, db, username, lines, reason="审批测试"):
    """Add a purchase request through the page as ``username``; lines are (name, qty, price, fixed)."""
    from models.purchasing import PurchaseRequest

    me = staff_of(db, username)
    data = {"department": me.department_id, "applicant": me.id, "requested_on": clock.today().isoformat(),
            "reason": reason, "fund_source": "school", "method": "self_buy",
            "budget": department_budget(db, username)}
    category = fixed_category(db)
    for i, (name, quantity, price, fixed) in enumerate(lines):
        data.update({f"items-{i}-name": name, f"items-{i}-unit": "台", f"items-{i}-quantity": str(quantity),
                     f"items-{i}-unit_price": str(price), f"items-{i}-category": category.id})
        if fixed:
            data[f"items-{i}-is_fixed_asset"] = "y"
    response = client.post("/purchase-request/add", data=data)
    assert response.status_code == 302, flashes(response.text)
    db.session.expire_all()
    return (db.session.query(PurchaseRequest).filter_by(applicant_id=me.id, reason=reason)
            .order_by(PurchaseRequest.id.desc()).first().id)


def record(db, pk, model="PurchaseRequest"):
    db.session.expire_all()
    cls = {m.__name__: m for m in _models()}[model]
    return db.session.get(cls, pk)


def _models():
    from flask import current_app

    return current_app.extensions["engine"].models


def step(client, pk, name, base="/purchase-request", follow_redirects=False, **data):
    return client.post(f"{base}/step/{name}/{pk}", data=data, follow_redirects=follow_redirects)


def offered(client, pk, base="/purchase-request") -> set[str]:
    html = client.get(f"{base}/show/{pk}").text
    return set(re.findall(r'data-step-label="([^"]+)"', html))


def history(db, pk, model="PurchaseRequest"):
    from app.rules.history import WorkflowLog

    db.session.expire_all()
    return (db.session.query(WorkflowLog).filter_by(model=model, record_id=pk)
            .order_by(WorkflowLog.id).all())


def approve(client, pk, **extra):
    response = step(client, pk, "approve", decision="通过", comment=extra.pop("comment", ""), **extra)
    assert response.status_code == 302, flashes(response.text)
    return response


def finish(clients, db, pk, amount):
    """采购 → 到货 → 验收入库 → 报销, each by whoever holds it, checking the state after each step."""
    from models.purchasing import PurchaseStatus as S

    keeper, cashier = staff_of(db, "baoguan"), staff_of(db, "caiwu")
    assert step(clients("baoguan"), pk, "buy", method="inquiry").status_code == 302
    assert record(db, pk).status == S.purchasing and record(db, pk).handler.id == keeper.id
    assert step(clients("baoguan"), pk, "arrive").status_code == 302
    assert record(db, pk).status == S.to_accept
    stored = step(clients("baoguan"), pk, "store", inspector=keeper.id, accepted_on=clock.today().isoformat(),
                  conclusion="passed", note="数量规格与申请一致")
    assert stored.status_code == 302, flashes(stored.text)
    assert record(db, pk).status == S.stored
    paid = step(clients("caiwu"), pk, "reimburse", invoice_no=f"FP{pk:08d}", amount=str(amount),
                reimbursed_on=clock.today().isoformat(), cashier=cashier.id)
    assert paid.status_code == 302, flashes(paid.text)
    request = record(db, pk)
    assert request.status == S.reimbursed
    assert request.acceptances[-1].inspector.id == keeper.id
    assert [r.amount for r in request.reimbursements] == [D(str(amount))]
    return request


# ------------------------------------------------------------------------------------------ tiers
def test_up_to_1000_yuan_only_the_logistics_director_approves_then_through_reimbursement(app, db, clients):
    from models.assets import Asset, AssetStatus
    from models.purchasing import PurchaseStatus as S

    pk = new_request(clients("jiaoshi"), db, "jiaoshi", [("激光打印机", 1, "1000", True)], reason="一档：教研组打印机")
    assert record(db, pk).status == S.draft and record(db, pk).total == D("1000.00")  # ≤1000: one tier
    assert offered(clients("jiaoshi"), pk) >= {"提交审批"}
    assert step(clients("jiaoshi"), pk, "submit").status_code == 302
    request = record(db, pk)
    assert request.status == S.pending and request.approval_stage == "后勤主任"
    assert "后勤主任审批" not in offered(clients("xiaozhang"), pk)
    assert "后勤主任审批" in offered(clients("zongwu"), pk)
    approve(clients("zongwu"), pk, comment="同意")
    assert record(db, pk).status == S.approved and record(db, pk).approval_stage is None
    request = finish(clients, db, pk, "1000.00")
    cards = db.session.query(Asset).filter_by(source_request_id=pk).all()
    assert len(cards) == 1
    card = cards[0]
    assert (card.name, card.unit_price, card.quantity, card.status) == ("激光打印机", D("1000.00"), 1, AssetStatus.in_use)
    assert card.department_id == request.department_id and card.keeper_id == request.applicant_id
    assert re.fullmatch(r"ZC-\d{8}-\d{4}", card.code) and card in request.asset_cards()
    steps_taken = [(h.step_label, h.decision) for h in history(db, pk)]
    assert steps_taken == [("提交审批", None), ("后勤主任审批", "通过"), ("开始采购", None), ("到货，送验收", None),
                           ("验收入库", None), ("报销", None)]
    page = clients("jiaoshi").get(f"/purchase-request/show/{pk}").text
    assert "后勤主任审批（通过）" in page and "意见：同意" in page and card.code in page


def test_up_to_3000_yuan_the_principal_approves_after_the_director(app, db, clients):
    from models.assets import Asset
    from models.purchasing import PurchaseStatus as S

    pk = new_request(clients("jiaoshi"), db, "jiaoshi", [("投影仪", 1, "2500", True), ("投影幕支架", 2, "150", False)],
                     reason="二档：投影仪")
    step(clients("jiaoshi"), pk, "submit")
    approve(clients("zongwu"), pk)
    request = record(db, pk)
    assert request.status == S.pending and request.approval_stage == "校长"
    assert offered(clients("zongwu"), pk) == set()  # the director has done his part
    assert "校长审批" in offered(clients("xiaozhang"), pk)
    approve(clients("xiaozhang"), pk, comment="同意购置")
    assert record(db, pk).status == S.approved
    finish(clients, db, pk, "2800")
    cards = db.session.query(Asset).filter_by(source_request_id=pk).all()
    assert [card.name for card in cards] == ["投影仪"]  # only the fixed-asset line becomes a card
    assert [h.step_label for h in history(db, pk) if h.decision] == ["后勤主任审批", "校长审批"]


def test_above_3000_yuan_the_school_council_decides_with_its_minute_number(app, db, clients):
    from models.assets import Asset
    from models.purchasing import PurchaseStatus as S

    pk = new_request(clients("shitang"), db, "shitang", [("商用冰柜", 2, "2000", True)], reason="三档：冰柜")
    step(clients("shitang"), pk, "submit")
    approve(clients("zongwu"), pk)
    approve(clients("xiaozhang"), pk)
    assert record(db, pk).approval_stage == "校务会"
    assert "校务会审批" in offered(clients("xiaowu"), pk)
    missing = step(clients("xiaowu"), pk, "approve", decision="通过", comment="")
    assert missing.status_code == 200 and "请填写此项" in missing.text  # the minute number is required
    assert record(db, pk).status == S.pending and record(db, pk).approval_stage == "校务会"
    approve(clients("xiaowu"), pk, minute_no="校务会纪要〔2026〕12号", comment="集体研究同意")
    request = record(db, pk)
    assert request.status == S.approved and request.minute_no == "校务会纪要〔2026〕12号"
    finish(clients, db, pk, "4000")
    assert db.session.query(Asset).filter_by(source_request_id=pk).count() == 2  # one card per item
    assert [h.step_label for h in history(db, pk) if h.decision] == ["后勤主任审批", "校长审批", "校务会审批"]


def test_tier_limits_come_from_the_configuration(app, db, clients):
    from models.purchasing import PurchaseStatus as S

    limits = dict(app.config["PURCHASE_APPROVAL_LIMITS"])
    app.config["PURCHASE_APPROVAL_LIMITS"] = {"校长": 5000, "校务会": 50000}
    try:
        pk = new_request(clients("jiaoshi"), db, "jiaoshi", [("投影仪", 1, "2500", True)], reason="配置档位")
        step(clients("jiaoshi"), pk, "submit")
        approve(clients("zongwu"), pk)
        assert record(db, pk).status == S.approved  # 2500 is now within the director's tier
    finally:
        app.config["PURCHASE_APPROVAL_LIMITS"] = limits


# ------------------------------------------------------------------------------------------ decisions
def test_rejection_needs_a_reason(app, db, clients):
    from models.purchasing import PurchaseStatus as S

    pk = new_request(clients("jiaoshi"), db, "jiaoshi", [("书柜", 1, "600", False)], reason="驳回测试")
    step(clients("jiaoshi"), pk, "submit")
    version = record(db, pk).row_version
    bare = step(clients("zongwu"), pk, "approve", decision="驳回", comment="  ")
    assert bare.status_code == 200 and "请填写驳回理由" in bare.text
    assert record(db, pk).status == S.pending and record(db, pk).row_version == version
    assert [h.step for h in history(db, pk)] == ["submit"]
    step(clients("zongwu"), pk, "approve", decision="驳回", comment="办公室已有书柜可调剂")
    assert record(db, pk).status == S.rejected and record(db, pk).approval_stage is None
    last = history(db, pk)[-1]
    assert (last.decision, last.comment, last.actor_id) == ("驳回", "办公室已有书柜可调剂", user_of(app, "zongwu").id)
    assert offered(clients("zongwu"), pk) == set()


def test_returned_request_is_edited_and_resubmitted_by_its_requester(app, db, clients):
    from models.purchasing import PurchaseStatus as S

    jiaoshi = clients("jiaoshi")
    pk = new_request(jiaoshi, db, "jiaoshi", [("电子白板", 1, "800", False)], reason="退回测试")
    step(jiaoshi, pk, "submit")
    step(clients("zongwu"), pk, "approve", decision="退回修改", comment="请补充型号并核实数量")
    request = record(db, pk)
    assert request.status == S.draft and request.approval_stage is None
    assert "提交审批" in offered(jiaoshi, pk) and "提交审批" not in offered(clients("zongwu"), pk)
    item = request.items[0]
    edit = jiaoshi.post(f"/purchase-request/edit/{pk}", data={
        "department": request.department_id, "applicant": request.applicant_id,
        "requested_on": request.requested_on.isoformat(), "reason": request.reason, "fund_source": "school",
        "budget": request.budget_id,
        "method": "self_buy", "seen_version": request.row_version,
        "items-0-id": item.id, "items-0-name": "电子白板", "items-0-spec": "86寸", "items-0-unit": "台",
        "items-0-quantity": "1", "items-0-unit_price": "700", "items-0-category": item.category_id})
    assert edit.status_code == 302, flashes(edit.text)
    assert step(jiaoshi, pk, "submit").status_code == 302
    request = record(db, pk)
    assert request.status == S.pending and request.total == D("700.00") and request.items[0].spec == "86寸"
    approve(clients("zongwu"), pk)
    assert record(db, pk).status == S.approved
    assert [(h.step_label, h.decision) for h in history(db, pk)] == [
        ("提交审批", None), ("后勤主任审批", "退回修改"), ("提交审批", None), ("后勤主任审批", "通过")]


def test_a_pending_request_cannot_be_edited_by_the_requester(app, db, clients):
    jiaoshi = clients("jiaoshi")
    pk = new_request(jiaoshi, db, "jiaoshi", [("文件柜", 1, "300", False)], reason="审批中不可改")
    step(jiaoshi, pk, "submit")
    page = jiaoshi.get(f"/purchase-request/edit/{pk}", follow_redirects=True).text
    assert "不能修改" in page


def test_changing_the_amount_after_approval_goes_back_through_approval(app, db, clients):
    from models.purchasing import PurchaseStatus as S

    jiaoshi = clients("jiaoshi")
    pk = new_request(jiaoshi, db, "jiaoshi", [("显示器", 1, "900", False)], reason="改金额重审")
    step(jiaoshi, pk, "submit")
    approve(clients("zongwu"), pk)
    request = record(db, pk)
    assert request.status == S.approved
    item = request.items[0]
    edit = jiaoshi.post(f"/purchase-request/edit/{pk}", data={
        "department": request.department_id, "applicant": request.applicant_id,
        "requested_on": request.requested_on.isoformat(), "reason": request.reason, "fund_source": "school",
        "budget": request.budget_id,
        "method": "self_buy", "seen_version": request.row_version,
        "items-0-id": item.id, "items-0-name": "显示器", "items-0-unit": "台", "items-0-quantity": "2",
        "items-0-unit_price": "900", "items-0-category": item.category_id})
    assert edit.status_code == 302, flashes(edit.text)
    request = record(db, pk)
    assert request.total == D("1800.00")
    assert request.status == S.pending and request.approval_stage == "后勤主任"  # starts again at the first tier
    change = history(db, pk)[-1]
    assert (change.step_label, change.from_state, change.to_state) == ("修改", "已批准", "待审批")
    approve(clients("zongwu"), pk)
    assert record(db, pk).approval_stage == "校长"  # 1800 now needs the principal too


# ------------------------------------------------------------------------------------------ self-approval
@pytest.fixture
def second_director(app, db):
    """Another 后勤主任 (with a staff record) for as long as a test needs one."""
    import uuid

    from models.org import Staff

    sm = app.appbuilder.sm
    tag = uuid.uuid4().hex[:8]
    user = sm.add_user("fuzhuren", "副", "主任", f"fuzhuren-{tag}@example.cn", sm.find_role("后勤主任"),
                       password=DEMO_PASSWORD)
    director = staff_of(db, "zongwu")
    staff = Staff(name="副主任", staff_no=f"T-{tag}", department_id=director.department_id, user_id=user.id)
    db.session.add(staff)
    db.session.commit()
    yield user
    db.session.delete(db.session.merge(staff))
    db.session.commit()
    user = sm.find_user(username="fuzhuren")
    user.active = False  # kept (the history names them) but no longer a holder of the role
    user.username = f"fuzhuren-{user.id}"
    sm.update_user(user)


def test_nobody_approves_their_own_request_it_passes_to_the_next_tier(app, db, clients):
    from models.purchasing import PurchaseStatus as S

    zongwu = clients("zongwu")
    pk = new_request(zongwu, db, "zongwu", [("后勤处办公桌", 1, "500", False)], reason="本人申请")
    step(zongwu, pk, "submit")
    request = record(db, pk)
    assert request.status == S.pending
    assert request.approval_stage == "校长"  # the only 后勤主任 is the requester: the principal takes it
    assert offered(zongwu, pk) == set()
    refused = step(zongwu, pk, "approve", decision="通过", comment="")
    assert refused.status_code == 302 and record(db, pk).status == S.pending
    approve(clients("xiaozhang"), pk)
    assert record(db, pk).status == S.approved
    assert [h.actor_id for h in history(db, pk) if h.decision] == [user_of(app, "xiaozhang").id]


def test_with_another_holder_of_the_role_the_step_goes_to_them(app, db, clients, second_director):
    from models.purchasing import PurchaseStatus as S

    zongwu = clients("zongwu")
    pk = new_request(zongwu, db, "zongwu", [("后勤处文件柜", 1, "400", False)], reason="另一位主任审批")
    step(zongwu, pk, "submit")
    assert record(db, pk).approval_stage == "后勤主任"
    assert offered(zongwu, pk) == set()
    other = clients("fuzhuren")
    assert "后勤主任审批" in offered(other, pk)
    approve(other, pk)
    assert record(db, pk).status == S.approved


# ------------------------------------------------------------------------------------------ concurrency
def test_a_double_clicked_approval_acts_once(app, db, clients):
    from models.purchasing import PurchaseStatus as S

    pk = new_request(clients("jiaoshi"), db, "jiaoshi", [("投影幕", 1, "2000", False)], reason="双击")
    step(clients("jiaoshi"), pk, "submit")
    seen = record(db, pk).row_version
    first = step(clients("zongwu"), pk, "approve", decision="通过", comment="", seen_version=seen)
    second = step(clients("zongwu"), pk, "approve", decision="通过", comment="", seen_version=seen)
    assert first.status_code == second.status_code == 302
    follow = clients("zongwu").get(second.headers["Location"]).text
    assert "已被处理" in follow
    assert record(db, pk).approval_stage == "校长" and record(db, pk).status == S.pending
    assert len([h for h in history(db, pk) if h.decision]) == 1


def test_two_approvers_at_the_same_moment_exactly_one_succeeds(app, db, clients, second_director):
    from app.extensions import db as database
    from app.rules import steps
    from app.rules.write import Refused
    from models.purchasing import PurchaseRequest

    pk = new_request(clients("jiaoshi"), db, "jiaoshi", [("电风扇", 4, "200", False)], reason="并发审批")
    step(clients("jiaoshi"), pk, "submit")
    results, barrier = [], threading.Barrier(2)

    def act(username):
        with app.test_request_context():
            from flask_login import login_user

            user = app.appbuilder.sm.find_user(username=username)
            login_user(user)
            request = database.session.get(PurchaseRequest, pk)
            workflow = PurchaseRequest.__admin__.workflow
            barrier.wait()
            try:
                steps.take(database.session, request, workflow, workflow.step("approve"), user, decision="通过")
                results.append("ok")
            except Refused as refused:
                results.append(refused.message)
            finally:
                database.session.remove()

    threads = [threading.Thread(target=act, args=(name,)) for name in ("zongwu", "fuzhuren")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    assert any("已被处理" in r for r in results if r != "ok"), results
    assert len([h for h in history(db, pk) if h.decision]) == 1


# ------------------------------------------------------------------------------------------ inbox
def test_my_todo_lists_what_awaits_me_with_a_count_in_the_top_bar(app, db, clients):
    from app.features import inbox

    pk = new_request(clients("jiaoshi"), db, "jiaoshi", [("扫描仪", 1, "1500", False)], reason="待办测试")
    step(clients("jiaoshi"), pk, "submit")
    code = record(db, pk).code
    zongwu = clients("zongwu")
    page = zongwu.get("/todo/").text
    assert code in page and "后勤主任审批" in page
    with app.test_request_context():
        from flask_login import login_user

        login_user(user_of(app, "zongwu"))
        count = inbox.awaiting_count(user_of(app, "zongwu"))
        listed = inbox.awaiting(user_of(app, "zongwu"))
    assert count == len(listed) >= 1
    home = zongwu.get("/purchase-request/list/").text
    assert re.search(rf'id="todo-count">{count}<', home)
    assert code not in clients("xiaozhang").get("/todo/").text
    approve(zongwu, pk)
    assert code not in zongwu.get("/todo/").text
    assert code in clients("xiaozhang").get("/todo/").text  # now it waits for the principal
    mine = clients("jiaoshi").get("/mine/").text
    row = re.search(rf"{code}.*?engine-card-holder.*?</div>", mine, re.S).group(0)  # its card
    assert "待审批" in row and "校长审批" in row and "王德明" in row  # who holds it now


def test_todo_shows_repair_work_for_workers_and_nothing_for_others(app, db, clients):
    from models.repairs import RepairOrder, RepairStatus

    weixiu = staff_of(db, "weixiu")
    waiting = (db.session.query(RepairOrder)
               .filter(RepairOrder.worker_id == weixiu.id, RepairOrder.status == RepairStatus.dispatched).first())
    page = clients("weixiu").get("/todo/").text
    if waiting is not None:
        assert waiting.code in page and "接单" in page
    assert "暂无待办" in clients("xiaowu").get("/todo/").text or "校务会审批" in clients("xiaowu").get("/todo/").text
    for username in ("jiaoshi", "lvhua", "caiwu"):
        response = clients(username).get("/todo/")
        assert response.status_code == 200 and "我的待办" in response.text


# ------------------------------------------------------------------------------------------ other documents
def test_dorm_change_is_approved_by_the_director_and_moves_the_student(app, db, clients):
    from models.dorms import (
        Accommodation,
        AccommodationStatus,
        Bed,
        BedStatus,
        DormChange,
        DormChangeStatus,
        bed_refusal,
    )

    sushe = staff_of(db, "sushe")
    resident = db.session.query(Accommodation).filter(Accommodation.status == AccommodationStatus.active).first()
    student = resident.student
    free = next(bed for bed in db.session.query(Bed).filter(Bed.status == BedStatus.free).limit(400)
                if bed.id != resident.bed_id and bed_refusal(student, bed, leaving=resident) is None)
    response = clients("sushe").post("/dorm-change/add", data={
        "student": student.id, "kind": "transfer", "new_bed": free.id, "reason": "与室友作息不同",
        "applicant": sushe.id, "applied_on": clock.today().isoformat()})
    assert response.status_code == 302, flashes(response.text)
    change = db.session.query(DormChange).filter_by(student_id=student.id).order_by(DormChange.id.desc()).first()
    assert change.status == DormChangeStatus.pending
    assert "调宿审批" in offered(clients("zongwu"), change.id, "/dorm-change")
    assert "调宿审批" not in offered(clients("sushe"), change.id, "/dorm-change")
    back = step(clients("zongwu"), change.id, "approve", "/dorm-change", decision="退回修改", comment="请附班主任意见")
    assert back.status_code == 302 and record(db, change.id, "DormChange").status == DormChangeStatus.returned
    assert step(clients("sushe"), change.id, "resubmit", "/dorm-change").status_code == 302
    approve_url = step(clients("zongwu"), change.id, "approve", "/dorm-change", decision="通过", comment="")
    assert approve_url.status_code == 302
    db.session.expire_all()
    assert record(db, change.id, "DormChange").status == DormChangeStatus.approved
    assert student.active_record().bed_id == free.id
    assert db.session.get(Accommodation, resident.id).status == AccommodationStatus.ended


def test_asset_disposal_approval_marks_the_asset_scrapped(app, db, clients):
    from models.assets import Asset, AssetDisposal, AssetStatus, DisposalStatus

    baoguan = staff_of(db, "baoguan")
    asset = (db.session.query(Asset).filter(Asset.status == AssetStatus.idle, Asset.amount > 10000,
                                            ~Asset.id.in_(db.session.query(AssetDisposal.asset_id))).first()
             or db.session.query(Asset).filter(Asset.status == AssetStatus.in_use, Asset.amount > 10000).first())
    response = clients("baoguan").post("/asset-disposal/add", data={
        "asset": asset.id, "applicant": baoguan.id, "applied_on": clock.today().isoformat(),
        "reason": "主板损坏，维修费用高于残值", "residual_value": "50"})
    assert response.status_code == 302, flashes(response.text)
    disposal = db.session.query(AssetDisposal).filter_by(asset_id=asset.id).order_by(AssetDisposal.id.desc()).first()
    assert disposal.status == DisposalStatus.pending and disposal.approval_stage == "后勤主任"
    step(clients("zongwu"), disposal.id, "approve", "/asset-disposal", decision="通过", comment="")
    disposal = record(db, disposal.id, "AssetDisposal")
    assert disposal.status == DisposalStatus.pending and disposal.approval_stage == "校长"  # worth over 10000
    assert db.session.get(Asset, asset.id).status != AssetStatus.scrapped
    step(clients("xiaozhang"), disposal.id, "approve", "/asset-disposal", decision="通过", comment="同意报废")
    assert record(db, disposal.id, "AssetDisposal").status == DisposalStatus.approved
    assert db.session.get(Asset, asset.id).status == AssetStatus.scrapped


def test_outside_loan_needs_the_department_head_then_the_director(app, db, clients):
    from models.assets import Asset, AssetLoan, AssetStatus, LoanApproval, LoanStatus

    jiaoshi, canteen_head = staff_of(db, "jiaoshi"), staff_of(db, "shitang")
    assert canteen_head.department.head_id == canteen_head.id
    asset = (db.session.query(Asset)
             .filter(Asset.status == AssetStatus.in_use, Asset.department_id == canteen_head.department_id,
                     Asset.unit_price < 5000, ~Asset.loans.any(AssetLoan.returned_on.is_(None))).first())
    response = clients("baoguan").post("/asset-loan/add", data={  # the keeper registers it for the borrower
        "asset": asset.id, "borrower": jiaoshi.id, "department": jiaoshi.department_id, "outside": "y",
        "purpose": "校外比赛使用", "lent_on": clock.today().isoformat(),
        "due_on": (clock.today() + timedelta(days=3)).isoformat()})
    assert response.status_code == 302, flashes(response.text)
    loan = db.session.query(AssetLoan).filter_by(asset_id=asset.id).order_by(AssetLoan.id.desc()).first()
    assert loan.approval == LoanApproval.pending and loan.state() == LoanStatus.awaiting
    assert loan.approval_stage == "部门负责人"
    assert db.session.get(Asset, asset.id).status == AssetStatus.in_use  # not lent before approval
    assert "资产所在部门负责人审批" not in offered(clients("zongwu"), loan.id, "/asset-loan")
    assert "资产所在部门负责人审批" in offered(clients("shitang"), loan.id, "/asset-loan")
    assert step(clients("shitang"), loan.id, "approve", "/asset-loan", decision="通过", comment="").status_code == 302
    assert record(db, loan.id, "AssetLoan").approval_stage == "后勤主任"
    step(clients("zongwu"), loan.id, "approve", "/asset-loan", decision="通过", comment="按期归还")
    loan = record(db, loan.id, "AssetLoan")
    assert loan.approval == LoanApproval.approved and loan.state() == LoanStatus.lent
    assert db.session.get(Asset, asset.id).status == AssetStatus.on_loan
    mine = clients("jiaoshi").get("/mine/").text
    assert "借用登记" in mine


def test_an_ordinary_loan_needs_no_approval(app, db, clients):
    from models.assets import Asset, AssetLoan, AssetStatus, LoanApproval

    keeper = staff_of(db, "baoguan")
    asset = (db.session.query(Asset).filter(Asset.status == AssetStatus.in_use, Asset.unit_price < 500,
                                            ~Asset.loans.any(AssetLoan.returned_on.is_(None))).first())
    response = clients("baoguan").post("/asset-loan/add", data={
        "asset": asset.id, "borrower": keeper.id, "department": keeper.department_id,
        "lent_on": clock.today().isoformat(), "due_on": (clock.today() + timedelta(days=3)).isoformat()})
    assert response.status_code == 302, flashes(response.text)
    loan = db.session.query(AssetLoan).filter_by(asset_id=asset.id).order_by(AssetLoan.id.desc()).first()
    assert loan.approval == LoanApproval.none and db.session.get(Asset, asset.id).status == AssetStatus.on_loan
    assert asset.code not in clients("baoguan").get("/mine/").text  # nothing to approve: not an application


def test_repair_delay_approval_moves_the_promised_time(app, db, clients):
    from models.repairs import DelayStatus, RepairDelay, RepairOrder, RepairStatus

    weixiu = staff_of(db, "weixiu")
    order = (db.session.query(RepairOrder).filter(RepairOrder.worker_id == weixiu.id,
                                                  RepairOrder.status == RepairStatus.repairing,
                                                  ~RepairOrder.delays.any(RepairDelay.status == DelayStatus.pending))
             .first())
    new_time = (order.promised_at + timedelta(days=2)).replace(second=0, microsecond=0)
    response = clients("weixiu").post("/repair-delay/add", data={
        "order": order.id, "applicant": weixiu.id, "new_promised_at": new_time.strftime("%Y-%m-%d %H:%M:%S"),
        "reason": "配件需从厂家订购"})
    assert response.status_code == 302, flashes(response.text)
    delay = db.session.query(RepairDelay).filter_by(order_id=order.id).order_by(RepairDelay.id.desc()).first()
    assert "延期审批" not in offered(clients("weixiu"), delay.id, "/repair-delay")
    bare = step(clients("zongwu"), delay.id, "approve", "/repair-delay", decision="驳回", comment="")
    assert bare.status_code == 200 and record(db, delay.id, "RepairDelay").status == DelayStatus.pending
    step(clients("zongwu"), delay.id, "approve", "/repair-delay", decision="通过", comment="")
    assert record(db, delay.id, "RepairDelay").status == DelayStatus.approved
    assert record(db, order.id, "RepairOrder").promised_at == new_time


def test_hazard_close_out_through_the_page(app, db, clients):
    from models.safety import Hazard, HazardStatus

    hazard = db.session.query(Hazard).filter(Hazard.status == HazardStatus.awaiting_acceptance).first()
    assert "销号验收" in offered(clients("zongwu"), hazard.id, "/hazard")
    assert "销号验收" not in offered(clients("lvhua"), hazard.id, "/hazard")
    step(clients("zongwu"), hazard.id, "close", "/hazard", decision="通过", comment="复查合格")
    closed = record(db, hazard.id, "Hazard")
    assert closed.status == HazardStatus.closed and closed.accepted_by.id == staff_of(db, "zongwu").id
    assert history(db, hazard.id, "Hazard")[-1].decision == "通过"


def test_a_long_todo_list_says_how_many_there_are_in_all(app, db, clients, monkeypatch):
    from app.features import inbox

    monkeypatch.setattr(inbox, "LIMIT", 1)  # one per kind of document on the page
    page = clients("zongwu").get("/todo/").text
    total = int(re.search(r'id="todo-count">(\d+)<', page).group(1))
    shown = len(re.findall(r'<div class="engine-card(?: engine-card-overdue)?">', page))  # one card a document
    assert total > shown >= 1
    assert f"共 {total} 项待办" in page and f"我的待办（{total}）" in page
