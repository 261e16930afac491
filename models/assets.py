"""校产: categories, locations, asset cards, loans, transfers, damages, disposals, stocktakes."""
from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from sqlalchemy import Index, UniqueConstraint, and_
from sqlalchemy.orm import object_session

from app.declare import (
    Admin,
    Choice,
    Entity,
    Import,
    Lock,
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
    text,
)
from app.declare.workflow import Step, Tier, Workflow, exceeds, person, role
from app.meta import clock
from app.rules import read

FIXED_ASSET_THRESHOLD = Decimal("1000")


def _as_moment(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.combine(value, time.min)


class AssetStatus(Choice):
    in_use = "在用"
    idle = "闲置"
    on_loan = "借出"
    repairing = "维修中"
    scrapped = "已报废"
    missing = "盘亏"


class UsePurpose(Choice):
    teaching = "教学"
    admin = "行政"
    living = "生活后勤"


class FundSource(Choice):
    budget = "财政拨款"
    school = "学校自筹"
    donation = "捐赠"
    other = "其他"


class PurchaseMethod(Choice):
    self_buy = "自购"
    inquiry = "询价"
    tender = "招标"
    government = "政府采购"


class AssetCategory(Entity):
    __tablename__ = "asset_category"
    __admin__ = Admin(
        "资产分类",
        menu="校产管理",
        icon="fa-tags",
        menu_order=10,
        list=["code", "name", "parent"],
        search=["code", "name", "parent"],
        form=["code", "name", "parent"],
        order=("code", "asc"),
    )
    id = pk()
    code = text("分类代码", 20, required=True, unique=True)
    name = text("名称", 50, required=True)
    parent_id = key("asset_category.id")
    parent = relation("AssetCategory", "上级分类", remote_side=[id])

    def __str__(self) -> str:
        return self.name or ""


class Location(Entity):
    __tablename__ = "location"
    __table_args__ = (Index("ix_location_school_building", "school_id", "building"),  # a school's list in its order
                      UniqueConstraint("campus", "building", "room"))
    __admin__ = Admin(
        "存放地点",
        menu="校产管理",
        icon="fa-map-marker",
        menu_order=20,
        list=["campus", "building", "room"],
        search=["campus", "building", "room"],
        form=["campus", "building", "room", "school"],
        order=("building", "asc"),
        scope=Scope(unit="school"),
    )
    id = pk()
    campus = text("校区", 30, required=True, default="本部")
    building = text("楼栋", 30, required=True, pinyin=True)
    room = text("房间号", 30, required=True)
    school_id = key("department.id", index=False)  # led by ix_location_school_building
    school = relation("Department", "所属学校", help="区教育局下有多所学校时，记录属于哪一所；学校的人登记时自动为本校")

    def __str__(self) -> str:
        return f"{self.campus or ''}{self.building or ''}{self.room or ''}"


class Asset(Entity):
    __tablename__ = "asset"
    # the list's order (资产编号) and the most sorted column (单价), each with the tie-break: a page far down the
    # list walks the index alone (app/fab/datamodel.py)
    __table_args__ = (Index("ix_asset_code_id", "code", "id"), Index("ix_asset_unit_price_id", "unit_price", "id"))
    __admin__ = Admin(
        "资产卡片",
        menu="校产管理",
        icon="fa-archive",
        menu_order=30,
        list=["code", "name", "category", "spec", "quantity", "unit_price", "amount",
              "department", "keeper", "location", "status", "purchased_on"],
        search=["code", "name", "category", "brand", "spec", "department", "keeper",
                "location", "status", "purpose", "purchased_on"],
        form=["code", "name", "category", "brand", "spec", "serial_no", "unit", "quantity",
              "unit_price", "fund_source", "purchase_method", "purchased_on", "warranty_until",
              "department", "keeper", "user", "location", "purpose", "status", "remark"],
        show=["code", "name", "category", "brand", "spec", "serial_no", "unit", "quantity", "unit_price", "amount",
              "fund_source", "purchase_method", "purchased_on", "warranty_until", "department", "keeper", "user",
              "location", "purpose", "status", "source_request", "last_stocktake_on", "next_maintenance", "remark",
              "life"],
        order=("code", "desc"),
        lookup=["code", "name", "spec"],
        quick_filters=[
            quick("在用", status=AssetStatus.in_use),
            quick("闲置", status=AssetStatus.idle),
            quick("借出", status=AssetStatus.on_loan),
            quick("维修中", status=AssetStatus.repairing),
            quick("已报废", status=AssetStatus.scrapped),
        ],
        scope=Scope(department="department", owner="keeper"),
        imports=Import(match="code", columns=[
            "code", "name", "category", "brand", "spec", "serial_no", "unit", "quantity", "unit_price",
            "fund_source", "purchase_method", "purchased_on", "warranty_until", "department", "keeper", "user",
            "location", "purpose", "status", "remark"]),
    )
    id = pk()
    code = text("资产编号", 30, required=True, unique=True)
    name = text("资产名称", 100, required=True, index=True, pinyin=True)
    category_id = key("asset_category.id", required=True)
    category = relation("AssetCategory", "分类")
    brand = text("品牌", 50)
    spec = text("规格型号", 100)
    serial_no = text("出厂编号", 60)
    unit = text("计量单位", 10, required=True, default="台")
    quantity = integer("数量", required=True, default=1, max=100_000)
    unit_price = money("单价", required=True)
    amount = money("金额", help="数量 × 单价，自动计算")
    fund_source = choice(FundSource, "经费来源")
    purchase_method = choice(PurchaseMethod, "采购方式")
    purchased_on = day("购置日期", required=True, prefill="today", index=True)
    warranty_until = day("保修截止")
    department_id = key("department.id", required=True)
    department = relation("Department", "使用部门", prefill="current_department")
    keeper_id = key("staff.id")
    keeper = relation("Staff", "责任人", foreign_keys=[keeper_id])
    user_id = key("staff.id")
    user = relation("Staff", "使用人", foreign_keys=[user_id])
    location_id = key("location.id")
    location = relation("Location", "存放地点")
    purpose = choice(UsePurpose, "使用方向", default=UsePurpose.teaching)
    status = choice(AssetStatus, "状态", required=True, default=AssetStatus.in_use, index=True)
    last_stocktake_on = day("上次盘点日期")
    remark = long_text("备注")
    source_request_id = key("purchase_request.id")
    source_request = relation("PurchaseRequest", "来源采购单", foreign_keys=[source_request_id])
    loans = relation("AssetLoan", "借用记录", viewonly=True)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def before_save(self) -> None:
        if self.quantity is not None and self.unit_price is not None:
            self.amount = (Decimal(self.quantity) * Decimal(self.unit_price)).quantize(Decimal("0.01"))

    @computed("下次保养", fmt="date")
    def next_maintenance(self):
        """The nearest deadline of the 设备保养 plans covering this card (itself, or its category)."""
        from models.routines import maintenance_plans_of

        session = object_session(self)
        if session is None or self.id is None:
            return None
        dues = [due for due in (plan.next_due() for plan in maintenance_plans_of(session, self)) if due]
        return min(dues) if dues else None

    @computed("履历", fmt="timeline")
    def life(self) -> list:
        """购置, 调拨, 借用, 维修, 盘点, 损坏, 报废 of this card, oldest first, each within the reader's scope."""
        from models.repairs import RepairOrder
        from models.stocktake import Stocktake, StocktakeLine, StocktakeStatus

        session = object_session(self)
        if session is None or self.id is None:
            return []

        def of(model, *where):
            return session.scalars(read.select(model, model.asset_id == self.id, *where)).all()

        events = [(self.purchased_on, "购置", self.source_request, f"{self.department or ''} 单价 ¥{self.unit_price or 0:,.2f}")]
        for t in of(AssetTransfer):
            events.append((t.transferred_on, "调拨", t, f"{t.from_department or ''}{t.from_location or ''} → "
                                                        f"{t.to_department or ''}{t.to_location or ''}"))
        for loan in of(AssetLoan):
            events.append((loan.lent_on, "借出", loan, str(loan.borrower or "")))
            if loan.returned_on:
                events.append((loan.returned_on, "归还", loan, loan.return_condition or ""))
        for order in of(RepairOrder):
            events.append((order.reported_at, "报修", order, order.title or ""))
            if order.finished_at:
                events.append((order.finished_at, "修复", order, order.work_record or ""))
        for line in of(StocktakeLine, StocktakeLine.stocktake.has(Stocktake.status == StocktakeStatus.closed)):
            events.append((line.stocktake.ended_on, "盘点", line.stocktake, str(line.result or "")))
        for damage in of(AssetDamage):
            events.append((damage.damaged_on, "损坏", damage, f"{damage.cause or ''} {damage.liable or ''}".strip()))
        for disposal in of(AssetDisposal):
            events.append((disposal.applied_on, "报废申请", disposal, str(disposal.status or "")))
        return sorted((e for e in events if e[0] is not None), key=lambda e: _as_moment(e[0]))

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.quantity is not None and self.quantity < 1:
            errors["quantity"] = "数量至少为 1"
        if self.unit_price is not None and self.unit_price < 0:
            errors["unit_price"] = "单价不能为负数"
        if (self.unit_price is not None and self.unit_price >= FIXED_ASSET_THRESHOLD
                and self.quantity is not None and self.quantity > 1):
            errors["quantity"] = "单价 1000 元及以上的固定资产须一物一卡，数量只能为 1"
        if self.warranty_until and self.purchased_on and self.warranty_until < self.purchased_on:
            errors["warranty_until"] = "保修截止不能早于购置日期"
        return errors


class LoanStatus(Choice):
    lent = "借出中"
    returned = "已归还"
    overdue = "逾期"
    awaiting = "待审批"
    refused = "未获批准"


class LoanApproval(Choice):
    none = "无需审批"
    pending = "待审批"
    approved = "已批准"
    rejected = "已驳回"
    returned = "退回修改"


def loan_needs_approval(loan) -> bool:
    """Taking an asset out of school, or borrowing a valuable one, needs approval (config LOAN_APPROVAL_VALUE)."""
    from flask import current_app, has_app_context

    if loan.outside:
        return True
    limit = current_app.config.get("LOAN_APPROVAL_VALUE") if has_app_context() else None
    asset = loan.asset
    return limit is not None and asset is not None and asset.unit_price is not None and asset.unit_price >= limit


# The lending department's head agrees first, then 后勤主任; a borrower who heads that department passes to 后勤主任.
LOAN_WORKFLOW = Workflow("approval", stage="approval_stage", requester="borrower", started="lent_on", steps=(
    Step("approve", "借用审批", (LoanApproval.pending,), LoanApproval.approved, not_by=("borrower",),
         tiers=(Tier("部门负责人", "资产所在部门负责人审批", person("asset.department.head")),
                Tier("后勤主任", "后勤主任审批", role("后勤主任"))),
         reject_to=LoanApproval.rejected, return_to=LoanApproval.returned, effect="on_approved", style="success"),
    Step("resubmit", "修改后重新提交", (LoanApproval.returned,), LoanApproval.pending, person("borrower")),
))
AWAITING_LOAN = (LoanApproval.pending, LoanApproval.returned)


class AssetLoan(Entity):
    __tablename__ = "asset_loan"
    __admin__ = Admin(
        "借用登记",
        menu="校产管理",
        icon="fa-exchange",
        menu_order=40,
        list=["asset", "borrower", "department", "lent_on", "due_on", "returned_on", "outside", "state"],
        search=["asset", "borrower", "department", "lent_on", "due_on", "returned_on", "outside", "approval"],
        form=["asset", "borrower", "department", "outside", "purpose", "lent_on", "due_on", "returned_on",
              "return_condition"],
        show=["asset", "borrower", "department", "outside", "purpose", "lent_on", "due_on", "returned_on",
              "return_condition", "approval", "approval_stage", "state"],
        order=("lent_on", "desc"),
        quick_filters=[
            quick("借出中", returned_on=None),
            quick("逾期", where=lambda m: and_(m.returned_on.is_(None), m.due_on < clock.today())),
            quick("已归还", where=lambda m: m.returned_on.is_not(None)),
            quick("待审批", approval=LoanApproval.pending),
        ],
        scope=Scope(department=("department", "asset.department"), owner=("borrower", "asset.department.head")),
        lock=Lock(field="approval", closed_in=(LoanApproval.rejected,),
                  message="该借用申请已被驳回，不能修改；如仍需借用请重新登记"),
        workflow=LOAN_WORKFLOW,
        summary=["asset", "borrower", "department", "due_on", "outside"],
        overdue=lambda loan: loan.state() == LoanStatus.overdue,
        loads=["asset", "borrower"],
    )
    id = pk()
    asset_id = key("asset.id", required=True)
    asset = relation("Asset", "资产")
    borrower_id = key("staff.id", required=True)
    borrower = relation("Staff", "借用人", prefill="current_staff")
    department_id = key("department.id", required=True)
    department = relation("Department", "借用部门", prefill="current_department")
    lent_on = day("借出日期", required=True, prefill="today")
    due_on = day("应还日期", required=True)
    returned_on = day("归还日期")
    return_condition = text("归还状况", 100)
    outside = flag("校外借用", help="借出校外须审批；贵重物品（单价达到规定金额）校内借用也须审批")
    purpose = text("借用用途", 200)
    approval = choice(LoanApproval, "审批状态", required=True, default=LoanApproval.none, index=True)
    approval_stage = text("审批环节", 20)

    def __str__(self) -> str:
        return f"{self.asset} → {self.borrower}"

    @computed("状态")
    def state(self) -> LoanStatus:
        """Derived, never stored: a loan becomes 逾期 the day after its 应还日期 without anyone saving it."""
        if self.approval in AWAITING_LOAN:
            return LoanStatus.awaiting
        if self.approval == LoanApproval.rejected:
            return LoanStatus.refused
        if self.returned_on:
            return LoanStatus.returned
        if self.due_on and self.due_on < clock.today():
            return LoanStatus.overdue
        return LoanStatus.lent

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.due_on and self.lent_on and self.due_on < self.lent_on:
            errors["due_on"] = "应还日期不能早于借出日期"
        if self.returned_on and self.lent_on and self.returned_on < self.lent_on:
            errors["returned_on"] = "归还日期不能早于借出日期"
        if self.asset is not None and self.returned_on is None:
            if self.asset.status in (AssetStatus.scrapped, AssetStatus.missing):
                errors["asset"] = f"该资产状态为「{self.asset.status.value}」，不能借出"
            elif any(loan is not self and loan.id != self.id and loan.returned_on is None and loan.lent_out()
                     for loan in self.asset.loans):
                errors["asset"] = "该资产已借出且尚未归还"
        return errors

    def lent_out(self) -> bool:
        return self.approval in (None, LoanApproval.none, LoanApproval.approved)

    def before_save(self) -> None:
        if self.approval in (None, LoanApproval.none) and loan_needs_approval(self):
            self.approval = LoanApproval.pending
        if self.asset is not None and self.lent_out():
            if self.returned_on is None:
                self.asset.status = AssetStatus.on_loan
            elif self.asset.status == AssetStatus.on_loan:
                self.asset.status = AssetStatus.in_use

    def on_approved(self, session) -> None:
        """Approved: the asset leaves now (its status becomes 借出)."""
        self.approval = LoanApproval.approved
        self.before_save()



class AssetTransfer(Entity):
    __tablename__ = "asset_transfer"
    __admin__ = Admin(
        "调拨",
        menu="校产管理",
        icon="fa-random",
        menu_order=50,
        list=["asset", "from_department", "to_department", "to_keeper", "to_location", "transferred_on"],
        search=["asset", "from_department", "to_department", "transferred_on"],
        form=["asset", "to_department", "to_keeper", "to_location", "transferred_on", "reason"],
        show=["asset", "from_department", "from_keeper", "from_location", "to_department",
              "to_keeper", "to_location", "transferred_on", "reason"],
        order=("transferred_on", "desc"),
        scope=Scope(department="to_department"),
        loads=["asset"],
    )
    id = pk()
    asset_id = key("asset.id", required=True)
    asset = relation("Asset", "资产")
    from_department_id = key("department.id")
    from_department = relation("Department", "原部门", foreign_keys=[from_department_id])
    from_keeper_id = key("staff.id")
    from_keeper = relation("Staff", "原责任人", foreign_keys=[from_keeper_id])
    from_location_id = key("location.id")
    from_location = relation("Location", "原地点", foreign_keys=[from_location_id])
    to_department_id = key("department.id", required=True)
    to_department = relation("Department", "新部门", foreign_keys=[to_department_id])
    to_keeper_id = key("staff.id")
    to_keeper = relation("Staff", "新责任人", foreign_keys=[to_keeper_id])
    to_location_id = key("location.id")
    to_location = relation("Location", "新地点", foreign_keys=[to_location_id])
    transferred_on = day("日期", required=True, prefill="today")
    reason = long_text("原因", required=True)

    def __str__(self) -> str:
        return f"{self.asset} 调拨"

    def validate(self) -> dict[str, str]:
        if self.asset is not None and self.asset.status == AssetStatus.scrapped:
            return {"asset": "已报废的资产不能调拨"}
        return {}

    def before_save(self) -> None:
        """A new transfer records where the asset was and moves it."""
        if self.id is None and self.asset is not None:
            self.from_department = self.asset.department
            self.from_keeper = self.asset.keeper
            self.from_location = self.asset.location
            self.asset.department = self.to_department
            self.asset.keeper = self.to_keeper or self.asset.keeper
            self.asset.location = self.to_location or self.asset.location


class DamageCause(Choice):
    natural = "自然损坏"
    human = "人为损坏"


class AssetDamage(Entity):
    __tablename__ = "asset_damage"
    __admin__ = Admin(
        "损坏赔偿",
        menu="校产管理",
        icon="fa-chain-broken",
        menu_order=60,
        list=["asset", "damaged_on", "cause", "liable", "compensation", "settled"],
        search=["asset", "damaged_on", "cause", "liable", "settled"],
        form=["asset", "damaged_on", "cause", "liable", "compensation", "settled", "remark"],
        order=("damaged_on", "desc"),
        quick_filters=[
            quick("人为损坏", cause=DamageCause.human),
            quick("未结清", cause=DamageCause.human, settled=False),
        ],
        scope=Scope(department="asset.department"),
        loads=["asset"],
    )
    id = pk()
    asset_id = key("asset.id", required=True)
    asset = relation("Asset", "资产")
    damaged_on = day("日期", required=True, prefill="today")
    cause = choice(DamageCause, "原因", required=True, default=DamageCause.natural)
    liable = text("责任人或班级", 50)
    compensation = money("赔偿金额", default=Decimal("0"))
    settled = flag("已结清")
    remark = long_text("备注")

    def __str__(self) -> str:
        return f"{self.asset} {self.cause}"

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.cause == DamageCause.natural and self.compensation:
            errors["compensation"] = "自然损坏只登记，不收赔偿"
        if self.cause == DamageCause.human and not self.liable:
            errors["liable"] = "人为损坏须填写责任人或班级"
        if self.compensation is not None and self.compensation < 0:
            errors["compensation"] = "赔偿金额不能为负数"
        return errors


class DisposalStatus(Choice):
    pending = "待审批"
    approved = "已批准"
    rejected = "已驳回"
    returned = "退回修改"


# 后勤主任 approves; an asset worth more than DISPOSAL_APPROVAL_LIMITS["校长"] also needs the principal.
DISPOSAL_WORKFLOW = Workflow("status", stage="approval_stage", requester="applicant", started="applied_on", steps=(
    Step("approve", "报废审批", (DisposalStatus.pending,), DisposalStatus.approved, not_by=("applicant",),
         tiers=(Tier("后勤主任", "后勤主任审批", role("后勤主任")),
                Tier("校长", "校长审批", role("校长"), when=exceeds("original_value", "DISPOSAL_APPROVAL_LIMITS", "校长"))),
         reject_to=DisposalStatus.rejected, return_to=DisposalStatus.returned, effect="scrap", style="success"),
    Step("resubmit", "修改后重新提交", (DisposalStatus.returned,), DisposalStatus.pending, person("applicant")),
))


class AssetDisposal(Entity):
    __tablename__ = "asset_disposal"
    __admin__ = Admin(
        "报废申请",
        menu="校产管理",
        icon="fa-trash",
        menu_order=70,
        list=["asset", "applicant", "applied_on", "residual_value", "status"],
        search=["asset", "applicant", "applied_on", "status"],
        form=["asset", "applicant", "applied_on", "reason", "residual_value"],
        show=["asset", "applicant", "applied_on", "reason", "residual_value", "status", "approval_stage"],
        order=("applied_on", "desc"),
        quick_filters=[quick("待审批", status=DisposalStatus.pending)],
        scope=Scope(department="asset.department", owner="applicant"),
        lock=Lock(closed_in=(DisposalStatus.approved, DisposalStatus.rejected), message="该报废申请{state}，不能再修改"),
        workflow=DISPOSAL_WORKFLOW,
        summary=["asset", "applicant", "reason", "residual_value", "approval_stage"],
        loads=["asset"],
    )
    id = pk()
    asset_id = key("asset.id", required=True)
    asset = relation("Asset", "资产")
    applicant_id = key("staff.id", required=True)
    applicant = relation("Staff", "申请人", prefill="current_staff")
    applied_on = day("申请日期", required=True, prefill="today")
    reason = long_text("原因", required=True)
    residual_value = money("残值", default=Decimal("0"))
    status = choice(DisposalStatus, "状态", required=True, default=DisposalStatus.pending)
    approval_stage = text("审批环节", 20)

    def __str__(self) -> str:
        return f"{self.asset} 报废"

    @property
    def original_value(self):
        return self.asset.amount if self.asset is not None else None

    def delete_refusal(self) -> str | None:
        if self.status == DisposalStatus.approved:
            return "已批准的报废申请不能删除"
        return None

    def scrap(self, session) -> None:
        """Approved: the asset is 已报废."""
        if self.asset is not None:
            self.asset.status = AssetStatus.scrapped
            session.add(self.asset)

    def validate(self) -> dict[str, str]:
        errors = {}
        if self.asset is not None and self.asset.status == AssetStatus.scrapped and self.id is None:
            errors["asset"] = "该资产已报废"
        elif self.asset is not None and self.status in (None, DisposalStatus.pending, DisposalStatus.returned):
            session = object_session(self) or object_session(self.asset)
            if session is not None and self.asset.id is not None:
                with session.no_autoflush:
                    other = session.query(AssetDisposal.id).filter(
                        AssetDisposal.asset_id == self.asset.id,
                        AssetDisposal.status.in_((DisposalStatus.pending, DisposalStatus.returned)),
                        AssetDisposal.id != (self.id or -1)).first()
                if other is not None:
                    errors["asset"] = "该资产已有一条审批中的报废申请"
        if self.residual_value is not None and self.residual_value < 0:
            errors["residual_value"] = "残值不能为负数"
        return errors
