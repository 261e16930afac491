"""导入 from Excel/CSV (app/features/imports/): template, preview, all-or-nothing import, re-import, scope, permission.

Every test imports its own records (unique codes); nothing of the demo data is changed.
"""
from __future__ import annotations

import io
import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook

from tests.conftest import flashes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def uid() -> str:
    return uuid.uuid4().hex[:8].upper()


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], bom: bool = True) -> bytes:
    text = "\r\n".join(",".join(str(c) for c in row) for row in rows) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def preview(client, base: str, data: bytes, name: str = "导入.xlsx"):
    return client.post(f"{base}/import/preview", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def token_of(html: str) -> str:
    found = re.search(r'name="token" value="([0-9a-f]{32})"', html)
    assert found, "no confirm form on the preview"
    return found.group(1)


def confirm(client, base: str, html: str):
    return client.post(f"{base}/import/confirm", data={"token": token_of(html)}, follow_redirects=True)


def problems(html: str) -> list[str]:
    table = re.search(r'<table[^>]*import-errors.*?</table>', html, re.S)
    if not table:
        return []
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)
    return [re.sub(r"<[^>]+>|\s+", " ", re.findall(r"<td>(.*?)</td>", r, re.S)[-1]).strip()
            for r in rows if "<td" in r]


def summary(html: str) -> str:
    found = re.search(r'import-summary">(.*?)</div>', html, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)) if found else ""


def department(db, code: str):
    from models.org import Department

    return db.session.query(Department).filter_by(code=code).one()


ASSET_HEADER = ["资产编号", "资产名称", "分类", "计量单位", "数量", "单价", "购置日期", "保修截止", "使用部门", "状态"]


def asset_row(code, name="办公椅", quantity=2, price="350.00", bought="2026-09-01", until=None, dept="后勤处",
              status="在用"):
    return [code, name, "办公设备", "把", quantity, price, bought, until, dept, status]


# ------------------------------------------------------------------------------------------ template


def test_template_has_chinese_headers_and_an_example_row_that_reimports_cleanly(as_user):
    client = as_user("baoguan")
    response = client.get("/asset/import/template")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]  # 资产卡片导入模板.xlsx
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:4] == ["资产编号", "资产名称", "分类", "品牌"]
    assert "使用部门" in headers and "状态" in headers
    assert all(re.search(r"[\u4e00-\u9fff]", h) for h in headers)
    example = [c.value for c in sheet[2]]
    assert example[0] and example[1]  # an example row
    assert book.sheetnames == ["导入数据", "填写说明"]
    again = preview(client, "/asset", response.data, "资产卡片导入模板.xlsx")
    assert problems(again.text) == []
    assert "检查通过" in again.text and "无变化 1 行" in summary(again.text)


def test_import_page_explains_the_columns(as_user):
    html = as_user("admin").get("/staff/import/").text
    assert "导入教职工" in html and "下载导入模板" in html and "上传并预览" in html
    assert "可选：男、女" in html and "按「工号」查找已有记录" in html


# ------------------------------------------------------------------------------------------ errors


def test_a_file_with_errors_saves_nothing_and_names_row_and_column(as_user, db):
    from models.assets import Asset

    client = as_user("baoguan")
    good, other = f"IMP-{uid()}", f"IMP-{uid()}"
    rows = [ASSET_HEADER,
            asset_row(good),                                   # 2: fine
            asset_row(other, quantity="十"),                    # 3: not a number
            asset_row(f"IMP-{uid()}", dept="某某处"),            # 4: no such department
            asset_row(f"IMP-{uid()}", bought="2026-13-45"),      # 5: not a date
            asset_row(f"IMP-{uid()}", status="坏了"),            # 6: not a state
            asset_row(f"IMP-{uid()}", name=None),                # 7: required cell empty
            asset_row(f"IMP-{uid()}", until="2026-01-01"),       # 8: the model's own rule
            asset_row(good),                                   # 9: the same code again
            asset_row(f"IMP-{uid()}", quantity=3, price="1500"),   # 10: fixed asset, one card each
            asset_row(f"IMP-{uid()}", quantity="sNaN", price="1e999999999"),  # 11: numbers no one can store
            asset_row(f"IMP-{uid()}", price="12.345")]              # 12: more decimals than money has
    html = preview(client, "/asset", xlsx(rows)).text
    found = problems(html)
    assert "第3行「数量」应为整数；「十」不是数字" in found
    assert "第4行「使用部门」「某某处」不存在" in found
    assert any(p.startswith("第5行「购置日期」应为日期") for p in found)
    assert "第6行「状态」只能是 在用、闲置、借出、维修中、已报废 或 盘亏" in found
    assert "第7行「资产名称」不能为空" in found
    assert "第8行「保修截止」保修截止不能早于购置日期" in found
    assert f"第9行「资产编号」「{good}」与第2行重复" in found
    assert "第10行「数量」单价 1000 元及以上的固定资产须一物一卡，数量只能为 1" in found
    assert "第11行「数量」应为整数；「sNaN」不是数字" in found and "第11行「单价」数值过大" in found
    assert "第12行「单价」最多 2 位小数" in found
    assert "没有导入任何数据" in html and 'name="token"' not in html  # nothing to confirm
    db.session.expire_all()
    assert db.session.query(Asset).filter(Asset.code.in_([good, other])).count() == 0


def test_gender_must_be_one_of_its_words(as_user, db):
    from models.org import Staff

    number = f"T{uid()}"
    rows = [["工号", "姓名", "性别", "部门"], [f"T{uid()}", "王一", "男", "后勤处"],
            [f"T{uid()}", "王二", "女", "后勤处"], [number, "王三", "未知", "后勤处"]]
    html = preview(as_user("admin"), "/staff", xlsx(rows)).text
    assert problems(html) == ["第4行「性别」只能是 男 或 女"]
    assert db.session.query(Staff).filter_by(staff_no=number).count() == 0


def test_unknown_and_missing_headers_are_named(as_user):
    client = as_user("admin")
    html = preview(client, "/student", xlsx([["学号", "姓名", "性别", "年级", "班级", "爱好"],
                                             ["S1", "张三", "男", "高一", "高一(1)班", "篮球"]])).text
    assert any("「爱好」不是学生的列" in p for p in problems(html))
    html = preview(client, "/student", xlsx([["姓名", "性别", "年级", "班级"], ["张三", "男", "高一", "1班"]])).text
    assert any("缺少列「学号」" in p for p in problems(html))


def test_files_that_are_not_excel_are_refused_in_chinese(as_user, app):
    client = as_user("admin")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    html = preview(client, "/student", png, "照片.xlsx").text
    assert "无法读取该 Excel 文件" in html
    html = preview(client, "/student", png, "照片.png").text
    assert "只能导入 Excel 文件（.xlsx）或逗号分隔文件（.csv）" in html
    html = preview(client, "/student", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "旧表.xls").text
    assert "另存为” .xlsx" in html
    html = client.post("/student/import/preview", data={}, content_type="multipart/form-data").text
    assert "请选择要导入的文件" in html
    app.config["IMPORT_MAX_MB"] = 0.001
    try:
        html = preview(client, "/student", csv_bytes([["学号"], ["x" * 2000]]), "大.csv").text
        assert "文件不能超过 0.001 MB" in html
    finally:
        app.config.pop("IMPORT_MAX_MB")


# ------------------------------------------------------------------------------------------ importing


def student_rows(numbers, class_name="高一(7)班"):
    return [["学号", "姓名", "性别", "年级", "班级", "监护人电话", "是否寄宿"]] + [
        [n, f"导入生{i}", "男" if i % 2 else "女", "高一", class_name, 13800138000 + i, "是"]
        for i, n in enumerate(numbers)]


def test_valid_import_creates_rows_reimport_changes_nothing_and_updates_by_code(as_user, db):
    from sqlalchemy import func

    from app.rules.audit import AuditLog
    from models.dorms import Student

    client = as_user("sushe")
    # SQLite gives a deleted student's number to the next one: only this test's own log rows count.
    before = db.session.query(func.max(AuditLog.id)).scalar() or 0
    numbers = [f"IS{uid()}" for _ in range(3)]
    data = xlsx(student_rows(numbers))
    html = preview(client, "/student", data).text
    assert "新增 3 行 / 更新 0 行 / 无变化 0 行" in summary(html)
    assert "import-created" in html and numbers[0] in html
    db.session.expire_all()
    assert db.session.query(Student).filter(Student.student_no.in_(numbers)).count() == 0  # preview saves nothing
    done = confirm(client, "/student", html)
    assert any("导入完成：新增 3 行" in f for f in flashes(done.text))
    db.session.expire_all()
    students = db.session.query(Student).filter(Student.student_no.in_(numbers)).all()
    assert len(students) == 3
    assert {s.guardian_phone for s in students} == {"13800138000", "13800138001", "13800138002"}
    logged = db.session.query(AuditLog).filter(AuditLog.model == "Student", AuditLog.id > before,
                                               AuditLog.record_id.in_([s.id for s in students])).all()
    assert len(logged) == 3 and {entry.action for entry in logged} == {"新增"}
    assert all(entry.user_name != "系统" for entry in logged)

    again = preview(client, "/student", data).text
    assert "新增 0 行 / 更新 0 行 / 无变化 3 行" in summary(again)
    confirm(client, "/student", again)
    db.session.expire_all()
    assert db.session.query(Student).filter(Student.student_no.in_(numbers)).count() == 3

    changed = student_rows(numbers)
    changed[2][4] = "高一(8)班"
    html = preview(client, "/student", xlsx(changed)).text
    assert "新增 0 行 / 更新 1 行 / 无变化 2 行" in summary(html)
    assert "班级：高一(7)班 → 高一(8)班" in html
    confirm(client, "/student", html)
    db.session.expire_all()
    moved = db.session.query(Student).filter_by(student_no=numbers[1]).one()
    assert moved.class_name == "高一(8)班"
    assert db.session.query(AuditLog).filter_by(model="Student", record_id=moved.id, action="修改").filter(
        AuditLog.id > before).count() == 1


def test_csv_with_or_without_bom_and_text_dates(as_user, db):
    from models.org import Staff

    client = as_user("admin")
    first, second = f"C{uid()}", f"C{uid()}"
    header = ["工号", "姓名", "性别", "部门", "入职日期", "在岗"]
    html = preview(client, "/staff", csv_bytes([header, [first, "李四", "男", "后勤处", "2026/9/1", "是"]]),
                   "教职工.csv").text
    assert "新增 1 行" in summary(html), problems(html)
    confirm(client, "/staff", html)
    html = preview(client, "/staff", csv_bytes([header, [second, "李五", "女", "财务室", "2026-09-02", "否"]],
                                               bom=False), "教职工.csv").text
    confirm(client, "/staff", html)
    db.session.expire_all()
    one = db.session.query(Staff).filter_by(staff_no=first).one()
    two = db.session.query(Staff).filter_by(staff_no=second).one()
    assert (one.hired_on, one.on_duty, one.department.name) == (date(2026, 9, 1), True, "后勤处")
    assert (two.hired_on, two.on_duty, two.department.name, two.gender.value) == (date(2026, 9, 2), False, "财务室", "女")


def test_excel_dates_and_updates_by_code(as_user, db):
    from models.assets import Asset

    client = as_user("baoguan")
    code = f"IMP-{uid()}"
    rows = [ASSET_HEADER, asset_row(code, bought=datetime(2026, 9, 1), quantity=4, price=12.5)]
    html = preview(client, "/asset", xlsx(rows)).text
    assert "新增 1 行" in summary(html), problems(html)
    confirm(client, "/asset", html)
    rows[1][1], rows[1][4] = "会议椅", 6
    html = preview(client, "/asset", xlsx(rows)).text
    assert "更新 1 行" in summary(html)
    confirm(client, "/asset", html)
    db.session.expire_all()
    asset = db.session.query(Asset).filter_by(code=code).one()
    assert (asset.name, asset.quantity, asset.amount, asset.purchased_on) == ("会议椅", 6, Decimal("75.00"), date(2026, 9, 1))
    assert db.session.query(Asset).filter_by(code=code).count() == 1


# ------------------------------------------------------------------------------------------ scope, permission


def own_meter(db, department_code: str, price="0.60"):
    from app.rules import write
    from models.utilities import Household, HouseholdType, Meter, MeterType

    household = Household(name=f"导入测试户{uid()}", kind=HouseholdType.office, location="办公楼",
                          department=department(db, department_code))
    write.save(db.session, household)
    meter = Meter(household=household, kind=MeterType.electricity, meter_no=f"DB-IMP-{uid()}",
                  unit_price=Decimal(price))
    write.save(db.session, meter)
    return meter


def test_a_department_user_cannot_import_into_another_department(as_user, db):
    from models.utilities import MeterReading

    mine = own_meter(db, "050203")  # 水电维修组, the 水电工's department
    theirs = own_meter(db, "050201")  # another department
    rows = [["表号", "月份", "本次读数", "抄表日期"],
            [mine.meter_no, "2026-05", 100, "2026-05-25"],
            [theirs.meter_no, "2026-05", 100, "2026-05-25"]]
    html = preview(as_user("shuidian"), "/meter-reading", xlsx(rows)).text
    assert problems(html) == [f"第3行「表号」「{theirs.meter_no}」不存在或不在您的数据范围内"]
    db.session.expire_all()
    assert db.session.query(MeterReading).filter(MeterReading.meter_id.in_([mine.id, theirs.id])).count() == 0
    # The administrator sees every department: the same file imports.
    html = preview(as_user("admin"), "/meter-reading", xlsx(rows)).text
    assert "新增 2 行" in summary(html), problems(html)


def test_users_without_add_get_no_button_and_are_refused(as_user, db):
    from models.dorms import Student

    assert 'href="/asset/import/"' in as_user("baoguan").get("/asset/list/").text
    client = as_user("caiwu")  # reads assets, may not add them
    assert "/asset/import/" not in client.get("/asset/list/").text
    assert client.get("/asset/import/").status_code in (302, 403)
    assert client.get("/asset/import/template").status_code in (302, 403)
    number = f"IS{uid()}"
    client = as_user("jiaoshi")
    response = preview(client, "/student", xlsx(student_rows([number])))
    assert response.status_code in (302, 403)
    db.session.expire_all()
    assert db.session.query(Student).filter_by(student_no=number).count() == 0


def kept_import(app, token: str):
    from app.extensions import db
    from app.platform.file_store import read

    with app.app_context(), db.engine.connect() as connection:
        return read(connection, f"import/{token}")


def test_the_confirmed_file_is_the_servers_own(as_user, app, db):
    from models.dorms import Student

    client = as_user("sushe")
    number = f"IS{uid()}"
    html = preview(client, "/student", xlsx(student_rows([number]))).text
    token = token_of(html)
    assert kept_import(app, token) is not None  # in the database, not on this host's disk
    assert not (Path(app.instance_path) / "imports").exists()
    other = as_user("admin")  # another user cannot confirm it
    refused = other.post("/student/import/confirm", data={"token": token}, follow_redirects=True)
    assert any("已过期或已处理" in f for f in flashes(refused.text))
    bogus = other.post("/student/import/confirm", data={"token": "../../secret_key"}, follow_redirects=True)
    assert any("已过期或已处理" in f for f in flashes(bogus.text))
    db.session.expire_all()
    assert db.session.query(Student).filter_by(student_no=number).count() == 0
    client = as_user("sushe")
    client.post("/student/import/confirm", data={"token": token})
    assert kept_import(app, token) is None
    db.session.expire_all()
    assert db.session.query(Student).filter_by(student_no=number).count() == 1


# ------------------------------------------------------------------------------------------ rooms, readings


def test_rooms_and_beds_import_creates_rooms_and_beds(as_user, db):
    from app.rules import write
    from models.dorms import Bed, Building, Room
    from models.org import Gender

    hall = Building(name=f"导入楼{uid()}", campus="本部", gender=Gender.female, floors=5)
    write.save(db.session, hall)
    header = ["楼栋", "楼层", "房间号", "类型", "床位数", "床号", "状态"]
    rows = [header] + [[hall.name, 1, "101", "四人间", 4, str(n), "空闲"] for n in range(1, 5)] \
        + [[hall.name, None, "102", None, 2, "A", "空闲"], [hall.name, 1, "102", "二人间", None, "B", "维修"]]
    client = as_user("zongwu")
    html = preview(client, "/bed", xlsx(rows)).text
    assert "新增 6 行" in summary(html) and "房间：新增 2 个" in summary(html), problems(html)
    confirm(client, "/bed", html)
    db.session.expire_all()
    rooms = {r.number: r for r in db.session.query(Room).filter_by(building_id=hall.id)}
    assert set(rooms) == {"101", "102"}
    assert rooms["102"].capacity == 2 and rooms["102"].room_type.value == "二人间"
    assert sorted(b.number for b in rooms["101"].beds) == ["1", "2", "3", "4"]
    assert sorted(b.full_name for b in rooms["102"].beds) == [f"{hall.name} 102-A号床", f"{hall.name} 102-B号床"]

    again = preview(client, "/bed", xlsx(rows)).text
    assert "新增 0 行 / 更新 0 行 / 无变化 6 行" in summary(again), problems(again)

    more = [header, [hall.name, 1, "101", "四人间", 4, "5", "空闲"]]
    html = preview(client, "/bed", xlsx(more)).text
    assert any("第2行" in p and "床位数" in p for p in problems(html))
    db.session.expire_all()
    assert db.session.query(Bed).filter_by(room_id=rooms["101"].id).count() == 4


def test_meter_readings_derive_usage_and_amount_like_the_form(as_user, db):
    from models.utilities import MeterReading

    meter = own_meter(db, "050203", price="0.60")
    rows = [["表号", "月份", "上次读数", "本次读数", "抄表日期"],
            [meter.meter_no, "2026-01", None, 100, "2026-01-25"],
            [meter.meter_no, "2026/2", None, "150.5", "2026-02-25"],
            [meter.meter_no, datetime(2026, 3, 1), None, 160, datetime(2026, 3, 25)],  # Excel made a date of 2026-03
            [meter.meter_no, "2026-04", None, 150, "2026-04-25"]]  # below the last reading: refused
    client = as_user("shuidian")
    html = preview(client, "/meter-reading", xlsx(rows)).text
    assert problems(html) == ["第5行「本次读数」本次读数 150 小于上次读数 160；如已换表，请勾选「是否换表」"]
    del rows[4]
    html = preview(client, "/meter-reading", xlsx(rows)).text
    assert "新增 3 行" in summary(html), problems(html)
    confirm(client, "/meter-reading", html)
    db.session.expire_all()
    found = {r.month: r for r in db.session.query(MeterReading).filter_by(meter_id=meter.id)}
    assert set(found) == {"2026-01", "2026-02", "2026-03"}
    assert (found["2026-01"].previous, found["2026-01"].usage, found["2026-01"].amount) == (0, 100, Decimal("60.00"))
    assert (found["2026-02"].previous, found["2026-02"].usage, found["2026-02"].amount) == (
        100, Decimal("50.5"), Decimal("30.30"))
    assert (found["2026-03"].previous, found["2026-03"].usage) == (Decimal("150.5"), Decimal("9.5"))
    assert found["2026-02"].reader.name == "郑卫东" and found["2026-03"].read_on == date(2026, 3, 25)  # as the form prefills
    again = preview(client, "/meter-reading", xlsx(rows)).text
    assert "无变化 3 行" in summary(again), problems(again)


# ------------------------------------------------------------------------------------------ every import


def test_every_importable_models_template_reimports_cleanly(as_user, app):
    from app.extensions import engine
    from app.features.imports import importable

    client = as_user("admin")
    models = [m for m in engine(app).models if importable(m)]
    assert {m.__name__ for m in models} >= {"Staff", "Student", "Asset", "Bed", "MeterReading"}
    for model in models:
        base = "/" + model.__tablename__.replace("_", "-")
        assert 'href="%s/import/"' % base in client.get(f"{base}/list/").text
        template = client.get(f"{base}/import/template")
        assert template.status_code == 200, model.__name__
        html = preview(client, base, template.data).text
        assert problems(html) == [], (model.__name__, problems(html))
        assert "无变化 1 行" in summary(html), (model.__name__, summary(html))
        client.post(f"{base}/import/cancel", data={"token": token_of(html)})


def test_import_pages_are_all_chinese(as_user, app):
    from tests.test_no_english import problems_on, stored_names

    data = stored_names(app)
    client = as_user("zongwu")
    pages = {"/bed/import/": client.get("/bed/import/").text}
    header = ["楼栋", "楼层", "房间号", "类型", "床位数", "床号", "状态", "备注", "Hobby"]
    pages["错误预览"] = preview(client, "/bed", xlsx([header, ["不存在的楼", "x", "", "", "", "1", "", "", ""]])).text
    pages["错误预览2"] = preview(client, "/bed", xlsx([header[:-1], ["不存在的楼", "x", "", "豪华间", "", "1", "", ""]])).text
    template = client.get("/bed/import/template")
    ok = preview(client, "/bed", template.data)
    pages["通过预览"] = ok.text
    for url, html in pages.items():  # "Hobby" is the user's own header, echoed back
        assert problems_on(url, html, data | {"Hobby"}) == [], url
    book = load_workbook(io.BytesIO(template.data))
    texts = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value]
    assert not [t for t in texts if re.search(r"\b(?!xlsx\b|csv\b)[A-Za-z]{3,}\b", t)
                and not any(ch.isdigit() for ch in t)], texts
    client.post("/bed/import/cancel", data={"token": token_of(ok.text)})


def test_a_file_is_imported_once_even_if_confirmed_twice(as_user, app, db):
    from models.dorms import Student

    client = as_user("sushe")
    number = f"IS{uid()}"
    html = preview(client, "/student", xlsx(student_rows([number]))).text
    first = confirm(client, "/student", html)
    second = confirm(client, "/student", html)
    assert any("导入完成" in f for f in flashes(first.text))
    assert any("已过期或已处理" in f for f in flashes(second.text))
    db.session.expire_all()
    assert db.session.query(Student).filter_by(student_no=number).count() == 1
    assert kept_import(app, token_of(html)) is None
