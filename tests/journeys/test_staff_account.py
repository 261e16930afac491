"""系统管理员 gives a new 宿管员 a staff record and a working login in one form (no e-mail needed); the new
person logs in and sees their own department's data — not an empty list, not the whole school."""
from __future__ import annotations

import uuid

from playwright.sync_api import expect


def test_a_new_dorm_manager_gets_an_account_in_one_form_and_sees_their_department(person, app):
    mark = uuid.uuid4().hex[:6]
    username, password, name = f"sg{mark}", "Sushe2026new", f"新宿管{mark[:2]}"
    admin = person("admin", "系统管理员")
    with admin.task("新增教职工并开通账号", budget=8):
        admin.menu("机构与人员", "教职工")
        admin.tap("新增教职工")
        admin.type("工号", f"2026{mark}")
        admin.type("姓名", name)
        admin.choose("部门", "宿舍管理", search="宿舍")
        admin.type("岗位", "宿管员")
        admin.type("联系电话", "13900001234")
        admin.type("登录账号", username)
        admin.tick("宿管员")
        admin.type("初始密码", password)
        admin.tap("保存")
        admin.sees("已保存")
    expect(admin.page.locator("th:text-is('登录账号') + td")).to_have_text(f"{username}（宿管员）")
    expect(admin.page.locator("th:text-is('联系电话') + td a[href^='tel:']")).to_be_visible()
    admin.shot("账号已开通")

    newcomer = person(username, "宿管员（新）", password=password)
    with newcomer.task("新人看本部门的资产", budget=3):
        newcomer.menu("校产管理", "资产卡片")
    shown = int(newcomer.page.locator(".well").filter(has_text="记录数").first.inner_text().split("记录数:")[-1]
                .strip().split()[0])
    assert shown == department_assets(app, "宿舍管理") > 0  # their department's cards: not none, not the school's
    expect(newcomer.page.locator("body")).not_to_contain_text("师生食堂")
    newcomer.shot("本部门资产")


def department_assets(app, department: str) -> int:
    from app.extensions import db
    from models.assets import Asset
    from models.org import Department

    with app.app_context():
        count = db.session.query(Asset).join(Department, Asset.department_id == Department.id).filter(
            Department.name == department).count()
        db.session.remove()
    return count
