"""Seeds purchasing: suppliers, budgets, purchase requests with their lines, acceptances and reimbursements."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal

from .common import CENT, between, last_term

# (名称, 联系人, 电话, 地址, 经营范围标签)
SUPPLIERS = (
    ("杭州文源办公用品有限公司", "徐建华", "0571-88517263", "杭州市拱墅区湖墅南路268号", "office"),
    ("浙江华创计算机系统工程有限公司", "沈立群", "0571-87063152", "杭州市西湖区文三路90号东部软件园2号楼", "it"),
    ("杭州联华数码科技有限公司", "钱晓东", "0571-85024417", "杭州市上城区秋涛北路83号数码城3楼", "it"),
    ("浙江智慧教育装备有限公司", "陆文杰", "0571-86908833", "杭州市滨江区江南大道3880号", "it"),
    ("杭州永盛家具有限公司", "张永盛", "0571-86731290", "杭州市临平区东湖街道兴国路517号", "furniture"),
    ("浙江美厨厨房设备有限公司", "冯国良", "0571-88237645", "杭州市余杭区仁和街道云联路18号", "kitchen"),
    ("杭州丰源厨具餐具商行", "邱美凤", "0571-85376012", "杭州市拱墅区勤丰路155号", "kitchen"),
    ("杭州好运来体育用品有限公司", "胡卫兵", "0571-88078516", "杭州市西湖区黄龙路1号体育用品市场", "sports"),
    ("浙江博远教学仪器设备有限公司", "何志明", "0571-87217730", "杭州市西湖区天目山路181号", "lab"),
    ("杭州宏达五金机电有限公司", "叶宏达", "0571-86695241", "杭州市上城区九堡大道1555号五金城", "hardware"),
    ("杭州建业水电安装材料有限公司", "郑建业", "0571-88151378", "杭州市拱墅区石祥路71号建材市场", "hardware"),
    ("杭州绿源园林工程有限公司", "吕青松", "0571-88621905", "杭州市余杭区闲林街道花木城", "greening"),
    ("杭州新知图书发行有限公司", "林书文", "0571-85157908", "杭州市上城区解放路156号", "books"),
    ("杭州安居消防器材有限公司", "曹安平", "0571-86012239", "杭州市拱墅区莫干山路1418号", "safety"),
    ("浙江海视安防科技有限公司", "蒋海涛", "0571-87658842", "杭州市滨江区东流路88号", "safety"),
    ("杭州恒昌家电销售有限公司", "孙恒昌", "0571-85803326", "杭州市上城区凯旋路445号", "appliance"),
    ("杭州众信电器有限公司", "罗众信", "0571-88460715", "杭州市西湖区古墩路701号", "appliance"),
    ("杭州洁美清洁用品有限公司", "方洁", "0571-86428159", "杭州市临平区南苑街道藕花洲大街39号", "cleaning"),
    ("杭州舒雅床上用品有限公司", "潘舒雅", "0571-89163527", "杭州市钱塘区白杨街道6号大街", "textile"),
    ("杭州鑫达印务有限公司", "袁鑫达", "0571-88935564", "杭州市拱墅区祥园路28号", "printing"),
)
EXTRA_SUPPLIER_CITIES = ("杭州", "宁波", "绍兴", "嘉兴", "湖州", "金华", "台州", "温州", "义乌", "余姚", "萧山", "富阳")
EXTRA_SUPPLIER_WORDS = ("恒信", "金桥", "华美", "顺达", "明远", "广源", "天成", "鼎盛", "新越", "宏远", "利民", "长青",
                        "正大", "百诚", "嘉禾", "东方", "瑞丰", "同创", "万方", "立德")
EXTRA_SUPPLIER_TRADES = (("办公用品", "office"), ("计算机", "it"), ("家具", "furniture"), ("厨房设备", "kitchen"),
                         ("体育用品", "sports"), ("教学仪器", "lab"), ("五金机电", "hardware"), ("园林绿化", "greening"),
                         ("消防器材", "safety"), ("电器", "appliance"), ("清洁用品", "cleaning"), ("印务", "printing"))

# One line of a request: (品名, 规格型号, 计量单位, 参考单价, (最少, 最多), 资产分类代码, 供应商标签)
OFFICE_SUPPLIES = [
    ("复印纸", "得力 A4 70g 500张/包 5包/箱", "箱", 128, (5, 30), None, "office"),
    ("签字笔", "晨光 K35 0.5mm 12支/盒", "盒", 18, (10, 40), None, "office"),
    ("档案盒", "得力 5622 55mm 蓝色", "个", 6.5, (20, 100), None, "office"),
    ("硒鼓", "惠普 CF228A", "个", 420, (2, 6), None, "office"),
    ("墨盒", "佳能 PG-845 黑色", "个", 118, (2, 8), None, "office"),
    ("订书机", "得力 0414 12号", "个", 16, (5, 20), None, "office"),
    ("长尾夹", "得力 9546 32mm 24只/盒", "盒", 9.5, (10, 30), None, "office"),
    ("笔记本", "晨光 B5 60页", "本", 4.8, (50, 200), None, "office"),
    ("白板笔", "晨光 MG2160 10支/盒", "盒", 15, (10, 40), None, "office"),
    ("文件柜", "永发 钢制 1850×900", "个", 680, (1, 4), "601", "furniture"),
]
IT_EQUIPMENT = [
    ("台式计算机", "联想 启天M437 i5-12500/16G/512G", "台", 4899, (1, 6), "201", "it"),
    ("笔记本电脑", "ThinkPad E14 i5-1335U/16G/512G", "台", 5499, (1, 3), "201", "it"),
    ("激光打印机", "惠普 LaserJet Pro M405d", "台", 1899, (1, 3), "202", "it"),
    ("多功能一体机", "京瓷 ECOSYS M4125idn", "台", 5600, (1, 1), "202", "it"),
    ("显示器", "戴尔 SE2422H 23.8英寸", "台", 899, (1, 6), None, "it"),
    ("网络交换机", "华为 S5735S-L24T4S-A1 24口千兆", "台", 2680, (1, 2), "208", "it"),
    ("无线AP", "华为 AirEngine 5761-11", "台", 1280, (1, 6), "208", "it"),
    ("超五类网线", "安普 305米/箱", "箱", 460, (1, 3), None, "it"),
    ("移动硬盘", "西部数据 2TB USB3.0", "个", 499, (1, 4), None, "it"),
]
TEACHING_SUPPLIES = [
    ("粉笔", "文正 无尘 10盒/包", "包", 32, (10, 40), None, "office"),
    ("白板笔", "晨光 MG2160 10支/盒", "盒", 15, (10, 30), None, "office"),
    ("试卷印刷纸", "8开 70g 500张/令", "令", 85, (10, 60), None, "printing"),
    ("教学用三角板圆规套装", "1m 木制 4件套", "套", 68, (2, 12), None, "lab"),
    ("磁性黑板擦", "得力 7837", "个", 6, (12, 40), None, "office"),
    ("扩音器", "得胜 TM20 教学扩音器", "台", 680, (2, 10), None, "it"),
    ("交互智能平板", "希沃 S86EB 86英寸", "台", 16800, (1, 2), "209", "it"),
    ("实物展台", "正方科技 L1000", "台", 1180, (1, 4), "209", "it"),
    ("多媒体讲台", "华德 钢制 多媒体讲台", "张", 1600, (1, 3), "603", "furniture"),
]
LAB_SUPPLIES = [
    ("烧杯", "蜀牛 250ml 高硼硅", "个", 6.5, (50, 200), None, "lab"),
    ("试管", "Φ18×180mm 100支/盒", "盒", 38, (5, 20), None, "lab"),
    ("盐酸", "分析纯 500ml", "瓶", 18, (5, 20), None, "lab"),
    ("氢氧化钠", "分析纯 500g", "瓶", 22, (5, 15), None, "lab"),
    ("酒精灯", "150ml 玻璃", "个", 8, (20, 60), None, "lab"),
    ("学生显微镜", "凤凰 XSP-02-640X", "台", 420, (10, 30), "301", "lab"),
    ("电子天平", "舜宇恒平 JA2003 0.001g", "台", 1680, (1, 4), "301", "lab"),
    ("数字化实验系统", "朗威 DISLab 8.0", "套", 28000, (1, 1), "301", "lab"),
    ("3D打印机", "创想三维 Ender-3 S1 Pro", "台", 2999, (1, 3), "301", "lab"),
    ("全钢实验台", "2.4m 全钢", "张", 2600, (2, 8), "603", "furniture"),
]
BOOKS = [
    ("图书", "人民文学出版社 文学名著", "册", 42, (50, 300), "501", "books"),
    ("图书", "科学出版社 科普读物", "册", 36, (50, 300), "501", "books"),
    ("工具书", "商务印书馆 《现代汉语词典》第7版", "册", 89, (10, 60), "501", "books"),
    ("期刊订阅", "《中学生物理》等 全年", "份", 180, (5, 20), None, "books"),
]
KITCHEN = [
    ("不锈钢餐盘", "304不锈钢 五格快餐盘", "个", 18, (200, 600), None, "kitchen"),
    ("不锈钢汤桶", "50cm 加厚", "个", 168, (2, 8), None, "kitchen"),
    ("消毒柜", "康宝 XDR380-E2 热风消毒柜", "台", 3800, (1, 2), "303", "kitchen"),
    ("冷藏冷冻柜", "星星 BCD-1000Y 四门", "台", 4200, (1, 2), "303", "kitchen"),
    ("蒸饭柜", "伊东 ZF-24 24盘燃气", "台", 6500, (1, 1), "303", "kitchen"),
    ("燃气炒灶", "美厨 双头大锅灶", "台", 5800, (1, 1), "303", "kitchen"),
    ("和面机", "恒联 HWT-25", "台", 3600, (1, 1), "303", "kitchen"),
    ("食品留样盒", "250ml 带盖 100个/箱", "箱", 96, (2, 10), None, "kitchen"),
    ("厨师服", "白色长袖 含帽", "套", 85, (6, 20), None, "textile"),
    ("一次性手套", "PE食品级 100只/盒", "盒", 8.5, (20, 100), None, "cleaning"),
    ("洗洁精", "白猫 商用 20kg/桶", "桶", 115, (2, 10), None, "cleaning"),
    ("餐桌椅", "不锈钢八人连体餐桌", "套", 1150, (2, 10), "604", "furniture"),
]
DORM_SUPPLIES = [
    ("学生棉被", "罗莱 1.5kg 纯棉", "床", 128, (30, 150), None, "textile"),
    ("床垫", "0.9m×2m 棕榈 5cm", "张", 168, (20, 80), None, "textile"),
    ("双层铁床", "上下铺 0.9m×2m 钢制", "张", 560, (5, 30), None, "furniture"),
    ("公寓床（上床下桌）", "钢木 含书桌衣柜", "套", 1380, (4, 16), "602", "furniture"),
    ("学生衣柜", "钢制四门", "个", 420, (4, 20), None, "furniture"),
    ("宿舍门锁", "防盗执手锁 含锁芯", "把", 85, (10, 40), None, "hardware"),
    ("晾衣架", "不锈钢 落地式", "个", 45, (10, 60), None, "hardware"),
    ("电热开水器", "佳尼特 CR-60 商用", "台", 3800, (1, 2), "206", "appliance"),
    ("洗衣机", "海尔 XQB90-M12699T 投币式", "台", 1680, (1, 4), "206", "appliance"),
]
MAINTENANCE = [
    ("LED灯管", "T8 1.2m 18W", "根", 25, (50, 200), None, "hardware"),
    ("水龙头", "九牧 铜芯 快开", "个", 35, (20, 60), None, "hardware"),
    ("角阀", "潜水艇 铜质", "个", 28, (20, 50), None, "hardware"),
    ("空气开关", "正泰 NXB-63 C16 1P", "个", 45, (20, 60), None, "hardware"),
    ("电线", "BV2.5 100米/卷", "卷", 268, (2, 10), None, "hardware"),
    ("PPR水管", "伟星 20mm 4米/根", "根", 36, (10, 40), None, "hardware"),
    ("锁芯", "C级 防盗", "个", 45, (20, 60), None, "hardware"),
    ("延时冲水阀", "九牧 蹲便器延时阀", "个", 85, (10, 30), None, "hardware"),
    ("冲击钻", "博世 GSB 16RE", "台", 680, (1, 2), None, "hardware"),
    ("管道疏通机", "宝工 GQ-150 电动", "台", 1680, (1, 1), "205", "hardware"),
    ("电焊机", "沪工 ZX7-250", "台", 1280, (1, 1), "205", "hardware"),
    ("铝合金人字梯", "2.5m 加厚", "把", 320, (1, 3), None, "hardware"),
]
GREENING = [
    ("红叶石楠", "高80cm 冠幅40cm", "株", 18, (50, 300), None, "greening"),
    ("草坪种子", "高羊茅 混播", "公斤", 42, (10, 50), None, "greening"),
    ("有机肥", "40kg/袋", "袋", 45, (10, 60), None, "greening"),
    ("分类垃圾桶", "240L 四色分类", "个", 260, (4, 20), None, "cleaning"),
    ("割草机", "本田 HRJ216 汽油", "台", 2600, (1, 2), "304", "greening"),
    ("绿篱机", "斯蒂尔 HS 82 R", "台", 2800, (1, 1), "304", "greening"),
    ("扫帚", "竹制 大号", "把", 12, (30, 100), None, "cleaning"),
    ("环卫手推车", "400L 不锈钢", "辆", 480, (2, 6), None, "cleaning"),
    ("高压清洗机", "凯驰 HD 6/13 C", "台", 5800, (1, 1), "304", "cleaning"),
]
SPORTS = [
    ("篮球", "斯伯丁 74-604Y 7号", "个", 168, (20, 50), None, "sports"),
    ("足球", "迪卡侬 F500 5号", "个", 99, (20, 40), None, "sports"),
    ("排球", "米卡萨 V200W", "个", 298, (10, 30), None, "sports"),
    ("跳绳", "竞速钢丝 计数", "根", 15, (50, 200), None, "sports"),
    ("体操垫", "1.2m×2m 海绵垫", "块", 320, (5, 20), None, "sports"),
    ("乒乓球台", "红双喜 T3726 彩虹", "张", 2980, (1, 4), "302", "sports"),
    ("商用跑步机", "舒华 SH-T5170", "台", 9800, (1, 2), "302", "sports"),
    ("移动式篮球架", "金陵体育 JLB-1 液压", "副", 8600, (1, 2), "302", "sports"),
    ("秒表", "天福 PC2810", "块", 68, (10, 30), None, "sports"),
]
SAFETY = [
    ("干粉灭火器", "4kg 磷酸铵盐干粉", "具", 95, (30, 150), None, "safety"),
    ("应急照明灯", "双头 LED 消防认证", "个", 68, (20, 80), None, "safety"),
    ("安全出口指示灯", "LED 单面", "个", 45, (20, 60), None, "safety"),
    ("网络摄像机", "海康威视 DS-2CD3T46WDV3-I3 400万", "台", 560, (4, 20), None, "safety"),
    ("硬盘录像机", "海康威视 DS-7932N-R4 32路", "台", 4800, (1, 1), "211", "safety"),
    ("人脸识别门禁", "海康威视 DS-K5671-ZU", "台", 2680, (1, 4), "211", "safety"),
    ("安全警示标识牌", "铝板 30×40cm", "块", 35, (20, 80), None, "printing"),
]
APPLIANCES = [
    ("空调", "格力 KFR-35GW 1.5匹变频挂机", "台", 3199, (1, 6), "207", "appliance"),
    ("柜式空调", "美的 KFR-72LW 3匹柜机", "台", 6999, (1, 3), "207", "appliance"),
    ("饮水机", "美的 YR1226S-X 立式", "台", 699, (1, 4), None, "appliance"),
    ("电风扇", "美的 FS40-13C 落地扇", "台", 199, (2, 20), None, "appliance"),
]
PRINTING = [
    ("奖状", "A4 烫金", "张", 1.2, (500, 2000), None, "printing"),
    ("流动红旗", "60×90cm 金丝绒", "面", 85, (10, 40), None, "printing"),
    ("宣传展板", "PVC 泡沫板 120×90cm 含喷绘", "块", 260, (4, 20), None, "printing"),
    ("答题卡", "A3 双面 定制", "张", 0.15, (10000, 50000), None, "printing"),
]
FINANCE = [
    ("凭证装订机", "惠朗 HL-50 全自动", "台", 2680, (1, 1), "202", "office"),
    ("点钞机", "康艺 HT-2700(B)", "台", 880, (1, 2), None, "office"),
    ("会计凭证封面", "用友 A5 100套/包", "包", 38, (5, 20), None, "office"),
    ("保险柜", "永发 BGX-5/D1-60", "个", 1680, (1, 1), "601", "furniture"),
]
# (理由, 科目, 明细) per department code; a request picks one purpose and 1–6 of its lines.
PURPOSES: dict[str, list[tuple[str, str, list]]] = {
    "01": [("校长室办公用品补充", "办公经费", OFFICE_SUPPLIES),
           ("校长室办公设备更新", "设备购置费", IT_EQUIPMENT + APPLIANCES)],
    "02": [("行政办公耗材采购", "办公经费", OFFICE_SUPPLIES),
           ("办公电脑及网络设备更新（原设备使用已超6年）", "设备购置费", IT_EQUIPMENT),
           ("会议室及办公室空调更新", "设备购置费", APPLIANCES)],
    "03": [("实验课耗材补充", "专用材料费", LAB_SUPPLIES[:5]),
           ("实验室仪器设备添置", "设备购置费", LAB_SUPPLIES[5:]),
           ("图书馆年度图书采购", "图书资料费", BOOKS),
           ("考试用品印制", "教学业务费", PRINTING[3:] + TEACHING_SUPPLIES[2:3])],
    "04": [("学生表彰及德育活动用品", "德育活动费", PRINTING[:3]),
           ("德育处办公用品", "办公经费", OFFICE_SUPPLIES)],
    "05": [("校园消防及安防设施补充", "安全保障费", SAFETY),
           ("后勤处办公用品", "办公经费", OFFICE_SUPPLIES)],
    "0501": [("财务室办公设备与耗材", "办公经费", FINANCE + OFFICE_SUPPLIES[:4])],
    "0502": [("服务中心物资仓库补充", "维修维护费", MAINTENANCE[:8]),
             ("服务中心办公用品", "办公经费", OFFICE_SUPPLIES)],
    "050201": [("食堂餐具及用品补充", "食堂运营费", KITCHEN[:2] + KITCHEN[7:11]),
               ("食堂设备更新（原设备老化、能耗高）", "设备购置费", KITCHEN[2:7] + KITCHEN[11:])],
    "050202": [("新学期宿舍被服及用品补充", "宿舍运行费", DORM_SUPPLIES[:3] + DORM_SUPPLIES[4:7]),
               ("宿舍家具及设备更新", "设备购置费", DORM_SUPPLIES[3:4] + DORM_SUPPLIES[7:] + APPLIANCES[:1])],
    "050203": [("维修材料备货", "维修维护费", MAINTENANCE[:8]),
               ("维修工具及设备添置", "设备购置费", MAINTENANCE[8:])],
    "050204": [("校园绿化苗木及养护物资", "绿化保洁费", GREENING[:4] + GREENING[6:8]),
               ("绿化保洁机械添置", "设备购置费", GREENING[4:6] + GREENING[8:])],
    "050205": [("生活服务部设备添置", "设备购置费", DORM_SUPPLIES[7:] + APPLIANCES[2:]),
               ("生活服务部办公用品", "办公经费", OFFICE_SUPPLIES[:5])],
    "11": [("高一年级教学用品", "教学业务费", TEACHING_SUPPLIES[:6]),
           ("高一教室多媒体设备更新", "设备购置费", TEACHING_SUPPLIES[6:])],
    "12": [("高二年级教学用品", "教学业务费", TEACHING_SUPPLIES[:6]),
           ("高二教室多媒体设备更新", "设备购置费", TEACHING_SUPPLIES[6:])],
    "13": [("高三年级复习资料及教学用品", "教学业务费", TEACHING_SUPPLIES[:6] + PRINTING[3:]),
           ("高三教室多媒体设备更新", "设备购置费", TEACHING_SUPPLIES[6:])],
    "14": [("体育课及课外活动器材补充", "体育器材费", SPORTS[:5] + SPORTS[8:]),
           ("体育馆大型器材添置", "设备购置费", SPORTS[5:8])],
}
PURCHASE_DEPT_WEIGHTS = {"050201": 15, "050203": 14, "050202": 10, "050204": 8, "03": 11, "02": 9, "11": 5,
                         "12": 5, "13": 5, "14": 6, "05": 5, "04": 3, "0501": 2, "0502": 4, "050205": 3, "01": 1}
REASON_DETAILS = ("，经部门会议研究同意。", "，现有物品已损耗严重，不能满足使用需要。", "，按本学期工作计划申请。",
                  "，列入年初部门预算。", "，原有设备故障频繁，维修价值不大。", "。")
FAILED_ACCEPTANCE = ("到货型号与合同约定不符，已通知供应商换货", "部分物品外包装破损、数量短缺，待供应商补齐后重新验收",
                     "设备通电测试不合格，已退回供应商检修")
# 代办费 per term: (项目, 每人收费, 收取面 (share of students), 支出占收入 (low, high), 备注)
AGENCY_FEES = (
    ("校服费", 380, 0.35, (1.0, 1.0), "新生及补订校服，按中标价代付服装厂"),
    ("保险费", 100, 0.92, (1.0, 1.0), "学生平安保险，自愿参保，全额代缴保险公司"),
    ("教辅资料费", 260, 1.0, (0.93, 0.99), "按各年级征订目录代购，结余按人退还"),
    ("作业本费", 45, 1.0, (0.9, 0.98), "统一印制作业本，结余下学期抵扣"),
    ("体检费", 60, 0.34, (0.95, 1.0), "高一新生入学体检"),
)
AGENCY_STUDENTS = 1800  # students per scale unit who pay

# Requests older than this many days may name no budget (from before budget control), this share of them.
UNASSIGNED_AGE = 240
UNASSIGNED_SHARE = 0.2
PASSED_ACCEPTANCE = ("品名、规格、数量与合同一致，外观完好", "通电试运行正常，随机资料齐全", "数量清点无误，质量合格",
                     None, None)


class PurchasingMixin:
    """A year of purchasing (mixed into ``_Activity``)."""

    def build_purchasing(self) -> None:
        from models.assets import FIXED_ASSET_THRESHOLD, FundSource, PurchaseMethod
        from models.purchasing import (
            Acceptance,
            AcceptanceConclusion,
            Budget,
            PurchaseItem,
            PurchaseRequest,
            Reimbursement,
            Supplier,
        )
        from models.purchasing import PurchaseStatus as S

        rng = self.rng("purchasing")
        b, today = self.b, self.today

        # Suppliers: the usual twenty, more for a bigger deployment.
        suppliers = [dict(name=n, contact=c, phone=p, address=a, row_version=1) for n, c, p, a, _ in SUPPLIERS]
        trades = [t for *_, t in SUPPLIERS]
        names = {s["name"] for s in suppliers}
        wanted = len(SUPPLIERS) + 8 * (self.scale - 1)
        combos = [(c, w, t) for c in EXTRA_SUPPLIER_CITIES for w in EXTRA_SUPPLIER_WORDS for t in EXTRA_SUPPLIER_TRADES]
        rng.shuffle(combos)
        for city, word, (trade_name, trade) in combos:
            if len(suppliers) >= wanted:
                break
            name = f"{city}{word}{trade_name}有限公司"
            if name in names:
                continue
            names.add(name)
            suppliers.append(dict(name=name, contact=b.person_name(rng.random() < 0.6, rng),
                                  phone=f"0571-8{rng.randint(0, 9999999):07d}", address=f"{city}市{word}路{rng.randint(1, 999)}号",
                                  row_version=1))
            trades.append(trade)
        supplier_ids = self.insert_ids(Supplier, suppliers)
        by_trade: dict[str, list[int]] = defaultdict(list)
        for sid, trade in zip(supplier_ids, trades):
            by_trade[trade].append(sid)

        # Requests across the year; the state follows the age of the request.
        depts = list(PURCHASE_DEPT_WEIGHTS)
        weights = list(PURCHASE_DEPT_WEIGHTS.values())
        total_requests = 500 * self.scale
        dates = self.sample_days(rng, total_requests, self.year_start, today)
        plans = []
        for n, requested in enumerate(dates):
            dept = rng.choices(depts, weights)[0]
            reason, subject, catalogue = rng.choice(PURPOSES[dept])
            count = min(len(catalogue), rng.choices((1, 2, 3, 4, 5, 6), (30, 25, 18, 12, 8, 7))[0])
            lines = []
            for name, spec, unit, price, (low, high), category, trade in rng.sample(catalogue, count):
                unit_price = Decimal(price * rng.uniform(0.95, 1.05))
                unit_price = unit_price.quantize(Decimal("1") if unit_price >= 100 else Decimal("0.1")).quantize(CENT)
                if price >= 1000 > unit_price:
                    unit_price = Decimal(price).quantize(CENT)
                if price < 1000 <= unit_price:
                    unit_price = Decimal(price).quantize(CENT)
                quantity = rng.randint(low, high)
                lines.append(dict(name=name, spec=spec, unit=unit, quantity=quantity, unit_price=unit_price,
                                  amount=(unit_price * quantity).quantize(CENT),
                                  category_id=b.categories[category] if category else None,
                                  is_fixed_asset=unit_price >= FIXED_ASSET_THRESHOLD, row_version=1, trade=trade))
            total = sum((line["amount"] for line in lines), Decimal("0.00"))
            age = (today - requested).days
            if age <= 14:
                options = {S.draft: 18, S.pending: 30, S.rejected: 4, S.approved: 16, S.purchasing: 14, S.to_accept: 6,
                           S.stored: 4, S.void: 4, S.reimbursed: 4}
            elif age <= 60:
                options = {S.draft: 2, S.pending: 4, S.rejected: 6, S.approved: 6, S.purchasing: 12, S.to_accept: 12,
                           S.stored: 22, S.void: 4, S.reimbursed: 32}
            else:
                options = {S.rejected: 7, S.to_accept: 1, S.stored: 7, S.void: 5, S.reimbursed: 80}
            status = rng.choices(list(options), list(options.values()))[0]
            if n < len(S) and total_requests >= 50:  # every state at least once, on a recent request
                status = list(S)[n]
            plans.append(dict(dept=dept, requested=requested, reason=reason, subject=subject, lines=lines,
                              total=total, status=status))
        # The first nine (one per state) were drawn on the earliest days: move them to the last weeks.
        for n in range(min(len(S), len(plans))):
            plans[n]["requested"] = between(rng, today - timedelta(days=40), today - timedelta(days=3))
        for plan in plans:  # too fresh to have been bought and checked yet
            age = (today - plan["requested"]).days
            if (plan["status"] in (S.stored, S.reimbursed) and age < 3) or (plan["status"] == S.to_accept and age < 1):
                plan["status"] = S.purchasing
        plans.sort(key=lambda p: p["requested"])

        # Every request names its budget subject, save a few old ones from before budget control (未指定预算).
        for plan in plans:
            plan["assigned"] = (today - plan["requested"]).days <= UNASSIGNED_AGE or rng.random() >= UNASSIGNED_SHARE

        # Budgets: every department, this year and last, per 科目; sized from what is charged to each (approved
        # or awaiting approval), with room to spare — save two of this year's, one nearly spent and one overspent,
        # so that the 预算执行情况 shows what a warning looks like.
        charged = (S.pending, S.approved, S.purchasing, S.to_accept, S.stored, S.reimbursed)
        committed = (S.approved, S.purchasing, S.to_accept, S.stored, S.reimbursed)
        spend: dict[tuple, Decimal] = defaultdict(lambda: Decimal("0"))
        held: dict[tuple, Decimal] = defaultdict(lambda: Decimal("0"))
        for plan in plans:
            key = (plan["dept"], plan["requested"].year, plan["subject"])
            if plan["assigned"] and plan["status"] in charged:
                spend[key] += plan["total"]
            if plan["assigned"] and plan["status"] in committed:
                held[key] += plan["total"]
        tight = sorted((k for k in held if k[1] == today.year and held[k] >= 8000 * self.scale),
                       key=lambda k: (-held[k], k))[:2]
        budgets, keys = [], []
        for dept, purposes in PURPOSES.items():
            for year in sorted({self.year_start.year, today.year}):
                for subject in dict.fromkeys(p[1] for p in purposes):
                    key = (dept, year, subject)
                    used = spend.get(key, Decimal("0"))
                    factor = Decimal(str(rng.choice((1.15, 1.25, 1.4, 1.6, 1.8, 2.2))))
                    floor = Decimal(rng.choice((5000, 10000, 20000, 30000)) * self.scale)
                    amount = (max(used * factor, floor) / 1000).quantize(Decimal("1"), ROUND_CEILING) * 1000
                    if key in tight:  # 96 % spent, or 4 % over (within the 10 % tolerance)
                        share = Decimal("1.04") if key == tight[0] else Decimal("0.96")
                        amount = (held[key] / share / 100).quantize(Decimal("1"), ROUND_CEILING) * 100
                    budgets.append(dict(department_id=b.dept_ids[dept], year=year, subject=subject,
                                        amount=amount.quantize(CENT),
                                        remark="年初部门预算" if year == today.year else f"{year}年度预算（已结转）",
                                        row_version=1))
                    keys.append(key)
        budget_ids = dict(zip(keys, self.insert_ids(Budget, budgets)))

        keepers = self.on_duty["0502"] + [b.demo_staff["baoguan"]] * 3
        cashiers = [s for s in self.on_duty["0501"] if self.staff_row[s]["position"] == "出纳"] or self.on_duty["0501"]
        requests, items_of, acceptances, claims = [], [], [], []
        invoice = 0
        for plan in plans:
            dept, requested, status, total = plan["dept"], plan["requested"], plan["status"], plan["total"]
            applicant = self.pick_staff(rng, dept, 0.5)
            roll = rng.random()
            fund = FundSource.budget if roll < 0.75 else FundSource.school if roll < 0.96 else \
                FundSource.donation if roll < 0.97 else FundSource.other
            budget = budget_ids[(dept, requested.year, plan["subject"])] if plan["assigned"] else None
            if total < 1000:
                method = PurchaseMethod.self_buy
            elif total < 20000:
                method = rng.choice((PurchaseMethod.self_buy, PurchaseMethod.inquiry, PurchaseMethod.inquiry))
            elif total < 100000:
                method = rng.choice((PurchaseMethod.inquiry, PurchaseMethod.government))
            else:
                method = rng.choice((PurchaseMethod.tender, PurchaseMethod.government))
            trade = max((line["trade"] for line in plan["lines"]), key=[l["trade"] for l in plan["lines"]].count)
            chosen = status not in (S.draft, S.pending, S.rejected, S.void) or rng.random() < 0.4
            supplier = rng.choice(by_trade.get(trade) or supplier_ids) if chosen else None
            first = plan["lines"][0]["name"]
            reason = f"{plan['reason']}：{first}等{len(plan['lines'])}项" if len(plan["lines"]) > 1 \
                else f"{plan['reason']}：{first}"
            requests.append(dict(code=self.number("CG", requested), department_id=b.dept_ids[dept],
                                 applicant_id=applicant, requested_on=requested, reason=reason + rng.choice(REASON_DETAILS),
                                 fund_source=fund, budget_id=budget, method=method, supplier_id=supplier, total=total,
                                 status=status, row_version=1))
            items_of.append(plan["lines"])
            age = (today - requested).days
            if status == S.to_accept and rng.random() < 0.4:  # failed the check, replacement awaited
                acceptances.append(dict(request=len(requests) - 1, inspector_id=rng.choice(keepers),
                                        accepted_on=between(rng, requested + timedelta(days=1), today),
                                        conclusion=AcceptanceConclusion.failed, note=rng.choice(FAILED_ACCEPTANCE),
                                        row_version=1))
            if status in (S.stored, S.reimbursed):
                last = today - timedelta(days=1 if status == S.reimbursed else 0)
                accepted = between(rng, requested + timedelta(days=max(1, age // 4)),
                                   min(last, requested + timedelta(days=max(1, age * 2 // 3))))
                if rng.random() < 0.04 and (accepted - requested).days >= 2:  # failed first, then passed
                    acceptances.append(dict(request=len(requests) - 1, inspector_id=rng.choice(keepers),
                                            accepted_on=between(rng, requested + timedelta(days=1),
                                                                accepted - timedelta(days=1)),
                                            conclusion=AcceptanceConclusion.failed,
                                            note=rng.choice(FAILED_ACCEPTANCE), row_version=1))
                acceptances.append(dict(request=len(requests) - 1, inspector_id=rng.choice(keepers),
                                        accepted_on=accepted, conclusion=AcceptanceConclusion.passed,
                                        note=rng.choice(PASSED_ACCEPTANCE), row_version=1))
                if status == S.reimbursed:
                    paid = between(rng, accepted + timedelta(days=1), min(accepted + timedelta(days=25), today))
                    parts = [total]
                    if total > 2000 and rng.random() < 0.12:  # two invoices
                        first_part = (total * Decimal(str(rng.choice((0.3, 0.4, 0.5, 0.6))))).quantize(CENT)
                        parts = [first_part, total - first_part]
                    for part in parts:
                        invoice += 1
                        claims.append(dict(request=len(requests) - 1,
                                           invoice_no=f"{paid.year % 100:02d}332000000{invoice:09d}",
                                           amount=part, reimbursed_on=paid, cashier_id=rng.choice(cashiers),
                                           row_version=1))
        limits = {"校长": 1000, "校务会": 3000}  # config.PURCHASE_APPROVAL_LIMITS
        approvers = {"后勤主任": b.demo_staff["zongwu"], "校长": b.demo_staff["xiaozhang"],
                     "校务会": b.demo_staff["xiaowu"]}
        labels = {"后勤主任": "后勤主任审批", "校长": "校长审批", "校务会": "校务会审批"}
        past_approval = (S.approved, S.purchasing, S.to_accept, S.stored, S.reimbursed)
        trail = []
        for n, row in enumerate(requests):
            row.update(approval_stage=None, minute_no=None, handler_id=None)
            tiers = ["后勤主任"] + [t for t, limit in limits.items() if row["total"] > limit]
            done = []
            if row["status"] == S.pending:
                row["approval_stage"] = rng.choice(tiers)
                done = tiers[:tiers.index(row["approval_stage"])]
            elif row["status"] in past_approval:
                done = tiers
                if "校务会" in tiers:
                    row["minute_no"] = f"校务会纪要〔{row['requested_on'].year}〕{n % 40 + 1}号"
                row["handler_id"] = row["applicant_id"] if row["status"] != S.approved else None
            elif row["status"] == S.rejected:
                done = ["后勤主任"]
            if row["status"] == S.draft:
                continue
            at = datetime.combine(row["requested_on"], time(9, 0))
            trail.append((n, "submit", "提交审批", row["applicant_id"], at, "草稿", "待审批", None, None))
            for k, tier in enumerate(done):
                last = k == len(done) - 1
                rejected = row["status"] == S.rejected and last
                target = "已驳回" if rejected else ("已批准" if last and row["status"] != S.pending else "待审批")
                trail.append((n, "approve", labels[tier], approvers[tier], at + timedelta(hours=2 * (k + 1)),
                              "待审批", target, "驳回" if rejected else "通过",
                              "超出本学期预算，暂缓购置" if rejected else None))
        request_ids = self.insert_ids(PurchaseRequest, requests)
        from app.rules.history import WorkflowLog

        self.bulk(WorkflowLog, [
            dict(model="PurchaseRequest", record_id=request_ids[n], step=step, step_label=label,
                 from_state=source, to_state=target, decision=decision, comment=comment,
                 actor_id=self.user_of.get(actor), actor_name=b.staff_name.get(actor), created_at=at)
            for n, step, label, actor, at, source, target, decision, comment in trail])
        items = []
        for rid, lines in zip(request_ids, items_of):
            for line in lines:
                line.pop("trade", None)
                items.append(dict(line, request_id=rid))
        self.bulk(PurchaseItem, items)
        for row in acceptances:
            row["request_id"] = request_ids[row.pop("request")]
        self.bulk(Acceptance, acceptances)
        for row in claims:
            row["request_id"] = request_ids[row.pop("request")]
        self.bulk(Reimbursement, claims)
        self.build_agency_fees()

    def build_agency_fees(self) -> None:
        """代办费 收支余 for the last two finished terms, as 财务 enters them."""
        from models.fees import AgencyFee

        rng = self.rng("agency_fees")
        newest = last_term(self.today)
        first_year = int(newest[:4])
        earlier = (newest.replace("第二学期", "第一学期") if newest.endswith("第二学期")
                   else f"{first_year - 1}-{first_year}学年第二学期")
        rows = []
        for term in (earlier, newest):
            for item, fee, share, (low, high), remark in AGENCY_FEES:
                if item == "体检费" and term.endswith("第二学期"):
                    continue  # 入学体检 is in the autumn term
                payers = int(AGENCY_STUDENTS * self.scale * share * rng.uniform(0.96, 1.0))
                income = (Decimal(fee) * payers).quantize(CENT)
                spending = (income * Decimal(str(round(rng.uniform(low, high), 3)))).quantize(CENT)
                rows.append(dict(term=term, item=item, payers=payers, income=income, spending=spending,
                                 remark=remark, row_version=1))
        self.bulk(AgencyFee, rows)
