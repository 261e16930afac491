"""Seeds the canteen: a year of daily deliveries (食堂进货台账), 留样 of three meals every school day, and the
food-safety 检查计划 (晨检 and 餐具消毒 daily, 五防 weekly) with a task for every period since they started.

One school has one canteen: these volumes do not grow with ``--scale``. Today is left to the person on duty:
no delivery or sample is entered for today, and today's checks (and this week's 五防) are still 待检查.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from .common import CENT, is_school_day

CANTEEN = "050201"  # 师生食堂

# (名称, 联系人, 电话, 地址, 类别 member name)
FOOD_SUPPLIERS = (
    ("杭州勾庄蔬菜批发配送有限公司", "沈国荣", "0571-88172365", "杭州市拱墅区勾庄农副产品物流中心", "vegetable"),
    ("杭州五丰冷鲜肉食品有限公司", "陈建民", "0571-86625108", "杭州市余杭区良渚街道五丰路8号", "meat"),
    ("杭州海润水产品有限公司", "王海润", "0571-85092236", "杭州市上城区水产品批发市场B区12号", "seafood"),
    ("浙江丰穗粮油配送有限公司", "钟丰", "0571-88760413", "杭州市临平区粮油市场3号库", "grain"),
    ("杭州豆香源豆制品有限公司", "李秀英", "0571-86218847", "杭州市西湖区三墩镇豆香路21号", "soy"),
    ("杭州百味调料商行", "赵百川", "0571-85531970", "杭州市拱墅区农副产品市场调料区45号", "seasoning"),
    ("杭州鲜果园果品配送有限公司", "吴晓燕", "0571-88903152", "杭州市上城区果品批发市场6号", "fruit"),
)

# 类别 → [(品名, 规格, 单位, 单价下限, 单价上限, 数量下限, 数量上限)]
FOODS = {
    "vegetable": [("青菜", "", "公斤", 3.2, 5.0, 30, 70), ("大白菜", "", "公斤", 1.6, 2.8, 30, 60),
                  ("土豆", "", "公斤", 2.4, 3.6, 30, 60), ("西红柿", "", "公斤", 4.5, 7.0, 20, 40),
                  ("黄瓜", "", "公斤", 3.5, 6.0, 15, 35), ("胡萝卜", "", "公斤", 2.2, 3.4, 15, 30),
                  ("包心菜", "", "公斤", 1.8, 3.0, 25, 50), ("茄子", "", "公斤", 4.0, 6.5, 15, 30),
                  ("青椒", "", "公斤", 4.5, 7.5, 10, 25), ("冬瓜", "", "公斤", 1.5, 2.5, 25, 50),
                  ("洋葱", "", "公斤", 2.5, 3.8, 10, 20), ("芹菜", "", "公斤", 4.0, 6.0, 10, 20),
                  ("绿豆芽", "", "公斤", 2.8, 4.0, 15, 30), ("生姜", "", "公斤", 9.0, 14.0, 2, 5),
                  ("大蒜", "", "公斤", 8.0, 12.0, 2, 5), ("小葱", "", "公斤", 6.0, 10.0, 2, 5)],
    "meat": [("猪前腿肉", "冷鲜", "公斤", 24.0, 30.0, 25, 50), ("五花肉", "冷鲜", "公斤", 26.0, 32.0, 15, 30),
             ("猪排骨", "冷鲜", "公斤", 38.0, 46.0, 10, 25), ("鸡腿", "冷冻", "公斤", 16.0, 20.0, 20, 40),
             ("鸡蛋", "", "公斤", 10.0, 12.5, 30, 50), ("牛肉", "冷鲜", "公斤", 68.0, 78.0, 8, 15),
             ("鸭腿", "冷冻", "公斤", 15.0, 19.0, 15, 30)],
    "seafood": [("草鱼", "鲜活", "公斤", 14.0, 18.0, 20, 40), ("带鱼", "冷冻", "公斤", 28.0, 36.0, 10, 20),
                ("鲢鱼", "鲜活", "公斤", 10.0, 13.0, 15, 30), ("基围虾", "鲜活", "公斤", 55.0, 70.0, 5, 10)],
    "grain": [("大米", "25公斤/袋", "袋", 125.0, 145.0, 10, 30), ("面粉", "25公斤/袋", "袋", 95.0, 110.0, 2, 6),
              ("菜籽油", "20升/桶", "桶", 260.0, 300.0, 2, 6), ("挂面", "10公斤/箱", "箱", 55.0, 65.0, 2, 5)],
    "soy": [("豆腐", "", "公斤", 4.0, 6.0, 20, 40), ("豆腐干", "", "公斤", 10.0, 14.0, 5, 15),
            ("千张", "", "公斤", 12.0, 16.0, 5, 10), ("油豆腐", "", "公斤", 14.0, 18.0, 3, 8)],
    "seasoning": [("食盐", "400克/袋", "袋", 2.0, 2.5, 20, 60), ("酱油", "1.9升/桶", "桶", 18.0, 24.0, 6, 12),
                  ("料酒", "1.75升/桶", "桶", 12.0, 16.0, 4, 8), ("白砂糖", "", "公斤", 6.5, 8.0, 5, 15),
                  ("米醋", "1.9升/桶", "桶", 10.0, 14.0, 3, 6), ("鸡精", "1公斤/袋", "袋", 28.0, 34.0, 2, 5)],
    "fruit": [("苹果", "", "公斤", 7.0, 9.0, 30, 60), ("香蕉", "", "公斤", 4.5, 6.0, 30, 60),
              ("橙子", "", "公斤", 6.0, 8.0, 30, 60), ("西瓜", "", "公斤", 2.0, 3.2, 80, 150)],
}
# How many lines a delivery of each kind has (最少, 最多).
LINES = {"vegetable": (5, 9), "meat": (2, 4), "seafood": (1, 2), "grain": (1, 3), "soy": (2, 3),
         "seasoning": (2, 4), "fruit": (1, 2)}
# Besides vegetables and meat every school day: one or two of these.
OCCASIONAL = (("soy", 0.45), ("seafood", 0.25), ("grain", 0.2), ("seasoning", 0.15), ("fruit", 0.25))

MENUS = {
    "breakfast": ("白粥、肉包、茶叶蛋、榨菜", "小米粥、菜包、煮鸡蛋", "豆浆、油条、葱油饼", "牛奶、花卷、荷包蛋",
                  "南瓜粥、烧卖、咸鸭蛋", "青菜肉丝面、煎蛋"),
    "lunch": ("红烧肉、清炒青菜、番茄炒蛋、米饭", "糖醋排骨、炒包心菜、麻婆豆腐、米饭", "宫保鸡丁、土豆丝、冬瓜汤、米饭",
              "红烧草鱼、蒜蓉青菜、炒豆芽、米饭", "咖喱鸡腿、醋溜包心菜、紫菜蛋汤、米饭", "鱼香肉丝、西红柿炒蛋、炒青菜、米饭"),
    "dinner": ("青椒肉片、家常豆腐、炒青菜、米饭", "红烧鸡块、手撕包菜、番茄蛋汤、米饭", "土豆烧牛肉、清炒黄瓜、豆腐汤、米饭",
               "糖醋带鱼、茄子煲、炒青菜、米饭", "卤鸭腿、蒜蓉冬瓜、千张炒肉、米饭", "回锅肉、炒芹菜、蛋花汤、米饭"),
}
SAMPLE_TIMES = {"breakfast": (6, 50), "lunch": (11, 20), "dinner": (17, 10)}

# (计划名称, 频次 member name, 检查区域, [(检查项目, 检查标准)])
PLANS = (
    ("食堂晨检", "daily", "食堂操作间", [
        ("从业人员健康状况", "无发热、腹泻、皮肤伤口或感染、咽部炎症等病症"),
        ("个人卫生", "工作服帽整洁，不留长指甲、不佩戴饰物"),
        ("健康证在有效期内", "上岗人员均持有效健康证明")]),
    ("餐具消毒", "daily", "食堂洗消间", [
        ("消毒设备运行正常", "消毒柜、洗碗机运转正常，温度显示准确"),
        ("消毒温度与时间达标", "热力消毒 100℃ 不少于 10 分钟，或按消毒剂说明浓度浸泡"),
        ("消毒后餐具保洁存放", "消毒后的餐具放入保洁柜，与未消毒餐具分开")]),
    ("食堂五防检查", "weekly", "食堂", [
        ("防蝇", "纱门纱窗完好，灭蝇灯工作正常"),
        ("防鼠", "挡鼠板到位，下水道口有防鼠网，无鼠迹"),
        ("防蟑螂", "墙角、下水道无蟑螂，药饵按时投放"),
        ("防尘", "食品、餐具加盖或存放在柜内"),
        ("防潮", "库房通风，食品离地离墙存放")]),
)
ABNORMAL = {
    "从业人员健康状况": "一名员工咽喉不适，已安排离岗休息", "个人卫生": "一名员工未戴帽子，已当场纠正",
    "健康证在有效期内": "一名员工健康证本月到期，已通知复检",
    "消毒设备运行正常": "二号消毒柜温度显示不准，已报修", "消毒温度与时间达标": "消毒时间不足，已重新消毒",
    "消毒后餐具保洁存放": "保洁柜门未关严，已重新消毒",
    "防蝇": "后门纱门破损", "防鼠": "库房发现鼠粪，已投放鼠药", "防蟑螂": "洗碗间下水道有蟑螂，已喷药",
    "防尘": "面点间案板未加盖", "防潮": "库房墙角返潮，大米已移位",
}


class CanteenMixin:
    def build_canteen(self) -> None:
        from models.canteen import CanteenDelivery, CanteenDeliveryLine, FoodCategory, FoodSample, Meal
        from models.purchasing import Supplier

        rng = self.rng("canteen")
        b, today, now = self.b, self.today, self.now
        department = b.dept_ids[CANTEEN]
        shitang = b.demo_staff["shitang"]
        crew = self.on_duty[CANTEEN] or b.staff_by_dept[CANTEEN]

        def someone() -> int:
            return shitang if rng.random() < 0.6 else rng.choice(crew)

        ids = self.insert_ids(Supplier, [dict(name=n, contact=c, phone=p, address=a, row_version=1)
                                         for n, c, p, a, _ in FOOD_SUPPLIERS])
        supplier_of = {kind: sid for sid, (*_, kind) in zip(ids, FOOD_SUPPLIERS)}

        school_days = [d for d in self.days(self.year_start, today - timedelta(days=1)) if is_school_day(d)]
        deliveries, lines_of = [], []
        for day in school_days:
            kinds = ["vegetable", "meat"] + [k for k, share in OCCASIONAL if rng.random() < share][:2]
            for kind in kinds:
                low, high = LINES[kind]
                foods = rng.sample(FOODS[kind], min(len(FOODS[kind]), rng.randint(low, high)))
                rows = []
                for name, spec, unit, p_low, p_high, q_low, q_high in foods:
                    price = Decimal(str(round(rng.uniform(p_low, p_high), 1))).quantize(CENT)
                    quantity = Decimal(rng.randint(q_low, q_high))
                    rows.append(dict(name=name, spec=spec or None, unit=unit, quantity=quantity, unit_price=price,
                                     amount=(quantity * price).quantize(CENT), category=FoodCategory[kind],
                                     row_version=1))
                deliveries.append(dict(code=self.number("JH", day), delivered_on=day, supplier_id=supplier_of[kind],
                                       receiver_id=someone(), department_id=department, note_photo=None,
                                       remark=None, total=sum((r["amount"] for r in rows), Decimal("0.00")),
                                       row_version=1))
                lines_of.append(rows)
        delivery_ids = self.insert_ids(CanteenDelivery, deliveries)
        self.bulk(CanteenDeliveryLine, [dict(row, delivery_id=did) for did, rows in zip(delivery_ids, lines_of)
                                        for row in rows])

        # 留样: three meals each school day, destroyed 48 hours or more later — except the last two days' samples.
        samples = []
        for day in school_days:
            for meal in ("breakfast", "lunch", "dinner"):
                hour, minute = SAMPLE_TIMES[meal]
                taken = datetime.combine(day, time(hour, minute)) + timedelta(minutes=rng.randint(0, 25))
                destroyed = taken + timedelta(hours=48, minutes=rng.randint(30, 24 * 60))
                kept = day >= today - timedelta(days=2) or destroyed > now
                samples.append(dict(sampled_on=day, meal=Meal[meal], dishes=rng.choice(MENUS[meal]),
                                    grams=rng.choice((125, 150, 150, 150, 200)), sampled_at=taken, sampler_id=someone(),
                                    department_id=department, destroyed_at=None if kept else destroyed,
                                    destroyer_id=None if kept else someone(), remark=None, row_version=1))
        self.bulk(FoodSample, samples)
        self.build_food_safety_checks(rng, department, someone)

    def build_food_safety_checks(self, rng, department: int, someone) -> None:
        """晨检, 餐具消毒 (daily) and 五防 (weekly) for the canteen's 食堂管理员, from a year ago: most tasks done,
        a few with an 异常 item, a few missed; the periods covering today still 待检查."""
        from models.routines import (
            CheckOutcome,
            CheckResult,
            DutyRole,
            Frequency,
            InspectionPlan,
            InspectionTask,
            PlanItem,
            PlanKind,
            TaskStatus,
            periods,
        )

        today = self.today
        plans = [dict(name=name, kind=PlanKind.food_safety, department_id=department, responsible_id=None,
                      duty_role=DutyRole["食堂管理员"], frequency=Frequency[frequency], starts_on=self.year_start,
                      area=area, active=True, remark=None, row_version=1)
                 for name, frequency, area, _ in PLANS]
        plan_ids = self.insert_ids(InspectionPlan, plans)
        self.bulk(PlanItem, [dict(plan_id=pid, name=item, standard=standard, row_version=1)
                             for pid, (*_, items) in zip(plan_ids, PLANS) for item, standard in items])

        tasks, results_of = [], []
        for pid, plan, (_, _, area, items) in zip(plan_ids, plans, PLANS):
            daily = plan["frequency"] == Frequency.daily
            for start, end, label in periods(plan["frequency"], plan["starts_on"], today):
                task = dict(plan_id=pid, period=label, area=area, due_on=start, due_by=end, department_id=department,
                            assignee_id=None, status=TaskStatus.pending, done_by_id=None, done_at=None, abnormal=0,
                            note=None, row_version=1)
                results = [dict(item=item, standard=standard, outcome=CheckOutcome.normal, note=None, photo=None,
                                row_version=1) for item, standard in items]
                # A few are missed (still 待检查 after their last day), none in the last week: 今日检查 lists
                # that week's open tasks, and the demo morning's list is today's checks.
                missed = rng.random() < 0.015 and end < today - timedelta(days=7)
                if end < today and not missed:
                    if daily:
                        on, hour = start, (6 if "晨检" in plan["name"] else 13)
                    else:
                        on, hour = min(start + timedelta(days=rng.randint(0, 4)), today - timedelta(days=1)), 15
                    task.update(status=TaskStatus.done, done_by_id=someone(),
                                done_at=datetime.combine(on, time(hour, rng.randint(20, 59))))
                    if not is_school_day(on):
                        task["note"] = "非教学日，值班人员检查"
                    if rng.random() < 0.03:
                        found = rng.choice(results)
                        found.update(outcome=CheckOutcome.abnormal, note=ABNORMAL[found["item"]])
                        task["abnormal"] = 1
                tasks.append(task)
                results_of.append(results)
        task_ids = self.insert_ids(InspectionTask, tasks)
        self.bulk(CheckResult, [dict(row, task_id=tid) for tid, rows in zip(task_ids, results_of) for row in rows])
