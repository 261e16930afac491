"""Pinyin search: initials or full pinyin find Chinese names in dropdowns and list searches, within scope."""
from __future__ import annotations

import re

import pytest

CONTAINS = 2  # FAB's text filters: 开头是, 结尾是, 包含, 等于, …


@pytest.fixture(scope="module", autouse=True)
def pinyin_filled(app):
    """The demo loader writes staff and assets with bulk inserts; their pinyin is filled afterwards."""
    from app.extensions import db
    from app.meta.pinyin import backfill

    with app.app_context():
        backfill(db.session)
        db.session.remove()


def _pinyin(db, model, record_id: int, column: str = "name") -> str | None:
    """The companion column is the engine's: in the table, not on the model."""
    from sqlalchemy import select

    table = model.__table__
    return db.session.scalar(select(table.c[f"{column}_pinyin"]).where(table.c.id == record_id))


def _staff(app, **where):
    from app.extensions import db
    from models.org import Staff

    with app.app_context():
        row = db.session.query(Staff).filter_by(**where).one()
        result = (row.id, row.name, _pinyin(db, Staff, row.id), row.department_id)
        db.session.remove()
        return result


def _lookup(client, url: str, term: str) -> list[dict]:
    response = client.get(url, query_string={"q": term})
    assert response.status_code == 200, (url, response.status_code)
    return response.get_json()["results"]


def test_romanise():
    from app.meta.pinyin import romanise, search_term

    assert romanise("张三") == "zhangsan zs"
    assert romanise("办公室") == "bangongshi bgs"
    assert romanise("重庆路") == "chongqinglu cql"  # a polyphonic character read in context
    assert romanise("联想 ThinkPad E14") == "lianxiangthinkpade14 lxthinkpade14"
    assert romanise("") is None and romanise(None) is None
    assert search_term(" Zhang San ") == "zhangsan"


def test_companion_columns_are_declared_and_hidden():
    from sqlalchemy import inspect

    from app.fab.datamodel import EngineInterface
    from app.rules.audit import _fields
    from models.assets import Asset, Location
    from models.dorms import Student
    from models.org import Department, Staff
    from models.purchasing import Supplier
    from models.utilities import Household

    for model, name in [(Department, "name"), (Staff, "name"), (Student, "name"), (Asset, "name"),
                        (Supplier, "name"), (Location, "building"), (Household, "name")]:
        column = model.__table__.c[f"{name}_pinyin"]
        assert column.index and column.nullable and column.info["pinyin_of"] == name
        # in the table, but no form, list, REST schema or 操作日志 sees it
        assert f"{name}_pinyin" not in inspect(model).column_attrs
        assert f"{name}_pinyin" not in EngineInterface(model).get_user_columns_list()
        assert f"{name}_pinyin" not in _fields(model)


def test_saving_fills_pinyin(app, admin):
    from app.extensions import db
    from models.org import Department

    response = admin.post("/department/add", data={"name": "测试拼音科", "code": "PY-01", "kind": "admin"},
                          follow_redirects=True)
    assert response.status_code == 200
    with app.app_context():
        row = db.session.query(Department).filter_by(code="PY-01").one()
        try:
            assert _pinyin(db, Department, row.id) == "ceshipinyinke cspyk"
            row.name = "拼音改名科"
            db.session.commit()
            assert _pinyin(db, Department, row.id) == "pinyingaimingke pygmk"
            row.phone = "12345"  # a save that leaves the name alone leaves its pinyin alone
            db.session.commit()
            assert _pinyin(db, Department, row.id) == "pinyingaimingke pygmk"
        finally:
            db.session.delete(row)
            db.session.commit()
            db.session.remove()


def test_department_dropdown_finds_by_initials(admin):
    for term in ("bgs", "bangongshi", "BanGong"):
        names = [r["text"] for r in _lookup(admin, "/staff/lookup/department", term)]
        assert "办公室" in names, (term, names)
    assert "办公室" in [r["text"] for r in _lookup(admin, "/staff/lookup/department", "办公")]


def test_staff_dropdown_finds_by_initials_and_full_pinyin(app, admin):
    staff_id, name, romanised, _ = _staff(app, name="林晓燕")
    full, initials = romanised.split()
    assert (full, initials) == ("linxiaoyan", "lxy")
    for term in (initials, full, "linxiao", "林晓"):
        ids = [r["id"] for r in _lookup(admin, "/repair-order/lookup/reporter", term)]
        assert staff_id in ids, (term, ids)


def test_list_search_matches_pinyin(app, admin):
    staff_id, name, romanised, _ = _staff(app, name="林晓燕")
    for term in romanised.split():
        response = admin.get("/staff/list/", query_string={f"_flt_{CONTAINS}_name": term})
        assert response.status_code == 200
        assert name in response.text, term
        assert f"/staff/show/{staff_id}" in response.text
    other = admin.get("/staff/list/", query_string={f"_flt_{CONTAINS}_name": "zzzzqqq"})
    assert name not in other.text
    # 开头是: the full pinyin or the initials begin with the term
    starts = admin.get("/staff/list/", query_string={"_flt_0_name": "linxiao"})
    assert name in starts.text
    # 不包含 leaves out what 包含 finds
    without = admin.get("/staff/list/", query_string={"_flt_6_name": "linxiaoyan", "psize_StaffView": 100})
    assert f"/staff/show/{staff_id}\"" not in without.text and f"/staff/show/{staff_id}?" not in without.text


def test_asset_list_search_by_pinyin(app, admin):
    from app.extensions import db
    from models.assets import Asset

    with app.app_context():
        asset = db.session.query(Asset).filter(Asset.__table__.c.name_pinyin.is_not(None)).order_by(Asset.id).first()
        name, initials = asset.name, _pinyin(db, Asset, asset.id).split()[-1]
        db.session.remove()
    response = admin.get("/asset/list/", query_string={f"_flt_{CONTAINS}_name": initials})
    assert response.status_code == 200
    assert name in response.text


def test_scoped_user_does_not_find_other_departments_by_pinyin(app, as_user):
    own_id, own_name, own_pinyin, own_department = _staff(app, name="吴海涛")  # shitang, 师生食堂
    other_id, other_name, other_pinyin, other_department = _staff(app, name="林晓燕")  # jiaoshi, elsewhere
    assert own_department != other_department
    client = as_user("shitang")
    mine = [r["id"] for r in _lookup(client, "/repair-order/lookup/reporter", own_pinyin.split()[0])]
    assert own_id in mine
    for term in other_pinyin.split():
        found = _lookup(client, "/repair-order/lookup/reporter", term)
        assert other_id not in [r["id"] for r in found], term
        assert other_name not in [r["text"] for r in found], term


def test_bulk_inserts_fill_pinyin_and_backfill_fills_the_rest(app):
    from sqlalchemy import insert, select

    from app.extensions import db
    from app.meta.pinyin import backfill
    from models.purchasing import Supplier

    with app.app_context():
        table = Supplier.__table__
        # a Core bulk insert (as the demo loader writes) gets its pinyin from the column default …
        db.session.execute(insert(table), [{"name": "拼音批量甲", "row_version": 1}, {"name": "拼音批量乙", "row_version": 1}])
        # … a row written without it (before the column existed, or by PostgreSQL COPY) gets it from backfill
        db.session.execute(insert(table).values(name="拼音测试供应商", name_pinyin=None, row_version=1))
        db.session.commit()
        try:
            assert db.session.scalar(select(table.c.name_pinyin).where(table.c.name == "拼音批量乙")) \
                == "pinyinpiliangyi pyply"
            assert db.session.scalar(select(table.c.name_pinyin).where(table.c.name == "拼音测试供应商")) is None
            assert backfill(db.session) >= 1
            assert db.session.scalar(select(table.c.name_pinyin).where(table.c.name == "拼音测试供应商")) \
                == "pinyinceshigongyingshang pycsgys"
            assert backfill(db.session) == 0
        finally:
            db.session.execute(table.delete().where(table.c.name.in_(["拼音测试供应商", "拼音批量甲", "拼音批量乙"])))
            db.session.commit()
            db.session.remove()


def test_lookup_page_json_shape(admin):
    results = _lookup(admin, "/staff/lookup/department", "hqc")  # 后勤处
    assert any(re.search("后勤处", r["text"]) for r in results)
