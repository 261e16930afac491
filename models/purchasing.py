"""采购: suppliers, purchase requests with their lines, acceptance (验收), reimbursement (报销) and budgets.

请购 → 审批 → 采购 → 验收 → 入库 → 报销. The approval tiers and the steps that move a request through its
states are declared by the approval mechanism; here are the records, their derived fields and their rules.

Budget control (预算控制): a request names its budget subject (经费预算) before it is submitted; a budget's 已用 is
the requests linked to it from approval on (COMMITTED). At submission and at each approval the request is checked
against its budget: 余额 below zero is a warning (the step proceeds, the person is told), and committing more than
(1 + BUDGET_OVERRUN_TOLERANCE) × 预算金额 is refused (config.py; 0.10 stops past 110 %). The check holds the budget's
row (``lock_budget``) so two approvals at once cannot both pass it.

Kept as one module (about 630 lines): a request and its budget read each other — the request's check reads the
budget's 已用, and 已用 sums the requests — so, split apart, each would import the other.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import UniqueConstraint, and_, func, inspect, select
from sqlalchemy.orm import object_session

from app.declare import (
    Admin,
    Choice,
    Entity,
    Lines,
    Lock,
    Qualify,
    Scope,
    choice,
    computed,
    day,
    flag,
    integer,
    key,
    long_text,
    money,
    pk,
    quick,
    relation,
    serial,
    telephone,
    text,
)
from app.declare.workflow import Creates, Step, Tier, Workflow, exceeds, person, role
from app.meta import clock, prefill
from app.rules import batch, numbering
from models.assets import FIXED_ASSET_THRESHOLD, Asset, AssetStatus, FundSource, PurchaseMethod

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def _yuan(value: Decimal) -> str:
    """¥1,234.00, and -¥1,234.00 below zero."""
    return f"-¥{-value:,.2f}" if value < 0 else f"¥{value:,.2f}"


@prefill.register("current_year")
def current_year() -> int:
    return clock.today().year


class PurchaseStatus(Choice):
    draft = "草稿"
    pending = "待审批"
    rejected = "已驳回"
    approved = "已批准"
    purchasing = "采购中"
    to_accept = "待验收"
    stored = "已入库"
    reimbursed = "已报销"
    void = "已作废"


# 请购 → 审批 (by amount: 后勤主任; → 校长; → 校务会) → 采购 → 到货 → 验收入库 (asset cards) → 报销.
PURCHASE_TIERS = (
    Tier("后勤主任", "后勤主任审批", role("后勤主任")),
    Tier("校长", "校长审批", role("校长"), when=exceeds("total", "PURCHASE_APPROVAL_LIMITS", "校长")),
    Tier("校务会", "校务会审批", role("校务会"), when=exceeds("total", "PURCHASE_APPROVAL_LIMITS", "校务会"),
         fields=("minute_no",), required=("minute_no",)),
)
PURCHASE_WORKFLOW = Workflow("status", stage="approval_stage", requester="applicant",
                            started="requested_on", submit="submit", steps=(
    Step("submit", "提交审批", (PurchaseStatus.draft,), PurchaseStatus.pending, person("applicant")),
    Step("approve", "审批", (PurchaseStatus.pending,), PurchaseStatus.approved, tiers=PURCHASE_TIERS,
         not_by=("applicant",), reject_to=PurchaseStatus.rejected, return_to=PurchaseStatus.draft, style="success"),
    Step("buy", "开始采购", (PurchaseStatus.approved,), PurchaseStatus.purchasing,
         role("财产保管员") | person("applicant"), fields=("method", "supplier"), effect="on_buying"),
    Step("arrive", "到货，送验收", (PurchaseStatus.purchasing,), PurchaseStatus.to_accept,
         role("财产保管员") | person("handler", "applicant")),
    Step("store", "验收入库", (PurchaseStatus.to_accept,), PurchaseStatus.stored, role("财产保管员"),
         creates=Creates("acceptances", ("inspector", "accepted_on", "conclusion", "note"),
                         required=("inspector", "accepted_on", "conclusion")),
         effect="on_stored", style="success"),
    Step("reimburse", "报销", (PurchaseStatus.stored,), PurchaseStatus.reimbursed, role("财务"),
         creates=Creates("reimbursements", ("invoice_no", "amount", "reimbursed_on", "cashier"),
                         required=("invoice_no", "amount", "reimbursed_on", "cashier")), style="success"),
    Step("void", "作废", (PurchaseStatus.draft, PurchaseStatus.rejected), PurchaseStatus.void,
         person("applicant"), optional=True, style="default", confirm="确定作废这张采购申请吗？作废后不能恢复。"),
))
# The applicant may change a request before it is submitted, after it is returned, and after approval until
# the goods arrive (a changed amount then goes back through approval).
EDITABLE = (PurchaseStatus.draft, PurchaseStatus.approved, PurchaseStatus.purchasing)

# Money committed against a budget: from approval until reimbursement.
COMMITTED = (PurchaseStatus.approved, PurchaseStatus.purchasing, PurchaseStatus.to_accept,
             PurchaseStatus.stored, PurchaseStatus.reimbursed)
# Where a request is checked against its budget: when submitted (待审批, each approval tier) and when approved.
BUDGET_CHECKED = (PurchaseStatus.pending, PurchaseStatus.approved)
# Where an over-budget request still warns its applicant (saving a draft, submitting, approving).
BUDGET_WARNED = (PurchaseStatus.draft,) + BUDGET_CHECKED
DEFAULT_OVERRUN_TOLERANCE = Decimal("0.10")
# An approved amount that changes goes back for approval (domain.md, Approval tiers).
REAPPROVE_ON_CHANGE = (PurchaseStatus.approved, PurchaseStatus.purchasing)
# 报销 follows 验收入库.
REIMBURSABLE = (PurchaseStatus.stored, PurchaseStatus.reimbursed)


class Supplier(Entity):
    __tablename__ = "supplier"
    __admin__ = Admin(
        "供应商",
        menu="采购管理",
        icon="fa-truck",
        menu_order=50,
        list=["name", "contact", "phone", "address"],
        search=["name", "contact", "phone", "address"],
        form=["name", "contact", "phone", "address"],
        order=("name", "asc"),
        lookup=["name", "contact"],
        scope=Scope(),  # shared reference data: every role that may read suppliers sees all of them
    )
    id = pk()
    name = text("名称", 100, required=True, unique=True, pinyin=True)
    contact = text("联系人", 30)
    phone = telephone("电话")
    address = text("地址", 200)

    def __str__(self) -> str:
        return self.name or ""


class PurchaseRequest(Entity):
    __tablename__ = "purchase_request"
    __admin__ = Admin(
        "采购申请",
        menu="采购管理",
        icon="fa-shopping-cart",
        menu_order=10,
        list=["code", "requested_on", "department", "applicant", "method", "supplier", "total", "status"],
        search=["code", "requested_on", "department", "applicant", "method", "supplier", "budget", "status"],
        form=["department", "applicant", "requested_on", "reason", "fund_source", "budget", "method", "supplier"],
        self_form=["reason", "fund_source", "budget", "method", "supplier"],
        show=["code", "requested_on", "department", "applicant", "reason", "fund_source", "budget",
              "budget_after", "budget_standing", "method", "supplier", "total", "status", "approval_stage",
              "minute_no", "handler", "asset_cards"],
        order=("requested_on", "desc"),
        lookup=["code", "reason"],
        summary=["department", "applicant", "total", "budget", "budget_after", "reason", "approval_stage"],
        prepare=lambda session, requests: _prepare_budget_figures(session, requests),
        start="申请采购",
        lines=[Lines("items", ["name", "spec", "unit", "quantity", "unit_price", "category", "is_fixed_asset"],
                     show=["amount"])],
        quick_filters=[
            quick("草稿", status=PurchaseStatus.draft),
            quick("待审批", status=PurchaseStatus.pending),
            quick("已批准", status=PurchaseStatus.approved),
            quick("采购中", status=PurchaseStatus.purchasing),
            quick("待验收", status=PurchaseStatus.to_accept),
            quick("待报销", status=PurchaseStatus.stored),
        ],
        scope=Scope(department="department", owner=("applicant", "handler")),
        # The applicant may change a request before it is submitted, after it is returned, and after approval
        # until the goods arrive; changed goods or budget then go back through approval.
        lock=Lock(open_in=EDITABLE, message="采购申请「{record}」当前为「{state}」，不能修改",
                  reopen_in=REAPPROVE_ON_CHANGE, reopen_on=("items", "budget", "fund_source"),
                  reopen_to=PurchaseStatus.pending),
        workflow=PURCHASE_WORKFLOW,
    )
    id = pk()
    code = serial("申请单号", "CG")
    department_id = key("department.id", required=True)
    department = relation("Department", "申请部门", prefill="current_department")
    applicant_id = key("staff.id", required=True)
    applicant = relation("Staff", "申请人", prefill="current_staff", foreign_keys=[applicant_id])
    requested_on = day("申请日期", required=True, prefill="today", index=True)
    reason = long_text("购置理由", required=True)
    fund_source = choice(FundSource, "经费来源", default=FundSource.budget)
    budget_id = key("budget.id")
    budget = relation("Budget", "经费预算",
                      qualify=Qualify(lambda target, record: department_budgets(target, record),
                                      "请选择本部门本年度的经费预算", depends=("department", "requested_on")))
    method = choice(PurchaseMethod, "采购方式", required=True, default=PurchaseMethod.self_buy)
    supplier_id = key("supplier.id")
    supplier = relation("Supplier", "供应商")
    total = money("合计金额", default=ZERO, help="各明细金额之和，自动计算")
    status = choice(PurchaseStatus, "状态", required=True, default=PurchaseStatus.draft, index=True)
    approval_stage = text("审批环节", 20, help="审批中的单据当前由哪一级审批")
    minute_no = text("校务会纪要编号", 50, help="校务会集体决策时填写会议纪要编号")
    handler_id = key("staff.id")
    handler = relation("Staff", "经办人", foreign_keys=[handler_id])
    items = relation("PurchaseItem", "采购明细", back_populates="request",
                     cascade="all, delete-orphan", order_by="PurchaseItem.id")
    acceptances = relation("Acceptance", "验收记录", back_populates="request")
    reimbursements = relation("Reimbursement", "报销记录", back_populates="request")
    assets = relation("Asset", "资产卡片", viewonly=True, order_by="Asset.id")

    def __str__(self) -> str:
        return self.code or f"采购申请（{self.department or ''}）"

    @computed("入库资产卡片", fmt="record")
    def asset_cards(self) -> list:
        """The asset cards 验收入库 made from this request's fixed-asset lines (each opens its card)."""
        return list(self.assets) if self.id is not None else []

    # ------------------------------------------------------------------ budget control
    def budget_figures(self) -> tuple[Decimal, Decimal, Decimal, Decimal] | None:
        """(预算金额, 已用 by the other requests, 本单, 本单后余额) of the named budget, or None without one."""
        budget = self.budget
        if budget is None:
            return None
        others = batch.recall(self, "budget_others")
        if others is batch.MISSING:
            others = budget.used_besides(self)
        amount, this = _money(budget.amount), _money(self.total)
        return amount, others, this, amount - others - this

    @computed("预算余额（本单后）", fmt="money")
    def budget_after(self) -> Decimal | None:
        """What the named budget would have left once this request is committed (negative: over budget)."""
        figures = self.budget_figures()
        return figures[3] if figures else None

    @computed("预算执行")
    def budget_standing(self) -> str | None:
        figures = self.budget_figures()
        if figures is None:
            return "未指定预算" if self.id is not None else None
        amount, others, this, after = figures
        return f"预算 {_yuan(amount)}，已用 {_yuan(others)}，本单 {_yuan(this)}，本单后余额 {_yuan(after)}"

    def budget_refusal(self) -> str | None:
        """Why this request may not be submitted or approved against its budget: committing it would pass
        (1 + BUDGET_OVERRUN_TOLERANCE) × 预算金额. Holds the budget's row while it checks (see the module note)."""
        if self.budget is None or self.status not in BUDGET_CHECKED or not self._budget_in_question():
            return None
        session = object_session(self.budget)
        if session is not None and self.budget.id is not None:
            lock_budget(session, self.budget)
        amount, others, this, after = self.budget_figures()
        tolerance = overrun_tolerance()
        limit = (amount * (1 + tolerance)).quantize(CENT)
        if others + this <= limit:
            return None
        share = f"{(others + this) / amount:.0%}" if amount > 0 else "—"
        return (f"超出预算过多，不能提交或审批：「{self.budget}」预算 {_yuan(amount)}，已用 {_yuan(others)}，"
                f"本单 {_yuan(this)}，合计 {_yuan(others + this)}（预算的 {share}），超过允许的 {1 + tolerance:.0%}"
                f"（最多 {_yuan(limit)}）。请减少金额或改选经费预算")

    def _budget_in_question(self) -> bool:
        """A new request, or one whose state (a step), amount or budget changes now: an unrelated edit of an
        approved request (its supplier) is not checked again."""
        state = inspect(self)
        if state.transient or state.pending:
            return True
        return any(state.attrs[name].history.has_changes() for name in ("status", "total", "budget", "budget_id"))

    def warnings(self) -> list[str]:
        """超出预算 within the tolerance: the save or step proceeds and the person is told the 余额 it leaves."""
        figures = self.budget_figures() if self.status in BUDGET_WARNED else None
        if figures is None or figures[3] >= 0:
            return []
        amount, others, this, after = figures
        found = f"超出预算：「{self.budget}」本单后余额将为 {_yuan(after)}（预算 {_yuan(amount)}，已用 {_yuan(others)}，本单 {_yuan(this)}）"
        limit = (amount * (1 + overrun_tolerance())).quantize(CENT)
        if self.status == PurchaseStatus.draft and others + this > limit:
            found += "；已超过允许的超支比例，提交审批时将被拒绝"
        return [found]

    def delete_refusal(self) -> str | None:
        if self.status not in (None, PurchaseStatus.draft):
            return f"采购申请「{self}」已提交，不能删除；不再需要时请作废"
        return None

    # ------------------------------------------------------------------ workflow effects
    def on_buying(self, session) -> None:
        from models.repairs import acting_staff

        self.handler = acting_staff(session) or self.handler or self.applicant

    def on_stored(self, session) -> list[Asset]:
        """验收入库: a passed acceptance creates one asset card per fixed-asset item, linked to this request;
        a failed one sends the request back to 采购中 (goods returned or bought again)."""
        acceptance = self.acceptances[-1] if self.acceptances else None
        if acceptance is None or acceptance.conclusion != AcceptanceConclusion.passed:
            self.status = PurchaseStatus.purchasing
            return []
        self.receive_into_store(session, acceptance)
        cards = []
        for item in self.items:
            if not item.is_fixed_asset:
                continue
            for _ in range(item.quantity or 0):
                card = Asset(
                    code=numbering.next_number(session, "ZC"), name=item.name, category=item.category,
                    spec=item.spec, unit=item.unit, quantity=1, unit_price=item.unit_price,
                    fund_source=self.fund_source, purchase_method=self.method,
                    purchased_on=acceptance.accepted_on, department=self.department, keeper=self.applicant,
                    status=AssetStatus.in_use, source_request=self,
                    remark=f"由采购申请 {self.code} 验收入库生成（{item.name}）")
                card.before_save()
                session.add(card)
                cards.append(card)
        return cards

    def receive_into_store(self, session, acceptance) -> list:
        """The lines that are not fixed assets (paper, toner, bulbs) go into the store: an 入库 movement each,
        to the item of the same 品名, 规格 and 单位, or to a new one."""
        from models.repairs import acting_staff
        from models.store import MovementKind, StockItem, StockMovement, book

        handler = acting_staff(session)
        movements = []
        for line in self.items:
            if line.is_fixed_asset or not line.quantity:
                continue
            with session.no_autoflush:
                stock = session.scalars(select(StockItem).where(
                    StockItem.name == line.name, func.coalesce(StockItem.spec, "") == (line.spec or ""),
                    StockItem.unit == line.unit)).first()
            if stock is None:
                stock = StockItem(name=line.name, spec=line.spec, unit=line.unit, on_hand=Decimal("0"),
                                  unit_cost=Decimal("0"), safety_stock=Decimal("0"))
                session.add(stock)
                numbering.assign(session, stock)
            movement = StockMovement(item=stock, kind=MovementKind.receive, quantity=line.quantity,
                                     unit_price=line.unit_price, moved_on=acceptance.accepted_on,
                                     purchase_request=self, department=self.department, handler=handler,
                                     remark=f"采购申请 {self.code} 验收入库")
            movements.append(book(session, movement))
        return movements

    def refresh_total(self) -> None:
        """合计金额 = Σ 明细金额 (a changed line sends an approved request back for approval: its Lock)."""
        for item in self.items:
            item.compute()
        self.total = sum((_money(item.amount) for item in self.items), ZERO)

    def reimbursed_amount(self) -> Decimal:
        return sum((_money(r.amount) for r in self.reimbursements), ZERO)

    def before_save(self) -> None:
        if self.status is None:
            self.status = PurchaseStatus.draft
        self.refresh_total()
        if self.status in REIMBURSABLE:  # 已报销 once the invoices cover the whole amount
            paid = self.reimbursed_amount()
            full = paid > 0 and paid >= _money(self.total)
            self.status = PurchaseStatus.reimbursed if full else PurchaseStatus.stored

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.status not in (None, PurchaseStatus.draft, PurchaseStatus.void) and not self.items:
            errors["items"] = "请至少填写一行采购明细"
        if self.budget is not None and self.requested_on is not None and self.budget.year != self.requested_on.year:
            errors["budget"] = f"所选预算属于 {self.budget.year} 年度，与申请日期的年度不符"
        elif self.budget is None and self.budget_id is None and self.status in BUDGET_CHECKED:
            errors["budget"] = "提交审批前请选择经费预算（本部门本年度的经费科目）"
        else:
            refusal = self.budget_refusal()
            if refusal:
                errors["budget"] = refusal
        return errors


class PurchaseItem(Entity):
    __tablename__ = "purchase_item"
    __admin__ = Admin(
        "采购明细",
        menu="采购管理",
        icon="fa-list-ul",
        menu_order=20,
        list=["request", "name", "spec", "unit", "quantity", "unit_price", "amount", "category", "is_fixed_asset"],
        search=["request", "name", "spec", "category", "is_fixed_asset"],
        form=["request", "name", "spec", "unit", "quantity", "unit_price", "category", "is_fixed_asset"],
        order=("id", "desc"),
        lookup=["name", "spec"],
        quick_filters=[quick("固定资产", is_fixed_asset=True)],
        scope=Scope(department="request.department", owner="request.applicant"),
    )
    id = pk()
    request_id = key("purchase_request.id", required=True)
    request = relation("PurchaseRequest", "采购申请", back_populates="items")
    # No column defaults on line columns: an extra row left untouched on the form must stay blank to be dropped.
    name = text("品名", 100, required=True)
    spec = text("规格型号", 100)
    unit = text("计量单位", 10, required=True)
    quantity = integer("数量", required=True, max=1_000_000)
    unit_price = money("单价", required=True)
    amount = money("金额", help="数量 × 单价，自动计算")
    category_id = key("asset_category.id")
    category = relation("AssetCategory", "资产分类")
    is_fixed_asset = flag("是否固定资产", help="单价 1000 元及以上自动记为固定资产，入库时一物一卡")
    # 入库 will link the asset cards created from this line (a later migration).

    def __str__(self) -> str:
        return f"{self.name or ''} {self.spec or ''}".strip()

    def compute(self) -> None:
        """金额 = 数量 × 单价; 单价 ≥ 1000 元 is a fixed asset whatever was ticked."""
        if self.quantity is not None and self.unit_price is not None:
            self.amount = (Decimal(self.quantity) * Decimal(self.unit_price)).quantize(CENT)
        if self.unit_price is not None and Decimal(self.unit_price) >= FIXED_ASSET_THRESHOLD:
            self.is_fixed_asset = True
        elif self.is_fixed_asset is None:
            self.is_fixed_asset = False

    def before_save(self) -> None:
        self.compute()
        if self.request is not None:  # a line saved on its own keeps its request's total right
            self.request.refresh_total()

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.quantity is not None and self.quantity < 1:
            errors["quantity"] = "数量至少为 1"
        if self.unit_price is not None and self.unit_price < 0:
            errors["unit_price"] = "单价不能为负数"
        if self.is_fixed_asset and self.category is None and self.category_id is None:
            errors["category"] = "固定资产须选择资产分类（入库建卡时使用）"
        return errors


class AcceptanceConclusion(Choice):
    passed = "合格"
    failed = "不合格"


class Acceptance(Entity):
    __tablename__ = "acceptance"
    __admin__ = Admin(
        "验收",
        menu="采购管理",
        icon="fa-check-circle",
        menu_order=30,
        list=["request", "inspector", "accepted_on", "conclusion"],
        search=["request", "inspector", "accepted_on", "conclusion"],
        form=["request", "inspector", "accepted_on", "conclusion", "note"],
        order=("accepted_on", "desc"),
        quick_filters=[
            quick("合格", conclusion=AcceptanceConclusion.passed),
            quick("不合格", conclusion=AcceptanceConclusion.failed),
        ],
        scope=Scope(department="request.department", owner="inspector"),
        loads=["request"],
    )
    id = pk()
    request_id = key("purchase_request.id", required=True)
    request = relation("PurchaseRequest", "采购申请", back_populates="acceptances")
    inspector_id = key("staff.id", required=True)
    inspector = relation("Staff", "验收人", prefill="current_staff")
    accepted_on = day("验收日期", required=True, prefill="today", index=True)
    conclusion = choice(AcceptanceConclusion, "结论", required=True, default=AcceptanceConclusion.passed)
    note = long_text("说明")

    def __str__(self) -> str:
        return f"{self.request} 验收"

    def validate(self) -> dict[str, str]:
        errors = {}
        request = self.request
        if self.id is None and request is not None:
            if request.status != PurchaseStatus.to_accept:
                state = request.status.value if request.status else "未知"
                errors["request"] = f"只有「待验收」的采购申请才能验收（该申请当前为「{state}」）"
            elif any(a is not self and a.conclusion == AcceptanceConclusion.passed for a in request.acceptances):
                errors["request"] = "该采购申请已验收合格，不能重复验收"
        if self.conclusion == AcceptanceConclusion.failed and not (self.note or "").strip():
            errors["note"] = "验收不合格须说明原因"
        if self.accepted_on and request is not None and request.requested_on and self.accepted_on < request.requested_on:
            errors["accepted_on"] = "验收日期不能早于申请日期"
        return errors


class Reimbursement(Entity):
    __tablename__ = "reimbursement"
    __admin__ = Admin(
        "报销",
        menu="采购管理",
        icon="fa-credit-card",
        menu_order=40,
        list=["invoice_no", "request", "amount", "reimbursed_on", "cashier"],
        search=["invoice_no", "request", "reimbursed_on", "cashier"],
        form=["request", "invoice_no", "amount", "reimbursed_on", "cashier"],
        order=("reimbursed_on", "desc"),
        lookup=["invoice_no"],
        scope=Scope(department="request.department", owner="cashier"),
    )
    id = pk()
    request_id = key("purchase_request.id", required=True)
    request = relation("PurchaseRequest", "采购申请", back_populates="reimbursements")
    invoice_no = text("发票号", 50, required=True, unique=True)
    amount = money("金额", required=True)
    reimbursed_on = day("报销日期", required=True, prefill="today", index=True)
    cashier_id = key("staff.id", required=True)
    cashier = relation("Staff", "经办出纳", prefill="current_staff")

    def __str__(self) -> str:
        return f"发票 {self.invoice_no}"

    def before_save(self) -> None:
        if self.request is not None and self.request.status in REIMBURSABLE:
            self.request.before_save()

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.amount is not None and self.amount <= 0:
            errors["amount"] = "报销金额须大于 0"
        request = self.request
        if request is None:
            return errors
        if request.status not in REIMBURSABLE:
            state = request.status.value if request.status else "未知"
            errors["request"] = f"采购申请须验收入库后才能报销（该申请当前为「{state}」）"
        if self.amount is not None and self.amount > 0:
            total = _money(request.total)
            earlier = sum((_money(r.amount) for r in request.reimbursements
                           if r is not self and (self.id is None or r.id != self.id)), ZERO)
            if _money(self.amount) > total:
                errors["amount"] = f"报销金额不能超过采购申请合计金额 ¥{total:,.2f}"
            elif earlier + _money(self.amount) > total:
                errors["amount"] = (f"该申请已报销 ¥{earlier:,.2f}，本次报销后将超过合计金额 ¥{total:,.2f}"
                                    f"（最多还可报销 ¥{total - earlier:,.2f}）")
        return errors


class Budget(Entity):
    __tablename__ = "budget"
    __table_args__ = (UniqueConstraint("department_id", "year", "subject"),)
    __admin__ = Admin(
        "经费预算",
        menu="采购管理",
        icon="fa-pie-chart",
        menu_order=60,
        list=["year", "department", "subject", "amount", "used", "remaining", "execution_rate"],
        search=["year", "department", "subject"],
        form=["department", "year", "subject", "amount", "remark"],
        show=["department", "year", "subject", "amount", "used", "remaining", "execution_rate", "remark"],
        order=("year", "desc"),
        lookup=["year", "department", "subject"],
        quick_filters=[quick("本年度", where=lambda m: m.year == clock.today().year)],
        scope=Scope(department="department"),
        loads=["department"],
        prepare=lambda session, budgets: _prepare_used(session, budgets),
    )
    id = pk()
    department_id = key("department.id", required=True)
    department = relation("Department", "部门", prefill="current_department")
    year = integer("年度", required=True, prefill="current_year", index=True, min=2000, max=2100)
    subject = text("科目", 50, required=True)
    amount = money("预算金额", required=True)
    remark = long_text("备注")

    def __str__(self) -> str:
        return f"{self.year or ''}年 {self.department or ''} {self.subject or ''}".strip()

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.amount is not None and self.amount < 0:
            errors["amount"] = "预算金额不能为负数"
        if self.year is not None and not (2000 <= self.year <= 2100):
            errors["year"] = "年度须为四位年份，例如 2026"
        return errors

    @computed("已用", fmt="money")
    def used(self) -> Decimal:
        """The requests linked to this budget from approval on (COMMITTED)."""
        known = batch.recall(self, "used")
        return self.used_besides(None) if known is batch.MISSING else known

    def used_besides(self, excluding: "PurchaseRequest | None") -> Decimal:
        """What the requests linked to this budget commit, but for ``excluding`` (the request being checked)."""
        session = object_session(self)
        if session is None or self.id is None:
            return ZERO
        criteria = [PurchaseRequest.budget_id == self.id, PurchaseRequest.status.in_(COMMITTED)]
        if excluding is not None and excluding.id is not None:
            criteria.append(PurchaseRequest.id != excluding.id)
        with session.no_autoflush:
            spent = session.scalar(select(func.coalesce(func.sum(PurchaseRequest.total), 0)).where(*criteria))
        return _money(spent)

    @computed("余额", fmt="money")
    def remaining(self) -> Decimal:
        return _money(self.amount) - self.used()

    @computed("执行率")
    def execution_rate(self) -> str:
        amount = _money(self.amount)
        return f"{self.used() / amount:.1%}" if amount > 0 else ""


def committed_by_budget(session, budget_ids) -> dict[int, Decimal]:
    """What the requests linked to each budget commit (COMMITTED), in one grouped statement."""
    budget_ids = sorted({i for i in budget_ids if i is not None})
    if not budget_ids:
        return {}
    with session.no_autoflush:
        rows = session.execute(select(PurchaseRequest.budget_id, func.coalesce(func.sum(PurchaseRequest.total), 0))
                               .where(PurchaseRequest.budget_id.in_(budget_ids),
                                      PurchaseRequest.status.in_(COMMITTED))
                               .group_by(PurchaseRequest.budget_id)).all()
    found = {budget_id: ZERO for budget_id in budget_ids}
    found.update({budget_id: _money(total) for budget_id, total in rows})
    return found


def _prepare_used(session, budgets: list[Budget]) -> None:
    used = committed_by_budget(session, (b.id for b in budgets))
    for budget in budgets:
        if budget.id in used:
            batch.remember(budget, "used", used[budget.id])


def _prepare_budget_figures(session, requests: list[PurchaseRequest]) -> None:
    """已用 by the other requests of each request's budget, for a page of requests (预算余额（本单后）)."""
    used = committed_by_budget(session, (r.budget_id for r in requests))
    for request in requests:
        if request.id is None or request.budget_id not in used:
            continue
        own = _money(request.total) if request.status in COMMITTED else ZERO
        batch.remember(request, "budget_others", used[request.budget_id] - own)


def lock_budget(session, budget: Budget) -> None:
    """Hold the budget's row until commit (PostgreSQL ``FOR UPDATE``; SQLite writes one at a time anyway), so a
    second approval against it waits and then counts the first (models/store.py lock_stock does so for stock)."""
    session.execute(select(Budget.id).where(Budget.id == budget.id).with_for_update())


def overrun_tolerance() -> Decimal:
    """BUDGET_OVERRUN_TOLERANCE (config.py): the share over 预算金额 still allowed with a warning."""
    value = current_app.config.get("BUDGET_OVERRUN_TOLERANCE") if has_app_context() else None
    return DEFAULT_OVERRUN_TOLERANCE if value is None else max(Decimal(str(value)), ZERO)


def department_budgets(target, record):
    """The budgets a request may name: its department's, of its year (this year while the form is new)."""
    department = getattr(record, "department", None)
    department_id = getattr(department, "id", None) or getattr(record, "department_id", None)
    requested = getattr(record, "requested_on", None)
    if isinstance(requested, str):  # the form's value as typed, while it is filled in
        try:
            requested = date.fromisoformat(requested.strip())
        except ValueError:
            requested = None
    year = requested.year if isinstance(requested, date) else clock.today().year
    criteria = [target.year == year]
    if department_id:
        criteria.append(target.department_id == department_id)
    return and_(*criteria)
