"""Seeds water and electricity: households, meters and twelve monthly readings per meter."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .common import CENT
from .places import DORM_BUILDINGS

# 户名, 类型, 地点, 部门(管理), 用水基数(吨/月), 用电基数(度/月), 电表数
PUBLIC_HOUSEHOLDS = (
    ("师生食堂", "canteen", "本部食堂", 1150, 24000, 2),
    ("学生超市", "shop", "本部食堂一楼超市", 15, 1100, 1),
    ("校园书店（承包）", "shop", "本部图书馆一楼", 6, 450, 1),
    ("文印店（承包）", "shop", "本部后勤楼一楼", 5, 680, 1),
    ("理发店（承包）", "shop", "本部后勤楼一楼", 28, 380, 1),
    ("行政楼", "office", "本部行政楼", 95, 5200, 1),
    ("教学楼A", "office", "本部教学楼A", 160, 8200, 1),
    ("教学楼B", "office", "本部教学楼B", 160, 8300, 1),
    ("东校区教学楼C", "office", "东校区教学楼C", 150, 7900, 1),
    ("实验楼", "office", "本部实验楼", 110, 6100, 1),
    ("图书馆", "office", "本部图书馆", 40, 4800, 1),
    ("体育馆", "office", "本部体育馆", 130, 5600, 1),
    ("后勤楼", "office", "本部后勤楼", 210, 3900, 1),
)
PRICES = {  # 类型 → (水 元/吨, 电 元/度)
    "teacher_home": ("2.9000", "0.5380"), "dormitory": ("4.1000", "0.5680"), "office": ("4.1000", "0.6500"),
    "canteen": ("5.2000", "0.8200"), "shop": ("5.2000", "0.8200"),
}


class UtilitiesMixin:
    """Households, meters and a year of readings (mixed into ``_Activity``)."""

    def build_utilities(self) -> None:
        from models.utilities import (
            ABNORMAL_FACTOR,
            ABNORMAL_MIN_HISTORY,
            Household,
            HouseholdType,
            Meter,
            MeterReading,
            MeterType,
            PaymentStatus,
        )

        rng = self.rng("utilities")
        b, today = self.b, self.today
        dept = b.dept_ids["050203"]
        readers = self.on_duty["050203"]
        shuidian = b.demo_staff["shuidian"]

        # Households: teachers' flats (a resident each), the dorm buildings, canteen, shops and buildings.
        households = []  # (row, water base, electricity base, electricity meters)
        residents = [b.demo_staff[u] for u in ("jiaoshi", "weixiu", "shuidian", "zongwu")]
        pool = [r["id"] for r in b.staff_rows if r["on_duty"] and r["id"] not in residents]
        rng.shuffle(pool)
        flats = min(24 * self.scale, len(pool) + len(residents))
        residents = (residents + pool)[:flats]
        for n, resident in enumerate(residents):
            block, rest = divmod(n, 12)
            unit, floor = divmod(rest, 6)
            name = f"教工住宅{block + 1}幢{unit + 1}单元{floor + 1}01"
            payroll = rng.random() < 0.8 and resident != b.demo_staff["jiaoshi"]
            households.append((dict(name=name, kind=HouseholdType.teacher_home, location=f"本部教工生活区{block + 1}幢",
                                    resident_id=resident, payroll_deduction=payroll, department_id=dept,
                                    remark=None, row_version=1), rng.uniform(7, 16), rng.uniform(150, 320), 1))
        for name, campus, _g, floors, per_floor, beds, _y in DORM_BUILDINGS:
            size = floors * per_floor * beds / 300
            households.append((dict(name=f"{name}（学生宿舍）", kind=HouseholdType.dormitory, location=f"{campus}{name}",
                                    resident_id=None, payroll_deduction=False, department_id=dept,
                                    remark="宿舍用水用电，学校统一结算", row_version=1),
                               1100 * size, 11000 * size, 1))
        for name, kind, location, water, power, meters in PUBLIC_HOUSEHOLDS:
            households.append((dict(name=name, kind=HouseholdType[kind], location=location, resident_id=None,
                                    payroll_deduction=False, department_id=dept,
                                    remark="承包经营，按月收取水电费" if "承包" in name else None, row_version=1),
                               water, power, meters))
        household_ids = self.insert_ids(Household, [h[0] for h in households])

        meters, profile = [], []  # profile: (household kind, base usage, water?)
        seq = 0
        for hid, (row, water, power, count) in zip(household_ids, households):
            kind = row["kind"].name
            water_price, power_price = PRICES[kind]
            for meter_kind, base, price, place in [(MeterType.water, water, water_price, "水表井")] + \
                    [(MeterType.electricity, power / count, power_price, "配电箱" if count == 1 else
                      ("照明配电箱", "动力配电箱")[i]) for i in range(count)]:
                seq += 1
                prefix = "SB" if meter_kind == MeterType.water else "DB"
                meters.append(dict(household_id=hid, kind=meter_kind, meter_no=f"{prefix}-{seq:06d}",
                                   unit_price=Decimal(price), location=f"{row['location']} {place}", row_version=1))
                profile.append((kind, base, meter_kind == MeterType.water, row["payroll_deduction"]))
        meter_ids = self.insert_ids(Meter, meters)

        # Twelve months of readings, the last one read this month once the 25th has passed.
        last = date(today.year, today.month, 1)
        if today.day < 25:
            last = (last - timedelta(days=1)).replace(day=1)
        months = []
        for _ in range(12):
            months.append(last)
            last = (last - timedelta(days=1)).replace(day=1)
        months.reverse()

        def season(month: date, kind: str, water: bool) -> float:
            m = month.month
            if kind == "teacher_home":
                if water:
                    return 1.3 if m in (7, 8) else 1.0
                return {7: 1.8, 8: 1.9, 1: 1.5, 2: 1.4, 12: 1.3, 6: 1.2}.get(m, 1.0)
            school = {2: 0.25, 1: 0.7, 7: 0.5, 8: 0.2, 9: 1.15, 6: 1.2, 12: 1.1}.get(m, 1.0)
            if not water and kind in ("dormitory", "office") and m in (6, 9, 12):
                school *= 1.15  # air conditioning
            return school

        readings = []
        replaced_meters = set(rng.sample(range(len(meters)), min(len(meters), 3 * self.scale)))
        leaking = set(rng.sample(range(len(meters)), min(len(meters), 4 * self.scale)))
        for m, (mid, meter) in enumerate(zip(meter_ids, meters)):
            kind, base, water, payroll = profile[m]
            price = meter["unit_price"]
            value = Decimal(rng.randint(800, 40000 if not water else 9000))
            swap_at = rng.randint(2, 11) if m in replaced_meters else None
            leak_at = rng.randint(4, 11) if m in leaking else None
            history: list[Decimal] = []
            for i, month in enumerate(months):
                usage = Decimal(str(max(1.0, base * season(month, kind, water) * rng.uniform(0.85, 1.15))))
                usage = usage.quantize(Decimal("1") if water else Decimal("0.1")).quantize(CENT)
                remark = None
                if i == leak_at:
                    usage = (usage * Decimal(str(rng.uniform(4, 6)))).quantize(CENT)
                    remark = "用量异常：疑似管道漏水，已通知水电维修组核查" if water else "用量异常：已通知使用部门核查用电设备"
                previous = value
                if i == swap_at:
                    current, replaced = usage, True
                    remark = f"旧表故障更换新表，旧表止码 {value + (usage / 2).quantize(CENT)}"
                else:
                    current, replaced = value + usage, False
                amount = (usage * price).quantize(CENT, ROUND_HALF_UP)
                abnormal = len(history) >= ABNORMAL_MIN_HISTORY and usage > ABNORMAL_FACTOR * (sum(history) / len(history))
                history.append(usage)
                read_on = date(month.year, month.month, rng.randint(20, 25))
                if read_on > today:
                    read_on = today
                if payroll:
                    status = PaymentStatus.payroll
                elif i == len(months) - 1:
                    status = PaymentStatus.unpaid if rng.random() < 0.6 else PaymentStatus.paid
                else:
                    status = PaymentStatus.unpaid if rng.random() < 0.02 else PaymentStatus.paid
                if water:
                    reader = shuidian if rng.random() < 0.7 else rng.choice(readers)
                else:
                    reader = shuidian if rng.random() < 0.8 else rng.choice(readers)
                readings.append(dict(meter_id=mid, month=month.strftime("%Y-%m"), previous=previous, current=current,
                                     replaced=replaced, usage=usage, amount=amount, abnormal=abnormal, reader_id=reader,
                                     read_on=read_on, payment_status=status, remark=remark, row_version=1))
                value = current
        self.bulk(MeterReading, readings)
