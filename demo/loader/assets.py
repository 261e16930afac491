"""Seeds the asset cards and their life: transfers, disposals, damages, loans and two stocktakes."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from .asset_kinds import KINDS, PROPERTY, Kind
from .common import CENT, area_rng, insert_ids
from .org import ALL_DEPTS, GRADE_DEPTS
from .places import ADMIN_PURPOSE_TAGS, TEACHING_PURPOSE_TAGS

LOAN_CONDITIONS = ("完好", "完好", "完好", "完好，配件齐全", "外观轻微磨损", "缺少电源线（已补齐）")
TRANSFER_REASONS = ("新学期班级调整，设备随班级调入", "部门职能调整，资产随岗位调入", "闲置资产调剂使用",
                    "教室改造，设备临时搬迁", "人员调岗，资产随人调拨", "按校务会决定统一调配")
DISPOSAL_REASONS = {  # by category code
    "201": ("使用年限已满，主板故障，维修费用超过残值，无维修价值", "技术淘汰，配件已停产，无法维修"),
    "207": ("压缩机损坏，整机能效不达标，建议报废", "使用年限已满，制冷效果差，多次维修无效"),
    "6": ("锈蚀变形，存在安全隐患，不宜继续使用", "板材开裂、连接件松脱，无修复价值"),
    "": ("设备老化严重，多次维修仍不能正常使用", "使用年限已满，配件已停产，无法维修"),
}
NATURAL_DAMAGE = ("使用年久，自然老化损坏", "焊点开裂，已安排维修", "屏幕出现坏点，送厂家保修",
                  "电源板老化烧毁", "五金件磨损脱落")
HUMAN_DAMAGE = ("学生打闹踢坏柜门", "篮球砸坏显示屏", "私自拆卸零件导致损坏", "搬运时磕碰损坏", "违规使用造成损坏")


class AssetsMixin:
    """The builder's asset cards and what happened to them (mixed into ``_Builder``)."""

    # -- assets ---------------------------------------------------------------------------------
    def build_assets(self) -> None:
        from models.assets import AssetStatus, FundSource, PurchaseMethod, UsePurpose

        rng = self.rng
        today = self.today
        years = list(range(today.year - 14, today.year + 1))
        year_weights = [1 + i * 0.6 for i in range(len(years))]
        existing = set(self.session.scalars(select(self.asset_model().code)))
        next_seq: dict[int, int] = defaultdict(int)

        def new_code(year: int) -> str:
            while True:
                next_seq[year] += 1
                code = f"ZC-{year}-{next_seq[year]:06d}"
                if code not in existing:
                    return code

        purpose_of = {**{t: UsePurpose.teaching for t in TEACHING_PURPOSE_TAGS},
                      **{t: UsePurpose.admin for t in ADMIN_PURPOSE_TAGS}}
        status_in_use = AssetStatus.in_use
        self.assets: list[dict] = []
        self.asset_kind: list[Kind | None] = []
        place_choices = {id(k): ([(d, t) for d, t, _ in k.places], [w for _, _, w in k.places]) for k in KINDS}

        total = 2000 * self.scale
        kinds = rng.choices(KINDS, [k.weight for k in KINDS], k=total)
        for kind in kinds:
            brand, spec, price = rng.choice(kind.models)
            unit_price = Decimal(price * rng.uniform(0.93, 1.04))
            unit_price = unit_price.quantize(Decimal("1") if unit_price >= 100 else Decimal("0.1")).quantize(CENT)
            if price >= 1000 and unit_price < 1000:  # a fixed asset stays one
                unit_price = Decimal(price).quantize(CENT)
            quantity = 1 if unit_price >= 1000 else rng.randint(*kind.batch)
            year = rng.choices(years, year_weights)[0]
            purchased = self.day_between(date(year, 1, 1), min(date(year, 12, 31), today))
            choices, weights = place_choices[id(kind)]
            dept, tag = rng.choices(choices, weights)[0]
            places = self.places[dept]
            location = rng.choice(places.get(tag) or [i for ids in places.values() for i in ids])
            keeper = self.keeper_for(dept)
            user = None
            if kind.personal:
                user = keeper if rng.random() < 0.5 else self.keeper_for(dept)
            amount = (unit_price * quantity).quantize(CENT)
            if amount >= 100000:
                method = rng.choice((PurchaseMethod.tender, PurchaseMethod.government))
            elif unit_price >= 3000:
                method = rng.choice((PurchaseMethod.inquiry, PurchaseMethod.government))
            else:
                method = rng.choice((PurchaseMethod.self_buy, PurchaseMethod.inquiry))
            age = today.year - year
            roll = rng.random()
            if roll < 0.05:
                status = AssetStatus.idle
            elif roll < 0.06:
                status = AssetStatus.repairing
            elif roll < 0.08 and age >= 8:
                status = AssetStatus.scrapped
            else:
                status = status_in_use
            self.assets.append(dict(
                code=new_code(year), name=kind.name, category_id=self.categories[kind.category], brand=brand,
                spec=spec, serial_no=f"{rng.getrandbits(44):011X}" if kind.serial else None, unit=kind.unit,
                quantity=quantity, unit_price=unit_price, amount=amount,
                fund_source=rng.choices(list(FundSource), (0.7, 0.22, 0.05, 0.03))[0], purchase_method=method,
                purchased_on=purchased,
                warranty_until=purchased + timedelta(days=365 * rng.choice((1, 2, 3))) if kind.serial else None,
                department_id=self.dept_ids[dept], keeper_id=keeper, user_id=user, location_id=location,
                purpose=purpose_of.get(tag, UsePurpose.living), status=status, last_stocktake_on=None,
                remark=None, row_version=1))
            self.asset_kind.append(kind)

        keeper = self.demo_staff["zongwu"]
        for category, name, spec, price, year in PROPERTY:
            purchased = date(year, rng.randint(6, 8), rng.randint(1, 28))
            self.assets.append(dict(
                code=new_code(year), name=name, category_id=self.categories[category], brand=None, spec=spec,
                serial_no=None, unit="栋" if category == "102" else "项", quantity=1,
                unit_price=Decimal(price).quantize(CENT), amount=Decimal(price).quantize(CENT),
                fund_source=FundSource.budget, purchase_method=PurchaseMethod.government, purchased_on=purchased,
                warranty_until=None, department_id=self.dept_ids["05"], keeper_id=keeper, user_id=None,
                location_id=None, purpose=UsePurpose.living, status=status_in_use, last_stocktake_on=None,
                remark="房屋及构筑物，按竣工决算价入账", row_version=1))
            self.asset_kind.append(None)
        self.code_of_dept = {v: k for k, v in self.dept_ids.items()}

    @staticmethod
    def asset_model():
        from models.assets import Asset

        return Asset

    def sample_assets(self, count: int, accept) -> list[int]:
        """Up to ``count`` distinct asset indexes that ``accept(index)``, drawn at random."""
        candidates = [i for i in range(len(self.assets)) if accept(i)]
        self.rng.shuffle(candidates)
        return candidates[:count]

    def plan_transfers(self) -> None:
        from models.assets import AssetStatus

        rng = self.rng
        latest = self.today - timedelta(days=30)
        self.transfers: list[dict] = []
        self.busy: set[int] = set()
        chosen = self.sample_assets(60 * self.scale, lambda i: self.asset_kind[i] is not None
                                    and self.assets[i]["status"] == AssetStatus.in_use
                                    and self.assets[i]["purchased_on"] < latest)
        for i in chosen:
            asset, kind = self.assets[i], self.asset_kind[i]
            current = self.code_of_dept[asset["department_id"]]
            options = [(d, t, w) for d, t, w in kind.places if d != current]
            if options:
                dept, tag, _ = rng.choices(options, [w for _, _, w in options])[0]
            else:
                dept, tag = rng.choice([d for d in ALL_DEPTS if d != current]), "office"
            places = self.places[dept]
            to_location = rng.choice(places.get(tag) or [x for ids in places.values() for x in ids])
            to_keeper = self.keeper_for(dept)
            moved = self.day_between(max(self.start, asset["purchased_on"] + timedelta(days=30)), self.today)
            self.transfers.append(dict(
                asset=i, from_department_id=asset["department_id"], from_keeper_id=asset["keeper_id"],
                from_location_id=asset["location_id"], to_department_id=self.dept_ids[dept], to_keeper_id=to_keeper,
                to_location_id=to_location, transferred_on=moved, reason=rng.choice(TRANSFER_REASONS),
                row_version=1))
            asset.update(department_id=self.dept_ids[dept], keeper_id=to_keeper, location_id=to_location)
            if asset["user_id"] is not None:
                asset["user_id"] = to_keeper
            self.busy.add(i)

    def plan_disposals(self) -> None:
        from models.assets import AssetStatus, DisposalStatus

        rng = self.rng
        old = self.today.year - 6
        self.disposals: list[dict] = []
        chosen = self.sample_assets(15 * self.scale, lambda i: self.asset_kind[i] is not None
                                    and i not in self.busy and self.assets[i]["purchased_on"].year <= old
                                    and self.assets[i]["status"] in (AssetStatus.in_use, AssetStatus.idle))
        for n, i in enumerate(chosen):
            asset = self.assets[i]
            status = rng.choices((DisposalStatus.pending, DisposalStatus.approved, DisposalStatus.rejected), (0.3, 0.6, 0.1))[0]
            if n == 0:
                status = DisposalStatus.pending  # at least one waits for approval
            if status == DisposalStatus.approved:
                asset["status"] = AssetStatus.scrapped
            elif status == DisposalStatus.pending:
                asset["status"] = AssetStatus.idle
            applicant = self.demo_staff["baoguan"] if rng.random() < 0.5 or not asset["keeper_id"] \
                else asset["keeper_id"]
            residual = (asset["amount"] * Decimal(rng.uniform(0, 0.05))).quantize(CENT)
            self.disposals.append(dict(asset=i, applicant_id=applicant,
                                       applied_on=self.day_between(self.start, self.today),
                                       reason=rng.choice(self.disposal_reasons(self.asset_kind[i])),
                                       residual_value=residual, status=status,
                                       approval_stage="后勤主任" if status == DisposalStatus.pending else None,
                                       row_version=1))
            self.busy.add(i)

    @staticmethod
    def disposal_reasons(kind: Kind) -> tuple[str, ...]:
        for prefix in (kind.category, kind.category[0], ""):
            if prefix in DISPOSAL_REASONS:
                return DISPOSAL_REASONS[prefix]
        return DISPOSAL_REASONS[""]

    def plan_damages(self) -> None:
        from models.assets import AssetStatus, DamageCause

        rng = self.rng
        self.damages: list[dict] = []
        chosen = self.sample_assets(40 * self.scale, lambda i: self.asset_kind[i] is not None
                                    and self.asset_kind[i].damageable and i not in self.busy
                                    and self.assets[i]["status"] == AssetStatus.in_use)
        recent = self.today - timedelta(days=20)
        for i in chosen:
            asset = self.assets[i]
            damaged = self.day_between(max(self.start, asset["purchased_on"]), self.today)
            dept = self.code_of_dept[asset["department_id"]]
            if rng.random() < 0.55:
                cause, liable, compensation, settled = DamageCause.natural, None, Decimal("0.00"), False
                remark = rng.choice(NATURAL_DAMAGE)
                if damaged >= recent:
                    asset["status"] = AssetStatus.repairing
            else:
                cause = DamageCause.human
                grade = {"11": "高一", "12": "高二", "13": "高三"}.get(dept) or rng.choice(("高一", "高二", "高三"))
                klass = f"{grade}({rng.randint(1, 12)})班"
                if dept in GRADE_DEPTS or dept == "050202" or rng.random() < 0.5:
                    liable = f"{klass} {self.person_name(rng.random() < 0.6)}" if rng.random() < 0.7 else klass
                else:
                    liable = self.staff_name[rng.choice(self.staff_by_dept[dept])]
                base = min(asset["unit_price"], asset["amount"])
                compensation = max(Decimal("10.00"), (base * Decimal(rng.uniform(0.1, 0.6))).quantize(Decimal("1")))
                compensation = compensation.quantize(CENT)
                settled = rng.random() < 0.6
                remark = rng.choice(HUMAN_DAMAGE)
            self.damages.append(dict(asset=i, damaged_on=damaged, cause=cause, liable=liable,
                                     compensation=compensation, settled=settled, remark=remark, row_version=1))
            self.busy.add(i)

    def plan_loans(self) -> None:
        from models.assets import AssetStatus, LoanApproval

        rng = self.rng
        today = self.today
        total = 150 * self.scale
        pool = self.sample_assets(total, lambda i: self.asset_kind[i] is not None and self.asset_kind[i].loanable
                                  and i not in self.busy and self.assets[i]["status"]
                                  in (AssetStatus.in_use, AssetStatus.idle))
        if len(pool) < total:  # not enough loanable items: lend other small equipment too
            extra = self.sample_assets(total - len(pool), lambda i: self.asset_kind[i] is not None
                                       and not self.asset_kind[i].loanable and i not in self.busy
                                       and self.assets[i]["unit_price"] < 10000
                                       and self.assets[i]["status"] in (AssetStatus.in_use, AssetStatus.idle))
            pool += extra
        # The demo accounts borrow first, so their screens show returned, open and overdue loans.
        scripted = [("jiaoshi", "returned")] * 4 + [("jiaoshi", "lent"), ("jiaoshi", "overdue"),
                                                    ("sushe", "returned"), ("sushe", "lent"),
                                                    ("shitang", "returned"), ("shitang", "lent"),
                                                    ("weixiu", "returned"), ("weixiu", "lent"),
                                                    ("shuidian", "returned"), ("lvhua", "lent"),
                                                    ("baoguan", "returned"), ("zongwu", "returned")]
        all_staff = [r["id"] for r in self.staff_rows if r["on_duty"]]
        self.loans: list[dict] = []
        for n, i in enumerate(pool):
            asset = self.assets[i]
            if n < len(scripted):
                username, kind = scripted[n]
                borrower = self.demo_staff[username]
            else:
                kind = rng.choices(("returned", "lent", "overdue"), (0.7, 0.22, 0.08))[0]
                borrower = rng.choice(all_staff)
            earliest = max(self.start, asset["purchased_on"])
            if kind == "overdue" and earliest > today - timedelta(days=30):
                kind = "lent"  # bought too recently to be long overdue
            if kind == "returned":
                lent = self.day_between(earliest, today - timedelta(days=10))
                due = lent + timedelta(days=rng.choice((3, 7, 7, 14, 14, 30)))
                returned = min(lent + timedelta(days=rng.randint(1, (due - lent).days + 3)), today)
                condition = rng.choice(LOAN_CONDITIONS)
            elif kind == "lent":
                lent = self.day_between(max(earliest, today - timedelta(days=20)), today)
                due = today + timedelta(days=rng.randint(1, 21))
                returned, condition = None, None
            else:
                lent = self.day_between(max(earliest, today - timedelta(days=80)), today - timedelta(days=25))
                due = min(lent + timedelta(days=rng.randint(7, 20)), today - timedelta(days=1))
                returned, condition = None, None
            if returned is None:
                asset["status"] = AssetStatus.on_loan
            self.loans.append(dict(asset=i, borrower_id=borrower,
                                   department_id=self.dept_ids[self.staff_dept[borrower]], lent_on=lent, due_on=due,
                                   returned_on=returned, return_condition=condition, outside=False,
                                   approval=LoanApproval.none, row_version=1))
            self.busy.add(i)

    def plan_stocktake(self) -> None:
        """Two counts of the cards: the canteen's yearly count, approved a week ago (its results applied: 盘亏
        cards missing, misplaced ones moved by an 调拨 row, found ones dated), and a 期中抽查 of 教务处 under
        way, about 40 % of its rooms done."""
        from models.assets import AssetStatus
        from models.stocktake import COUNTED, StocktakeKind, StocktakeResult, StocktakeStatus

        rng = self.rng
        moments = area_rng("stocktake")
        handler = self.demo_staff["baoguan"]  # 财产保管员 counts and submits
        place = {loc: f"{c}{b}{r}" for (c, b, r), loc in self.location_ids.items()}
        self.stocktakes: list[dict] = []

        def at(first: date, last: date) -> datetime:
            day = first + timedelta(days=moments.randint(0, (last - first).days))
            return datetime.combine(day, time(moments.randint(8, 16), moments.randint(0, 59)))

        def line(asset, book, found, actual, result, checked, remark=None, expected=True) -> dict:
            return dict(asset=asset, item_id=None, expected=expected, book_location_id=book, book_quantity=None,
                        found=found, actual_location_id=actual, counted_quantity=None, checked_at=checked,
                        result=result, remark=remark, row_version=1)

        dept_id = self.dept_ids["050201"]
        kitchen = [x for ids in self.places["050201"].values() for x in ids]
        started, ended = self.today - timedelta(days=12), self.today - timedelta(days=7)
        name = f"{ended.year}年度食堂资产盘点"
        lines: list[dict] = []
        for i, asset in enumerate(self.assets):
            if asset["department_id"] != dept_id or asset["status"] not in COUNTED or asset["purchased_on"] > started:
                continue
            book = asset["location_id"]
            roll = rng.random()
            if asset["status"] == AssetStatus.on_loan:
                lines.append(line(i, book, True, None, StocktakeResult.normal, at(started, ended), "已借出，凭借用登记核对"))
            elif roll < 0.02 and i not in self.busy:
                lines.append(line(i, book, False, None, StocktakeResult.missing, None, "多次查找未见实物，待查明原因"))
                asset["status"] = AssetStatus.missing
                continue
            elif roll < 0.06 and i not in self.busy and book is not None and len(kitchen) > 1:
                actual = rng.choice([x for x in kitchen if x != book])
                lines.append(line(i, book, True, actual, StocktakeResult.misplaced, at(started, ended),
                                  "实物存放地点与账面不符，审核后按实际地点更正"))
                self.transfers.append(dict(
                    asset=i, from_department_id=asset["department_id"], from_keeper_id=asset["keeper_id"],
                    from_location_id=book, to_department_id=asset["department_id"], to_keeper_id=asset["keeper_id"],
                    to_location_id=actual, transferred_on=ended,
                    reason=f"盘点「{name}」发现实际存放于{place[actual]}，按实际地点更正", row_version=1))
                asset["location_id"] = actual
            else:
                lines.append(line(i, book, True, book, StocktakeResult.normal, at(started, ended)))
            asset["last_stocktake_on"] = ended
        for remark in ("盘盈：账外不锈钢货架一组，疑为早年自购未入账", "盘盈：账外电子秤一台"):
            lines.append(line(None, None, True, rng.choice(kitchen), StocktakeResult.surplus, at(started, ended),
                              remark, expected=False))
        self.stocktakes.append(dict(row=dict(
            name=name, kind=StocktakeKind.yearly, department_id=dept_id, location_id=None, category_id=None,
            started_on=started, ended_on=ended, handler_id=handler, status=StocktakeStatus.closed, row_version=1),
            lines=lines))

        # 教务处's 期中抽查, started two days ago: room by room, the first 40 % of its cards are done.
        dept_id = self.dept_ids["03"]
        started = self.today - timedelta(days=2)
        autumn = self.today.month >= 8 or self.today.month == 1
        year = self.today.year - (1 if self.today.month == 1 else 0)
        name = f"{year}年{'秋季' if autumn else '春季'}学期期中资产抽查（教务处）"
        expected = sorted((i for i, a in enumerate(self.assets) if a["department_id"] == dept_id
                           and a["status"] in COUNTED and a["purchased_on"] <= started),
                          key=lambda i: (self.assets[i]["location_id"] or 0, self.assets[i]["code"]))
        done_rooms: set = set()
        done = 0
        for i in expected:
            if done >= 0.4 * len(expected):
                break
            done_rooms.add(self.assets[i]["location_id"])
            done += 1
        lines = []
        for i in expected:
            asset = self.assets[i]
            book = asset["location_id"]
            if book in done_rooms and asset["status"] != AssetStatus.on_loan:
                checked = at(started, started + timedelta(days=1))
                lines.append(line(i, book, True, book, StocktakeResult.normal, checked))
            else:
                lines.append(line(i, book, False, None, None, None))
        self.stocktakes.append(dict(row=dict(
            name=name, kind=StocktakeKind.term_middle, department_id=dept_id, location_id=None, category_id=None,
            started_on=started, ended_on=None, handler_id=handler, status=StocktakeStatus.open, row_version=1),
            lines=lines))

    def write_assets(self) -> None:
        Asset = self.asset_model()
        self.bulk(Asset, self.assets)
        ids = dict(self.session.execute(select(Asset.code, Asset.id)).all())
        self.asset_ids = [ids[a["code"]] for a in self.assets]

    def write_activity(self) -> None:
        from app.rules.history import WorkflowLog
        from models.assets import AssetDamage, AssetDisposal, AssetLoan, AssetTransfer
        from models.stocktake import STOCKTAKE_WORKFLOW, Stocktake, StocktakeLine, StocktakeStatus

        def resolve(rows: list[dict]) -> list[dict]:
            for row in rows:
                index = row.pop("asset")
                row["asset_id"] = None if index is None else self.asset_ids[index]
            return rows

        self.bulk(AssetTransfer, resolve(self.transfers))
        self.bulk(AssetDisposal, resolve(self.disposals))
        self.bulk(AssetDamage, resolve(self.damages))
        self.bulk(AssetLoan, resolve(self.loans))
        ids = insert_ids(self.session, Stocktake, [plan["row"] for plan in self.stocktakes])
        steps = {step.name: step for step in STOCKTAKE_WORKFLOW.steps}
        lines, logs = [], []

        def log(record: int, step: str, at: datetime, username: str, source, target, decision=None) -> dict:
            staff = self.demo_staff[username]
            return dict(model="Stocktake", record_id=record, step=step, step_label=steps[step].label,
                        from_state=source.value, to_state=target.value, decision=decision, comment=None,
                        actor_id=self.demo_users[username], actor_name=self.staff_name[staff], created_at=at)

        for stocktake_id, plan in zip(ids, self.stocktakes):
            lines += [dict(row, stocktake_id=stocktake_id) for row in plan["lines"]]
            row = plan["row"]
            if row["status"] == StocktakeStatus.closed:  # submitted by 财产保管员, approved by 后勤主任
                submitted = datetime.combine(row["ended_on"], time(16, 20))
                logs.append(log(stocktake_id, "submit", submitted, "baoguan", StocktakeStatus.open,
                                StocktakeStatus.submitted))
                logs.append(log(stocktake_id, "approve", submitted + timedelta(hours=1), "zongwu",
                                StocktakeStatus.submitted, StocktakeStatus.closed, "通过"))
        self.bulk(StocktakeLine, resolve(lines))
        self.bulk(WorkflowLog, logs)
