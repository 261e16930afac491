"""Substring search and its trigram indexes (migration 3f8a1c2d9b7e): on PostgreSQL the searched text columns of
the big tables have pg_trgm GIN indexes that the search's ``ILIKE '%…%'`` can use; on SQLite there are none.
Either way a search finds exactly the records whose text contains the words (the keyword box's related columns
are matched by ``IN (SELECT …)``, app/rules/search.py)."""
from __future__ import annotations

from sqlalchemy import text

from tests.test_relation_sort import record_count

EXPECTED = {"trgm_asset_name", "trgm_asset_code", "trgm_asset_name_pinyin", "trgm_repair_order_title",
            "trgm_staff_name", "trgm_staff_name_pinyin", "trgm_student_name"}


def test_trigram_indexes_exist_on_postgresql_only(db):
    if db.engine.dialect.name == "postgresql":
        found = set(db.session.execute(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'trgm%'")).scalars())
        assert EXPECTED <= found
        definition = db.session.execute(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'trgm_asset_name'")).scalar()
        assert "gin" in definition and "gin_trgm_ops" in definition
    else:
        names = set(db.session.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'")).scalars())
        assert "ix_asset_code_id" in names  # the migration ran
        assert not {n for n in names if n.startswith("trgm_")}


def test_the_search_statement_can_use_the_trigram_index(app, db):
    """The 包含 filter's SQL, EXPLAINed with sequential scans discouraged: a bitmap scan of the trigram index on
    PostgreSQL (on SQLite, the same statement reads the table: there is no such index)."""
    from app.fab.datamodel import SafeFilterConverter  # noqa: F401  (the filters under test)
    from models.assets import Asset

    view = app.extensions["engine"].views[Asset]
    filters = view.datamodel.get_filters(["name"])
    filters.add_filter("name", view.datamodel.filter_converter_class(view.datamodel).convert("name")[2].__class__,
                       "计算机")
    query = filters.apply_all(db.session.query(Asset.id))
    sql = str(query.statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    assert "%计算机%" in sql
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(db.session.execute(text("EXPLAIN " + sql)).scalars())
        assert "trgm_asset_name" in plan, plan
    else:
        plan = " ".join(str(r) for r in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
        assert "trgm" not in plan and "asset" in plan


def test_searches_find_exactly_the_records_containing_the_words(app, admin, db):
    from models.assets import Asset
    from models.org import Staff

    names = [name for (name,) in db.session.query(Asset.name)]
    for word in ("计算机", "空调", "桌"):
        expected = sum(word in name for name in names)
        assert expected, word
        page = admin.get(f"/asset/list/?_flt_2_name={word}")
        assert record_count(page.text) == expected, word
    # the keyword box: a person's name finds the assets they keep (a related column, matched by IN (SELECT …))
    def holds(asset) -> bool:
        texts = [asset.code, asset.name, asset.brand, asset.spec,
                 asset.keeper.name if asset.keeper else None]
        return any("赵建平" in (t or "") for t in texts)

    expected = sum(holds(a) for a in db.session.query(Asset))
    assert expected
    assert record_count(admin.get("/asset/list/?q=赵建平").text) == expected
    staff = db.session.query(Staff).filter(Staff.name.contains("国")).count()
    assert record_count(admin.get("/staff/list/?_flt_2_name=国").text) == staff
