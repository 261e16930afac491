"""Search as people type: zgl finds 周桂兰; 打印 finds assets whose name contains it; a quick filter and a search
combine, and the active conditions stay visible as chips that remove themselves one by one."""
from __future__ import annotations

from playwright.sync_api import expect


def shown_count(someone) -> int:
    header = someone.page.locator(".well").filter(has_text="记录数").first.inner_text()
    return int(header.split("记录数:")[-1].strip().split()[0])


def table_column(someone, label: str) -> list[str]:
    table = someone.page.locator(".engine-list-table table")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    index = headers.index(label)
    return [row.locator("td").nth(index).inner_text().strip() for row in table.locator("tbody tr").all()]


def test_search_finds_what_people_type(person, app):
    director = person("zongwu", "后勤主任")
    with director.task("拼音首字母找人", budget=4):
        director.menu("机构与人员", "教职工")
        director.type("关键字", "zgl")
        director.tap("搜索")
    assert table_column(director, "姓名") == ["周桂兰"]
    expect(director.page.locator(".engine-chip")).to_have_count(1)
    expect(director.page.locator(".engine-chip")).to_contain_text("关键字：zgl")

    with director.task("名称包含「打印」的资产，再只看在用的", budget=6):
        director.menu("校产管理", "资产卡片")
        director.type("关键字", "打印")
        director.tap("搜索")
        total = shown_count(director)
        assert total == assets_named(app, "打印") > 0
        assert all("打印" in name for name in table_column(director, "资产名称"))
        director.tap(director.page.locator(".quick-filters a").filter(has_text="在用"))
    in_use = shown_count(director)
    assert 0 < in_use == assets_named(app, "打印", in_use=True) <= total
    assert set(table_column(director, "状态")) == {"在用"}
    chips = director.page.locator(".engine-chip")
    expect(chips).to_have_count(2)
    expect(chips.nth(0)).to_contain_text("关键字：打印")
    expect(chips.nth(1)).to_contain_text("快速筛选：在用")
    director.shot("两个条件")

    with director.task("去掉关键字条件", budget=1):
        director.tap(chips.nth(0))
    expect(director.field("关键字")).to_have_value("")
    expect(director.page.locator(".engine-chip")).to_have_count(1)
    assert shown_count(director) > in_use  # every asset in use, not only printers
    assert set(table_column(director, "状态")) == {"在用"}


def test_a_dropdown_finds_a_room_by_the_words_it_shows(person):
    manager = person("sushe", "宿管员")
    manager.menu("宿舍管理", "卫生检查")
    manager.tap("新增卫生检查")
    assert manager.options("房间", search="男生宿舍1号楼 203") == ["男生宿舍1号楼 203室"]
    assert "男生宿舍1号楼 203室" in manager.options("房间", search="203")


def assets_named(app, word: str, in_use: bool = False) -> int:
    from app.extensions import db
    from models.assets import Asset, AssetStatus

    with app.app_context():
        query = db.session.query(Asset).filter(Asset.name.contains(word))
        if in_use:
            query = query.filter(Asset.status == AssetStatus.in_use)
        count = query.count()
        db.session.remove()
    return count
