"""List pages: a constant number of SQL statements whatever the rows shown, bounded page size, bad args."""
from __future__ import annotations

import re

import pytest

from tests.conftest import statements_run


def rows_on(html: str) -> int:
    return len(re.findall(r'<input id="[^"]+" class="action_check"|<tr>\s*<td><center>', html))


@pytest.mark.parametrize("path,view", [
    ("/asset/list/", "AssetView"),
    ("/asset-loan/list/", "AssetLoanView"),
    ("/staff/list/", "StaffView"),
    ("/asset-transfer/list/", "AssetTransferView"),
])
def test_statement_count_is_the_same_for_25_and_100_rows(app, admin, path, view):
    # No app context is held here (the `db` fixture would hold one): each request then has its own database
    # session, as in production, instead of one shared session whose earlier loads change the count.
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    admin.get(f"{path}?psize_{view}=25")  # warm caches (permissions, menu)
    with statements_run(engine) as small:
        page_small = admin.get(f"{path}?psize_{view}=25")
    with statements_run(engine) as large:
        page_large = admin.get(f"{path}?psize_{view}=100")
    assert page_small.status_code == page_large.status_code == 200
    assert page_small.text.count("<tr") < page_large.text.count("<tr")  # really more rows shown
    assert len(small) == len(large), (len(small), len(large))


def test_page_size_from_url_is_capped_at_100(admin):
    html = admin.get("/asset/list/?psize_AssetView=100000").text
    assert html.count('class="action_check"') + html.count("<tr>") <= 100 + 5
    shown = re.findall(r'href="/asset/show/(\d+)"', html)
    assert 0 < len(set(shown)) <= 100


@pytest.mark.parametrize("query", [
    "psize_AssetView=abc", "page_AssetView=-3", "page_AssetView=x",
    "_oc_AssetView=no_such_column&_od_AssetView=asc", "_oc_AssetView=name;drop&_od_AssetView=desc",
    "_flt_0_unit_price=abc", "_flt_2_purchased_on=not-a-date", "_flt_0_status=不存在", "_qf=99", "_qf=x",
])
def test_bad_list_arguments_never_fail(admin, query):
    response = admin.get(f"/asset/list/?{query}")
    assert response.status_code == 200, query
    assert "资产卡片" in response.text


def test_sorting_and_filters_apply(admin):
    html = admin.get("/asset/list/?_oc_AssetView=unit_price&_od_AssetView=desc&psize_AssetView=5").text
    html = html.split("engine-list-cards")[0]  # the table (a phone shows the same rows again as cards)
    prices = [float(p.replace(",", "")) for p in re.findall(r"¥([\d,]+\.\d\d)", html)]
    unit_prices = prices[0::2]  # 单价 then 金额 per row
    assert unit_prices == sorted(unit_prices, reverse=True)
    scrapped = admin.get("/asset/list/?_qf=4").text
    assert "已报废" in scrapped and "闲置</td>" not in scrapped
