"""采购公示: completed purchases (已入库 / 已报销), one row per line, for every member of staff; by month and
department; paginated; as an Excel file with Chinese headers and formula-like texts neutralised."""
from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from openpyxl import load_workbook

from tests.conftest import DEMO_ACCOUNTS

HEADERS = ["申请单号", "申请部门", "品名", "规格", "数量", "单价", "金额", "供应商", "经办人", "验收人", "日期"]
FORMULA = "=1+2*3"


def board_rows(html: str) -> list[list[str]]:
    table = re.search(r'<table[^>]*purchase-board.*?</table>', html, re.S)
    assert table
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(0), re.S)
    cells = [[unescape(re.sub(r"<[^>]+>|\s+", " ", c).strip()) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
             for r in rows if "<td" in r]
    return [row for row in cells if len(row) == len(HEADERS)]


def summary(html: str) -> tuple[int, str]:
    found = re.search(r"共 <strong>(\d+)</strong> 项，金额合计 <strong>([^<]+)</strong>", html)
    return int(found.group(1)), found.group(2)


@pytest.fixture
def posted(db):
    """Completed and open purchase requests of two departments in months of their own (2031), cleaned up after."""
    from models.org import Department, Staff
    from models.purchasing import (
        Acceptance,
        AcceptanceConclusion,
        PurchaseItem,
        PurchaseRequest,
        PurchaseStatus,
        Supplier,
    )

    s = db.session
    canteen = s.query(Department).filter_by(name="师生食堂").one()
    dorms = s.query(Department).filter_by(name="宿舍管理").one()
    staff = s.query(Staff).filter(Staff.department_id.in_([canteen.id, dorms.id])).order_by(Staff.id).limit(5).all()
    applicant, handler, inspector, failed_inspector, other = staff
    supplier = Supplier(name="公示测试供应商有限公司")
    made = [supplier]

    def purchase(code, department, status, lines, accepted=None, failed=None, with_handler=True):
        request = PurchaseRequest(code=code, department=department, applicant=applicant,
                                  handler=handler if with_handler else None, requested_on=date(2031, 3, 1),
                                  reason="公示测试", supplier=supplier, status=status,
                                  total=sum((Decimal(q) * Decimal(p) for _, _, q, p in lines), Decimal("0")))
        for name, spec, quantity, price in lines:
            request.items.append(PurchaseItem(name=name, spec=spec, unit="个", quantity=quantity,
                                              unit_price=Decimal(price), amount=Decimal(quantity) * Decimal(price),
                                              is_fixed_asset=False))
        s.add(request)
        made.append(request)
        if failed:
            made.append(Acceptance(request=request, inspector=failed_inspector, accepted_on=failed,
                                   conclusion=AcceptanceConclusion.failed, note="型号不符"))
        if accepted:
            made.append(Acceptance(request=request, inspector=inspector, accepted_on=accepted,
                                   conclusion=AcceptanceConclusion.passed))
        s.add_all(made)
        return request

    stored = purchase("GS-TEST-0001", canteen, PurchaseStatus.stored,
                      [("公示测试保温桶", "50L 不锈钢", 2, "150.00"), (FORMULA, "", 1, "10.00")],
                      accepted=date(2031, 3, 5), failed=date(2031, 3, 3))
    reimbursed = purchase("GS-TEST-0002", dorms, PurchaseStatus.reimbursed, [("公示测试晾衣架", "不锈钢", 10, "35.50")],
                          accepted=date(2031, 4, 2), with_handler=False)
    waiting = purchase("GS-TEST-0003", canteen, PurchaseStatus.to_accept, [("公示测试未验收", "", 1, "99.00")],
                       failed=date(2031, 3, 10))
    void = purchase("GS-TEST-0004", canteen, PurchaseStatus.void, [("公示测试已作废", "", 1, "9.00")])
    s.commit()
    yield {"canteen": canteen, "dorms": dorms, "stored": stored, "reimbursed": reimbursed, "waiting": waiting,
           "void": void, "applicant": applicant, "handler": handler, "inspector": inspector,
           "failed_inspector": failed_inspector}
    s.rollback()
    for row in reversed(made):
        s.delete(s.merge(row))
    s.commit()
    assert s.query(PurchaseRequest).filter(PurchaseRequest.code.like("GS-TEST-%")).count() == 0


def test_lists_only_completed_purchases_one_row_per_line(as_user, posted):
    html = as_user("admin").get("/purchase-board/?month=2031-03").text
    rows = board_rows(html)
    assert [(r[0], r[2]) for r in rows] == [("GS-TEST-0001", "公示测试保温桶"), ("GS-TEST-0001", FORMULA)]
    assert "公示测试未验收" not in html and "公示测试已作废" not in html
    first = rows[0]
    assert first == ["GS-TEST-0001", "师生食堂", "公示测试保温桶", "50L 不锈钢", "2", "¥150.00", "¥300.00",
                     "公示测试供应商有限公司", posted["handler"].name, posted["inspector"].name, "2031-03-05"]
    assert posted["failed_inspector"].name not in [r[9] for r in rows]  # the passed acceptance's inspector
    assert summary(html) == (2, "¥310.00")


def test_handler_falls_back_to_the_applicant(as_user, posted):
    rows = board_rows(as_user("admin").get("/purchase-board/?month=2031-04").text)
    assert len(rows) == 1
    assert rows[0][0] == "GS-TEST-0002" and rows[0][8] == posted["applicant"].name
    assert rows[0][1] == "宿舍管理" and rows[0][10] == "2031-04-02"


def test_filters_by_month_and_department(as_user, posted):
    client = as_user("admin")
    canteen, dorms = posted["canteen"].id, posted["dorms"].id
    assert {r[0] for r in board_rows(client.get(f"/purchase-board/?month=2031-03&department={canteen}").text)} \
        == {"GS-TEST-0001"}
    assert board_rows(client.get(f"/purchase-board/?month=2031-03&department={dorms}").text) == []
    assert {r[0] for r in board_rows(client.get(f"/purchase-board/?month=2031-04&department={dorms}").text)} \
        == {"GS-TEST-0002"}
    every = board_rows(client.get(f"/purchase-board/?department={dorms}").text)
    assert every and {r[1] for r in every} == {"宿舍管理"}


def test_counts_every_completed_line_and_pages_through_them(as_user, db, posted):
    from models.purchasing import PurchaseItem, PurchaseRequest, PurchaseStatus

    lines = (db.session.query(PurchaseItem).join(PurchaseRequest)
             .filter(PurchaseRequest.status.in_([PurchaseStatus.stored, PurchaseStatus.reimbursed])).all())
    client = as_user("jiaoshi")
    first = client.get("/purchase-board/").text
    assert summary(first) == (len(lines), f"¥{sum(l.amount for l in lines):,.2f}")
    assert len(lines) > 50 and len(board_rows(first)) == 50
    second = board_rows(client.get("/purchase-board/?page=2").text)
    assert second and second != board_rows(first)
    assert "下一页" in first
    last = (len(lines) + 49) // 50
    assert len(board_rows(client.get(f"/purchase-board/?page={last}").text)) == len(lines) - 50 * (last - 1)


def test_every_demo_account_can_open_it_whatever_its_data_scope(as_user, posted):
    for username in DEMO_ACCOUNTS:
        client = as_user(username)
        page = client.get("/purchase-board/?month=2031-03")
        assert page.status_code == 200, username
        assert "采购公示" in page.text and "公示测试保温桶" in page.text, username
        assert 'href="/purchase-board/"' in client.get("/").text, username  # in the menu


def test_bad_filters_are_explained_in_chinese(as_user):
    client = as_user("sushe")
    html = client.get("/purchase-board/?month=2031-13&department=abc&page=xyz").text
    assert "月份格式应为 年-月" in html and "所选部门不存在" in html
    assert client.get("/purchase-board/?department=99999999").status_code == 200
    assert client.get("/purchase-board/export.xlsx?month=bad").status_code == 200


def test_export_has_chinese_headers_and_the_pages_rows(as_user, posted):
    client = as_user("shitang")
    for query in ("month=2031-03", f"month=2031-03&department={posted['canteen'].id}", "month=2031-04"):
        shown = board_rows(client.get(f"/purchase-board/?{query}").text)
        response = client.get(f"/purchase-board/export.xlsx?{query}")
        assert response.status_code == 200
        assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
        assert "%E9%87%87%E8%B4%AD%E5%85%AC%E7%A4%BA" in response.headers["Content-Disposition"]  # 采购公示
        sheet = load_workbook(io.BytesIO(response.data)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == HEADERS
        assert [(r[0], r[8], r[9]) for r in rows[1:]] == [(r[0], r[8], r[9]) for r in shown]
        assert [Decimal(str(r[6])) for r in rows[1:]] == [Decimal(r[6].replace("¥", "").replace(",", "")) for r in shown]


def test_export_neutralises_a_formula_like_name(as_user, posted):
    sheet = load_workbook(io.BytesIO(as_user("admin").get("/purchase-board/export.xlsx?month=2031-03").data)).active
    names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["公示测试保温桶", "'" + FORMULA]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
