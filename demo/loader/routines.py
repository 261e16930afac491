"""Seeds 日常检查: patrol plans for the areas the daily patrols walk, 设备保养 plans for the pumps, switchgear,
generator and air conditioners, and a year of their tasks — most done on time with their checklist, a few
异常, some missed (left 待检查 past their 截止日期) — today's left to do.

Plans start a year ago; each plan's tasks are exactly the periods ``models.routines.periods`` gives, so
``catch_up`` finds nothing owed when the application starts.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from .common import is_school_day
from .safety import PATROL_AREAS

# Patrol areas' departments → (duty role, frequency name).
PATROL_DUTY = {"050204": ("绿化环卫", "daily"), "050202": ("宿管员", "daily"), "050203": ("水电工", "weekly"),
               "05": ("后勤主任", "weekly")}

# (计划名称, 资产名称 or None, 分类代码 or None, 频次, 检查区域, [(检查项目, 标准)], 异常说明)
MAINTENANCE = (
    ("发电机月度试机", "汽油发电机", None, "monthly", "水电维修组工具间",
     [("机油油位", "油位在上下刻度之间"), ("启动试运行", "空载运行 10 分钟，无异响"), ("蓄电池电压", "不低于 12 V")],
     "启动困难，需更换火花塞"),
    ("低压配电柜月检", "低压配电柜", None, "monthly", "配电房",
     [("接线端子", "无松动、无过热变色"), ("仪表指示", "电压电流正常"), ("柜内清洁", "无积尘、无杂物")],
     "B 相接线端子有过热痕迹"),
    ("离心泵季度保养", "多级离心泵", None, "quarterly", "水泵房",
     [("轴承润滑", "按规定加注润滑脂"), ("机械密封", "无渗漏"), ("运行噪声", "无异常振动与噪声")],
     "机械密封处渗水"),
    ("空调季度保养", None, "207", "quarterly", "全校空调",
     [("过滤网清洗", "滤网无积尘"), ("冷凝水排水", "排水通畅"), ("运行检查", "制冷制热正常")],
     "部分室内机滤网积尘严重"),
)
PATROL_PROBLEMS = "发现问题，已拍照记录"


class RoutinesMixin:
    def build_routines(self) -> None:
        from sqlalchemy import select

        from models.assets import Asset, AssetCategory
        from models.routines import (
            CheckOutcome,
            CheckResult,
            Frequency,
            InspectionPlan,
            InspectionTask,
            PlanItem,
            PlanKind,
            TaskStatus,
            periods,
        )

        rng = self.rng("routines")
        b, today = self.b, self.today
        start = today - timedelta(days=365)
        s = self.session
        plans = []  # (row, items, problems)
        for area, items, dept, problems in PATROL_AREAS:
            role, frequency = PATROL_DUTY[dept]
            checklist = [(name.strip(), "") for name in items.split("、")]
            plans.append((dict(name=f"{area}{'每日' if frequency == 'daily' else '每周'}巡视", kind=PlanKind.patrol.name,
                               department_id=b.dept_ids[dept], responsible_id=None, duty_role=role,
                               frequency=frequency, starts_on=start, area=area, location_id=None,
                               asset_category_id=None, asset_id=None, active=True, remark=None, row_version=1),
                          checklist, [p[0] for p in problems]))
        category_ids = dict(s.execute(select(AssetCategory.code, AssetCategory.id)).all())
        for name, asset_name, category, frequency, area, checklist, problem in MAINTENANCE:
            asset_id = s.scalar(select(Asset.id).where(Asset.name == asset_name).order_by(Asset.id).limit(1)) \
                if asset_name else None
            if asset_name and asset_id is None:
                continue
            plans.append((dict(name=name, kind=PlanKind.maintenance.name, department_id=b.dept_ids["050203"],
                               responsible_id=b.demo_staff["shuidian"] if asset_name else None,
                               duty_role=None if asset_name else "水电工", frequency=frequency, starts_on=start,
                               area=area, location_id=None, asset_category_id=category_ids.get(category),
                               asset_id=asset_id, active=True, remark=None, row_version=1), checklist, [problem]))
        plan_ids = self.insert_ids(InspectionPlan, [row for row, _, _ in plans])
        self.bulk(PlanItem, [dict(plan_id=pid, name=name, standard=standard or None, row_version=1)
                             for pid, (_, checklist, _) in zip(plan_ids, plans) for name, standard in checklist])

        tasks, task_results = [], []
        for pid, (row, checklist, problems) in zip(plan_ids, plans):
            dept = next(code for code, i in b.dept_ids.items() if i == row["department_id"])
            for first, last, label in periods(Frequency[row["frequency"]], start, today):
                open_now = first <= today <= last
                busy = is_school_day(first) or row["frequency"] != "daily"
                missed = not open_now and rng.random() < (0.05 if busy else 0.18)
                task = dict(plan_id=pid, period=label, area=row["area"], due_on=first, due_by=last,
                            department_id=row["department_id"], assignee_id=row["responsible_id"],
                            status=TaskStatus.pending.name, done_by_id=None, done_at=None, abnormal=0, note=None,
                            row_version=1)
                results = [dict(item=name, standard=standard or None, outcome=CheckOutcome.normal.name, note=None,
                                photo=None, row_version=1) for name, standard in checklist]
                if not open_now and not missed:
                    done_day = min(last, first + timedelta(days=rng.randint(0, (last - first).days)))
                    task.update(status=TaskStatus.done.name,
                                done_by_id=row["responsible_id"] or self.pick_staff(rng, dept, 0.5),
                                done_at=datetime(done_day.year, done_day.month, done_day.day,
                                                 rng.randint(7, 17), rng.randint(0, 59)))
                    if rng.random() < 0.04:
                        bad = rng.choice(results)
                        bad.update(outcome=CheckOutcome.abnormal.name, note=rng.choice(problems))
                        task["abnormal"] = 1
                tasks.append(task)
                task_results.append(results)
        task_ids = self.insert_ids(InspectionTask, tasks)
        self.bulk(CheckResult, [dict(result, task_id=tid) for tid, results in zip(task_ids, task_results)
                                for result in results])
