"""Seeds the 领用单 of the consumables store: who asks for what, for which class, and how far each got.

Mixed into the store's mixin (store.py), which plays the year: :meth:`RequisitionsMixin.plan_requisitions`
draws the year's requests and the demo accounts' own, :meth:`~RequisitionsMixin.follow_up` the draws that
follow a purchase into the store, :meth:`~RequisitionsMixin.drain_plan` the late ones that leave an item
below its 安全库存 or at zero; :meth:`~RequisitionsMixin.issue` hands out as ``Requisition.issue`` does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from .org import GRADE_DEPTS
from .store_items import CLASS_NEEDS, DRAWERS, PURPOSE_OF_KIND, PURPOSES

if TYPE_CHECKING:
    from .store import Item

ZERO = Decimal("0")
KEEP = Decimal("1")  # an ordinary issue leaves at least this much: only the planned items run out


@dataclass(eq=False)
class Plan:
    """One 领用单: what is wanted, by whom, and the steps taken on it (times decide its state)."""

    dept: str
    applicant: int
    requested: datetime
    purpose: str
    wants: list  # [Item, quantity]
    for_class: str | None = None
    responsible: int | None = None
    fate: str = "issue"  # issue, reject, return, cancel
    approved_at: datetime | None = None
    issued_at: datetime | None = None
    drain: str | None = None  # "low" / "zero": a planned draw that leaves the item low
    issued: dict = field(default_factory=dict)  # Item → quantity handed out
    partial: bool = False
    dropped: bool = False
    code: str = ""
    row_id: int | None = None
    status: object = None


class RequisitionsMixin:
    """The store's 领用单 (mixed into ``StoreMixin``)."""

    def applicant_in(self, rng, dept: str) -> int:
        staff = self.pick_staff(rng, dept, 0.4)
        if staff == self.director:  # 后勤主任 approves them: somebody else of the office asks
            others = [s for s in self.on_duty[dept] if s != self.director]
            staff = rng.choice(others) if others else staff
        return staff

    def class_of(self, rng, staff: int, dept: str) -> str:
        grade = {"11": "高一", "12": "高二", "13": "高三"}[dept]
        if staff == self.b.demo_staff.get("jiaoshi"):
            return f"{grade}（3）班"
        number = self.classes.setdefault(staff, rng.randint(1, 12))
        return f"{grade}（{number}）班"

    def timeline(self, rng, plan: Plan, fate_roll: float | None = None) -> None:
        """When 后勤主任 decided and 财产保管员 handed out; later than now means not yet."""
        roll = rng.random() if fate_roll is None else fate_roll
        age = (self.today - plan.requested.date()).days
        if plan.drain is None:
            if roll < 0.04:
                plan.fate = "reject"
            elif roll < 0.06:
                plan.fate = "cancel"
            elif roll < 0.075 and age <= 6:
                plan.fate = "return"
        day = plan.requested.date() + timedelta(days=0 if rng.random() < 0.6 else 1)
        plan.approved_at = max(plan.requested + timedelta(minutes=20),
                               datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59))))
        if plan.fate == "cancel":
            plan.approved_at = plan.requested + timedelta(minutes=rng.randint(30, 300))
        if plan.fate == "issue":
            day = plan.approved_at.date() + timedelta(days=0 if rng.random() < 0.55 else 1)
            plan.issued_at = max(plan.approved_at + timedelta(minutes=30),
                                 datetime.combine(day, time(rng.randint(9, 16), rng.randint(0, 59))))
        if age <= 4 and plan.drain is None:  # the last days' still wait here and there
            wait = rng.random()
            if wait < 0.35:
                plan.approved_at = plan.issued_at = None
                plan.fate = "issue" if plan.fate == "cancel" else plan.fate
            elif wait < 0.6 and plan.fate == "issue":
                plan.issued_at = None
        if plan.approved_at is not None and plan.approved_at > self.now:
            plan.approved_at = plan.issued_at = None
        if plan.issued_at is not None and plan.issued_at > self.now:
            plan.issued_at = None

    def pick_wants(self, rng, need: str, count: int) -> list:
        groups = self.variants[need]
        chosen = rng.sample(groups, min(count, len(groups)))
        wants = []
        for group in chosen:
            item = rng.choice(group)
            low, high = item.span
            wants.append([item, Decimal(rng.randint(low, high))])
        return wants

    def plan_requisitions(self, rng) -> list[Plan]:
        b = self.b
        self.classes: dict[int, int] = {}
        depts = list(DRAWERS)
        weights = [w for w, _ in DRAWERS.values()]
        plans = []

        def plan_for(dept: str, when: datetime, applicant: int | None = None, need: str | None = None) -> Plan:
            applicant = applicant or self.applicant_in(rng, dept)
            need = need or rng.choice(DRAWERS[dept][1])
            wants = self.pick_wants(rng, need, rng.choices((1, 2, 3, 4), (40, 30, 20, 10))[0])
            for_class = responsible = None
            if dept in GRADE_DEPTS and need in CLASS_NEEDS and rng.random() < 0.8:
                for_class = self.class_of(rng, applicant, dept)
                heads = [s for s in self.on_duty[dept] if self.staff_row[s]["position"] == "班主任"]
                responsible = applicant if self.staff_row[applicant]["position"] == "班主任" or not heads \
                    else rng.choice(heads)
            elif rng.random() < 0.3:
                responsible = applicant
            purpose = self.purpose_for(rng, need, [item for item, _ in wants], for_class)
            return Plan(dept=dept, applicant=applicant, requested=when, purpose=purpose, wants=wants,
                        for_class=for_class, responsible=responsible)

        hours = [(7, 1), (8, 3), (9, 3), (10, 3), (11, 2), (13, 1), (14, 3), (15, 3), (16, 3), (17, 1)]
        for day in self.sample_days(rng, 650 * self.scale, self.year_start + timedelta(days=1), self.today):
            when = self.at_time(rng, day, hours)
            if when > self.now:
                when = self.now - timedelta(minutes=rng.randint(10, 60))
            plan = plan_for(rng.choices(depts, weights)[0], when)
            self.timeline(rng, plan)
            plans.append(plan)
        # The demo accounts' own, in the states their screens show.
        scripted = (("jiaoshi", "11", "class", 1, "wait"), ("jiaoshi", "11", "clean", 2, "return"),
                    ("jiaoshi", "11", "exam", 3, "issue"), ("sushe", "050202", "dorm", 1, "wait"),
                    ("shitang", "050201", "kitchen", 1, "wait"),
                    ("shitang", "050201", "kitchen", 2, "approved"), ("weixiu", "050203", "hardware", 1, "approved"),
                    ("shuidian", "050203", "electric", 2, "wait"), ("lvhua", "050204", "clean", 3, "approved"),
                    ("shitang", "050201", "kitchen", 9, "reject"))
        for username, dept, need, ago, state in scripted:
            when = datetime.combine(self.today - timedelta(days=ago), time(9 + ago, 15))
            plan = plan_for(dept, when, b.demo_staff[username], need)
            plan.fate = {"wait": "issue", "approved": "issue"}.get(state, state)
            plan.approved_at = None if state in ("wait",) else when + timedelta(hours=2)
            plan.issued_at = when + timedelta(hours=5) if state == "issue" else None
            plans.append(plan)
        return plans

    @staticmethod
    def purpose_for(rng, need: str, items: list, for_class: str | None) -> str:
        kinds = {item.category for item in items}
        special = PURPOSE_OF_KIND.get((need, next(iter(kinds)))) if len(kinds) == 1 else None
        if special and (for_class or "{cls}" not in special) and rng.random() < 0.7:
            return special.format(cls=for_class or "")
        options = [text for text in PURPOSES[need] if ("{cls}" in text) == bool(for_class)] or \
            [text for text in PURPOSES[need] if "{cls}" not in text] or ["日常用品领用"]
        return rng.choice(options).format(cls=for_class or "")

    def drain_plan(self, rng, item: Item) -> Plan:
        """A late 领用 that leaves ``item`` below its safety stock (issued) or at zero (部分发放)."""
        dept = next((d for d, (_, needs) in DRAWERS.items() if set(needs) & set(item.needs)), "02")
        ago = rng.randint(1, 3) if item.low == "zero" else rng.randint(3, 12)
        day = self.today - timedelta(days=ago)
        when = datetime.combine(day, time(rng.randint(8, 10), rng.randint(0, 59)))
        need = next(n for n in DRAWERS[dept][1] if n in item.needs)
        plan = Plan(dept=dept, applicant=self.applicant_in(rng, dept), requested=when,
                    purpose=self.purpose_for(rng, need, [item], None), wants=[[item, ZERO]], drain=item.low)
        plan.approved_at = when + timedelta(hours=1)
        plan.issued_at = when + timedelta(hours=3)
        return plan

    def follow_up(self, rng, request, received: list, day: date) -> Plan | None:
        """The requesting department takes most of what it bought (the store's own stock stays)."""
        dept = self.b.code_of_dept[request.department_id]
        if dept == "0502" or rng.random() < 0.08:  # 服务中心 buys for the store itself
            return None
        when = datetime.combine(day + timedelta(days=rng.randint(0, 2)), time(rng.randint(8, 16), rng.randint(0, 59)))
        if when > self.now:
            return None
        wants = []
        for item, quantity in received:
            if item in (w[0] for w in wants):
                continue
            wants.append([item, max(Decimal(1), (quantity * Decimal(str(round(rng.uniform(0.85, 1.0), 2))))
                                    .to_integral_value())])
        applicant = request.applicant_id if request.applicant_id != self.director else self.applicant_in(rng, dept)
        plan = Plan(dept=dept, applicant=applicant, requested=when, purpose=f"领用采购申请 {request.code} 入库物资",
                    wants=wants, responsible=applicant if rng.random() < 0.4 else None)
        self.timeline(rng, plan, fate_roll=0.5)
        return plan

    def issue(self, plan: Plan, day: date) -> None:
        """发放 as Requisition.issue does: what is wanted, as far as the store holds it (an ordinary draw
        leaves a little; a planned one empties the item or leaves it below its safety stock)."""
        kept = []
        for want in plan.wants:
            item, quantity = want
            if plan.drain == "low":
                target = Decimal(self.store_rng.randint(1, max(1, int(item.safety) // 2)))
                quantity = item.on_hand - target
                want[1] = quantity
            elif plan.drain == "zero":
                quantity = item.on_hand + Decimal(self.store_rng.randint(2, 6) * max(1, item.span[0]))
                want[1] = quantity
            if item.frozen or quantity <= 0:
                continue
            give = min(quantity, item.on_hand if plan.drain == "zero" else item.on_hand - KEEP)
            if give <= 0:
                continue
            if give < quantity and plan.drain != "zero":
                want[1] = give  # asked for what there was
            self.move(item, "issue", give, day, department=self.b.dept_ids[plan.dept],
                      receiver=plan.responsible or plan.applicant, handler=self.keeper, plan=plan,
                      remark="领用单 {code}" + (f"（{plan.for_class}）" if plan.for_class else ""))
            plan.issued[item] = give
            kept.append(want)
            if plan.drain:
                item.frozen = True
        plan.wants = kept
        if not kept:
            plan.dropped = True
        plan.partial = any(plan.issued.get(item, ZERO) < quantity for item, quantity in kept)

    @staticmethod
    def state_of(plan: Plan):
        from models.store import RequisitionStatus as S

        if plan.approved_at is not None and plan.fate in ("reject", "cancel", "return"):
            return {"reject": S.rejected, "cancel": S.cancelled, "return": S.returned}[plan.fate]
        if plan.issued:
            return S.partial if plan.partial else S.issued
        return S.approved if plan.approved_at is not None else S.pending

    def settle_waiting(self, plans: list[Plan]) -> None:
        """What still waits (待审批, 待发放, 退回修改) asks for what the store now holds, so it can be issued."""
        from models.store import RequisitionStatus as S

        for plan in plans:
            if plan.dropped or self.state_of(plan) not in (S.pending, S.approved, S.returned):
                continue
            kept, seen = [], set()
            for item, quantity in plan.wants:
                if item.on_hand < 2 or item.low:
                    group = next((g for gs in self.variants.values() for g in gs if item in g), [item])
                    item = next((i for i in group if i.on_hand >= 2 and not i.low), None)
                if item is None or item.key in seen:
                    continue
                seen.add(item.key)
                kept.append([item, max(Decimal(1), min(quantity, (item.on_hand / 3).to_integral_value()))])
            plan.wants = kept
            plan.dropped = not kept
