"""Sorting a list by a relation column (资产, 报修单, 调查 …): by the related record's name, never a 500.

Expected orders are worked out here from the records themselves (Python sorting of the related key, which is
also the database's order: SQLite compares strings binary, the test PostgreSQL database is C.UTF-8).
"""
from __future__ import annotations

import csv
import html as html_lib
import io
import re

import pytest

DIRECTIONS = ("asc", "desc")


def cells(page: str, route_base: str, column_index: int) -> list[tuple[int, str]]:
    """(record id, text of the column) for each row of a list page; column_index counts list_columns from 0."""
    body = page.split("</thead>", 1)[1].split("</table>", 1)[0]
    found = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        record = re.search(rf'href="{re.escape(route_base)}/show/(\d+)"', row)
        tds = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if record is None or len(tds) <= column_index + 1:
            continue
        text = html_lib.unescape(re.sub(r"<[^>]+>", " ", tds[column_index + 1]))
        found.append((int(record.group(1)), " ".join(text.split())))
    return found


def record_count(page: str) -> int:
    found = re.search(r"记录数:</strong>\s*(\d+)", page)
    assert found, "no record count on the page"
    return int(found.group(1))


def list_url(view, column: str | None = None, direction: str = "asc", page: int = 0, size: int = 100) -> str:
    name = type(view).__name__
    url = f"{view.route_base}/list/?psize_{name}={size}&page_{name}={page}"
    if column:
        url += f"&_oc_{name}={column}&_od_{name}={direction}"
    return url


def all_rows(client, view, column, direction, column_index=0) -> list[tuple[int, str]]:
    """Every row of the list, page after page (100 a page)."""
    first = client.get(list_url(view, column, direction))
    assert first.status_code == 200
    total = record_count(first.text)
    rows = cells(first.text, view.route_base, column_index)
    for page in range(1, (total + 99) // 100):
        response = client.get(list_url(view, column, direction, page))
        assert response.status_code == 200
        rows += cells(response.text, view.route_base, column_index)
    return rows


def view_of(app, model_name: str):
    return next(v for m, v in app.extensions["engine"].views.items() if m.__name__ == model_name)


def expected_names(db, model, relation: str, key: str, direction: str) -> list[str]:
    """The related names of every record of ``model``, sorted by the related record's ``key`` column;
    records without the relation (shown empty) last, whichever the direction."""
    related_rows = [(getattr(r, relation), r.id) for r in db.session.query(model).all()]
    filled = [(getattr(rel, key), str(rel)) for rel, _ in related_rows if rel is not None]
    keys_to_names = {}
    for value, name in filled:
        keys_to_names.setdefault(value, set()).add(name)
    # A key shared by two differently named records would make the expected order ambiguous.
    assert all(len(names) == 1 for names in keys_to_names.values()), f"{key} is not unique"
    filled.sort(key=lambda pair: pair[0], reverse=direction == "desc")
    return [" ".join(name.split()) for _, name in filled] + [""] * sum(rel is None for rel, _ in related_rows)


# ------------------------------------------------------------------------------------------ every view
def test_every_relation_column_of_every_list_sorts_both_ways(app, admin):
    from app.meta import introspect

    failures, tried = [], 0
    for model, view in app.extensions["engine"].views.items():
        unsorted = admin.get(list_url(view, size=25))
        assert unsorted.status_code == 200, view.route_base
        count = record_count(unsorted.text)
        for column in view.order_columns:
            if not introspect.is_relation(model, column):
                continue
            for direction in DIRECTIONS:
                tried += 1
                response = admin.get(list_url(view, column, direction, size=25))
                if response.status_code != 200:
                    failures.append((view.route_base, column, direction, response.status_code))
                elif record_count(response.text) != count or \
                        len(cells(response.text, view.route_base, 0)) != min(count, 25):
                    failures.append((view.route_base, column, direction, "rows differ from the unsorted list"))
    assert tried > 100
    assert not failures, failures


# ---------------------------------------------------------------------------- the order really follows
@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("model_name,relation,key", [
    ("AssetDisposal", "asset", "code"),       # 报废申请 by 资产: "ZC-… name", the asset's code
    ("Room", "building", "name"),             # 房间 by 楼栋
    ("Accommodation", "bed", "full_name"),    # 住宿 by 床位
    ("PurchaseRequest", "supplier", "name"),  # 采购申请 by 供应商: some have none, shown empty, kept last
])
def test_displayed_related_names_follow_the_sort(app, admin, db, model_name, relation, key, direction):
    view = view_of(app, model_name)
    model = view.datamodel.obj
    index = view.list_columns.index(relation)
    if model_name == "Accommodation":  # 1753 rows: the first two pages are enough
        shown = []
        for page in (0, 1):
            response = admin.get(list_url(view, relation, direction, page))
            assert response.status_code == 200
            shown += cells(response.text, view.route_base, index)
        assert [n for _, n in shown] == expected_names(db, model, relation, key, direction)[:len(shown)]
        assert len(shown) == 200
        return
    shown = all_rows(admin, view, relation, direction, index)
    expected = expected_names(db, model, relation, key, direction)
    assert [name for _, name in shown] == expected
    # Stable paging: every record exactly once over the pages.
    ids = [record for record, _ in shown]
    assert len(ids) == len(set(ids)) == db.session.query(model).count()
    if model_name == "PurchaseRequest":
        assert "" in expected and expected[-1] == "" and expected[0] != ""


def test_two_relations_to_the_same_model_sort_independently(app, admin, db):
    """报修单 has 报修人 and 维修工, both Staff: each sort joins its own copy of the staff table."""
    view = view_of(app, "RepairOrder")
    model = view.datamodel.obj
    for relation in ("reporter", "worker"):
        index = view.list_columns.index(relation)
        response = admin.get(list_url(view, relation, "asc"))
        assert response.status_code == 200
        shown = [name for _, name in cells(response.text, view.route_base, index)]
        # Staff are sorted by their names (in the database's own collation), the page shows those names.
        from models.org import Staff

        rank = {pk: i for i, (pk,) in enumerate(db.session.query(Staff.id).order_by(Staff.name, Staff.id))}
        staff = sorted((getattr(r, relation) for r in db.session.query(model).all()
                        if getattr(r, relation) is not None), key=lambda s: rank[s.id])
        assert shown == [s.name for s in staff][:len(shown)]


# --------------------------------------------------------------------------------------- API and export
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_rest_list_sorts_by_the_related_name(admin, db, direction):
    from models.assets import Asset, AssetDisposal

    response = admin.get(f"/api/v1/asset-disposal/?q=(order_column:asset,order_direction:{direction},page_size:100)")
    assert response.status_code == 200, response.text[:500]
    body = response.json
    # A related record is answered as its id and display name ("ZC-… name", led by the asset's code).
    codes = [db.session.get(Asset, row["asset"]["id"]).code for row in body["result"]]
    assert all(row["asset"]["name"].startswith(code) for row, code in zip(body["result"], codes))
    expected = sorted((d.asset.code for d in db.session.query(AssetDisposal).all()), reverse=direction == "desc")
    assert body["count"] == len(codes) == len(expected) > 1
    assert codes == expected


def test_rest_list_keeps_records_without_the_relation_last(admin, db):
    from models.purchasing import PurchaseRequest

    total = db.session.query(PurchaseRequest).count()
    empty = db.session.query(PurchaseRequest).filter(PurchaseRequest.supplier_id.is_(None)).count()
    assert 0 < empty < total
    for direction in DIRECTIONS:
        suppliers = []
        for page in range((total + 99) // 100):  # every page: the empty ones may span more than the last
            response = admin.get(f"/api/v1/purchase-request/?q=(order_column:supplier,order_direction:{direction},"
                                 f"page_size:100,page:{page})")
            assert response.status_code == 200, response.text[:500]
            suppliers += [row["supplier"] for row in response.json["result"]]
        assert len(suppliers) == total
        assert suppliers[-empty:] == [None] * empty  # all the records without a supplier come last
        assert suppliers[-empty - 1] is not None


def test_export_sorts_by_the_related_name(admin, db):
    from models.assets import AssetDisposal

    response = admin.get("/asset-disposal/export.csv?_oc_AssetDisposalView=asset&_od_AssetDisposalView=desc")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))[1:]
    expected = sorted((str(d.asset) for d in db.session.query(AssetDisposal).all()),
                      key=lambda name: name.split()[0], reverse=True)
    assert [r[0] for r in rows] == expected


# ------------------------------------------------------------------------------------------ data scope
@pytest.mark.parametrize("model_name,relation", [
    ("Bed", "room"),                 # 床位 by 房间 (the 宿管员 sees every bed)
    ("Room", "building"),            # 房间 by 楼栋
    ("RepairOrder", "reporter"),     # 报修单: the 宿管员 sees only their department's
    ("RepairOrder", "worker"),
    ("Asset", "department"),         # 资产: only their department's
    ("Asset", "keeper"),
])
def test_a_scoped_user_sorting_by_a_relation_sees_only_their_scope(app, as_user, db, model_name, relation):
    client = as_user("sushe")
    view = view_of(app, model_name)
    unsorted = {record for record, _ in all_rows(client, view, None, "asc")}
    assert unsorted
    for direction in DIRECTIONS:
        response = client.get(list_url(view, relation, direction))
        assert response.status_code == 200
        assert record_count(response.text) == len(unsorted)
        assert {record for record, _ in all_rows(client, view, relation, direction)} == unsorted
    if model_name in ("RepairOrder", "Asset"):
        assert len(unsorted) < db.session.query(view.datamodel.obj).count()


# --------------------------------------------------------------------------------- the datamodel itself
def test_a_dotted_order_column_still_works(app, db):
    from app.fab.datamodel import EngineInterface
    from models.assets import AssetDisposal

    for direction in DIRECTIONS:
        _, rows = EngineInterface(AssetDisposal, db.session).query(
            order_column="asset.code", order_direction=direction, page=0, page_size=100)
        codes = [r.asset.code for r in rows]
        assert len(codes) > 1 and codes == sorted(codes, reverse=direction == "desc")


def test_a_relation_to_fabs_user_sorts_by_username(app, db):
    from flask_appbuilder.security.sqla.models import User

    from app.fab.datamodel import EngineInterface
    from models.org import Staff

    users = db.session.query(User).order_by(User.id).all()
    staff = db.session.query(Staff).order_by(Staff.id).limit(len(users)).all()
    assert len(users) > 2
    # Give some staff login accounts, in an order different from their usernames; roll back afterwards.
    db.session.query(Staff).update({Staff.user_id: None}, synchronize_session="fetch")
    for person, user in zip(staff, reversed(users)):
        person.user_id = user.id
    db.session.flush()
    try:
        for direction in DIRECTIONS:
            _, rows = EngineInterface(Staff, db.session).query(
                order_column="user", order_direction=direction, page=0, page_size=100)
            names = [r.user.username for r in rows if r.user is not None]
            assert len(names) == len(users)
            assert names == sorted(names, reverse=direction == "desc")
            assert all(r.user is None for r in rows[len(names):])  # staff without an account last
    finally:
        db.session.rollback()
