"""What the consumables store holds and who draws what: the catalogue, shelves, brands, purposes and reasons."""
from __future__ import annotations

# (品名, 规格, 单位, 类别, 参考单价, 安全库存, (每次领用 最少, 最多), 用途标签)
# A 品名/规格/单位 the purchase catalogue (purchasing.py) also has is the same item: purchases restock it.
STORE_ITEMS = (
    # 办公用品 (A 架)
    ("复印纸", "得力 A4 70g 500张/包 5包/箱", "箱", "office", 128, 10, (1, 3), "office exam"),
    ("复印纸", "得力 A3 70g 500张/包 5包/箱", "箱", "office", 198, 3, (1, 1), "exam"),
    ("签字笔", "晨光 K35 0.5mm 12支/盒", "盒", "office", 18, 10, (1, 3), "office class"),
    ("中性笔芯", "晨光 MG6102 0.5mm 20支/盒", "盒", "office", 16, 8, (1, 3), "office"),
    ("档案盒", "得力 5622 55mm 蓝色", "个", "office", 6.5, 40, (5, 20), "office"),
    ("文件袋", "得力 5505 A4 牛皮纸 10个/包", "包", "office", 9, 10, (1, 4), "office exam"),
    ("文件夹", "得力 5302 A4 双强力夹", "个", "office", 8.5, 20, (2, 10), "office"),
    ("长尾夹", "得力 9546 32mm 24只/盒", "盒", "office", 9.5, 10, (1, 3), "office"),
    ("回形针", "得力 0018 29mm 100枚/盒", "盒", "office", 2.5, 10, (1, 5), "office"),
    ("订书钉", "得力 0012 24/6 1000枚/盒", "盒", "office", 2, 20, (2, 10), "office exam"),
    ("订书机", "得力 0414 12号", "个", "office", 16, 3, (1, 1), "office"),
    ("笔记本", "晨光 B5 60页", "本", "office", 4.8, 30, (5, 20), "office"),
    ("便利贴", "得力 7731 76×76mm 100张", "本", "office", 3.5, 20, (2, 10), "office"),
    ("透明胶带", "得力 30011 48mm×100y", "卷", "office", 6, 20, (2, 6), "office class"),
    ("双面胶", "得力 30402 12mm×10y", "卷", "office", 1.5, 20, (2, 10), "office class"),
    ("电池", "南孚 5号 碱性", "节", "office", 3, 40, (4, 12), "office class sport"),
    ("电池", "南孚 7号 碱性", "节", "office", 2.8, 30, (4, 8), "office"),
    ("剪刀", "得力 6009 170mm", "把", "office", 6, 5, (1, 2), "office"),
    ("美工刀", "得力 2043 大号", "把", "office", 5, 5, (1, 3), "office"),
    ("计算器", "得力 1654 12位", "个", "office", 38, 2, (1, 1), "office"),
    ("印台", "得力 9864 红色", "个", "office", 12, 3, (1, 2), "office"),
    ("荧光笔", "晨光 MG2150 6色/盒", "盒", "office", 12, 5, (1, 3), "office"),
    ("纸杯", "一次性 250ml 50只/包", "包", "living", 6, 20, (2, 8), "office"),
    ("复印纸", "得力 A4 80g 500张/包 5包/箱", "箱", "office", 158, 3, (1, 2), "office"),
    ("订书钉", "得力 0013 23/13 1000枚/盒", "盒", "office", 4, 5, (1, 2), "exam"),
    ("铅笔", "中华 2B 考试专用 10支/盒", "盒", "office", 9, 10, (2, 10), "exam"),
    ("橡皮擦", "晨光 AXP96315 4B", "块", "office", 1, 20, (5, 20), "office exam"),
    ("信封", "牛皮纸 5号 100个/包", "包", "office", 15, 3, (1, 2), "office"),
    ("标签贴纸", "得力 7190 A4 不干胶 50张/包", "包", "office", 18, 3, (1, 2), "office"),
    ("U盘", "闪迪 32GB USB3.0", "个", "office", 35, 5, (1, 2), "office"),
    # 印刷耗材 (B 架)
    ("硒鼓", "惠普 CF228A", "个", "printing", 420, 3, (1, 1), "office exam"),
    ("硒鼓", "联想 LD2451", "个", "printing", 360, 2, (1, 1), "office"),
    ("墨盒", "佳能 PG-845 黑色", "个", "printing", 118, 4, (1, 2), "office"),
    ("墨盒", "佳能 CL-846 彩色", "个", "printing", 138, 2, (1, 1), "office"),
    ("碳粉", "京瓷 TK-1175", "支", "printing", 280, 2, (1, 1), "office exam"),
    ("答题卡", "A3 双面 定制", "张", "printing", 0.15, 5000, (300, 2000), "exam"),
    ("试卷印刷纸", "8开 70g 500张/令", "令", "printing", 85, 10, (2, 8), "exam"),
    ("油墨", "理想 S-4253 黑色 1000ml", "支", "printing", 95, 4, (1, 2), "exam"),
    ("版纸", "理想 S-4250 B4", "卷", "printing", 260, 2, (1, 1), "exam"),
    ("奖状", "A4 烫金", "张", "printing", 1.2, 200, (20, 100), "honor"),
    # 教学用品 (C 架)
    ("粉笔", "文正 无尘 10盒/包", "包", "teaching", 32, 10, (1, 3), "class"),
    ("彩色粉笔", "文正 无尘 彩色 10盒/包", "包", "teaching", 36, 5, (1, 2), "class"),
    ("白板笔", "晨光 MG2160 10支/盒", "盒", "teaching", 15, 10, (1, 3), "class office"),
    ("磁性黑板擦", "得力 7837", "个", "teaching", 6, 10, (1, 3), "class"),
    ("白板笔", "晨光 MG2160 红色 10支/盒", "盒", "teaching", 15, 5, (1, 2), "class"),
    ("乳胶手套", "实验用 100只/盒", "盒", "teaching", 25, 5, (1, 3), "lab"),
    ("酒精", "95% 500ml", "瓶", "teaching", 12, 10, (2, 6), "lab"),
    ("滤纸", "定性 Φ11cm 100张/盒", "盒", "teaching", 6, 10, (2, 6), "lab"),
    ("火柴", "10盒/包", "包", "teaching", 3, 10, (1, 3), "lab"),
    ("pH试纸", "1-14 80条/本", "本", "teaching", 3.5, 10, (2, 10), "lab"),
    ("口哨", "金属 裁判用", "个", "teaching", 15, 5, (1, 3), "sport"),
    ("打气筒", "双向 带气针", "个", "teaching", 25, 2, (1, 1), "sport"),
    ("气针", "不锈钢 10支/包", "包", "teaching", 5, 5, (1, 2), "sport"),
    # 清洁用品 (D 架)
    ("扫帚", "竹制 大号", "把", "cleaning", 12, 20, (2, 6), "class clean"),
    ("扫帚", "塑料 软毛", "把", "cleaning", 15, 20, (2, 6), "class clean dorm"),
    ("拖把", "棉线 旋转挤水", "把", "cleaning", 25, 20, (2, 6), "class clean dorm kitchen"),
    ("拖把头", "棉线 旋转拖把替换头", "个", "cleaning", 8, 20, (2, 6), "class clean dorm"),
    ("簸箕", "塑料 带长柄", "个", "cleaning", 8, 15, (2, 6), "class clean"),
    ("垃圾袋", "平口 80×90cm 50只/卷", "卷", "cleaning", 9, 50, (5, 20), "class clean dorm kitchen"),
    ("垃圾袋", "点断式 45×50cm 30只/卷", "卷", "cleaning", 3.5, 60, (5, 20), "office class"),
    ("洗洁精", "白猫 商用 20kg/桶", "桶", "cleaning", 115, 2, (1, 2), "kitchen"),
    ("洗洁精", "白猫 1.5kg/瓶", "瓶", "cleaning", 15, 10, (2, 6), "office dorm"),
    ("消毒液", "84消毒液 5L/桶", "桶", "cleaning", 28, 10, (1, 4), "clean kitchen dorm class"),
    ("消毒液", "威露士 衣物消毒液 1L", "瓶", "cleaning", 39, 5, (1, 3), "dorm"),
    ("洗手液", "蓝月亮 芦荟 500g", "瓶", "cleaning", 13.9, 30, (2, 10), "office kitchen dorm class"),
    ("洗衣粉", "立白 5kg/袋", "袋", "cleaning", 42, 5, (1, 3), "dorm kitchen"),
    ("卫生纸", "维达 大盘纸 12卷/提", "提", "cleaning", 68, 10, (1, 4), "office clean"),
    ("抽纸", "清风 3层 130抽 24包/箱", "箱", "cleaning", 56, 10, (1, 3), "office"),
    ("抹布", "超细纤维 30×30cm 10条/包", "包", "cleaning", 15, 15, (1, 4), "class kitchen clean office"),
    ("钢丝球", "不锈钢 10个/包", "包", "cleaning", 6, 15, (2, 6), "kitchen"),
    ("一次性手套", "PE食品级 100只/盒", "盒", "cleaning", 8.5, 20, (3, 10), "kitchen"),
    ("橡胶手套", "加厚 乳胶 中号", "副", "cleaning", 6, 30, (5, 12), "clean kitchen"),
    ("洁厕剂", "蓝月亮 洁厕灵 600g", "瓶", "cleaning", 9.9, 20, (2, 8), "clean dorm"),
    ("玻璃清洁剂", "威猛先生 500g", "瓶", "cleaning", 12, 5, (1, 3), "clean"),
    ("空气清新剂", "威猛先生 320ml", "瓶", "cleaning", 15, 5, (1, 3), "office clean"),
    ("固体芳香剂", "卫生间 除臭 400g", "盒", "cleaning", 9, 10, (2, 6), "clean dorm"),
    ("垃圾桶", "20L 带盖 脚踏", "个", "cleaning", 35, 5, (1, 2), "office class"),
    # 水电材料 (E 架、F 架)
    ("LED灯管", "T8 1.2m 18W", "根", "electric", 25, 30, (2, 10), "electric"),
    ("LED灯泡", "E27 12W 白光", "个", "electric", 12, 30, (2, 10), "electric dorm"),
    ("开关面板", "公牛 G07 单开 86型", "个", "electric", 12, 15, (1, 5), "electric"),
    ("LED灯泡", "E27 5W 暖光", "个", "electric", 8, 20, (2, 6), "electric dorm"),
    ("声控开关", "86型 声光控 延时", "个", "electric", 18, 8, (1, 4), "electric"),
    ("五孔插座", "公牛 G07 86型", "个", "electric", 15, 15, (1, 5), "electric"),
    ("空气开关", "正泰 NXB-63 C16 1P", "个", "electric", 45, 6, (1, 3), "electric"),
    ("电线", "BV2.5 100米/卷", "卷", "electric", 268, 2, (1, 1), "electric"),
    ("电线", "BV1.5 单芯铜线", "米", "electric", 1.6, 200, (20, 80), "electric"),
    ("电工胶布", "公牛 PVC 10m", "卷", "electric", 3, 20, (2, 6), "electric"),
    ("水晶头", "安普 超五类 RJ45", "个", "electric", 1.5, 50, (10, 30), "electric"),
    ("水龙头", "九牧 铜芯 快开", "个", "electric", 35, 10, (1, 4), "water"),
    ("角阀", "潜水艇 铜质", "个", "electric", 28, 10, (1, 4), "water"),
    ("生料带", "20m 加厚", "卷", "electric", 2.5, 30, (3, 10), "water"),
    ("延时冲水阀", "九牧 蹲便器延时阀", "个", "electric", 85, 4, (1, 2), "water"),
    ("淋浴喷头", "九牧 手持三功能 含软管", "套", "electric", 58, 5, (1, 2), "water"),
    ("PVC胶水", "联塑 100g", "瓶", "electric", 6, 5, (1, 3), "water"),
    ("膨胀螺丝", "M8×80 50套/盒", "盒", "electric", 15, 5, (1, 2), "hardware"),
    ("锁芯", "C级 防盗", "个", "electric", 45, 8, (1, 3), "hardware"),
    ("合页", "不锈钢 4寸", "副", "electric", 8, 10, (2, 6), "hardware"),
    ("螺丝", "自攻螺丝 M4 混装", "盒", "electric", 6, 10, (1, 3), "hardware"),
    ("玻璃胶", "中性 透明 300ml", "支", "electric", 15, 8, (1, 3), "hardware"),
    # 生活用品 (G 架)
    ("毛巾", "纯棉 34×74cm", "条", "living", 12, 10, (2, 10), "kitchen dorm"),
    ("口罩", "一次性医用 50只/盒", "盒", "living", 25, 10, (1, 4), "kitchen clean dorm"),
    ("蚊香", "榄菊 无烟 40单圈", "盒", "living", 12, 5, (1, 3), "dorm"),
)
KNOWN_BRANDS = {"得力", "晨光", "惠普", "联想", "佳能", "京瓷", "理想", "文正", "白猫", "威露士", "蓝月亮", "立白", "维达",
                "清风", "公牛", "正泰", "安普", "九牧", "潜水艇", "榄菊", "威猛先生", "南孚"}
RACKS = {"office": "A", "printing": "B", "teaching": "C", "cleaning": "D", "electric": "E", "living": "G",
         "other": "H"}
# Brands a bigger deployment also stocks (``--scale``): more variants of the same things.
BRANDS = {"office": ("齐心", "真彩", "广博", "三木", "晨光", "得力"), "printing": ("格之格", "天威", "兄弟", "联想"),
          "teaching": ("晨光", "得力", "文正", "马利"), "cleaning": ("立白", "蓝月亮", "威露士", "妙洁", "清风", "维达"),
          "electric": ("欧普", "雷士", "飞利浦", "德力西", "伟星", "日丰"), "living": ("洁丽雅", "金号", "超威")}
# What a purchase's trade (purchasing.py) makes an item of the store.
TRADE_CATEGORY = {"office": "office", "it": "office", "printing": "printing", "lab": "teaching", "books": "teaching",
                  "sports": "teaching", "kitchen": "living", "textile": "living", "cleaning": "cleaning",
                  "hardware": "electric", "appliance": "electric", "greening": "other", "safety": "other",
                  "furniture": "other"}
SUPPLIER_OF = {"office": "office", "printing": "printing", "teaching": "office", "cleaning": "cleaning",
               "electric": "hardware", "living": "cleaning", "other": "hardware"}

# Who draws what: department code → (weight, needs).
DRAWERS = {
    "11": (14, ("class", "class", "clean", "exam", "honor")), "12": (14, ("class", "class", "clean", "exam", "honor")),
    "13": (14, ("class", "class", "clean", "exam", "exam")), "03": (12, ("exam", "exam", "office", "lab", "lab")),
    "02": (7, ("office",)), "01": (2, ("office",)), "04": (3, ("office", "honor")), "05": (3, ("office",)),
    "0501": (2, ("office",)), "0502": (3, ("office", "clean")), "050201": (10, ("kitchen",)),
    "050202": (9, ("dorm", "dorm", "clean")), "050203": (8, ("electric", "water", "hardware")),
    "050204": (7, ("clean",)), "050205": (3, ("clean", "dorm")), "14": (3, ("sport", "sport", "office")),
}
PURPOSES = {
    "class": ("{cls}教室日常用品", "{cls}教学用品补充", "年级组教学用品"),
    "clean": ("{cls}教室保洁用品", "{cls}大扫除用品", "公共区域日常保洁用品", "卫生间保洁用品补充", "大扫除用品"),
    "exam": ("期中考试答题卡及试卷印刷", "月考试卷印刷用品", "单元测试答题卡", "期末考试试卷印制"),
    "honor": ("学期表彰用奖状", "{cls}评优奖状"),
    "office": ("办公室日常办公耗材", "本月办公用品领用", "会议用品"),
    "lab": ("化学分组实验耗材", "生物实验课耗材", "物理实验室日常耗材"),
    "kitchen": ("后厨清洁消毒用品", "餐厅保洁用品", "食堂员工劳保用品"),
    "dorm": ("宿舍楼公共区域保洁用品", "宿舍值班室用品", "宿舍楼日常用品"),
    "electric": ("电工维修备件（灯具、开关、插座）", "维修间常用电料"),
    "water": ("给排水维修备件", "卫生间水龙头、角阀更换备件"),
    "hardware": ("门窗维修备件", "木工维修材料"),
    "sport": ("体育课器材配件", "运动会用品"),
}
# When everything asked for is of one kind, the applicant says so.
PURPOSE_OF_KIND = {("office", "printing"): "打印机耗材更换", ("dorm", "electric"): "宿舍楼走廊灯泡更换",
                   ("exam", "printing"): "考试试卷、答题卡印制", ("class", "teaching"): "{cls}粉笔、白板笔补充"}
CLASS_NEEDS = ("class", "clean", "exam", "honor")
REJECTIONS = ("数量明显超出实际需要，请按月用量申领", "该物品不属于仓库发放范围，请走采购申请", "本月已领过同类物品，请先用完再领")
RETURNS_FOR = ("数量填写有误，请核实后重新提交", "请写明使用班级和承包责任人")
LOSS_REASONS = {
    "cleaning": ("包装破损渗漏，无法使用", "存放过期，已失效"), "electric": ("搬运中灯管碎裂", "受潮锈蚀，不能使用"),
    "printing": ("硒鼓过期漏粉", "受潮粘连，无法上机"), "office": ("受潮发霉", "包装破损污染"),
    "teaching": ("受潮结块", "破损"), "living": ("受潮发霉", "过期"), "other": ("损坏", "过期"),
}
