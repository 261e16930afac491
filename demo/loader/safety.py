"""Seeds safety: daily patrols and the hazards they and other inspections found, with their workflow history."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from .common import is_school_day

# (区域, 检查项目, 巡视部门, [(发现问题, 隐患类别, 等级, 整改部门)])
PATROL_AREAS = (
    ("教学楼A", "消防器材、疏散通道、应急照明、门窗护栏", "050204", [
        ("三楼东侧消防栓箱内水带缺失", "fire", "general", "05"),
        ("二楼安全出口指示灯不亮", "fire", "general", "050203"),
        ("四楼走廊窗户限位器脱落", "building", "general", "050203")]),
    ("教学楼B", "消防器材、疏散通道、应急照明、门窗护栏", "050204", [
        ("一楼配电箱门锁损坏，线路裸露", "electrical", "general", "050203"),
        ("楼梯间堆放废旧课桌，影响疏散", "fire", "general", "12")]),
    ("东校区教学楼C", "消防器材、疏散通道、电气线路", "050204", [
        ("五楼天台门未上锁", "building", "general", "13"),
        ("灭火器压力指针在红区", "fire", "general", "05")]),
    ("实验楼", "危化品柜、电气线路、通风设备、消防器材", "05", [
        ("化学实验室危化品柜未落实双人双锁", "other", "major", "03"),
        ("通风橱风机不转", "electrical", "general", "050203")]),
    ("图书馆", "消防器材、电气线路、疏散通道", "050204", [
        ("阅览室插线板串接使用", "electrical", "general", "03")]),
    ("体育馆及运动场", "体育器材、场地设施、看台护栏", "05", [
        ("室外篮球架底座螺丝松动", "sports", "general", "14"),
        ("单杠立柱锈蚀严重", "sports", "major", "14"),
        ("塑胶跑道局部起鼓开裂", "sports", "general", "14")]),
    ("食堂", "燃气管道、食品仓库、消防器材、排烟设施", "05", [
        ("燃气管道阀门处有轻微异味", "food", "major", "050201"),
        ("食品仓库部分食材未离地离墙存放", "food", "general", "050201"),
        ("排烟罩油污较厚，未按期清洗", "fire", "general", "050201"),
        ("留样记录不完整", "food", "general", "050201")]),
    ("学生宿舍区", "消防器材、疏散通道、违章电器、门禁", "050202", [
        ("发现学生私拉电线给手机充电", "electrical", "general", "050202"),
        ("楼道堆放纸箱杂物，堵塞疏散通道", "fire", "general", "050202"),
        ("宿舍楼门禁闭门器损坏", "building", "general", "050203")]),
    ("行政楼", "消防器材、电气线路、门窗", "050204", [
        ("会议室应急照明灯不亮", "fire", "general", "050203")]),
    ("校门及围墙周边", "大门、围墙、周边交通与摊点", "05", [
        ("放学时段校门口有流动摊贩占道经营", "surroundings", "general", "05"),
        ("东北角围墙局部破损", "building", "general", "050203"),
        ("校门口减速带损坏", "surroundings", "general", "05")]),
    ("配电房及水泵房", "配电设备、线路、水泵运行、防鼠设施", "050203", [
        ("配电房挡鼠板缺失", "electrical", "general", "050203"),
        ("水泵房地面积水", "other", "general", "050203")]),
    ("校园道路及绿化带", "路面、窨井盖、树木、路灯", "050204", [
        ("主干道窨井盖破损", "building", "general", "050204"),
        ("香樟树枯枝有坠落风险", "other", "general", "050204"),
        ("两盏路灯不亮", "electrical", "general", "050203")]),
)
PATROL_OK = ("未发现异常", None, None)
OTHER_HAZARDS = (  # found by inspections other than the daily patrol
    ("区教育局安全检查", "学生宿舍", "宿舍楼部分灭火器过期未更换", "fire", "major", "050202"),
    ("消防部门检查", "食堂", "厨房燃气报警器未接入联动切断装置", "fire", "major", "050201"),
    ("学校月度安全检查", "实验楼", "实验室应急喷淋装置水压不足", "other", "general", "03"),
    ("学校月度安全检查", "体育馆及运动场", "体育馆看台护栏松动", "sports", "general", "14"),
    ("学校月度安全检查", "教学楼A", "教室多媒体线路老化发热", "electrical", "general", "050203"),
    ("学校月度安全检查", "校门及围墙周边", "学校周边道路缺少交通警示标志", "surroundings", "general", "05"),
    ("食品安全检查", "食堂", "部分从业人员健康证过期", "food", "major", "050201"),
)
MEASURES = {
    "fire": ("已补齐/更换消防器材，张贴检查标签", "已清理疏散通道，安排专人每日检查"),
    "electrical": ("已更换损坏部件，线路重新敷设并做绝缘处理", "已没收违规电器，加强宿舍用电检查"),
    "building": ("已完成维修加固，现场复查合格", "已修复并设置警示标识"),
    "sports": ("已紧固/更换锈蚀部件，经体育组试用安全", "已封闭损坏区域，完成修复"),
    "food": ("已整改并对从业人员进行培训，建立每日检查记录", "已请燃气公司检修，检测无泄漏"),
    "surroundings": ("已联合派出所、城管进行清理，上下学时段安排人员值守", "已协调交警部门增设警示标志"),
    "other": ("已按要求整改，相关制度已完善", "已修剪枯枝、清理积水，现场复查合格"),
}


class SafetyMixin:
    """A year of patrols and hazards (mixed into ``_Activity``)."""

    def build_safety(self) -> None:
        from app.rules.history import WorkflowLog
        from models.safety import (
            HAZARD_WORKFLOW,
            Hazard,
            HazardCategory,
            HazardLevel,
            Patrol,
        )
        from models.safety import HazardStatus as H

        rng = self.rng("safety")
        b, today, now = self.b, self.today, self.now
        step = {s.name: s for s in HAZARD_WORKFLOW.steps}
        chief = b.demo_staff["zongwu"]
        safety_officers = [s for s in self.on_duty["05"] if self.staff_row[s]["position"] == "安全干事"] \
            or [chief]

        def patroller_for(dept: str) -> int:
            if dept == "05":
                return rng.choice(safety_officers)
            return self.pick_staff(rng, dept, 0.6)

        def rectifier_for(dept: str) -> int:
            demo = b.demo_in_dept.get(dept)
            if dept == "050203":
                return b.demo_staff["shuidian"]
            if demo and rng.random() < 0.7:
                return demo[0]
            if dept == "05":
                return rng.choice(safety_officers)
            head = b.departments[dept].head_id
            return head or rng.choice(self.on_duty[dept])

        # Patrols: every day, more on school days; each deployment's share grows with --scale.
        patrols, found = [], []
        for day in self.days(self.year_start, today):
            if day == today and now.hour < 10:
                continue
            count = (2 if is_school_day(day) else 1) * self.scale
            for area, items, dept, problems in rng.sample(PATROL_AREAS, min(count, len(PATROL_AREAS))) + \
                    [rng.choice(PATROL_AREAS) for _ in range(max(0, count - len(PATROL_AREAS)))]:
                patroller = patroller_for(dept)
                normal = rng.random() > 0.1
                findings = rng.choice(PATROL_OK)
                if not normal:
                    problem = rng.choice(problems)
                    findings = problem[0]
                    if rng.random() < 0.75:
                        found.append((day, area, problem, patroller, "巡视发现"))
                patrols.append(dict(patrolled_on=day, patroller_id=patroller, area=area, items=items,
                                    findings=findings, normal=normal, row_version=1))
        self.bulk(Patrol, patrols)

        # Hazards: those patrols turned up, and what other inspections found, to ~150 a year (× scale).
        wanted = 150 * self.scale
        rng.shuffle(found)
        found = found[:int(wanted * 0.7)]
        school_days = [d for d in self.days(self.year_start, today) if is_school_day(d)] or [today]
        while len(found) < wanted:
            day = rng.choice(school_days)
            if rng.random() < 0.3:
                source, area, text, category, level, dept = rng.choice(OTHER_HAZARDS)
                problem = (text, category, level, dept)
            else:
                area, _items, _dept, problems = rng.choice(PATROL_AREAS)
                problem = rng.choice(problems)
                source = rng.choice(("学校月度安全检查", "安全干事日常检查", "师生反映", "节假日前安全大检查"))
            found.append((day, area, problem, rng.choice(safety_officers + [chief]), source))
        hazards, logs = [], []
        minute = timedelta(minutes=1)
        for day, area, (text, category, level, dept), reporter, source in found:
            found_at = datetime.combine(day, time(rng.randint(8, 16), rng.randint(0, 59)))
            if found_at > now:
                found_at = now - timedelta(minutes=rng.randint(5, 120))
                day = found_at.date()
            major = level == "major"
            deadline = day + timedelta(days=rng.randint(2, 7) if major else rng.randint(5, 30))
            if deadline >= today:
                status = rng.choices(list(H), (35, 35, 20, 10))[0]
            else:
                status = rng.choices(list(H), (2, 4, 2, 92))[0]
            rectifier = rectifier_for(dept)
            measures = rng.choice(MEASURES[category]) if status in (H.awaiting_acceptance, H.closed) or \
                (status == H.rectifying and rng.random() < 0.3) else None
            # Steps taken, spread between the finding and now (most closed by the deadline, some late).
            end = datetime.combine(deadline, time(17, 30)) if rng.random() < 0.85 else \
                datetime.combine(deadline + timedelta(days=rng.randint(1, 10)), time(17, 30))
            end = min(end, now)
            if end <= found_at:
                end = found_at + minute
            steps = {H.pending: [], H.rectifying: ["start"], H.awaiting_acceptance: ["start", "submit"],
                     H.closed: ["start", "submit", "close"]}[status]
            if status == H.closed and rng.random() < 0.1:
                steps = ["start", "submit", "send_back", "submit", "close"]
            span = (end - found_at) / (len(steps) + 1) if steps else None
            times = [found_at + span * (k + 1) for k in range(len(steps))]
            closed_at = accepted_by = None
            hazards.append(dict(code=None, found_at=found_at, location=area, category=HazardCategory[category],
                                level=HazardLevel[level], description=f"{source}：{text}", photo=None,
                                rectify_department_id=b.dept_ids[dept], rectifier_id=rectifier, deadline=deadline,
                                measures=measures, status=status, accepted_by_id=None, closed_at=None,
                                reporter_id=reporter, row_version=1))
            row_logs = []
            state = H.pending
            for name, at in zip(steps, times):
                at = at.replace(second=0, microsecond=0)
                s = step["close" if name == "send_back" else name]
                actor = chief if name in ("close", "send_back") else rectifier
                comment = "整改不到位，请按要求重新整改" if name == "send_back" else None
                target = s.return_to if name == "send_back" else s.target
                decision = {"close": "通过", "send_back": "退回修改"}.get(name)
                row_logs.append((name, at, actor, comment, state, target, decision))
                state = target
                if name == "close":
                    closed_at, accepted_by = at, chief
            hazards[-1].update(closed_at=closed_at, accepted_by_id=accepted_by)
            hazards[-1]["_logs"] = row_logs
        hazards.sort(key=lambda h: h["found_at"])
        for hazard in hazards:
            hazard["code"] = self.number("YH", hazard["found_at"].date())
        hazards.sort(key=lambda h: h["status"] == H.closed)  # open ones first (lowest ids); numbers stay in time order
        ids = self.insert_ids(Hazard, [{k: v for k, v in h.items() if k != "_logs"} for h in hazards])
        for hid, hazard in zip(ids, hazards):
            for name, at, actor, comment, source, target, decision in hazard["_logs"]:
                row = self.log("Hazard", hid, step["close" if name == "send_back" else name], at, actor, comment,
                               source, target)
                logs.append(dict(row, decision=decision))
        self.bulk(WorkflowLog, logs)
