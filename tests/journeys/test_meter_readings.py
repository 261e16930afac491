"""水电工's monthly job on a phone: open 抄表录入, pick a household, type every meter's reading on one grid,
fix the one the system refuses, confirm the one it warns about; then 财务 exports the month's report and finds
those readings in the Excel file."""
from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal

import openpyxl
from playwright.sync_api import expect

from views.months import month_label


def months_before(month: str, count: int) -> list[str]:
    """The ``count`` months before ``month`` (YYYY-MM), oldest first."""
    year, number = map(int, month.split("-"))
    found = []
    for _ in range(count):
        year, number = (year, number - 1) if number > 1 else (year - 1, 12)
        found.append(f"{year}-{number:02d}")
    return found[::-1]


def household_with_history(db, month: str):
    """A teacher's flat of the 水电 department with a water and an electricity meter, each read in the three
    months before ``month``: water 90 → 100 → 110 → 120 (10 吨 a month), electricity 1000 → … → 1300."""
    from app.rules import write
    from models.org import Department
    from models.utilities import Household, HouseholdType, Meter, MeterReading, MeterType

    code = str(uuid.uuid4().int)[:8]
    dept = db.session.query(Department).filter_by(code="050203").one()
    home = Household(name=f"旅程教工楼{code}室", kind=HouseholdType.teacher_home, location=f"旅程测试楼{code}",
                     department=dept)
    write.save(db.session, home)
    made = {}
    plan = (("water", "SBL", "3.50", 90, 10), ("electricity", "DBL", "0.60", 1000, 100))
    for kind, prefix, price, start, step in plan:
        meter = Meter(household=home, kind=MeterType[kind], meter_no=f"{prefix}{code}", unit_price=Decimal(price))
        write.save(db.session, meter)
        for n, earlier in enumerate(months_before(month, 3)):
            y, m = map(int, earlier.split("-"))
            write.save(db.session, MeterReading(
                meter=meter, month=earlier, previous=Decimal(start + n * step), current=Decimal(start + (n + 1) * step),
                read_on=date(y, m, 20)))
        made[kind] = meter
    return home, made["water"], made["electricity"]


def test_meter_readings(person, db, tmp_path):
    from models.utilities import this_month

    month = this_month()
    home, water, power = household_with_history(db, month)
    water_no, power_no = water.meter_no, power.meter_no

    worker = person("shuidian", "水电工", phone=True)
    page = worker.page
    with worker.task("一户的本月抄表", budget=8):
        worker.menu("水电管理", "抄表录入")
        worker.sees("请选择户名")
        worker.shot("grid-empty")
        with page.expect_navigation():
            worker.choose("户名", home.name, search=home.name)
        worker.check_page()
        water_row = page.locator(".meter-row", has=worker.field(f"{water_no} 本次读数"))
        power_row = page.locator(".meter-row", has=worker.field(f"{power_no} 本次读数"))
        worker.sees("120.00", within=water_row)  # 上次读数
        worker.sees("1300.00", within=power_row)

        # Every meter's reading; the water meter's is below the last one.
        worker.type(f"{water_no} 本次读数", "115")
        worker.type(f"{power_no} 本次读数", "1350")
        worker.sees("50.00 度 · ¥30.00", within=power_row)  # live 用量 and 金额
        worker.sees("小于上次读数", within=water_row)  # said at once …
        worker.shot("refused-live")
        worker.tap("保存读数")
        worker.sees("保存未成功")
        worker.sees("本次读数 115.00 小于上次读数 120.00", within=water_row)  # … and by the server, on its row
        expect(worker.field(f"{water_no} 本次读数")).to_have_value("115")
        expect(worker.field(f"{power_no} 本次读数")).to_have_value("1350")  # nothing typed is lost
        worker.shot("refused")

        # Corrected: 40 吨 is four times the usual 10 吨 — warned as it is typed, and again before saving.
        worker.type(f"{water_no} 本次读数", "160")
        worker.sees("超过该表以往平均用量 10.00 吨的 3 倍", within=water_row)
        worker.tap("保存读数")
        worker.sees("所有读数都还没有保存")
        worker.sees("用量 40.00 吨", within=water_row)
        expect(worker.field(f"{water_no} 本次读数")).to_have_value("160")
        worker.shot("abnormal-warning")
        worker.tap("确认无误，保存")
        worker.sees("已保存 2 条抄表记录，其中 1 条记为用量异常")
        saved = page.locator(".meter-grid-saved")
        worker.sees(f"{water_no}：", within=saved)
        worker.sees("本次 160.00，用量 40.00 吨，金额 ¥140.00", within=saved)
        worker.sees("本次 1350.00，用量 50.00 度，金额 ¥30.00", within=saved)
        worker.shot("saved")

    finance = person("caiwu", "财务")
    with finance.task("导出本月水电报表", budget=5):
        finance.menu("水电管理", "月度水电报表")
        finance.pick("月份", month_label(month))  # the report opens for the month chosen
        finance.sees(water_no)
        finance.shot("report")
        with finance.page.expect_download() as download:
            finance.tap("导出 Excel")
    assert download.value.suggested_filename.endswith(".xlsx")
    saved_file = tmp_path / download.value.suggested_filename
    download.value.save_as(saved_file)
    sheet = openpyxl.load_workbook(saved_file, data_only=True).active
    header = next(r for r in sheet.iter_rows(values_only=True) if "表号" in r)
    rows = {r[header.index("表号")]: dict(zip(header, r)) for r in sheet.iter_rows(values_only=True)
            if r and r[header.index("表号")] in (water_no, power_no)}
    assert set(rows) == {water_no, power_no}
    assert Decimal(str(rows[water_no]["本次读数"])) == Decimal("160")
    assert Decimal(str(rows[water_no]["用量"])) == Decimal("40")
    assert Decimal(str(rows[power_no]["本次读数"])) == Decimal("1350")
    assert rows[water_no]["户名"] == home.name
    assert re.search("是|异常", str(rows[water_no]["用量异常"]))
