"""One door (issue 12): the holes found through the REST API and the other doors, each tried again.

Every write goes through app/rules/write.py: the declared lock (as stored), the row version seen, the fields
the person's form offers, every reference within the user's data scope and qualifying rule, the reopening of
an approved request whose goods change. The generated tests for every model are in test_door_rules.py.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import update

from tests.conftest import department_budget, flashes


def audit_rows(db, model: str, record_id: int) -> int:
    from app.rules.audit import AuditLog, lifetime

    db.session.expire_all()
    return db.session.query(AuditLog).filter(*lifetime(db.session, model, record_id)).count()


def walk(value):
    """Every dict inside a JSON answer."""
    if isinstance(value, dict):
        yield value
        for inner in value.values():
            yield from walk(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from walk(inner)


# ----------------------------------------------------------------------------- read: what REST shows
def test_a_staff_members_login_is_answered_as_id_and_name_to_every_role_that_reads_staff(app, db, as_user):
    from models.org import Staff

    staff = db.session.query(Staff).filter(Staff.user_id.isnot(None)).order_by(Staff.id).first()
    readers = 0
    for username in ("caiwu", "baoguan", "zongwu", "xiaozhang", "xiaowu", "admin"):
        response = as_user(username).get(f"/api/v1/staff/{staff.id}")
        if response.status_code != 200:
            continue
        readers += 1
        assert "password" not in response.text and "pbkdf2" not in response.text and "scrypt" not in response.text
        user = response.json["result"].get("user")
        if user is not None:
            assert set(user) == {"id", "name"} and user["id"] == staff.user_id
    assert readers >= 3


def test_every_related_record_in_every_answer_is_its_id_and_name(app, db, admin):
    """For every model: the first record's GET and the list answer related records as {id, name} only."""
    problems = []
    for model, _ in app.extensions["engine"].views.items():
        resource = model.__tablename__.replace("_", "-")
        first = db.session.query(model.id).order_by(model.id).first()
        answers = [admin.get(f"/api/v1/{resource}/?q=(page_size:5)")]
        if first is not None:
            answers.append(admin.get(f"/api/v1/{resource}/{first[0]}"))
        for response in answers:
            assert response.status_code == 200, (resource, response.text[:300])
            body = response.json
            assert "password" not in response.text, resource
            records = body["result"] if isinstance(body["result"], list) else [body["result"]]
            for record in records:
                assert "row_version" in record, resource
                for name, value in record.items():
                    for inner in walk(value):
                        if set(inner) != {"id", "name"}:
                            problems.append((resource, name, sorted(inner)))
    assert not problems, problems[:10]


def test_info_offers_a_teacher_only_what_their_dropdown_offers(app, db, as_user):
    from models.assets import Asset
    from models.org import Department, Staff

    teacher = as_user("jiaoshi")
    response = teacher.get("/api/v1/repair-order/_info?q=(keys:!(add_columns))")
    assert response.status_code == 200, response.text[:300]
    fields = {f["name"]: f for f in response.json["add_columns"]}
    assert "department" not in fields and "reporter" not in fields  # a teacher's form has neither
    offered_assets = {v["id"] for v in fields["asset"]["values"]}
    with app.test_request_context():
        from flask_login import login_user

        from app.rules import scope
        from models.org import User

        login_user(db.session.query(User).filter_by(username="jiaoshi").one())
        reachable = {a for (a,) in db.session.query(Asset.id).filter(*scope.criteria(Asset))}
    assert offered_assets <= reachable
    assert fields["asset"]["count"] == len(reachable) < db.session.query(Asset).count()
    admin_fields = {f["name"]: f for f in as_user("admin").get(
        "/api/v1/repair-order/_info?q=(keys:!(add_columns))").json["add_columns"]}
    assert admin_fields["department"]["count"] == db.session.query(Department).count()
    assert admin_fields["reporter"]["count"] == db.session.query(Staff).count()


# ----------------------------------------------------------------------------- write: what REST may set
def _repair_payload(**extra):
    return {"title": "灯不亮", "description": "教室后排两盏灯不亮", "category": "电", "urgency": "一般",
            "place": "教学楼 302 教室", **extra}


def test_a_teacher_files_a_repair_by_rest_as_on_the_form_for_themselves(app, db, as_user):
    from models.repairs import RepairOrder

    teacher = as_user("jiaoshi")
    created = teacher.post("/api/v1/repair-order/", json=_repair_payload())
    assert created.status_code == 201, created.json
    order = db.session.get(RepairOrder, created.json["id"])
    assert order.reporter.user.username == "jiaoshi"  # prefilled as on the form
    assert order.department_id == order.reporter.department_id
    assert created.json["row_version"] == order.row_version


def test_a_teacher_cannot_file_a_repair_in_the_principals_name_for_another_department_or_with_materials(
        app, db, as_user):
    from models.org import Department, Staff
    from models.repairs import RepairOrder

    principal = db.session.query(Staff).join(Staff.user).filter_by(username="xiaozhang").one()
    other = db.session.query(Department).filter(Department.id != principal.department_id).first()
    before = db.session.query(RepairOrder).count()
    teacher = as_user("jiaoshi")
    materials = [{"name": "灯管", "unit": "根", "quantity": 1, "unit_price": 10}]
    for extra in ({"reporter": principal.id}, {"department": other.id}, {"materials": materials}):
        response = teacher.post("/api/v1/repair-order/", json=_repair_payload(**extra))
        assert response.status_code == 422, response.json
        (name,) = extra
        assert response.json["message"][name][0].startswith("不能填写")
    assert db.session.query(RepairOrder).count() == before


def test_a_reference_outside_the_users_scope_is_refused_on_rest_and_on_the_form(app, db, as_user):
    from models.assets import Asset
    from models.repairs import RepairOrder

    with app.test_request_context():
        from flask_login import login_user

        from app.rules import scope
        from models.org import User

        login_user(db.session.query(User).filter_by(username="jiaoshi").one())
        reachable = db.session.query(Asset.id).filter(*scope.criteria(Asset)).subquery()
    outside = db.session.query(Asset).filter(Asset.id.not_in(db.session.query(reachable.c.id))).first()
    before = db.session.query(RepairOrder).count()
    teacher = as_user("jiaoshi")
    response = teacher.post("/api/v1/repair-order/", json=_repair_payload(asset=outside.id))
    assert response.status_code == 422, response.json
    assert response.json["message"]["asset"] == ["所选的「资产卡片」不在您的数据范围内，请从下拉列表中选择"]
    page = teacher.post("/repair-order/add", data={**_repair_payload(asset=outside.id), "category": "electric",
                                                   "urgency": "normal"})
    assert page.status_code == 200 and "不在您的数据范围内" in page.text
    assert db.session.query(RepairOrder).count() == before


def test_a_purchase_cannot_be_charged_to_another_departments_budget(app, db, as_user):
    from app.rules.scope import criteria
    from models.purchasing import Budget, PurchaseRequest

    with app.test_request_context():
        from flask_login import login_user

        from models.org import User

        login_user(db.session.query(User).filter_by(username="shitang").one())
        own = {b for (b,) in db.session.query(Budget.id).filter(*criteria(Budget))}
    foreign = db.session.query(Budget).filter(Budget.id.not_in(own), Budget.year == date.today().year).first() \
        or db.session.query(Budget).filter(Budget.id.not_in(own)).first()
    before = db.session.query(PurchaseRequest).count()
    response = as_user("shitang").post("/api/v1/purchase-request/", json={
        "reason": "厨房用品", "fund_source": "财政拨款", "method": "自购", "budget": foreign.id})
    assert response.status_code == 422, response.json
    assert "不在您的数据范围内" in str(response.json["message"].get("budget")), response.json
    assert db.session.query(PurchaseRequest).count() == before


# ----------------------------------------------------------------------------- locks, on every door
def _in_state(db, model, state):
    record = db.session.query(model).order_by(model.id.desc()).first()
    db.session.execute(update(model).where(model.id == record.id).values(status=state))
    db.session.commit()
    db.session.expire_all()
    return db.session.get(model, record.id)


def test_a_reimbursed_purchase_and_a_closed_hazard_refuse_rest_and_page_edits(app, db, admin):
    from models.purchasing import PurchaseRequest, PurchaseStatus
    from models.safety import Hazard, HazardStatus

    cases = [(PurchaseRequest, PurchaseStatus.reimbursed, "purchase-request", {"reason": "改了"}, "已报销"),
             (Hazard, HazardStatus.closed, "hazard", {"description": "改了"}, "已销号")]
    for model, state, resource, change, word in cases:
        original = db.session.query(model).order_by(model.id.desc()).first().status
        record = _in_state(db, model, state)
        before = (record.row_version, audit_rows(db, model.__name__, record.id))
        field = next(iter(change))
        old = getattr(record, field)
        response = admin.put(f"/api/v1/{resource}/{record.id}", json={**change, "row_version": record.row_version})
        assert response.status_code == 422 and word in str(response.json["message"]), response.json
        page = admin.get(f"/{resource}/edit/{record.id}", follow_redirects=True)
        assert any(word in f for f in flashes(page.text)), flashes(page.text)
        assert admin.delete(f"/api/v1/{resource}/{record.id}").status_code == 422
        db.session.expire_all()
        record = db.session.get(model, record.id)
        assert getattr(record, field) == old
        assert (record.row_version, audit_rows(db, model.__name__, record.id)) == before
        db.session.execute(update(model).where(model.id == record.id).values(status=original))  # as loaded
        db.session.commit()


def test_materials_of_a_finished_repair_cannot_be_changed_by_their_own_pages(app, db, admin):
    from models.repairs import RepairMaterial, RepairOrder, RepairStatus

    material = db.session.query(RepairMaterial).join(RepairMaterial.order) \
        .filter(RepairOrder.status == RepairStatus.done).first()
    assert material is not None
    before = (material.quantity, material.row_version)
    response = admin.put(f"/api/v1/repair-material/{material.id}",
                         json={"quantity": 99, "row_version": material.row_version})
    assert response.status_code == 422 and "已完成" in str(response.json["message"]), response.json
    added = admin.post("/api/v1/repair-material/", json={"order": material.order_id, "name": "灯管", "unit": "根",
                                                          "quantity": 1, "unit_price": 10})
    assert added.status_code == 422 and "已完成" in str(added.json["message"]), added.json
    assert admin.delete(f"/api/v1/repair-material/{material.id}").status_code == 422
    db.session.expire_all()
    material = db.session.get(RepairMaterial, material.id)
    assert (material.quantity, material.row_version) == before


# ----------------------------------------------------------------------------- approved goods changed
def _approved_request(db):
    from app.rules import write
    from models.purchasing import Budget, PurchaseItem, PurchaseRequest, PurchaseStatus

    request = db.session.query(PurchaseRequest).filter_by(status=PurchaseStatus.approved).order_by(
        PurchaseRequest.id).first()
    fresh = PurchaseRequest(
        department=request.department, applicant=request.applicant, requested_on=date.today(),
        reason="一门之测：已批准的请购", fund_source=request.fund_source,
        budget=db.session.get(Budget, department_budget(db, department_id=request.department_id)),
        status=PurchaseStatus.approved,
        items=[PurchaseItem(name="A4 复印纸", unit="箱", quantity=5, unit_price=Decimal("100"))])
    write.save(db.session, fresh)
    db.session.execute(update(PurchaseRequest).where(PurchaseRequest.id == fresh.id)
                       .values(status=PurchaseStatus.approved, approval_stage=None))
    db.session.commit()
    db.session.expire_all()
    return db.session.get(PurchaseRequest, fresh.id)


def test_other_goods_at_the_same_total_send_an_approved_request_back_for_approval(app, db, admin):
    from models.purchasing import PurchaseRequest, PurchaseStatus

    request = _approved_request(db)
    line = request.items[0]
    form = {"department": request.department_id, "applicant": request.applicant_id,
            "requested_on": request.requested_on.isoformat(), "reason": request.reason,
            "fund_source": request.fund_source.name if request.fund_source else "",
            "budget": request.budget_id or "", "method": request.method.name, "seen_version": request.row_version,
            "items-0-id": line.id, "items-0-name": "打印机硒鼓", "items-0-unit": "个",
            "items-0-quantity": 5, "items-0-unit_price": "100"}
    response = admin.post(f"/purchase-request/edit/{request.id}", data=form)
    assert response.status_code == 302, flashes(response.text)
    db.session.expire_all()
    request = db.session.get(PurchaseRequest, request.id)
    assert request.total == Decimal("500.00") and request.items[0].name == "打印机硒鼓"
    assert request.status == PurchaseStatus.pending and request.approval_stage is not None


def test_a_line_changed_on_its_own_page_sends_its_approved_request_back(app, db, admin):
    from models.purchasing import PurchaseRequest, PurchaseStatus

    request = _approved_request(db)
    line = request.items[0]
    response = admin.put(f"/api/v1/purchase-item/{line.id}", json={"name": "墨盒", "row_version": line.row_version})
    assert response.status_code == 200, response.json
    db.session.expire_all()
    assert db.session.get(PurchaseRequest, request.id).status == PurchaseStatus.pending


# ----------------------------------------------------------------------------- row version on REST
def test_rest_put_requires_the_version_it_read_and_a_stale_one_gets_409(app, db, admin):
    from models.assets import Asset

    asset = db.session.query(Asset).order_by(Asset.id).first()
    name = asset.name
    missing = admin.put(f"/api/v1/asset/{asset.id}", json={"name": "无版本号"})
    assert missing.status_code == 422 and "row_version" in missing.json["message"]
    read = admin.get(f"/api/v1/asset/{asset.id}").json["result"]["row_version"]
    # A colleague saves the form first …
    page = admin.get(f"/asset/edit/{asset.id}")
    assert page.status_code == 200
    first = admin.put(f"/api/v1/asset/{asset.id}", json={"name": name + "（甲）", "row_version": read})
    assert first.status_code == 200 and first.json["row_version"] == read + 1
    # … and a client holding the older read is refused, ten times out of ten.
    for _ in range(10):
        stale = admin.put(f"/api/v1/asset/{asset.id}", json={"name": name + "（乙）", "row_version": read})
        assert stale.status_code == 409 and "已被他人修改" in stale.json["message"]
    db.session.expire_all()
    assert db.session.get(Asset, asset.id).name == name + "（甲）"
    admin.put(f"/api/v1/asset/{asset.id}", json={"name": name, "row_version": read + 1})


# ----------------------------------------------------------------------------- hand-written pages
def test_bulk_allocation_offers_and_accepts_only_the_dorm_managers_buildings(app, db, as_user):
    from app.rules.scope import criteria
    from models.dorms import Accommodation, Building
    from tests.test_dorms_utilities import building, dorm_department, student

    with app.test_request_context():
        from flask_login import login_user

        from models.org import User

        login_user(db.session.query(User).filter_by(username="sushe").one())
        own = {b for (b,) in db.session.query(Building.id).filter(*criteria(Building))}
    assert own
    from models.org import Department

    elsewhere = db.session.query(Department).filter(Department.id != dorm_department(db).id).first()
    foreign = building(db, gender="female", rooms=1, capacity=2, department=elsewhere)
    with app.test_request_context():
        login_user(db.session.query(User).filter_by(username="sushe").one())
        assert db.session.query(Building.id).filter(Building.id == foreign.id, *criteria(Building)).first() is None
    manager = as_user("sushe")
    page = manager.get("/dorm-allocation/")
    assert page.status_code == 200 and foreign.name not in page.text
    newcomer = student(db, gender=foreign.gender.name)
    before = db.session.query(Accommodation).count()
    refused = manager.post("/dorm-allocation/allocate", data={"building": foreign.id, "student": [newcomer.id]})
    assert refused.status_code == 200 and "请选择宿舍楼" in refused.text
    assert db.session.query(Accommodation).count() == before
    # Her own building takes the student, through the one write path (an audit row for the new stay).
    hall = building(db, gender=newcomer.gender.name, rooms=1, capacity=2, department=dorm_department(db))
    placed = manager.post("/dorm-allocation/allocate", data={"building": hall.id, "student": [newcomer.id]})
    assert "已为 1 名学生分配床位" in placed.text
    db.session.expire_all()
    (stay,) = db.session.query(Accommodation).filter_by(student_id=newcomer.id).all()
    assert audit_rows(db, "Accommodation", stay.id) == 1
