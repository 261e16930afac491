"""The hand-written pages: bulk dorm allocation, the monthly utility report, satisfaction rates."""
from __future__ import annotations

import re

from tests.conftest import flashes
from tests.test_dorms_utilities import building, dorm_department, meter, reading, save, student
from tests.test_safety_satisfaction import response, survey_with_items


def cells(html: str, table_class: str) -> list[list[str]]:
    table = re.search(rf'<table[^>]*{table_class}.*?</table>', html, re.S)
    assert table, table_class
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(0), re.S)
    return [[re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in rows if "<td" in r]


def test_bulk_allocation_places_by_the_rules_and_says_why_not(as_user, db):
    from models.dorms import Accommodation, AccommodationStatus

    hall = building(db, gender="male", rooms=1, capacity=2, department=dorm_department(db))  # sushe's own
    boys = [student(db, gender="male", class_name="高一(9)班", name=f"分配男生{n}号") for n in range(3)]
    girl = student(db, gender="female", class_name="高一(9)班", name="分配女生甲")
    client = as_user("sushe")
    page = client.get(f"/dorm-allocation/?building={hall.id}").text
    assert "批量分配床位" in page and boys[0].name in page and girl.name not in page  # only matching gender listed
    result = client.post("/dorm-allocation/allocate", data={
        "building": hall.id, "student": [s.id for s in boys] + [girl.id]})
    assert result.status_code == 200
    placed = cells(result.text, "allocation-placed")
    refused = {row[1]: row[3] for row in cells(result.text, "allocation-refused")}
    assert len(placed) == 2
    assert refused[girl.name] == "性别不符"
    assert "床位不足" in refused.values()
    db.session.expire_all()
    active = db.session.query(Accommodation).filter(
        Accommodation.student_id.in_([s.id for s in boys + [girl]]),
        Accommodation.status == AccommodationStatus.active).count()
    assert active == 2


def test_bulk_allocation_needs_a_building_and_students(as_user):
    client = as_user("sushe")
    response_ = client.post("/dorm-allocation/allocate", data={"building": ""})
    assert "请选择宿舍楼" in " ".join(flashes(response_.text))


def test_allocation_page_is_refused_to_roles_without_it(as_user):
    assert as_user("jiaoshi").get("/dorm-allocation/").status_code in (302, 403)
    assert as_user("sushe").get("/dorm-allocation/").status_code == 200


def test_monthly_utility_report_shows_usage_amounts_and_totals(as_user, db):
    water = meter(db, kind="water", price="3.50")
    save(db, reading(water, "2026-01", "100"))
    save(db, reading(water, "2026-02", "112.5"))
    html = as_user("caiwu").get("/utility-report/?month=2026-02").text
    assert "月度水电报表（2026-02）" in html
    assert water.meter_no in html and "12.5" in html and "¥43.75" in html
    assert "合计" in html


def test_utility_report_refuses_a_bad_month_politely(as_user):
    html = as_user("caiwu").get("/utility-report/?month=2026-13").text
    assert "月份格式应为" in html


def test_satisfaction_page_shows_rates_against_the_target(as_user, db):
    survey = survey_with_items(db, ("饭菜质量", "师生食堂"), ("就餐环境", "师生食堂"))
    items = {i.name: i for i in survey.items}
    for _ in range(9):
        save(db, response(survey, {items["饭菜质量"]: "非常满意", items["就餐环境"]: "较满意"}))
    save(db, response(survey, {items["饭菜质量"]: "不满意", items["就餐环境"]: "欠满意"}))
    save(db, response(survey, {items["饭菜质量"]: "非常满意", items["就餐环境"]: "不满意"}))
    html = as_user("xiaozhang").get(f"/satisfaction-report/?survey={survey.id}").text
    rows = {row[0]: row for row in cells(html, "satisfaction-items")}
    assert rows["饭菜质量"][-1].startswith("90.9%")  # 10 of 11: meets the target
    assert "81.8%" in rows["就餐环境"][-1] and "未达 90%" in rows["就餐环境"][-1]
