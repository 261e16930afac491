"""List export (.xlsx and CSV) and the monthly utility report as Excel: same rows as the list, Chinese
headers and file names, formulas neutralised, data scope kept, rows read in batches and streamed."""
from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date
from decimal import Decimal
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from tests.conftest import statements_run

ASSET_HEADERS = ["资产编号", "资产名称", "分类", "规格型号", "数量", "单价", "金额",
                 "使用部门", "责任人", "存放地点", "状态", "购置日期"]


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese correctly
    return csv_rows_of(response.data)


def csv_rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def file_name(response) -> str:
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(r'filename="[\x20-\x7e]+"', disposition)  # ASCII fallback for old clients
    encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition)
    assert encoded, disposition
    return unquote(encoded.group(1))




def codes(rows) -> set[str]:
    return {r[0] for r in rows[1:]}


# ----------------------------------------------------------------- what is exported
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_export_has_the_list_columns_with_chinese_headers_and_a_chinese_file_name(admin, db, kind):
    from app.meta import clock
    from models.assets import Asset

    response = admin.get(f"/asset/export.{kind}")
    rows = xlsx_rows(response) if kind == "xlsx" else csv_rows(response)
    assert rows[0] == ASSET_HEADERS
    assert len(rows) - 1 == db.session.query(Asset).count()
    assert file_name(response) == f"资产卡片-{clock.today():%Y%m%d}.{kind}"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_xlsx_values_are_typed_and_shown_as_the_list_shows_them(admin, db):
    from app.features import export
    from models.assets import Asset

    response = admin.get("/asset/export.xlsx?_oc_AssetView=code&_od_AssetView=asc")
    sheet = load_workbook(io.BytesIO(response.data)).active
    first = next(sheet.iter_rows(min_row=2, max_row=2))
    record = db.session.query(Asset).order_by(Asset.code).first()
    by_header = dict(zip(ASSET_HEADERS, first))
    assert by_header["资产编号"].value == record.code
    assert by_header["单价"].data_type == "n" and Decimal(str(by_header["单价"].value)) == record.unit_price
    assert "0.00" in by_header["单价"].number_format and by_header["金额"].number_format == export.MONEY_FORMAT
    assert by_header["购置日期"].is_date
    assert by_header["购置日期"].value.date() == record.purchased_on
    assert by_header["购置日期"].number_format == "yyyy-mm-dd"
    assert by_header["状态"].value == record.status.value  # Chinese, not the stored name
    assert by_header["使用部门"].value == str(record.department)
    assert by_header["数量"].data_type == "n"


def test_csv_values_are_the_list_values(admin, db):
    from models.assets import Asset

    rows = csv_rows(admin.get("/asset/export.csv?_oc_AssetView=code&_od_AssetView=asc"))
    record = db.session.query(Asset).order_by(Asset.code).first()
    first = dict(zip(ASSET_HEADERS, rows[1]))
    assert first["资产编号"] == record.code
    assert first["单价"] == f"{record.unit_price:.2f}"
    assert first["购置日期"] == record.purchased_on.isoformat()
    assert first["状态"] == record.status.value


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_export_follows_the_search_filter_and_the_order(admin, db, kind):
    from models.assets import Asset

    response = admin.get(f"/asset/export.{kind}?_flt_2_name=计算机&_oc_AssetView=unit_price&_od_AssetView=desc")
    rows = (xlsx_rows if kind == "xlsx" else csv_rows)(response)[1:]
    expected = db.session.query(Asset).filter(Asset.name.contains("计算机")).count()
    assert 0 < len(rows) == expected < db.session.query(Asset).count()
    assert all("计算机" in r[1] for r in rows)
    prices = [Decimal(str(r[5])) for r in rows]
    assert prices == sorted(prices, reverse=True)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_export_follows_the_quick_filter(admin, db, kind):
    from models.assets import Asset, AssetStatus

    scrapped = admin.get(f"/asset/export.{kind}?_qf=4")  # 已报废
    rows = (xlsx_rows if kind == "xlsx" else csv_rows)(scrapped)[1:]
    assert len(rows) == db.session.query(Asset).filter(Asset.status == AssetStatus.scrapped).count() > 0
    assert {r[10] for r in rows} == {"已报废"}


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_department_scoped_export_holds_only_its_departments_rows(as_user, db, kind):
    from models.assets import Asset
    from models.org import Staff

    read = xlsx_rows if kind == "xlsx" else csv_rows
    all_rows = read(as_user("admin").get(f"/asset/export.{kind}"))
    own_rows = read(as_user("sushe").get(f"/asset/export.{kind}"))  # 宿管员: 本部门
    assert own_rows[0] == all_rows[0]
    me = db.session.query(Staff).filter(Staff.user.has(username="sushe")).one()
    expected = {code for (code,) in db.session.query(Asset.code).filter(
        (Asset.department_id == me.department_id) | (Asset.keeper_id == me.id))}
    assert codes(own_rows) == expected
    assert 0 < len(expected) < len(codes(all_rows))
    assert codes(own_rows) < codes(all_rows)
    assert all(r[7] == str(me.department) or r[8] == str(me) for r in own_rows[1:])


def test_export_without_read_permission_is_refused(as_user):
    client = as_user("jiaoshi")  # 教职工: no 资产卡片
    for kind in ("xlsx", "csv"):
        response = client.get(f"/asset/export.{kind}")
        assert response.status_code in (302, 403)
        assert not response.data.startswith(b"\xef\xbb\xbf") and b"PK" != response.data[:2]
    assert as_user("sushe").get("/utility-report/export.xlsx?month=2026-01").status_code in (302, 403)


def test_a_bad_filter_is_reported_in_chinese_not_half_a_file(admin):
    for query in ("_flt_0_unit_price=abc", "_qf=99", "_oc_AssetView=nope&_od_AssetView=asc", "_flt_0_status=不存在"):
        response = admin.get(f"/asset/export.csv?{query}")
        assert response.status_code == 200, query
        assert csv_rows(response)[0] == ASSET_HEADERS


# ----------------------------------------------------------------- formula injection
@pytest.fixture
def risky_suppliers(db):
    from models.purchasing import Supplier

    # Digits only besides the formula signs: these names reach the audit log, which must stay Chinese.
    tag = str(uuid.uuid4().int)[:8]
    names = [f"=1+2{tag}", f"@SUM1(A1){tag}", f"-3{tag}", f"+1号{tag}"]
    records = [Supplier(name=n, contact="\t=1+1", phone="-3") for n in names]
    db.session.add_all(records)
    db.session.commit()
    yield tag
    for record in records:
        db.session.delete(record)
    db.session.commit()


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_text_that_looks_like_a_formula_is_neutralised(admin, risky_suppliers, kind):
    tag = risky_suppliers
    response = admin.get(f"/supplier/export.{kind}?_flt_2_name={tag}")
    rows = (xlsx_rows if kind == "xlsx" else csv_rows)(response)
    assert rows[0] == ["名称", "联系人", "电话", "地址"]
    names = {r[0] for r in rows[1:]}
    assert names == {f"'=1+2{tag}", f"'@SUM1(A1){tag}", f"'-3{tag}", f"'+1号{tag}"}
    assert {r[1] for r in rows[1:]} == {"'\t=1+1"}
    assert {r[2] for r in rows[1:]} == {"'-3"}  # text, even if it looks like a number
    if kind == "xlsx":
        sheet = load_workbook(io.BytesIO(response.data)).active
        assert all(c.data_type == "s" for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None)


def test_numbers_stay_numbers_and_text_is_neutralised():
    from app.features.export import Column, csv_text, neutralise, xlsx_value

    money = Column("x", "金额", "money")
    assert csv_text(money.value(Decimal("-3")), money) == "-3.00"
    assert xlsx_value(money.value(Decimal("-3"))) == Decimal("-3.00")
    assert xlsx_value(-3) == -3 and csv_text(-3) == "-3"
    assert csv_text("-3") == "'-3" and xlsx_value("=1+2") == "'=1+2" and csv_text("\r=1") == "'\r=1"
    assert neutralise("正常文字") == "正常文字" and xlsx_value("控制\x01字符") == "控制字符"
    assert Column("d", "日期", "date").value(date(2026, 11, 21)) == date(2026, 11, 21)
    assert Column("b", "是否", "bool").value(True) == "是"


# ----------------------------------------------------------------- batches and streaming
def test_csv_is_streamed_batch_by_batch(admin, db, monkeypatch):
    from app.features import export
    from models.assets import Asset

    monkeypatch.setattr(export, "BATCH_SIZE", 7)
    response = admin.get("/asset/export.csv", buffered=False)
    assert response.is_streamed
    chunks = [chunk for chunk in response.response if chunk]
    response.close()
    total = db.session.query(Asset).count()
    assert total > 3 * 7
    assert len(chunks) >= total // 7  # one piece per batch, not one body
    assert chunks[0].startswith(b"\xef\xbb\xbf")
    body = b"".join(chunks).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(body)))) == total + 1


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_rows_are_read_from_the_database_in_batches(admin, db, monkeypatch, kind):
    """Related records are read per batch, only those not read yet: with 5 rows a batch, a few loads (never more
    than there are categories); in one batch, one."""
    from sqlalchemy import func

    from app.features import export
    from models.assets import Asset

    categories = db.session.query(func.count(func.distinct(Asset.category_id))).scalar()
    assert categories > 5
    admin.get(f"/asset/export.{kind}")  # warm caches

    def category_loads(batch_size):
        monkeypatch.setattr(export, "BATCH_SIZE", batch_size)
        with statements_run(db.engine) as seen:
            response = admin.get(f"/asset/export.{kind}")
            assert response.status_code == 200 and len(response.data) > 0
        return sum(1 for s in seen if re.search(r"FROM asset_category\b", s))

    assert 1 < category_loads(5) <= categories
    assert category_loads(100000) == 1


@pytest.mark.parametrize("url", ["/asset/export.csv", "/asset/export.csv?_oc_AssetView=keeper&_od_AssetView=asc",
                                 "/asset/export.csv?_qf=1&_flt_2_name=桌"])
def test_plain_rows_export_exactly_what_the_records_give(admin, monkeypatch, url):
    """The asset list's columns are read as plain rows; the file is byte for byte the one built from records."""
    from app.features import export
    from models.assets import Asset

    columns = export.columns_of(Asset, ["code", "category", "keeper", "status", "purchased_on", "unit_price"], {})
    assert export.plain_sources(Asset, columns) is not None
    fast = admin.get(url).data
    monkeypatch.setattr(export, "plain_sources", lambda model, columns: None)
    slow = admin.get(url).data
    assert fast == slow and fast.count(b"\r\n") > 2


def sheet_parts(data: bytes) -> dict[str, bytes]:
    """The workbook's parts but its creation time."""
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: archive.read(name) for name in archive.namelist() if name != "docProps/core.xml"}


@pytest.mark.parametrize("url", ["/meter-reading/export.",  # flags, amounts, decimals, enums, dates, relations
                                 "/feedback/export.",  # times, long texts
                                 "/hygiene-inspection/export.",  # whole numbers
                                 "/staff/export."])
def test_plain_rows_give_the_file_the_records_give(admin, monkeypatch, url):
    """The CSV byte for byte, and the workbook part for part, as built value by value from the records."""
    from app.features import export

    real_sources, plain = export.plain_sources, []

    def recorded(model, columns):
        plain.append(real_sources(model, columns))
        return plain[-1]

    monkeypatch.setattr(export, "plain_sources", recorded)
    fast_csv, fast_xlsx = admin.get(url + "csv").data, admin.get(url + "xlsx").data
    assert len(plain) == 2 and None not in plain
    monkeypatch.setattr(export, "plain_sources", lambda model, columns: None)
    assert admin.get(url + "csv").data == fast_csv and fast_csv.count(b"\r\n") > 2
    assert sheet_parts(admin.get(url + "xlsx").data) == sheet_parts(fast_xlsx)


def test_plain_rows_convert_unusual_texts_as_the_records_do(admin, db, monkeypatch):
    from app.features import export
    from models.purchasing import Supplier

    tag = str(uuid.uuid4().int)[:8]
    records = [Supplier(name=f"甲{tag}", contact="", phone=None, address="控制\x01字符"),
               Supplier(name=f"乙{tag}", contact="多行\n=1+1", phone="-3", address="普通地址")]
    db.session.add_all(records)
    db.session.commit()
    try:
        url = f"/supplier/export.%s?_flt_2_name={tag}"
        fast = admin.get(url % "csv").data, admin.get(url % "xlsx").data
        monkeypatch.setattr(export, "plain_sources", lambda model, columns: None)
        assert admin.get(url % "csv").data == fast[0]
        assert sheet_parts(admin.get(url % "xlsx").data) == sheet_parts(fast[1])
        assert {r[0]: r[1:] for r in csv_rows_of(fast[0])[1:]} == \
            {f"甲{tag}": ["", "", "控制\x01字符"], f"乙{tag}": ["多行\n=1+1", "'-3", "普通地址"]}
        sheet = load_workbook(io.BytesIO(fast[1])).active
        assert {r[0]: list(r[1:]) for r in sheet.iter_rows(min_row=2, values_only=True)} == \
            {f"甲{tag}": [None, None, "控制字符"], f"乙{tag}": ["多行\n=1+1", "'-3", "普通地址"]}
    finally:
        for record in records:
            db.session.delete(record)
        db.session.commit()


def test_amounts_read_without_decimal_give_the_text_sqlalchemys_decimal_gives():
    """SQLite hands an amount over as a float (or an int); its CSV text is that of SQLAlchemy's Decimal."""
    from sqlalchemy import Numeric
    from sqlalchemy.dialects import sqlite

    from app.features.export import Column, _csv_money, csv_cell

    to_decimal = Numeric(14, 2).result_processor(sqlite.dialect(), None)
    written = csv_cell(Column("amount", "金额", "money"))
    raw = [2.675, 1.005, 0.1 + 0.2, 5, 1e13 + 0.125, -0.005, None, Decimal("3.10")]
    assert _csv_money(raw) == [written(None if v is None else to_decimal(v)) or None for v in raw]
    assert _csv_money(raw)[:3] == ["2.67", "1.00", "0.30"]


def test_a_computed_column_is_exported_from_the_records():
    from app.features import export
    from models.assets import Asset

    columns = export.columns_of(Asset, ["code", "life"], {})
    assert export.plain_sources(Asset, columns) is None


# ----------------------------------------------------------------- the list page and the report
def test_the_list_page_offers_both_exports_with_its_current_query(admin):
    html = admin.get("/asset/list/?_qf=1&_flt_2_name=桌").text
    assert "导出 Excel" in html and "导出 CSV" in html
    links = re.findall(r'href="(/asset/export\.(?:xlsx|csv)[^"]*)"', html)
    assert len(links) == 2
    assert all("_qf=1" in link and "_flt_2_name=" in link for link in links)


def _demo_month(db) -> str:
    from sqlalchemy import func

    from models.utilities import MeterReading

    month, _ = db.session.query(MeterReading.month, func.count()).group_by(MeterReading.month) \
        .order_by(func.count().desc(), MeterReading.month).first()
    return month


def test_utility_report_excel_totals_equal_the_rows_and_the_report(as_user, db):
    from models.utilities import REPORT_COLUMNS, monthly_report

    month = _demo_month(db)
    year, number = month.split("-")
    response = as_user("caiwu").get(f"/utility-report/export.xlsx?month={month}")
    assert response.status_code == 200
    assert file_name(response) == f"月度水电报表-{year}年{int(number)}月.xlsx"
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][0] == f"{year}年{int(number)}月 水电费月报表"
    headers = values[2]
    assert headers[0] == "户名" and "金额（元）" in headers and "用量" in headers
    assert len(headers) == len(REPORT_COLUMNS)
    at = {h: i for i, h in enumerate(headers)}
    amount, usage, kind = at["金额（元）"], at["用量"], at["表具类型"]
    meters = [r for r in values[3:] if r[kind] in ("水", "电")]
    by_label = {r[0]: r for r in values[3:] if r[0] in ("水费合计（吨）", "电费合计（度）", "总计")}
    assert set(by_label) == {"水费合计（吨）", "电费合计（度）", "总计"}

    def total(rows, col):
        return sum((Decimal(str(r[col])) for r in rows), Decimal("0"))

    water = [r for r in meters if r[kind] == "水"]
    power = [r for r in meters if r[kind] == "电"]
    assert Decimal(str(by_label["水费合计（吨）"][usage])) == total(water, usage)
    assert Decimal(str(by_label["水费合计（吨）"][amount])) == total(water, amount)
    assert Decimal(str(by_label["电费合计（度）"][usage])) == total(power, usage)
    assert Decimal(str(by_label["电费合计（度）"][amount])) == total(power, amount)
    assert Decimal(str(by_label["总计"][amount])) == total(meters, amount)

    report = monthly_report(db.session, month)
    grand = report[-1]
    assert len(meters) == grand["meters"] == sum(1 for r in report if r["kind"] == "meter")
    assert Decimal(str(by_label["总计"][amount])) == grand["amount"]
    assert Decimal(str(by_label["水费合计（吨）"][usage])) == grand["water_usage"]
    assert Decimal(str(by_label["电费合计（度）"][usage])) == grand["electricity_usage"]
    # money is a number with a number format, and the widths are set
    row = next(sheet.iter_rows(min_row=4, max_row=4))
    assert row[amount].data_type == "n" and "0.00" in row[amount].number_format
    assert sheet.column_dimensions["A"].width >= 10


def test_utility_report_page_offers_the_excel_and_a_bad_month_is_explained(as_user):
    client = as_user("caiwu")
    html = client.get("/utility-report/?month=2026-02").text
    assert "导出 Excel" in html and "/utility-report/export.xlsx?month=2026-02" in html
    bad = client.get("/utility-report/export.xlsx?month=2026-13", follow_redirects=True)
    assert bad.status_code == 200 and "月份格式应为" in bad.text
    empty = load_workbook(io.BytesIO(client.get("/utility-report/export.xlsx?month=2001-01").data)).active
    rows = [list(r) for r in empty.iter_rows(values_only=True)]
    assert rows[0][0] == "2001年1月 水电费月报表" and rows[-1][0] == "总计"
    assert Decimal(str(rows[-1][rows[2].index("金额（元）")])) == 0
