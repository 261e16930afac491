"""Generated from the role matrix: every role × every model × every action, by page and by REST;
and for scoped roles, a record of another department is unreachable by every path and stays unchanged."""
from __future__ import annotations

import pytest

from tests.conftest import DEMO_ACCOUNTS, DEMO_PASSWORD, login

MISSING = 999999999


def allowed(app, role: str, model: type, action: str) -> bool:
    if role == app.config["AUTH_ROLE_ADMIN"]:
        return True
    return action in app.extensions["engine"].roles[role].actions_for(model.__name__)


def denied(response) -> bool:
    """FAB answers a refused page with a redirect (and a flash); the API with 401/403."""
    return response.status_code in (302, 401, 403)


@pytest.mark.parametrize("username,role", sorted(DEMO_ACCOUNTS.items()))
def test_every_model_and_action_is_allowed_or_refused_as_declared(app, username, role):
    client = app.test_client()
    assert "您好" in login(client, username, DEMO_PASSWORD).text
    problems = []
    for model, view in app.extensions["engine"].views.items():
        base, api = view.route_base, f"/api/v1/{model.__tablename__.replace('_', '-')}"
        checks = {
            "read": [client.get(f"{base}/list/"), client.get(f"{api}/")],
            "add": [client.get(f"{base}/add"), client.post(f"{api}/", json={})],
            "edit": [client.get(f"{base}/edit/{MISSING}"), client.put(f"{api}/{MISSING}", json={})],
            "delete": [client.post(f"{base}/delete/{MISSING}"), client.delete(f"{api}/{MISSING}")],
        }
        for action, responses in checks.items():
            expected = allowed(app, role, model, action)
            for response in responses:
                if denied(response) == expected:  # allowed must not be denied; refused must be denied
                    problems.append((model.__name__, action, response.request.method,
                                     response.request.path, response.status_code, expected))
    assert not problems, problems


def _record_outside(db, model, department_code: str):
    from models.org import Department

    dept = db.session.query(Department).filter_by(code=department_code).one()
    return db.session.query(model).filter(model.department_id != dept.id).first()


@pytest.mark.parametrize("username,own_department", [("shitang", "050201"), ("sushe", "050202"),
                                                      ("shuidian", "050203")])
def test_another_departments_asset_is_unreachable_by_every_path(app, db, username, own_department):
    from models.assets import Asset

    other = _record_outside(db, Asset, own_department)
    before = (other.name, other.status, other.row_version)
    client = app.test_client()
    login(client, username, DEMO_PASSWORD)
    assert client.get(f"/asset/show/{other.id}").status_code == 404
    assert client.get(f"/api/v1/asset/{other.id}").status_code == 404
    assert client.put(f"/api/v1/asset/{other.id}", json={"name": "被改了"}).status_code in (403, 404)
    assert client.delete(f"/api/v1/asset/{other.id}").status_code in (403, 404)
    assert client.post(f"/asset/edit/{other.id}", data={"name": "被改了"}).status_code in (302, 403, 404)
    assert client.post(f"/asset/delete/{other.id}").status_code in (302, 403, 404)
    assert client.post("/asset/action_post", data={"action": "anything", "rowid": [other.id]}).status_code == 404
    listing = client.get("/asset/list/?psize_AssetView=100").text
    assert other.code not in listing
    api_codes = [row["code"] for row in client.get("/api/v1/asset/?q=(page_size:100)").get_json()["result"]]
    assert other.code not in api_codes
    # The 相关资产 dropdown of a repair report neither offers it nor accepts it.
    found = client.get(f"/repair-order/lookup/asset?q={other.code}").get_json()["results"]
    assert found == []
    assert client.get(f"/repair-order/lookup/asset?id={other.id}").get_json()["results"] == []
    refused = client.post("/repair-order/add", data={"title": "灯不亮", "category": "electric",
                                                     "urgency": "normal", "place": "食堂", "asset": other.id})
    assert refused.status_code == 200 and "不在您的数据范围内" in refused.text
    db.session.expire_all()
    fresh = db.session.get(Asset, other.id)
    assert (fresh.name, fresh.status, fresh.row_version) == before


def test_scoped_users_see_their_own_departments_records(app, db):
    from models.assets import Asset
    from models.org import Department

    canteen = db.session.query(Department).filter_by(code="050201").one()
    mine = db.session.query(Asset).filter_by(department_id=canteen.id).first()
    client = app.test_client()
    login(client, "shitang", DEMO_PASSWORD)
    assert client.get(f"/asset/show/{mine.id}").status_code == 200
    codes = [row["code"] for row in client.get("/api/v1/asset/?q=(page_size:100)").get_json()["result"]]
    assert codes and all(db.session.query(Asset).filter_by(code=c).one().department_id == canteen.id for c in codes)


def test_own_scope_sees_only_own_records(app, db):
    from models.assets import AssetLoan
    from models.org import Staff

    user = app.appbuilder.sm.find_user(username="jiaoshi")
    me = db.session.query(Staff).filter_by(user_id=user.id).one()
    client = app.test_client()
    login(client, "jiaoshi", DEMO_PASSWORD)
    rows = client.get("/api/v1/asset-loan/?q=(page_size:100)").get_json()["result"]
    assert rows
    ids = [row["id"] for row in rows]
    assert all(db.session.get(AssetLoan, i).borrower_id == me.id for i in ids)
    someone_else = db.session.query(AssetLoan).filter(AssetLoan.borrower_id != me.id).first()
    assert client.get(f"/asset-loan/show/{someone_else.id}").status_code == 404


def test_a_user_with_several_roles_gets_the_union(app, db):
    from models.assets import Asset, AssetLoan
    from models.org import Staff

    sm = app.appbuilder.sm
    user = sm.find_user(username="jiaoshi")
    extra = sm.find_role("食堂管理员")
    user.roles.append(extra)
    db.session.commit()
    try:
        client = app.test_client()
        login(client, "jiaoshi", DEMO_PASSWORD)
        me = db.session.query(Staff).filter_by(user_id=user.id).one()
        # 食堂管理员 adds 本部门 (the user's own department) to 教职工's 仅本人.
        department_asset = db.session.query(Asset).filter(Asset.department_id == me.department_id,
                                                          Asset.keeper_id != me.id).first()
        assert client.get(f"/asset/show/{department_asset.id}").status_code == 200
        elsewhere = db.session.query(Asset).filter(Asset.department_id != me.department_id).first()
        assert client.get(f"/asset/show/{elsewhere.id}").status_code == 404
        my_loan = db.session.query(AssetLoan).filter_by(borrower_id=me.id).first()
        assert client.get(f"/asset-loan/show/{my_loan.id}").status_code == 200  # from 教职工
    finally:
        user.roles.remove(extra)
        db.session.commit()
