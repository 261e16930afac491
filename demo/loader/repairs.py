"""Seeds repairs: a year of repair orders in every state, their materials, delays and workflow history."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from .common import CENT, CHUNK
from .org import ALL_DEPTS, GRADE_DEPTS
from .places import DORM_BUILDINGS


@dataclass(frozen=True)
class RepairKind:
    category: str  # RepairCategory member name
    title: str
    place: str  # dorm, duty, classroom, office, kitchen, lab, library, gym, toilet, campus, laundry, server
    weight: float
    descriptions: tuple[str, ...]
    records: tuple[str, ...]
    materials: tuple[tuple[str, str, float, tuple[float, float]], ...] = ()
    asset: str | None = None  # an asset of this name at the place is linked when there is one
    urgent: float = 0.08
    human: float = 0.03


R = RepairKind
REPAIR_KINDS = (
    # 水
    R("water", "卫生间水龙头漏水", "dorm", 8, ("卫生间洗手池水龙头关不紧，一直滴水", "水龙头根部漏水，台面和地面积水"),
      ("更换水龙头阀芯，试水正常", "更换水龙头一只，缠生料带后不再渗漏"),
      (("水龙头", "个", 35, (1, 1)), ("生料带", "卷", 2.5, (1, 2))), urgent=0.05),
    R("water", "淋浴喷头损坏", "dorm", 4, ("淋浴喷头脱落，出水四处喷溅", "淋浴喷头堵塞，出水很小"),
      ("更换淋浴喷头及软管，试水正常", "拆洗喷头除垢，出水恢复"),
      (("淋浴喷头", "套", 58, (1, 1)), ("淋浴软管", "根", 22, (1, 1)))),
    R("water", "卫生间下水道堵塞", "dorm", 5, ("地漏返水，卫生间积水", "蹲便器堵塞，冲水后溢出"),
      ("用疏通机疏通下水管，清出毛发杂物，排水恢复", "疏通蹲便器，清出塑料袋等杂物，已提醒学生不要乱扔"),
      urgent=0.3, human=0.2),
    R("water", "热水器不出热水", "dorm", 3, ("宿舍热水器不出热水，学生无法洗澡", "热水器漏电保护频繁跳开"),
      ("更换温控器，加热恢复正常", "更换加热管，测试正常"), (("温控器", "个", 45, (1, 1)), ("加热管", "根", 85, (1, 1))),
      urgent=0.3),
    R("water", "蹲便器冲水阀损坏", "toilet", 3, ("公共卫生间蹲便器冲水阀按下不回弹，长流水",),
      ("更换延时冲水阀，试水正常",), (("延时冲水阀", "个", 85, (1, 1)),)),
    R("water", "小便池感应器失灵", "toilet", 2, ("男卫生间小便池感应器不出水，异味较重",),
      ("更换感应器电池和电磁阀，恢复正常",), (("感应器电磁阀", "个", 65, (1, 1)), ("电池", "节", 3, (4, 4)))),
    R("water", "拖把池水管爆裂", "toilet", 1, ("拖把池下方进水管爆裂，大量漏水",), ("关闭总阀，更换PPR管段及角阀",),
      (("PPR水管", "米", 9, (1, 2)), ("角阀", "个", 28, (1, 1))), urgent=0.8),
    R("water", "食堂洗菜池下水堵塞", "kitchen", 3, ("洗菜池下水很慢，油污堵塞", "洗碗间地沟返水"),
      ("拆开存水弯清理油污，疏通下水管", "清理隔油池及地沟，排水恢复"), urgent=0.4),
    R("water", "实验室水槽漏水", "lab", 2, ("实验台水槽下方漏水",), ("更换水槽下水管及密封圈",),
      (("下水管", "根", 18, (1, 1)), ("密封圈", "个", 3, (1, 2)))),
    R("water", "喷灌水管破裂", "campus", 1, ("操场边绿化带喷灌水管破裂，大量冒水",), ("更换破裂PE管段，加装管箍",),
      (("PE管", "米", 6.5, (2, 6)), ("管箍", "个", 8, (1, 2))), urgent=0.6),
    # 电
    R("electric", "教室日光灯不亮", "classroom", 8, ("教室后排两根日光灯管不亮", "讲台上方日光灯闪烁后熄灭"),
      ("更换LED灯管，通电正常", "更换镇流器及灯管，恢复照明"), (("LED灯管", "根", 25, (1, 4)),)),
    R("electric", "宿舍灯不亮", "dorm", 6, ("宿舍顶灯不亮，更换灯泡无效", "阳台灯不亮"),
      ("更换灯座及LED灯泡", "更换开关面板，照明恢复"), (("LED灯泡", "个", 12, (1, 2)), ("开关面板", "个", 12, (1, 1)))),
    R("electric", "插座没电", "office", 5, ("墙上插座没电，电脑无法使用", "插座冒火花后没电"),
      ("检查线路，更换烧坏的五孔插座", "重新接线并更换插座，测试正常"), (("五孔插座", "个", 15, (1, 2)),), urgent=0.15),
    R("electric", "宿舍空气开关频繁跳闸", "dorm", 3, ("宿舍空气开关频繁跳闸，晚上经常停电",),
      ("排查线路，发现学生使用大功率电器，已交宿管处理并更换空开", "更换老化空气开关，线路绝缘测试合格"),
      (("空气开关", "个", 45, (1, 1)),), urgent=0.3, human=0.3),
    R("electric", "走廊声控灯不亮", "duty", 3, ("三楼走廊声控灯不亮，晚上楼道很黑",), ("更换声控开关及灯泡",),
      (("声控开关", "个", 18, (1, 2)), ("LED灯泡", "个", 12, (1, 2)))),
    R("electric", "教室插座没电", "classroom", 3, ("讲台插座没电，一体机无法开机",), ("更换烧坏的插座，恢复供电",),
      (("五孔插座", "个", 15, (1, 1)),), urgent=0.2),
    R("electric", "路灯不亮", "campus", 2, ("校园主干道两盏路灯晚上不亮",), ("更换LED路灯灯头，检查线路",),
      (("LED路灯灯头", "个", 180, (1, 2)),)),
    R("electric", "体育馆照明灯损坏", "gym", 2, ("体育馆顶部两盏照明灯不亮",), ("高空作业车配合，更换LED投光灯",),
      (("LED投光灯", "个", 260, (1, 2)),)),
    R("electric", "配电箱漏电保护器跳闸", "office", 1, ("办公区整层停电，配电箱漏电保护器合不上",),
      ("查出一台饮水机漏电，断开后恢复供电，已通知使用部门",), urgent=0.7),
    # 木工
    R("carpentry", "床板断裂", "dorm", 4, ("上铺床板断裂，无法睡人", "床板中间开裂下陷"),
      ("更换床板，加固床架横撑",), (("床板", "块", 45, (1, 2)), ("螺丝", "盒", 6, (1, 1))), human=0.3),
    R("carpentry", "课桌椅松动", "classroom", 4, ("多张课桌椅腿松动，坐着摇晃",), ("紧固螺丝，更换损坏的连接件",),
      (("螺丝", "盒", 6, (1, 2)), ("连接件", "个", 4, (2, 8))), human=0.1),
    R("carpentry", "衣柜门脱落", "dorm", 3, ("学生衣柜柜门合页断裂，柜门脱落",), ("更换合页，调整柜门",),
      (("合页", "副", 8, (2, 4)),), human=0.25),
    R("carpentry", "讲台抽屉损坏", "classroom", 1, ("讲台抽屉滑轨断裂，拉不出来",), ("更换抽屉滑轨",),
      (("抽屉滑轨", "副", 15, (1, 1)),)),
    R("carpentry", "书架层板断裂", "library", 1, ("阅览室书架层板断裂，图书散落",), ("更换层板，加装托架",),
      (("层板", "块", 35, (1, 2)),)),
    R("carpentry", "办公桌抽屉锁损坏", "office", 2, ("办公桌抽屉锁打不开",), ("开锁后更换抽屉锁，配钥匙2把",),
      (("抽屉锁", "把", 18, (1, 1)),)),
    # 门窗
    R("door_window", "宿舍门锁损坏", "dorm", 7, ("宿舍门锁打不开，钥匙拧不动", "门锁锁舌卡住，门关不上"),
      ("更换锁芯，配钥匙", "更换整套门锁，调整锁舌位置"), (("锁芯", "个", 45, (1, 1)), ("钥匙", "把", 3, (4, 8))),
      human=0.35),
    R("door_window", "窗户玻璃破裂", "dorm", 3, ("窗户玻璃被打碎，有划伤危险", "窗户玻璃出现裂缝"),
      ("清理碎玻璃，量尺寸更换钢化玻璃", "更换玻璃并打胶固定"), (("钢化玻璃", "平方米", 95, (1, 2)), ("玻璃胶", "支", 15, (1, 1))),
      urgent=0.3, human=0.5),
    R("door_window", "教室窗户关不严", "classroom", 3, ("窗户滑轮损坏，推拉困难关不严", "窗户锁扣脱落"),
      ("更换窗户滑轮，调整窗框", "更换窗户锁扣"), (("窗户滑轮", "个", 12, (2, 4)), ("窗户锁扣", "个", 10, (1, 2)))),
    R("door_window", "教室门把手脱落", "classroom", 2, ("教室前门把手脱落，门无法正常开关",), ("更换门把手及锁体",),
      (("门把手", "套", 55, (1, 1)),), human=0.2),
    R("door_window", "卫生间隔断门合页损坏", "toilet", 2, ("卫生间隔断门合页断裂，门关不上",), ("更换隔断门合页和插销",),
      (("不锈钢合页", "副", 12, (2, 2)), ("插销", "个", 8, (1, 1)))),
    R("door_window", "防火门闭门器损坏", "duty", 1, ("楼梯间防火门闭门器漏油，门不能自动关闭",), ("更换闭门器",),
      (("闭门器", "个", 120, (1, 1)),)),
    R("door_window", "纱窗破损", "dorm", 2, ("纱窗破洞，蚊虫较多",), ("更换纱网",), (("纱网", "平方米", 15, (1, 3)),)),
    R("door_window", "办公室门锁损坏", "office", 2, ("办公室门锁钥匙插不进去",), ("更换锁芯，配钥匙",),
      (("锁芯", "个", 45, (1, 1)), ("钥匙", "把", 3, (2, 4)))),
    # 网络
    R("network", "办公室网络不通", "office", 5, ("办公室电脑无法上网，网络图标显示未连接", "网速很慢，网页打不开"),
      ("重新压制网线水晶头，测试网络连通", "交换机端口故障，改接备用端口，网络恢复"),
      (("水晶头", "个", 1.5, (2, 6)), ("超五类网线", "米", 1.8, (5, 30)))),
    R("network", "教室一体机无法上网", "classroom", 3, ("教室一体机连不上网，无法使用在线课件",),
      ("重新配置网络，更换网线", "检查为教室交换机断电，恢复供电后正常"), (("超五类网线", "米", 1.8, (3, 10)),),
      asset="交互智能平板"),
    R("network", "无线网络信号弱", "office", 2, ("办公室无线网络信号弱，经常掉线",), ("调整无线AP位置并重新配置信道",),
      asset="无线AP"),
    R("network", "机房交换机故障", "computer_lab", 1, ("计算机教室半数电脑不能上网",), ("更换故障交换机，恢复上课",),
      asset="网络交换机", urgent=0.6),
    R("network", "宿舍监控画面中断", "duty", 1, ("值班室监控有两路画面中断",), ("重新接续网线，摄像机恢复在线",),
      (("水晶头", "个", 1.5, (2, 4)),), asset="网络摄像机"),
    # 设备
    R("equipment", "教室投影仪无信号", "lab", 2, ("投影仪开机后显示无信号",), ("更换HDMI线，调整信号源后正常",),
      (("HDMI线", "根", 35, (1, 1)),), asset="投影仪"),
    R("equipment", "交互智能平板触摸失灵", "classroom", 3, ("一体机触摸不灵敏，书写有偏移",),
      ("触摸框校准，清洁边框后恢复", "联系厂家保修，更换触摸框"), asset="交互智能平板"),
    R("equipment", "空调不制冷", "office", 5, ("空调开机后不制冷，出风是热风", "空调制冷效果很差"),
      ("检测为缺氟，补充冷媒后制冷正常", "清洗过滤网及室外机，制冷恢复"), (("R32冷媒", "公斤", 120, (1, 2)),),
      asset="空调"),
    R("equipment", "教室空调漏水", "classroom", 3, ("教室柜式空调漏水，地面湿滑",), ("疏通冷凝水管，重新包扎保温",),
      (("保温管", "米", 6, (1, 3)),), asset="柜式空调"),
    R("equipment", "宿舍空调遥控失灵", "dorm", 2, ("宿舍空调遥控器无反应",), ("检查为接收板故障，更换接收板",),
      (("空调接收板", "块", 65, (1, 1)),), asset="空调"),
    R("equipment", "蒸饭柜不加热", "kitchen", 2, ("蒸饭柜打开后不出蒸汽，影响午餐",), ("更换点火针及熄火保护器",),
      (("点火针", "个", 35, (1, 1)), ("熄火保护器", "个", 85, (1, 1))), asset="蒸饭柜", urgent=0.7),
    R("equipment", "冷藏柜温度异常", "kitchen", 2, ("冷藏柜温度显示12℃，降不下来",), ("清理冷凝器，更换温控器",),
      (("温控器", "个", 45, (1, 1)),), asset="冷藏冷冻柜", urgent=0.7),
    R("equipment", "消毒柜不工作", "kitchen", 1, ("消毒柜通电后不加热",), ("更换发热管",), (("发热管", "根", 60, (1, 2)),),
      asset="消毒柜"),
    R("equipment", "开水器不出开水", "duty", 2, ("宿舍开水器水温只有四五十度",), ("更换加热管，清除水垢",),
      (("加热管", "根", 85, (1, 1)),), asset="电热开水器", urgent=0.4),
    R("equipment", "洗衣机不脱水", "laundry", 1, ("投币洗衣机不脱水，衣服拿出来全是水",), ("更换排水阀",),
      (("排水阀", "个", 48, (1, 1)),), asset="洗衣机"),
    R("equipment", "跑步机皮带跑偏", "gym", 1, ("跑步机跑带跑偏，有异响",), ("调整跑带，加润滑油",),
      (("跑步机润滑油", "瓶", 28, (1, 1)),), asset="商用跑步机"),
    R("equipment", "食堂排烟风机异响", "kitchen", 1, ("排烟风机运转声音很大，有震动",), ("更换风机轴承，紧固底座",),
      (("轴承", "个", 38, (2, 2)),)),
    # 其他
    R("other", "墙面瓷砖脱落", "toilet", 1, ("卫生间墙面瓷砖空鼓脱落",), ("铲除空鼓瓷砖，重新铺贴",),
      (("瓷砖", "平方米", 45, (1, 2)), ("瓷砖胶", "袋", 35, (1, 1)))),
    R("other", "屋顶渗水", "dorm", 1, ("顶楼宿舍天花板渗水，墙面发霉",), ("屋面局部做防水处理，待干燥后修补墙面",),
      (("防水涂料", "桶", 260, (1, 2)),), urgent=0.3),
    R("other", "楼梯扶手松动", "toilet", 1, ("楼梯扶手松动，存在安全隐患",), ("重新打膨胀螺丝固定扶手",),
      (("膨胀螺丝", "盒", 15, (1, 1)),), urgent=0.3),
    R("other", "窨井盖破损", "campus", 1, ("校园道路窨井盖破损，有人踩空",), ("更换复合材料井盖，设置警示",),
      (("复合井盖", "个", 160, (1, 1)),), urgent=0.7),
    R("other", "篮球架螺丝松动", "gym", 1, ("室外篮球架篮板晃动",), ("紧固篮板螺栓，检查底座",), (("螺栓", "套", 12, (2, 4)),)),
)
RUBBISH_PLACES = {"toilet": ("教学楼A", "教学楼B", "东校区教学楼C", "实验楼", "行政楼", "图书馆"),
                  "campus": ("田径场东侧", "校园主干道", "教学楼A前绿化带", "停车场", "东校区大门口", "食堂后门通道")}
REJECT_REASONS = ("不属于后勤维修范围，请联系信息中心处理", "重复报修，已在前一张报修单中处理", "属于保修期内设备，请联系厂家售后",
                  "经核实设备正常，系使用方法问题，已电话说明")
SUSPEND_REASONS = ("配件需要采购，等待到货", "原厂配件缺货，已联系供应商调货", "需要厂家技术人员上门配合")
DELAY_REASONS = ("配件需要向厂家订购，预计到货时间较长", "需要与使用部门协调停用时间后施工", "涉及管道改造，需等周末学生离校后施工")
GOOD_FEEDBACK = ("师傅来得很快，修得也好", "维修及时，态度很好", "非常满意，谢谢师傅", "处理专业，干活利索", "已修好，满意")
BAD_FEEDBACK = ("等了两天才来修", "修完没多久又坏了", "维修后现场垃圾没清理", "态度一般，拖了很久")


class RepairsMixin:
    """A year of repair orders (mixed into ``_Activity``)."""

    def build_repairs(self) -> None:
        from models.assets import AssetStatus
        from models.repairs import (
            REPAIR_WORKFLOW,
            DamageOrigin,
            DelayStatus,
            RepairCategory,
            RepairDelay,
            RepairMaterial,
            RepairOrder,
            Urgency,
            default_promise,
        )
        from models.repairs import RepairStatus as S

        rng = self.rng("repairs")
        b, now, today = self.b, self.now, self.today
        step = {s.name: s for s in REPAIR_WORKFLOW.steps}
        dispatcher = b.demo_staff["zongwu"]

        # Where things are.
        where = {loc: key for key, loc in b.location_ids.items()}
        dorm_rooms: list[int] = []
        duty_rooms: list[int] = []
        for building, campus, _g, floors, rooms, _beds, _y in DORM_BUILDINGS:
            duty_rooms.append(b.location_ids[(campus, building, "值班室")])
            dorm_rooms += [b.location_ids[(campus, building, f"{f}{n:02d}")]
                           for f in range(1, floors + 1) for n in range(1, rooms + 1)]
        usable = (AssetStatus.in_use, AssetStatus.idle, AssetStatus.repairing, AssetStatus.on_loan)
        asset_at: dict[tuple, list[int]] = defaultdict(list)
        asset_in: dict[tuple, list[int]] = defaultdict(list)
        for i, asset in enumerate(b.assets):
            if asset["status"] in usable and asset["location_id"] is not None:
                asset_at[(asset["location_id"], asset["name"])].append(i)
                asset_in[(asset["department_id"], asset["name"])].append(i)
        workers = self.on_duty["050203"]
        positions = {w: self.staff_row[w]["position"] for w in workers}
        preferred = {"water": ("水工", "维修工"), "electric": ("电工",), "carpentry": ("木工", "维修工"),
                     "door_window": ("木工", "维修工"), "network": ("电工",), "equipment": ("维修工", "电工"),
                     "other": ("维修工", "木工", "水工")}
        demo_workers = {b.demo_staff["weixiu"], b.demo_staff["shuidian"]}
        all_staff = [s for dept in ALL_DEPTS for s in self.on_duty[dept]]

        def choose_worker(category: str) -> int:
            fit = [w for w in workers if positions[w] in preferred[category]] or workers
            demo = [w for w in fit if w in demo_workers]
            if demo and rng.random() < 0.5 / self.scale ** 0.5:
                return rng.choice(demo)
            return rng.choice(fit)

        def place_for(kind: RepairKind, reporter: int | None):
            """(reporter, department code, location id or None, place text)."""
            p = kind.place
            if p in ("dorm", "duty"):
                reporter = reporter or self.pick_staff(rng, "050202", 0.6)
                loc = rng.choice(dorm_rooms if p == "dorm" else duty_rooms)
            elif p == "classroom":
                if reporter is None:
                    dept = rng.choice(GRADE_DEPTS)
                    reporter = self.pick_staff(rng, dept, 0.3)
                dept = b.staff_dept[reporter]
                loc = rng.choice(b.places[dept].get("classroom") or b.places[rng.choice(GRADE_DEPTS)]["classroom"])
            elif p == "office":
                reporter = reporter or rng.choice(all_staff)
                tags = b.places[b.staff_dept[reporter]]
                loc = rng.choice(tags.get("office") or [x for ids in tags.values() for x in ids])
            elif p in ("kitchen", "dining"):
                reporter = reporter or self.pick_staff(rng, "050201", 0.5)
                loc = rng.choice(b.places["050201"][p])
            elif p in ("lab", "computer_lab", "library"):
                reporter = reporter or self.pick_staff(rng, "03")
                loc = rng.choice(b.places["03"][p])
            elif p == "gym":
                reporter = reporter or self.pick_staff(rng, "14")
                loc = rng.choice(b.places["14"]["gym"])
            elif p == "laundry":
                reporter = reporter or self.pick_staff(rng, "050205")
                loc = rng.choice(b.places["050205"]["laundry"])
            else:  # toilet, campus: public places without a room record
                if reporter is None:
                    dept = rng.choice(("050204", "050204", "050204", "05", "11", "12", "13"))
                    reporter = self.pick_staff(rng, dept, 0.4)
                if p == "toilet":
                    text = f"{rng.choice(RUBBISH_PLACES['toilet'])}{rng.randint(1, 4)}楼{rng.choice('男女')}卫生间"
                else:
                    text = rng.choice(RUBBISH_PLACES["campus"])
                return reporter, None, text
            campus, building, room = where[loc]
            text = f"{campus}{building}{room}"
            return reporter, loc, text

        def asset_for(kind: RepairKind, loc: int | None, reporter: int):
            if kind.asset is None:
                return None, loc
            found = asset_at.get((loc, kind.asset)) if loc is not None else None
            if found:
                return rng.choice(found), loc
            found = asset_in.get((b.dept_ids[b.staff_dept[reporter]], kind.asset))
            if found:
                i = rng.choice(found)
                return i, b.assets[i]["location_id"]
            return None, loc

        def in_hours(t: datetime, urgent: bool) -> datetime:
            """Workers come between 7:30 and 18:00 unless the job is urgent."""
            if urgent:
                return t
            if t.hour < 7 or (t.hour == 7 and t.minute < 30):
                return datetime.combine(t.date(), time(7, 30)) + timedelta(minutes=rng.randint(0, 50))
            if t.hour >= 18:
                return datetime.combine(t.date() + timedelta(days=1), time(7, 30)) + timedelta(minutes=rng.randint(0, 60))
            return t

        def awake(t: datetime) -> datetime:
            if t.hour < 7:
                return datetime.combine(t.date(), time(7, 10)) + timedelta(minutes=rng.randint(0, 80))
            if t.hour >= 22:
                return datetime.combine(t.date() + timedelta(days=1), time(7, 10)) + timedelta(minutes=rng.randint(0, 80))
            return t

        hours_for = {
            "dorm": [(7, 1), (8, 1), (11, 1), (12, 2), (13, 1), (17, 2), (18, 3), (19, 3), (20, 3), (21, 2)],
            "kitchen": [(6, 2), (7, 2), (8, 2), (9, 2), (10, 2), (13, 2), (14, 2), (15, 1)],
            "other": [(7, 1), (8, 3), (9, 3), (10, 3), (11, 2), (13, 1), (14, 3), (15, 3), (16, 2), (17, 1)],
        }
        hours_for["duty"] = hours_for["dorm"]

        def make(kind: RepairKind, reported: datetime, reporter: int | None = None, worker: int | None = None,
                 stall: str | None = None, promise: datetime | None = None, fixed: bool = False,
                 pending_delay: bool = False) -> dict:
            reporter, loc, text = place_for(kind, reporter)
            human = rng.random() < kind.human
            asset, loc2 = asset_for(kind, loc, reporter) if not human else (None, loc)
            if loc2 != loc and loc2 is not None:
                loc = loc2
                campus, building, room = where[loc]
                text = f"{campus}{building}{room}"
            urgent = (rng.random() < kind.urgent) and not fixed
            urgency = Urgency.urgent if urgent else Urgency.normal
            default = default_promise(reported, urgency)
            worker = worker or choose_worker(kind.category)
            events: list[tuple] = []  # (time, step, from, to, actor, comment)
            delays: list[dict] = []
            fate = rng.random() if stall is None else 1.0
            promised = default
            if fate < 0.03:
                events.append((in_hours(reported + timedelta(minutes=rng.randint(10, 180)), False), "reject",
                               S.pending, S.rejected, dispatcher, rng.choice(REJECT_REASONS)))
            elif fate < 0.055:
                events.append((reported + timedelta(minutes=rng.randint(5, 300)), "cancel", S.pending, S.cancelled,
                               reporter, None))
            else:
                minute = timedelta(minutes=1)
                if fixed:
                    dispatched = reported + 20 * minute
                else:
                    dispatched = in_hours(reported + rng.randint(5, 60 if urgent else 120) * minute, urgent)
                promised = default
                if promise is not None:
                    promised = promise
                elif not urgent and (dispatched.date() > reported.date() or dispatched.hour >= 16):
                    # Reported after hours: the dispatcher promises the next working afternoon.
                    day = dispatched.date() + timedelta(days=1 if dispatched.date() == reported.date() else 0)
                    promised = datetime.combine(day, time(18, 0))
                elif not urgent and rng.random() < 0.12:
                    promised = datetime.combine(reported.date() + timedelta(days=rng.randint(1, 4)), time(18, 0))
                accepted = dispatched + (25 * minute if fixed else rng.randint(3, 40) * minute)
                if not fixed:
                    accepted = in_hours(accepted, urgent)
                events.append((dispatched, "dispatch", S.pending, S.dispatched, dispatcher, None))
                events.append((accepted, "accept", S.dispatched, S.repairing, worker, None))
                parts = stall == "waiting_parts" or (stall is None and rng.random() < 0.04)
                if parts:
                    suspended = accepted + rng.randint(20, 90) * minute
                    resumed = in_hours(suspended + timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 6)), False)
                    finished = in_hours(resumed + rng.randint(30, 180) * minute, False)
                    events.append((suspended, "suspend", S.repairing, S.waiting_parts, worker,
                                   rng.choice(SUSPEND_REASONS)))
                    events.append((resumed, "resume", S.waiting_parts, S.repairing, worker, None))
                    if stall is None and finished > promised:
                        roll = rng.random()
                        if roll < 0.45:
                            new = max(datetime.combine(finished.date(), time(18, 0)), finished + 30 * minute)
                            delays.append(dict(applicant_id=worker, old_promised_at=promised, new_promised_at=new,
                                               reason=rng.choice(DELAY_REASONS), status=DelayStatus.approved,
                                               row_version=1, _after=suspended))
                            promised = new
                        elif roll < 0.55:
                            delays.append(dict(applicant_id=worker, old_promised_at=promised,
                                               new_promised_at=promised + timedelta(days=2),
                                               reason=rng.choice(DELAY_REASONS), status=DelayStatus.rejected,
                                               row_version=1, _after=suspended))
                elif fixed:
                    finished = accepted + 60 * minute
                elif rng.random() < 0.05:  # finished late
                    finished = in_hours(promised + timedelta(hours=rng.uniform(1, 30)), urgent)
                else:
                    finished = in_hours(accepted + rng.randint(20, 150) * minute, urgent)
                finished = max(finished, accepted + 10 * minute)
                cause = DamageOrigin.human if human else DamageOrigin.natural
                record = rng.choice(kind.records) + ("；经查为人为损坏，已告知报修部门" if human else "")
                events.append((finished, "finish", S.repairing, S.to_check, worker, None))
                checked = finished + 90 * minute if fixed else awake(finished + rng.randint(10, 60 * 30) * minute)
                if stall is not None or rng.random() > 0.015:  # a few reporters never come back to check
                    events.append((checked, "check", S.to_check, S.done, reporter, None))
                    if stall is not None or rng.random() < 0.85:
                        late = finished > promised
                        if late:
                            rating = rng.choices((5, 4, 3, 2, 1), (30, 35, 20, 10, 5))[0]
                        else:
                            rating = rng.choices((5, 4, 3, 2, 1), (62, 28, 7, 2, 1))[0]
                        feedback = None
                        if rng.random() < 0.4:
                            feedback = rng.choice(GOOD_FEEDBACK if rating >= 4 else BAD_FEEDBACK)
                        events.append((checked + rng.randint(0, 20) * minute, "rate", S.done, S.done, reporter,
                                       (rating, feedback)))
                keep = {"pending": 0, "dispatched": 1, "repairing": 2, "waiting_parts": 3, "to_check": None,
                        "unrated": None}
                if stall in ("to_check", "unrated"):
                    cut = {"to_check": "finish", "unrated": "check"}[stall]
                    events = events[:next(i for i, e in enumerate(events) if e[1] == cut) + 1]
                elif stall is not None:
                    events = events[:keep[stall]]
                if stall == "waiting_parts" and pending_delay:
                    new = datetime.combine(max(today, promised.date()) + timedelta(days=rng.randint(2, 6)), time(18, 0))
                    delays.append(dict(applicant_id=worker, old_promised_at=promised, new_promised_at=new,
                                       reason=rng.choice(DELAY_REASONS), status=DelayStatus.pending, row_version=1,
                                       _after=events[-1][0]))
            events = [e for e in events if e[0] <= now]
            status = events[-1][3] if events else S.pending
            names = {e[1] for e in events}
            row = dict(code=None, title=kind.title, description=rng.choice(kind.descriptions),
                       category=RepairCategory[kind.category], urgency=urgency, place=text, location_id=loc,
                       asset_id=asset, reporter_id=reporter, department_id=b.dept_ids[b.staff_dept[reporter]],
                       phone=self.staff_row[reporter]["phone"], reported_at=reported, photo=None,
                       dispatcher_id=None, worker_id=None, dispatched_at=None, accepted_at=None, promised_at=default,
                       finished_at=None, work_record=None, damage_cause=None, checker_id=None, checked_at=None,
                       rating=None, feedback=None, status=status, row_version=1)
            for at, name, _s, _t, _a, extra in events:
                if name == "dispatch":
                    row.update(dispatcher_id=dispatcher, worker_id=worker, dispatched_at=at, promised_at=promised)
                elif name == "accept":
                    row["accepted_at"] = at
                elif name == "finish":
                    row.update(finished_at=at, work_record=record, damage_cause=cause)
                elif name == "check":
                    row.update(checker_id=reporter, checked_at=at)
                elif name == "rate":
                    row.update(rating=extra[0], feedback=extra[1])
            if "dispatch" not in names:
                delays = []
            # A delay is decided once the job resumed; one still waiting for parts may have a request pending.
            delays = [d for d in delays if d["status"] == DelayStatus.pending or "resume" in names]
            if status not in (S.repairing, S.waiting_parts, S.dispatched):
                delays = [d for d in delays if d["status"] != DelayStatus.pending]
            materials = []
            if kind.materials and status in (S.repairing, S.waiting_parts, S.to_check, S.done) \
                    and rng.random() < (0.85 if status in (S.to_check, S.done) else 0.4):
                for name, unit, price, (low, high) in kind.materials[:rng.randint(1, len(kind.materials))]:
                    quantity = Decimal(str(rng.randint(int(low), int(high))))
                    if unit in ("米", "平方米", "公斤") and rng.random() < 0.5:
                        quantity += Decimal("0.5")
                    unit_price = Decimal(str(price)).quantize(CENT)
                    materials.append(dict(name=name, unit=unit, quantity=quantity, unit_price=unit_price,
                                          amount=(quantity * unit_price).quantize(CENT), row_version=1))
            return dict(row=row, events=events, delays=delays, materials=materials)

        # The orders the demo accounts see first (open jobs, jobs to check and rate) …
        by_place = defaultdict(list)
        for kind in REPAIR_KINDS:
            by_place[kind.place].append(kind)
        jobs_of = {"weixiu": ("carpentry", "door_window", "equipment", "other"), "shuidian": ("electric", "network", "water")}
        scripted = (  # place, reporter, worker, stall, days ago, hour, promise (days from today), pending delay
            ("dorm", "sushe", "weixiu", "dispatched", 1, 15, 1, False),
            ("classroom", "jiaoshi", "weixiu", "dispatched", 1, 14, 1, False),
            ("dorm", "sushe", "weixiu", "repairing", 1, 10, 1, False),
            ("office", None, "weixiu", "repairing", 1, 14, 2, False),
            ("dorm", "sushe", "weixiu", "waiting_parts", 6, 10, -3, True),
            ("classroom", None, "weixiu", "repairing", 3, 9, -2, False),
            ("office", None, "shuidian", "dispatched", 1, 15, 1, False),
            ("dorm", "sushe", "shuidian", "repairing", 1, 11, 1, False),
            ("classroom", "jiaoshi", None, "to_check", 2, 9, None, False),
            ("classroom", "jiaoshi", None, "to_check", 3, 14, None, False),
            ("classroom", "jiaoshi", None, "unrated", 4, 10, None, False),
            ("classroom", "jiaoshi", None, "unrated", 9, 8, None, False),
            ("classroom", "jiaoshi", None, "pending", 1, 17, None, False),
            ("dorm", "sushe", None, "pending", 1, 19, None, False),
            ("dorm", "sushe", None, "pending", 1, 20, None, False),
            ("dorm", "sushe", None, "to_check", 2, 16, None, False),
            ("kitchen", "shitang", None, "repairing", 1, 9, 1, False),
            ("kitchen", "shitang", None, "to_check", 2, 7, None, False),
        )
        recent = []
        for place, reporter, worker, stall, ago, hour, promise, delay in scripted:
            options = [k for k in by_place[place] if worker is None or k.category in jobs_of[worker]]
            kind = rng.choice(options)
            reported = datetime.combine(today - timedelta(days=ago), time(hour, rng.randint(0, 40)))
            when = None if promise is None else datetime.combine(today + timedelta(days=promise), time(18, 0))
            recent.append(make(kind, reported, reporter=b.demo_staff[reporter] if reporter else None,
                               worker=b.demo_staff[worker] if worker else None, stall=stall, promise=when,
                               fixed=True, pending_delay=delay))

        from app.rules.history import WorkflowLog

        def write(batch: list[dict]) -> None:
            """Number a batch of whole days in time order, insert it, then its materials, delays and history."""
            batch.sort(key=lambda o: o["row"]["reported_at"])
            for order in batch:
                order["row"]["code"] = self.number("BX", order["row"]["reported_at"].date())
                if order["row"]["asset_id"] is not None:
                    order["row"]["asset_id"] = b.asset_ids[order["row"]["asset_id"]]
            ids = self.insert_ids(RepairOrder, [o["row"] for o in batch])
            materials, delays, logs = [], [], []
            for oid, order in zip(ids, batch):
                materials += [dict(m, order_id=oid) for m in order["materials"]]
                for delay in order["delays"]:
                    delay.pop("_after", None)
                    delays.append(dict(delay, order_id=oid))
                for at, name, source, target, actor, extra in order["events"]:
                    comment = extra if isinstance(extra, str) else None
                    logs.append(self.log("RepairOrder", oid, step[name], at, actor, comment, source, target))
            self.bulk(RepairMaterial, materials)
            self.bulk(RepairDelay, delays)
            self.bulk(WorkflowLog, logs)

        # … and the year's orders, written a few weeks at a time (the last ten days together with those above).
        kinds, weights = list(REPAIR_KINDS), [k.weight for k in REPAIR_KINDS]
        batch: list[dict] = []
        last_day = None
        for day in self.sample_days(rng, 3000 * self.scale, self.year_start, today):
            if day != last_day and len(batch) >= 4 * CHUNK and day < today - timedelta(days=10):
                write(batch)
                batch = []
            last_day = day
            kind = rng.choices(kinds, weights)[0]
            reported = self.at_time(rng, day, hours_for.get(kind.place, hours_for["other"]))
            if reported > now:
                reported -= timedelta(days=1)
            stall = None
            if now - timedelta(days=30) < reported < now - timedelta(days=2) and rng.random() < 0.03:
                stall = rng.choice(("pending", "dispatched", "dispatched", "repairing", "repairing", "repairing",
                                    "waiting_parts", "waiting_parts", "waiting_parts", "waiting_parts"))
            batch.append(make(kind, reported, stall=stall, pending_delay=rng.random() < 0.5))
        write(batch + recent)
