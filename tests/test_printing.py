"""Printable forms (views/printing.py): 报修单, 采购申请单 with its approval signatures, 验收单, asset labels.

Each page prints what the record holds, in Chinese, without the menu chrome and without anything from
another host; it opens with the model's read permission and only for records in the user's data scope.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from tests.test_no_english import problems_on

D = Decimal
PREFIX = "PRT-TEST-"


# ----------------------------------------------------------------------------- 人民币大写
@pytest.mark.parametrize("amount,words", [
    ("0", "零元整"),
    ("0.5", "伍角整"),
    ("0.05", "伍分"),
    ("0.55", "伍角伍分"),
    ("10", "壹拾元整"),
    ("1001.01", "壹仟零壹元零壹分"),
    ("100000", "壹拾万元整"),
    ("1234.5", "壹仟贰佰叁拾肆元伍角整"),
    ("1409.02", "壹仟肆佰零玖元零贰分"),
    ("107000.53", "壹拾万柒仟元零伍角叁分"),
    ("200500", "贰拾万零伍佰元整"),
    ("100010000", "壹亿零壹万元整"),
    ("1000100000", "壹拾亿零壹拾万元整"),
    ("3200.00", "叁仟贰佰元整"),
    ("12.345", "壹拾贰元叁角伍分"),  # rounded half up to the cent
    ("-12.3", "负壹拾贰元叁角整"),
])
def test_capital_amount(amount, words):
    from app.meta.rmb import capital_amount

    assert capital_amount(D(amount)) == words
    assert capital_amount(amount) == words


def test_capital_amount_refuses_what_is_not_an_amount():
    from app.meta.rmb import capital_amount

    with pytest.raises(ValueError):
        capital_amount("十块")
    assert capital_amount(None) == "零元整"


# ----------------------------------------------------------------------------- fixtures
def staff_of(db, username):
    from flask_appbuilder.security.sqla.models import User

    from models.org import Staff

    return db.session.query(Staff).join(User, Staff.user_id == User.id).filter(User.username == username).one()


@pytest.fixture
def records(app, db):
    """One repair order, purchase request (with an acceptance) and two assets of our own, removed after."""
    from models.assets import Asset, AssetCategory, Location
    from models.purchasing import Acceptance, PurchaseItem, PurchaseRequest, PurchaseStatus, Supplier
    from models.repairs import RepairMaterial, RepairOrder, RepairStatus

    s = db.session
    teacher, worker, keeper = staff_of(db, "jiaoshi"), staff_of(db, "weixiu"), staff_of(db, "baoguan")
    canteen = staff_of(db, "shitang")
    supplier = Supplier(name="打印测试供应商", contact="钱经理", phone="0571-88880001")
    order = RepairOrder(code="BX-PRT-0001", title="教室门锁损坏", description="302 教室门锁无法锁上，钥匙拧不动",
                        place="教学楼 302 教室", reporter=teacher, department=teacher.department,
                        reported_at=datetime(2026, 3, 2, 9, 30), worker=worker, dispatcher=keeper,
                        dispatched_at=datetime(2026, 3, 2, 10, 0), finished_at=datetime(2026, 3, 2, 15, 0),
                        work_record="更换锁芯一个", checker=teacher, checked_at=datetime(2026, 3, 3, 8, 0),
                        status=RepairStatus.done, rating=5, feedback="修得及时",
                        materials=[RepairMaterial(name="锁芯", unit="个", quantity=D("1"), unit_price=D("45.5")),
                                   RepairMaterial(name="螺丝", unit="颗", quantity=D("4"), unit_price=D("0.25"))])
    order.before_save()
    request = PurchaseRequest(code="CG-PRT-0001", department=teacher.department, applicant=teacher,
                              requested_on=date(2026, 3, 1), reason="语文组添置办公设备", supplier=supplier,
                              status=PurchaseStatus.to_accept,
                              items=[PurchaseItem(name="激光打印机", spec="黑白 A4", unit="台", quantity=1,
                                                  unit_price=D("1200"), category=s.query(AssetCategory).first()),
                                     PurchaseItem(name="硒鼓", spec="原装", unit="个", quantity=2,
                                                  unit_price=D("17.25"))])
    request.before_save()
    acceptance = Acceptance(request=request, inspector=keeper, accepted_on=date(2026, 3, 9), note="外观完好，试机正常")
    category = s.query(AssetCategory).first()
    room = s.query(Location).first()
    mine = Asset(code=f"{PREFIX}0001", name="食堂冰柜", spec="双门 500 升", unit="台", quantity=1,
                 unit_price=D("3000"), purchased_on=date(2025, 9, 1), department=canteen.department,
                 category=category, location=room, keeper=canteen)
    other = Asset(code=f"{PREFIX}0002", name="教室投影仪", spec="高亮 4000 流明", unit="台", quantity=1,
                  unit_price=D("2800"), purchased_on=date(2025, 8, 20), department=teacher.department,
                  category=category, location=room)
    for asset in (mine, other):
        asset.before_save()
    rows = [supplier, order, request, acceptance, mine, other]
    s.add_all(rows)
    s.commit()
    ids = {"order": order.id, "request": request.id, "acceptance": acceptance.id, "canteen_asset": mine.id,
           "teacher_asset": other.id, "teacher": teacher.name, "worker": worker.name, "keeper": keeper.name,
           "canteen_department": str(canteen.department), "room": str(room)}
    s.remove()
    yield ids
    from app.rules.history import WorkflowLog

    s = db.session
    s.query(WorkflowLog).filter(WorkflowLog.model == "PurchaseRequest", WorkflowLog.record_id == ids["request"]).delete()
    for model, key in ((Acceptance, "acceptance"), (RepairOrder, "order"), (PurchaseRequest, "request"),
                       (Asset, "canteen_asset"), (Asset, "teacher_asset")):
        s.delete(s.get(model, ids[key]))
        s.commit()
    s.query(Supplier).filter(Supplier.name == "打印测试供应商").delete()
    s.commit()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def assert_printable(url: str, html: str) -> None:
    """A4 sheet without FAB's navbar, a 打印 button run by the external script, Chinese only, nothing from
    another host."""
    assert "navbar" not in html and "appbuilder" not in html
    assert re.search(r'<button[^>]*data-print[^>]*>打印</button>', html)
    assert "/static/engine/print.js" in html and "/static/engine/print.css" in html
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html)  # no inline handlers (CSP)
    assert "@page" not in html and "<style" not in html  # the A4 rules live in the stylesheet
    assert not problems_on(url, html), problems_on(url, html)
    for found in re.findall(r"(?:https?:)?//[^\s\"'<>)]+", html):
        assert urlsplit(found).hostname in ("localhost",), found
    for ref in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert ref.startswith("/") or ref.startswith("#"), ref


# ----------------------------------------------------------------------------- 报修单
def test_repair_order_sheet_has_every_field_materials_totals_and_signatures(as_user, records):
    url = f"/print/repair-order/{records['order']}"
    response = as_user("jiaoshi").get(url)
    assert response.status_code == 200
    html = response.text
    assert_printable(url, html)
    text = text_of(html)
    for value in ("报修单", "BX-PRT-0001", "教室门锁损坏", "302 教室门锁无法锁上", "教学楼 302 教室", "更换锁芯一个",
                  "修得及时", "2026-03-02 09:30", "2026-03-02 15:00", "已完成", "锁芯", "螺丝"):
        assert value in text, value
    for label in ("故障类别", "紧急程度", "报修部门", "派工人", "承诺完成时间", "维修记录", "损坏原因", "评分"):
        assert label in text, label
    assert "¥45.50" in text and "¥1.00" in text
    assert "耗材合计（小写） ¥46.50" in text
    assert "人民币肆拾陆元伍角整" in text
    boxes = dict(re.findall(r'signature-role">(\S+)（签字）</div>\s*<div class="signature-line">([^<]*)</div>', html))
    assert boxes == {"报修人": records["teacher"], "维修人": records["worker"], "验收人": records["teacher"]}
    assert "日期：2026-03-03" in text


def test_repair_order_detail_page_links_its_print_sheet(as_user, records):
    html = as_user("jiaoshi").get(f"/repair-order/show/{records['order']}").text
    assert f'href="/print/repair-order/{records["order"]}"' in html and "打印报修单" in html


def test_repair_order_of_someone_else_is_not_found(as_user, records):
    # 维修工 sees only orders they report or repair: this one they repaired; 宿管员's scope is their department.
    assert as_user("weixiu").get(f"/print/repair-order/{records['order']}").status_code == 200
    assert as_user("sushe").get(f"/print/repair-order/{records['order']}").status_code == 404
    assert as_user("jiaoshi").get("/print/repair-order/999999999").status_code == 404


# ----------------------------------------------------------------------------- 采购申请单
def signature_rows(html: str) -> list[list[str]]:
    table = re.search(r'<table class="approvals">.*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    return [[text_of(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)][:5] for r in rows]


def test_purchase_request_sheet_has_lines_totals_in_figures_and_words(as_user, records):
    url = f"/print/purchase-request/{records['request']}"
    response = as_user("jiaoshi").get(url)
    assert response.status_code == 200
    html = response.text
    assert_printable(url, html)
    text = text_of(html)
    for value in ("采购申请单", "CG-PRT-0001", "语文组添置办公设备", "打印测试供应商", records["teacher"], "2026-03-01",
                  "激光打印机", "黑白 A4", "硒鼓", "¥1,200.00", "¥17.25", "¥34.50"):
        assert value in text, value
    for header in ("品名", "规格型号", "单位", "数量", "单价", "金额"):
        assert f"<th>{header}</th>" in html or f'">{header}</th>' in html, header
    assert "合计（小写） ¥1,234.50" in text
    assert "人民币壹仟贰佰叁拾肆元伍角整" in text
    # No approval yet: the 申请人 row (the applicant's name and date) and an empty 部门负责人 row.
    assert signature_rows(html) == [["申请人", records["teacher"], "", "", "2026-03-01"], ["部门负责人", "", "", "", ""]]


def test_approval_steps_logged_become_signature_rows_in_order(as_user, db, records):
    from app.rules.history import WorkflowLog

    def log(label, who, decision, comment, when):
        db.session.add(WorkflowLog(model="PurchaseRequest", record_id=records["request"], step="approve",
                                   step_label=label, decision=decision, comment=comment, actor_name=who,
                                   from_state="pending", to_state="pending", created_at=when))

    log("后勤主任审批", "王建国", "通过", "同意购置", datetime(2026, 3, 3, 9, 0))
    log("校长审批", "李明华", "退回修改", "请补充询价单", datetime(2026, 3, 4, 10, 0))
    log("校长审批", "李明华", "通过", None, datetime(2026, 3, 6, 11, 0))
    db.session.commit()
    html = as_user("xiaozhang").get(f"/print/purchase-request/{records['request']}").text
    assert signature_rows(html) == [
        ["申请人", records["teacher"], "", "", "2026-03-01"],
        ["部门负责人", "", "", "", ""],
        ["后勤主任审批", "王建国", "通过", "同意购置", "2026-03-03"],
        ["校长审批", "李明华", "退回修改", "请补充询价单", "2026-03-04"],
        ["校长审批", "李明华", "通过", "", "2026-03-06"],
    ]
    # A logged step that stands for the department head (or the submission) replaces its empty row.
    log("部门负责人审核", "林主任", "通过", "", datetime(2026, 3, 2, 8, 0))
    log("提交", records["teacher"], None, None, datetime(2026, 3, 1, 16, 0))
    db.session.commit()
    rows = signature_rows(as_user("xiaozhang").get(f"/print/purchase-request/{records['request']}").text)
    assert [r[0] for r in rows] == ["提交", "部门负责人审核", "后勤主任审批", "校长审批", "校长审批"]


def test_purchase_request_of_another_teacher_is_not_found(as_user, records):
    # 绿化环卫 may read purchase requests, of their own department only.
    assert as_user("lvhua").get(f"/print/purchase-request/{records['request']}").status_code == 404
    assert as_user("caiwu").get(f"/print/purchase-request/{records['request']}").status_code == 200


# ----------------------------------------------------------------------------- 验收单
def test_acceptance_sheet_has_the_request_lines_conclusion_and_signatures(as_user, records):
    url = f"/print/acceptance/{records['acceptance']}"
    response = as_user("baoguan").get(url)
    assert response.status_code == 200
    html = response.text
    assert_printable(url, html)
    text = text_of(html)
    for value in ("验收单", "CG-PRT-0001", "激光打印机", "硒鼓", "合格", "外观完好，试机正常", "2026-03-09",
                  "人民币壹仟贰佰叁拾肆元伍角整"):
        assert value in text, value
    boxes = dict(re.findall(r'signature-role">(\S+)（签字）</div>\s*<div class="signature-line">([^<]*)</div>', html))
    assert boxes == {"验收人": records["keeper"], "保管员": "", "经办人": records["teacher"]}
    show = as_user("baoguan").get(f"/acceptance/show/{records['acceptance']}").text
    assert f'href="/print/acceptance/{records["acceptance"]}"' in show


def test_acceptance_sheet_needs_the_read_permission(as_user, records):
    # 教职工 has no 验收 grant at all: refused, as its list is.
    response = as_user("jiaoshi").get(f"/print/acceptance/{records['acceptance']}")
    assert response.status_code in (302, 403)
    assert as_user("jiaoshi").get("/acceptance/list/").status_code in (302, 403)


# ----------------------------------------------------------------------------- 资产标签
def test_asset_url_uses_the_public_address_when_configured(app):
    from views.printing import asset_url

    with app.test_request_context("/print/asset-labels/", base_url="http://192.168.1.20:5000"):
        assert asset_url(42) == "http://192.168.1.20:5000/asset/show/42"
    app.config["PUBLIC_BASE_URL"] = "https://houqin.example.edu.cn/"
    try:
        with app.test_request_context("/print/asset-labels/", base_url="http://192.168.1.20:5000"):
            assert asset_url(42) == "https://houqin.example.edu.cn/asset/show/42"
    finally:
        app.config["PUBLIC_BASE_URL"] = ""


def test_qr_svg_is_an_inline_svg_of_the_text():
    from views.printing import qr_svg

    svg = qr_svg("http://localhost/asset/show/1")
    assert svg.startswith("<svg") and 'viewBox="0 0 33 33"' in svg and "<path" in svg and "xmlns" not in svg
    assert qr_svg("http://localhost/asset/show/2") != svg


def labels_on(html: str) -> list[str]:
    return re.findall(r'<dd class="label-code">([^<]*)</dd>', html)


def test_one_asset_label_has_the_card_fields_and_the_qr_code_of_its_page(app, as_user, records):
    from views.printing import qr_svg

    url = f"/print/asset-labels/{records['canteen_asset']}"
    client = as_user("shitang")
    response = client.get(url)
    assert response.status_code == 200
    html = response.text
    assert_printable(url, html)
    assert labels_on(html) == [f"{PREFIX}0001"]
    text = text_of(html)
    for value in ("食堂冰柜", "双门 500 升", records["canteen_department"], records["room"], "2025-09-01",
                  app.config["APP_NAME"]):
        assert value in text, value
    page = f"http://localhost/asset/show/{records['canteen_asset']}"
    assert f'data-url="{page}"' in html
    assert qr_svg(page) in html  # the SVG printed is the QR code of the asset's page
    assert "打印标签" in client.get(f"/asset/show/{records['canteen_asset']}").text


def test_labels_print_what_the_list_filters_select_within_scope(as_user, records):
    query = f"_flt_0_code={PREFIX}"  # 资产编号 开头是
    admin = as_user("admin")
    listing = admin.get(f"/asset/list/?{query}").text
    assert f'href="/print/asset-labels/?{query}"' in listing and "打印标签" in listing
    assert sorted(labels_on(admin.get(f"/print/asset-labels/?{query}").text)) == [f"{PREFIX}0001", f"{PREFIX}0002"]
    assert labels_on(admin.get(f"/print/asset-labels/?{query}&_flt_0_name=教室").text) == [f"{PREFIX}0002"]
    # 食堂管理员's scope is the canteen: the teacher's projector is neither listed nor printed.
    shitang = as_user("shitang")
    assert labels_on(shitang.get(f"/print/asset-labels/?{query}").text) == [f"{PREFIX}0001"]
    assert shitang.get(f"/print/asset-labels/{records['teacher_asset']}").status_code == 404


def test_labels_are_capped_with_a_chinese_message(as_user, records, monkeypatch):
    import views.printing as printing

    monkeypatch.setattr(printing, "LABELS_MAX", 1)
    html = as_user("admin").get(f"/print/asset-labels/?_flt_0_code={PREFIX}").text
    assert len(labels_on(html)) == 1
    assert "符合当前筛选条件的资产共 2 件，本页只打印前 1 件" in text_of(html)
    monkeypatch.setattr(printing, "LABELS_MAX", 500)
    empty = as_user("admin").get("/print/asset-labels/?_flt_0_code=NO-SUCH-CODE").text
    assert labels_on(empty) == [] and "没有符合当前筛选条件的资产" in empty


def test_labels_lay_out_24_to_an_a4_sheet():
    import views.printing as printing

    assert printing.LABELS_PER_SHEET == 24
    from pathlib import Path

    css = (Path(printing.__file__).resolve().parent.parent / "app/static/engine/print.css").read_text()
    assert "size: A4" in css and "@media print" in css and "repeat(3, 62mm)" in css
    assert '"SimSun"' in css and '"Noto Serif CJK SC"' in css and "url(" not in css  # system fonts, nothing fetched


def test_labels_need_the_asset_read_permission(as_user, records):
    client = as_user("jiaoshi")  # 教职工 may not read asset cards
    assert client.get(f"/print/asset-labels/{records['teacher_asset']}").status_code in (302, 403)
    assert client.get("/print/asset-labels/").status_code in (302, 403)


def test_print_pages_do_not_change_the_models_permissions(app):
    """A print page shares its model's permission name: the model keeps read, add, edit and delete."""
    views = {v.class_permission_name: v for v in app.extensions["engine"].views.values()}
    for page in app.extensions["prints"]:
        assert sorted(page.base_permissions) == sorted(views[page.class_permission_name].base_permissions)
        assert {"can_read", "can_add", "can_edit", "can_delete"} <= set(page.base_permissions)


# ----------------------------------------------------------------------------- in a real browser


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_sheets_print_on_a4_without_the_toolbar_in_a_browser(session, records):
    page = session("admin").open(f"/print/purchase-request/{records['request']}")
    assert page.locator(".print-toolbar").is_visible()
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith('SimSun')
    page.evaluate("window.print = () => { window.printed = true; }")  # the dialog itself cannot be driven
    page.click("button[data-print]")
    assert page.evaluate("window.printed === true")  # the 打印 button's script ran under the CSP
    page.emulate_media(media="print")
    assert not page.locator(".print-toolbar").is_visible()
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf_pages(pdf) == 1
    assert re.search(rb"/MediaBox\s*\[0 0 59[45]\.\d+ 84[12]\.\d+\]", pdf)  # A4: 210 × 297 mm in points
    page.emulate_media(media="screen")
    page.goto(page.url.split("/print/")[0] + f"/print/asset-labels/?_flt_0_code={PREFIX}")
    page.emulate_media(media="print")
    assert page.locator(".asset-label svg").count() == 2
    assert pdf_pages(page.pdf(prefer_css_page_size=True)) == 1
