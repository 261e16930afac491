"""Every generated page answers 200 for the administrator and shows the model's own Chinese labels."""
from __future__ import annotations

import pytest

from app.meta import introspect
from app.rules import locks
from tests.conftest import one_school_columns


def _views(app):
    return list(app.extensions["engine"].views.items())


def test_every_model_has_a_view_and_an_api(app):
    engine = app.extensions["engine"]
    names = {m.__name__ for m in engine.models}
    assert {"Department", "Staff", "Assessment", "AssetCategory", "Location", "Asset", "AssetLoan",
            "AssetTransfer", "AssetDamage", "AssetDisposal", "Stocktake", "StocktakeLine"} <= names
    rules = {r.rule for r in app.url_map.iter_rules()}
    for model, view in engine.views.items():
        assert f"{view.route_base}/list/" in rules
        assert f"/api/v1/{model.__tablename__.replace('_', '-')}/" in rules


def test_every_generated_page_answers_with_its_chinese_labels(app, admin, db):
    for model, view in _views(app):
        listing = admin.get(f"{view.route_base}/list/")
        assert listing.status_code == 200, model
        assert model.__admin__.label in listing.text
        record = db.session.query(model).first()
        for name in view.list_columns if record is not None else ():  # an empty list shows no header
            assert introspect.label(model, name) in listing.text, (model, name)
        add = admin.get(f"{view.route_base}/add")
        assert add.status_code == 200, model
        for name in one_school_columns(model, view.add_columns):
            assert introspect.label(model, name) in add.text, (model, name)
        if record is None:
            continue
        show = admin.get(f"{view.route_base}/show/{record.id}")
        assert show.status_code == 200, model
        for name in one_school_columns(model, view.show_columns):
            assert introspect.label(model, name) in show.text, (model, name)
        edit = admin.get(f"{view.route_base}/edit/{record.id}")
        if locks.refusal(record):  # e.g. a decided request: the page explains and goes back
            assert edit.status_code == 302, model
            continue
        assert edit.status_code == 200, model
        assert "seen_version" in edit.text  # the stale-save guard travels with the form


def test_labels_come_from_the_model_columns(app):
    from models.assets import Asset

    assert Asset.__table__.c.code.info["label"] == "资产编号"
    view = app.extensions["engine"].views[Asset]
    assert view.label_columns["code"] == "资产编号"
    assert view.label_columns["category"] == "分类"


def test_missing_records_and_pages_are_chinese_404(admin):
    for url in ("/asset/show/99999999", "/asset/edit/99999999", "/no/such/page"):
        response = admin.get(url)
        assert response.status_code == 404
        assert "找不到" in response.text and "返回首页" in response.text


def test_show_page_formats_money_dates_and_enums(admin, db):
    from models.assets import Asset

    asset = db.session.query(Asset).filter(Asset.unit_price >= 1000).first()
    html = admin.get(f"/asset/show/{asset.id}").text
    assert f"¥{asset.unit_price:,.2f}" in html
    assert asset.purchased_on.isoformat() in html
    assert asset.status.value in html


@pytest.mark.parametrize("path", ["/api/v1/asset/", "/api/v1/staff/", "/api/v1/asset-loan/"])
def test_rest_lists_answer_for_admin(admin, path):
    response = admin.get(path)
    assert response.status_code == 200
    assert response.get_json()["count"] > 0
