"""盘点 through its pages: lines generated for the scope, scanning room by room (QR address, typed code, tap,
unknown code), submission and approval through the one approval mechanism, the results applied to the cards,
locks after closing, the report and its Excel file, and a count of the store."""
from __future__ import annotations

import io
import itertools
from collections import Counter
from decimal import Decimal

import openpyxl
from sqlalchemy import select

from app.meta import clock
from tests.conftest import flashes
from tests.test_approvals import record, staff_of, step
from tests.test_store import ledger_total, new_item

D = Decimal
_numbers = itertools.count(1)


def _scene(db):
    """A category of its own with five cards in two rooms: the count's scope."""
    from models.assets import Asset, AssetCategory, AssetStatus, Location
    from models.org import Department

    n = next(_numbers)
    category = AssetCategory(code=f"PD{n:03d}", name=f"盘点测试分类{n}")
    rooms = [Location(campus="本部", building=f"盘点楼{n}", room=room) for room in ("101", "102")]
    department = db.session.scalars(select(Department).order_by(Department.id)).first()
    keeper = staff_of(db, "jiaoshi")
    assets = [Asset(code=f"PDT{n:03d}-{i}", name=f"测试课桌{i}", category=category, unit="张", quantity=1,
                    unit_price=D("300"), purchased_on=clock.today(), department=department, keeper=keeper,
                    location=rooms[0] if i < 4 else rooms[1], status=AssetStatus.in_use) for i in range(5)]
    gone = Asset(code=f"PDT{n:03d}-X", name="已报废课桌", category=category, unit="张", quantity=1, unit_price=D("300"),
                 purchased_on=clock.today(), department=department, location=rooms[0], status=AssetStatus.scrapped)
    db.session.add_all([category, *rooms, *assets, gone])
    for asset in assets + [gone]:
        asset.before_save()
    db.session.commit()
    return category, rooms, assets


def start(client, db, name, **scope):
    from models.stocktake import Stocktake

    data = {"name": name, "kind": scope.pop("kind", "term_middle"), "started_on": clock.today().isoformat(),
            "handler": staff_of(db, "baoguan").id, **scope}
    response = client.post("/stocktake/add", data=data)
    assert response.status_code == 302, flashes(response.text)
    db.session.expire_all()
    return db.session.scalars(select(Stocktake).where(Stocktake.name == name)).one()


def scan(client, pk, room, code):
    return client.post(f"/stocktake-scan/{pk}/scan", data={"room": room, "code": code},
                       headers={"Accept": "application/json"})


def test_a_count_by_scanning_applies_its_results_only_when_approved(db, clients):
    from models.assets import Asset, AssetStatus, AssetTransfer
    from models.stocktake import StocktakeLine
    from models.stocktake import StocktakeResult as R
    from models.stocktake import StocktakeStatus as S

    category, (first, second), assets = _scene(db)
    keeper = clients("baoguan")
    stocktake = start(keeper, db, "期中抽查：盘点楼", category=category.id)
    pk = stocktake.id
    assert [(line.asset.code, line.book_location_id, line.expected, line.result) for line in stocktake.lines] == [
        (a.code, a.location_id, True, None) for a in assets]  # one per card, not the scrapped one
    assert stocktake.progress() == "已盘 0 / 应盘 5" and stocktake.tally() == "未盘 5"
    show = keeper.get(f"/stocktake/show/{pk}").text
    assert "扫码盘点" in show and "盘点报告" in show and "测试课桌0" in show
    rooms = keeper.get(f"/stocktake-scan/{pk}").text
    assert "0 / 4" in rooms and "0 / 1" in rooms

    label = f"https://school.example/asset/show/{assets[0].id}"  # what the label's QR code carries
    answer = scan(keeper, pk, first.id, label)
    assert answer.status_code == 200 and answer.json["message"] == f"找到：{assets[0]}"
    assert answer.json["room"] == {"found": 1, "expected": 4}
    assert scan(keeper, pk, first.id, assets[1].code).json["line"]["state"] == "正常"  # typed or USB scanner
    moved = scan(keeper, pk, first.id, assets[4].code)  # its book says room 102
    assert moved.json["line"]["state"] == "位置不符" and "账面在" in moved.json["message"]
    unknown = scan(keeper, pk, first.id, "不存在的编码-9")
    assert unknown.json["line"]["state"] == "盘盈" and "编码 不存在的编码-9" in unknown.json["message"]
    assert scan(keeper, pk, first.id, "").status_code == 400
    line3 = next(line for line in stocktake.lines if line.asset_id == assets[3].id)
    tapped = keeper.post(f"/stocktake-scan/{pk}/tap/{line3.id}", data={"room": first.id},
                         headers={"Accept": "application/json"})
    assert tapped.json["line"]["found"] is True
    undone = keeper.post(f"/stocktake-scan/{pk}/tap/{line3.id}", data={"room": first.id},
                         headers={"Accept": "application/json"})
    assert undone.json["line"]["found"] is False and undone.json["message"].startswith("已撤销")
    page = keeper.get(f"/stocktake-scan/{pk}/room/{first.id}").text
    assert "不存在的编码-9" in page and "测试课桌4" in page  # found here though booked elsewhere

    # Only those who may count may scan; a teacher may not even open the count.
    assert scan(clients("jiaoshi"), pk, first.id, assets[2].code).status_code in (403, 404)

    assert step(keeper, pk, "submit", base="/stocktake").status_code == 302
    assert record(db, pk, "Stocktake").status == S.submitted
    assert record(db, pk, "Stocktake").tally() == "正常 2，位置不符 1，盘亏 2，盘盈 1"  # what the approver reads
    late = scan(keeper, pk, first.id, assets[2].code)
    assert late.status_code == 400 and "不能再扫码" in late.json["message"]
    edit = keeper.post(f"/stocktake-line/edit/{line3.id}", data={"stocktake": pk, "asset": assets[3].id, "found": "y"},
                       follow_redirects=True)
    assert "不能再修改" in " ".join(flashes(edit.text))
    db.session.expire_all()
    assert db.session.get(Asset, assets[2].id).status == AssetStatus.in_use  # nothing applied before approval

    approved = step(clients("zongwu"), pk, "approve", base="/stocktake", decision="通过", comment="属实")
    assert approved.status_code == 302, flashes(approved.text)
    db.session.expire_all()
    stocktake = record(db, pk, "Stocktake")
    assert stocktake.status == S.closed and stocktake.ended_on == clock.today()
    results = {line.asset.code if line.asset else line.remark: line.result for line in stocktake.lines}
    assert results == {assets[0].code: R.normal, assets[1].code: R.normal, assets[2].code: R.missing,
                       assets[3].code: R.missing, assets[4].code: R.misplaced, "编码 不存在的编码-9（账外或不在您的范围内）": R.surplus}
    cards = {a.id: db.session.get(Asset, a.id) for a in assets}
    assert [cards[a.id].status for a in assets] == [AssetStatus.in_use, AssetStatus.in_use, AssetStatus.missing,
                                                    AssetStatus.missing, AssetStatus.in_use]
    assert cards[assets[0].id].last_stocktake_on == clock.today() and cards[assets[2].id].last_stocktake_on is None
    assert cards[assets[4].id].location_id == first.id
    transfer = db.session.scalars(select(AssetTransfer).where(AssetTransfer.asset_id == assets[4].id)).one()
    assert (transfer.from_location_id, transfer.to_location_id) == (second.id, first.id)
    life = clients("zongwu").get(f"/asset/show/{assets[4].id}").text
    assert "履历" in life and "盘点" in life and "调拨" in life
    closed = keeper.post(f"/stocktake/edit/{pk}", data={"name": "改名"}, follow_redirects=True)
    assert "已完成，不能再修改" in " ".join(flashes(closed.text))
    assert db.session.scalars(select(StocktakeLine).where(StocktakeLine.stocktake_id == pk)).all()

    report = keeper.get(f"/print/stocktake-report/{pk}").text
    assert "盘亏清单（2 项）" in report and "位置不符清单（1 项）" in report and "盘盈清单（待核实）（1 项）" in report
    assert staff_of(db, "jiaoshi").name in report  # 责任人 of the missing cards
    workbook = openpyxl.load_workbook(io.BytesIO(keeper.get(f"/print/stocktake-report/{pk}/export.xlsx").data))
    sheet = workbook.active
    assert [c.value for c in sheet[1]][:7] == ["编号", "名称", "使用部门", "责任人", "账面地点/数量", "实际地点/数量", "结果"]
    assert Counter(r[6] for r in sheet.iter_rows(min_row=2, values_only=True)) == {"正常": 2, "盘亏": 2, "盘盈": 1,
                                                                                  "位置不符": 1}


def test_a_scope_with_nothing_to_count_is_refused(db, clients):
    from models.assets import AssetCategory

    empty = AssetCategory(code=f"PDE{next(_numbers)}", name="空分类")
    db.session.add(empty)
    db.session.commit()
    refused = clients("baoguan").post("/stocktake/add", data={"name": "空盘点", "kind": "term_start",
                                                              "category": empty.id,
                                                              "started_on": clock.today().isoformat()})
    assert refused.status_code == 200 and "所选范围内没有需要盘点的资产" in refused.text
    assert 'value="空盘点"' in refused.text


def test_a_store_count_turns_differences_into_movements_when_approved(db, clients):
    from models.store import MovementKind, StockMovement

    keeper = clients("baoguan")
    soap = new_item(db, keeper, "测试洗手液癸", 12, "9.00", unit="瓶")
    tape = new_item(db, keeper, "测试胶带子", 5, "2.00", unit="卷")
    stocktake = start(keeper, db, "仓库季度盘点", kind="store")
    pk = stocktake.id
    lines = {line.item_id: line for line in stocktake.lines}
    assert lines[soap.id].book_quantity == D("12") and lines[tape.id].book_quantity == D("5")
    page = keeper.get(f"/stocktake-scan/{pk}").text
    assert "测试洗手液癸" in page and "账面 12 瓶" in page
    bad = keeper.post(f"/stocktake-scan/{pk}/count", data={f"counted-{lines[soap.id].id}": "十",
                                                          f"counted-{lines[tape.id].id}": "7"})
    assert bad.status_code == 200 and "请填写不小于 0 的数字" in bad.text and 'value="十"' in bad.text
    saved = keeper.post(f"/stocktake-scan/{pk}/count", data={f"counted-{lines[soap.id].id}": "10",
                                                            f"counted-{lines[tape.id].id}": "7"},
                        follow_redirects=True)
    assert "已保存 2 种物资的实盘数量" in " ".join(flashes(saved.text))
    assert step(keeper, pk, "submit", base="/stocktake").status_code == 302
    assert step(clients("zongwu"), pk, "approve", base="/stocktake", decision="通过").status_code == 302
    made = {(m.item_id, m.kind, m.quantity) for m in
            db.session.scalars(select(StockMovement).where(StockMovement.stocktake_id == pk))}
    assert made == {(soap.id, MovementKind.shortage, D("2")), (tape.id, MovementKind.gain, D("2"))}
    db.session.expire_all()
    assert db.session.get(type(soap), soap.id).on_hand == D("10") == ledger_total(db, soap.id)
    assert db.session.get(type(tape), tape.id).on_hand == D("7") == ledger_total(db, tape.id)
