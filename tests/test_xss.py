"""Escaping: text a person typed is shown as text everywhere — lists, detail and edit pages, dropdowns,
search filters, flash messages, workflow history, the audit log, the home page, the JSON it is served in."""
from __future__ import annotations

import pytest
from flask import url_for

from app.meta import clock
from tests.conftest import DEMO_PASSWORD, flashes, login

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
RAW = ("<script>alert(1)", "<img src=x onerror")  # what must never reach a page unescaped


def assert_safe(response, where: str) -> None:
    assert response.status_code == 200, f"{where}: {response.status_code}"
    body = response.get_data(as_text=True)
    if response.mimetype == "application/json":
        return  # JSON is data (nosniff, never rendered as HTML); checked for content separately
    assert response.mimetype == "text/html", where
    for raw in RAW:
        assert raw not in body, f"{where} shows {raw!r} unescaped"


@pytest.fixture(scope="module")
def scripted(app):
    """Records of several models whose text fields hold script payloads, entered through the pages as admin."""
    from app.extensions import db
    from models.assets import Asset, AssetCategory
    from models.org import Department, Staff
    from models.purchasing import Supplier
    from models.repairs import RepairOrder

    client = app.test_client()
    assert login(client, "admin", DEMO_PASSWORD).status_code == 200

    def add(path: str, data: dict) -> None:
        response = client.post(path, data=data)
        assert response.status_code == 302, (path, flashes(response.text))

    with app.app_context():
        add("/department/add", {"name": SCRIPT, "code": "XSS-D1", "kind": "logistics", "phone": IMG})
        dept = db.session.query(Department).filter_by(code="XSS-D1").one()
        add("/staff/add", {"staff_no": "XSS-S1", "name": IMG, "gender": "male", "department": dept.id,
                           "employment": "permanent", "position": SCRIPT})
        staff = db.session.query(Staff).filter_by(staff_no="XSS-S1").one()
        add("/supplier/add", {"name": SCRIPT + "五金", "contact": IMG, "address": SCRIPT})
        supplier = db.session.query(Supplier).filter_by(name=SCRIPT + "五金").one()
        category = db.session.query(AssetCategory).order_by(AssetCategory.id).first()
        add("/asset/add", {"code": "XSS-A1", "name": SCRIPT, "category": category.id, "brand": IMG, "unit": "台",
                           "quantity": "1", "unit_price": "100", "purchased_on": clock.today().isoformat(),
                           "department": dept.id, "keeper": staff.id, "status": "in_use", "remark": IMG + SCRIPT})
        asset = db.session.query(Asset).filter_by(code="XSS-A1").one()
        add("/repair-order/add", {"title": SCRIPT, "category": "other", "urgency": "normal", "place": IMG,
                                  "description": SCRIPT + IMG, "reporter": staff.id, "department": dept.id,
                                  "asset": asset.id, "reported_at": clock.now().strftime("%Y-%m-%d %H:%M:%S")})
        order = db.session.query(RepairOrder).filter_by(title=SCRIPT).one()
        ids = {"department": dept.id, "staff": staff.id, "supplier": supplier.id, "asset": asset.id,
               "repair-order": order.id}
        # A change, so the audit history has old → new values carrying the payload.
        response = client.post(f"/supplier/edit/{supplier.id}", data={
            "name": SCRIPT + "五金", "contact": SCRIPT, "address": IMG, "seen_version": str(supplier.row_version)})
        assert response.status_code == 302, flashes(response.text)
        db.session.remove()
    yield ids
    with app.app_context():  # tests leave no records behind
        for model in (RepairOrder, Asset, Staff, Department, Supplier):
            key = {RepairOrder: "repair-order", Asset: "asset", Staff: "staff", Department: "department",
                   Supplier: "supplier"}[model]
            db.session.delete(db.session.get(model, ids[key]))
            db.session.commit()


@pytest.fixture
def admin_client(app, scripted):
    client = app.test_client()
    assert login(client, "admin", DEMO_PASSWORD).status_code == 200
    return client


def test_the_payloads_were_stored_as_typed(scripted, admin_client):
    data = admin_client.get(f"/api/v1/asset/{scripted['asset']}").json["result"]
    assert data["name"] == SCRIPT and data["remark"] == IMG + SCRIPT
    assert admin_client.get(f"/api/v1/department/{scripted['department']}").json["result"]["name"] == SCRIPT


@pytest.mark.parametrize("model", ["department", "staff", "supplier", "asset", "repair-order"])
def test_list_detail_and_edit_pages_escape(scripted, admin_client, model):
    pk = scripted[model]
    for path in (f"/{model}/list/", f"/{model}/show/{pk}", f"/{model}/edit/{pk}"):
        response = admin_client.get(path)
        assert_safe(response, path)
        if "/list/" not in path:  # (a list's first page may not reach the record)
            assert "&lt;script&gt;" in response.text or "&lt;img src=x onerror" in response.text, path


def test_a_relation_field_shows_the_chosen_record_as_text(scripted, admin_client):
    html = admin_client.get(f"/asset/edit/{scripted['asset']}").text
    assert (f'<option value="{scripted["department"]}" selected>&lt;script&gt;alert(1)&lt;/script&gt;</option>'
            in html)
    assert f'<option value="{scripted["staff"]}" selected>&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</option>' in html


def test_markup_built_by_the_engine_escapes_its_parts(app):
    from app.features.audit_views import changes_html
    from app.features.uploads import thumbnail
    from app.meta.formatting import overdue_badge

    assert "<script>" not in overdue_badge(SCRIPT)
    assert "<script>" not in changes_html('[{"label": "%s", "old": "%s", "new": "x"}]' % ("a", "<script>b"))
    with app.test_request_context():
        shown = thumbnail("2026/11/" + "a" * 32 + ".png|" + IMG + ".png")
        assert "<img src=x" not in shown and "&lt;img src=x onerror" in shown
        odd = thumbnail("../../etc/passwd|" + SCRIPT)  # not a stored path: its name as plain text, escaped by Jinja
        assert odd == SCRIPT and not hasattr(odd, "__html__")


def test_pages_of_records_that_refer_to_them_escape(scripted, admin_client):
    dept, staff = scripted["department"], scripted["staff"]
    paths = [
        f"/asset/show/{scripted['asset']}",  # its department, keeper
        f"/repair-order/show/{scripted['repair-order']}",  # its reporter, department, asset
        f"/staff/show/{staff}",  # its department
        f"/asset/list/?_flt_0_department={dept}",  # a relation filter renders the chosen record
        f"/repair-order/list/?_flt_0_reporter={staff}",
        f"/staff/list/?_flt_0_department={dept}",
        "/asset/list/?_flt_2_name=script",  # a text search
        "/supplier/list/?_flt_2_name=%3Cscript",
        "/",
    ]
    for path in paths:
        response = admin_client.get(path)
        assert_safe(response, path)
        if path != "/":
            assert "&lt;script&gt;" in response.text or "&lt;img src=x onerror" in response.text, path


def test_every_list_page_and_report_escapes(app, scripted, admin_client):
    engine = app.extensions["engine"]
    with app.test_request_context():
        paths = [url_for(f"{view.endpoint}.list") for view in engine.views.values()]
        paths += [url_for(f"{page.endpoint}.{page.default_view}") for page in engine.pages]
    for path in paths:
        assert_safe(admin_client.get(path), path)


def test_dropdown_lookups_and_api_serve_json(scripted, admin_client):
    paths = [
        "/asset/lookup/department?q=script",
        f"/asset/lookup/department?id={scripted['department']}",
        "/repair-order/lookup/reporter?q=onerror",
        "/repair-order/lookup/asset?q=script",
        f"/api/v1/asset/{scripted['asset']}",
        f"/api/v1/repair-order/{scripted['repair-order']}",
        f"/api/v1/supplier/{scripted['supplier']}",
        "/api/v1/staff/?q=(filters:!((col:staff_no,opr:eq,value:XSS-S1)))",
    ]
    for path in paths:
        response = admin_client.get(path)
        assert_safe(response, path)
        assert response.mimetype == "application/json", path
    texts = [r["text"] for r in admin_client.get("/asset/lookup/department?q=script").json["results"]]
    assert SCRIPT in texts  # the browser's select shows it as text (select2 escapes; engine.js uses new Option)


def test_refusals_kept_input_history_and_audit_pages_escape(app, scripted, admin_client, as_user):
    # A refused delete names the record in a flash message.
    refused = admin_client.post(f"/department/delete/{scripted['department']}", follow_redirects=True)
    assert "不能删除" in " ".join(flashes(refused.text))
    assert_safe(refused, "delete refusal")
    # A refused save keeps what was typed, in the value attribute.
    again = admin_client.post("/supplier/add", data={"name": SCRIPT + "五金", "contact": IMG})
    assert_safe(again, "kept input")
    assert "&lt;script&gt;" in again.text
    # The record's own history and the audit log.
    assert_safe(admin_client.get(f"/supplier/show/{scripted['supplier']}"), "supplier history")
    assert_safe(admin_client.get("/audit-log/list/"), "audit log")
    assert_safe(admin_client.get("/audit-log/list/?_flt_2_record_name=script"), "audit search")
    # A workflow step page (its title names the record) and a comment in the workflow history.
    order = scripted["repair-order"]
    chief = as_user("zongwu")
    assert_safe(chief.get(f"/repair-order/step/reject/{order}"), "step page")
    rejected = chief.post(f"/repair-order/step/reject/{order}", data={"comment": SCRIPT}, follow_redirects=True)
    assert_safe(rejected, "after the step")
    shown = chief.get(f"/repair-order/show/{order}")
    assert_safe(shown, "workflow history")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown.text
