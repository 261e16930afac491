"""抄表录入 (views/meter_grid.py): a month of readings for all meters of a household or a place on one grid.

Every test makes its own households and meters (unique names and numbers) with three months of history
(usage 10 a month, last reading 120), so the 3 × average rule applies from a usage above 30.
"""
from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal

import pytest

from tests.conftest import flashes

MONTH = "2031-05"
HISTORY = (("2031-02", "90", "100"), ("2031-03", "100", "110"), ("2031-04", "110", "120"))
OWN = "050203"  # 水电 (shuidian's department)
OTHER = "050201"  # 食堂


def uid() -> str:
    return str(uuid.uuid4().int)[:10]


def save(db, item):
    from app.rules import write

    write.save(db.session, item)
    return item


def household(db, department=OWN, location=None, kinds=("water", "electricity"), history=True, name=None):
    """A household of ``department`` with one meter per kind, each read 90 → 100 → 110 → 120."""
    from models.org import Department
    from models.utilities import Household, HouseholdType, Meter, MeterReading, MeterType

    dept = db.session.query(Department).filter_by(code=department).one()
    code = uid()
    home = save(db, Household(name=name or f"网格测试户{code}", kind=HouseholdType.teacher_home,
                              location=location or f"网格测试楼{code}", department=dept))
    for n, kind in enumerate(kinds):
        meter = save(db, Meter(household=home, kind=MeterType[kind], meter_no=f"WG{code}-{n + 1}",
                               unit_price=Decimal("3.50" if kind == "water" else "0.60")))
        if history:
            for month, previous, current in HISTORY:
                save(db, MeterReading(meter=meter, month=month, previous=Decimal(previous), current=Decimal(current),
                                      read_on=date(int(month[:4]), int(month[5:]), 20)))
    db.session.refresh(home)
    return home


def meters(home):
    return sorted(home.meters, key=lambda m: m.meter_no)


def readings(db, *meter_list, month=MONTH):
    from models.utilities import MeterReading

    db.session.expire_all()
    return (db.session.query(MeterReading).filter(MeterReading.meter_id.in_([m.id for m in meter_list]),
                                                  MeterReading.month == month).all())


def post(client, home=None, values=None, location=None, submission=None, confirm=None, **extra):
    data = {"month": MONTH, "household": home.id if home else "", "location": location or "",
            "submission": submission or uuid.uuid4().hex}
    for meter, value in (values or {}).items():
        data[f"current-{meter.id}"] = value
    if confirm:
        data["confirm"] = "1"
        data.update(confirm)
    data.update(extra)
    return client.post("/meter-grid/save", data=data)


def row_html(html: str, meter) -> str:
    """The part of the page showing one meter's row."""
    start = html.rindex('class="list-group-item meter-row', 0, html.index(f'data-meter="{meter.id}"'))
    end = html.find('class="list-group-item meter-row', start + 1)
    return html[start:end if end > 0 else len(html)]


def typed(html: str, meter) -> str | None:
    found = re.search(rf'name="current-{meter.id}"\s+value="([^"]*)"', html)
    return found.group(1) if found else None


def staff_of(db, username):
    from flask import current_app

    from models.org import Staff

    user = current_app.appbuilder.sm.find_user(username=username)
    return db.session.query(Staff).filter_by(user_id=user.id).one()


# ----------------------------------------------------------------------------- scope and permissions
def test_only_households_within_scope_are_offered_shown_or_saved(as_user, db):
    mine = household(db)
    place = f"网格测试共用楼{uid()}"
    neighbour = household(db, location=place)
    other = household(db, department=OTHER, location=place)
    client = as_user("shuidian")

    page = client.get("/meter-grid/").text
    assert mine.name in page and neighbour.name in page and other.name not in page
    assert place in page  # the place is offered (one of its households is in scope)
    assert 'data-pinyin="wanggeceshihu' in page  # the list is searched by pinyin too (meter_grid.js)

    assert client.get(f"/meter-grid/?household={other.id}&month={MONTH}").status_code == 404
    at_place = client.get(f"/meter-grid/?location={place}&month={MONTH}").text
    assert meters(neighbour)[0].meter_no in at_place
    assert other.name not in at_place and meters(other)[0].meter_no not in at_place

    # Another department's household or meter in the POST: refused, nothing saved.
    assert post(client, other, {meters(other)[0]: "125"}).status_code == 404
    refused = post(client, mine, {meters(mine)[0]: "125", meters(other)[0]: "125"})
    assert refused.status_code == 403 and "不在您的数据范围内" in " ".join(flashes(refused.text))
    refused = post(client, location=place, values={meters(neighbour)[0]: "125", meters(other)[0]: "125"})
    assert refused.status_code == 403
    assert readings(db, *meters(mine), *meters(neighbour), *meters(other)) == []


def test_page_is_granted_as_the_role_matrix_says(as_user, db):
    home = household(db, kinds=("water",), history=False)
    assert as_user("jiaoshi").get("/meter-grid/").status_code in (302, 403)
    assert as_user("caiwu").get("/meter-grid/").status_code in (302, 403)
    assert as_user("zongwu").get(f"/meter-grid/?household={home.id}").status_code == 200
    # 校长 reads everything: the grid shows, without a way to save, and a save is refused.
    viewer = as_user("xiaozhang")
    page = viewer.get(f"/meter-grid/?household={home.id}&month={MONTH}").text
    assert meters(home)[0].meter_no in page and "保存读数" not in page and "只能查看" in page
    assert post(viewer, home, {meters(home)[0]: "5"}).status_code in (302, 403)
    assert readings(db, *meters(home)) == []


def test_menu_offers_the_page_under_utilities(as_user):
    home = as_user("shuidian").get("/").text
    assert "抄表录入" in home and "/meter-grid/" in home


# ----------------------------------------------------------------------------- the grid
def test_grid_shows_each_meter_with_its_last_reading_and_average(as_user, db):
    home = household(db)
    water, power = meters(home)
    html = as_user("shuidian").get(f"/meter-grid/?household={home.id}&month={MONTH}").text
    row = row_html(html, water)
    assert water.meter_no in row and "水表" in row and "3.50 元/吨" in row
    assert 'data-previous="120.00"' in row and 'data-average="10' in row
    assert f'aria-label="{water.meter_no} 本次读数"' in row and 'inputmode="decimal"' in row
    assert "0.60 元/度" in row_html(html, power)
    # The month defaults to this month.
    from models.utilities import this_month

    assert f'value="{this_month()}" selected' in as_user("shuidian").get(f"/meter-grid/?household={home.id}").text


def test_several_rows_are_saved_at_once_by_the_models_rules(as_user, db):
    from app.meta import clock

    home = household(db, kinds=("water", "electricity", "electricity"))
    water, power, spare = meters(home)
    client = as_user("shuidian")
    response = post(client, home, {water: "128", power: "1,5", spare: ""}, **{f"replaced-{power.id}": "1"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "已保存 2 条抄表记录" in " ".join(flashes(page))
    saved = {r.meter_id: r for r in readings(db, water, power, spare)}
    assert set(saved) == {water.id, power.id}  # the empty row is not saved
    w, p = saved[water.id], saved[power.id]
    assert (w.previous, w.current, w.usage, w.amount) == (120, 128, 8, Decimal("28.00"))
    assert (p.previous, p.current, p.replaced, p.usage, p.amount) == (120, 15, True, 15, Decimal("9.00"))
    me = staff_of(db, "shuidian")
    assert all(r.reader_id == me.id and r.read_on == clock.today() and not r.abnormal for r in (w, p))
    # The page lists what was saved, and the grid now shows those meters as read.
    assert "刚保存的 2 条抄表记录" in page and water.meter_no in page
    assert "已录入" in row_html(page, water) and typed(page, water) is None
    assert typed(page, spare) == ""


def test_a_reading_below_the_last_is_refused_on_its_row_and_nothing_is_saved(as_user, db):
    home = household(db)
    water, power = meters(home)
    client = as_user("shuidian")
    response = post(client, home, {water: "115", power: "125"})
    assert response.status_code == 200
    assert "保存未成功" in " ".join(flashes(response.text))
    row = row_html(response.text, water)
    assert "本次读数 115.00 小于上次读数 120.00" in row and "list-group-item-danger" in row
    assert "小于上次读数" not in row_html(response.text, power)
    assert typed(response.text, water) == "115" and typed(response.text, power) == "125"
    assert readings(db, water, power) == []
    # Not a number: refused on its row too.
    response = post(client, home, {water: "一百", power: "125"})
    assert "不是数字" in row_html(response.text, water) and typed(response.text, water) == "一百"
    assert readings(db, water, power) == []


def test_abnormal_usage_is_warned_before_saving_then_saved_when_confirmed(as_user, db):
    home = household(db)
    water, power = meters(home)
    client = as_user("shuidian")
    submission = uuid.uuid4().hex
    first = post(client, home, {water: "160", power: "125"}, submission=submission)
    assert first.status_code == 200
    assert "用量超过以往平均用量的 3 倍" in " ".join(flashes(first.text))
    row = row_html(first.text, water)
    assert "用量 40.00 吨，超过该表以往平均用量 10.00 吨的 3 倍，请核实" in row
    assert "确认无误，保存" in first.text and typed(first.text, water) == "160" and typed(first.text, power) == "125"
    assert readings(db, water, power) == []
    confirmed = dict(re.findall(r'name="(confirmed-\d+)" value="([^"]*)"', first.text))
    assert list(confirmed) == [f"confirmed-{water.id}"]

    # Confirming a different value than the one warned about: warned again, still nothing saved.
    again = post(client, home, {water: "170", power: "125"}, submission=submission, confirm=confirmed)
    assert again.status_code == 200 and "超过该表以往平均用量" in row_html(again.text, water)
    assert readings(db, water, power) == []

    done = post(client, home, {water: "160", power: "125"}, submission=submission, confirm=confirmed)
    assert done.status_code == 302
    assert "其中 1 条记为用量异常" in " ".join(flashes(client.get(done.headers["Location"]).text))
    saved = {r.meter_id: r for r in readings(db, water, power)}
    assert saved[water.id].abnormal and saved[water.id].usage == Decimal("40")
    assert not saved[power.id].abnormal


def test_a_second_save_of_the_same_month_is_refused(as_user, db):
    home = household(db)
    water, power = meters(home)
    client = as_user("shuidian")
    submission = uuid.uuid4().hex
    assert post(client, home, {water: "125"}, submission=submission).status_code == 302
    # The same form again (double submit, or Back and submit): nothing saved again, the saved rows shown.
    repeat = post(client, home, {water: "125"}, submission=submission)
    assert repeat.status_code == 302
    assert "已经保存过" in " ".join(flashes(client.get(repeat.headers["Location"]).text))
    # A new form with a value for the read meter (a stale page): the model's refusal on its row.
    stale = post(client, home, {water: "126", power: "130"})
    assert stale.status_code == 200
    assert "读数已录入" in row_html(stale.text, water) and typed(stale.text, water) == "126"
    assert typed(stale.text, power) == "130"
    assert [r.current for r in readings(db, water, power)] == [Decimal("125")]


def test_a_reading_saved_meanwhile_by_someone_else_refuses_the_row(as_user, db):
    from models.utilities import MeterReading

    home = household(db)
    water, power = meters(home)
    client = as_user("shuidian")
    page = client.get(f"/meter-grid/?household={home.id}&month={MONTH}").text
    assert typed(page, water) == ""
    save(db, MeterReading(meter=water, month=MONTH, current=Decimal("124"), reader=staff_of(db, "zongwu"),
                          read_on=date(2031, 5, 20)))
    response = post(client, home, {water: "125", power: "125"})
    assert response.status_code == 200
    assert "读数已录入（本次读数 124.00" in row_html(response.text, water)
    assert [r.meter_id for r in readings(db, water, power)] == [water.id]


def test_a_simultaneous_save_is_caught_by_the_unique_key_and_explained_on_its_row(as_user, db, monkeypatch):
    """Two saves at the same moment both pass validate(); the second one's insert fails on the unique key,
    nothing of it is saved, and the row says why."""
    from models.utilities import MeterReading

    home = household(db)
    water, power = meters(home)
    save(db, MeterReading(meter=water, month=MONTH, current=Decimal("124"), read_on=date(2031, 5, 20)))
    original = MeterReading.validate
    calls = {"n": 0}

    def validate_as_before_the_other_save(self):
        calls["n"] += 1
        return {} if calls["n"] <= 2 else original(self)  # the first check of both rows does not see it yet

    monkeypatch.setattr(MeterReading, "validate", validate_as_before_the_other_save)
    response = post(as_user("shuidian"), home, {water: "125", power: "125"})
    assert response.status_code == 200
    assert "读数已录入" in row_html(response.text, water)
    assert "刚被别人录入" in " ".join(flashes(response.text))
    assert [r.current for r in readings(db, water, power)] == [Decimal("124")]


def test_every_saved_reading_is_in_the_audit_log(as_user, db):
    from app.rules.audit import AuditLog

    home = household(db)
    water, power = meters(home)
    client = as_user("shuidian")
    done = post(client, home, {water: "125", power: "126"})
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).text
    assert "的读数都已录入" in page and "保存读数" not in page  # nothing left to read this month
    ids = [r.id for r in readings(db, water, power)]
    logged = db.session.query(AuditLog).filter(AuditLog.model == "MeterReading", AuditLog.record_id.in_(ids)).all()
    assert sorted(r.record_id for r in logged) == sorted(ids)
    user = staff_of(db, "shuidian")
    assert all(r.action == "新增" and r.model_label == "抄表记录" and user.name in r.user_name for r in logged)


def test_the_page_is_all_chinese(app, as_user, db):
    from tests.test_no_english import problems_on, stored_names

    home = household(db)
    water, power = meters(home)
    client = as_user("shuidian")
    data = stored_names(app)
    pages = {
        "/meter-grid/": client.get("/meter-grid/").text,
        "grid": client.get(f"/meter-grid/?household={home.id}&month={MONTH}").text,
        "refused": post(client, home, {water: "115", power: "abc"}).text,
        "warned": post(client, home, {water: "160"}).text,
    }
    done = post(client, home, {water: "125", power: "125"})
    pages["saved"] = client.get(done.headers["Location"]).text
    found = [p for url, html in pages.items() for p in problems_on(url, html, data)]
    assert not found, found
    script = client.get("/static/engine/meter_grid.js").get_data(as_text=True)
    messages = re.findall(r'"([^"\n]*[\u4e00-\u9fff][^"\n]*)"', script)
    assert messages and not [m for m in messages if re.search(r"[A-Za-z]{2,}", m)]


@pytest.mark.parametrize("bad", ["2031-13", "abc"])
def test_a_bad_month_falls_back_politely(as_user, bad):
    html = as_user("shuidian").get(f"/meter-grid/?month={bad}").text
    assert "月份格式应为" in html


def test_the_same_form_sent_twice_at_once_saves_once_and_says_so(as_user, db, monkeypatch):
    """Both halves of a double submit pass validate(); the loser's insert fails on the unique key, and as the
    readings saved are exactly its own, it answers like the winner instead of refusing."""
    from app.meta import clock
    from models.utilities import MeterReading

    home = household(db)
    water, power = meters(home)
    me = staff_of(db, "shuidian")
    for meter, value in ((water, "125"), (power, "126")):
        save(db, MeterReading(meter=meter, month=MONTH, current=Decimal(value), reader=me, read_on=clock.today()))
    original = MeterReading.validate
    calls = {"n": 0}

    def validate_as_before_the_other_save(self):
        calls["n"] += 1
        return {} if calls["n"] <= 2 else original(self)

    monkeypatch.setattr(MeterReading, "validate", validate_as_before_the_other_save)
    client = as_user("shuidian")
    response = post(client, home, {water: "125", power: "126"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "已经保存（2 条抄表记录），没有重复保存" in " ".join(flashes(page))
    assert sorted(r.current for r in readings(db, water, power)) == [Decimal("125"), Decimal("126")]
