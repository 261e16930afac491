"""Seeds the consumables store: items, a year of 出入库记录, 领用单 in every state and one 仓库盘点.

The year is played day by day (:meth:`StoreMixin.build_store`): opening stock, the purchases accepted into
the store (as ``PurchaseRequest.receive_into_store`` does), 领用单 issued as far as stock allows, 退库, 报损,
维修领用 of recent repair orders, a count three months ago, and restocking whenever an item runs low. Each
item's 库存数量 and 单位成本 are what its movements make them (moving average, as ``StockMovement.before_save``
computes it): bulk inserts bypass the ORM event that keeps them. A few items are left below their 安全库存
and one or two at zero (a 部分发放 waits for them). The 领用单 are planned in requisitions.py, the catalogue
is in store_items.py.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, select, update

from .common import CENT, between
from .purchasing import SUPPLIERS
from .requisitions import KEEP, ZERO, Plan, RequisitionsMixin
from .store_items import (
    BRANDS,
    KNOWN_BRANDS,
    LOSS_REASONS,
    RACKS,
    REJECTIONS,
    RETURNS_FOR,
    STORE_ITEMS,
    SUPPLIER_OF,
    TRADE_CATEGORY,
)


@dataclass(eq=False)
class Item:
    key: tuple
    category: str
    price: Decimal
    safety: Decimal
    span: tuple
    needs: tuple
    place: str
    created: date
    remark: str | None = None
    code: str = ""
    on_hand: Decimal = ZERO
    unit_cost: Decimal = ZERO
    stocked: bool = False  # a catalogue item, restocked by hand when low
    low: str | None = None  # "low" or "zero": left there at the end (the 低于安全库存 list)
    frozen: bool = False  # drained as planned: nothing more goes in or out
    ordered: bool = False  # a restocking order is on its way
    row_id: int | None = None

    @property
    def name(self) -> str:
        return self.key[0]


def _round_up(quantity: Decimal, safety: Decimal) -> Decimal:
    step = 1000 if safety >= 1000 else 50 if safety >= 100 else 10 if safety >= 20 else 1
    return Decimal(math.ceil(quantity / step) * step)


class StoreMixin(RequisitionsMixin):
    """The consumables store (mixed into ``_Activity``)."""

    def build_store(self) -> None:
        from models.purchasing import Acceptance, AcceptanceConclusion, PurchaseItem, PurchaseRequest, PurchaseStatus
        from models.repairs import RepairMaterial, RepairOrder, RepairStatus

        rng = self.rng("store")
        b, today = self.b, self.today
        self.store_rng = rng
        self.keeper = b.demo_staff["baoguan"]
        self.director = b.demo_staff["zongwu"]
        self.hands = [self.keeper] * 3 + [s for s in self.on_duty["0502"]
                                          if self.staff_row[s]["position"] == "仓库保管员"]
        self.movements: list[dict] = []
        self.items: list[Item] = []
        self.by_key: dict[tuple, Item] = {}
        opened = self.year_start

        # The catalogue (more brands at a bigger scale), with its opening stock.
        catalogue = []
        for name, spec, unit, category, price, safety, span, needs in STORE_ITEMS:
            catalogue.append((name, spec, unit, category, Decimal(str(price)), Decimal(safety), span,
                              tuple(needs.split())))
        extra = 40 * (self.scale - 1)
        n = 0
        while extra > 0 and n < 40 * len(STORE_ITEMS):
            name, spec, unit, category, price, safety, span, needs = catalogue[n % len(STORE_ITEMS)]
            brands = BRANDS[category]
            brand = brands[(n // len(STORE_ITEMS)) % len(brands)]
            first, _, rest = spec.partition(" ")
            variant = f"{brand} {rest}" if first in KNOWN_BRANDS and rest else f"{brand} {spec}"
            n += 1
            if any(c[:3] == (name, variant, unit) for c in catalogue):
                continue
            factor = Decimal(str(round(rng.uniform(0.85, 1.2), 2)))
            catalogue.append((name, variant, unit, category, (price * factor).quantize(CENT), safety, span, needs))
            extra -= 1
        for name, spec, unit, category, price, safety, span, needs in catalogue:
            item = self.new_item((name, spec, unit), category, price, safety, span, needs, opened)
            item.stocked = True
        self.variants: dict[str, list[list[Item]]] = defaultdict(list)  # need → [variants of one thing]
        same: dict[tuple, list[Item]] = defaultdict(list)
        for item in self.items:
            same[(item.name, item.key[2], item.needs)].append(item)
        for group in same.values():
            for need in group[0].needs:
                self.variants[need].append(group)

        # What the purchases brought in (receive_into_store): their non-fixed lines, on the acceptance date.
        s = self.session
        stored = (PurchaseStatus.stored, PurchaseStatus.reimbursed)
        requests = {r.id: r for r in s.execute(
            select(PurchaseRequest.id, PurchaseRequest.code, PurchaseRequest.department_id,
                   PurchaseRequest.applicant_id)
            .where(PurchaseRequest.status.in_(stored)))}
        accepted = {r.request_id: r for r in s.execute(
            select(Acceptance.request_id, Acceptance.accepted_on, Acceptance.inspector_id)
            .where(Acceptance.conclusion == AcceptanceConclusion.passed, Acceptance.request_id.in_(list(requests))))}
        lines = defaultdict(list)
        for row in s.execute(select(PurchaseItem.request_id, PurchaseItem.name, PurchaseItem.spec, PurchaseItem.unit,
                                    PurchaseItem.quantity, PurchaseItem.unit_price)
                             .where(PurchaseItem.request_id.in_(list(requests)),
                                    PurchaseItem.is_fixed_asset.is_(False)).order_by(PurchaseItem.id)):
            lines[row.request_id].append(row)
        trade = {(name, spec, unit): t for lists in _catalogues() for name, spec, unit, *_, t in lists}
        receipts: dict[date, list] = defaultdict(list)
        for rid in sorted((r for r in requests if r in accepted), key=lambda r: (accepted[r].accepted_on, r)):
            if lines[rid]:
                receipts[accepted[rid].accepted_on].append((requests[rid], accepted[rid], lines[rid]))
        recently_bought = {(ln.name, ln.spec, ln.unit) for day, batch in receipts.items()
                           if day >= today - timedelta(days=40) for _, _, found in batch for ln in found}

        # The plans: 领用单 through the year, a few for the demo accounts, and the planned shortages.
        plans = self.plan_requisitions(rng)
        candidates = [i for i in self.items if i.stocked and i.safety >= 4 and i.key not in recently_bought
                      and any(need in ("office", "class", "clean", "kitchen", "dorm", "electric") for need in i.needs)]
        rng.shuffle(candidates)
        low_count = 7
        for k, item in enumerate(candidates[:low_count]):
            item.low = "zero" if k < 2 else "low"
            plans.append(self.drain_plan(rng, item))
        issue_on: dict[date, list[Plan]] = defaultdict(list)

        # Repairs finished in the last two weeks drew their materials from the store (维修领用).
        by_name: dict[tuple, Item] = {}
        for item in self.items:
            by_name.setdefault((item.name, item.key[2]), item)
        draws: dict[date, list] = defaultdict(list)
        recent = datetime.combine(today - timedelta(days=14), time.min)
        for row in s.execute(select(RepairMaterial.id, RepairMaterial.name, RepairMaterial.unit,
                                    RepairMaterial.quantity,
                                    RepairOrder.id.label("order_id"), RepairOrder.code, RepairOrder.finished_at,
                                    RepairOrder.department_id, RepairOrder.worker_id)
                             .join(RepairOrder, RepairMaterial.order_id == RepairOrder.id)
                             .where(RepairOrder.status.in_((RepairStatus.to_check, RepairStatus.done)),
                                    RepairOrder.finished_at >= recent)
                             .order_by(RepairOrder.finished_at, RepairMaterial.id)):
            item = by_name.get((row.name, row.unit))
            if item is not None:
                draws[row.finished_at.date()].append((row, item))
        limit = 40 * self.scale
        self.drawn_materials: list[dict] = []

        # The count three months ago: a Saturday, the store closed for the day.
        count_day = today - timedelta(days=95)
        count_day -= timedelta(days=(count_day.weekday() - 5) % 7)
        self.count_lines: list[dict] = []
        self.count_day = count_day

        returns: dict[date, list] = defaultdict(list)
        losses: dict[date, int] = defaultdict(int)
        for day in self.sample_days(rng, 15 * self.scale, opened + timedelta(days=20), today - timedelta(days=3)):
            losses[day] += 1
        arrivals: dict[date, list[Item]] = defaultdict(list)
        freeze_from = today - timedelta(days=25)
        for plan in plans:
            if plan.fate == "issue" and plan.issued_at is not None:
                issue_on[plan.issued_at.date()].append(plan)

        for item in self.items:  # opening stock, counted when the store went on the system
            quantity = _round_up(item.safety * Decimal(str(round(rng.uniform(2.5, 4), 2))), item.safety)
            self.move(item, "receive", quantity, opened, price=item.price, handler=self.keeper,
                      remark="系统启用，期初库存盘点入账")

        for day in self.days(opened, today):
            if day == count_day:
                self.count_store(rng, day)
            for request, acceptance, found in receipts.get(day, ()):
                received = []
                for line in found:
                    key = (line.name, line.spec, line.unit)
                    item = self.by_key.get(key)
                    if item is None:
                        category = TRADE_CATEGORY.get(trade.get(key, "office"), "other")
                        item = self.new_item(key, category, Decimal(line.unit_price), ZERO, (1, 1), (), day,
                                             remark="采购验收入库时建档")
                    self.move(item, "receive", Decimal(line.quantity), day, price=Decimal(line.unit_price),
                              department=request.department_id, handler=acceptance.inspector_id,
                              purchase=request.id, remark=f"采购申请 {request.code} 验收入库")
                    received.append((item, Decimal(line.quantity)))
                follow = self.follow_up(rng, request, received, day)
                if follow is not None:
                    plans.append(follow)
                    if follow.fate == "issue" and follow.issued_at is not None:
                        issue_on[follow.issued_at.date()].append(follow)
            for item in arrivals.pop(day, ()):
                item.ordered = False
                if item.frozen:
                    continue
                quantity = _round_up(max(item.safety * 3 - item.on_hand, item.safety), item.safety)
                self.restock(rng, item, quantity, day)
            for plan in sorted(issue_on.pop(day, ()), key=lambda p: p.issued_at):
                self.issue(plan, day)
                for item, given in plan.issued.items():
                    if given >= 2 and not item.low and rng.random() < 0.03:
                        back = Decimal(rng.randint(1, int(given // 3) or 1))
                        returns[between(rng, day + timedelta(days=3), day + timedelta(days=30))].append(
                            (item, back, plan))
            for row, item in draws.get(day, ()):
                quantity = Decimal(row.quantity)
                if len(self.drawn_materials) >= limit or item.frozen or item.on_hand - quantity < KEEP:
                    continue
                movement = self.move(item, "repair", quantity, day, department=row.department_id,
                                     receiver=row.worker_id, handler=row.worker_id, repair=row.order_id,
                                     remark=f"报修单 {row.code}")
                price = movement["unit_price"]
                self.drawn_materials.append(dict(mid=row.id, item=item, unit_price=price,
                                                 amount=(quantity * price).quantize(CENT)))
            for item, back, plan in returns.pop(day, ()):
                if not item.frozen:
                    self.move(item, "give_back", back, day, department=b.dept_ids[plan.dept],
                              receiver=plan.responsible or plan.applicant, handler=self.keeper,
                              remark="领用单 {code} 剩余未用，退回仓库", plan=plan)
            for _ in range(losses.get(day, 0)):
                pool = [i for i in self.items if i.stocked and not i.low and i.on_hand >= 3]
                if pool:
                    item = rng.choice(pool)
                    quantity = min(item.on_hand - KEEP, max(KEEP, (item.on_hand * Decimal(
                        str(round(rng.uniform(0.02, 0.1), 2)))).to_integral_value()))
                    self.move(item, "loss", quantity, day, handler=self.keeper,
                              remark=rng.choice(LOSS_REASONS[item.category]))
            for item in self.items:  # restock what runs low (a planned shortage is not restocked at the end)
                running_low = item.on_hand < item.safety * Decimal("1.5")
                if item.stocked and running_low and not item.ordered and not item.frozen \
                        and not (item.low and day >= freeze_from):
                    item.ordered = True
                    arrivals[day + timedelta(days=rng.randint(1, 5))].append(item)
        for item in self.items:  # an order due after today arrives today
            if item.stocked and not item.low and item.on_hand < item.safety:
                self.restock(rng, item, _round_up(item.safety * 3 - item.on_hand, item.safety), today)
        self.settle_waiting(plans)
        self.write_store(plans)

    # -- items and movements -----------------------------------------------------------------------
    def new_item(self, key, category, price, safety, span, needs, created, remark=None) -> Item:
        rng = self.store_rng
        place = f"后勤楼物资仓库 {RACKS[category]}架{rng.randint(1, 4)}层"
        item = Item(key=key, category=category, price=price, safety=safety, span=span, needs=needs, place=place,
                    created=created, remark=remark)
        item.code = self.number("WZ", created)
        self.items.append(item)
        self.by_key[key] = item
        return item

    def move(self, item: Item, kind: str, quantity: Decimal, day: date, *, price: Decimal | None = None,
             department=None, receiver=None, handler=None, purchase=None, repair=None, plan: Plan | None = None,
             stocktake: bool = False, remark: str | None = None) -> dict:
        """Book one movement as StockMovement.before_save and its after_insert event would."""
        from models.store import MovementKind

        kind = MovementKind[kind]
        inbound = kind in (MovementKind.receive, MovementKind.give_back, MovementKind.gain)
        if price is None or not inbound:
            price = item.unit_cost
        price = Decimal(price).quantize(CENT)
        if inbound:
            have = max(item.on_hand, ZERO)
            total = have + quantity
            item.unit_cost = price if total <= 0 else \
                ((have * item.unit_cost + quantity * price) / total).quantize(CENT)
            item.on_hand += quantity
        else:
            if quantity > item.on_hand:
                raise AssertionError(f"demo store would go below zero: {item.key}")
            item.on_hand -= quantity
        row = dict(code=self.number("KC", day), item=item, kind=kind, quantity=quantity, unit_price=price,
                   amount=(quantity * price).quantize(CENT), moved_on=day, department_id=department,
                   receiver_id=receiver, handler_id=handler, requisition=plan if kind == MovementKind.issue else None,
                   purchase_request_id=purchase, repair_order_id=repair, stocktake=stocktake, remark=remark,
                   row_version=1, _plan=plan)
        self.movements.append(row)
        return row

    def restock(self, rng, item: Item, quantity: Decimal, day: date) -> None:
        trade = SUPPLIER_OF.get(item.category, "office")
        names = [name for name, *_, t in SUPPLIERS if t == trade] or [SUPPLIERS[0][0]]
        price = (item.price * Decimal(str(round(rng.uniform(0.95, 1.06), 3)))).quantize(CENT)
        self.move(item, "receive", quantity, day, price=max(price, CENT), handler=rng.choice(self.hands),
                  remark=f"{rng.choice(names)} 送货入库")

    # -- the count -------------------------------------------------------------------------------------
    def count_store(self, rng, day: date) -> None:
        """A whole-store count: every item's book quantity; a few differ, booked as 盘盈 / 盘亏."""
        from models.stocktake import StocktakeResult

        off = {id(i) for i in rng.sample([i for i in self.items if i.on_hand >= 3], 6)}
        start = datetime.combine(day, time(8, 30))
        for n, item in enumerate(sorted(self.items, key=lambda i: (i.place, i.code))):
            book = item.on_hand
            counted = book
            if id(item) in off:
                counted = book + Decimal(rng.choice((-2, -1, -1, 1, 2)))
            result = StocktakeResult.normal if counted == book else \
                StocktakeResult.surplus if counted > book else StocktakeResult.missing
            self.count_lines.append(dict(item=item, book_quantity=book, counted_quantity=counted, result=result,
                                         checked_at=start + timedelta(minutes=2 * n), remark=None))
        for line in self.count_lines:
            difference = line["counted_quantity"] - line["book_quantity"]
            if difference:
                self.move(line["item"], "gain" if difference > 0 else "shortage", abs(difference), day,
                          handler=self.keeper, stocktake=True, remark="盘点「{stocktake}」账实差异")

    # -- writing ---------------------------------------------------------------------------------------
    def write_store(self, plans: list[Plan]) -> None:
        from app.rules.history import WorkflowLog
        from models.repairs import RepairMaterial
        from models.stocktake import STOCKTAKE_WORKFLOW, Stocktake, StocktakeKind, StocktakeLine, StocktakeStatus
        from models.store import (
            REQUISITION_WORKFLOW,
            Requisition,
            RequisitionLine,
            RequisitionStatus,
            StockCategory,
            StockItem,
            StockMovement,
        )

        b = self.b
        step = {s.name: s for s in REQUISITION_WORKFLOW.steps}
        ids = self.insert_ids(StockItem, [dict(
            code=i.code, name=i.key[0], spec=i.key[1], unit=i.key[2], category=StockCategory[i.category],
            safety_stock=i.safety, place=i.place, on_hand=i.on_hand, unit_cost=i.unit_cost, remark=i.remark,
            row_version=1) for i in self.items])
        for item, rid in zip(self.items, ids):
            item.row_id = rid

        count_name = f"{self.count_day.year}年{self.count_day.month}月物资仓库盘点"
        [count_id] = self.insert_ids(Stocktake, [dict(
            name=count_name, kind=StocktakeKind.store, department_id=None, location_id=None, category_id=None,
            started_on=self.count_day, ended_on=self.count_day, handler_id=self.keeper,
            status=StocktakeStatus.closed, row_version=1)])
        self.bulk(StocktakeLine, [dict(
            stocktake_id=count_id, asset_id=None, item_id=line["item"].row_id, expected=True, book_location_id=None,
            book_quantity=line["book_quantity"], found=None, actual_location_id=None,
            counted_quantity=line["counted_quantity"], checked_at=line["checked_at"], result=line["result"],
            remark=line["remark"], row_version=1) for line in self.count_lines])
        stocktake_step = {s.name: s for s in STOCKTAKE_WORKFLOW.steps}
        end = datetime.combine(self.count_day, time(11, 40))
        logs = [self.log("Stocktake", count_id, stocktake_step["submit"], end, self.keeper,
                         source=StocktakeStatus.open, target=StocktakeStatus.submitted),
                dict(self.log("Stocktake", count_id, stocktake_step["approve"], end + timedelta(hours=3),
                              self.director, source=StocktakeStatus.submitted, target=StocktakeStatus.closed),
                     decision="通过")]

        # 领用单, numbered in the order they were asked for.
        kept = sorted((p for p in plans if not p.dropped and p.wants), key=lambda p: p.requested)
        rows = []
        for plan in kept:
            plan.code = self.number("LY", plan.requested.date())
            status = self.state_of(plan)
            plan.status = status
            rows.append(dict(code=plan.code, department_id=b.dept_ids[plan.dept], applicant_id=plan.applicant,
                             requested_on=plan.requested.date(), purpose=plan.purpose, for_class=plan.for_class,
                             responsible_id=plan.responsible, status=status, row_version=1))
        for plan, rid in zip(kept, self.insert_ids(Requisition, rows)):
            plan.row_id = rid
        self.bulk(RequisitionLine, [dict(requisition_id=p.row_id, item_id=item.row_id, quantity=quantity,
                                         issued=p.issued.get(item), row_version=1)
                                    for p in kept for item, quantity in p.wants])
        S = RequisitionStatus
        for plan in kept:
            rid, status = plan.row_id, plan.status
            if status == S.pending:
                continue
            if status == S.cancelled:
                logs.append(self.log("Requisition", rid, step["cancel"], plan.approved_at, plan.applicant,
                                     source=S.pending, target=S.cancelled))
                continue
            decision, target, comment = "通过", S.approved, None
            if status == S.rejected:
                decision, target, comment = "驳回", S.rejected, self.store_rng.choice(REJECTIONS)
            elif status == S.returned:
                decision, target, comment = "退回修改", S.returned, self.store_rng.choice(RETURNS_FOR)
            logs.append(dict(self.log("Requisition", rid, step["approve"], plan.approved_at, self.director, comment,
                                      S.pending, target), decision=decision))
            if status in (S.issued, S.partial):
                logs.append(self.log("Requisition", rid, step["issue"], plan.issued_at, self.keeper,
                                     source=S.approved, target=status))

        # The ledger, in date order (ids follow it), each row pointing at what made it.
        for row in self.movements:
            plan = row.pop("_plan")
            item = row.pop("item")
            row["item_id"] = item.row_id
            row["requisition_id"] = plan.row_id if row.pop("requisition") is not None else None
            row["stocktake_id"] = count_id if row.pop("stocktake") else None
            if row["remark"] and "{" in row["remark"]:
                row["remark"] = row["remark"].format(code=plan.code if plan else "", stocktake=count_name)
        self.movements.sort(key=lambda r: (r["moved_on"], r["code"]))
        self.bulk(StockMovement, self.movements)
        self.bulk(WorkflowLog, logs)

        if self.drawn_materials:
            table = RepairMaterial.__table__
            self.session.execute(
                update(table).where(table.c.id == bindparam("mid"))
                .values(item_id=bindparam("item_id"), drawn=True, unit_price=bindparam("price"),
                        amount=bindparam("total")),
                [dict(mid=m["mid"], item_id=m["item"].row_id, price=m["unit_price"], total=m["amount"])
                 for m in self.drawn_materials])


def _catalogues() -> list:
    from . import purchasing

    return [value for name, value in vars(purchasing).items() if name.isupper() and isinstance(value, list)]
