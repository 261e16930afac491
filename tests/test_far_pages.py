"""A page far down a list is found by its keys first (app/fab/datamodel.py ``_far_page``): the same rows in the
same order as plain OFFSET, whatever the sort, filters, keyword and data scope.

Here every page is made "far" (FAR_OFFSET = 0) and compared with the same page read with OFFSET alone.
"""
from __future__ import annotations

import re

import pytest

from tests.test_relation_sort import record_count, view_of


def shown_ids(page: str, route_base: str) -> list[int]:
    body = page.split("</thead>", 1)[1].split("</table>", 1)[0]
    return [int(i) for i in re.findall(rf'href="{re.escape(route_base)}/show/(\d+)"', body)]


def page_url(view, page: int, extra: str = "", size: int = 25) -> str:
    name = type(view).__name__
    return f"{view.route_base}/list/?psize_{name}={size}&page_{name}={page}" + extra.format(view=name)


def both_ways(client, monkeypatch, url: str, route_base: str) -> tuple[list[int], list[int], int]:
    """(ids with OFFSET, ids found by keys first, record count) of one list page."""
    from app.fab import datamodel

    seen = []
    for far_offset in (10**12, 0):
        monkeypatch.setattr(datamodel, "FAR_OFFSET", far_offset)
        response = client.get(url)
        assert response.status_code == 200, url
        seen.append((shown_ids(response.text, route_base), record_count(response.text)))
    assert seen[0][1] == seen[1][1]
    return seen[0][0], seen[1][0], seen[0][1]


CASES = [
    # (model, list arguments: sort, filters, quick filter, keyword)
    ("Asset", ""),                                                    # default order: 资产编号 descending
    ("Asset", "&_oc_{view}=unit_price&_od_{view}=desc"),              # many equal prices: the id breaks ties
    ("Asset", "&_oc_{view}=unit_price&_od_{view}=asc&_flt_0_status=in_use"),
    ("Asset", "&_oc_{view}=category&_od_{view}=asc"),                 # by a relation's name (outer join)
    ("Asset", "&_oc_{view}=keeper&_od_{view}=desc&q=计算机"),          # keyword, and rows without a keeper
    ("Asset", "&_oc_{view}=purchased_on&_od_{view}=desc&_qf=0"),      # quick filter 在用
    ("RepairOrder", ""),
    ("RepairOrder", "&_oc_{view}=worker&_od_{view}=asc"),
    ("RepairOrder", "&_oc_{view}=title&_od_{view}=desc&_flt_2_title=灯"),
    ("Staff", "&_oc_{view}=name&_od_{view}=asc"),
]


@pytest.mark.parametrize("model_name,arguments", CASES)
def test_far_pages_are_the_offset_pages(app, admin, monkeypatch, model_name, arguments):
    view = view_of(app, model_name)
    first, _, total = both_ways(admin, monkeypatch, page_url(view, 0, arguments), view.route_base)
    assert first, "the list shows rows"
    last = max((total - 1) // 25, 0)
    pages = sorted({0, 1, 3, last // 2, last - 1, last, last + 1} - {-1})
    for page in pages:
        plain, keyed, _ = both_ways(admin, monkeypatch, page_url(view, page, arguments), view.route_base)
        assert keyed == plain, (model_name, arguments, page)
        if page <= last:
            assert len(plain) == min(25, total - page * 25), page
        else:
            assert plain == []


@pytest.mark.parametrize("username,model_name,arguments", [
    ("sushe", "Asset", ""),                                            # 本部门: the dorm office's assets
    ("sushe", "Asset", "&_oc_{view}=location&_od_{view}=asc"),
    ("weixiu", "RepairOrder", "&_oc_{view}=reported_at&_od_{view}=asc"),  # 仅本人: the orders he works on
    ("shuidian", "Asset", "&_oc_{view}=unit_price&_od_{view}=desc&q=空调"),
])
def test_far_pages_keep_the_data_scope(app, as_user, monkeypatch, username, model_name, arguments):
    client = as_user(username)
    view = view_of(app, model_name)
    admin_total = None
    first, _, total = both_ways(client, monkeypatch, page_url(view, 0, arguments, size=10), view.route_base)
    assert first
    for page in sorted({0, 1, max((total - 1) // 10, 0)}):
        plain, keyed, _ = both_ways(client, monkeypatch, page_url(view, page, arguments, size=10), view.route_base)
        assert keyed == plain, (username, arguments, page)
    as_user("admin")
    _, _, admin_total = both_ways(client, monkeypatch, page_url(view, 0, arguments, size=10), view.route_base)
    assert total < admin_total, "the scope limits the list"


def test_a_far_page_is_one_statement_and_skips_by_keys(app, admin, monkeypatch):
    """Far pages use the keys-first statement (the page's ids in a subquery with the offset), no more
    statements than a near page."""
    from sqlalchemy import event

    from app.extensions import db
    from app.fab import datamodel

    view = view_of(app, "Asset")
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    counts = []
    for far_offset in (10**12, 0):
        monkeypatch.setattr(datamodel, "FAR_OFFSET", far_offset)
        seen.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            assert admin.get(page_url(view, 40)).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
        counts.append(len(seen))
        page_statements = [s for s in seen if "FROM asset" in s and "OFFSET" in s.upper()]
        assert len(page_statements) == 1
        if far_offset == 0:
            assert re.search(r"asset\.id IN \(SELECT asset\.id", page_statements[0]), page_statements[0]
        else:
            assert "IN (SELECT asset.id" not in page_statements[0]
    assert counts[0] == counts[1]
