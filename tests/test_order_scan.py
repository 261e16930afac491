"""A page near the start of a scoped list is read along its order's index on SQLite (app/platform/order_scan.py):
the same rows in the same order as SQLite's own plan, which sorts every row of the scope first."""
from __future__ import annotations

import re

from app.platform import order_scan
from tests.conftest import statements_run


def shown_ids(html: str) -> list[str]:
    ids = re.findall(r'href="/asset/show/(\d+)"', html)
    return list(dict.fromkeys(ids))


def test_a_scoped_first_page_is_read_along_the_order_and_shows_what_the_plain_plan_shows(app, clients, monkeypatch):
    from app.extensions import db

    keeper = clients("sushe")  # 宿管员: 本部门 or 本人 — an OR SQLite answers by sorting the whole scope
    with app.app_context():
        engine = db.engine
    with statements_run(engine) as seen:
        walked = keeper.get("/asset/list/").get_data(as_text=True)
    hinted = [s for s in seen if "INDEXED BY" in s]
    if engine.dialect.name == "sqlite":
        assert len(hinted) == 1 and "FROM asset INDEXED BY ix_asset_code_id" in hinted[0], hinted
    else:
        assert hinted == []  # PostgreSQL plans from its statistics
    monkeypatch.setattr(order_scan, "WALK_ROWS", 0)
    with statements_run(engine) as seen:
        planned = keeper.get("/asset/list/").get_data(as_text=True)
    assert not any("INDEXED BY" in s for s in seen)
    assert len(shown_ids(walked)) == 25 and shown_ids(walked) == shown_ids(planned)


def test_the_walk_is_asked_for_only_when_it_is_short():
    assert order_scan.worth_walking(25, 37_000, 200_000)  # one department of a school's assets: ~135 rows
    assert order_scan.worth_walking(25, 1_500, 200_000)  # one person's: ~3,300
    assert not order_scan.worth_walking(25, 100, 200_000)  # a narrow filter: the index of the filter is better
    assert not order_scan.worth_walking(125_000, 37_000, 200_000)  # far beyond the first pages
    assert not order_scan.worth_walking(25, 0, 200_000)


def test_the_index_named_is_the_order_column_then_the_key(app):
    from models.assets import Asset

    assert order_scan.index_for(Asset.__table__, "code", "id") == "ix_asset_code_id"
    assert order_scan.index_for(Asset.__table__, "remark", "id") is None


def test_a_page_past_the_last_reads_no_rows(app, clients):
    from app.extensions import db

    keeper = clients("sushe")
    with app.app_context():
        engine = db.engine
    with statements_run(engine) as seen:
        response = keeper.get("/asset/list/?page_AssetView=99999")
    assert response.status_code == 200 and shown_ids(response.get_data(as_text=True)) == []
    counted = [s for s in seen if "count(*)" in s and "FROM asset" in s]
    read_rows = [s for s in seen if "LIMIT" in s and "FROM asset" in s and "count(*)" not in s]
    assert len(counted) == 1 and read_rows == []


def test_an_order_the_reader_picks_is_left_to_the_database(app, clients):
    """A picked order may follow the scope (a dormitory's assets are cheap beds): walking down 单价 could read
    most of the table, so only the list's declared order is walked."""
    from app.extensions import db

    keeper = clients("sushe")
    with app.app_context():
        engine = db.engine
    with statements_run(engine) as seen:
        response = keeper.get("/asset/list/?_oc_AssetView=unit_price&_od_AssetView=desc")
    assert len(shown_ids(response.get_data(as_text=True))) == 25
    assert not any("INDEXED BY" in s for s in seen)
